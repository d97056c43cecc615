# cxltier: top-level build.
#
#   make            module, libtier, tierctl and the tests
#   make demo       install what is missing, build, boot the emulated
#                   DRAM+CXL host and place buffers on DRAM and CXL nodes
#   make check      install what is missing and run every test
#   make install    libtier (+ header, pkg-config) and tierctl
#   make deb        the Debian packages (debian/) into build/deb/
#
# The kernel module is built by Kbuild (see Kbuild, kmod/Kbuild), by
# scripts/kmod-build.sh, into build/kmod/RELEASE/kmod/cxltier.ko: for the
# running kernel when it has a build tree, else for every installed kernel
# whose headers are present (Debian 12's 6.1 and 6.12 both), or for
# KVER=RELEASE, or for the build tree KDIR=DIR.  It says which kernel each
# module is for.

VERSION := $(shell cat $(CURDIR)/VERSION)
BUILD   ?= $(CURDIR)/build
PREFIX  ?= /usr/local
export BUILD PREFIX DESTDIR VERSION

# Which kernels: scripts/kernels.sh.  KVER and KDIR are not exported.
KVER ?=
KDIR ?=

# CI turns warnings into errors; what users build (and DKMS) does not.
ifeq ($(CI),true)
WERROR ?= 1
endif
export WERROR

SUBDIRS := libtier tools tests/host tests/selftests tests/stress tests/faultinj \
           tests/privilege

.PHONY: all module lib tools tests install deb clean deps demo check help

all: module lib tools tests

module:
	@scripts/kmod-build.sh $(if $(KDIR),--kdir $(KDIR),$(if $(KVER),--kver $(KVER),--all))

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

deb:
	scripts/deb.sh

deps:
	scripts/deps.sh all

demo: deps
	$(MAKE) all
	tests/vm/run --timeout 1800 -- scripts/demo.sh

check: deps
	$(MAKE) all
	tests/check.sh

clean:
	rm -rf $(BUILD)

help:
	@sed -n '3,11p' Makefile | sed 's/^# \{0,1\}//'
