# Lesson 4 exercise: show the race on a shared balance, then fix it twice.
import threading

OPERATIONS = 100
balance = 100


def run_pair(deposit, withdraw):
    """Runs deposit and withdraw on two threads at once; returns the final balance."""
    global balance
    balance = 100
    threads = [threading.Thread(target=deposit), threading.Thread(target=withdraw)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return balance


def deposit_unprotected():
    global balance
    for _ in range(OPERATIONS):
        balance += 1


def withdraw_unprotected():
    global balance
    for _ in range(OPERATIONS):
        balance -= 1


# One lock, shared by both threads: only one of them is ever between load and store.
lock = threading.Lock()


def deposit_with_lock():
    global balance
    for _ in range(OPERATIONS):
        with lock:
            balance += 1


def withdraw_with_lock():
    global balance
    for _ in range(OPERATIONS):
        with lock:
            balance -= 1


# A semaphore with one permit guards the balance just as well.
semaphore = threading.Semaphore(1)


def deposit_with_semaphore():
    global balance
    for _ in range(OPERATIONS):
        with semaphore:
            balance += 1


def withdraw_with_semaphore():
    global balance
    for _ in range(OPERATIONS):
        with semaphore:
            balance -= 1


print("unprotected:", run_pair(deposit_unprotected, withdraw_unprotected))
print("with a lock:", run_pair(deposit_with_lock, withdraw_with_lock))
print("with a semaphore:", run_pair(deposit_with_semaphore, withdraw_with_semaphore))
