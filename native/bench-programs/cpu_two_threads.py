# Twice the work of cpu_one_thread.py, on two threads: with no GIL and two free cores this
# takes about as long as one thread's share; under a GIL, about twice as long.
import threading


def work(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


threads = [threading.Thread(target=work, args=(1_500_000,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("done")
