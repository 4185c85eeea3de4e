# SPDX-License-Identifier: GPL-2.0-only
#
# libFuzzer targets (tests/fuzz/*_fuzz.c), one per untrusted parser, built
# with Debian's clang and its compiler-rt (libclang-rt-14-dev):
#
#   make fuzz-build                  build every target into $(O)/fuzz/
#   make fuzz FUZZ_SECONDS=N         run each target N seconds (default 20)
#   make fuzz FUZZ_TARGETS_RUN=pvic  run only the named targets
#
# Every host source is compiled once more with clang under ASan + UBSan and
# libFuzzer's coverage instrumentation into $(O)/fuzz/obj/ and archived, so a
# target links only the objects it reaches (the same code imsvm runs; nothing
# is #ifdef'd for fuzzing). tests/fuzz/run.sh runs them on a copy of the
# committed seed corpora (tests/fuzz/corpus/NAME/) and is also the `fuzz`
# suite of `make check` (FUZZ_SECONDS there, default 20).

FUZZ_CC		?= clang
FUZZ_O		:= $(O)/fuzz
FUZZ_SECONDS	?= 20
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
FUZZ_CFLAGS	:= -g -O1 -std=gnu11 -D_GNU_SOURCE -I. -MMD -MP -Wall -Wextra \
		   -Wno-unused-parameter -Wno-missing-field-initializers \
		   -Wno-gnu-variable-sized-type-not-at-end \
		   $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIBS	:= -lfdt -lpthread -ljson-c -luring -lseccomp

FUZZ_LIB_SRCS	:= $(sort $(IMSVM_SRCS) $(VIRTIO_SRCS) $(VFU_SRCS) $(ADISIM_SRCS) \
		   tests/unit/fake_vm_test.c devices/pvic_fake_be_test.c)
FUZZ_LIB_OBJS	:= $(FUZZ_LIB_SRCS:%.c=$(FUZZ_O)/obj/%.o)
FUZZ_SRCS	:= $(sort $(wildcard tests/fuzz/*_fuzz.c))
FUZZ_BINS	:= $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_O)/%)

$(FUZZ_O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

# The test scaffolding (fake VM, fake PV-IC backend) is not what is fuzzed:
# no coverage feedback from its loops over whole tables, only the sanitizers.
FUZZ_FAKE_OBJS	:= $(FUZZ_O)/obj/tests/unit/fake_vm_test.o $(FUZZ_O)/obj/devices/pvic_fake_be_test.o
$(FUZZ_FAKE_OBJS): FUZZ_CFLAGS := $(filter-out -fsanitize=fuzzer-no-link,$(FUZZ_CFLAGS))

$(FUZZ_O)/libimsvm-fuzz.a: $(FUZZ_LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_O)/%_fuzz: $(FUZZ_O)/obj/tests/fuzz/%_fuzz.o $(FUZZ_O)/libimsvm-fuzz.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

# Keep the targets' own objects (make would delete them as intermediates).
.SECONDARY: $(FUZZ_SRCS:%.c=$(FUZZ_O)/obj/%.o)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: deps fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_OUT=$(FUZZ_O) ./tests/fuzz/run.sh $(FUZZ_TARGETS_RUN)

# `make check` runs the fuzz suite: build the targets with it when clang is
# there (tests/fuzz/run.sh says SKIPPED otherwise); not under SANITIZE=1,
# whose check does not run them.
ifneq ($(SANITIZE),1)
ifneq ($(shell command -v $(FUZZ_CC) 2>/dev/null),)
check: fuzz-build
endif
endif
