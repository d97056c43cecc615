# What the test programs take from tests/lib: its headers, and the header
# generated from tests/lib/kernel-log-bad.  Include after setting TOP and
# BUILD; depend on $(CXLT_LIB_HDRS) and compile with $(CXLT_LIB_CPPFLAGS).

CXLT_LIB_GEN      := $(BUILD)/tests/lib
CXLT_LIB_HDRS     := $(TOP)/tests/lib/cxlt_common.h $(TOP)/tests/lib/cxlt_nl.h \
                     $(TOP)/tests/lib/cxlt_errno.h $(TOP)/tests/lib/cxlt_pagemap.h \
                     $(TOP)/tests/lib/cxlt_scm.h \
                     $(CXLT_LIB_GEN)/kernel_log_bad.h
CXLT_LIB_CPPFLAGS := -I$(CXLT_LIB_GEN)

# Each pattern as a C string literal and a comma, for an array initialiser.
$(CXLT_LIB_GEN)/kernel_log_bad.h: $(TOP)/tests/lib/kernel-log-bad
	@mkdir -p $(dir $@)
	{ echo '/* Generated from tests/lib/kernel-log-bad by tests/lib/lib.mk. */'; \
	  grep -Ev '^[[:space:]]*(#|%|$$)' $< | \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/",/'; } > $@.tmp
	mv $@.tmp $@
