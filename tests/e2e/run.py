#!/usr/bin/python3
"""run.py - runs the end-to-end tests (tests/e2e/test_*.py) against the real
binary ($TRIBU_BIN, default ./tribu).

    python3 tests/e2e/run.py [-v] [-k SUBSTRING]... [test_auth ...]

The last line printed is exactly "N passed, N failed" (", N skipped" added
when some were skipped); the exit status is 1 when any test failed. A
failure or error in a class's set-up or tear-down (a server that did not stop
cleanly) counts as a failure. When a test fails, the stderr tail of every
server it used is printed after the failure.
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the tree

import harness  # noqa: E402


class Result(unittest.TextTestResult):
    """Counts tests, not sub-tests: a test with three failing sub-tests is
    one failed test."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = 0
        self.failed_ids = set()

    def startTest(self, test):
        harness.touched.clear()
        super().startTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1

    def _failed(self, test):
        """Records a failed test; prints the stderr tail of every server it
        used, once per test."""
        if test.id() in self.failed_ids:
            return
        self.failed_ids.add(test.id())
        for s in harness.touched:
            self.stream.write("\n[%s] %s\n" % (test.id(), s.stderr_tail(25)))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._failed(test)

    def addError(self, test, err):
        super().addError(test, err)
        self._failed(test)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._failed(test)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._failed(test)


def main(argv):
    verbosity, patterns, names = 1, [], []
    it = iter(argv)
    for a in it:
        if a == "-v":
            verbosity = 2
        elif a == "-k":
            patterns.append("*%s*" % next(it))
        else:
            a = os.path.basename(a)       # tests/e2e/test_auth.py -> test_auth
            names.append(a[:-3] if a.endswith(".py") else a)
    if not os.access(harness.BIN, os.X_OK):
        print("no executable %s (build it, or set TRIBU_BIN)" % harness.BIN)
        print("0 passed, 1 failed")
        return 1
    loader = unittest.TestLoader()
    if patterns:
        loader.testNamePatterns = patterns
    if names:
        suite = loader.loadTestsFromNames(names)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    print("e2e tests against %s" % harness.BIN)
    t0 = time.monotonic()
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=verbosity,
                                     resultclass=Result)
    res = runner.run(suite)
    failed = len(res.failed_ids)
    skipped = len(res.skipped)
    sys.stdout.flush()
    line = "%d passed, %d failed" % (res.passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print("(%.1f s)" % (time.monotonic() - t0))
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
