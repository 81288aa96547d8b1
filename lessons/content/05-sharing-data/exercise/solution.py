# Lesson 5 exercise: four threads share a sum; gather their results three ways.
import queue
import threading

N = 400
PARTS = 4


def parts():
    """1..N cut into PARTS ranges of consecutive numbers."""
    size = N // PARTS
    return [range(i * size + 1, (i + 1) * size + 1) for i in range(PARTS)]


def sum_of_squares(numbers):
    return sum(n * n for n in numbers)


# (a) A global list: every thread appends its partial sum. One append is a single operation,
# so no lock is needed; but the list is only complete once every thread has been joined.
partial_sums = []


def add_to_list(numbers):
    partial_sums.append(sum_of_squares(numbers))


threads = [threading.Thread(target=add_to_list, args=(numbers,)) for numbers in parts()]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("global list:", sum(partial_sums))


# (b) A Thread subclass keeps its result on itself; the main thread reads it after join().
class SquareSummer(threading.Thread):
    def __init__(self, numbers):
        super().__init__()
        self.numbers = numbers
        self.result = None

    def run(self):
        self.result = sum_of_squares(self.numbers)


summers = [SquareSummer(numbers) for numbers in parts()]
for summer in summers:
    summer.start()
for summer in summers:
    summer.join()
print("attributes:", sum(summer.result for summer in summers))


# (c) A queue: each thread puts its result; get() waits until one is there, so the main thread
# needs no join() to know that it has all four.
results = queue.Queue()


def put_on_queue(numbers):
    results.put(sum_of_squares(numbers))


for numbers in parts():
    threading.Thread(target=put_on_queue, args=(numbers,)).start()
print("queue:", sum(results.get() for _ in range(PARTS)))
