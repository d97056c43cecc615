# TAP helpers of the tierctl test scripts (tierctl_test.sh, plan_test.sh,
# bench_mem_test.sh), sourced once TIERCTL is set.  Counts in n, failed
# and skipped; the last run's stdout and stderr in $out and $err, in $tmp,
# which is removed on exit.  Each script prints its own plan and summary.

n=0 failed=0 skipped=0
tmp=$(mktemp -d)
out=$tmp/out err=$tmp/err
trap 'rm -rf "$tmp"' EXIT

ok()   { n=$((n + 1)); echo "ok $n - $1"; }
nok()  { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	 sed 's/^/# stdout: /' "$out" | head -40
	 sed 's/^/# stderr: /' "$err" | head -40; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n - $1 # SKIP $2"; }
run()  { "$TIERCTL" "$@" > "$out" 2> "$err"; }

# expect_ok NAME ARGS...: exit 0, nothing on stderr
expect_ok() {
	local name=$1; shift
	if run "$@" && [ ! -s "$err" ]; then ok "$name"; else nok "$name"; fi
}
# expect_fail NAME REGEX ARGS...: exit 1, nothing on stdout, one error line
# on stderr matching REGEX, then at most a usage line
expect_fail() {
	local name=$1 re=$2 rc; shift 2
	run "$@"; rc=$?
	if [ $rc = 1 ] && [ ! -s "$out" ] && head -n 1 "$err" | grep -Eq "$re" &&
	   [ "$(grep -vc '^usage: ' "$err")" = 1 ]
	then ok "$name"; else echo "# exit $rc"; nok "$name"; fi
}
