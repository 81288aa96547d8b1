# Opposite lock orders: this run finishes, but one unlucky interleaving deadlocks.
import threading

a = threading.Lock()
b = threading.Lock()


def first():
    with a:
        with b:
            print("first got a, then b")


def second():
    with b:
        with a:
            print("second got b, then a")


threads = [threading.Thread(target=first), threading.Thread(target=second)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("both done")
