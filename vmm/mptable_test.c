/* SPDX-License-Identifier: GPL-2.0-only */
/* MP table: found and parsed the way Linux's mpparse does it. */
#include <errno.h>

#include "vmm/layout.h"
#include "vmm/loader_test.h"
#include "vmm/mptable.h"

static u8 sum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 s = 0;

	while (len--)
		s += *b++;
	return s;
}

/* Linux scans the BIOS area 0xF0000-0xFFFFF on 16-byte boundaries for "_MP_". */
static const struct mpf_intel *find_mpf(const struct guest_mem *mem)
{
	for (u64 a = 0xF0000; a < 0x100000; a += 16) {
		const struct mpf_intel *f = gpa(mem, a, sizeof(*f));

		if (!memcmp(f->signature, "_MP_", 4) && f->length == 1 &&
		    !sum(f, sizeof(*f)) && (f->specification == 1 || f->specification == 4))
			return f;
	}
	return NULL;
}

struct parsed {
	unsigned int cpus, bsp_count, buses, ioapics, intsrc, lint;
	u8 apic_ids[256];
	u8 ioapic_id;
	u32 ioapic_addr;
	u8 pci_bus, isa_bus;
	/* ISA IRQ -> pin, -1 when absent; PCI (slot, pin) -> IOAPIC pin. */
	int isa_pin[16];
	u16 isa_flags[16];
	int pci_pin[32][4];
	u16 pci_flags;
	bool extint_lint0, nmi_lint1;
};

static void parse(const struct guest_mem *mem, struct parsed *p)
{
	const struct mpf_intel *f = find_mpf(mem);
	const struct mpc_table *t;
	const u8 *e, *end;
	unsigned int count = 0;

	memset(p, 0, sizeof(*p));
	memset(p->isa_pin, -1, sizeof(p->isa_pin));
	memset(p->pci_pin, -1, sizeof(p->pci_pin));
	p->pci_bus = p->isa_bus = 0xff;
	cr_assert_not_null(f, "floating pointer found");
	cr_assert_eq(f->feature1, 0, "a configuration table, not a default configuration");
	t = gpa(mem, f->physptr, sizeof(*t));
	cr_assert_eq(memcmp(t->signature, "PCMP", 4), 0);
	cr_assert_eq(t->spec, 4);
	t = gpa(mem, f->physptr, t->length);
	cr_assert_eq(sum(t, t->length), 0, "base table checksum");
	cr_assert_eq(t->lapic, LAYOUT_LAPIC_BASE);
	cr_assert_eq(t->reserved_ext_length, 0);

	e = (const u8 *)(t + 1);
	end = (const u8 *)t + t->length;
	while (e < end) {
		count++;
		switch (*e) {
		case MP_PROCESSOR: {
			const struct mpc_cpu *c = (const void *)e;

			cr_assert(c->cpuflag & MPC_CPU_ENABLED);
			p->apic_ids[p->cpus++] = c->apicid;
			p->bsp_count += !!(c->cpuflag & MPC_CPU_BOOTPROCESSOR);
			if (c->cpuflag & MPC_CPU_BOOTPROCESSOR)
				cr_assert_eq(c->apicid, 0, "the BSP is APIC 0");
			e += sizeof(*c);
			break;
		}
		case MP_BUS: {
			const struct mpc_bus *b = (const void *)e;

			if (!memcmp(b->bustype, "PCI   ", 6))
				p->pci_bus = b->busid;
			else if (!memcmp(b->bustype, "ISA   ", 6))
				p->isa_bus = b->busid;
			p->buses++;
			e += sizeof(*b);
			break;
		}
		case MP_IOAPIC: {
			const struct mpc_ioapic *io = (const void *)e;

			cr_assert(io->flags & 1);
			p->ioapic_id = io->apicid;
			p->ioapic_addr = io->apicaddr;
			p->ioapics++;
			e += sizeof(*io);
			break;
		}
		case MP_INTSRC: {
			const struct mpc_intsrc *s = (const void *)e;

			cr_assert_eq(s->irqtype, MP_INT);
			cr_assert_eq(s->dstapic, p->ioapic_id, "entries after the IOAPIC name it");
			if (s->srcbus == p->isa_bus) {
				cr_assert_lt(s->srcbusirq, 16);
				cr_assert_eq(p->isa_pin[s->srcbusirq], -1, "one entry per ISA IRQ");
				p->isa_pin[s->srcbusirq] = s->dstirq;
				p->isa_flags[s->srcbusirq] = s->irqflag;
			} else {
				cr_assert_eq(s->srcbus, p->pci_bus);
				p->pci_pin[s->srcbusirq >> 2][s->srcbusirq & 3] = s->dstirq;
				p->pci_flags |= s->irqflag;
			}
			p->intsrc++;
			e += sizeof(*s);
			break;
		}
		case MP_LINTSRC: {
			const struct mpc_intsrc *s = (const void *)e;

			cr_assert_eq(s->dstapic, 0xff, "all LAPICs");
			p->extint_lint0 |= s->irqtype == MP_EXTINT && s->dstirq == 0;
			p->nmi_lint1 |= s->irqtype == MP_NMI && s->dstirq == 1;
			p->lint++;
			e += sizeof(*s);
			break;
		}
		default:
			cr_assert_fail("unknown entry type %u", *e);
		}
	}
	cr_assert_eq(e, end, "entries fill the table exactly");
	cr_assert_eq(count, t->oemcount);
}

