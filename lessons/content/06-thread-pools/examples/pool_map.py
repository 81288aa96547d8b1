# Three ways to collect results from a ThreadPool: in order at the end, in order as they come,
# and as they finish.
import time
from multiprocessing.pool import ThreadPool

PAGES = [("home", 0.3), ("blog", 0.1), ("shop", 0.2)]


def fetch(page):
    name, seconds = page
    time.sleep(seconds)
    return name


with ThreadPool(processes=3) as pool:
    print("map:           ", pool.map(fetch, PAGES))
    print("imap:          ", list(pool.imap(fetch, PAGES)))
    print("imap_unordered:", list(pool.imap_unordered(fetch, PAGES)))
