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

# One thread per task.
start = time.perf_counter()
# TODO: create a threading.Thread for each task (target=task, args=(number,)), start every
# one of them, and then join every one of them.
concurrent = time.perf_counter() - start

print(f"serial: {serial:.2f} s")
print(f"concurrent: {concurrent:.2f} s")
# TODO: print "difference: <serial - concurrent> s" and "ratio: <serial / concurrent>".
