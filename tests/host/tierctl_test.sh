#!/bin/bash
# tierctl on the host (and in the VM): exit codes, error format, JSON that
# parses and agrees with /sys, and alloc putting every page where asked.
# TAP output.  usage: tierctl_test.sh PATH/TO/tierctl
set -u
TIERCTL=${1:?usage: $0 TIERCTL}
n=0 failed=0 skipped=0 out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

ok()   { n=$((n + 1)); echo "ok $n - $1"; }
nok()  { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	 sed 's/^/# stdout: /' "$out"; sed 's/^/# stderr: /' "$err"; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n - $1 # SKIP $2"; }
run()  { "$TIERCTL" "$@" > "$out" 2> "$err"; }

# expect_ok NAME ARGS...: exit 0, nothing on stderr
expect_ok() {
	local name=$1; shift
	if run "$@" && [ ! -s "$err" ]; then ok "$name"; else nok "$name"; fi
}
# expect_fail NAME REGEX ARGS...: exit 1, nothing on stdout, an error line
# on stderr matching REGEX, then at most a usage line
expect_fail() {
	local name=$1 re=$2 rc; shift 2
	run "$@"; rc=$?
	if [ $rc = 1 ] && [ ! -s "$out" ] && head -n 1 "$err" | grep -Eq "$re" &&
	   [ "$(grep -vc '^usage: ' "$err")" = 1 ]
	then ok "$name"; else echo "# exit $rc"; nok "$name"; fi
}
# expect_json NAME PYTHON-EXPR ARGS...: exit 0, JSON on stdout, EXPR true for it (d)
expect_json() {
	local name=$1 expr=$2; shift 2
	if ! command -v python3 > /dev/null; then skip "$name" "no python3"; return; fi
	if run "$@" && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if ($expr) else 1)" "$out"; then ok "$name"; else nok "$name"; fi
}

nodes_with_memory() {
	python3 -c '
import sys
s = open("/sys/devices/system/node/has_memory").read().strip()
ids = []
for part in filter(None, s.split(",")):
    a, _, b = part.partition("-")
    ids += range(int(a), int(b or a) + 1)
print(" ".join(map(str, ids)))'
}

echo "TAP version 13"
expect_ok "version" version
grep -q "^tierctl $(cat "$(dirname "$0")/../../VERSION")," "$out" && ok "version names VERSION" || nok "version names VERSION"
expect_ok "help" help
grep -q "^  alloc " "$out" && grep -q "^  topo " "$out" && ok "help lists commands" || nok "help lists commands"
expect_ok "help alloc" help alloc
grep -q "^usage: tierctl alloc" "$out" && ok "help alloc shows usage" || nok "help alloc shows usage"
expect_ok "alloc --help" alloc --help
expect_fail "help of an unknown command" "^tierctl help: bogus: unknown command$" help bogus
expect_fail "unknown command" "^tierctl: bogus: unknown command" bogus
run; [ $? = 1 ] && ok "no command: exit 1" || nok "no command: exit 1"

expect_ok "topo" topo
grep -q "^backend: " "$out" && grep -q "^NODE  TIER  CPUS" "$out" && ok "topo: backend line and header" || nok "topo: backend line and header"
expect_fail "topo: unknown option" "^tierctl topo: option '--bogus': unknown option$" topo --bogus
expect_fail "topo: stray argument" "^tierctl topo: extra: unexpected argument$" topo extra
expect_json "topo --json: nodes as in /sys" \
	"[x['node'] for x in d['nodes']] == [int(i) for i in '$(nodes_with_memory)'.split()] and all(x['total_bytes'] >= x['free_bytes'] and x['tier'] in ('DRAM', 'CXL') for x in d['nodes']) and d['backend'] in ('mbind', 'cxltier')" \
	topo --json

node0=$(nodes_with_memory | cut -d' ' -f1)
expect_json "alloc --json: every page on node $node0" \
	"d['length'] == 4194304 and d['resident_bytes'] == 4194304 and d['resident'] == [{'node': $node0, 'tier': d['resident'][0]['tier'], 'bytes': 4194304}] and d['policy'] == 'bind:$node0' and d['verified'] and d['off_policy_bytes'] == 0" \
	alloc --node "$node0" --size 4M --json
