# Each thread stores its result under its own key in a shared dict.
import threading

results = {}


def square_sum(n):
    results[n] = sum(i * i for i in range(n))


threads = [threading.Thread(target=square_sum, args=(n,)) for n in (10, 100, 1000)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for n in sorted(results):
    print(f"sum of squares below {n}: {results[n]}")
