# submit, as_completed and wait with a ThreadPoolExecutor.
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, as_completed, wait


def brew(drink, seconds):
    time.sleep(seconds)
    return f"{drink} ready"


orders = {"espresso": 0.1, "latte": 0.3, "tea": 0.2}
with ThreadPoolExecutor(max_workers=3) as executor:
    futures = [executor.submit(brew, drink, s) for drink, s in orders.items()]
    for future in as_completed(futures):
        print(future.result())

    slow = executor.submit(brew, "slow cold brew", 1.0)
    quick = executor.submit(brew, "water", 0.1)
    done, not_done = wait([slow, quick], return_when=FIRST_COMPLETED)
    print("first done:", [f.result() for f in done], "still brewing:", len(not_done))
    print(list(executor.map(len, ["a", "bb", "ccc"])))
