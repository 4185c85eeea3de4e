# SPDX-License-Identifier: GPL-2.0-only
#
# The Linux guest modules (guest/linux/): imsvm-pvic.ko and imsvm-adisim.ko,
# built out of tree against the Debian headers of the kernel the tests boot.
# Included by the top-level Makefile, which provides $(O) and $(Q).
#
# The kernel version is the harness's (tests/harness/lib.sh,
# harness_kernel_version: what linux-image-amd64 depends on), so the modules
# always match the kernel tests/linux-modules boots. GUEST_KVER=... or
# GUEST_KDIR=... build against another kernel.
#
# Kbuild writes its objects next to the sources: the sources are copied to
# $(O)/guest/linux and built there, so the tree stays free of them.

GUEST_KVER ?= $(shell . tests/harness/lib.sh && harness_kernel_version)
GUEST_KDIR ?= /lib/modules/$(GUEST_KVER)/build
GUEST_MOD_OUT := $(O)/guest/linux
GUEST_MOD_SRCS := $(wildcard guest/linux/Kbuild guest/linux/*/*.c guest/linux/*/*.h)
GUEST_MODULES := $(GUEST_MOD_OUT)/imsvm-pvic.ko $(GUEST_MOD_OUT)/imsvm-adisim.ko

.PHONY: guest-modules guest-modules-clean
guest-modules: $(GUEST_MODULES)

# W=1 by default: the modules are kept clean at that level.
GUEST_MOD_W ?= 1

$(GUEST_MODULES) &: $(GUEST_MOD_SRCS) devices/pvic/pvic_abi.h devices/adisim/regs.h \
		guest/linux/linux.mk
	@if [ ! -d "$(GUEST_KDIR)" ]; then \
		echo "guest-modules: no kernel build tree at $(GUEST_KDIR) (make deps installs linux-headers-amd64)" >&2; \
		exit 1; fi
	@mkdir -p $(GUEST_MOD_OUT)
	$(Q)cd guest/linux && for f in Kbuild */*.c */*.h; do \
		mkdir -p $(abspath $(GUEST_MOD_OUT))/$$(dirname $$f); \
		cmp -s $$f $(abspath $(GUEST_MOD_OUT))/$$f || cp $$f $(abspath $(GUEST_MOD_OUT))/$$f; \
	done
	@$(if $(Q),echo "  KBUILD  $(GUEST_MOD_OUT) ($(GUEST_KVER))")
	$(Q)$(MAKE) -C $(GUEST_KDIR) M=$(abspath $(GUEST_MOD_OUT)) \
		IMSVM_TOP=$(abspath .) W=$(GUEST_MOD_W) $(if $(Q),-s) modules

guest-modules-clean:
	$(Q)rm -rf $(GUEST_MOD_OUT)

# The end-to-end test's initramfs (tests/linux-modules/prepare.sh; it never
# fails: without modules the test says SKIPPED). `check` is defined before
# the fragments are included: add the prerequisite here.
.PHONY: linux-modules-initrd
linux-modules-initrd:
	$(Q)./tests/linux-modules/prepare.sh
check: linux-modules-initrd
bench: linux-modules-initrd
