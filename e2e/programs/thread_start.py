# How long Thread.start() takes to get a thread running, median of many: the browser keeps
# warm workers for exactly this.
import threading
import time


def nothing():
    pass


times = []
for _ in range(200):
    thread = threading.Thread(target=nothing)
    began = time.perf_counter()
    thread.start()
    times.append(time.perf_counter() - began)
    thread.join()
times.sort()
print(f"start median: {times[len(times) // 2] * 1000:.3f} ms")
