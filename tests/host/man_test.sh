#!/bin/bash
# The man pages and bash completion: tierctl(8) (built: its COMMANDS come
# from "tierctl help --roff"), libtier(3) and cxltier(4) render with no
# groff warning; every tierctl command and option is in tierctl(8), every
# libtier.map symbol in libtier(3), every ioctl, sysfs file and netlink
# command in cxltier(4); the completion offers commands, options, nodes
# and policy modes.  TAP output.
# usage: man_test.sh TIERCTL TIERCTL.8 [LIBTIER.3 [CXLTIER.4]]
set -u
TIERCTL=${1:?usage: $0 TIERCTL TIERCTL.8 [LIBTIER.3 [CXLTIER.4]]}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
MAN8=${2:?usage: $0 TIERCTL TIERCTL.8 [LIBTIER.3 [CXLTIER.4]]}
MAN3=${3:-$TOP/doc/man/libtier.3}
MAN4=${4:-$TOP/doc/man/cxltier.4}
COMPLETION=$TOP/packaging/bash-completion/tierctl
. "$(dirname "$0")/../lib/tap.sh"

echo "TAP version 13"

# --- rendering -------------------------------------------------------------
for page in "$MAN8" "$MAN3" "$MAN4" "$TOP/doc/man/tierctl-plot.1"; do
	name=$(basename "$page")
	if ! command -v groff > /dev/null; then
		skip "$name: groff -man -ww: no warning" "no groff"
	elif groff -man -ww -z "$page" > "$out" 2> "$err" && [ ! -s "$err" ]; then
		ok "$name: groff -man -ww: no warning"
	else
		nok "$name: groff -man -ww: no warning"
	fi
	if ! command -v man > /dev/null; then
		skip "$name: man -l renders" "no man"
	elif MANWIDTH=80 MAN_KEEP_FORMATTING= man -l "$page" > "$out" 2> "$err" &&
	     [ "$(wc -l < "$out")" -gt 20 ]; then
		ok "$name: man -l renders ($(wc -l < "$out") lines)"
	else
		nok "$name: man -l renders"
	fi
done

# --- tierctl(8): one text with --help -------------------------------------
# The page holds what this tierctl prints now (not a stale copy).
if run help --roff && [ -s "$out" ] &&
   python3 -c 'import sys; sys.exit(open(sys.argv[1]).read() not in open(sys.argv[2]).read())' "$out" "$MAN8"
then ok "tierctl.8: COMMANDS is this tierctl's help --roff"
else nok "tierctl.8: COMMANDS is this tierctl's help --roff"; fi

# The part of the page from ".SS CMD" to the next .SS or .SH.
section() {
	awk -v c="$1" '$0 == ".SS " c { on = 1; next } /^\.S[SH] / { on = 0 } on' "$MAN8"
}
# Long options, one a line, of "help --list ARGS" (no subcommands, no --help:
# the page says once that every command takes it).
opts_of() {
	"$TIERCTL" help --list "$@" | sed -n 's/^--\([a-z0-9-]*\).*/\1/p' | grep -vx help
}
subs_of() {
	"$TIERCTL" help --list "$1" | grep -v '^--'
}

cmds=$("$TIERCTL" help --list)
[ -n "$cmds" ] && ok "help --list: $(echo $cmds | wc -w) commands" || nok "help --list: the commands"
missing=
for c in $cmds; do
	[ -n "$(section "$c")" ] || missing+=" $c"
done
[ -z "$missing" ] && ok "tierctl.8: a section for every command" ||
	nok "tierctl.8: a section for every command" "missing:$missing"

# Each option in its command's section, or in that of a command with the
# same option table (model's workload options are documented at plan).
n_opts=0 missing=
for c in $cmds; do
	text=$tmp/text.$c
	list=$("$TIERCTL" help --list "$c")
	: > "$text"
	for d in $cmds; do
		[ "$("$TIERCTL" help --list "$d")" = "$list" ] && section "$d" >> "$text"
	done
	all=$(opts_of "$c")
	for s in $(subs_of "$c"); do
		all+=" $(opts_of "$c" "$s")"
	done
	for o in $all; do
		n_opts=$((n_opts + 1))
		grep -Eq -- "\\\\-\\\\-${o//-/\\\\-}([^a-z\\\\]|\\\\e|\$)" "$text" || missing+=" $c:--$o"
	done
done
[ -z "$missing" ] && ok "tierctl.8: all $n_opts options of the commands (and subcommands) in their sections" ||
	nok "tierctl.8: every option of every command in its section" "missing:$missing"

# --- libtier(3) ---------------------------------------------------------------
syms=$(sed -n 's/^[[:space:]]*\(tier_[a-z0-9_]*\);.*/\1/p' "$TOP/libtier/libtier.map")
missing=
for s in $syms; do
	grep -Eq "^\.BR $s \(\)" "$MAN3" || missing+=" $s"
