# Compiler settings shared by the test programs (tests/*/Makefile): C11 with
# GNU extensions, all warnings, errors with WERROR=1 (CI), the uapi header
# from this tree.  Sets TOP and BUILD for the including Makefile.

TOP   := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
BUILD ?= $(TOP)/build

CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra
ifeq ($(WERROR),1)
CFLAGS   += -Werror
endif
CPPFLAGS += -I$(TOP)/uapi

# $(call test_prog,BIN,SOURCE): BIN built from the one C file SOURCE.
define test_prog
$(1): $(2) $$(TOP)/uapi/linux/cxltier.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(CFLAGS) $$(LDFLAGS) -o $$@ $(2) $$(LDLIBS)
endef
