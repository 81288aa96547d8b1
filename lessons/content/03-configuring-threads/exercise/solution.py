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

while True:
    # Ask every thread again at every look: is_alive() answers for this moment only.
    alive = [worker.name for worker in workers if worker.is_alive()]
    print(f"t={time.perf_counter() - start:.1f} alive: {', '.join(alive) or 'none'}")
    if not alive:
        break
    time.sleep(POLL)
print("all finished")
