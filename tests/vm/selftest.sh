#!/bin/bash
# tests/vm/selftest.sh: checks that the test host runner (tests/vm/run) works
# and that its verdicts can fail.  Boots the guest ten times with
# --no-module (the module need not be built):
#
#   clean        `true` exits 0: a normal boot does not trip the log scanner
#   false        `false` gives 1
#   exit-7       `exit 7` gives 7; the command's output reaches stdout; cwd
#                is the caller's; a file written into the repository from
#                the guest is there afterwards
#   log-verdict  a "WARNING:" line put into /dev/kmsg fails the run with the
#                log-verdict status (120) and names the line; --keep-log
#                writes the kernel log
#   boot-retry   a kernel that panics while it boots (rdinit= a missing
#                file) is booted once more with a warning, then fails (122)
#   expect-oom   --expect-oom 1 excuses one OOM report written to /dev/kmsg
#                (its "invoked oom-killer" and "Call Trace:" lines), but
#                not a "WARNING:" inside it, nor a second report
#
# With --kernel debug among the arguments, two more boots load
# tests/vm/testmod (built against the debug kernel into build/vm/testmod/):
#
#   kmemleak     a module that leaks 128 bytes fails the run (120), and the
#                report names it
#   lockdep      a module that switches lockdep off, with no report in the
#                log, fails the run (120)
#
# TAP output (tests/lib/tap.sh) ending with "vm-selftest: N passed, N
# failed"; exits 1 if any failed.
# Extra arguments go to every tests/vm/run call (e.g. --kernel PATH).
# CXLTIER_VM_SELFTEST_ONLY="kmemleak lockdep" runs only the checks named.

set -euo pipefail

VM_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(cd "$VM_DIR/../.." && pwd)
RUNNER=$VM_DIR/run
E_LOG=120

. "$REPO/tests/lib/tap.sh"
mark=$REPO/build/vm/selftest-mark.$$
cleanup() {
	tap_cleanup
	rm -f "$mark"
}
trap cleanup EXIT
mkdir -p "$REPO/build/vm"

# vm ARGS... -- CMD...: run the runner, its output in $out (which nok
# shows), status in $rc
vm() {
	rc=0
	"$RUNNER" "${RUN_ARGS[@]}" "$@" > "$out" 2>&1 || rc=$?
}
RUN_ARGS=(--no-module "$@")

start=$(date +%s)

# want NAME: is check NAME to run (CXLTIER_VM_SELFTEST_ONLY)?
want() {
	[ -z "${CXLTIER_VM_SELFTEST_ONLY:-}" ] && return 0
	[[ " $CXLTIER_VM_SELFTEST_ONLY " == *" $1 "* ]]
}

if want clean; then
vm -- true
if [ "$rc" = 0 ]; then ok "clean: true exits 0, boot log clean"
else nok "clean: true gave $rc, want 0"; fi
fi

if want false; then
vm -- false
if [ "$rc" = 1 ]; then ok "false: exit status 1 propagated"
else nok "false: gave $rc, want 1"; fi
fi

if want exit-7; then
token=$RANDOM$RANDOM
rm -f "$mark"
cd "$VM_DIR"
# shellcheck disable=SC2016 # expanded by the guest's sh
vm -- sh -c 'echo "cwd=$(pwd)"; echo "token='"$token"'" > "$1"; echo out-marker; exit 7' sh "$mark"
cd "$OLDPWD"
why=()
[ "$rc" = 7 ] || why+=("status $rc, want 7")
grep -qx "cwd=$VM_DIR" "$tmp/out" || why+=("cwd is not $VM_DIR")
grep -qx "out-marker" "$tmp/out" || why+=("command output missing from stdout")
[ "$(cat "$mark" 2>/dev/null)" = "token=$token" ] || why+=("$mark not written from the guest")
if [ "${#why[@]}" = 0 ]; then ok "exit-7: status 7, output, cwd, file written into the repository"
else nok "exit-7" "${why[@]}"; fi
fi

if want log-verdict; then
rm -f "$tmp/klog"
vm --keep-log "$tmp/klog" -- sh -c 'echo "WARNING: cxltier-vm selftest injected line" > /dev/kmsg'
why=()
[ "$rc" = "$E_LOG" ] || why+=("status $rc, want $E_LOG")
grep -q 'WARNING: cxltier-vm selftest injected line' "$tmp/out" ||
	why+=("the offending line is not named")
grep -q 'WARNING: cxltier-vm selftest injected line' "$tmp/klog" 2>/dev/null ||
	why+=("--keep-log file lacks the line")
