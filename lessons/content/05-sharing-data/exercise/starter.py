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


# (a) A global list: every thread appends its partial sum.
partial_sums = []


def add_to_list(numbers):
    partial_sums.append(sum_of_squares(numbers))


threads = [threading.Thread(target=add_to_list, args=(numbers,)) for numbers in parts()]
for thread in threads:
    thread.start()
# TODO: is the list complete here? Wait for the threads before adding it up.
print("global list:", sum(partial_sums))


# (b) A Thread subclass keeps its result on itself.
class SquareSummer(threading.Thread):
    def __init__(self, numbers):
        super().__init__()
        self.numbers = numbers
        self.result = 0

    def run(self):
        # TODO: compute this thread's part and keep it in self.result.
        pass


# TODO: make one SquareSummer per part, start them all, join them all, then add up their
# results.
summers = []
print("attributes:", sum(summer.result for summer in summers))


# (c) A queue: each thread puts its result, the main thread gets four of them.
results = queue.Queue()

# TODO: write put_on_queue(numbers), start one thread per part with it, get() four results.
# print("queue:", ...)
