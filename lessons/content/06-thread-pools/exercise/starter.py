# Lesson 6 exercise: the same tasks through map, imap and imap_unordered.
import time
from multiprocessing.pool import ThreadPool

ITEMS = [1, 2, 3, 4, 5]
# Seconds each item takes: keep these, the check expects them.
DELAYS = {1: 0.2, 2: 0.1, 3: 0.4, 4: 0.3, 5: 0.5}


def work(n):
    time.sleep(DELAYS[n])
    return n * n


# TODO: how many workers does the pool need to run every item at once?
with ThreadPool(processes=2) as pool:
    print("map:", pool.map(work, ITEMS))
    # TODO: print one "imap: <n> <result>" line per item, each as soon as pool.imap yields it.
    # TODO: print one "imap_unordered: <n> <result>" line per item, in the order the tasks
    # finish. imap_unordered does not say which item a result is for: have the task return
    # the item too.
