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


# TODO: make these two share one threading.Lock, held around each update.
def deposit_with_lock():
    global balance
    for _ in range(OPERATIONS):
        balance += 1


def withdraw_with_lock():
    global balance
    for _ in range(OPERATIONS):
        balance -= 1


# TODO: write deposit_with_semaphore and withdraw_with_semaphore, sharing a Semaphore(1).

print("unprotected:", run_pair(deposit_unprotected, withdraw_unprotected))
print("with a lock:", run_pair(deposit_with_lock, withdraw_with_lock))
# print("with a semaphore:", run_pair(deposit_with_semaphore, withdraw_with_semaphore))
