# One thread next to the main thread: start() returns at once, join() waits for the end.
import threading
import time


def greet(name):
    time.sleep(0.1)
    print(f"hello from {threading.current_thread().name}, greeting {name}")


thread = threading.Thread(target=greet, args=("Ada",))
print("starting", thread.name)
thread.start()
print("the main thread goes on while the other one sleeps")
thread.join()
print("the thread has finished:", not thread.is_alive())
