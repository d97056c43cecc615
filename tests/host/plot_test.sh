#!/bin/bash
# tools/tierctl-plot, the pictures people compare: from fresh, small JSON
# of this tierctl (bench mem, bench adam, plan), each kind draws a PNG of
# the size asked for, and its --csv holds the JSON's figures: the medians
# and min/max computed here from the raw per-run arrays, the plan's
# predicted parts adding up to each strategy's predicted step.  A JSON of
# another kind, a JSON with nothing to draw, text that is not JSON and a
# missing matplotlib each fail with one line that says so.  Needs Debian's
# python3-matplotlib: without it this test fails, saying how to install it.
# TAP output.  usage: plot_test.sh PATH/TO/tierctl [PATH/TO/tierctl-plot]
set -u
TIERCTL=${1:?usage: $0 TIERCTL [TIERCTL-PLOT]}
PLOT=${2:-$(dirname "$0")/../../tools/tierctl-plot}
. "$(dirname "$0")/../lib/tap.sh"
PY=/usr/bin/python3	# Debian's, where python3-matplotlib installs

# py NAME PYTHON-CODE ARGS...: the code's exit status decides
py() {
	local name=$1 code=$2; shift 2
	if "$PY" -c "$code" "$@"; then ok "$name"; else nok "$name"; fi
}
# plot ARGS...: tierctl-plot ARGS, stdout in $out, stderr in $err
plot() { "$PLOT" "$@" > "$out" 2> "$err"; }
# plot_fail NAME REGEX ARGS...: exit 1, nothing on stdout, one line on
# stderr matching REGEX, no PNG left behind
plot_fail() {
	local name=$1 re=$2 rc; shift 2
	rm -f "$tmp/fail.png"
	plot "$@" -o "$tmp/fail.png"; rc=$?
	if [ $rc = 1 ] && [ ! -s "$out" ] && [ "$(wc -l < "$err")" = 1 ] &&
	   grep -Eq "$re" "$err" && [ ! -e "$tmp/fail.png" ]
	then ok "$name"; else echo "# exit $rc"; nok "$name"; fi
}
# png NAME FILE WIDTH HEIGHT: a PNG (signature, IHDR) of that many pixels
png() {
	py "$1" '
import struct, sys
b = open(sys.argv[1], "rb").read(32)
ok = b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR"
w, h = struct.unpack(">II", b[16:24]) if ok else (0, 0)
if (w, h) != (int(sys.argv[2]), int(sys.argv[3])):
    print("# %s: %dx%d, signature %r" % (sys.argv[1], w, h, b[:8]))
    sys.exit(1)' "$2" "$3" "$4"
}

echo "TAP version 13"
if [ ! -x "$PY" ]; then
	nok "$PY: Debian's python3 is not there (apt-get install python3-matplotlib brings it)"
	tap_done plot; exit
fi
if ! "$PY" -c 'import matplotlib' 2> /dev/null; then
	nok "matplotlib is missing from $PY: install it: apt-get install -y --no-install-recommends python3-matplotlib"
	tap_done plot; exit
fi
ok "matplotlib $("$PY" -c 'import matplotlib; print(matplotlib.__version__)') for $PY"

# --------------------------------------------------------------------------
# --help

for k in mem adam plan; do
	if plot "$k" --help && grep -q "^usage: tierctl-plot $k" "$out" && [ ! -s "$err" ]
	then ok "$k --help"; else nok "$k --help"; fi
done
if plot --help && grep -q "mem" "$out" && grep -q "adam" "$out" && grep -q "plan" "$out"
then ok "--help names the three kinds"; else nok "--help names the three kinds"; fi
if plot plan --help && grep -q PREDICTED "$out" && ! grep -qi "measured step" "$out"
then ok "plan --help: predicted, not measured"; else nok "plan --help: predicted, not measured"; fi

# --------------------------------------------------------------------------
# bench mem: every node, read/write/latency and the same-run bound

if run bench mem --size 4M --runs 3 --json --quiet && cp "$out" "$tmp/mem.json" &&
   plot mem "$tmp/mem.json" -o "$tmp/mem.png" --csv "$tmp/mem.csv" && [ ! -s "$err" ]
