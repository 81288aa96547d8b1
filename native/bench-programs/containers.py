# Lists and dicts: appends, indexing, comprehensions, dict updates and lookups.
words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
counts = {}
for i in range(240000):
    word = words[i % len(words)]
    counts[word] = counts.get(word, 0) + 1
print(sorted(counts.items()))

squares = [n * n for n in range(300000)]
evens = [s for s in squares if s % 2 == 0]
print(len(evens), evens[-1])

matrix = [[r * c for c in range(60)] for r in range(60)]
total = 0
for row in matrix:
    for value in row:
        total += value
print(total)
