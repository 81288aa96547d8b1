# An Event starts the workers; a Condition lets the main thread wait until all are done.
import threading

start = threading.Event()
done = threading.Condition()
finished = []


def worker(name):
    start.wait()
    with done:
        finished.append(name)
        done.notify_all()


threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(3)]
for t in threads:
    t.start()
print("workers waiting:", len(finished) == 0)
start.set()
with done:
    done.wait_for(lambda: len(finished) == 3)
print("all finished:", sorted(finished))
for t in threads:
    t.join()
