#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run the cxltier Python tests, once per backend, and end with
"python: N passed, N failed, N skipped" (the line tests/check.sh counts).

    /usr/bin/python3 tests/python/run.py [--backend all|auto|mbind|module]
                                         [-k SUBSTRING[,SUBSTRING...]]

all (the default): the mbind backend, and the module backend where
/dev/cxltier exists (else its tests are reported as skipped, not passed).
Each backend runs in its own process (libtier picks the backend at
tier_open(), from LIBTIER_BACKEND).  A test that skips is reported as
"ok N - name # SKIP why", TAP style, and counted as skipped.
"""
import argparse
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class _Result(unittest.TestResult):
    def __init__(self, tag):
        super().__init__()
        self.tag, self.n = tag, 0
        self.counts = {"pass": 0, "fail": 0, "skip": 0}
        self._bad = set()

    def _line(self, test, ok, extra=""):
        self.n += 1
        print("%s %d - %s: %s%s" % ("ok" if ok else "not ok", self.n,
                                   self.tag, test.id().split(".", 1)[1],
                                   extra), flush=True)

    def startTest(self, test):
        super().startTest(test)
        self._failed = None

    def addSuccess(self, test):
        if test.id() in self._bad:
            return
        self.counts["pass"] += 1
        self._line(test, True)

    def _fail(self, test, err, what):
        if test.id() in self._bad:
            return
        self._bad.add(test.id())
        self.counts["fail"] += 1
        self._line(test, False, " (%s)" % what)
        for line in self._exc_info_to_string(err, test).splitlines():
            print("#   " + line)

    def addFailure(self, test, err):
        self._fail(test, err, "failure")

    def addError(self, test, err):
        self._fail(test, err, "error")

    def addSubTest(self, test, subtest, err):
        if err is not None:
            self._fail(test, err, "failure in %s" % subtest._subDescription())

    def addSkip(self, test, reason):
        self.counts["skip"] += 1
        self._line(test, True, " # SKIP " + reason)

    def addExpectedFailure(self, test, err):
        self.counts["fail"] += 1
        self._line(test, False, " (expected failure is not allowed here)")

    def addUnexpectedSuccess(self, test):
        self.counts["fail"] += 1
        self._line(test, False, " (unexpected success)")


def child(backend, pattern):
    if backend != "auto":
        os.environ["LIBTIER_BACKEND"] = backend
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = ["*%s*" % k for k in pattern.split(",")]
    suite = loader.loadTestsFromNames(["test_cxltier", "test_optim",
                                       "test_finetune"])
    res = _Result(backend)
    suite.run(res)
    c = res.counts
    print("%s: %d passed, %d failed, %d skipped" % (
        "python-" + backend, c["pass"], c["fail"], c["skip"]), flush=True)
    return 1 if c["fail"] else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="all",
                    choices=("all", "auto", "mbind", "module"))
    ap.add_argument("-k", dest="pattern", default="",
                    help="only tests whose names contain one of these "
                    "comma-separated substrings")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(a.backend, a.pattern)
    backends = ["mbind", "module"] if a.backend == "all" else [a.backend]
    tot = {"pass": 0, "fail": 0, "skip": 0}
    for b in backends:
        if b == "module" and not os.path.exists("/dev/cxltier"):
            print("ok - module backend # SKIP /dev/cxltier does not exist "
                  "(module not loaded; tests/vm/run loads it)")
            tot["skip"] += 1
            continue
        print("# backend %s" % b, flush=True)
        cmd = [sys.executable, os.path.abspath(__file__), "--child",
               "--backend", b, "-k", a.pattern]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        counted = False
        for line in p.stdout:       # as it comes: the VM is slow
            line = line.rstrip("\n")
            print(line, flush=True)
            if line.startswith("python-%s: " % b):
                f = line.split(": ", 1)[1].replace(",", "").split()
                tot["pass"] += int(f[0])
                tot["fail"] += int(f[2])
                tot["skip"] += int(f[4])
                counted = True
        p.wait()
        if p.returncode and not counted:
            print("not ok - backend %s: the test process died (exit %d)"
                  % (b, p.returncode))
            tot["fail"] += 1
        elif p.returncode and tot["fail"] == 0:
            tot["fail"] += 1
    print("python: %d passed, %d failed, %d skipped" % (
        tot["pass"], tot["fail"], tot["skip"]))
    return 1 if tot["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
