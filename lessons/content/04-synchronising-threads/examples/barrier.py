# Three runners wait at the start line; the race begins when the last one arrives.
import threading

barrier = threading.Barrier(3, action=lambda: print("all three ready: go!"))
times = {}
lock = threading.Lock()


def runner(name, warm_up):
    threading.Event().wait(warm_up)
    barrier.wait()
    with lock:
        times[name] = warm_up


runners = [threading.Thread(target=runner, args=(n, w)) for n, w in [("ann", 0.3), ("bob", 0.1), ("cy", 0.2)]]
for r in runners:
    r.start()
for r in runners:
    r.join()
print(sorted(times))
