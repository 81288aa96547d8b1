# threading.local(): one object, separate attributes in every thread.
import threading

local = threading.local()
local.name = "main"
seen = {}
lock = threading.Lock()


def work(name):
    local.name = name
    local.count = len(name)
    with lock:
        seen[name] = (local.name, local.count)


threads = [threading.Thread(target=work, args=(n,)) for n in ["ann", "bob", "carla"]]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(seen.items()))
print("the main thread still sees:", local.name, hasattr(local, "count"))
