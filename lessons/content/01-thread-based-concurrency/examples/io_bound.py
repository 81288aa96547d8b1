# Four "downloads" that mostly wait: serially the waits add up, on threads they overlap.
import threading
import time

FILES = {"report.pdf": 0.4, "photo.jpg": 0.3, "data.csv": 0.2, "notes.txt": 0.1}


def download(name):
    time.sleep(FILES[name])


start = time.perf_counter()
for name in FILES:
    download(name)
serial = time.perf_counter() - start

start = time.perf_counter()
threads = [threading.Thread(target=download, args=(name,)) for name in FILES]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
threaded = time.perf_counter() - start

print(f"serial:   {serial:.1f} s")
print(f"threaded: {threaded:.1f} s")
print(f"speed-up: {serial / threaded:.1f}x")
