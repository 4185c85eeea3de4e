# SPDX-License-Identifier: GPL-2.0-only
#
# The test harness (tests/harness/, tests/linux/, tests/run-all.sh).
# Included by the top-level Makefile, which provides $(O), $(Q), $(CC) and
# $(CFLAGS).

HARNESS_OUT := $(O)/tests/harness

# The harness's self-test, run inside the emulated machine. Static, so the
# initramfs needs no libraries for it.
$(HARNESS_OUT)/kvm-check: tests/harness/kvm-check.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -static $(LDFLAGS) -o $@ $<

# `all` is defined before the fragments are included: name the target here.
all: $(HARNESS_OUT)/kvm-check

.PHONY: linux-guest harness-image
# The real-Linux guest's initramfs and the ELF vmlinux for the PVH entry
# (run-all.sh also builds them, after `make deps` installed the kernel).
linux-guest:
	$(Q)./tests/linux/prepare.sh

# The emulated machine's initramfs (cached under build/harness/).
harness-image: all linux-guest
	$(Q)./tests/harness/mkimage.sh >/dev/null

# The harness's own tests: working emulated KVM, status relay, watchdog
# and retry (three boots of the emulated machine and a forced hang).
.PHONY: harness-selftest
harness-selftest: deps $(HARNESS_OUT)/kvm-check
	$(Q)./tests/harness/selftest.sh
