# Each worker keeps its result on itself; the main thread reads it after join().
import threading


class WordCounter(threading.Thread):
    def __init__(self, text):
        super().__init__()
        self.text = text
        self.count = None

    def run(self):
        self.count = len(self.text.split())


texts = ["the quick brown fox", "jumps over", "the lazy dog and runs away"]
counters = [WordCounter(text) for text in texts]
for c in counters:
    c.start()
for c in counters:
    c.join()
print([c.count for c in counters], "words in all:", sum(c.count for c in counters))
