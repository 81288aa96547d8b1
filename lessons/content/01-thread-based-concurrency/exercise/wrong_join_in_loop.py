# Lesson 1 exercise: time CPU-bound and IO-bound work, serially and on four threads.
import threading
import time

TASKS = 4
COUNT_TO = 1_500  # the CPU task's loop: pure computing, no waiting
WAIT = 0.1  # the IO task's wait, in seconds, as if for a download


def cpu_task():
    total = 0
    for i in range(COUNT_TO):
        total += i * i


def io_task():
    time.sleep(WAIT)


def serially(task):
    """Runs task TASKS times, one after another; returns the seconds it took."""
    start = time.perf_counter()
    for _ in range(TASKS):
        task()
    return time.perf_counter() - start


def on_threads(task):
    """Runs task on TASKS threads at once; returns the seconds it took."""
    start = time.perf_counter()
    threads = [threading.Thread(target=task) for _ in range(TASKS)]
    # The mistake: each thread is joined right after it starts, so the next one only
    # starts once it has finished. Nothing overlaps.
    for thread in threads:
        thread.start()
        thread.join()
    return time.perf_counter() - start


cpu_serial = serially(cpu_task)
cpu_threaded = on_threads(cpu_task)
print(f"cpu serial: {cpu_serial:.6f} s")
print(f"cpu threaded: {cpu_threaded:.6f} s")
print(f"cpu ratio: {cpu_serial / cpu_threaded:.2f}")

io_serial = serially(io_task)
io_threaded = on_threads(io_task)
print(f"io serial: {io_serial:.6f} s")
print(f"io threaded: {io_threaded:.6f} s")
print(f"io ratio: {io_serial / io_threaded:.2f}")

