/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC's protocol with no device behind it (docs/pvic.md sections 2 to
 * 6): identity and registers, NEGOTIATE, sequence numbers, batch-level
 * errors, a command page outside guest RAM, QUERY_ADI on functions that are
 * not ADIs. Run with --ims-mode=pvic, which creates the PV-IC even when no
 * device is assigned. With ADIs assigned, pvic_ims covers the rest.
 */
#include "libcflat.h"
#include "pci.h"
#include "pvic.h"

static struct pvic p;

static void check_identity(void)
{
	u32 cls = pci_conf1_read32(0, p.slot, 0, PCI_CLASS_REVISION);

	report_prefix_push("identity");
	report(cls >> 8 == PVIC_PCI_CLASS_CODE, "class 0x%06x", cls >> 8);
	report((cls & 0xff) == PVIC_PCI_REVISION, "revision %u", cls & 0xff);
	report(pvic_reg(&p, PVIC_REG_MAX_ENTRIES) == PVIC_MAX_ENTRIES, "MAX_ENTRIES %u",
	       pvic_reg(&p, PVIC_REG_MAX_ENTRIES));
	report(pvic_reg(&p, PVIC_REG_FEATURES) & PVIC_FEAT_BATCH, "features 0x%x",
	       pvic_reg(&p, PVIC_REG_FEATURES));
	report(pvic_reg(&p, PVIC_REG_CMD_GPA_LO) == (u32)(uintptr_t)p.page,
	       "command page address reads back");
	report_prefix_pop();
}

static void check_before_negotiate(void)
{
	report_prefix_push("before NEGOTIATE");
	report(pvic_submit(&p, PVIC_OP_QUERY_ADI, pvic_adi(0), 1, 0) == PVIC_EPROTO,
	       "QUERY_ADI refused with EPROTO");
	report((int)pvic_reg(&p, PVIC_REG_LAST_STATUS) == PVIC_EPROTO, "LAST_STATUS says so");
	report_prefix_pop();
}

static void check_negotiate(void)
{
	struct pvic_negotiate *n = (struct pvic_negotiate *)&p.page->e[0];
	int ret;

	report_prefix_push("NEGOTIATE");
	memset(n, 0, sizeof(*n));
	n->version = 2u << 16;
	ret = pvic_submit(&p, PVIC_OP_NEGOTIATE, 0, 1, 0);
	report(ret == PVIC_EPROTO && n->status == PVIC_EPROTO, "major version 2 refused (%d)",
	       ret);
	ret = pvic_negotiate(&p, 0xffffffffu);
	report(ret == 0, "version 1.0 accepted (%d)", ret);
	report(n->version == PVIC_VERSION && n->max_entries == PVIC_MAX_ENTRIES &&
	       n->max_handles == PVIC_MAX_HANDLES, "limits: %u entries, %u handles",
	       n->max_entries, n->max_handles);
	report(p.features == (pvic_reg(&p, PVIC_REG_FEATURES) & 0xffffffffu),
	       "accepted features = offered (0x%x)", p.features);
	report(n->nr_vcpus >= 1, "%u vCPUs", n->nr_vcpus);
	report(pvic_reg(&p, PVIC_REG_NEXT_SEQ) == p.page->hdr.seq + 1, "NEXT_SEQ = seq + 1");
	report_prefix_pop();
}

