# Two threads each add 1 to a shared balance a million times under one lock.
import threading

balance = 0
lock = threading.Lock()


def deposit(times):
    global balance
    for _ in range(times):
        with lock:
            balance += 1


threads = [threading.Thread(target=deposit, args=(1_000_000,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(balance)
