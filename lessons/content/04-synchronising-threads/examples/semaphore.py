# At most two downloads at a time, however many threads want to download.
import threading
import time

slots = threading.Semaphore(2)
lock = threading.Lock()
inside = 0
most_inside = 0


def download(name):
    global inside, most_inside
    with slots:
        with lock:
            inside += 1
            most_inside = max(most_inside, inside)
        time.sleep(0.1)
        with lock:
            inside -= 1


threads = [threading.Thread(target=download, args=(f"file-{i}",)) for i in range(6)]
start = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
print("most downloads at once:", most_inside)
print(f"six downloads of 0.1 s took {time.perf_counter() - start:.1f} s")
