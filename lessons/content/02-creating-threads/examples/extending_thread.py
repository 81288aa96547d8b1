# A Thread subclass keeps its input and its result on self.
import threading


class Summer(threading.Thread):
    def __init__(self, numbers):
        super().__init__()
        self.numbers = numbers
        self.total = None

    def run(self):
        self.total = sum(self.numbers)


summers = [Summer(range(0, 1000)), Summer(range(1000, 2000)), Summer(range(2000, 3000))]
for s in summers:
    s.start()
for s in summers:
    s.join()
print([s.total for s in summers])
print("grand total:", sum(s.total for s in summers))
try:
    summers[0].start()
except RuntimeError as error:
    print("starting twice:", error)
