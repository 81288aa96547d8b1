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

# One thread per task... but the mistake: joining each thread right after starting it waits
# for that task to end before the next one starts, so the waits still add up.
start = time.perf_counter()
for number in range(TASKS):
    thread = threading.Thread(target=task, args=(number,))
    thread.start()
    thread.join()
concurrent = time.perf_counter() - start

print(f"serial: {serial:.2f} s")
print(f"concurrent: {concurrent:.2f} s")
print(f"difference: {serial - concurrent:.2f} s")
print(f"ratio: {serial / concurrent:.2f}")
