# Strings: f-strings with format specs, join, split, methods.
lines = []
for i in range(80000):
    lines.append(f"{i:06d}|{i * 0.5:.2f}|{'even' if i % 2 == 0 else 'odd'}")
text = "\n".join(lines)
fields = [line.split("|") for line in text.split("\n")]
print(len(fields), fields[-1])
shouted = [f[2].upper() for f in fields[:40000]]
print(shouted.count("EVEN"))
report = ", ".join("%s=%d" % (w, len(w)) for w in ["threads", "locks", "queues"])
print(report)
