# Three ways for a thread to end early: return, raise, sys.exit().
import sys
import threading

reports = []
threading.excepthook = lambda args: reports.append(f"{args.thread.name} raised {args.exc_value!r}")


def by_return(items):
    for item in items:
        if item < 0:
            reports.append("returned at a negative item")
            return
    reports.append("never reached")


def by_raise():
    raise ValueError("bad input")


def by_exit():
    sys.exit()


threads = [threading.Thread(target=by_return, args=([3, 1, -2, 5],), name="returner"),
           threading.Thread(target=by_raise, name="raiser"),
           threading.Thread(target=by_exit, name="exiter")]
for t in threads:
    t.start()
    t.join()
print("\n".join(reports))
print("all ended:", not any(t.is_alive() for t in threads))
