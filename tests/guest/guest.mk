# SPDX-License-Identifier: GPL-2.0-only
#
# Guest test kernels (tests/guest/): freestanding x86-64 ELF kernels with a
# PVH entry note, booted by `imsvm run`. One kernel per tests/guest/x86/*.c,
# linked with the library in tests/guest/lib/.
# Included by the top-level Makefile, which provides $(O), $(Q) and $(CC).

GUEST_DIR	:= tests/guest
GUEST_OUT	:= $(O)/tests/guest
GUEST_CC	?= $(CC)
GUEST_LD	?= ld

# No SSE/AVX (-mgeneral-regs-only): the interrupt entry saves only the
# general registers, and PVM refuses xrstor at CPL0.
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -fno-pic -fno-pie \
	-fno-stack-protector -mno-red-zone -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -fno-builtin -fno-strict-aliasing \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -Wmissing-prototypes \
	-Wstrict-prototypes -Wshadow -Wpointer-arith -Wvla -Wundef \
	-Wno-unused-parameter -Wno-address-of-packed-member \
	-I$(GUEST_DIR)/lib -MMD -MP
GUEST_ASFLAGS := -ffreestanding -fno-pic -fno-pie -I$(GUEST_DIR)/lib -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 \
	-z noexecstack --no-warn-rwx-segments -T $(GUEST_DIR)/lib/x86/flat.lds

GUEST_LIB_SRCS := $(sort $(wildcard $(GUEST_DIR)/lib/*.c $(GUEST_DIR)/lib/x86/*.c))
GUEST_LIB_OBJS := $(GUEST_LIB_SRCS:%.c=$(O)/%.o) $(GUEST_OUT)/lib/x86/entry.o
GUEST_TESTS    := $(sort $(wildcard $(GUEST_DIR)/x86/*.c))
GUEST_KERNELS  := $(GUEST_TESTS:$(GUEST_DIR)/x86/%.c=$(GUEST_OUT)/x86/%.elf)

# `all:` was read before this fragment, so add to it directly.
ALL_TARGETS += guest-kernels
all: guest-kernels
guest-kernels: $(GUEST_KERNELS)

# More specific than the host's $(O)/%.o rule, so make prefers these.
$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(GUEST_CC) $(GUEST_ASFLAGS) -c -o $@ $<

# Nested PVM KVM refuses these at CPL0 (docs/testing.md); SSE registers
# would need saving on interrupt entry. A kernel that has any is not built.
GUEST_FORBIDDEN := [[:space:]](int3|xrstor[a-z0-9]*|clac|stac|cmpxchg16b)([[:space:]]|$$)|%[xy]mm

$(GUEST_OUT)/x86/%.elf: $(GUEST_OUT)/x86/%.o $(GUEST_LIB_OBJS) $(GUEST_DIR)/lib/x86/flat.lds
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@.tmp $(filter %.o,$^)
	$(Q)if objdump -d $@.tmp | grep -E '$(GUEST_FORBIDDEN)'; then \
		echo "$@: instructions nested PVM refuses at CPL0, or SSE" >&2; \
		rm -f $@.tmp; exit 1; fi
	$(Q)mv $@.tmp $@

.SECONDARY: $(GUEST_LIB_OBJS) $(GUEST_TESTS:$(GUEST_DIR)/x86/%.c=$(GUEST_OUT)/x86/%.o)
