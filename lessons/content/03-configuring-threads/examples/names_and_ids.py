# A thread's name, and its ids, which exist only once it has started.
import threading
import time


def download():
    time.sleep(0.1)


unnamed = threading.Thread(target=download)
named = threading.Thread(target=download, name="downloader")
print(unnamed.name, "|", named.name)
print("before start:", named.ident is None, named.native_id is None)
named.start()
print("after start: ", named.ident is not None, named.native_id is not None)
named.name = "renamed"
print("now called", named.name, "and alive:", named.is_alive())
named.join()
print("alive after join:", named.is_alive())
print("main:", threading.main_thread().name, threading.current_thread() is threading.main_thread())