then ok "mem: bench mem --json --runs 3, drawn"; else nok "mem: bench mem --json --runs 3, drawn"; fi
png "mem: a PNG, 1000x500 by default" "$tmp/mem.png" 1000 500
py "mem --csv: per node, the medians, min and max of read, write, latency and the bound, from the JSON's runs" '
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
def median(v):
    v = sorted(v); n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
# tierctl prints 6 significant digits: the median of an even number of
# printed runs is within a few 1e-6 of the printed median of the runs
def close(a, b):
    return abs(a - b) <= 3e-5 * max(abs(a), abs(b), 1e-12)
want = 0
for x in d["nodes"]:
    for f, unit in (("read", "gbps"), ("write", "gbps"), ("latency", "ns"),
                    ("bound_read", "gbps"), ("bound_write", "gbps")):
        runs = x["%s_%s" % (f, unit)]
        got = [r for r in rows if int(r["node"]) == x["node"] and r["figure"] == f]
        if len(got) != 1:
            print("# node %d %s: %d rows" % (x["node"], f, len(got))); sys.exit(1)
        r = got[0]
        for col, v in (("median", median(runs)), ("min", min(runs)), ("max", max(runs))):
            if not close(float(r[col]), v):
                print("# node %d %s %s: csv %s, runs give %r" % (x["node"], f, col, r[col], v))
                sys.exit(1)
        if r["tier"] != x["tier"] or r["unit"] != unit or int(r["runs"]) != len(runs):
            print("# node %d %s: %r" % (x["node"], f, r)); sys.exit(1)
        want += 1
sys.exit(0 if want == len(rows) and want >= 5 else 1)' "$tmp/mem.json" "$tmp/mem.csv"
if plot mem -o "$tmp/mem-stdin.png" --size 640x480 < "$tmp/mem.json" && [ ! -s "$err" ]
then ok "mem: JSON on stdin, --size 640x480"; else nok "mem: JSON on stdin, --size 640x480"; fi
png "mem: --size 640x480 gives 640x480 pixels" "$tmp/mem-stdin.png" 640 480

# --------------------------------------------------------------------------
# bench adam: step time against size, per placement (two sizes, a decade
# apart and more, two policies, one and two processes)

first=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["nodes"][0]["node"])' "$tmp/mem.json")
if run bench adam --size 65536 --size 1048576 --policy "bind:$first" \
	--policy "interleave:$first" --runs 3 --quiet --json &&
   cp "$out" "$tmp/adam.json" &&
   plot adam "$tmp/adam.json" -o "$tmp/adam.png" --csv "$tmp/adam.csv" && [ ! -s "$err" ]
then ok "adam: bench adam, 2 sizes x 2 policies, drawn"; else nok "adam: bench adam, 2 sizes x 2 policies, drawn"; fi
png "adam: a PNG, 900x600 by default" "$tmp/adam.png" 900 600
py "adam --csv: one row per result measured, its median, min and max step and median stream, from the JSON's runs" '
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
def median(v):
    v = sorted(v); n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
# tierctl prints 6 significant digits: the median of an even number of
# printed runs is within a few 1e-6 of the printed median of the runs
def close(a, b):
    return abs(a - b) <= 3e-5 * max(abs(a), abs(b), 1e-12)
done = [x for x in d["results"] if "skipped" not in x]
lines = {(x["policy"], x["procs"]) for x in done}
ok = len(rows) == len(done) and len(lines) >= 2 and len({x["elements"] for x in done}) == 2
for x in done:
    got = [r for r in rows if (r["policy"], int(r["procs"]), int(r["elements"])) ==
           (x["policy"], x["procs"], x["elements"])]
    if len(got) != 1:
        print("# %r: %d rows" % (x, len(got))); sys.exit(1)
    r = got[0]
    for col, v in (("median_step_ms", median(x["step_ms"])), ("min_step_ms", min(x["step_ms"])),
                   ("max_step_ms", max(x["step_ms"])),
                   ("median_stream_ms", median(x["stream_ms"]))):
        if not close(float(r[col]), v):
            print("# %s %d procs %d: %s: csv %s, runs give %r" % (x["policy"], x["procs"],
                  x["elements"], col, r[col], v))
            ok = False
    # and the tool itself agrees with its runs (6 significant digits)
    ok = ok and close(x["median_step_ms"], median(x["step_ms"]))
    ok = ok and int(r["runs"]) == len(x["step_ms"])
