# A daemon thread does not keep the program alive: this one would tick for ever.
import threading
import time


def heartbeat():
    while True:
        time.sleep(0.1)


def report():
    time.sleep(0.25)
    print("report written")


background = threading.Thread(target=heartbeat, daemon=True, name="heartbeat")
worker = threading.Thread(target=report, name="reporter")
background.start()
worker.start()
print("daemon?", background.daemon, worker.daemon)
print("alive:", sorted(t.name for t in threading.enumerate()))
while worker.is_alive():
    time.sleep(0.1)
print("reporter finished; the heartbeat is abandoned at exit")
