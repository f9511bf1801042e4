"""The tally of a Python end-to-end test: each check passes or fails (a failure is printed at once,
with its detail), and the test ends with the line ctest's output shows, `P passed, F failed`, and
exits 1 if any check failed.

    check = Checks()
    check("what is being checked", observed == expected, f"{observed} vs {expected}")
    ...
    return check.summary()
"""
import sys


class Checks:
    def __init__(self, print_passes=False):
        self.passed = 0
        self.failed = 0
        self.print_passes = print_passes  # long tests keep their log short; short ones list each check

    def __call__(self, description, ok, detail=""):
        if ok:
            self.passed += 1
            if self.print_passes:
                print("PASS: " + description)
        else:
            self.failed += 1
            print("FAIL: " + description + (f"  ({detail})" if detail != "" else ""))
            sys.stdout.flush()
        return bool(ok)

    def summary(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0
