/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <errno.h>

#include "devices/pci.h"
#include "devices/pci_testdev.h"
#include "tests/unit/fake_vm.h"
#include "vmm/layout.h"

static struct fake_vm f;

static void setup(void)
{
	fake_vm__init(&f);
	cr_assert_eq(pci__init(&f.vm), 0);
	cr_assert_eq(pci_testdev__init(&f.vm), 0);
}

static void teardown(void)
{
	fake_vm__destroy(&f);
}

TestSuite(pci_testdev, .init = setup, .fini = teardown);

static u64 cfg(u32 reg, u32 len)
{
	return fake_vm__mmio_read(&f, LAYOUT_PCI_ECAM_BASE + (1 << 15) + reg, len);
}

static void cfg_write(u32 reg, u32 val, u32 len)
{
	fake_vm__mmio_write(&f, LAYOUT_PCI_ECAM_BASE + (1 << 15) + reg, val, len);
}

Test(pci_testdev, identity_and_bars)
{
	u32 bar0 = cfg(PCI_BASE_ADDRESS_0, 4) & ~0xfu;
	u16 bar1 = cfg(PCI_BASE_ADDRESS_1, 4) & ~0x3u;
	u64 bar2 = (cfg(PCI_BASE_ADDRESS_2, 4) & ~0xfULL) | cfg(PCI_BASE_ADDRESS_3, 4) << 32;

	cr_assert_eq(cfg(0, 4), PCI_TESTDEV_DEVICE_ID << 16 | IMSVM_PCI_VENDOR_ID);
	cr_assert_eq(fake_vm__mmio_read(&f, bar0 + PCI_TESTDEV_MAGIC_REG, 4), PCI_TESTDEV_MAGIC);
	cr_assert_eq(fake_vm__pio_read(&f, bar1 + PCI_TESTDEV_MAGIC_REG, 4), PCI_TESTDEV_MAGIC);
	cr_assert_eq(fake_vm__pio_read(&f, bar1 + 1, 1), 0x4d, "byte 1 of the magic");
	cr_assert_eq(fake_vm__mmio_read(&f, bar0 + PCI_TESTDEV_WHERE, 4), 0x80000000);
	cr_assert_eq(fake_vm__pio_read(&f, bar1 + PCI_TESTDEV_WHERE, 4), 0x80000001);
	cr_assert_eq(fake_vm__mmio_read(&f, bar2 + 0x12340, 4), 0x12340);
	cr_assert_eq(fake_vm__mmio_read(&f, bar2 + 0xff000, 8), 0xff004ULL << 32 | 0xff000);
}

Test(pci_testdev, scratch_is_shared_and_writes_counted)
{
	u32 bar0 = cfg(PCI_BASE_ADDRESS_0, 4) & ~0xfu;
	u16 bar1 = cfg(PCI_BASE_ADDRESS_1, 4) & ~0x3u;

	fake_vm__mmio_write(&f, bar0 + PCI_TESTDEV_SCRATCH, 0xdeadbeef, 4);
	cr_assert_eq(fake_vm__pio_read(&f, bar1 + PCI_TESTDEV_SCRATCH, 4), 0xdeadbeef);
	fake_vm__pio_write(&f, bar1 + PCI_TESTDEV_MAGIC_REG, 0, 4);
	cr_assert_eq(fake_vm__pio_read(&f, bar1 + PCI_TESTDEV_MAGIC_REG, 4), PCI_TESTDEV_MAGIC,
		     "magic is read-only");
	cr_assert_eq(fake_vm__mmio_read(&f, bar0 + PCI_TESTDEV_COUNT, 4), 1);
	cr_assert_eq(fake_vm__pio_read(&f, bar1 + PCI_TESTDEV_COUNT, 4), 1);
}

Test(pci_testdev, intx_and_moves)
{
	u32 bar0 = cfg(PCI_BASE_ADDRESS_0, 4) & ~0xfu;
	u32 gsi = cfg(PCI_INTERRUPT_LINE, 1);

	cr_assert_eq(cfg(PCI_INTERRUPT_PIN, 1), 1);
	cr_assert_eq(gsi, LAYOUT_PCI_INTX_GSI(1, 1));
	fake_vm__mmio_write(&f, bar0 + PCI_TESTDEV_INTX, 1, 4);
	cr_assert(f.level[gsi]);
	cr_assert_eq(fake_vm__mmio_read(&f, bar0 + PCI_TESTDEV_INTX, 4), 1);
	fake_vm__mmio_write(&f, bar0 + PCI_TESTDEV_INTX, 0, 4);
	cr_assert_not(f.level[gsi]);

	cfg_write(PCI_BASE_ADDRESS_0, 0xd0000000, 4);
	cr_assert_eq(fake_vm__mmio_read(&f, 0xd0000000, 4), PCI_TESTDEV_MAGIC);
	cr_assert_eq(fake_vm__mmio_read(&f, bar0, 4), 0xffffffff, "old place unclaimed");
}

Test(pci_testdev, vendor_capability)
{
	u8 pos = cfg(PCI_CAPABILITY_LIST, 1);

	cr_assert_eq(pos, 0x40);
	cr_assert_eq(cfg(pos, 1), PCI_CAP_ID_VNDR);
	cr_assert_eq(cfg(pos + 3, 1), 0xa5);
	cfg_write(pos, 0xffffffff, 4);
	cr_assert_eq(cfg(pos, 4), 0xa5080009, "header and byte 3 read-only");
	cfg_write(pos + 4, 0x12345678, 4);
	cr_assert_eq(cfg(pos + 4, 4), 0x12345678);
}

Test(pci_testdev, needs_the_root)
{
	struct fake_vm g;

	fake_vm__init(&g);
	cr_assert_eq(pci_testdev__init(&g.vm), -ENODEV);
	fake_vm__destroy(&g);
}
