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


threads = [threading.Thread(target=producer, args=(12,))]
threads += [threading.Thread(target=consumer) for _ in range(2)]
for t in threads:
    t.start()
work.join()
print("processed", len(done), "items:", sorted(done))
for t in threads:
    t.join()
print("queue empty:", work.empty())