expect_json "alloc: unaligned size rounds up to pages" \
	"d['length'] == 5000 and d['map_length'] == d['resident_bytes'] and d['map_length'] % d['page_size'] == 0 and d['map_length'] >= 5000" \
	alloc --policy "bind:$node0" --size 5000 --json
expect_ok "alloc table" alloc --node "$node0" --size 1M
grep -Eq "^ +$node0  (DRAM|CXL) +1M +100.0%$" "$out" && ok "alloc table: 1M, 100% on node $node0" || nok "alloc table: 1M, 100% on node $node0"
for i in $(nodes_with_memory); do
	expect_json "alloc on node $i" "d['resident'] == [{'node': $i, 'tier': d['resident'][0]['tier'], 'bytes': 2097152}]" \
		alloc --node "$i" --size 2M --json
done

start=$(date +%s%N)
if run alloc --node "$node0" --size 64K --hold 1 &&
   grep -q "^tierctl alloc: holding buffer [0-9]* for 1 s (pid [0-9]*)$" "$err" &&
   [ $(( $(date +%s%N) - start )) -ge 1000000000 ]
then ok "alloc --hold 1 holds a second"; else nok "alloc --hold 1 holds a second"; fi

absent=0
while grep -qw "$absent" <<< "$(nodes_with_memory)"; do
	absent=$((absent + 1))
done
expect_fail "alloc on an absent node" "^tierctl alloc: create 1M buffer, policy bind:$absent: No such device$" alloc --node "$absent" --size 1M
expect_fail "alloc: node id out of range" "^tierctl alloc: create 1M buffer, policy bind:1048576: Invalid argument$" alloc --node 1048576 --size 1M
expect_fail "alloc: larger than the node" "^tierctl alloc: create .* buffer, policy bind:$node0: File too large$" alloc --node "$node0" --size 1P
expect_fail "alloc: bad size" "^tierctl alloc: --size 1Q: not a size" alloc --node "$node0" --size 1Q
expect_fail "alloc: zero size" "^tierctl alloc: --size 0: must be at least 1 byte$" alloc --node "$node0" --size 0
expect_fail "alloc: size overflows" "^tierctl alloc: --size 99999999T: too large$" alloc --node "$node0" --size 99999999T
expect_fail "alloc: no size" "^tierctl alloc: --size is required$" alloc --node "$node0"
expect_fail "alloc: no node" "^tierctl alloc: --node or --policy is required$" alloc --size 1M
expect_fail "alloc: bad node" "^tierctl alloc: --node x: not a node number$" alloc --node x --size 1M
expect_fail "alloc: missing argument" "^tierctl alloc: option '--size': missing argument$" alloc --node 0 --size
expect_fail "alloc: reserved mode" "^tierctl alloc: --policy weighted:0=1: Operation not supported$" alloc --policy weighted:0=1 --size 1M
expect_fail "alloc: malformed policy" "^tierctl alloc: --policy bind:: Invalid argument$" alloc --policy bind: --size 1M
expect_fail "alloc: --node and --policy disagree" "^tierctl alloc: --node 1 conflicts with --policy bind:0$" alloc --node 1 --policy bind:0 --size 1M
expect_fail "alloc: bad --hold" "^tierctl alloc: --hold x: not a number of seconds$" alloc --node 0 --size 1M --hold x
LIBTIER_BACKEND=bogus expect_fail "bad LIBTIER_BACKEND" "^tierctl topo: open libtier: LIBTIER_BACKEND=bogus: Invalid argument$" topo
if [ -e /dev/cxltier ]; then
	LIBTIER_BACKEND=module expect_ok "LIBTIER_BACKEND=module with the module" topo
else
	LIBTIER_BACKEND=module expect_fail "LIBTIER_BACKEND=module without the module" \
		"^tierctl topo: open /dev/cxltier: No such file or directory \(is the cxltier module loaded\?\)$" topo
fi
LIBTIER_BACKEND=mbind expect_ok "LIBTIER_BACKEND=mbind" topo
grep -q "^backend: mbind$" "$out" && ok "LIBTIER_BACKEND=mbind is used" || nok "LIBTIER_BACKEND=mbind is used"

echo "1..$n"
echo "tierctl: $((n - failed - skipped)) passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
