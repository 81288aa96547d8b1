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
    # TODO: loop until the event is set, one step() and one count per round.


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

    # TODO: start work_until_stopped on a thread, sleep a few steps, set the event, wait for
    # the worker to end, then print:
    # print(f"event: stopped after {event_steps} steps")

    # TODO: run spin_forever in a Process, sleep a moment, terminate it, join it, then print:
    # print("process: exitcode", process.exitcode)
