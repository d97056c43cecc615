# Which kernel the check-vm targets of a test directory boot.  Include it,
# and pass $(VM_ARGS) to every tests/vm/run of those targets.
#
#   KERNEL=SERIES   a supported series (6.1, 6.12: scripts/kernels.sh
#                   supported); tests/check.sh runs each kernel's steps so.
#                   Default: the stock kernel.  The module is the one make
#                   built for it.
#   VM_ARGS="..."   more runner options (--topology NAME, --kernel PATH...)
# Only from make's command line: KERNEL is too common a name to take from
# the environment.
ifneq ($(origin KERNEL),command line)
KERNEL :=
endif
VM_ARGS ?=
override VM_ARGS += $(if $(KERNEL),--kernel $(KERNEL))
