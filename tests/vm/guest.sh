#!/bin/bash
# Runs inside the cxltier test host, in the host's root as its root (shared
# read-only over 9p), as a child of the initramfs /init.  Started by
# tests/vm/initramfs-init; configured by tests/vm/run through RUN/config.
#
#   1. builds the memory topology: nvdimm -> devdax namespace -> dax kmem
#      (system RAM, movable or normal) or left in devdax mode;
#   2. loads the module under test (insmod FILE, modprobe cxltier, or none);
#   3. runs the command with its output on ttyS1 (the runner's stdout);
#   4. on kernels with kmemleak, scans for leaks (before the unload, so that
#      backtraces keep the module's symbols); dumps dmesg, unloads the
#      module, dumps dmesg again; reads lockdep's state;
#   5. writes RUN/status, read by the runner.
#
# Diagnostics go to stdout/stderr, which is the kernel console (ttyS0): the
# runner keeps that in its console log and shows it when something fails.

set -u

# The whole script is one compound command, parsed before it runs: editing
# or checking out this file during a run cannot change what the run does.
{

RUN=$1
STATUS=$RUN/status
OUT=/dev/ttyS1

log() {
	local up
	read -r up _ < /proc/uptime
	echo "[$up] cxltier-vm: $*"
}
# RUN is on the 9p share without a page cache: writes reach the host at once.
status() { echo "$1" >> "$STATUS"; }
finish() {
	status "done=1"
	exit 0
}

# Set by RUN/config (tests/vm/run):
REPO='' TOPOLOGY='' CMD_CWD=/ MODULE_MODE=none MODULE_FILE='' MODULE_NAME=cxltier
VERBOSE=0 CMD_DEADLINE=0 TIMEOUT=0 HOST_DEADLINE=0 KMEMLEAK=1 GUEST_MODDIR=''
GUEST_KCONFIG=''
NVDIMMS=() CMD=()
pass=()
# shellcheck source=/dev/null
. "$RUN/config" || { log "cannot read $RUN/config"; exit 1; }
: > "$STATUS"

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

if ! stty -F "$OUT" raw -echo 2>/dev/null; then
	log "cannot set up the output channel $OUT"
	OUT=/dev/console
fi

# --- 1. memory topology ----------------------------------------------------

setup_fail() {
	log "SETUP FAILED: $*"
	status "setup=fail $*"
	dmesg > "$RUN/dmesg.cmd" 2>/dev/null
	finish
}

# Helpers set globals instead of printing: every $(...) is a fork, and
# under TCG a fork costs tens of milliseconds, an exec of a dynamically
# linked program about 100 ms.

# V = first line of sysfs attribute $1, or empty
attr() { V=; read -r V 2>/dev/null < "$1" || true; }

# V = the first device under /sys/bus/$1/devices/$2* whose target_node is $3
dev_of_node() {
	local d
	for d in "/sys/bus/$1/devices/$2"*; do
		attr "$d/target_node"
		if [ "$V" = "$3" ]; then
			V=${d##*/}
			return 0
		fi
	done
	V=
	return 1
}

# V = MemTotal of node $1 in kB
node_mem_kb() {
	local c d
	V=0
	while read -r _ _ c d _; do
		[ "$c" = MemTotal: ] && V=$d
	done 2>/dev/null < "/sys/devices/system/node/node$1/meminfo"
	return 0
}

log "guest.sh started"
# A kernel built in a tree (tests/vm/run found its modules.builtin): modprobe
# and daxctl learn from it that the drivers are built in.
if [ -n "$GUEST_MODDIR" ] && [ ! -d "/lib/modules/$(uname -r)" ]; then
	mount --bind "$GUEST_MODDIR" /lib/modules ||
		log "cannot mount $GUEST_MODDIR over /lib/modules"
fi
# ... and its configuration, where tests look for it.
if [ -n "$GUEST_KCONFIG" ] && [ ! -e "/boot/config-$(uname -r)" ]; then
	mount -t tmpfs -o mode=0755 tmpfs /boot &&
		cp "$GUEST_KCONFIG" "/boot/config-$(uname -r)" ||
		log "cannot put $GUEST_KCONFIG at /boot/config-$(uname -r)"
fi
if [ "${#NVDIMMS[@]}" -gt 0 ]; then
	# A kernel with the drivers built in has no modules to load: ignore
	# failures, the checks below are what counts.  --ignore-install skips
	# Debian's "ndctl load-keys" install hook for libnvdimm.
	modprobe -a -q --ignore-install nfit nd_pmem dax_pmem device_dax kmem 2>/dev/null ||
		log "modprobe of the nvdimm/dax drivers failed (built in?)"
fi

# NVDIMMS: "NODE MODE SIZE_MIB" each
declare -A region_of=() dax_of=()
for entry in "${NVDIMMS[@]}"; do
	read -r node mode mib <<< "$entry"
	for ((i = 0; i < 100; i++)); do
		dev_of_node nd region "$node" && break
		sleep 0.1
	done
	[ -n "$V" ] || setup_fail "no nvdimm region for node $node"
	region_of[$node]=$V
	attr "/sys/bus/nd/devices/$V/size"
	[ "$V" = $((mib * 1048576)) ] ||
		setup_fail "node $node: ${region_of[$node]} has $V bytes, expected ${mib} MiB (nvdimm order in QEMU's SRAT is not what tests/vm/run predicted)"
done

# One namespace per region, reconfigured to devdax, in parallel.
pids=()
for entry in "${NVDIMMS[@]}"; do
	read -r node mode mib <<< "$entry"
	dev_of_node dax dax "$node" && continue
	region=${region_of[$node]}
	ndctl create-namespace -f -e "namespace${region#region}.0" --mode=devdax > /dev/null &
	pids+=("$!:$node")
done
for p in "${pids[@]}"; do
	wait "${p%%:*}" || setup_fail "ndctl create-namespace --mode=devdax for node ${p#*:} failed"
done

movable=() normal=()
for entry in "${NVDIMMS[@]}"; do
	read -r node mode mib <<< "$entry"
	for ((i = 0; i < 50; i++)); do
		dev_of_node dax dax "$node" && break
		sleep 0.1
	done
	[ -n "$V" ] || setup_fail "no dax device for node $node"
	dax_of[$node]=$V
	case $mode in
	devdax) [ -c "/dev/$V" ] || setup_fail "/dev/$V missing (node $node)" ;;
	movable) movable+=("$V") ;;
	normal) normal+=("$V") ;;
	*) setup_fail "unknown nvdimm mode '$mode' for node $node" ;;
	esac
