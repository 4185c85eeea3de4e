# SPDX-License-Identifier: GPL-2.0-only
#
# SANITIZE=1: build imsvm, the ADI simulator, the unit tests and the
# integration-test tools with AddressSanitizer, UndefinedBehaviorSanitizer
# and LeakSanitizer into their own directory (build-san/, so the normal
# build stays as it is), and run `make check` against them:
#
#   make check SANITIZE=1        (or: make SANITIZE=1, make unit SANITIZE=1)
#
# Included by the top-level Makefile right after CFLAGS and LDFLAGS are set
# and before any rule names $(O). The compiler stays gcc (its libasan and
# libubsan, with the same -Werror warning set); the fuzzers use clang's
# runtime (tests/fuzz/fuzz.mk). UB is not recoverable here: the first report
# aborts the process, so a test that meets one fails. Leaks are reported
# when a process exits (exit status 23), so they fail the test as well.
#
# Static tools for the emulated machine's initramfs (-static cannot link the
# sanitizer runtimes) are built without sanitizers; the suites that run in
# the emulated machine are skipped under SANITIZE=1 (tests/run-all.sh), its
# image carries no sanitizer runtime.

ifeq ($(SANITIZE),1)
O		:= build-san
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
CFLAGS		+= $(SAN_FLAGS)
LDFLAGS		+= $(SAN_FLAGS)

SAN_STATIC	:= $(O)/tests/harness/kvm-check $(O)/tests/bench/vmmtime \
		   $(O)/tests/bench/kvm-teardown $(O)/tests/virtio/blkbench
$(SAN_STATIC): CFLAGS := $(filter-out $(SAN_FLAGS),$(CFLAGS))
$(SAN_STATIC): LDFLAGS := $(filter-out $(SAN_FLAGS),$(LDFLAGS))

# The test scripts find the binaries through these.
export O
export SANITIZE
export IMSVM := $(CURDIR)/$(O)/imsvm
export ADISIM := $(CURDIR)/$(O)/imsvm-adisim
# Fail on the first report, with a stack; leaks checked at exit.
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
endif
