# Opposite lock orders could deadlock; a timeout lets one thread back off and retry.
import threading
import time

a = threading.Lock()
b = threading.Lock()
log = []


def first():
    with a:
        time.sleep(0.1)
        with b:
            log.append("first got a, then b")


def second():
    while True:
        with b:
            time.sleep(0.1)
            if a.acquire(timeout=0.05):
                log.append("second got b, then a")
                a.release()
                return
            log.append("second backed off")
        time.sleep(0.1)


threads = [threading.Thread(target=first), threading.Thread(target=second)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\n".join(log))
