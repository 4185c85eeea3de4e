/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <string.h>

#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/mptable.h"

/* KVM's in-kernel LAPIC and IOAPIC report these versions. */
#define MP_LAPIC_VERSION	0x14
#define MP_IOAPIC_VERSION	0x11
/* Family 6 with FPU and APIC: what the entry describes, not what CPUID says. */
#define MP_CPU_SIGNATURE	0x600
#define MP_CPU_FEATURES		((1u << 0) | (1u << 9))

static u8 checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return (u8)(0 - sum);
}

struct mp_writer {
	u8 *base;		/* host address of the configuration table */
	size_t used;
	size_t room;
	u16 count;
};

static void *mp_entry(struct mp_writer *w, size_t len)
{
	void *p;

	/* mptable__write() sized the room for the worst case. */
	if (len > w->room - w->used)
		die("mptable: entries overflow the BIOS area (broken sizing)");
	p = w->base + w->used;
	w->used += len;
	w->count++;
	return p;
}

static void add_intsrc(struct mp_writer *w, u8 type, u8 irqtype, u16 flags,
		       u8 bus, u8 busirq, u8 dst, u8 dstirq)
{
	struct mpc_intsrc *e = mp_entry(w, sizeof(*e));

	*e = (struct mpc_intsrc){
		.type = type, .irqtype = irqtype, .irqflag = flags,
		.srcbus = bus, .srcbusirq = busirq, .dstapic = dst, .dstirq = dstirq,
	};
}

static void add_bus(struct mp_writer *w, u8 id, const char name[6])
{
	struct mpc_bus *b = mp_entry(w, sizeof(*b));

	b->type = MP_BUS;
	b->busid = id;
	memcpy(b->bustype, name, sizeof(b->bustype));
}

static size_t table_size(unsigned int nr_cpus)
{
	size_t nr_intsrc = 16 + MPTABLE_PCI_SLOTS * 4 + 2;

	return sizeof(struct mpc_table) + nr_cpus * sizeof(struct mpc_cpu) +
	       2 * sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +
	       nr_intsrc * sizeof(struct mpc_intsrc);
}

int mptable__write(const struct guest_mem *mem, unsigned int nr_cpus)
{
	u64 mpf_gpa = LAYOUT_MPTABLE;
	u64 mpc_gpa = LAYOUT_MPTABLE + sizeof(struct mpf_intel);
	struct mpf_intel *mpf;
	struct mpc_table *mpc;
	struct mp_writer w;
	size_t size;
	u8 ioapic_id;

	if (nr_cpus == 0 || nr_cpus > MPTABLE_MAX_CPUS) {
		pr_err("mptable: %u CPUs: the MP table describes 1 to %d",
		       nr_cpus, MPTABLE_MAX_CPUS);
		return -EINVAL;
	}
	size = table_size(nr_cpus);
	mpf = guest_mem__ptr(mem, mpf_gpa, sizeof(*mpf) + size);
	if (!mpf || mpc_gpa + size > LAYOUT_KERNEL_DEFAULT) {
		pr_err("mptable: BIOS area 0x%llx is not guest RAM",
		       (unsigned long long)mpf_gpa);
		return -EFAULT;
	}
	mpc = (struct mpc_table *)(mpf + 1);
	memset(mpf, 0, sizeof(*mpf) + size);

	w = (struct mp_writer){ .base = (u8 *)mpc, .used = sizeof(*mpc), .room = size };
	ioapic_id = (u8)nr_cpus;

	for (unsigned int i = 0; i < nr_cpus; i++) {
		struct mpc_cpu *c = mp_entry(&w, sizeof(*c));

		c->type = MP_PROCESSOR;
		c->apicid = (u8)i;
		c->apicver = MP_LAPIC_VERSION;
		c->cpuflag = MPC_CPU_ENABLED | (i == 0 ? MPC_CPU_BOOTPROCESSOR : 0);
		c->cpufeature = MP_CPU_SIGNATURE;
		c->featureflag = MP_CPU_FEATURES;
	}

	add_bus(&w, MPTABLE_BUS_PCI, "PCI   ");
	add_bus(&w, MPTABLE_BUS_ISA, "ISA   ");

	{
		struct mpc_ioapic *io = mp_entry(&w, sizeof(*io));

		io->type = MP_IOAPIC;
		io->apicid = ioapic_id;
		io->apicver = MP_IOAPIC_VERSION;
		io->flags = 1;
		io->apicaddr = (u32)LAYOUT_IOAPIC_BASE;
	}

	/*
	 * ISA IRQs keep the bus default (edge, active high). IRQ 0 (the PIT)
	 * is wired to pin 2 as on real PCs, so IRQ 2 (the 8259 cascade) has
	 * no pin of its own and gets no entry.
	 */
	for (u8 irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		add_intsrc(&w, MP_INTSRC, MP_INT, MP_IRQPOL_DEFAULT | MP_IRQTRIG_DEFAULT,
			   MPTABLE_BUS_ISA, irq, ioapic_id, irq == 0 ? 2 : irq);
	}

	/*
	 * PCI INTx is level-triggered. Active high, not the PCI default of
	 * active low: KVM's IOAPIC treats a KVM_IRQ_LINE level of 1 as
	 * asserted whatever the polarity bit says, and SeaBIOS describes
	 * KVM's IOAPIC the same way.
	 */
	for (u8 slot = 0; slot < MPTABLE_PCI_SLOTS; slot++) {
		for (u8 pin = 1; pin <= 4; pin++)
			add_intsrc(&w, MP_INTSRC, MP_INT,
				   MP_IRQPOL_ACTIVE_HIGH | MP_IRQTRIG_LEVEL,
				   MPTABLE_BUS_PCI, (u8)(slot << 2 | (pin - 1)), ioapic_id,
				   (u8)LAYOUT_PCI_INTX_GSI(slot, pin));
	}

	/* Virtual wire: the 8259 through LINT0 of every LAPIC, NMI on LINT1. */
	add_intsrc(&w, MP_LINTSRC, MP_EXTINT, MP_IRQPOL_DEFAULT | MP_IRQTRIG_DEFAULT,
		   MPTABLE_BUS_ISA, 0, 0xff, 0);
	add_intsrc(&w, MP_LINTSRC, MP_NMI, MP_IRQPOL_DEFAULT | MP_IRQTRIG_DEFAULT,
		   MPTABLE_BUS_ISA, 0, 0xff, 1);

	memcpy(mpc->signature, "PCMP", 4);
	mpc->length = (u16)w.used;
	mpc->spec = 4;
	memcpy(mpc->oem, "IMSVM   ", sizeof(mpc->oem));
	memcpy(mpc->productid, "IMSVM-VIRT  ", sizeof(mpc->productid));
	mpc->oemcount = w.count;
	mpc->lapic = (u32)LAYOUT_LAPIC_BASE;
	mpc->checksum = checksum(mpc, w.used);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->physptr = (u32)mpc_gpa;
	mpf->length = 1;
	mpf->specification = 4;
	mpf->checksum = checksum(mpf, sizeof(*mpf));
	return 0;
}
