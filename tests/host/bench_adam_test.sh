#!/bin/bash
# tierctl bench adam and python/examples/bench_optim.py: small sizes, a few
# runs.  Their figures are printed for the log, not judged: what is checked
# is that both run, that the JSON holds every configuration asked for with
# positive times, that a step and its streaming pass moved the same bytes
# (the GB/s figures follow from the times), and the errors.
# TAP output.  usage: bench_adam_test.sh PATH/TO/tierctl
set -u
TIERCTL=${1:?usage: $0 TIERCTL}
. "$(dirname "$0")/../lib/tap.sh"
PYTHON=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)

echo "TAP version 13"

# --json, one node, 1 and 2 processes
if run bench adam --size 1M --size 3M --runs 2 --json --quiet && [ ! -s "$err" ]; then
	ok "bench adam --json"
else
	nok "bench adam --json"
fi
if python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["bench"] == "adam" and d["bytes_per_element"] == 28, d
rows = d["results"]
# 2 sizes x the default placements x (1, 2) processes
assert len(rows) % 4 == 0 and rows, len(rows)
assert {r["elements"] for r in rows} == {1 << 20, 3 << 20}
assert {r["procs"] for r in rows} == {1, 2}
for r in rows:
    if "skipped" in r:
        continue
    assert len(r["step_ms"]) == 2 * r["procs"], r
    assert all(t > 0 for t in r["step_ms"] + r["stream_ms"]), r
    gb = r["elements"] * 28 * r["procs"] / 1e9
    assert abs(gb / (r["median_step_ms"] / 1e3) - r["step_gbps"]) < 1e-4 * r["step_gbps"]  # JSON keeps 6 digits
    print("# %(elements)d elements, %(policy)s, %(procs)d proc: %(median_step_ms).2f ms, "
          "%(step_gbps).1f GB/s, stream %(stream_gbps).1f GB/s" % r)
PY
then ok "bench adam: every configuration, positive times, consistent GB/s"
else nok "bench adam: every configuration, positive times, consistent GB/s"; fi

# the table
if run bench adam --size 1M --runs 2 --procs 1 --policy bind:0 &&
   grep -q "STEP/STREAM" "$out" && [ ! -s "$err" ]; then
	ok "bench adam: table, no progress off a terminal"
else
	nok "bench adam: table, no progress off a terminal"
fi
# on a terminal: the share is by elements (1M then 3M: 25%, then 100%)
if run_tty bench adam --size 1M --size 3M --runs 2 --procs 1 --policy bind:0 &&
   grep -q "^tierctl bench adam:   0%: \[1/2\] 1048576 elements, bind:0, 1 process$" "$out" &&
   grep -q "^tierctl bench adam:  25%: \[2/2\] 3145728 elements, bind:0, 1 process$" "$out" &&
   grep -q "^tierctl bench adam: 100%: \[2/2\]" "$out" && grep -q "STEP/STREAM" "$out"; then
	ok "bench adam on a terminal: progress weighted by elements, then the table"
else
	nok "bench adam on a terminal: progress weighted by elements, then the table"
fi

# errors
expect_fail "bench adam --size 0" "bench: --size 0: elements" bench adam --size 0
expect_fail "bench adam --procs 9" "bench: --procs 9: 1 to 4" bench adam --procs 9
expect_fail "bench adam --policy bogus" "bench: --policy bogus:0: " bench adam --policy bogus:0
expect_fail "bench adam --simd 7" "bench: --simd 7: 0 " bench adam --simd 7

# the Python comparison with torch, where torch is
if "$PYTHON" -c "import torch" 2>/dev/null; then
	if "$PYTHON" "$here/../../python/examples/bench_optim.py" --size 1M \
		--runs 2 --json > "$out" 2> "$err" &&
	   python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = {r["optimizer"] for r in d["results"]}
assert names == {"cxltier", "torch-foreach", "torch-single"}, names
for r in d["results"]:
    assert r["median_ms"] > 0
    print("# %(optimizer)s: %(median_ms).2f ms, %(vs_fused).2fx the fused step" % r)
' "$out"; then
		ok "bench_optim.py --json: torch foreach and single-tensor beside the fused step"
	else
		nok "bench_optim.py --json"
	fi
else
	skip "bench_optim.py" "$PYTHON has no torch"
fi

echo "1..$n"
echo "bench-adam: $((n - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
