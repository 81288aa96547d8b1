# A worker loops until asked to stop through an Event; waiting on the Event, it hears at once.
import threading
import time

stop = threading.Event()
rounds = []


def worker():
    while not stop.is_set():
        rounds.append(time.perf_counter())
        stop.wait(0.1)
    print("worker: stop requested, cleaning up")


thread = threading.Thread(target=worker)
thread.start()
time.sleep(0.35)
stop.set()
thread.join()
print(f"the worker ran {len(rounds)} rounds and stopped; alive: {thread.is_alive()}")
