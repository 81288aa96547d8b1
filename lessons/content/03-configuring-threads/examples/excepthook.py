# A custom excepthook collects the failures of threads; the other threads go on.
import threading

failures = []


def collect(args):
    failures.append(f"{args.thread.name}: {args.exc_type.__name__}: {args.exc_value}")


threading.excepthook = collect


def divide(a, b):
    print(f"{a} / {b} = {a / b}")


threads = [threading.Thread(target=divide, args=(10, b), name=f"divider-{b}") for b in (2, 0, 5)]
for t in threads:
    t.start()
    t.join()
print(failures)
