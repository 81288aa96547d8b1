# apply_async returns at once; callbacks report values and errors as tasks finish.
from multiprocessing.pool import ThreadPool


def invert(x):
    return 1 / x


def report(value):
    print("callback:", value)


def report_error(error):
    print("error callback:", type(error).__name__, error)


with ThreadPool(processes=2) as pool:
    good = pool.apply_async(invert, (4,), callback=report, error_callback=report_error)
    print("result:", good.get(timeout=5), "ready:", good.ready())
    bad = pool.apply_async(invert, (0,), callback=report, error_callback=report_error)
    bad.wait()
    try:
        bad.get()
    except ZeroDivisionError as error:
        print("get() raised:", error)
