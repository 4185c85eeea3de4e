/* SPDX-License-Identifier: GPL-2.0-only */
/* The PV-IC driver of the guest test kernels (see pvic.h, docs/pvic.md). */
#include "libcflat.h"
#include "pci.h"
#include "pvic.h"

#define PCI_COMMAND_MEMORY	0x2

/* An entry status the host never writes: "not looked at". */
#define PVIC_NOT_SEEN	0x7777

static struct pvic_page cmd_page __aligned(4096);

u32 pvic_reg(const struct pvic *p, u32 reg)
{
	return p->regs[reg / 4];
}

void pvic_wreg(const struct pvic *p, u32 reg, u32 v)
{
	p->regs[reg / 4] = v;
}

bool pvic_find(struct pvic *p)
{
	for (u32 slot = 0; slot < 32; slot++) {
		u32 id = pci_conf1_read32(0, slot, 0, PCI_VENDOR_ID);

		if ((id & 0xffff) != PVIC_PCI_VENDOR_ID || (id >> 16) != PVIC_PCI_DEVICE_ID)
			continue;
		memset(p, 0, sizeof(*p));
		p->slot = slot;
		p->regs = (volatile u32 *)(uintptr_t)(pci_conf1_read32(0, slot, 0, PCI_BAR0) &
						      ~0xfu);
		pci_conf1_write32(0, slot, 0, PCI_COMMAND,
				  (pci_conf1_read32(0, slot, 0, PCI_COMMAND) & 0xffff) |
				  PCI_COMMAND_MEMORY);
		if (pvic_reg(p, PVIC_REG_MAGIC) != PVIC_MAGIC_VALUE ||
		    pvic_reg(p, PVIC_REG_VERSION) >> 16 != PVIC_VERSION_MAJOR)
			return false;
		p->page = &cmd_page;
		memset(p->page, 0, sizeof(*p->page));
		pvic_wreg(p, PVIC_REG_CMD_GPA_LO, (u32)(uintptr_t)p->page);
		pvic_wreg(p, PVIC_REG_CMD_GPA_HI, (u32)((u64)(uintptr_t)p->page >> 32));
		return true;
	}
	return false;
}