done
# daxctl 76 takes one device per call; the kernel serialises the hotplug.
pids=()
for dax in "${movable[@]}"; do
	daxctl reconfigure-device --mode=system-ram "$dax" > /dev/null &
	pids+=("$!:$dax")
done
for dax in "${normal[@]}"; do
	daxctl reconfigure-device --mode=system-ram --no-movable "$dax" > /dev/null &
	pids+=("$!:$dax --no-movable")
done
for p in "${pids[@]}"; do
	wait "${p%%:*}" || setup_fail "daxctl reconfigure-device --mode=system-ram ${p#*:} failed"
done
for entry in "${NVDIMMS[@]}"; do
	read -r node mode mib <<< "$entry"
	if [ "$mode" != devdax ]; then
		node_mem_kb "$node"
		[ "$V" -gt 0 ] || setup_fail "node $node has no memory after onlining ${dax_of[$node]}"
	fi
	log "node $node: ${region_of[$node]} ${dax_of[$node]} $mode"
done
status "setup=ok"
log "topology ready"

# --- 2. module under test --------------------------------------------------

# From here on every kernel message also goes to the serial console, so the
# runner has the whole log even when the guest panics or hangs.  (The boot
# is quieter and faster; its messages are in the dmesg dumps.)
echo 8 > /proc/sys/kernel/printk
attr /proc/sys/kernel/tainted
status "taint_base=$V"

# Debug kernels: kmemleak and lockdep (absent on the stock kernel: no cost).
KMEMLEAK_FILE=/sys/kernel/debug/kmemleak
kmemleak=0
if [ "$KMEMLEAK" = 1 ] && [ -e "$KMEMLEAK_FILE" ]; then
	# Scans are explicit, after CMD: stop the periodic thread, whose first
	# scan 60 s after boot would land in the middle of a test.
	if echo scan=off > "$KMEMLEAK_FILE" 2> "$RUN/kmemleak.err"; then
		kmemleak=1
	else
		status "kmemleak=fail kmemleak is disabled since the boot: $(tr '\n' ' ' < "$RUN/kmemleak.err")"
	fi
