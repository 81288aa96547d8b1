# Lesson 6 exercise: the same tasks through map, imap and imap_unordered.
import time
from multiprocessing.pool import ThreadPool

ITEMS = [1, 2, 3, 4, 5]
# Seconds each item takes: the tasks finish in the order 2, 1, 4, 3, 5, not in input order.
DELAYS = {1: 0.2, 2: 0.1, 3: 0.4, 4: 0.3, 5: 0.5}


def work(n):
    time.sleep(DELAYS[n])
    return n * n


def work_tagged(n):
    """imap_unordered does not say which item a result is for: return the item with it."""
    return n, work(n)


# One worker per item, so that every task of a call starts at once and they finish in order
# of their delays.
with ThreadPool(processes=len(ITEMS)) as pool:
    # map waits for every result and returns them as one list, in input order.
    print("map:", pool.map(work, ITEMS))
    # imap yields each result in input order as soon as it and those before it are ready:
    # printing inside the loop shows them as they come.
    for n, result in zip(ITEMS, pool.imap(work, ITEMS)):
        print("imap:", n, result)
    # imap_unordered yields each result as soon as its task finishes.
    for n, result in pool.imap_unordered(work_tagged, ITEMS):
        print("imap_unordered:", n, result)
