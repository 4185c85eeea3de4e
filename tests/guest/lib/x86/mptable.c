/* SPDX-License-Identifier: GPL-2.0-only */
/* MP table parser: floating pointer search, then the configuration table's entries. */
#include "libcflat.h"
#include "x86/mptable.h"

struct mpf {
	char signature[4];	/* "_MP_" */
	u32 physptr;
	u8 length;		/* in 16-byte units */
	u8 specification;
	u8 checksum;
	u8 feature[5];
} __attribute__((packed));

struct mpc_header {
	char signature[4];	/* "PCMP" */
	u16 length;
	u8 spec;
	u8 checksum;
	char oem[8];
	char product[12];
	u32 oemptr;
	u16 oemsize;
	u16 count;
	u32 lapic;
	u16 ext_length;
	u8 ext_checksum;
	u8 reserved;
} __attribute__((packed));

static const struct mpf *scan(phys_addr_t start, size_t len)
{
	for (phys_addr_t a = start; a + sizeof(struct mpf) <= start + len; a += 16) {
		const struct mpf *f = (const void *)(uintptr_t)a;

		if (!memcmp(f->signature, "_MP_", 4) && f->length == 1)
			return f;
	}
	return NULL;
}

static const struct mpf *find_mpf(void)
{
	const volatile u16 *bda_ebda = (const volatile u16 *)0x40e;
	const struct mpf *f = NULL;
	u16 ebda_seg;

	/* Hide the constant address from gcc, which would call it out of bounds. */
	asm("" : "+r"(bda_ebda));
	ebda_seg = *bda_ebda;

	if (ebda_seg)
		f = scan((phys_addr_t)ebda_seg << 4, 1024);
	if (!f)
		f = scan(0x9fc00, 1024);
	if (!f)
		f = scan(0xf0000, 0x10000);
	return f;
}

static void parse_entries(struct mptable *mp, const struct mpc_header *h)
{
	const u8 *p = (const u8 *)(h + 1), *end = (const u8 *)h + h->length;

	for (u16 i = 0; i < h->count && p < end; i++) {
		switch (p[0]) {
		case 0:		/* processor, 20 bytes */
			if ((p[3] & 1) && mp->ncpus < MPTABLE_MAX_CPUS)
				mp->apic_ids[mp->ncpus++] = p[1];
			if (p[3] & 2)
				mp->bsp_apic_id = p[1];
			p += 20;
			break;
		case 1:		/* bus */
			if (!memcmp(p + 2, "ISA   ", 6))
				mp->isa_bus = p[1];
			else if (!memcmp(p + 2, "PCI   ", 6))
				mp->pci_bus = p[1];
			p += 8;
			break;
		case 2:		/* IOAPIC */
			if (p[3] & 1) {
				if (!mp->nioapics) {
					mp->ioapic_id = p[1];
					memcpy(&mp->ioapic_addr, p + 4, 4);
				}
				mp->nioapics++;
			}
			p += 8;
			break;
		case 3:		/* I/O interrupt assignment */
			if (mp->nintsrc < MPTABLE_MAX_INTSRC) {
				struct mptable_intsrc *s = &mp->intsrc[mp->nintsrc++];

				s->irqtype = p[1];
				memcpy(&s->flags, p + 2, 2);
				s->srcbus = p[4];
				s->srcirq = p[5];
				s->dstapic = p[6];
				s->dstpin = p[7];
			}
			p += 8;
			break;
		case 4:		/* local interrupt assignment */
			p += 8;
			break;
		default:	/* unknown: the length is unknown too */
			return;
		}
	}
}

void mptable_parse(struct mptable *mp)
{
	const struct mpf *f = find_mpf();
	const struct mpc_header *h;

	memset(mp, 0, sizeof(*mp));
	mp->isa_bus = -1;
	mp->pci_bus = -1;
	if (!f || !f->physptr)
		return;
	h = (const void *)(uintptr_t)f->physptr;
	if (memcmp(h->signature, "PCMP", 4))
		return;
	mp->found = true;
	mp->fp_addr = (uintptr_t)f;
	mp->config_addr = f->physptr;
	mp->checksums_ok = !byte_sum(f, 16) && !byte_sum(h, h->length);
	mp->lapic_addr = h->lapic;
	parse_entries(mp, h);
}

int mptable_isa_irq_pin(const struct mptable *mp, int irq)
{
	for (int i = 0; i < mp->nintsrc; i++) {
		const struct mptable_intsrc *s = &mp->intsrc[i];

		if (s->irqtype == 0 && s->srcbus == mp->isa_bus && s->srcirq == irq)
			return s->dstpin;
	}
	return -1;
}
