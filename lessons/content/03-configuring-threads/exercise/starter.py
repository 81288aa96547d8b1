# Lesson 3 exercise: watch three named threads from the main thread until all have ended.
import threading
import time

POLL = 0.5  # seconds between two looks


def work(seconds):
    time.sleep(seconds)


# TODO: name the threads worker-1, worker-2 and worker-3 (Thread's name= argument).
workers = [threading.Thread(target=work, args=(seconds,)) for seconds in (1, 2, 3)]

# TODO: before starting them, print "worker-N alive: False" for each, asking is_alive().

start = time.perf_counter()
for worker in workers:
    worker.start()

# TODO: instead of joining, look every POLL seconds: print the time since start and the names
# of the threads alive at that moment, until none is alive.
for worker in workers:
    worker.join()
print("all finished")
