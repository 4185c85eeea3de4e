/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests: BAR0 register decode and PCI config space. */
#include "devices/adisim/fixture_test.h"

Test(adisim_bar0, identity_registers)
{
	struct tfx t;

	tfx_init(&t, 300);
	cr_assert_eq(reg_rd(&t.adi[0], ADISIM_REG_ID), ADISIM_ID_VALUE);
	cr_assert_eq(reg_rd(&t.adi[0], ADISIM_REG_VERSION), ADISIM_VERSION_VALUE);
	cr_assert(reg_rd(&t.adi[0], ADISIM_REG_CAPS) & ADISIM_CAP_COPY);
	cr_assert_eq(reg_rd(&t.adi[0], ADISIM_REG_IMS_ENTRIES), 300);
	cr_assert_eq(reg_rd(&t.adi[1], ADISIM_REG_ADI_ID), 1);
	reg_wr(&t.adi[0], ADISIM_REG_ID, 0);			/* read-only */
	cr_assert_eq(reg_rd(&t.adi[0], ADISIM_REG_ID), ADISIM_ID_VALUE);
	cr_assert_eq(reg_rd(&t.adi[0], 0x800), 0, "reserved reads 0");
	tfx_fini(&t);
}

Test(adisim_bar0, access_size_and_alignment)
{
	struct tfx t;
	u64 q;
	u32 v;
	u16 h;

	tfx_init(&t, 16);
	cr_assert_eq(adisim_bar0__access(&t.adi[0], 2, &v, 4, false), -EINVAL);
	cr_assert_eq(adisim_bar0__access(&t.adi[0], 0, &h, 2, false), -EINVAL);
	cr_assert_eq(adisim_bar0__access(&t.adi[0], 0x20, &q, 8, false), -EINVAL,
		     "8-byte access outside the counters");
	cr_assert_eq(adisim_bar0__access(&t.adi[0], ADISIM_BAR0_SIZE, &v, 4, false), -EINVAL);
	cr_assert_eq(adisim_bar0__access(&t.adi[0], ~0ull - 3, &v, 4, false), -EINVAL);
	tfx_fini(&t);
}

Test(adisim_bar0, ring_registers)
{
	struct tfx t;
	struct adisim_adi *a;

	tfx_init(&t, 16);
	a = &t.adi[0];
	reg_wr(a, ADISIM_REG_RING_BASE_LO, 0x12345640);
	reg_wr(a, ADISIM_REG_RING_BASE_HI, 0x9);
	cr_assert_eq(a->ring_base, 0x912345640ull);
	cr_assert_eq(reg_rd(a, ADISIM_REG_RING_BASE_HI), 9);
	reg_wr(a, ADISIM_REG_RING_SIZE, 16);
	cr_assert_eq(reg_rd(a, ADISIM_REG_RING_SIZE), 16);
	reg_wr(a, ADISIM_REG_RING_TAIL, 3);
	cr_assert(a->doorbell_pending, "doorbell not latched");
	cr_assert_eq(reg_rd(a, ADISIM_REG_RING_TAIL), 3);
	reg_wr(a, ADISIM_REG_RING_SIZE, 32);			/* resizing restarts the ring */
	cr_assert_eq(reg_rd(a, ADISIM_REG_RING_TAIL), 0);
	cr_assert_eq(reg_rd(a, ADISIM_REG_RING_HEAD), 0);
	reg_wr(a, ADISIM_REG_CTRL, ADISIM_CTRL_ENABLE);
	cr_assert_eq(reg_rd(a, ADISIM_REG_STATUS) & ADISIM_STATUS_ENABLED, ADISIM_STATUS_ENABLED);
	reg_wr(a, ADISIM_REG_CTRL, ADISIM_CTRL_ENABLE | ADISIM_CTRL_RESET);
	cr_assert_eq(reg_rd(a, ADISIM_REG_CTRL), ADISIM_CTRL_ENABLE, "RESET is self-clearing");
	cr_assert_eq(reg_rd(a, ADISIM_REG_RING_SIZE), 0, "RESET clears the ring");
	tfx_fini(&t);
}

Test(adisim_bar0, counters_and_errors)
{
	struct tfx t;
	struct adisim_adi *a;
	u64 q = 0;

	tfx_init(&t, 16);
	a = &t.adi[0];
	a->cnt[ADISIM_CNT_DMA_BYTES] = 0x123456789abcull;
	cr_assert_eq(reg_rd(a, ADISIM_REG_CNT(ADISIM_CNT_DMA_BYTES)), 0x56789abc);
	cr_assert_eq(reg_rd(a, ADISIM_REG_CNT(ADISIM_CNT_DMA_BYTES) + 4), 0x1234);
	cr_assert_eq(adisim_bar0__access(a, ADISIM_REG_CNT(ADISIM_CNT_DMA_BYTES), &q, 8, false), 0);
	cr_assert_eq(q, 0x123456789abcull);
	reg_wr(a, ADISIM_REG_COUNTERS_CLEAR, 1);
	cr_assert_eq(a->cnt[ADISIM_CNT_DMA_BYTES], 0);
	reg_wr(a, ADISIM_REG_STORM_HZ, ADISIM_STORM_MAX_HZ + 1);
	cr_assert_eq(reg_rd(a, ADISIM_REG_ERROR), ADISIM_ERR_BAD_STORM);
	cr_assert_eq(reg_rd(a, ADISIM_REG_STORM_HZ), 0);
	reg_wr(a, ADISIM_REG_ERROR, 0);
	cr_assert_eq(reg_rd(a, ADISIM_REG_ERROR), ADISIM_ERR_NONE);
	reg_wr(a, ADISIM_REG_STORM_IMS, 16);			/* out of range: refused */
	reg_wr(a, ADISIM_REG_STORM_HZ, 100);
	cr_assert_eq(reg_rd(a, ADISIM_REG_ERROR), ADISIM_ERR_BAD_STORM);
	reg_wr(a, ADISIM_REG_STORM_IMS, 15);
	reg_wr(a, ADISIM_REG_STORM_HZ, 100);
	cr_assert_eq(reg_rd(a, ADISIM_REG_STORM_HZ), 100);
	cr_assert_eq(reg_rd(a, ADISIM_REG_STORM_IMS), 15);
	tfx_fini(&t);
}

