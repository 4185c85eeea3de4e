# SPDX-License-Identifier: GPL-2.0-only
#
# imsvm build. `make` builds everything, `make check` runs every test,
# `make demo` boots the demo guest, `make bench` measures, `make deps`
# installs the Debian packages that are missing.
#
# Each part of the tree that builds more than host objects has a fragment
# (*.mk) included below; host sources are found by wildcard.

CC	?= gcc
O	:= build
V	?= 0
KVM	?= auto

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARNINGS := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wundef -Wshadow -Wpointer-arith -Wformat=2 -Wno-unused-parameter \
	-Wmissing-declarations -Wvla -Wimplicit-fallthrough
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -I. -MMD -MP \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2
LDFLAGS	?=
# SANITIZE=1: ASan+UBSan+LSan build in build-san/ (sets O, CFLAGS, LDFLAGS).
-include tests/fuzz/sanitize.mk
HOST_LIBS := -lfdt -lpthread -ljson-c -lseccomp

# Host objects of the imsvm program, shared with the unit tests.
# main.c holds main() only; *_test.c are criterion tests.
IMSVM_SRCS := $(sort $(filter-out %_test.c vmm/main.c, \
	$(wildcard vmm/*.c devices/*.c)))
IMSVM_OBJS := $(IMSVM_SRCS:%.c=$(O)/%.o)

UNIT_TEST_SRCS := $(sort $(wildcard vmm/*_test.c devices/*_test.c tests/unit/*_test.c))
UNIT_TEST_OBJS := $(UNIT_TEST_SRCS:%.c=$(O)/%.o)

PROGRAMS := $(O)/imsvm
ALL_TARGETS := $(PROGRAMS)
TEST_TARGETS := $(O)/unit-tests

.PHONY: all check demo bench deps clean tags unit guest-kernels help
all: $(ALL_TARGETS) $(TEST_TARGETS)

help:
	@echo "make            build imsvm, the ADI simulator, tests and guest test kernels"
	@echo "make check      install missing packages, build, run every test (KVM=auto|host|emulated)"
	@echo "make demo       install missing packages, build, boot the demo guest"
	@echo "make bench      performance table (docs/performance.md)"
	@echo "make deps       install missing Debian packages (idempotent, silent when none)"
	@echo "make unit       criterion unit tests only"
	@echo "V=1             show commands"

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(O)/imsvm: $(O)/vmm/main.o $(IMSVM_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(HOST_LIBS)

$(O)/unit-tests: $(UNIT_TEST_OBJS) $(IMSVM_OBJS) $(UNIT_EXTRA_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(HOST_LIBS) -lcriterion

# Fragments: the ADI simulator, guest test kernels, the test harness.
-include devices/adisim/adisim.mk
-include tests/guest/guest.mk
-include tests/tests.mk
-include devices/assign.mk
-include virtio/virtio.mk
-include tests/bench/bench.mk
-include guest/linux/linux.mk
-include tests/control/control.mk
-include tests/fuzz/fuzz.mk

deps:
	$(Q)./tests/deps.sh

unit: deps $(O)/unit-tests
	$(Q)$(O)/unit-tests

check: deps all
	$(Q)KVM=$(KVM) ./tests/run-all.sh

demo: deps all
	$(Q)KVM=$(KVM) ./tests/demo.sh

bench: deps all
	$(Q)KVM=$(KVM) ./tests/bench/run-bench.sh

tags:
	$(Q)ctags -R vmm devices virtio tests guest 2>/dev/null || etags $$(git ls-files '*.c' '*.h')

clean:
	$(Q)rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
