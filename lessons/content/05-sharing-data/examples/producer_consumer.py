# One producer, two consumers, a bounded queue, and a sentinel per consumer.
import queue
import threading

work = queue.Queue(maxsize=4)
done = []
lock = threading.Lock()


def producer(count):
    for item in range(count):
        work.put(item)
    for _ in range(2):
        work.put(None)


def consumer():
    while True:
        item = work.get()
        if item is None:
            work.task_done()
            return
        with lock:
            done.append(item * 10)
        work.task_done()


producer_thread = threading.Thread(target=producer, args=(12,))
consumers = [threading.Thread(target=consumer) for _ in range(2)]
threads = [producer_thread] + consumers
for t in threads:
    t.start()
# join() waits for every item put so far: wait for the producer to have put them all first.
producer_thread.join()
work.join()
print("processed", len(done), "items:", sorted(done))
for t in threads:
    t.join()
print("queue empty:", work.empty())