fi
# V = lockdep's debug_locks (1 while it is checking), empty without lockdep
lockdep_state() {
	local k v
	V=
	[ -r /proc/lockdep_stats ] || return 0
	while read -r k v; do
		[ "$k" = debug_locks: ] && V=$v
	done < /proc/lockdep_stats
	return 0
}
lockdep_state
[ -z "$V" ] || status "lockdep_base=$V"
# Leaks are counted from here on: kmemleak dates objects in jiffies (and,
# in newer kernels, by age in seconds: uptime).
read -r leak_t0 _ < /proc/uptime
leak_j0=
if [ "$kmemleak" = 1 ]; then
	while read -r k v _; do
		if [ "$k" = jiffies: ]; then leak_j0=$v; break; fi
	done < /proc/timer_list
fi

module_loaded() { [ -e "/sys/module/$MODULE_NAME/initstate" ]; }

case $MODULE_MODE in
insmod)
	# insmod does not resolve dependencies: load them first.
	deps=$(modinfo -F depends "$MODULE_FILE" 2>/dev/null || true)
	for d in ${deps//,/ }; do
		modprobe -q "$d" || log "modprobe $d (dependency of $MODULE_NAME) failed"
	done
	if ! insmod "$MODULE_FILE" > "$RUN/insmod.out" 2>&1; then
		log "insmod $MODULE_FILE failed"
		status "module=fail $(tr '\n' ' ' < "$RUN/insmod.out")"
		dmesg > "$RUN/dmesg.cmd"
		finish
	fi
	status "module=loaded"
	;;
modprobe)
	if ! modprobe "$MODULE_NAME" > "$RUN/insmod.out" 2>&1; then
		log "modprobe $MODULE_NAME failed"
		status "module=fail modprobe $MODULE_NAME: $(tr '\n' ' ' < "$RUN/insmod.out")"
		dmesg > "$RUN/dmesg.cmd"
		finish
	fi
	status "module=loaded"
	;;
none)
	status "module=none"
	;;
esac

# --- 3. the command --------------------------------------------------------

if [ "$VERBOSE" = 1 ]; then
	{
		echo "=== cxltier-vm: $(uname -r), topology $TOPOLOGY"
		numactl -H
		daxctl list 2>/dev/null
		echo "=== cxltier-vm: running: ${CMD[*]}"
	} > "$OUT" 2>&1
fi

if ! cd -- "$CMD_CWD" 2>/dev/null; then
	echo "cxltier-vm: warning: $CMD_CWD does not exist in the guest, running in $REPO" > "$OUT"
	cd -- "$REPO" || exit 1
fi

status "cmd=started"
# setsid: the command leads its own process group, so whatever it leaves
# running can be killed before the module is unloaded.  (A background job
# of a shell without job control is no group leader, so setsid execs in
# place and $! is the group.)
env -i PATH="$PATH" HOME=/root TERM=dumb LANG=C.UTF-8 \
	USER=root LOGNAME=root SHELL=/bin/bash TMPDIR=/tmp "${pass[@]}" \
	CXLTIER_VM=1 CXLTIER_VM_TOPOLOGY="$TOPOLOGY" CXLTIER_REPO="$REPO" \
	setsid "${CMD[@]}" < /dev/null > "$OUT" 2>&1 &
cmd_pid=$!
timed_out=0
# CMD_DEADLINE is host time; the guest clock comes from the emulated RTC,
# i.e. the host's.  If it looks wrong, allow TIMEOUT - 60 s from now.
if [ "$CMD_DEADLINE" -gt 0 ]; then
	left=$(( CMD_DEADLINE - EPOCHSECONDS ))
	[ "$left" -gt 0 ] && [ "$left" -le "$TIMEOUT" ] || left=$(( TIMEOUT - 60 ))
	[ "$left" -gt 5 ] || left=5
	( sleep "$left" && kill -0 "$cmd_pid" 2>/dev/null &&
		echo timeout > "$RUN/cmd-timeout" && kill -KILL -- "-$cmd_pid" ) \
		> /dev/null 2>&1 &
	watchdog=$!
