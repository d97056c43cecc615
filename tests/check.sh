#!/usr/bin/env bash
# Runs every cxltier test and ends with "N passed, N failed[, N skipped]".
# Called by `make check` after the build.  Each step's output is shown as it
# runs; its counts come from the kselftest "# Totals:" line or an
# "N passed, N failed" line it prints, else from its exit status.  A step
# that exits non-zero always counts as at least one failure (the VM runner
# fails a run on a kernel BUG/WARNING even when every test passed).
#
# Environment: CXLTIER_CHECK_ONLY="step1 step2" runs only those steps.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

pass=0 fail=0 skip=0
failed_steps=()
log_dir=$top/build/check
mkdir -p "$log_dir"

want() {
	[[ -z "${CXLTIER_CHECK_ONLY:-}" ]] && return 0
	[[ " $CXLTIER_CHECK_ONLY " == *" $1 "* ]]
}

# step NAME CMD...: run, show, count.
step() {
	local name=$1 log rc p=0 f=0 s=0 t0 t1 found=0 line
	shift
	want "$name" || return 0
	log=$log_dir/$name.log
	echo "=== step $name: $*"
	t0=$(date +%s)
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	t1=$(date +%s)
	while IFS= read -r line; do
		if [[ $line =~ Totals:\ pass:([0-9]+)\ fail:([0-9]+)\ xfail:([0-9]+)\ xpass:([0-9]+)\ skip:([0-9]+)\ error:([0-9]+) ]]; then
			p=$((p + BASH_REMATCH[1] + BASH_REMATCH[3]))
			f=$((f + BASH_REMATCH[2] + BASH_REMATCH[4] + BASH_REMATCH[6]))
			s=$((s + BASH_REMATCH[5]))
			found=1
		elif [[ $line =~ ^([A-Za-z_-]+:\ )?([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?(\ .*)?$ ]]; then
			p=$((p + BASH_REMATCH[2]))
			f=$((f + BASH_REMATCH[3]))
			s=$((s + ${BASH_REMATCH[5]:-0}))
			found=1
		fi
	done < "$log"
	if [[ $found -eq 0 ]]; then
		if [[ $rc -eq 0 ]]; then p=1; else f=1; fi
	elif [[ $rc -ne 0 && $f -eq 0 ]]; then
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	[[ $f -eq 0 ]] || failed_steps+=("$name")
	echo "=== step $name: exit $rc, $p passed, $f failed, $s skipped, $((t1 - t0)) s"
}

version_consistency() {
	local v d
	v=$(cat VERSION)
	d=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
	if [[ "$v" != "$d" ]]; then
		echo "VERSION is $v but dkms.conf says $d"
		return 1
	fi
	echo "VERSION and dkms.conf agree: $v"
}

vm_run() { tests/vm/run "$@"; }

# libtier and tierctl on the emulated host: each test runs on the module
# backend and on the mbind fallback, on a host with several nodes (on the
# build host the module variants skip).
libtier_vm() {
	vm_run -- sh -c '
		rc=0
		build/tests/host/libtier_test || rc=1
		tests/host/tierctl_test.sh build/bin/tierctl || rc=1
		tests/host/plan_test.sh build/bin/tierctl || rc=1
		tests/host/bench_mem_test.sh build/bin/tierctl || rc=1
		build/tests/host/pool_test || rc=1
		build/tests/host/nl_test || rc=1
		tests/host/preload_test.sh build/bin/tierctl build/tests/host/preload_prog || rc=1
		tests/selftests/tune_tierctl.sh || rc=1
		exit $rc'
}

# The debug kernel (KASAN, lockdep, DEBUG_VM, kmemleak, UBSAN, fault
# injection): built once per machine into /var/cache/cxltier (about 12
# minutes on 2 cores), reused after that.  The module is built against it
# into build/kmod-debug/.
debug_kernel() {
	local t0 img
	t0=$(date +%s)
	if img=$(tests/vm/debug-kernel.sh --cached); then
		echo "debug kernel cached: $img"
	else
		img=$(tests/vm/debug-kernel.sh) || return 1
		echo "debug kernel built in $(( $(date +%s) - t0 )) s: $img"
	fi
	ko=$(tests/vm/debug-module.sh) || return 1
	echo "module for the debug kernel: $ko"
}

# The module built against the debug kernel (rebuilt if the sources
# changed), for the steps that pass it to the runner themselves.
debug_ko() { tests/vm/debug-module.sh; }

module_suite_debug() {
	local ko
	ko=$(debug_ko) || return 1
	make -s -C tests/selftests run KO="$ko" VM_ARGS="--kernel debug --timeout 1800"
}

# Concurrency stress (60 s of creating, mapping, forking, verifying every
# byte while a CXL node goes offline and online and compaction runs), then
# the random-ioctl fuzzer; both print their seeds, so failures reproduce.
# On the debug kernel: KASAN, lockdep and kmemleak watch the module.
stress_fuzz() {
	local ko
	ko=$(debug_ko) || return 1
	vm_run --kernel debug --module "$ko" --timeout 1500 -- sh -c '
		rc=0
		build/tests/cxltier_stress --duration "${CXLTIER_STRESS_SECONDS:-60}" || rc=1
		build/tests/cxltier_fuzz --iterations "${CXLTIER_FUZZ_ITERATIONS:-20000}" || rc=1
		exit $rc'
}

step version version_consistency
step host make -s -C tests/host check
step debug-kernel debug_kernel
step vm-runner tests/vm/selftest.sh
step vm-runner-debug env CXLTIER_VM_SELFTEST_ONLY="clean kmemleak lockdep" \
	tests/vm/selftest.sh --kernel debug
step module-suite make -s -C tests/selftests run
step module-suite-cxl-normal make -s -C tests/selftests run-cxl-normal
step monitor-tierctl make -s -C tests/selftests run-monitor-tierctl
step module-suite-debug module_suite_debug
step libtier-vm libtier_vm
step python make -s -C tests/python check
step python-vm make -s -C tests/python check-vm
step stress-fuzz-debug stress_fuzz
step faultinj-debug make -s -C tests/faultinj run
step privilege make -s -C tests/privilege run
step dkms tests/dkms/check.sh

echo
if [[ ${#failed_steps[@]} -gt 0 ]]; then
	echo "failed steps: ${failed_steps[*]} (logs in build/check/)"
fi
if [[ $skip -gt 0 ]]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[[ $fail -eq 0 ]]
