# Lesson 3 exercise: watch three named threads from the main thread until all have ended.
import threading
import time

POLL = 0.5  # seconds between two looks


def work(seconds):
    time.sleep(seconds)


workers = [
    threading.Thread(target=work, args=(seconds,), name=f"worker-{seconds}")
    for seconds in (1, 2, 3)
]
# A thread that has not been started is not alive yet.
for worker in workers:
    print(f"{worker.name} alive: {worker.is_alive()}")

start = time.perf_counter()
for worker in workers:
    worker.start()

# The mistake: the list of living threads is made once, before the loop, and printed again
# and again, although threads end while the loop runs.
alive = [worker.name for worker in workers if worker.is_alive()]
while any(worker.is_alive() for worker in workers):
    print(f"t={time.perf_counter() - start:.1f} alive: {', '.join(alive) or 'none'}")
    time.sleep(POLL)
print("all finished")
