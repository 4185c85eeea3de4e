/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An ADI's device dies (its vfio-user server is killed by tests/pvic/run.sh
 * once this guest prints "pvic-death: ready"): the PV-IC frees its handles,
 * sets ADI_REMOVED in EVENT_CAUSE and sends MSI-X vector 0; QUERY_ADI says
 * FAILED with no handles; ALLOC gets ENODEV; the PV-IC keeps working.
 * Command line: wait=SECONDS (default 20) for the death.
 */
#include "pvic_adi.h"

#define EVT_VECTOR	0xd0

static struct pvic p;
static struct pa_adi adis[PA_MAX_ADIS];

/* Enable the PV-IC's MSI-X with vector 0 to this CPU. */
static void msix_setup(void)
{
	u32 cap = pci_conf1_read32(0, p.slot, 0, 0x34) & 0xfc;

	while (cap && (pci_conf1_read32(0, p.slot, 0, cap) & 0xff) != 0x11)
		cap = (pci_conf1_read32(0, p.slot, 0, cap) >> 8) & 0xfc;
	report(cap != 0, "MSI-X capability at 0x%x", cap);
	if (!cap)
		return;
	pvic_wreg(&p, PVIC_MSIX_TABLE_OFFSET + 0, 0xFEE00000u | apic_id() << 12);
	pvic_wreg(&p, PVIC_MSIX_TABLE_OFFSET + 4, 0);
	pvic_wreg(&p, PVIC_MSIX_TABLE_OFFSET + 8, EVT_VECTOR);
	pvic_wreg(&p, PVIC_MSIX_TABLE_OFFSET + 12, 0);
	pci_conf1_write32(0, p.slot, 0, cap, pci_conf1_read32(0, p.slot, 0, cap) | 1u << 31);
}

int main(int argc, char **argv)
{
	struct pvic_adi_info q;
	struct pvic_msg m[8];
	unsigned long secs = 20;
	u32 dest[1], n;
	int bs, ret;

	if (!pvic_find(&p) || pa_find(adis, PA_MAX_ADIS) < 1) {
		report_skip("needs the PV-IC and one ADI");
		return report_summary();
	}
	(void)arg_get_ulong("wait", &secs);
	pa_irq_setup();
	apic_enable();
	dest[0] = apic_id();
	report(pvic_negotiate(&p, PVIC_FEAT_ALL) == 0 && (p.features & PVIC_FEAT_EVENTS),
	       "NEGOTIATE with events");
	msix_setup();
	report(pvic_alloc(&p, adis[0].id, 8, 0, dest, 1, 0x60, 8, 0, m, NULL, &bs) == 8,
	       "8 vectors");
	printf("pvic-death: ready\n");
	report(wait_for_count(&pa_seen[0][EVT_VECTOR], 1, secs * 3000000000ull),
	       "event interrupt (MSI-X vector 0) after the device died");
	report(pvic_reg(&p, PVIC_REG_EVENT_CAUSE) & PVIC_EVENT_ADI_REMOVED, "ADI_REMOVED cause");
	pvic_wreg(&p, PVIC_REG_EVENT_CAUSE, PVIC_EVENT_ADI_REMOVED);
	report(!(pvic_reg(&p, PVIC_REG_EVENT_CAUSE) & PVIC_EVENT_ADI_REMOVED), "cleared by W1C");
	memset(&q, 0xff, sizeof(q));
	ret = pvic_query(&p, adis[0].id, &q);
	report(ret == 0 && q.state == PVIC_ADI_FAILED && q.handles_owned == 0,
	       "QUERY_ADI: failed, no handles (status %d, state 0x%x, %u)", ret, q.state,
	       q.handles_owned);
	report(q.handles_free == PVIC_MAX_HANDLES, "its handles went back to the table");
	n = pvic_alloc(&p, adis[0].id, 1, 0, dest, 1, 0x60, 1, 0, m, NULL, &bs);
	report(n == 0 && bs == PVIC_ENODEV, "ALLOC: ENODEV (%u granted, %d)", n, bs);
	report(pvic_reg(&p, PVIC_REG_NR_ADIS) == 0, "NR_ADIS 0");
	return report_summary();
}