grep -q 'Linux version' "$tmp/klog" 2>/dev/null ||
	why+=("--keep-log file lacks the boot log")
if [ "${#why[@]}" = 0 ]; then ok "log-verdict: injected WARNING fails the run ($E_LOG), --keep-log has the log"
else nok "log-verdict" "${why[@]}"; fi
fi

if want boot-retry; then
CXLTIER_VM_APPEND="rdinit=/cxltier-selftest-no-such-init" vm -- true
why=()
[ "$rc" = 122 ] || why+=("status $rc, want 122")
[ "$(grep -c 'crashed while booting' "$out")" = 1 ] ||
	why+=("not exactly one retry warning")
if [ "${#why[@]}" = 0 ]; then ok "boot-retry: a boot panic is retried once, then fails (122)"
else nok "boot-retry" "${why[@]}"; fi
fi

if want expect-oom; then
# a report as the OOM killer prints it, cut to the lines that matter;
# the second argument goes inside it
# shellcheck disable=SC2016 # expanded by the guest's sh
report='for l in "x invoked oom-killer: gfp_mask=0x0" "Call Trace:" "$1" \
	"Out of memory: Killed process 1 (x)"; do echo "$l" > /dev/kmsg; done'
vm --expect-oom 1 -- sh -c "$report" sh "dump_stack+0x0/0x0"
r1=$rc
vm --expect-oom 1 -- sh -c "$report" sh "WARNING: cxltier-vm selftest inside a report"
r2=$rc
grep -q 'WARNING: cxltier-vm selftest inside a report' "$tmp/out" || r2="$r2 (line not named)"
vm --expect-oom 1 -- sh -c "$report; $report" sh "dump_stack+0x0/0x0"
r3=$rc
grep -q 'the log shows 2 OOM killer runs' "$tmp/out" || r3="$r3 (count not named)"
if [ "$r1" = 0 ] && [ "$r2" = "$E_LOG" ] && [ "$r3" = "$E_LOG" ]; then
	ok "expect-oom: one report excused; a WARNING in it and a second report fail ($E_LOG)"
else
	nok "expect-oom: statuses $r1, $r2, $r3; want 0, $E_LOG, $E_LOG"
fi
fi

debug=0
for ((i = 1; i <= $#; i++)); do
	case ${!i} in
	--kernel=debug) debug=1 ;;
	--kernel) j=$((i + 1)); [ "${!j:-}" != debug ] || debug=1 ;;
	esac
done
if [ "$debug" = 1 ] && { want kmemleak || want lockdep; }; then
	tm=$REPO/build/vm/testmod
	mkdir -p "$tm"
	rm -f "$tm/cxltier_vmtest.ko"
	cp "$VM_DIR/testmod/Kbuild" "$VM_DIR/testmod/cxltier_vmtest.c" "$tm/"
	if ! kdir=$("$VM_DIR/debug-kernel.sh" --kdir) ||
		! make -C "$kdir" M="$tm" modules > "$tm/build.log" 2>&1; then
		nok "kmemleak: cannot build tests/vm/testmod (log: $tm/build.log)"
		nok "lockdep: cannot build tests/vm/testmod (log: $tm/build.log)"
	fi
	if [ -f "$tm/cxltier_vmtest.ko" ] && want kmemleak; then
		vm -- insmod "$tm/cxltier_vmtest.ko" leak=1
		why=()
		[ "$rc" = "$E_LOG" ] || why+=("status $rc, want $E_LOG")
		grep -q 'kmemleak: 1 suspected memory leak' "$tmp/out" || why+=("no kmemleak verdict line")
		grep -q 'cxltier_vmtest' "$tmp/out" || why+=("the report does not name the module")
		if [ "${#why[@]}" = 0 ]; then ok "kmemleak: a leaking module fails the run ($E_LOG), the report names it"
		else nok "kmemleak" "${why[@]}"; fi
	fi
	if [ -f "$tm/cxltier_vmtest.ko" ] && want lockdep; then
		vm -- insmod "$tm/cxltier_vmtest.ko" lockdep_off=1
		why=()
		[ "$rc" = "$E_LOG" ] || why+=("status $rc, want $E_LOG")
		grep -q 'lockdep switched itself off' "$tmp/out" || why+=("no lockdep verdict line")
		if [ "${#why[@]}" = 0 ]; then ok "lockdep: lockdep off at the end fails the run ($E_LOG)"
		else nok "lockdep" "${why[@]}"; fi
	fi
fi

echo "1..$n"
echo "# $(( $(date +%s) - start )) s"
tap_done vm-selftest
