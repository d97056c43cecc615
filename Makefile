# cxltier: top-level build.
#
#   make            module, libtier, tierctl and the tests
#   make demo       install what is missing, build, boot the emulated
#                   DRAM+CXL host and place buffers on DRAM and CXL nodes
#   make check      install what is missing and run every test
#   make install    libtier (+ header, pkg-config) and tierctl
#
# The kernel module is built by Kbuild (see Kbuild, kmod/Kbuild) against
# KDIR: the running kernel's build tree when it has one, else the newest
# installed headers.

VERSION := $(shell cat $(CURDIR)/VERSION)
BUILD   ?= $(CURDIR)/build
PREFIX  ?= /usr/local
export BUILD PREFIX DESTDIR VERSION

KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	else ls -1 /lib/modules/*/build/Makefile 2>/dev/null | \
	sed 's|/lib/modules/\([^/]*\)/build/Makefile|\1|' | sort -V | tail -n1; fi)
KDIR ?= /lib/modules/$(KVER)/build
# KVER and KDIR are not exported: a sub-make must recompute them once
# scripts/deps.sh has installed headers on a fresh machine.

# CI turns warnings into errors; what users build (and DKMS) does not.
ifeq ($(CI),true)
WERROR ?= 1
endif
ifeq ($(WERROR),1)
KWERROR := CXLTIER_WERROR=1
endif
export WERROR

SUBDIRS := libtier tools tests/host tests/selftests tests/stress tests/faultinj \
           tests/privilege

.PHONY: all module lib tools tests install clean deps demo check help

all: module lib tools tests

module:
	@test -n "$(KVER)" -a -d "$(KDIR)" || { echo "make: module: no kernel build tree (install linux-headers-amd64 or set KDIR)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) CXLTIER_VERSION=$(VERSION) $(KWERROR) modules

lib:
	$(MAKE) -C libtier

tools: lib
	$(MAKE) -C tools

tests: lib
	$(MAKE) -C tests/host
	$(MAKE) -C tests/selftests
	$(MAKE) -C tests/stress
	$(MAKE) -C tests/faultinj
	$(MAKE) -C tests/privilege

install: lib tools
	$(MAKE) -C libtier install
	$(MAKE) -C tools install

deps:
	scripts/deps.sh all

demo: deps
	$(MAKE) all
	tests/vm/run -- scripts/demo.sh

check: deps
	$(MAKE) all
	tests/check.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)

help:
	@sed -n '3,10p' Makefile | sed 's/^# \{0,1\}//'
