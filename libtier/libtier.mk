# Build settings shared by libtier/, tools/ and tests/host/ Makefiles, and how
# to build against the in-tree libtier.  Each of those Makefiles works on its
# own (make -C DIR); outputs go to $(BUILD), build/ at the top by default.
#
#   make CC=clang CFLAGS='-O0 -g'   usual overrides (CFLAGS default: -O2 -g)
#   make EXTRA_CFLAGS=...           added after everything else
#   make WERROR=1                   -Werror (CI only, never for users)
#   make install DESTDIR=... PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu
#                [PRELOADDIR=/usr/lib/x86_64-linux-gnu/cxltier]

TOP   := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
BUILD ?= $(TOP)/build

# One source of truth: the project version in the top-level VERSION file.
VERSION := $(shell cat $(TOP)/VERSION)

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# libtier-preload.so, the interposer of `tierctl run`: loaded by path, never
# linked, so a distribution may keep it out of the linker's directory.
PRELOADDIR   ?= $(LIBDIR)

CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	     -Wmissing-prototypes
ifeq ($(WERROR),1)
WARNFLAGS += -Werror
endif

# In-tree consumers of libtier: #include "libtier.h", and "tier_plan.h" for
# the planner.
LIBTIER_CPPFLAGS := -I$(TOP)/libtier -I$(TOP)/libtier/plan -I$(TOP)/libtier/optim \
		    -I$(TOP)/uapi
LIBTIER_LIBDIR   := $(BUILD)/lib
LIBTIER_A        := $(LIBTIER_LIBDIR)/libtier.a

# libmnl: libtier's netlink client (nl.c).  Linking libtier.a needs it too.
LIBMNL_CFLAGS := $(shell pkg-config --cflags libmnl 2>/dev/null)
LIBMNL_LIBS   := $(shell pkg-config --libs libmnl 2>/dev/null || echo -lmnl)
LIBTIER_SO       := $(LIBTIER_LIBDIR)/libtier.so
