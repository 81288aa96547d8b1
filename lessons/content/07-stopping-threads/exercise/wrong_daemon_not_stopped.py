# Lesson 7 exercise: a looping task, stopped from inside, with an Event, and by killing its
# process.
import threading
import time
from multiprocessing import Process

STEP = 0.01  # seconds one step of work takes


def step():
    """One step of work: every loop below does one per round."""
    time.sleep(STEP)


inside_steps = 0


def count_to_five():
    global inside_steps
    while True:
        step()
        inside_steps += 1
        if inside_steps == 5:
            return


event_steps = 0


# The mistake: the worker is a daemon that nothing ever stops. The program still ends, since
# daemon threads are abandoned at exit, but the worker is still looping when its line says it
# stopped.
def work_forever():
    global event_steps
    while True:
        step()
        event_steps += 1


def spin_forever():
    while True:
        step()


if __name__ == "__main__":
    worker = threading.Thread(target=count_to_five)
    worker.start()
    worker.join()
    print(f"inside: stopped itself after {inside_steps} steps")

    worker = threading.Thread(target=work_forever, daemon=True)
    worker.start()
    time.sleep(2.5 * STEP)
    print(f"event: stopped after {event_steps} steps")

    process = Process(target=spin_forever)
    process.start()
    time.sleep(2 * STEP)
    process.terminate()
    process.join()
    print("process: exitcode", process.exitcode)
