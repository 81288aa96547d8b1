# Function calls: recursion, keyword and default arguments, closures.
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def scaled(value, factor=2, *, offset=0):
    return value * factor + offset


def make_counter():
    count = 0

    def bump(step):
        nonlocal count
        count += step
        return count

    return bump


print(fib(25))
total = 0
for i in range(300000):
    total += scaled(i, offset=1)
print(total)
counter = make_counter()
for i in range(300000):
    counter(1)
print(counter(0))