sys.exit(0 if ok else 1)' "$tmp/adam.json" "$tmp/adam.csv"

# --------------------------------------------------------------------------
# plan: the study host described (deterministic), strategies side by side

study=(--model qwen2.5-7b --batch 1 --seq 32768 --dram 100G --cxl 256G --cxl-nodes 2)
if run plan "${study[@]}" --json && cp "$out" "$tmp/plan.json" &&
   plot plan "$tmp/plan.json" -o "$tmp/plan.png" --csv "$tmp/plan.csv" && [ ! -s "$err" ]
then ok "plan: qwen2.5-7b on the study host, drawn"; else nok "plan: qwen2.5-7b on the study host, drawn"; fi
png "plan: a PNG, 1000x560 by default" "$tmp/plan.png" 1000 560
py "plan --csv: per strategy with a plan, the GPU phase and the classes add up to its predicted step; the CPU phase shared as the classes' own CPU times; the others say why" '
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
def close(a, b, rel=1e-5):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-9)
ok, drawn = True, 0
for s in d["strategies"]:
    got = [r for r in rows if r["strategy"] == s["name"]]
    if not s["feasible"]:
        ok = ok and len(got) == 1 and got[0]["note"] == s["error"] and got[0]["predicted_s"] == ""
        continue
    drawn += 1
    parts = {r["part"]: float(r["predicted_s"]) for r in got}
    gpu = [r for r in got if r["class_cpu_s_alone"] == ""]
    cls = {r["part"]: r for r in got if r["class_cpu_s_alone"] != ""}
    ok = ok and len(gpu) == 1 and close(float(gpu[0]["predicted_s"]), s["gpu_s"])
    ok = ok and sorted(cls) == sorted(c["name"] for c in s["classes"])
    ok = ok and close(sum(parts.values()), s["step_s"], 1e-4)
    ok = ok and all(close(float(r["predicted_step_s"]), s["step_s"]) for r in got)
    alone = sum(c["cpu_s"] for c in s["classes"])
    for c in s["classes"]:
        r = cls.get(c["name"])
        want = s["cpu_s"] * c["cpu_s"] / alone
        if r is None or not close(float(r["predicted_s"]), want, 1e-4) or \
           not close(float(r["class_cpu_s_alone"]), c["cpu_s"]):
            print("# %s %s: %r, want %r" % (s["name"], c["name"], r, want)); ok = False
if not ok:
    print("# the csv does not hold the predictions of the plan")
sys.exit(0 if ok and drawn >= 2 else 1)' "$tmp/plan.json" "$tmp/plan.csv"

# --------------------------------------------------------------------------
# errors

plot_fail "plan on bench mem's JSON: says which it is" \
	"^tierctl-plot: $tmp/mem.json is the output of \`tierctl bench mem\`, not of \`tierctl plan\`$" \
	plan "$tmp/mem.json"
plot_fail "mem on plan's JSON, from stdin" \
	"^tierctl-plot: stdin is the output of \`tierctl plan\`, not of \`tierctl bench mem\`$" \
	mem - < "$tmp/plan.json"
plot_fail "adam on bench mem's JSON" \
	"is the output of \`tierctl bench mem\`, not of \`tierctl bench adam\`$" adam "$tmp/mem.json"
run topo --json; cp "$out" "$tmp/topo.json"
plot_fail "mem on topo's JSON" "is the output of \`tierctl topo\`, not of \`tierctl bench mem\`$" \
	mem "$tmp/topo.json"
