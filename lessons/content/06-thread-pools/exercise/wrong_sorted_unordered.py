# Lesson 6 exercise: the same tasks through map, imap and imap_unordered.
import time
from multiprocessing.pool import ThreadPool

ITEMS = [1, 2, 3, 4, 5]
DELAYS = {1: 0.2, 2: 0.1, 3: 0.4, 4: 0.3, 5: 0.5}


def work(n):
    time.sleep(DELAYS[n])
    return n * n


def work_tagged(n):
    return n, work(n)


with ThreadPool(processes=len(ITEMS)) as pool:
    print("map:", pool.map(work, ITEMS))
    for n, result in zip(ITEMS, pool.imap(work, ITEMS)):
        print("imap:", n, result)
    # The mistake: the results are collected and sorted before anything is printed, which
    # throws away the order in which the tasks finished (and waits for the slowest one).
    for n, result in sorted(pool.imap_unordered(work_tagged, ITEMS)):
        print("imap_unordered:", n, result)
