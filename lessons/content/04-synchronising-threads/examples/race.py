# Two threads move one balance up and down: updates get lost.
import threading

balance = 0


def deposit(times):
    global balance
    for _ in range(times):
        balance += 1


def withdraw(times):
    global balance
    for _ in range(times):
        balance -= 1


threads = [threading.Thread(target=deposit, args=(20000,)),
           threading.Thread(target=withdraw, args=(20000,))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("balance:", balance)
