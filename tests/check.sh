#!/usr/bin/env bash
# Runs every cxltier test and ends with "N passed, N failed[, N skipped]".
# Called by `make check` after the build.
#
# Every step is a make target of one test directory, named by where it runs:
#   check             on the build host
#   check-vm          in the emulated DRAM+CXL host (tests/vm/run), stock
#                     kernel, default topology
#   check-cxl-normal  there, on the topology with a CXL node in ZONE_NORMAL
#   check-debug       there, on the debug kernel (KASAN, lockdep, kmemleak...),
#                     a debug build of the 6.1 series
# and the step is called DIR.TARGET (e.g. host.check).  A step that boots an
# installed Debian kernel runs once per supported series (scripts/kernels.sh
# supported: 6.1, 6.12), as DIR.TARGET@SERIES with KERNEL=SERIES (e.g.
# selftests.check-vm@6.12).  The end is a table of every step: its kernel,
# counts and seconds.
#
# Each step's output is shown as it runs; its counts come from the
# kselftest "# Totals:" line or an "N passed, N failed" line it prints, else
# from its exit status.  A step that exits non-zero always counts as at
# least one failure (the VM runner fails a run on a kernel BUG/WARNING even
# when every test passed).
#
# Environment: CXLTIER_CHECK_ONLY="selftests.check-vm@6.12 host.check" runs
# only those steps.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

pass=0 fail=0 skip=0
failed_steps=()
table=()
log_dir=$top/build/check
mkdir -p "$log_dir"

# want NAME: is the step to run?  DIR.TARGET also names its @SERIES steps.
nr_wanted=0
want() {
	if [[ -z "${CXLTIER_CHECK_ONLY:-}" ]] ||
		[[ " $CXLTIER_CHECK_ONLY " == *" $1 "* ]] ||
		[[ " $CXLTIER_CHECK_ONLY " == *" ${1%@*} "* ]]; then
		nr_wanted=$((nr_wanted + 1))
		return 0
	fi
	return 1
}

# step DIR TARGET: `make -C tests/DIR TARGET`; run, show, count.
step() {
	step_cmd "$1.$2" make -s -C "tests/$1" "$2"
}

# step_each_kernel DIR TARGET: the step once per supported series.
mapfile -t series < <(scripts/kernels.sh supported)
step_each_kernel() {
	local k
	for k in "${series[@]}"; do
		step_cmd "$1.$2@$k" make -s -C "tests/$1" "$2" KERNEL="$k"
	done
}

# step_cmd NAME CMD...: run, show, count.
step_cmd() {
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
	table+=("$(printf '%-32s %-22s %6s %6s %6s %6s' "$name" "$(step_kernel "$name")" "$p" "$f" "$s" "$((t1 - t0))")")
}

# The kernel a step ran on, for the table.
step_kernel() {
	case $1 in
	*@*) scripts/kernels.sh release "${1##*@}" 2>/dev/null || echo "${1##*@}" ;;
	*.check-debug|vm.debug-kernel) echo "6.1 debug" ;;
	*.check-two-socket|*.check-deb-vm|*.check-demo) scripts/kernels.sh release stock 2>/dev/null || echo stock ;;
	*) echo "build host" ;;
	esac
}

step dkms check
step host check
step vm debug-kernel
step_each_kernel vm check-vm
step vm check-debug
step vm check-demo
step_each_kernel selftests check-vm
step_each_kernel selftests check-cxl-normal
step selftests check-debug
step_each_kernel host check-vm
step host check-two-socket
step python check
step_each_kernel python check-vm
step stress check-debug
step_each_kernel stress check-oom
step faultinj check-debug
step_each_kernel privilege check-vm
step_each_kernel dkms check-vm
step dkms check-deb-vm

if [[ $nr_wanted -eq 0 ]]; then
	echo "CXLTIER_CHECK_ONLY=\"$CXLTIER_CHECK_ONLY\" names no step"
	fail=$((fail + 1))
fi
echo
printf '%-32s %-22s %6s %6s %6s %6s\n' step kernel passed failed skip s
printf '%s\n' "${table[@]}"
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
