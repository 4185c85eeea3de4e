/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Passthrough config space: what the guest sees is an image built once from
 * the device's own header. Identity, class and the interrupt pin are the
 * device's; BARs have the device's types and sizes but imsvm's addresses
 * (the PCI core relocates them into its windows); the capability list keeps
 * only what imsvm emulates (MSI, MSI-X) or what is harmless to read (vendor
 * specific). Power management, PCIe, AER, SR-IOV, PASID and the rest are
 * hidden: the guest must not reset, power down or reconfigure a device that
 * imsvm (or the host) manages. Writes to Command are forwarded so decode and
 * bus mastering reach the device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/log.h"
#include "devices/passthrough_priv.h"

/* Command bits the guest may change on the device itself. */
#define FORWARDED_COMMAND	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
				 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
#define MAX_CAPS		48

static u16 get16(const u8 *c, u32 off)
{
	return (u16)(c[off] | c[off + 1] << 8);
}

static u32 get32(const u8 *c, u32 off)
{
	return get16(c, off) | (u32)get16(c, off + 2) << 16;
}

static int add_msi(struct passthrough *pt, const u8 *dcfg, u8 off)
{
	u16 ctrl = get16(dcfg, off + PCI_MSI_FLAGS);
	u8 body[24] = { 0 }, wmask[24] = { 0 };
	bool is64 = ctrl & PCI_MSI_FLAGS_64BIT, maskable = ctrl & PCI_MSI_FLAGS_MASKBIT;
	u8 len = (u8)(is64 ? 0x10 : 0x0C);
	u8 data_off = is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
	int ret;

	pt->msi.is64 = is64;
	pt->msi.maskable = maskable;
	pt->msi.max_vec = 1u << MIN((ctrl & PCI_MSI_FLAGS_QMASK) >> 1, 5);
	/* Enable, Multiple Message Enable; capable, 64-bit and masking as the device says. */
	pci__cfg_set16(body, PCI_MSI_FLAGS, ctrl & (PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_64BIT |
						    PCI_MSI_FLAGS_MASKBIT));
	pci__cfg_set16(wmask, PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	pci__cfg_set32(wmask, PCI_MSI_ADDRESS_LO, 0xFFFFFFFCu);
	if (is64)
		pci__cfg_set32(wmask, PCI_MSI_ADDRESS_HI, 0xFFFFFFFFu);
	pci__cfg_set16(wmask, data_off, 0xFFFF);
	if (maskable) {
		u8 mask_off = is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;

		pci__cfg_set32(wmask, mask_off, (u32)((1ull << pt->msi.max_vec) - 1));
		len = (u8)(mask_off + 8);
	}
	ret = pci__add_capability(&pt->pdev, PCI_CAP_ID_MSI, body, len, wmask);
	if (ret < 0)
		return ret;
	pt->msi.present = true;
	pt->msi.cap = (u8)ret;
	pt->msi.len = len;
	return 0;
}

static int add_msix(struct passthrough *pt, const u8 *dcfg, u8 off)
{
	u16 ctrl = get16(dcfg, off + PCI_MSIX_FLAGS);
	u32 table = get32(dcfg, off + PCI_MSIX_TABLE), pba = get32(dcfg, off + PCI_MSIX_PBA);
	u8 table_bar = table & PCI_MSIX_TABLE_BIR, pba_bar = pba & PCI_MSIX_PBA_BIR;
	int ret;

	if (table_bar >= PCI_NR_BARS || pba_bar >= PCI_NR_BARS) {
		pr_warn("%s: MSI-X table in BAR %u / PBA in BAR %u: hidden", pt->name, table_bar,
			pba_bar);
		return 0;
	}
	/* The emulated table and capability say what the device's do (same BARs, offsets, size). */
	ret = msix__init(&pt->msix, pt->routing, (u16)((ctrl & PCI_MSIX_FLAGS_QSIZE) + 1),
			 table_bar, table & PCI_MSIX_TABLE_OFFSET, pba_bar,
			 pba & PCI_MSIX_PBA_OFFSET, &pt_msix_ops, pt);
	if (ret < 0)
		return ret;
	ret = msix__add_capability(&pt->msix, &pt->pdev);
	if (ret < 0)
		return ret;
	pt->msix_present = true;
	return 0;
}

static int add_vendor(struct passthrough *pt, const u8 *dcfg, u8 off)
{
	u8 len = dcfg[off + 2];

	if (len < 3 || off + len > PCI_CFG_LEGACY_SIZE)
		return 0;	/* malformed: hide it */
	return pci__add_capability(&pt->pdev, PCI_CAP_ID_VNDR, dcfg + off, len, NULL) < 0 ?
		-ENOSPC : 0;
}

/* Walk the device's list; keep what we emulate or what cannot hurt. */
static int filter_caps(struct passthrough *pt, const u8 *dcfg)
{
	u8 off = dcfg[PCI_CAPABILITY_LIST] & 0xFC;
	unsigned int n = 0;
	int ret = 0;

	if (!(get16(dcfg, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	while (off && ret == 0) {
		u8 id;

		if (off < PCI_STD_HEADER_SIZEOF || n++ >= MAX_CAPS) {
			pr_warn("%s: capability list broken at 0x%x: rest hidden", pt->name, off);
			break;
		}
		id = dcfg[off];
		/* One MSI and one MSI-X at most: a second copy would re-initialise the first. */
		if ((id == PCI_CAP_ID_MSI && pt->msi.present) ||
		    (id == PCI_CAP_ID_MSIX && pt->msix_present))
			id = 0;
		switch (id) {
		case PCI_CAP_ID_MSI:
			ret = add_msi(pt, dcfg, off);
			break;
		case PCI_CAP_ID_MSIX:
			ret = add_msix(pt, dcfg, off);
			break;
		case PCI_CAP_ID_VNDR:
			ret = add_vendor(pt, dcfg, off);
			break;
		default:
			pr_debug("%s: capability 0x%02x at 0x%x hidden", pt->name, id, off);
			break;
		}
		off = dcfg[off + PCI_CAP_LIST_NEXT] & 0xFC;
	}
	return ret;
}

static int read_device_config(struct passthrough *pt, u8 *dcfg)
{
	struct pt_region r;
	int ret;

	ret = pt->ops->region_info(pt->b, VFIO_PCI_CONFIG_REGION_INDEX, &r);
	if (ret < 0)
		return ret;
	if (r.fd >= 0)
		close(r.fd);
	free(r.areas);
	if (r.size < PCI_CFG_LEGACY_SIZE) {
		pr_err("%s: config region of %llu bytes", pt->name, (unsigned long long)r.size);
		return -EINVAL;
	}
	return pt->ops->region_read(pt->b, VFIO_PCI_CONFIG_REGION_INDEX, 0, dcfg,
				    PCI_CFG_LEGACY_SIZE);
}

int pt_cfg__build(struct passthrough *pt)
{
	u8 dcfg[PCI_CFG_LEGACY_SIZE];
	u16 vendor;
	int ret;

	ret = read_device_config(pt, dcfg);
	if (ret < 0) {
		if (ret != -ECANCELED)	/* imsvm is stopping: nothing to say */
			pr_err("%s: reading config space: %s", pt->name, strerror(-ret));
		return ret;
	}
	vendor = get16(dcfg, PCI_VENDOR_ID);
	if (vendor == 0xFFFF || vendor == 0) {
		pr_err("%s: no device behind it (vendor ID 0x%04x)", pt->name, vendor);
		return -ENODEV;
	}
	if ((dcfg[PCI_HEADER_TYPE] & 0x7F) != PCI_HEADER_TYPE_NORMAL) {
		pr_err("%s: header type %u: only endpoints can be assigned", pt->name,
		       dcfg[PCI_HEADER_TYPE] & 0x7F);
		return -EINVAL;
	}
	pci__device_init(&pt->pdev, pt->name, vendor, get16(dcfg, PCI_DEVICE_ID),
			 get32(dcfg, PCI_CLASS_REVISION) >> 8, dcfg[PCI_REVISION_ID], &pt_pci_ops,
			 pt);
	pci__set_subsystem(&pt->pdev, get16(dcfg, PCI_SUBSYSTEM_VENDOR_ID),
			   get16(dcfg, PCI_SUBSYSTEM_ID));
	if (dcfg[PCI_INTERRUPT_PIN] >= 1 && dcfg[PCI_INTERRUPT_PIN] <= 4) {
		pt->intx.present = true;	/* confirmed with the backend in pt_msi__setup */
		pt->intx.pin = dcfg[PCI_INTERRUPT_PIN];
	}
	/* The device's BAR types, for pt_bar__setup: the image's BARs are the core's. */
	for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
		u32 raw = get32(dcfg, PCI_BASE_ADDRESS_0 + 4 * i);
		struct pt_bar *bar = &pt->bars[i];

		bar->pt = pt;
		bar->index = i;
		bar->gpa = PCI_BAR_UNMAPPED;
		if (raw & PCI_BASE_ADDRESS_SPACE_IO)
			bar->kind = PCI_BAR_IO;
		else if ((raw & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64)
			bar->kind = PCI_BAR_MEM64;
		else
			bar->kind = PCI_BAR_MEM32;
		bar->region.fd = -1;
		/* Prefetchable is remembered in the raw bits; pt_bar__setup reads them. */
		bar->region.flags = raw & PCI_BASE_ADDRESS_MEM_PREFETCH;
	}
	return filter_caps(pt, dcfg);
}

/* Config hooks: the PCI root mutex is held. */

static void pt_config_read(struct pci_device *dev, u32 offset, void *data, u32 len)
{
	struct passthrough *pt = dev->priv;

	/* A dead device answers like an absent one. */
	if (atomic_load(&pt->failed))
		memset(data, 0xFF, len);
}

static bool overlaps(u32 off, u32 len, u32 start, u32 size)
{
	return off < start + size && start < off + len;
}

static void pt_config_write(struct pci_device *dev, u32 offset, const void *data, u32 len)
{
	struct passthrough *pt = dev->priv;

	if (atomic_load(&pt->failed))
		return;
	if (overlaps(offset, len, PCI_COMMAND, 2)) {
		u16 cmd = pci__cfg_get16(dev, PCI_COMMAND) & FORWARDED_COMMAND;

		if (pt__be_region_write(pt, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND, &cmd, 2))
			pt__count(&pt->st.backend_errors);
	}
	if ((pt->msi.present && overlaps(offset, len, pt->msi.cap, pt->msi.len)) ||
	    (pt->msix_present && overlaps(offset, len, pt->msix.cap, 12)))
		pt_msi__config_write(pt, offset, len);
}

const struct pci_device_ops pt_pci_ops = {
	.config_read = pt_config_read,
	.config_write = pt_config_write,
	.bar_remap = pt_bar__remap,
};
