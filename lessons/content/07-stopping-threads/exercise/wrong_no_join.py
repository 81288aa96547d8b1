# Lesson 7 exercise: a looping task, stopped from inside, with an Event, and by killing its
# process.
import threading
import time
from multiprocessing import Process

STEP = 0.01  # seconds one step of work takes


def step():
    """One step of work: every loop below does one per round."""
    time.sleep(STEP)


# (a) From inside: the worker decides by itself when it is done, and returns.
inside_steps = 0


def count_to_five():
    global inside_steps
    while True:
        step()
        inside_steps += 1
        if inside_steps == 5:
            return


# (b) With an Event: the worker checks it before every step; the main thread sets it.
stop = threading.Event()
event_steps = 0


def work_until_stopped():
    global event_steps
    while not stop.is_set():
        step()
        event_steps += 1


# (c) By killing its process: this loop checks nothing and never ends by itself.
def spin_forever():
    while True:
        step()


# A process child runs this file again (as CPython's spawn start method does), so everything
# that starts work is under this guard: only the parent runs it.
if __name__ == "__main__":
    worker = threading.Thread(target=count_to_five)
    worker.start()
    worker.join()
    print(f"inside: stopped itself after {inside_steps} steps")

    worker = threading.Thread(target=work_until_stopped)
    worker.start()
    time.sleep(2.5 * STEP)
    # The mistake: set() only asks the worker to stop, and nothing waits for it to do so. The
    # line is printed while the worker is still in its last step.
    stop.set()
    print(f"event: stopped after {event_steps} steps")

    process = Process(target=spin_forever)
    process.start()
    time.sleep(2 * STEP)
    # terminate() ends the process wherever it is; join() waits until it is gone, and only
    # then is exitcode set.
    process.terminate()
    process.join()
    print("process: exitcode", process.exitcode)
