/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device assignment, the error MSI: the assigned ADI shows its MSI
 * capability (1 vector, 64-bit); with MSI enabled at this CPU's LAPIC on
 * MSI_VECTOR, a good and a failed descriptor raise nothing, while a
 * descriptor fetch outside guest RAM (ring base past the end of RAM) halts
 * the engine and raises the MSI exactly once on that vector; after a
 * restart a bad tail halts it again, one more MSI; with MSI disabled a
 * third halt raises none. The path: simulator halt -> eventfd bound with
 * SET_IRQS index 1 -> imsvm's KVM MSI route -> LAPIC; no exit to imsvm.
 *
 * Command line: expect.adis=1 (without it and with no ADI on the bus the
 * test is skipped).
 */
#include "libcflat.h"
#include "assign.h"
#include "x86/apic.h"
#include "x86/desc.h"

#define MSI_VECTOR		0x61
#define OTHER_VECTOR		0x62
#define PCI_STATUS		0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_CAPABILITY_LIST	0x34
#define PCI_CAP_ID_MSI		0x05
#define MSI_FLAGS_ENABLE	0x0001
#define MSI_FLAGS_QMASK		0x000e
#define MSI_FLAGS_64BIT		0x0080
#define MSI_FLAGS_MASKBIT	0x0100
#define MSI_ADDR_LO		0x04
#define MSI_ADDR_HI		0x08
#define MSI_DATA_64		0x0c
/* Far past any RAM imsvm gives a test guest and below 2^46: not DMA-mapped. */
#define OUTSIDE_RAM		0x3f0000000000ull

static volatile int msi_count, other_count;
static struct adi_ring ring;

static void msi_irq(struct trap_frame *f)
{
	msi_count++;
	apic_eoi();
}

static void other_irq(struct trap_frame *f)
{
	other_count++;
	apic_eoi();
}

