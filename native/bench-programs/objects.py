# Classes: construction, attribute access, method calls, inheritance.
class Account:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount
        return self.balance


class Savings(Account):
    rate = 2

    def add_interest(self):
        self.balance += self.balance * self.rate // 100


accounts = [Savings("a" + str(i)) for i in range(200)]
for round_ in range(1000):
    for account in accounts:
        account.deposit(round_)
    accounts[round_ % 200].add_interest()
print(sum(a.balance for a in accounts))