int pvic_submit(struct pvic *p, u32 op, u32 adi, u32 count, u32 flags)
{
	struct pvic_hdr *h = &p->page->hdr;

	memset(h, 0, sizeof(*h));
	h->op = op;
	h->adi = adi;
	h->count = count;
	h->flags = flags;
	h->seq = p->in_step ? p->seq : pvic_reg(p, PVIC_REG_NEXT_SEQ);
	barrier();
	pvic_wreg(p, PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	barrier();
	p->doorbells++;
	/* docs/pvic.md section 4: a matched sequence number always advances. */
	if (op == PVIC_OP_NEGOTIATE) {
		p->in_step = READ_ONCE(h->status) == 0;
		p->seq = h->seq + 1;
	} else if (READ_ONCE(h->status) == PVIC_EPROTO) {
		p->in_step = false;	/* lost track (or not negotiated): ask again */
	} else {
		p->seq = h->seq + 1;
	}
	return READ_ONCE(h->status);
}

int pvic_negotiate(struct pvic *p, u32 features)
{
	struct pvic_negotiate *n = (struct pvic_negotiate *)&p->page->e[0];
	int ret;

	memset(n, 0, sizeof(*n));
	n->version = PVIC_VERSION;
	n->features = features;
	p->page->hdr.seq = 1;
	ret = pvic_submit(p, PVIC_OP_NEGOTIATE, 0, 1, 0);
	if (!ret)
		p->features = n->features;
	return ret;
}

int pvic_query(struct pvic *p, u32 adi, struct pvic_adi_info *out)
{
	int ret = pvic_submit(p, PVIC_OP_QUERY_ADI, adi, 1, 0);

	if (!ret && out)
		*out = *(struct pvic_adi_info *)&p->page->e[0];
	return ret;
}

u32 pvic_alloc(struct pvic *p, u32 adi, u32 n, u32 ims0, const u32 *dest, u32 ndest,
	       u8 vec0, u32 nvec, u32 flags, struct pvic_msg *out, int *status, int *batch_status)
{
	u32 granted = 0;

	*batch_status = 0;
	for (u32 base = 0; base < n; base += PVIC_MAX_ENTRIES) {
		u32 cnt = MIN(n - base, (u32)PVIC_MAX_ENTRIES);
		int ret;

		for (u32 i = 0; i < cnt; i++) {
			u32 k = base + i;

			p->page->e[i] = (struct pvic_entry){
				.ims_index = ims0 == PVIC_IMS_ANY ? PVIC_IMS_ANY : ims0 + k,
				.dest_id = dest[k % ndest],
				.vector = (u8)(vec0 + k % nvec),
				.flags = (u8)flags,
				.status = PVIC_NOT_SEEN,
			};
		}
		/* MORE: the routes of all the batches can go to KVM in one push. */
		ret = pvic_submit(p, PVIC_OP_ALLOC, adi, cnt,
				  base + cnt < n ? PVIC_HDR_F_MORE : 0);
		if (ret && !*batch_status)
			*batch_status = ret;
		for (u32 i = 0; i < cnt; i++) {
			const struct pvic_entry *e = &p->page->e[i];

			/* A batch refused as a whole leaves the entries as they were. */
			int es = e->status == PVIC_NOT_SEEN ? ret : e->status;

			if (status)
				status[base + i] = es;
			if (es)
				continue;
			out[base + i] = (struct pvic_msg){ .handle = e->handle, .addr_lo = e->addr_lo,
							   .addr_hi = e->addr_hi, .data = e->data };
			granted++;
		}
	}
	return granted;
}

int pvic_free(struct pvic *p, u32 adi, const u32 *handles, u32 n)
{
	int first = 0;

	for (u32 base = 0; base < n; base += PVIC_MAX_ENTRIES) {
		u32 cnt = MIN(n - base, (u32)PVIC_MAX_ENTRIES);
		int ret;

		for (u32 i = 0; i < cnt; i++)
			p->page->e[i] = (struct pvic_entry){ .handle = handles[base + i] };
		ret = pvic_submit(p, PVIC_OP_FREE, adi, cnt, 0);
		if (ret && !first)
			first = ret;
	}
	return first;
}

int pvic_one(struct pvic *p, u32 op, u32 adi, const struct pvic_entry *e, int *entry_status)
{
	int ret;

	p->page->e[0] = *e;
	p->page->e[0].status = PVIC_NOT_SEEN;	/* the host must write it */
	ret = pvic_submit(p, op, adi, 1, 0);
	if (entry_status)
		*entry_status = p->page->e[0].status;
	return ret;
}

int pvic_retarget(struct pvic *p, u32 adi, u32 handle, u32 dest, u8 vector)
{
	struct pvic_entry e = { .handle = handle, .dest_id = dest, .vector = vector };

	return pvic_one(p, PVIC_OP_RETARGET, adi, &e, NULL);
}

int pvic_mask(struct pvic *p, u32 adi, u32 handle, bool mask)
{
	struct pvic_entry e = { .handle = handle };

	return pvic_one(p, mask ? PVIC_OP_MASK : PVIC_OP_UNMASK, adi, &e, NULL);
}

int pvic_get_pending(struct pvic *p, u32 adi, u32 handle, u8 *flags)
{
	struct pvic_entry e = { .handle = handle };
	int ret = pvic_one(p, PVIC_OP_GET_PENDING, adi, &e, NULL);

	if (!ret && flags)
		*flags = p->page->e[0].flags;
	return ret;
}

int pvic_reset_adi(struct pvic *p, u32 adi)
{
	return pvic_submit(p, PVIC_OP_RESET_ADI, adi, 0, 0);
}