Test(adisim_config, header_and_bar_sizing)
{
	struct tfx t;
	struct adisim_adi *a;
	u32 v;

	tfx_init(&t, 2048);
	a = &t.adi[0];
	cr_assert_eq(adisim_config__access(a, PCI_VENDOR_ID, &v, 4, false), 0);
	cr_assert_eq(v, ADISIM_PCI_VENDOR_ID | ADISIM_PCI_DEVICE_ID << 16);
	cr_assert_eq(adisim_config__access(a, PCI_CLASS_REVISION, &v, 4, false), 0);
	cr_assert_eq(v >> 8, ADISIM_PCI_CLASS_CODE);
	v = 0xffffffff;
	cr_assert_eq(adisim_config__access(a, PCI_BASE_ADDRESS_0, &v, 4, true), 0);
	cr_assert_eq(adisim_config__access(a, PCI_BASE_ADDRESS_0, &v, 4, false), 0);
	cr_assert_eq(v, 0xfffff000);
	v = 0xffffffff;
	cr_assert_eq(adisim_config__access(a, PCI_BASE_ADDRESS_2, &v, 4, true), 0);
	cr_assert_eq(adisim_config__access(a, PCI_BASE_ADDRESS_2, &v, 4, false), 0);
	cr_assert_eq(v, 0xffff8000, "2048 entries -> 32 KiB BAR2, read %#x", v);
	v = 0;
	cr_assert_eq(adisim_config__access(a, PCI_VENDOR_ID, &v, 2, true), 0);
	cr_assert_eq(adisim_config__access(a, PCI_VENDOR_ID, &v, 2, false), 0);
	cr_assert_eq(v & 0xffff, ADISIM_PCI_VENDOR_ID, "vendor ID writable");
	cr_assert(!adisim_config__bus_master(a));
	v = PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY | PCI_COMMAND_IO;
	cr_assert_eq(adisim_config__access(a, PCI_COMMAND, &v, 2, true), 0);
	cr_assert(adisim_config__bus_master(a));
	cr_assert_eq(adisim_config__access(a, PCI_COMMAND, &v, 2, false), 0);
	cr_assert_eq(v & 0xffff, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, "no I/O space");
	cr_assert_eq(adisim_config__access(a, 255, &v, 2, false), -EINVAL);
	cr_assert_eq(adisim_config__access(a, 0, &v, 0, false), -EINVAL);
	tfx_fini(&t);
}

/* One MSI capability: 1 vector, 64-bit, not maskable; Enable, address and data writable. */
Test(adisim_config, msi_capability)
{
	struct tfx t;
	struct adisim_adi *a;
	u8 cap = ADISIM_CFG_MSI_CAP;
	u32 v = 0;

	tfx_init(&t, 64);
	a = &t.adi[0];
	cr_assert_eq(adisim_config__access(a, PCI_STATUS, &v, 2, false), 0);
	cr_assert(v & PCI_STATUS_CAP_LIST);
	cr_assert_eq(adisim_config__access(a, PCI_CAPABILITY_LIST, &v, 1, false), 0);
	cr_assert_eq(v & 0xff, cap);
	cr_assert_eq(adisim_config__access(a, cap, &v, 4, false), 0);
	cr_assert_eq(v & 0xff, PCI_CAP_ID_MSI);
	cr_assert_eq((v >> 8) & 0xff, 0, "the only capability");
	cr_assert_eq(v >> 16, PCI_MSI_FLAGS_64BIT, "1 vector, 64-bit, no masking: %#x", v >> 16);
	v = 0xffff;
	cr_assert_eq(adisim_config__access(a, cap + PCI_MSI_FLAGS, &v, 2, true), 0);
	cr_assert_eq(adisim_config__access(a, cap + PCI_MSI_FLAGS, &v, 2, false), 0);
	cr_assert_eq(v & 0xffff, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	v = 0xffffffff;
	cr_assert_eq(adisim_config__access(a, cap + PCI_MSI_ADDRESS_LO, &v, 4, true), 0);
	cr_assert_eq(adisim_config__access(a, cap + PCI_MSI_ADDRESS_LO, &v, 4, false), 0);
	cr_assert_eq(v, 0xfffffffc);
	v = 0x4321;
	cr_assert_eq(adisim_config__access(a, cap + PCI_MSI_DATA_64, &v, 2, true), 0);
	v = 0;
	cr_assert_eq(adisim_config__access(a, cap + PCI_MSI_DATA_64, &v, 2, false), 0);
	cr_assert_eq(v & 0xffff, 0x4321);
	tfx_fini(&t);
}