fi
wait "$cmd_pid"
rc=$?
[ -n "${watchdog:-}" ] && kill "$watchdog" 2>/dev/null
[ -e "$RUN/cmd-timeout" ] && timed_out=1
# Leftovers of the command would keep the module busy.
kill -KILL -- "-$cmd_pid" 2>/dev/null && sleep 0.5
status "cmd=$rc"
log "command exited with $rc"
status "cmd_timeout=$timed_out"

# --- 4. leaks, kernel log, unload, kernel log, lockdep -----------------------

# kmemleak reports only objects older than about 5 s and, to rule out
# pointers in flight, is asked twice; each scan takes 11-16 s under TCG.
# Scanning before the unload keeps the module's symbols in the backtraces.
if [ "$kmemleak" = 1 ] && [ "$timed_out" = 0 ]; then
	if [ "$HOST_DEADLINE" -gt 0 ] && [ $((HOST_DEADLINE - EPOCHSECONDS)) -lt 120 ]; then
		status "kmemleak=skipped: $((HOST_DEADLINE - EPOCHSECONDS)) s left before the runner's deadline"
	else
		log "kmemleak: scanning"
		read -r cmd_end _ < /proc/uptime
		scanned=1
		for i in 1 2; do
			# the second scan must see what CMD allocated last as > 5 s old
			if [ "$i" = 2 ]; then
				read -r up _ < /proc/uptime
				w=$(( ${cmd_end%.*} + 6 - ${up%.*} ))
				[ "$w" -le 0 ] || sleep "$w"
			fi
			if ! echo scan > "$KMEMLEAK_FILE" 2> "$RUN/kmemleak.err"; then
				scanned=0
				break
			fi
		done
		if [ "$scanned" = 1 ] && cat "$KMEMLEAK_FILE" > "$RUN/kmemleak.all" 2> "$RUN/kmemleak.err"; then
			read -r leak_now _ < /proc/uptime
			# Each record: "unreferenced object ..." up to the next one;
			# "jiffies J" (and "(age S.MMMs)" where printed) dates it.
			# Allocated before leak_j0 / leak_t0 (less 1 s): the boot's.
			awk -v now="$leak_now" -v t0="$leak_t0" -v j0="${leak_j0:-0}" \
				-v ours="$RUN/kmemleak" -v old="$RUN/kmemleak.before" '
				function flush() {
					if (rec == "") return
					if (j >= 0 && j0 > 0) before = j < j0 - 250
					else if (age >= 0) before = now - age < t0 - 1
					else before = 0
					if (before) { m++; print rec > old }
					else { n++; print rec > ours }
					rec = ""
				}
				/^unreferenced object/ { flush(); rec = $0; age = -1; j = -1; next }
				rec != "" {
					rec = rec "\n" $0
					if (match($0, /\(age [0-9]+\.[0-9]+s\)/))
						age = substr($0, RSTART + 5, RLENGTH - 7) + 0
					if (match($0, /jiffies [0-9]+/))
						j = substr($0, RSTART + 8, RLENGTH - 8) + 0
				}
				END { flush(); printf "%d %d\n", n, m }
			' "$RUN/kmemleak.all" > "$RUN/kmemleak.count"
			read -r leaks leaks_before < "$RUN/kmemleak.count"
			status "kmemleak=${leaks:-0}"
			status "kmemleak_before=${leaks_before:-0}"
			log "kmemleak: ${leaks:-0} suspected leaks since the module load, ${leaks_before:-0} older"
		else
			status "kmemleak=fail scan: $(tr '\n' ' ' < "$RUN/kmemleak.err") (kmemleak switched itself off?)"
		fi
	fi
fi

dmesg > "$RUN/dmesg.cmd"
attr /proc/sys/kernel/tainted
status "taint_cmd=$V"
if module_loaded; then
	if rmmod "$MODULE_NAME" > "$RUN/rmmod.out" 2>&1; then
		status "unload=ok"
	else
		log "rmmod $MODULE_NAME failed: $(cat "$RUN/rmmod.out")"
		status "unload=fail $(tr '\n' ' ' < "$RUN/rmmod.out")"
	fi
else
	status "unload=none"
fi
dmesg > "$RUN/dmesg.final"
attr /proc/sys/kernel/tainted
status "taint=$V"
lockdep_state
[ -z "$V" ] || status "lockdep=$V"
log "done"
finish
}
