# Run once, unseen, when the course page loads, so that the interpreter's hot paths are compiled
# by V8's optimising compiler before the learner's first run (see warm_up.rs).
import threading


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def size(self):
        return abs(self.x) + abs(self.y)


def work(n):
    total = 0
    counts = {}
    picked = []
    for i in range(n):
        point = Point(i, -i)
        total += point.size() % 7
        if i % 3 == 0 and total > 10:
            picked.append(i)
        counts[i % 16] = counts.get(i % 16, 0) + 1
        d = 2
        while d * d <= i:
            if i % d == 0:
                break
            d += 1
    return f"{total} {len(picked)} {len(counts)}"


lock = threading.Lock()


def guarded():
    with lock:
        work(2000)


helper = threading.Thread(target=guarded)
helper.start()
work(20000)
helper.join()
