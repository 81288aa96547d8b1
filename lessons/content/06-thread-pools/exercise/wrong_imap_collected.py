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
    # The mistake: list() waits for every result before the first line is printed, so imap
    # behaves like map and nothing shows until the slowest task is done.
    results = list(pool.imap(work, ITEMS))
    for n, result in zip(ITEMS, results):
        print("imap:", n, result)
    for n, result in pool.imap_unordered(work_tagged, ITEMS):
        print("imap_unordered:", n, result)