/* Offset of the MSI capability of @slot, 0 if it has none. */
static u32 find_msi(u32 slot)
{
	u32 off;
	int n = 0;

	if (!(pci_conf1_read16(0, slot, 0, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	off = pci_conf1_read8(0, slot, 0, PCI_CAPABILITY_LIST) & 0xfc;
	while (off >= 0x40 && n++ < 48) {
		if (pci_conf1_read8(0, slot, 0, off) == PCI_CAP_ID_MSI)
			return off;
		off = pci_conf1_read8(0, slot, 0, off + 1) & 0xfc;
	}
	return 0;
}

static void msi_control(u32 slot, u32 cap, bool enable)
{
	u32 v = pci_conf1_read32(0, slot, 0, cap);

	v &= ~((u32)(MSI_FLAGS_ENABLE | 0x70) << 16);	/* Enable, Multiple Message Enable 0 */
	if (enable)
		v |= (u32)MSI_FLAGS_ENABLE << 16;
	pci_conf1_write32(0, slot, 0, cap, v);
}

/* No more MSIs than @want within a short window (a bounded wait, not a time check). */
static bool no_more_than(int want)
{
	return !wait_for_count(&msi_count, want + 1, ADI_GCYCLES / 4) && msi_count == want;
}

int main(int argc, char **argv)
{
	struct adi adis[ASSIGN_MAX_ADIS];
	unsigned long want = 1;
	struct adi *a = &adis[0];
	u32 cap, flags, st, dest;
	struct adisim_desc d;
	int n;

	apic_enable();
	handle_irq(MSI_VECTOR, msi_irq);
	handle_irq(OTHER_VECTOR, other_irq);
	irq_enable();
	n = adi_find(adis, ASSIGN_MAX_ADIS);
	if (!arg_get_ulong("expect.adis", &want) && n == 0) {
		report_skip("no ADI assigned: tests/assign/run.sh starts imsvm-adisim");
		return report_summary();
	}
	report(n == (int)want && n >= 1, "%d assigned ADI(s) on PCI bus 0 (expected %lu)", n,
	       want);
	if (n < 1)
		return report_summary();

	cap = find_msi(a->slot);
	report(cap != 0, "MSI capability in the capability list (at 0x%x)", cap);
	if (!cap)
		return report_summary();
	flags = pci_conf1_read32(0, a->slot, 0, cap) >> 16;
	report((flags & (MSI_FLAGS_64BIT | MSI_FLAGS_QMASK | MSI_FLAGS_ENABLE)) == MSI_FLAGS_64BIT,
	       "1 vector, 64-bit, off at reset (flags 0x%x)", flags);

	dest = apic_id();
	pci_conf1_write32(0, a->slot, 0, cap + MSI_ADDR_LO, 0xFEE00000u | dest << 12);
	pci_conf1_write32(0, a->slot, 0, cap + MSI_ADDR_HI, 0);
	pci_conf1_write32(0, a->slot, 0, cap + MSI_DATA_64, MSI_VECTOR);	/* fixed, edge */
	msi_control(a->slot, cap, true);
	report(pci_conf1_read32(0, a->slot, 0, cap) >> 16 & MSI_FLAGS_ENABLE, "MSI enabled");
	report((pci_conf1_read32(0, a->slot, 0, cap + MSI_ADDR_LO) & ~3u) ==
	       (0xFEE00000u | dest << 12) &&
	       (pci_conf1_read32(0, a->slot, 0, cap + MSI_DATA_64) & 0xffff) == MSI_VECTOR,
	       "address (APIC id %u) and data (vector 0x%x) read back", dest, MSI_VECTOR);

	/* Work that completes, well or badly, is not an engine error: no MSI. */
	adi_ring_start(a, &ring);
	d = (struct adisim_desc){ .opcode = ADISIM_OP_NOP };
	st = adi_submit(a, &ring, &d, 20 * ADI_GCYCLES);
	report(st == ADISIM_COMP_SUCCESS, "a NOP descriptor completes (%u)", st);
	d = (struct adisim_desc){ .opcode = 0x7f };
	st = adi_submit(a, &ring, &d, 20 * ADI_GCYCLES);
	report(st == ADISIM_COMP_BAD_OPCODE, "a bad opcode completes with an error (%u)", st);
	report(no_more_than(0), "no MSI for completed descriptors (%d)", msi_count);

	/* The next descriptor is fetched from outside guest RAM: RING_FAULT, one MSI. */
	adisim_ring_start(a->regs, OUTSIDE_RAM, 4);
	adi_wreg(a, ADISIM_REG_RING_TAIL, 1);
	report(wait_for_count(&msi_count, 1, HANG_BOUND_CYCLES), "descriptor fetch outside RAM: "
	       "MSI on vector 0x%x", MSI_VECTOR);
	report(adi_reg(a, ADISIM_REG_ERROR) == ADISIM_ERR_RING_FAULT &&
	       (adi_reg(a, ADISIM_REG_STATUS) & ADISIM_STATUS_HALTED),
	       "engine halted with RING_FAULT (error %u)", adi_reg(a, ADISIM_REG_ERROR));
	adi_wreg(a, ADISIM_REG_RING_TAIL, 2);		/* doorbell while halted */
	report(no_more_than(1), "exactly one MSI for the halt (%d)", msi_count);

	/* Restarted on a good ring, a tail past its end halts it again: one more. */
	adi_ring_start(a, &ring);
	adi_wreg(a, ADISIM_REG_RING_TAIL, 4);
	report(wait_for_count(&msi_count, 2, HANG_BOUND_CYCLES) && no_more_than(2),
	       "bad tail: exactly one more MSI (%d)", msi_count);
	report(adi_reg(a, ADISIM_REG_ERROR) == ADISIM_ERR_BAD_TAIL, "error BAD_TAIL (%u)",
	       adi_reg(a, ADISIM_REG_ERROR));

	/* MSI disabled: the halt is still reported in ERROR, but nothing is raised. */
	msi_control(a->slot, cap, false);
	adi_ring_start(a, &ring);
	adi_wreg(a, ADISIM_REG_RING_TAIL, 4);
	report(adi_reg(a, ADISIM_REG_ERROR) == ADISIM_ERR_BAD_TAIL, "halted again (%u)",
	       adi_reg(a, ADISIM_REG_ERROR));
	report(no_more_than(2), "no MSI while MSI is disabled (%d)", msi_count);
	report(other_count == 0, "nothing arrived on another vector (%d)", other_count);
	return report_summary();
}
