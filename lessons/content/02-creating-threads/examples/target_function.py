# Three threads, each running the same function with its own arguments.
import threading
import time


def work(name, seconds):
    print(f"{name} starts")
    time.sleep(seconds)
    print(f"{name} done after {seconds} s")


print("main thread:", threading.current_thread().name)
threads = [
    threading.Thread(target=work, args=("worker-a", 0.3)),
    threading.Thread(target=work, args=("worker-b", 0.1)),
    threading.Thread(target=work, args=("worker-c", 0.2)),
]
print("before start:", [t.is_alive() for t in threads])
for t in threads:
    t.start()
print("while running:", [t.is_alive() for t in threads])
for t in threads:
    t.join()
print("after join:", [t.is_alive() for t in threads])
