# The TAP helper every shell test sources (tests/host/*.sh,
# tests/selftests/*.sh):
#
#   ok DESC               a test that passed
#   nok DESC [DETAIL...]  one that failed: each DETAIL, then what the last
#                         `run` printed, follow as "# " lines
#   skip DESC WHY         one that could not run
#   check DESC CMD...     ok or nok by CMD's exit status
#   run ARGS...           $TIERCTL ARGS, stdout in $out, stderr in $err
#   run_tty ARGS...       the same on a pseudo-terminal, all output in $out
#   expect_ok NAME ARGS...          tierctl ARGS exits 0, nothing on stderr
#   expect_fail NAME REGEX ARGS...  tierctl ARGS exits 1 with one error line
#   expect_explained NAME WHY REGEX ARGS...  the same, after libtier's
#                         explanation "tierctl CMD: libtier: WHY"
#   tap_done NAME         prints "NAME: N passed, N failed[, N skipped]"
#                         (the line tests/check.sh counts); status 0 when
#                         nothing failed
#
# Counts in n, failed and skipped.  $tmp is a scratch directory removed on
# exit; a script that sets its own EXIT trap calls tap_cleanup from it.

n=0 failed=0 skipped=0
tmp=$(mktemp -d)
out=$tmp/out err=$tmp/err
: > "$out"; : > "$err"
tap_cleanup() { rm -rf "$tmp"; }
trap tap_cleanup EXIT

ok()   { n=$((n + 1)); echo "ok $n - $1"; }
nok()  { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	 shift; for l in "$@"; do echo "$l" | sed 's/^/# /'; done
	 sed 's/^/# stdout: /' "$out" 2>/dev/null | head -40
	 sed 's/^/# stderr: /' "$err" 2>/dev/null | head -40
	 return 0; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { local desc=$1; shift; if "$@"; then ok "$desc"; else nok "$desc"; fi; }
run()  { "$TIERCTL" "$@" > "$out" 2> "$err"; }
# run_tty ARGS...: $TIERCTL ARGS on a pseudo-terminal (util-linux script)
# 200 columns wide, TERM=xterm (or $RUN_TTY_TERM), stdout and stderr
# together in $out, each carriage return a line break: what a person at a
# terminal sees, progress lines included
run_tty() {
	local cmd rc
	cmd="stty cols 200 rows 50; TERM=${RUN_TTY_TERM:-xterm} $(printf '%q ' "$TIERCTL" "$@")"
	script -qec "$cmd" /dev/null < /dev/null > "$tmp/tty" 2> "$err"; rc=$?
	tr '\r' '\n' < "$tmp/tty" | sed 's/\x1b\[K//g' > "$out"
	return $rc
}

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

# expect_explained NAME WHY REGEX ARGS...: exit 1, nothing on stdout,
# libtier's explanation "tierctl CMD: libtier: WHY" (WHY a regex), then
# the one error line matching REGEX
expect_explained() {
	local name=$1 why=$2 re=$3 rc; shift 3
	run "$@"; rc=$?
	if [ $rc = 1 ] && [ ! -s "$out" ] &&
	   sed -n 1p "$err" | grep -Eq "^tierctl [a-z]+: libtier: $why\$" &&
	   sed -n 2p "$err" | grep -Eq "$re" && [ "$(grep -vc '^usage: ' "$err")" = 2 ]
	then ok "$name"; else echo "# exit $rc"; nok "$name"; fi
}

tap_done() {
	local s=
	[ $skipped -gt 0 ] && s=", $skipped skipped"
	echo "$1: $((n - failed - skipped)) passed, $failed failed$s"
	[ $failed = 0 ]
}
