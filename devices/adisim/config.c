/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI configuration space of one ADI (type 0 header). Its completion
 * interrupts are IMS; one MSI capability (a single vector, 64-bit address,
 * not maskable) carries the error report: the engine halting signals the
 * MSI IRQ index. The client (e.g. imsvm) emulates MSI towards its guest and
 * binds the vector with SET_IRQS, so what is written here is only stored.
 * Writes are applied through a per-byte write mask, which also gives BAR
 * sizing for free: writing all ones reads back the size mask.
 */
#include <errno.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "devices/adisim/adisim.h"

static void put16(u8 *p, u16 v)
{
	memcpy(p, &v, 2);
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

void adisim_config__init(struct adisim_adi *adi)
{
	u8 *c = adi->cfg, *w = adi->cfg_wmask;
	u32 bar2_mask = (u32)~(adi->ims_bar_size - 1);

	memset(c, 0, ADISIM_CFG_SIZE);
	memset(w, 0, ADISIM_CFG_SIZE);
	put16(c + PCI_VENDOR_ID, ADISIM_PCI_VENDOR_ID);
	put16(c + PCI_DEVICE_ID, ADISIM_PCI_DEVICE_ID);
	c[PCI_REVISION_ID] = ADISIM_PCI_REVISION;
	c[PCI_CLASS_PROG] = ADISIM_PCI_CLASS_CODE & 0xff;
	c[PCI_CLASS_DEVICE] = (ADISIM_PCI_CLASS_CODE >> 8) & 0xff;
	c[PCI_CLASS_DEVICE + 1] = (ADISIM_PCI_CLASS_CODE >> 16) & 0xff;
	c[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	put16(c + PCI_SUBSYSTEM_VENDOR_ID, ADISIM_PCI_SUBSYS_VENDOR_ID);
	put16(c + PCI_SUBSYSTEM_ID, ADISIM_PCI_SUBSYS_ID);
	/* BAR low bits (memory, 32-bit, non-prefetchable) are 0 and read-only. */
	put32(c + PCI_BASE_ADDRESS_0, 0);
	put32(c + PCI_BASE_ADDRESS_2, 0);
	/* One capability: MSI, 1 vector (Multiple Message Capable 0), 64-bit. */
	put16(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_CAPABILITY_LIST] = ADISIM_CFG_MSI_CAP;
	c[ADISIM_CFG_MSI_CAP + PCI_CAP_LIST_ID] = PCI_CAP_ID_MSI;
	c[ADISIM_CFG_MSI_CAP + PCI_CAP_LIST_NEXT] = 0;
	put16(c + ADISIM_CFG_MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);

	put16(w + PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
	      PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	w[PCI_CACHE_LINE_SIZE] = 0xff;
	w[PCI_LATENCY_TIMER] = 0xff;
	w[PCI_INTERRUPT_LINE] = 0xff;
	put32(w + PCI_BASE_ADDRESS_0, (u32)~(ADISIM_BAR0_SIZE - 1));
	put32(w + PCI_BASE_ADDRESS_2, bar2_mask);
	/* Enable and Multiple Message Enable (only 0 means anything: one vector). */
	put16(w + ADISIM_CFG_MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	put32(w + ADISIM_CFG_MSI_CAP + PCI_MSI_ADDRESS_LO, 0xFFFFFFFCu);
	put32(w + ADISIM_CFG_MSI_CAP + PCI_MSI_ADDRESS_HI, 0xFFFFFFFFu);
	put16(w + ADISIM_CFG_MSI_CAP + PCI_MSI_DATA_64, 0xFFFF);
}

bool adisim_config__bus_master(const struct adisim_adi *adi)
{
	return adi->cfg[PCI_COMMAND] & PCI_COMMAND_MASTER;
}

int adisim_config__access(struct adisim_adi *adi, u64 off, void *buf, u32 count, bool write)
{
	u8 *b = buf;
	u32 i;

	if (count == 0 || !range_within(off, count, ADISIM_CFG_SIZE))
		return -EINVAL;
	if (!write) {
		memcpy(buf, adi->cfg + off, count);
		return 0;
	}
	for (i = 0; i < count; i++) {
		u8 m = adi->cfg_wmask[off + i];

		adi->cfg[off + i] = (u8)((adi->cfg[off + i] & ~m) | (b[i] & m));
	}
	return 0;
}
