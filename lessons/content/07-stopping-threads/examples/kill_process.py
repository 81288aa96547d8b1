# A task that never checks a flag cannot be stopped as a thread; as a process, it can.
from multiprocessing import Process


def spin():
    while True:
        pass


if __name__ == "__main__":
    process = Process(target=spin)
    process.start()
    process.join(0.5)
    print("alive after half a second:", process.is_alive())
    process.terminate()
    process.join()
    print("alive after terminate() and join():", process.is_alive())
    print("exit code:", process.exitcode)
