#!/bin/bash
# Transparent mode: tierctl run with libtier-preload.so (TAP).
#
#   preload_test.sh TIERCTL PRELOAD_PROG
#
# On the last node with memory (a CXL node in the VM, node 0 on a one-node
# host), for each backend (mbind always, the module where /dev/cxltier
# exists) and two thresholds: preload_prog's checks (large allocations on
# the node, by the kernel's account; small ones left to malloc; realloc
# across the threshold; the aligned calls; threads; fork).  Then real
# programs, unchanged, under tierctl run: sort and python3, whose output
# must equal an ordinary run's, and whose report must show allocations
# served from the pool.
set -u
tierctl=$1 prog=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }

echo "TAP version 13"
mem=$(cat /sys/devices/system/node/has_memory)
node=${mem##*[,-]}
backends=mbind
[ -e /dev/cxltier ] && backends="mbind module"
echo "# node $node (has_memory: $mem), backends: $backends"

for b in $backends; do
	for t in 4096 1048576; do
		name="$b backend, threshold $t: preload_prog on node $node"
		LIBTIER_BACKEND=$b "$tierctl" run --policy "bind:$node" --threshold $t \
			-- "$prog" "$node" "$t" > "$tmp/out" 2>&1
		rc=$?
		sed 's/^/# /' "$tmp/out"
		if [ $rc = 0 ] && grep -q '^# preload: [1-9][0-9]* passed, 0 failed' "$tmp/out"; then
			ok "$name"
		else
			nok "$name (exit $rc)"
		fi
	done
done

# sort: its big buffers come from the pool; the output is the same
seq 1 400000 | awk '{ print ($1 * 7919) % 400009 }' > "$tmp/in"
sort -n -S 64M "$tmp/in" > "$tmp/plain"
for b in $backends; do
	LIBTIER_BACKEND=$b "$tierctl" run --policy "bind:$node" --threshold 64K --report \
		-- sort -n -S 64M "$tmp/in" > "$tmp/tiered" 2> "$tmp/err"
	rc=$?
	sed 's/^/# /' "$tmp/err"
	if [ $rc = 0 ] && cmp -s "$tmp/plain" "$tmp/tiered" &&
	   grep -Eq "served [1-9][0-9]* allocations .* 0 fell back" "$tmp/err"; then
		ok "$b backend: sort under tierctl run: same output, buffers from the pool"
	else
		nok "$b backend: sort under tierctl run (exit $rc)"
	fi
done

# python3: bytearrays, lists and a hash; threads too
py='
import hashlib, threading
b = bytearray(48 << 20)
for i in range(0, len(b), 4093): b[i] = i % 251
l = [bytes([i % 256]) * 300000 for i in range(64)]
def work(k):
    x = bytearray(3 << 20)
    x[::4096] = bytes([k]) * len(x[::4096])
    return hashlib.sha256(x).hexdigest()
ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(hashlib.sha256(b).hexdigest(), sum(len(x) for x in l), work(7))
'
if command -v python3 > /dev/null; then
	python3 -c "$py" > "$tmp/plain" 2>&1
	for b in $backends; do
		LIBTIER_BACKEND=$b "$tierctl" run --policy "bind:$node" --threshold 256K --report \
			-- python3 -c "$py" > "$tmp/tiered" 2> "$tmp/err"
		rc=$?
		sed 's/^/# /' "$tmp/err"
		if [ $rc = 0 ] && cmp -s "$tmp/plain" "$tmp/tiered" &&
		   grep -Eq "served [1-9][0-9]* allocations .* 0 fell back" "$tmp/err"; then
			ok "$b backend: python3 under tierctl run: same output, allocations from the pool"
		else
			nok "$b backend: python3 under tierctl run (exit $rc)"
		fi
	done
fi

# a bad policy in the environment: the program runs, on malloc, saying why
# in libtier's words (the same as tierctl's and Python's)
LD_PRELOAD=$(dirname "$tierctl")/../lib/libtier-preload.so LIBTIER_PRELOAD_POLICY=split:0=30%,2=80% \
	"$prog" "$node" 4096 > "$tmp/out" 2> "$tmp/err"
if grep -q "^libtier-preload: LIBTIER_PRELOAD_POLICY=split:0=30%,2=80%: shares add up to 110%, not 100%; allocations go to malloc$" "$tmp/err" &&
   grep -q "^not ok 1 - malloc(8M): .* come from cxltier" "$tmp/out"; then
	ok "bad LIBTIER_PRELOAD_POLICY: one line on stderr, everything on malloc"
else
	nok "bad LIBTIER_PRELOAD_POLICY"
fi

# tierctl run's own errors
"$tierctl" run --policy bind:999 -- true 2> "$tmp/err"
[ $? = 1 ] && grep -q "^tierctl run: policy bind:999: No such device$" "$tmp/err" &&
	ok "run: absent node refused before exec" || nok "run: absent node refused before exec"
"$tierctl" run --policy bind:0 -- /nonexistent/cmd 2> "$tmp/err"
[ $? = 127 ] && grep -q "^tierctl run: /nonexistent/cmd: No such file or directory$" "$tmp/err" &&
	ok "run: missing command: 127" || nok "run: missing command: 127"
"$tierctl" run --policy bind:0 --threshold 0 -- true 2> /dev/null
[ $? = 1 ] && ok "run: --threshold 0 refused" || nok "run: --threshold 0 refused"

echo "1..$n"
echo "preload: $((n - fail)) passed, $fail failed"
[ $fail = 0 ]