run plan --model qwen2.5-7b --dram 1G --cxl 1G --json; cp "$out" "$tmp/noplan.json"
plot_fail "plan with no strategy that fits: nothing to draw, each one's reason" \
	"no strategy has a plan \(dram-only: does not fit; .*cxltier: does not fit\): nothing to draw$" \
	plan "$tmp/noplan.json"
echo "node 0 dram cpu-read=100" > "$tmp/text"
plot_fail "not JSON" "^tierctl-plot: $tmp/text: not JSON: " mem "$tmp/text"
plot_fail "no such file" "^tierctl-plot: $tmp/absent.json: No such file" mem "$tmp/absent.json"
if plot mem "$tmp/mem.json" -o "$tmp/no/such/dir/x.png"; rc=$? && [ $rc = 1 ] &&
   grep -q "^tierctl-plot: $tmp/no/such/dir/x.png: " "$err"
then ok "an output that cannot be written: exit 1, says where"; else nok "an output that cannot be written: exit 1, says where"; fi
if plot mem "$tmp/mem.json"; [ $? = 1 ] && grep -q "required: -o" "$err"
then ok "no -o: a usage error, exit 1"; else nok "no -o: a usage error, exit 1"; fi

# matplotlib missing: a stand-in that will not import comes first
mkdir -p "$tmp/nompl/matplotlib"
echo 'raise ImportError("No module named matplotlib")' > "$tmp/nompl/matplotlib/__init__.py"
if PYTHONPATH=$tmp/nompl plot mem "$tmp/mem.json" -o "$tmp/nompl.png"; [ $? = 1 ] &&
   [ "$(wc -l < "$err")" = 1 ] && grep -q "matplotlib is missing.*apt-get install python3-matplotlib" "$err"
then ok "without matplotlib: exit 1, says how to install it"; else nok "without matplotlib: exit 1, says how to install it"; fi

# --- csv: any tierctl JSON as CSV, one row per record ---------------------
"$TIERCTL" bench fault --size 2M --runs 3 --quiet --json > "$tmp/fault.json" 2>/dev/null
for j in fault mem adam; do
	if plot csv "$tmp/$j.json" -o "$tmp/$j.csv"; then
		py "csv of bench $j: a row per result, every number of the JSON in it" '
import csv, json, sys
doc = json.load(open(sys.argv[1]))
key = [k for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)][0]
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == len(doc[key]), (len(rows), len(doc[key]))
n = 0
for rec, row in zip(doc[key], rows):
    for k, v in rec.items():
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, (int, float)):
            assert float(row[k]) == float(v), (k, row[k], v); n += 1
        elif isinstance(v, list) and v and all(isinstance(x, (int, float)) for x in v):
            assert [float(x) for x in row[k].split()] == [float(x) for x in v], (k, row[k], v); n += 1
    assert row["backend"] == doc["backend"], row["backend"]
assert n > 0
print("# %d rows (%s), %d numbers compared" % (len(rows), key, n))' "$tmp/$j.json" "$tmp/$j.csv"
	else
		nok "csv of bench $j" "exit status $?"
	fi
done
"$TIERCTL" topo --json > "$tmp/topo.json"
if plot csv "$tmp/topo.json" && [ "$(tail -n +2 "$out" | wc -l)" = \
	"$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["nodes"]))' "$tmp/topo.json")" ]
then ok "csv of tierctl topo on stdout: a row per node"; else nok "csv of tierctl topo on stdout: a row per node"; fi
if plot csv --table nonesuch "$tmp/topo.json"; [ $? = 1 ] && grep -q 'has no table "nonesuch" (its tables: nodes)' "$err"
then ok "csv --table of a list the JSON lacks: says which it has"; else nok "csv --table of a list the JSON lacks: says which it has"; fi
echo '{"error":{"command":"alloc","errno":27,"code":"EFBIG","message":"too big"}}' > "$tmp/err.json"
if plot csv "$tmp/err.json"; [ $? = 1 ] && grep -q "is an error of .tierctl alloc., not a result: too big" "$err"
then ok "csv of an error object: exit 1, says so"; else nok "csv of an error object: exit 1, says so"; fi

tap_done plot
