# Counting primes is pure computing: threads help only where they run in parallel.
import threading


def count_primes(start, stop, results, slot):
    count = 0
    for n in range(max(start, 2), stop):
        d = 2
        while d * d <= n:
            if n % d == 0:
                break
            d += 1
        else:
            count += 1
    results[slot] = count


results = [0, 0]
count_primes(0, 20000, results, 0)
count_primes(20000, 40000, results, 1)
print("serially:", sum(results), "primes")

results = [0, 0]
halves = [threading.Thread(target=count_primes, args=(0, 20000, results, 0)),
          threading.Thread(target=count_primes, args=(20000, 40000, results, 1))]
for thread in halves:
    thread.start()
for thread in halves:
    thread.join()
print("on two threads:", sum(results), "primes")
