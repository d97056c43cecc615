#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""torch.optim.AdamW (foreach and single-tensor) against cxltier.optim.AdamW
(libtier's fused step), in one run, on the same sizes and the same number
of threads, on plain memory: what replacing the optimizer buys before any
placement.  tierctl bench adam measures the fused step on placed memory
against the memory's own streaming rate.

    bench_optim.py [--size ELEMENTS]... [--threads T] [--runs R] [--json]

Figures: median ms per step of R timed steps (after one warm-up), GB/s at
28 bytes per element (fp32 weights, gradients and both moments read;
weights and moments written), and each torch path's time over the fused
step's.  Nothing is asserted: a benchmark prints.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import cxltier  # noqa: E402
import cxltier.optim  # noqa: E402

BYTES_PER_ELEM = 28
# the study's optimizer sizes (elements); --size picks others
STUDY_SIZES = ["1.84M", "12.8M", "21.0M", "67.9M"]


def size_arg(s):
    """Elements, in libtier's size grammar ("16M", "1.84M")."""
    try:
        return cxltier.parse_size(s)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


def time_steps(make_opt, n, runs):
    p = torch.nn.Parameter(torch.randn(n))
    p.grad = torch.randn(n) * 1e-3
    opt = make_opt([p])
    times = []
    for r in range(runs + 1):
        t0 = time.perf_counter()
        opt.step()
        if r:
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=size_arg, action="append",
                    help="tensor elements (repeatable; default: %s)"
                    % ", ".join(STUDY_SIZES))
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="threads for torch and the fused step alike")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    sizes = a.size or [cxltier.parse_size(s) for s in STUDY_SIZES]
    torch.set_num_threads(a.threads)
    paths = [
        ("cxltier", lambda ps: cxltier.optim.AdamW(ps, threads=a.threads)),
        ("torch-foreach", lambda ps: torch.optim.AdamW(ps, foreach=True)),
        ("torch-single", lambda ps: torch.optim.AdamW(ps, foreach=False)),
    ]
    rows = []
    for n in sizes:
        for name, make in paths:
            print("bench_optim: %d elements, %s ..." % (n, name),
                  file=sys.stderr, flush=True)
            ms = time_steps(make, n, a.runs)
            rows.append({"elements": n, "optimizer": name, "median_ms": ms,
                         "gbps": n * BYTES_PER_ELEM / (ms * 1e6)})
    for r in rows:
        fused = next(x for x in rows if x["elements"] == r["elements"]
                     and x["optimizer"] == "cxltier")
        r["vs_fused"] = r["median_ms"] / fused["median_ms"]
    if a.json:
        json.dump({"bench": "optim", "threads": a.threads, "runs": a.runs,
                   "torch": torch.__version__,
                   "bytes_per_element": BYTES_PER_ELEM, "results": rows},
                  sys.stdout, indent=1)
        print()
        return 0
    print("AdamW step, %d threads, medians of %d steps, torch %s"
          % (a.threads, a.runs, torch.__version__))
    print("%10s  %-14s %10s %8s %14s" % ("ELEMENTS", "OPTIMIZER", "ms",
                                         "GB/s", "TIME vs FUSED"))
    for r in rows:
        print("%10d  %-14s %10.2f %8.2f %13.2fx" % (
            r["elements"], r["optimizer"], r["median_ms"], r["gbps"],
            r["vs_fused"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
