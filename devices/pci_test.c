/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <libfdt.h>
#include <string.h>

#include "devices/pci.h"
#include "tests/unit/fake_vm.h"
#include "vmm/layout.h"

static struct fake_vm f;

static void setup(void)
{
	fake_vm__init(&f);
	cr_assert_eq(pci__init(&f.vm), 0);
	cr_assert_not_null(f.vm.pci);
}

static void teardown(void)
{
	fake_vm__destroy(&f);
}

TestSuite(pci, .init = setup, .fini = teardown);

/* ---- guest-side helpers: exactly what a guest's accesses produce ---- */

static u32 conf1_addr(u32 bus, u32 dev, u32 fn, u32 reg)
{
	return 0x80000000U | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

static u32 c1_read(u32 bus, u32 dev, u32 fn, u32 reg, u32 len)
{
	fake_vm__pio_write(&f, 0xcf8, conf1_addr(bus, dev, fn, reg), 4);
	return fake_vm__pio_read(&f, 0xcfc + (reg & 3), len);
}

static void c1_write(u32 bus, u32 dev, u32 fn, u32 reg, u32 val, u32 len)
{
	fake_vm__pio_write(&f, 0xcf8, conf1_addr(bus, dev, fn, reg), 4);
	fake_vm__pio_write(&f, 0xcfc + (reg & 3), val, len);
}

static u64 ecam(u32 bus, u32 dev, u32 fn, u32 reg)
{
	return LAYOUT_PCI_ECAM_BASE + ((u64)bus << 20 | dev << 15 | fn << 12 | reg);
}

static u64 ec_read(u32 dev, u32 reg, u32 len)
{
	return fake_vm__mmio_read(&f, ecam(0, dev, 0, reg), len);
}

static void ec_write(u32 dev, u32 reg, u64 val, u32 len)
{
	fake_vm__mmio_write(&f, ecam(0, dev, 0, reg), val, len);
}

/* ---- a test device ---- */

struct tdev {
	struct pci_device pci;
	u64 last_offset;
	u64 last_write;
	unsigned int reads, writes;
	unsigned int remaps;
	struct { unsigned int bar; u64 old_gpa, new_gpa; } remap_log[16];
	u32 raw_written;
	u32 live_value;
};

static void tdev_bar_read(void *opaque, u64 offset, void *data, u32 len)
{
	struct tdev *t = opaque;

	t->reads++;
	t->last_offset = offset;
	memset(data, 0xab, len);
}

static void tdev_bar_write(void *opaque, u64 offset, const void *data, u32 len)
{
	struct tdev *t = opaque;

	t->writes++;
	t->last_offset = offset;
	t->last_write = 0;
	memcpy(&t->last_write, data, len);
}

static const struct bus_ops tdev_bar_ops = {
	.read = tdev_bar_read,
	.write = tdev_bar_write,
};

static void tdev_config_read(struct pci_device *dev, u32 off, void *data, u32 len)
{
	struct tdev *t = container_of(dev, struct tdev, pci);

	/* An emulated register at 0x44..0x47 (inside the vendor capability). */
	for (u32 i = 0; i < len; i++)
		if (off + i >= 0x44 && off + i < 0x48)
			((u8 *)data)[i] = t->live_value >> (8 * (off + i - 0x44));
}

static void tdev_config_write(struct pci_device *dev, u32 off, const void *data, u32 len)
{
	struct tdev *t = container_of(dev, struct tdev, pci);

	if (off == 0x44 && len == 4)
		memcpy(&t->raw_written, data, 4);
}

static int tdev_bar_remap(struct pci_device *dev, unsigned int bar, u64 old_gpa, u64 new_gpa)
{
	struct tdev *t = container_of(dev, struct tdev, pci);

	if (t->remaps < ARRAY_SIZE(t->remap_log)) {
		t->remap_log[t->remaps].bar = bar;
		t->remap_log[t->remaps].old_gpa = old_gpa;
		t->remap_log[t->remaps].new_gpa = new_gpa;
	}
	t->remaps++;
	return 0;
}

static const struct pci_device_ops tdev_hooks = {
	.config_read = tdev_config_read,
	.config_write = tdev_config_write,
};

static const struct pci_device_ops tdev_remap_ops = {
	.bar_remap = tdev_bar_remap,
};

/* BAR0 MEM32 4 KiB, BAR1 I/O 32, BAR2+3 MEM64 prefetchable 1 MiB, BAR4 MEM32 16 bytes. */
static void tdev_init(struct tdev *t, const struct pci_device_ops *ops)
{
	memset(t, 0, sizeof(*t));
	pci__device_init(&t->pci, "tdev", 0x1234, 0x5678, 0xff0000, 0x02, ops, t);
	cr_assert_eq(pci__set_bar(&t->pci, 0, PCI_BAR_MEM32, 4096, false, &tdev_bar_ops, t), 0);
	cr_assert_eq(pci__set_bar(&t->pci, 1, PCI_BAR_IO, 32, false, &tdev_bar_ops, t), 0);
	cr_assert_eq(pci__set_bar(&t->pci, 2, PCI_BAR_MEM64, 1 * MiB, true, &tdev_bar_ops, t), 0);
	cr_assert_eq(pci__set_bar(&t->pci, 4, PCI_BAR_MEM32, 16, false, &tdev_bar_ops, t), 0);
}

/*
 * Devices outlive the test body: the root still points at them until the
 * fixture's teardown destroys it (each test runs in its own process).
 */
static struct tdev pool[8];
static unsigned int pool_used;

static struct tdev *tdev_new_registered(const struct pci_device_ops *ops)
{
	struct tdev *t = &pool[pool_used++];

	tdev_init(t, ops);
	cr_assert_eq(pci__register(f.vm.pci, &t->pci), 0);
	return t;
}

/* ---- tests ---- */

Test(pci, host_bridge_identity)
{
	cr_assert_eq(c1_read(0, 0, 0, PCI_VENDOR_ID, 2), IMSVM_PCI_VENDOR_ID);
	cr_assert_eq(c1_read(0, 0, 0, PCI_DEVICE_ID, 2), IMSVM_PCI_DEVICE_HOST_BRIDGE);
	cr_assert_eq(c1_read(0, 0, 0, PCI_CLASS_DEVICE, 2), 0x0600);
	cr_assert_eq(c1_read(0, 0, 0, PCI_HEADER_TYPE, 1), 0);
	cr_assert_eq(ec_read(0, PCI_VENDOR_ID, 4),
		     IMSVM_PCI_VENDOR_ID | IMSVM_PCI_DEVICE_HOST_BRIDGE << 16);
	cr_assert_eq(c1_read(0, 0, 0, PCI_BASE_ADDRESS_0, 4), 0, "no BARs");
}

Test(pci, conf1_and_ecam_read_the_same_bytes)
{
	struct tdev *t = tdev_new_registered(NULL);
	unsigned int slot = t->pci.slot;

	for (u32 dev = 0; dev < 3; dev++) {
		for (u32 reg = 0; reg < 256; reg += 4)
			cr_assert_eq(c1_read(0, dev, 0, reg, 4), ec_read(dev, reg, 4),
				     "00:%02x.0 reg %#x", dev, reg);
		for (u32 reg = 0; reg < 64; reg++)
			cr_assert_eq(c1_read(0, dev, 0, reg, 1), ec_read(dev, reg, 1));
		for (u32 reg = 0; reg < 64; reg += 2)
			cr_assert_eq(c1_read(0, dev, 0, reg, 2), ec_read(dev, reg, 2));
	}
	cr_assert_eq(slot, 1);
}

Test(pci, partial_and_unaligned_accesses)
{
	(void)tdev_new_registered(NULL);
	u32 id = c1_read(0, 1, 0, 0, 4);
	u64 q = ec_read(1, 0, 8);

	cr_assert_eq(id, 0x56781234);
	cr_assert_eq(c1_read(0, 1, 0, 1, 1), 0x12);
	cr_assert_eq(c1_read(0, 1, 0, 2, 2), 0x5678);
	cr_assert_eq(c1_read(0, 1, 0, 3, 1), 0x56);
	cr_assert_eq((u32)q, id, "8-byte ECAM read: low dword");
	cr_assert_eq(q >> 32, ec_read(1, 4, 4), "8-byte ECAM read: high dword");
	/* Unaligned ECAM dword straddling two dwords is split, byte for byte. */
	cr_assert_eq(ec_read(1, 3, 4), (u32)(q >> 24));
	/* A word access at 0xCFE with the address of dword 8: class/revision bytes 2..3. */
	cr_assert_eq(c1_read(0, 1, 0, 0x0a, 2), 0xff00);
	/* Byte write into Command through 0xCFC + 0: only Command's writable bits change. */
	c1_write(0, 1, 0, PCI_COMMAND, 0x00, 1);
	cr_assert_eq(c1_read(0, 1, 0, PCI_COMMAND, 2) & 0x3, 0);
	/* 8-byte ECAM write: two dwords (Command/Status, then class: read-only). */
	ec_write(1, 0x4, 0xffffffff00000006ULL, 8);
	cr_assert_eq(ec_read(1, PCI_COMMAND, 2), 0x0006);
	cr_assert_eq(ec_read(1, 0x08, 4), 0xff000002);
}

Test(pci, absent_functions_read_all_ones)
{
	struct pci_root_stats st;

	cr_assert_eq(c1_read(0, 5, 0, 0, 4), 0xffffffff);
	cr_assert_eq(c1_read(0, 0, 1, 0, 4), 0xffffffff, "only function 0 exists");
	cr_assert_eq(c1_read(1, 0, 0, 0, 4), 0xffffffff, "bus 1 is empty");
	cr_assert_eq(c1_read(0, 31, 7, 0xfc, 2), 0xffff);
	cr_assert_eq(fake_vm__mmio_read(&f, ecam(15, 31, 7, 0xffc), 4), 0xffffffff);
	cr_assert_eq(fake_vm__mmio_read(&f, ecam(0, 9, 0, 0), 8), ~0ULL);
	/* Enable bit clear: the data port reads all-ones even for 00:00.0. */
	fake_vm__pio_write(&f, 0xcf8, 0x00000000, 4);
	cr_assert_eq(fake_vm__pio_read(&f, 0xcfc, 4), 0xffffffff);
	/* Writes to absent functions go nowhere. */
	c1_write(0, 5, 0, PCI_COMMAND, 0x7, 2);
	cr_assert_eq(c1_read(0, 5, 0, PCI_COMMAND, 2), 0xffff);
	pci__get_stats(f.vm.pci, &st);
	cr_assert_geq(st.absent_reads, 6);
}

Test(pci, conf1_address_register)
{
	fake_vm__pio_write(&f, 0xcf8, 0xffffffff, 4);
	cr_assert_eq(fake_vm__pio_read(&f, 0xcf8, 4), 0x80fffffc, "reserved bits read 0");
	/* Linux's type-1 probe: outb(0x01, 0xCFB), then a dword round trip. */
	fake_vm__pio_write(&f, 0xcf8, 0x80000000, 4);
	fake_vm__pio_write(&f, 0xcfb, 0x01, 1);
	cr_assert_eq(fake_vm__pio_read(&f, 0xcf8, 4), 0x80000000);
	cr_assert_eq(f.vm.exit_reason, VM_RUNNING);
}

Test(pci, cf9_reset_ends_the_vm)
{
	fake_vm__pio_write(&f, 0xcf9, 0x02, 1);
	cr_assert_eq(f.vm.exit_reason, VM_RUNNING, "system-reset select alone does nothing");
	fake_vm__pio_write(&f, 0xcf9, 0x06, 1);
	cr_assert_eq(f.vm.exit_reason, VM_EXIT_POWEROFF);
	cr_assert_eq(f.vm.exit_status, 0);
}

Test(pci, bars_assigned_from_windows_and_decoding_enabled)
{
	struct tdev *t = tdev_new_registered(NULL);
	u32 bar0 = ec_read(1, PCI_BASE_ADDRESS_0, 4);
	u32 bar1 = ec_read(1, PCI_BASE_ADDRESS_1, 4);
	u64 bar2 = ec_read(1, PCI_BASE_ADDRESS_2, 4) | ec_read(1, PCI_BASE_ADDRESS_3, 4) << 32;
	u32 bar4 = ec_read(1, PCI_BASE_ADDRESS_4, 4);

	cr_assert_eq(bar0 & 0xf, 0, "32-bit, non-prefetchable");
	cr_assert_geq(bar0, LAYOUT_PCI_MMIO32_BASE);
	cr_assert_lt(bar0, LAYOUT_PCI_MMIO32_BASE + LAYOUT_PCI_MMIO32_SIZE);
	cr_assert_eq(bar1 & 0x3, 1, "I/O");
	cr_assert_geq(bar1 & ~3u, LAYOUT_PCI_IO_BASE);
	cr_assert_eq((bar1 & ~3u) % 32, 0);
	cr_assert_eq(bar2 & 0xf, 0xc, "64-bit prefetchable");
	cr_assert_geq(bar2 & ~0xfULL, LAYOUT_PCI_MMIO64_BASE);
	cr_assert_eq((bar2 & ~0xfULL) % MiB, 0, "naturally aligned");
	cr_assert_eq((bar4 & ~0xfu) % 4096, 0, "small memory BARs get their own page");
	cr_assert_neq(bar4 & ~0xfu, bar0, "no overlap");
	cr_assert_eq(ec_read(1, PCI_COMMAND, 2) & 3, 3, "I/O and memory decoding on");
	cr_assert_eq(t->pci.bars[0].gpa, bar0);

	/* And they decode: accesses reach the handler with the offset into the BAR. */
	fake_vm__mmio_write(&f, bar0 + 0x10, 0x1234, 4);
	cr_assert_eq(t->writes, 1);
	cr_assert_eq(t->last_offset, 0x10);
	cr_assert_eq(fake_vm__pio_read(&f, (bar1 & ~3u) + 4, 2), 0xabab);
	cr_assert_eq(t->last_offset, 4);
	fake_vm__mmio_read(&f, (bar2 & ~0xfULL) + 0x80000, 8);
	cr_assert_eq(t->last_offset, 0x80000);
}

Test(pci, bar_sizing_reads_back_the_size_mask)
{
	struct tdev *t = tdev_new_registered(NULL);
	u32 saved[6];

	for (int i = 0; i < 6; i++)
		saved[i] = ec_read(1, PCI_BASE_ADDRESS_0 + 4 * i, 4);
	ec_write(1, PCI_COMMAND, 0, 2);		/* as Linux does while sizing */
	for (int i = 0; i < 6; i++)
		ec_write(1, PCI_BASE_ADDRESS_0 + 4 * i, 0xffffffff, 4);
	cr_assert_eq(ec_read(1, PCI_BASE_ADDRESS_0, 4), 0xfffff000);
	cr_assert_eq(ec_read(1, PCI_BASE_ADDRESS_1, 4), 0x0000ffe1);
	cr_assert_eq(ec_read(1, PCI_BASE_ADDRESS_2, 4), 0xfff0000c);
	cr_assert_eq(ec_read(1, PCI_BASE_ADDRESS_3, 4), 0xffffffff);
	cr_assert_eq(ec_read(1, PCI_BASE_ADDRESS_4, 4), 0xfffffff0);
	cr_assert_eq(ec_read(1, PCI_BASE_ADDRESS_5, 4), 0, "unimplemented BAR");
	cr_assert_eq(ec_read(1, PCI_ROM_ADDRESS, 4) , 0, "no expansion ROM");
	ec_write(1, PCI_ROM_ADDRESS, 0xffffffff, 4);
	cr_assert_eq(ec_read(1, PCI_ROM_ADDRESS, 4), 0);
	for (int i = 0; i < 6; i++)
		ec_write(1, PCI_BASE_ADDRESS_0 + 4 * i, saved[i], 4);
	ec_write(1, PCI_COMMAND, 3, 2);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(ec_read(1, PCI_BASE_ADDRESS_0 + 4 * i, 4), saved[i]);
	cr_assert_eq(t->pci.bars[0].gpa, saved[0]);
}

Test(pci, guest_moves_and_disables_bars)
{
	struct tdev *t = tdev_new_registered(NULL);
	u32 old = ec_read(1, PCI_BASE_ADDRESS_0, 4);
	u32 new = 0xd0000000;

	ec_write(1, PCI_BASE_ADDRESS_0, new, 4);
	fake_vm__mmio_write(&f, old, 1, 4);
	cr_assert_eq(t->writes, 0, "old place no longer decodes");
	fake_vm__mmio_write(&f, new + 8, 1, 4);
	cr_assert_eq(t->writes, 1);
	cr_assert_eq(t->last_offset, 8);

	ec_write(1, PCI_COMMAND, PCI_COMMAND_IO, 2);	/* memory decoding off */
	fake_vm__mmio_write(&f, new, 1, 4);
	cr_assert_eq(t->writes, 1);
	cr_assert_eq(t->pci.bars[0].gpa, PCI_BAR_UNMAPPED);
	ec_write(1, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
	fake_vm__mmio_write(&f, new, 1, 4);
	cr_assert_eq(t->writes, 2);

	/* I/O BAR moved with a word write to its low half. */
	c1_write(0, 1, 0, PCI_BASE_ADDRESS_1, 0x7000, 2);
	cr_assert_eq(fake_vm__pio_read(&f, 0x7000, 1), 0xab);
}

Test(pci, bar_remap_op_sees_every_move)
{
	struct tdev *t = tdev_new_registered(&tdev_remap_ops);
	u64 a0 = t->pci.bars[0].assigned;

	cr_assert_eq(t->remaps, 4, "one map per BAR at registration");
	cr_assert_eq(t->remap_log[0].bar, 0);
	cr_assert_eq(t->remap_log[0].old_gpa, PCI_BAR_UNMAPPED);
	cr_assert_eq(t->remap_log[0].new_gpa, a0);
	cr_assert_eq(t->remap_log[2].bar, 2, "the 64-bit BAR, once");

	ec_write(1, PCI_COMMAND, PCI_COMMAND_IO, 2);
	cr_assert_eq(t->remaps, 7, "three memory BARs unmapped");
	cr_assert_eq(t->remap_log[4].old_gpa, a0);
	cr_assert_eq(t->remap_log[4].new_gpa, PCI_BAR_UNMAPPED);
	ec_write(1, PCI_BASE_ADDRESS_0, 0xd0000000, 4);
	cr_assert_eq(t->remaps, 7, "moving a BAR that does not decode: nothing to do");
	ec_write(1, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
	cr_assert_eq(t->remaps, 10);
	cr_assert_eq(t->remap_log[7].new_gpa, 0xd0000000);
	/* The core does not touch the bus when the device maps BARs itself. */
	fake_vm__mmio_write(&f, 0xd0000000, 1, 4);
	cr_assert_eq(t->writes, 0);

	cr_assert_eq(pci__unregister(f.vm.pci, &t->pci), 0);
	cr_assert_eq(t->remaps, 14, "every BAR unmapped on unplug");
	cr_assert_eq(t->remap_log[13].new_gpa, PCI_BAR_UNMAPPED);
}

Test(pci, read_only_fields_stay_read_only)
{
	struct tdev *t = tdev_new_registered(NULL);
	u8 before[64];

	for (u32 r = 0; r < 64; r++)
		before[r] = ec_read(1, r, 1);
	for (u32 r = 0; r < 64; r += 4) {
		if (r >= PCI_BASE_ADDRESS_0 && r <= PCI_BASE_ADDRESS_5)
			continue;
		ec_write(1, r, 0xffffffff, 4);
	}
	for (u32 r = 0; r < 64; r++) {
		if (r >= PCI_BASE_ADDRESS_0 && r < PCI_BASE_ADDRESS_5 + 4)
			continue;
		if (r == PCI_COMMAND || r == PCI_COMMAND + 1 || r == PCI_CACHE_LINE_SIZE ||
		    r == PCI_LATENCY_TIMER || r == PCI_INTERRUPT_LINE)
			continue;
		cr_assert_eq(ec_read(1, r, 1), before[r], "byte %#x changed", r);
	}
	cr_assert_eq(ec_read(1, PCI_COMMAND, 2), 0x0547, "only the writable Command bits");
	cr_assert_eq(ec_read(1, PCI_CACHE_LINE_SIZE, 1), 0xff);
	cr_assert_eq(ec_read(1, PCI_INTERRUPT_LINE, 1), 0xff);

	/* Status: error bits are write-1-to-clear, the rest read-only. */
	pci__cfg_set16(t->pci.cfg, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST);
	ec_write(1, PCI_STATUS, 0, 2);
	cr_assert_eq(ec_read(1, PCI_STATUS, 2), PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST);
	ec_write(1, PCI_STATUS, 0xffff, 2);
	cr_assert_eq(ec_read(1, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	/* The host bridge's IDs too. */
	ec_write(0, 0, 0, 4);
	cr_assert_eq(ec_read(0, 0, 2), IMSVM_PCI_VENDOR_ID);
}

Test(pci, slot_allocation)
{
	static struct tdev a, b, c, more[PCI_NR_SLOTS];
	int n;

	tdev_init(&a, NULL);
	tdev_init(&b, NULL);
	tdev_init(&c, NULL);
	cr_assert_eq(pci__register(f.vm.pci, &a.pci), 0);
	cr_assert_eq(a.pci.slot, 1, "lowest free slot after the host bridge");
	b.pci.slot = 7;
	cr_assert_eq(pci__register(f.vm.pci, &b.pci), 0);
	cr_assert_eq(b.pci.slot, 7);
	c.pci.slot = 7;
	cr_assert_eq(pci__register(f.vm.pci, &c.pci), -EBUSY);
	c.pci.slot = 0;
	cr_assert_eq(pci__register(f.vm.pci, &c.pci), -EBUSY, "the host bridge's");
	c.pci.slot = 32;
	cr_assert_eq(pci__register(f.vm.pci, &c.pci), -EINVAL);
	cr_assert_eq(pci__register(f.vm.pci, &a.pci), -EBUSY, "already registered");
	cr_assert_eq(c1_read(0, 7, 0, 0, 4), 0x56781234);

	for (n = 0; n < PCI_NR_SLOTS; n++) {
		pci__device_init(&more[n].pci, "m", 0x1111, n, 0, 0, NULL, NULL);
		if (pci__register(f.vm.pci, &more[n].pci))
			break;
	}
	cr_assert_eq(n, PCI_NR_SLOTS - 3, "slots 0, 1 and 7 were taken");
	cr_assert_eq(pci__register(f.vm.pci, &more[n].pci), -ENOSPC);
	cr_assert_eq(pci__device_at(f.vm.pci, 2), &more[0].pci);
}

Test(pci, window_exhaustion_is_enospc)
{
	static struct tdev big[3];
	int ret = 0, i;

	for (i = 0; i < 3; i++) {
		pci__device_init(&big[i].pci, "big", 1, 1, 0, 0, NULL, NULL);
		cr_assert_eq(pci__set_bar(&big[i].pci, 0, PCI_BAR_MEM32, 256 * MiB, false,
					  NULL, NULL), 0);
		ret = pci__register(f.vm.pci, &big[i].pci);
		if (ret)
			break;
	}
	cr_assert_eq(i, 2, "512 MiB window holds two 256 MiB BARs");
	cr_assert_eq(ret, -ENOSPC);
	cr_assert_null(big[2].pci.root);
}

Test(pci, bad_bar_descriptions_refused)
{
	struct pci_device d;

	pci__device_init(&d, "bad", 1, 1, 0, 0, NULL, NULL);
	cr_assert_eq(pci__set_bar(&d, 0, PCI_BAR_IO, 3, false, NULL, NULL), -EINVAL);
	cr_assert_eq(pci__set_bar(&d, 0, PCI_BAR_IO, 512, false, NULL, NULL), -EINVAL);
	cr_assert_eq(pci__set_bar(&d, 0, PCI_BAR_MEM32, 8, false, NULL, NULL), -EINVAL);
	cr_assert_eq(pci__set_bar(&d, 0, PCI_BAR_MEM32, 3000, false, NULL, NULL), -EINVAL);
	cr_assert_eq(pci__set_bar(&d, 5, PCI_BAR_MEM64, 4096, false, NULL, NULL), -EINVAL);
	cr_assert_eq(pci__set_bar(&d, 6, PCI_BAR_MEM32, 4096, false, NULL, NULL), -EINVAL);
	cr_assert_eq(pci__set_bar(&d, 0, PCI_BAR_MEM64, 4096, false, NULL, NULL), 0);
	cr_assert_eq(pci__set_bar(&d, 1, PCI_BAR_MEM32, 4096, false, NULL, NULL), -EINVAL,
		     "the upper half of a 64-bit BAR");
}

Test(pci, overlapping_bar_refused_and_counted)
{
	struct tdev *a = tdev_new_registered(NULL);
	struct tdev *b = tdev_new_registered(NULL);
	u32 a0 = ec_read(1, PCI_BASE_ADDRESS_0, 4);
	struct pci_root_stats st;

	cr_assert_eq(b->pci.slot, 2);
	ec_write(2, PCI_BASE_ADDRESS_0, a0, 4);		/* onto a's BAR0 */
	cr_assert_eq(b->pci.bars[0].gpa, PCI_BAR_UNMAPPED);
	pci__get_stats(f.vm.pci, &st);
	cr_assert_eq(st.bar_conflicts, 1);
	fake_vm__mmio_write(&f, a0, 1, 4);
	cr_assert_eq(a->writes, 1, "a keeps its BAR");
	cr_assert_eq(b->writes, 0);
	/* Writing the same address again is not counted twice. */
	ec_write(2, PCI_COMMAND, 3, 2);
	pci__get_stats(f.vm.pci, &st);
	cr_assert_eq(st.bar_conflicts, 1);
	/* Once a moves away, b's BAR maps at the next change. */
	ec_write(1, PCI_BASE_ADDRESS_0, 0xd0000000, 4);
	ec_write(2, PCI_COMMAND, 3, 2);
	cr_assert_eq(b->pci.bars[0].gpa, a0);
}

Test(pci, bar_over_ram_refused)
{
	struct tdev *t;

	f.vm.mem.nr_regions = 1;
	f.vm.mem.regions[0].gpa = 0;
	f.vm.mem.regions[0].size = 1 * GiB;
	t = tdev_new_registered(NULL);
	ec_write(1, PCI_BASE_ADDRESS_0, 0x100000, 4);
	cr_assert_eq(t->pci.bars[0].gpa, PCI_BAR_UNMAPPED);
	fake_vm__mmio_write(&f, 0x100000, 1, 4);
	cr_assert_eq(t->writes, 0);
}

Test(pci, unregister_frees_slot_bars_and_space)
{
	struct tdev *t = tdev_new_registered(NULL);
	u64 a0 = t->pci.bars[0].assigned;
	u32 io = t->pci.bars[1].assigned;

	cr_assert_eq(pci__unregister(f.vm.pci, &t->pci), 0);
	cr_assert_eq(c1_read(0, 1, 0, 0, 4), 0xffffffff);
	fake_vm__mmio_write(&f, a0, 1, 4);
	fake_vm__pio_write(&f, io, 1, 1);
	cr_assert_eq(t->writes, 0, "BARs gone");
	cr_assert_eq(pci__unregister(f.vm.pci, &t->pci), -ENOENT);

	/* Hot-plug again: same slot, same (lowest free) addresses. */
	tdev_init(t, NULL);
	cr_assert_eq(pci__register(f.vm.pci, &t->pci), 0);
	cr_assert_eq(t->pci.slot, 1);
	cr_assert_eq(t->pci.bars[0].assigned, a0);
}

Test(pci, capability_list)
{
	static struct tdev t;
	u8 vendor[8] = { 0, 0, 8, 0xaa, 0, 0, 0, 0 };
	u8 msix[12] = { 0 }, msix_w[12] = { 0 };
	u8 pos, walk[8];
	int off_v, off_m, off_v2, n = 0;

	tdev_init(&t, &tdev_hooks);
	msix_w[3] = 0xc0;		/* MSI-X enable and function mask */
	msix[2] = 0x07;			/* table size 8 */
	off_v = pci__add_capability(&t.pci, PCI_CAP_ID_VNDR, vendor, sizeof(vendor), NULL);
	off_m = pci__add_capability(&t.pci, PCI_CAP_ID_MSIX, msix, sizeof(msix), msix_w);
	off_v2 = pci__add_capability(&t.pci, PCI_CAP_ID_VNDR, vendor, sizeof(vendor), NULL);
	cr_assert_eq(off_v, 0x40);
	cr_assert_eq(off_m, 0x48);
	cr_assert_eq(off_v2, 0x54);
	cr_assert_eq(pci__find_capability(&t.pci, PCI_CAP_ID_MSIX, 0), off_m);
	cr_assert_eq(pci__find_capability(&t.pci, PCI_CAP_ID_VNDR, 0), off_v);
	cr_assert_eq(pci__find_capability(&t.pci, PCI_CAP_ID_VNDR, off_v), off_v2);
	cr_assert_eq(pci__find_capability(&t.pci, PCI_CAP_ID_MSI, 0), 0);
	cr_assert_eq(pci__register(f.vm.pci, &t.pci), 0);

	/* The guest walks the same list. */
	cr_assert(ec_read(1, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (pos = ec_read(1, PCI_CAPABILITY_LIST, 1); pos && n < 8; n++) {
		walk[n] = ec_read(1, pos, 1);
		pos = c1_read(0, 1, 0, pos + 1, 1);
	}
	cr_assert_eq(n, 3);
	cr_assert_eq(walk[0], PCI_CAP_ID_VNDR);
	cr_assert_eq(walk[1], PCI_CAP_ID_MSIX);
	cr_assert_eq(walk[2], PCI_CAP_ID_VNDR);

	/* Writable bits of a capability follow its mask; the header is read-only. */
	ec_write(1, off_m, 0xffffffff, 4);
	cr_assert_eq(ec_read(1, off_m, 4), (0xc007u << 16 | (u32)off_v2 << 8 | PCI_CAP_ID_MSIX));
	ec_write(1, off_m + 2, 0, 2);
	cr_assert_eq(ec_read(1, off_m + 2, 2), 0x0007);

	/* Hooks: an emulated register and the raw value written. */
	t.live_value = 0xcafef00d;
	cr_assert_eq(ec_read(1, 0x44, 4), 0xcafef00d);
	cr_assert_eq(c1_read(0, 1, 0, 0x46, 2), 0xcafe);
	ec_write(1, 0x44, 0x12345678, 4);
	cr_assert_eq(t.raw_written, 0x12345678);
	cr_assert_eq(pci__unregister(f.vm.pci, &t.pci), 0);
}

Test(pci, capability_space_runs_out)
{
	struct pci_device d;
	u8 body[64] = { 0 };
	int ret = 0, n;

	pci__device_init(&d, "caps", 1, 1, 0, 0, NULL, NULL);
	for (n = 0; n < 10; n++) {
		ret = pci__add_capability(&d, PCI_CAP_ID_VNDR, body, sizeof(body), NULL);
		if (ret < 0)
			break;
	}
	cr_assert_eq(n, 3, "0x40..0xff holds three 64-byte capabilities");
	cr_assert_eq(ret, -ENOSPC);
	cr_assert_eq(pci__add_capability(&d, PCI_CAP_ID_VNDR, body, 1, NULL), -EINVAL);
}

Test(pci, looping_capability_list_terminates)
{
	struct pci_device d;
	u8 body[4] = { 0 };

	pci__device_init(&d, "loop", 1, 1, 0, 0, NULL, NULL);
	cr_assert_eq(pci__add_capability(&d, PCI_CAP_ID_VNDR, body, 4, NULL), 0x40);
	d.cfg[0x41] = 0x40;	/* a broken (e.g. passthrough) list pointing at itself */
	cr_assert_eq(pci__find_capability(&d, PCI_CAP_ID_MSIX, 0), 0);
}

Test(pci, extended_capabilities)
{
	static struct pci_device d;
	u8 body[16] = { 0 };

	pci__device_init(&d, "ext", 1, 1, 0, 0, NULL, NULL);
	cr_assert_eq(pci__find_ext_capability(&d, PCI_EXT_CAP_ID_DSN), 0);
	cr_assert_eq(pci__add_ext_capability(&d, PCI_EXT_CAP_ID_DSN, 1, body, 12, NULL), 0x100);
	cr_assert_eq(pci__add_ext_capability(&d, PCI_EXT_CAP_ID_VNDR, 1, body, 16, NULL), 0x10c);
	cr_assert_eq(pci__find_ext_capability(&d, PCI_EXT_CAP_ID_VNDR), 0x10c);
	cr_assert_eq(pci__find_ext_capability(&d, PCI_EXT_CAP_ID_DSN), 0x100);
	cr_assert_eq(pci__cfg_get32(&d, 0x100), PCI_EXT_CAP_ID_DSN | 1 << 16 | 0x10c << 20);
	cr_assert_eq(pci__register(f.vm.pci, &d), 0);
	cr_assert_eq(ec_read(1, 0x10c, 2), PCI_EXT_CAP_ID_VNDR);
	ec_write(1, 0x100, 0, 4);
	cr_assert_eq(ec_read(1, 0x100, 4), pci__cfg_get32(&d, 0x100), "headers read-only");
	cr_assert_eq(pci__unregister(f.vm.pci, &d), 0);
}

Test(pci, intx_routing_masking_and_sharing)
{
	static struct pci_device a, b;
	u32 gsi;

	pci__device_init(&a, "a", 1, 1, 0, 0, NULL, NULL);
	pci__device_init(&b, "b", 1, 2, 0, 0, NULL, NULL);
	pci__set_intx_pin(&a, 1);
	pci__set_intx_pin(&b, 1);
	b.slot = 5;		/* (5 + 1 - 1) % 4 == (1 + 1 - 1) % 4: the same line */
	cr_assert_eq(pci__register(f.vm.pci, &a), 0);
	cr_assert_eq(pci__register(f.vm.pci, &b), 0);
	gsi = LAYOUT_PCI_INTX_GSI(1, 1);
	cr_assert_eq(gsi, LAYOUT_PCI_INTX_GSI(5, 1));
	cr_assert_eq(ec_read(1, PCI_INTERRUPT_PIN, 1), 1);
	cr_assert_eq(ec_read(1, PCI_INTERRUPT_LINE, 1), gsi);
	cr_assert_eq(ec_read(1, PCI_INTERRUPT_PIN, 1), 1);

	pci__set_irq(&a, true);
	cr_assert(f.level[gsi]);
	cr_assert(ec_read(1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	pci__set_irq(&b, true);
	pci__set_irq(&a, false);
	cr_assert(f.level[gsi], "b still asserts the shared line");
	cr_assert_not(ec_read(1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	pci__set_irq(&b, false);
	cr_assert_not(f.level[gsi]);
	cr_assert_eq(f.raises[gsi], 1);

	/* INTx-disable masks the line; Status.Interrupt still shows the device's level. */
	pci__set_irq(&a, true);
	ec_write(1, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
	cr_assert_not(f.level[gsi]);
	cr_assert(ec_read(1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	pci__set_irq(&a, false);
	pci__set_irq(&a, true);
	cr_assert_not(f.level[gsi]);
	ec_write(1, PCI_COMMAND, 0, 2);
	cr_assert(f.level[gsi], "unmasking a pending level raises the line");

	/* Unplugging a device drops its level. */
	cr_assert_eq(pci__unregister(f.vm.pci, &a), 0);
	cr_assert_not(f.level[gsi]);
	pci__set_irq(&a, true);
	cr_assert_not(f.level[gsi], "an unplugged device has no line");
	cr_assert_eq(f.bad_irq_calls, 0);
}

Test(pci, guest_garbage_never_crashes)
{
	struct tdev *t = tdev_new_registered(NULL);
	unsigned int seed = 4242;
	struct pci_root_stats st;

	for (int i = 0; i < 50000; i++) {
		u32 r = rand_r(&seed), v = rand_r(&seed);
		u32 len = 1u << (r % 4);

		switch ((r >> 2) % 4) {
		case 0:
			fake_vm__pio_write(&f, 0xcf8, v | (r & 0x80000000), 4);
			break;
		case 1:
			len = MIN(len, 4u);
			if (r & 0x10)
				fake_vm__pio_write(&f, 0xcf8 + ((r >> 8) % (9 - len)), v, len);
			else
				fake_vm__pio_read(&f, 0xcf8 + ((r >> 8) % (9 - len)), len);
			break;
		default: {
			u64 addr = ecam((r >> 8) % 2, (r >> 9) % 4, (r >> 11) % 2 ? 0 : 1,
					(r >> 12) % 4096);

			if (r & 0x20)
				fake_vm__mmio_write(&f, addr, (u64)v << 32 | rand_r(&seed), len);
			else
				fake_vm__mmio_read(&f, addr, len);
			break;
		}
		}
	}
	/* A function crossing the 4 KiB boundary of a function is refused. */
	fake_vm__mmio_read(&f, ecam(0, 0, 0, 0xffc), 8);
	pci__get_stats(f.vm.pci, &st);
	cr_assert_geq(st.bad_accesses, 1);
	/* Whatever the guest did, IDs are intact and the device can be unplugged. */
	cr_assert_eq(c1_read(0, 0, 0, 0, 2), IMSVM_PCI_VENDOR_ID);
	cr_assert_eq(ec_read(1, 0, 4), 0x56781234);
	cr_assert_eq(pci__unregister(f.vm.pci, &t->pci), 0);
}

Test(pci, fdt_node)
{
	static char buf[16384];
	const fdt32_t *p;
	int node, len;

	cr_assert_eq(fake_vm__build_fdt(&f, buf, sizeof(buf)), 0);
	node = fdt_node_offset_by_compatible(buf, -1, "pci-host-ecam-generic");
	cr_assert_geq(node, 0);
	cr_assert_str_eq(fdt_get_name(buf, node, NULL), "pci@e0000000");
	cr_assert_str_eq(fdt_getprop(buf, node, "device_type", NULL), "pci");
	p = fdt_getprop(buf, node, "reg", &len);
	cr_assert_eq(len, 16);
	cr_assert_eq(((u64)fdt32_to_cpu(p[0]) << 32 | fdt32_to_cpu(p[1])), LAYOUT_PCI_ECAM_BASE);
	cr_assert_eq(((u64)fdt32_to_cpu(p[2]) << 32 | fdt32_to_cpu(p[3])), LAYOUT_PCI_ECAM_SIZE);
	p = fdt_getprop(buf, node, "bus-range", &len);
	cr_assert_eq(fdt32_to_cpu(p[1]), LAYOUT_PCI_ECAM_BUSES - 1);
	p = fdt_getprop(buf, node, "#address-cells", NULL);
	cr_assert_eq(fdt32_to_cpu(*p), 3);
	p = fdt_getprop(buf, node, "ranges", &len);
	cr_assert_eq(len, 3 * 7 * 4);
	cr_assert_eq(fdt32_to_cpu(p[0]), 0x01000000);
	cr_assert_eq(fdt32_to_cpu(p[2]), LAYOUT_PCI_IO_BASE);
	cr_assert_eq(fdt32_to_cpu(p[7]), 0x02000000);
	cr_assert_eq(fdt32_to_cpu(p[9]), LAYOUT_PCI_MMIO32_BASE);
	cr_assert_eq(fdt32_to_cpu(p[14]), 0x03000000);
	p = fdt_getprop(buf, node, "interrupt-map", &len);
	cr_assert_eq(len, 32 * 4 * 6 * 4);
	cr_assert_eq(fdt32_to_cpu(p[5]), LAYOUT_PCI_INTX_GSI(0, 1));
	p = fdt_getprop(buf, node, "imsvm,pci-conf1-port", &len);
	cr_assert_eq(fdt32_to_cpu(*p), 0xcf8);
}

/*
 * Two vCPUs at once: one reprograms the BAR and toggles decoding and
 * INTx-disable, the other hammers the BAR's old and new places and the
 * device's INTx. Nothing may crash or deadlock, and the line ends right.
 */
static volatile bool stress_stop;

static void *stress_accessor(void *arg)
{
	struct tdev *t = arg;
	unsigned int n = 0;

	while (!stress_stop) {
		fake_vm__mmio_read(&f, 0xd0000000 + (n & 0xff0), 4);
		fake_vm__mmio_write(&f, 0xd0100000, n, 4);
		pci__set_irq(&t->pci, n & 1);
		n++;
	}
	pci__set_irq(&t->pci, false);
	return NULL;
}

Test(pci, concurrent_bar_moves_and_accesses, .timeout = 60)
{
	struct tdev *t = &pool[pool_used++];
	u32 gsi;
	pthread_t th;

	tdev_init(t, NULL);
	pci__set_intx_pin(&t->pci, 2);
	cr_assert_eq(pci__register(f.vm.pci, &t->pci), 0);
	gsi = LAYOUT_PCI_INTX_GSI(t->pci.slot, 2);

	stress_stop = false;
	cr_assert_eq(pthread_create(&th, NULL, stress_accessor, t), 0);
	for (int i = 0; i < 20000; i++) {
		ec_write(1, PCI_BASE_ADDRESS_0, (i & 1) ? 0xd0000000 : 0xd0100000, 4);
		ec_write(1, PCI_COMMAND, (i & 2) ? PCI_COMMAND_MEMORY : PCI_COMMAND_INTX_DISABLE, 2);
	}
	stress_stop = true;
	pthread_join(th, NULL);

	ec_write(1, PCI_COMMAND, 0, 2);
	cr_assert_not(f.level[gsi], "device deasserted: line low");
	pci__set_irq(&t->pci, true);
	cr_assert(f.level[gsi]);
	pci__set_irq(&t->pci, false);
	cr_assert_not(f.level[gsi]);
	cr_assert_eq(f.bad_irq_calls, 0);
}
