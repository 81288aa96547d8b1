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


partial_sums = []


def add_to_list(numbers):
    partial_sums.append(sum_of_squares(numbers))


threads = [threading.Thread(target=add_to_list, args=(numbers,)) for numbers in parts()]
for thread in threads:
    thread.start()
# The mistake: the list is added up while the threads may still be working, and joined only
# afterwards. Under some schedules a partial sum is missing.
total = sum(partial_sums)
for thread in threads:
    thread.join()
print("global list:", total)


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


results = queue.Queue()


def put_on_queue(numbers):
    results.put(sum_of_squares(numbers))


for numbers in parts():
    threading.Thread(target=put_on_queue, args=(numbers,)).start()
print("queue:", sum(results.get() for _ in range(PARTS)))