static void check(unsigned int nr_cpus)
{
	struct guest_mem mem;
	struct parsed p;

	test_mem_init(&mem, 16 * MiB);
	cr_assert_eq(mptable__write(&mem, nr_cpus), 0);
	parse(&mem, &p);

	cr_assert_eq(p.cpus, nr_cpus);
	cr_assert_eq(p.bsp_count, 1);
	for (unsigned int i = 0; i < nr_cpus; i++)
		cr_assert_eq(p.apic_ids[i], i);
	cr_assert_eq(p.buses, 2);
	cr_assert_eq(p.pci_bus, 0, "Linux matches PCI entries by bus number");
	cr_assert_neq(p.isa_bus, 0xff);
	cr_assert_eq(p.ioapics, 1);
	cr_assert_eq(p.ioapic_id, nr_cpus);
	cr_assert_eq(p.ioapic_addr, LAYOUT_IOAPIC_BASE);

	cr_assert_eq(p.isa_pin[0], 2, "the PIT on pin 2, as on real PCs");
	cr_assert_eq(p.isa_pin[2], -1, "the cascade has no pin");
	for (int irq = 1; irq < 16; irq++) {
		if (irq == 2)
			continue;
		cr_assert_eq(p.isa_pin[irq], irq, "ISA IRQ %d identity-mapped", irq);
		cr_assert_eq(p.isa_flags[irq], 0, "ISA default: edge, active high");
	}
	for (int slot = 0; slot < 32; slot++)
		for (int pin = 1; pin <= 4; pin++)
			cr_assert_eq(p.pci_pin[slot][pin - 1], LAYOUT_PCI_INTX_GSI(slot, pin),
				     "slot %d INT%c", slot, 'A' + pin - 1);
	cr_assert_eq(p.pci_flags, MP_IRQPOL_ACTIVE_HIGH | MP_IRQTRIG_LEVEL);
	cr_assert_eq(p.intsrc, 15 + 32 * 4);
	cr_assert_eq(p.lint, 2);
	cr_assert(p.extint_lint0 && p.nmi_lint1);
	test_mem_fini(&mem);
}

Test(mptable, one_cpu)
{
	check(1);
}

Test(mptable, four_cpus)
{
	check(4);
}

Test(mptable, most_cpus)
{
	check(MPTABLE_MAX_CPUS);
}

Test(mptable, cpu_count_out_of_range)
{
	struct guest_mem mem;
	struct errlog log;

	test_mem_init(&mem, 16 * MiB);
	errlog_begin(&log);
	cr_expect_eq(mptable__write(&mem, 0), -EINVAL);
	errlog_expect_one(&log, "0 CPUs");
	errlog_begin(&log);
	cr_expect_eq(mptable__write(&mem, MPTABLE_MAX_CPUS + 1), -EINVAL);
	errlog_expect_one(&log, "255 CPUs");
	test_mem_fini(&mem);
}

Test(mptable, bios_area_not_ram)
{
	struct guest_mem mem;
	struct errlog log;
	static u8 small[512 * 1024];

	cr_assert_eq(guest_mem__layout(&mem, small, -1, sizeof(small)), 0);
	errlog_begin(&log);
	cr_expect_eq(mptable__write(&mem, 2), -EFAULT);
	errlog_expect_one(&log, "not guest RAM");
}
