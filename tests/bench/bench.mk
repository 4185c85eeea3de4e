# SPDX-License-Identifier: GPL-2.0-only
#
# `make bench` material (tests/bench/): the timing tool, the KVM teardown
# probe and the minimal PVH guest that both VMMs boot. Included by the
# top-level Makefile, which provides $(O), $(Q), $(CC) and $(CFLAGS). The
# tools are static, so the emulated machine's initramfs needs no libraries
# for them.

BENCH_OUT := $(O)/tests/bench

$(BENCH_OUT)/vmmtime: tests/bench/vmmtime.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -static $(LDFLAGS) -o $@ $<

$(BENCH_OUT)/kvm-teardown: tests/bench/kvm-teardown.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -static $(LDFLAGS) -o $@ $<

$(BENCH_OUT)/guest/hello.o: tests/bench/guest/hello.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) -c -o $@ $<

$(BENCH_OUT)/guest/hello.elf: $(BENCH_OUT)/guest/hello.o tests/bench/guest/hello.lds
	@$(if $(Q),echo "  LD      $@")
	$(Q)ld -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack \
		--no-warn-rwx-segments -T tests/bench/guest/hello.lds -o $@ $<

.PHONY: bench-tools
bench-tools: $(BENCH_OUT)/vmmtime $(BENCH_OUT)/kvm-teardown $(BENCH_OUT)/guest/hello.elf
all: bench-tools
