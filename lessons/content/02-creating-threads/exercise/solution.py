# Lesson 2 exercise: ten tasks that wait, run one after another, then on a thread each.
import threading
import time

TASKS = 10


def task(number):
    time.sleep(1)  # waiting, as for a download: the thread needs no CPU meanwhile
    print(f"task {number} done")


# One after another, on the main thread: the waits add up.
start = time.perf_counter()
for number in range(TASKS):
    task(number)
serial = time.perf_counter() - start

# One thread per task: start them all, then wait for them all. The waits overlap.
start = time.perf_counter()
threads = [threading.Thread(target=task, args=(number,)) for number in range(TASKS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
concurrent = time.perf_counter() - start

print(f"serial: {serial:.2f} s")
print(f"concurrent: {concurrent:.2f} s")
print(f"difference: {serial - concurrent:.2f} s")
print(f"ratio: {serial / concurrent:.2f}")