done
[ -n "$syms" ] && [ -z "$missing" ] && ok "libtier.3: all $(echo $syms | wc -w) symbols of libtier.map" ||
	nok "libtier.3: every symbol of libtier.map" "missing:$missing"

# --- cxltier(4) ---------------------------------------------------------------
uapi=$TOP/uapi/linux/cxltier.h
iocs=$(sed -n 's/^#define[[:space:]]\{1,\}\(CXLTIER_IOC_[A-Z_]*\).*/\1/p' "$uapi")
missing=
for i in $iocs; do grep -q "^\.B $i$" "$MAN4" || missing+=" $i"; done
[ -n "$iocs" ] && [ -z "$missing" ] && ok "cxltier.4: all $(echo $iocs | wc -w) ioctls" ||
	nok "cxltier.4: every CXLTIER_IOC_ of the uapi header" "missing:$missing"

files=$(sed -n 's|^What:[[:space:]]*/sys/class/misc/cxltier/\(nodes/nodeN/\)\{0,1\}||p' \
	"$TOP/doc/ABI/testing/sysfs-class-misc-cxltier")
missing=
for f in $files; do grep -q "^\.I $f$" "$MAN4" || missing+=" $f"; done
[ -n "$files" ] && [ -z "$missing" ] && ok "cxltier.4: all $(echo $files | wc -w) sysfs files of doc/ABI" ||
	nok "cxltier.4: every sysfs file of doc/ABI" "missing:$missing"

nlcmds=$(sed -n 's/^[[:space:]]*\(CXLTIER_NL_CMD_[A-Z_]*\),.*/\1/p' "$uapi" | grep -v _UNSPEC)
missing=
for c in $nlcmds; do grep -q "^\.BR $c " "$MAN4" || missing+=" $c"; done
[ -n "$nlcmds" ] && [ -z "$missing" ] && ok "cxltier.4: all $(echo $nlcmds | wc -w) netlink commands" ||
	nok "cxltier.4: every netlink command of the uapi header" "missing:$missing"

# --- bash completion ------------------------------------------------------------
# complete LINE: what the completion offers with the cursor at the end of
# LINE, sorted, one a line, as whole words (what follows the last ':' or
# '=' of the word being completed, as readline shows it).
# Bash's default word breaks: ':' and '=' split policies and --opt=VALUE.
wordbreaks=$' \t\n"\'><=;|&(:'
complete_line() {
	bash -c '
		. "$1" || exit 1
		COMP_WORDBREAKS=$3 COMP_LINE=$2 COMP_POINT=${#2}
		read -ra COMP_WORDS <<< "$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_tierctl
		printf "%s\n" "${COMPREPLY[@]}"' bash "$COMPLETION" "$TIERCTL $1" "$wordbreaks" | sort
}
# expect_completion NAME LINE WORDS...: it offers exactly WORDS
expect_completion() {
	local name=$1 line=$2; shift 2
	local want got
	want=$(printf '%s\n' "$@" | sort)
	got=$(complete_line "$line")
	if [ "$got" = "$want" ]; then ok "completion: $name"
	else nok "completion: $name" "tierctl $line<TAB>" "want: $(echo $want)" "got:  $(echo $got)"; fi
}

: > "$out"; : > "$err"	# nothing of an earlier run in the diagnostics
if ! bash -n "$COMPLETION"; then
	nok "completion: bash -n"
else
	ok "completion: bash -n"
	expect_completion "tierctl <TAB>: the commands" "" $cmds
	expect_completion "tierctl he<TAB>" "he" help
	expect_completion "tierctl alloc --<TAB>: alloc's options" "alloc --" \
		$("$TIERCTL" help --list alloc | sed 's/[ []..*//')
	expect_completion "tierctl alloc --p<TAB>" "alloc --p" --policy --page-size --populate --pinnable
	expect_completion "tierctl alloc --policy <TAB>: the modes" "alloc --policy " \
		$("$TIERCTL" help --modes | sed 's/$/:/')
	expect_completion "tierctl run --policy=inter<TAB>" "run --policy=inter" interleave:
	nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | sed 's|.*/node||')
	expect_completion "tierctl alloc --policy bind:<TAB>: nodes and tiers" "alloc --policy bind:" \
		$nodes all dram cxl
	expect_completion "tierctl alloc --node <TAB>: the nodes" "alloc --node " $nodes
	expect_completion "tierctl bench <TAB>: the benchmarks" "bench " fault alloc migrate mem adam
	expect_completion "tierctl bench mem --<TAB>: its options" "bench mem --" \
		$("$TIERCTL" help --list bench mem | sed 's/[ []..*//')
	expect_completion "tierctl bench adam --policy <TAB>" "bench adam --policy " \
		$("$TIERCTL" help --modes | sed 's/$/:/')
	expect_completion "tierctl pool <TAB>" "pool " add list remove
	expect_completion "tierctl plan --optimizer <TAB>" "plan --optimizer " adam lion
	expect_completion "tierctl help <TAB>: the commands" "help " $cmds
fi

tap_done man