static void check_sequence(void)
{
	struct pvic_hdr *h = &p.page->hdr;
	u32 next = pvic_reg(&p, PVIC_REG_NEXT_SEQ);

	report_prefix_push("sequence");
	memset(h, 0, sizeof(*h));
	h->op = PVIC_OP_QUERY_ADI;
	h->adi = pvic_adi(p.slot);
	h->count = 1;
	h->seq = next + 7;
	pvic_wreg(&p, PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	report(h->status == PVIC_EPROTO, "wrong sequence number: EPROTO");
	report(pvic_reg(&p, PVIC_REG_NEXT_SEQ) == next, "NEXT_SEQ unchanged");
	h->seq = next - 1;
	pvic_wreg(&p, PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	report(h->status == PVIC_EPROTO, "replayed sequence number: EPROTO");
	h->status = 12345;
	pvic_wreg(&p, PVIC_REG_DOORBELL, 0x2);
	report(h->status == 12345, "doorbell value other than 1 ignored");
	report(pvic_submit(&p, 77, pvic_adi(p.slot), 1, 0) == PVIC_EOPNOTSUPP,
	       "unknown operation: EOPNOTSUPP");
	report(pvic_reg(&p, PVIC_REG_NEXT_SEQ) == next + 1,
	       "a matched sequence advances even when the batch fails");
	report_prefix_pop();
}

static void check_batch_errors(void)
{
	u32 self = pvic_adi(p.slot);

	report_prefix_push("batch");
	report(pvic_submit(&p, PVIC_OP_ALLOC, self, 0, 0) == PVIC_EINVAL, "count 0: EINVAL");
	report(pvic_submit(&p, PVIC_OP_ALLOC, self, PVIC_MAX_ENTRIES + 1, 0) == PVIC_EINVAL,
	       "count beyond the page: EINVAL");
	report(pvic_submit(&p, PVIC_OP_ALLOC, self, 1, 0x80) == PVIC_EINVAL,
	       "reserved header flag: EINVAL");
	report(pvic_submit(&p, PVIC_OP_RESET_ADI, self, 1, 0) == PVIC_EINVAL,
	       "RESET_ADI with entries: EINVAL");
	report(pvic_submit(&p, PVIC_OP_ALLOC, self, 1, 0) == PVIC_ENODEV,
	       "the PV-IC itself is not an ADI: ENODEV");
	report(pvic_submit(&p, PVIC_OP_QUERY_ADI, pvic_adi(0), 1, 0) == PVIC_ENODEV,
	       "the host bridge is not an ADI: ENODEV");
	report(pvic_submit(&p, PVIC_OP_QUERY_ADI, PVIC_ADI_ID(0, 3, 0, 0), 1, 0) == PVIC_ENODEV,
	       "a function that does not exist: ENODEV");
	report(p.page->hdr.done == 0, "nothing done");
	report_prefix_pop();
}

static void check_page_outside_ram(void)
{
	report_prefix_push("command page");
	pvic_wreg(&p, PVIC_REG_CMD_GPA_LO, 0xC0000000u);	/* the PCI hole */
	pvic_wreg(&p, PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	report((int)pvic_reg(&p, PVIC_REG_LAST_STATUS) == PVIC_EFAULT,
	       "in the PCI hole: EFAULT in LAST_STATUS");
	pvic_wreg(&p, PVIC_REG_CMD_GPA_LO, (u32)(uintptr_t)p.page + 8);
	pvic_wreg(&p, PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	report((int)pvic_reg(&p, PVIC_REG_LAST_STATUS) == PVIC_EFAULT, "unaligned: EFAULT");
	pvic_wreg(&p, PVIC_REG_CMD_GPA_LO, (u32)(uintptr_t)p.page);
	pvic_wreg(&p, PVIC_REG_CMD_GPA_HI, 0x100);		/* 1 TiB up */
	pvic_wreg(&p, PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	report((int)pvic_reg(&p, PVIC_REG_LAST_STATUS) == PVIC_EFAULT, "beyond RAM: EFAULT");
	pvic_wreg(&p, PVIC_REG_CMD_GPA_HI, 0);
	report(pvic_submit(&p, PVIC_OP_QUERY_ADI, pvic_adi(0), 1, 0) == PVIC_ENODEV,
	       "back in RAM: batches run again");
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	if (!pvic_find(&p)) {
		report_skip("no PV-IC on bus 0 (run with --ims-mode=pvic)");
		return report_summary();
	}
	report_info("PV-IC at 00:%02x.0, BAR0 at %p", p.slot, (void *)p.regs);
	check_identity();
	check_before_negotiate();
	check_negotiate();
	check_sequence();
	check_batch_errors();
	check_page_outside_ram();
	return report_summary();
}
