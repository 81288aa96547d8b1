# CPU-bound work on one thread: the baseline for cpu_two_threads.py, which does it twice.
import threading


def work(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


t = threading.Thread(target=work, args=(1_500_000,))
t.start()
t.join()
print("done")
