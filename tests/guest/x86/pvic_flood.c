/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest floods the PV-IC doorbell (tests/faults/pvic-limits.sh): CPU 1
 * rings it in a tight loop with valid batches (QUERY_ADI, ALLOC then FREE),
 * invalid ones (unknown op, wrong sequence number, bad count, unknown ADI),
 * command pages outside RAM or straddling its end, doorbell values other
 * than RING and accesses of the wrong size, checking every answer; meanwhile CPU 0 raises IMS
 * entries of the ADI and expects each interrupt, once. Afterwards the
 * guest still allocates and receives interrupts, and the flood left no
 * handle behind.
 *
 * Stops for the script: "pvic-flood: ready" (8 vectors live) waits for 'g';
 * "pvic-flood: flooding" is printed once the flood runs, which ends when
 * 's' arrives on COM1; "pvic-flood: done ..." gives the counts the host's
 * counters must match; "pvic-flood: checked" waits for 'g' before exiting.
 */
#include "pvic_adi.h"
#include "x86/pvh.h"

#define LIVE		8u	/* vectors live across the flood: IMS 0..7, 0x40.. on CPU 0 */
#define KINDS		9u

static struct pvic p;
static struct pa_adi adis[PA_MAX_ADIS];
static struct pa_adi *a;
static u32 dest[1];
static u64 ram_end;
static volatile bool stop;

/* What the flood sent, by outcome; wrong counts answers other than expected. */
static struct {
	u64 valid, invalid, efault, bad_doorbell, bad_access, wrong, rounds;
} fl;

static void expect(bool ok, u32 kind, int got)
{
	if (ok)
		return;
	if (fl.wrong++ < 3)
		printf("pvic-flood: kind %u answered %d\n", kind, got);
}

static u32 page_gpa(void)
{
	return (u32)(uintptr_t)p.page;
}

/* A doorbell with the command page at @gpa: nothing read nor written, LAST_STATUS EFAULT. */
static void ring_at(u64 gpa, u32 kind)
{
	int st;

	pvic_wreg(&p, PVIC_REG_CMD_GPA_LO, (u32)gpa);
	pvic_wreg(&p, PVIC_REG_CMD_GPA_HI, (u32)(gpa >> 32));
	pvic_wreg(&p, PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	st = (int)pvic_reg(&p, PVIC_REG_LAST_STATUS);
	pvic_wreg(&p, PVIC_REG_CMD_GPA_LO, page_gpa());
	pvic_wreg(&p, PVIC_REG_CMD_GPA_HI, 0);
	fl.efault++;
	expect(st == PVIC_EFAULT, kind, st);
}

static void flood_one(u32 r)
{
	static const u64 far[] = { 0xFEC00000ull, 1ull << 46, 0xFFFFFFFFFFFFF000ull };
	struct pvic_entry e = { .ims_index = PVIC_IMS_ANY, .dest_id = dest[0], .vector = 0xd0 };
	int st, es = 0;
	u32 h;

	switch (r % KINDS) {
	case 0:
		st = pvic_query(&p, a->id, NULL);
		fl.valid++;
		expect(st == 0, 0, st);
		break;
	case 1:
		st = pvic_one(&p, PVIC_OP_ALLOC, a->id, &e, &es);
		fl.valid++;
		expect(st == 0 && es == 0, 1, st ? st : es);
		if (st || es)
			break;
		h = p.page->e[0].handle;
		st = pvic_free(&p, a->id, &h, 1);
		fl.valid++;
		expect(st == 0, 1, st);
		break;
	case 2:
		st = pvic_submit(&p, 0x77, a->id, 1, 0);
		fl.invalid++;
		expect(st == PVIC_EOPNOTSUPP, 2, st);
		break;
	case 3:
		/* Out of step: refused, NEXT_SEQ unchanged (so p.seq stays right). */
		memset(&p.page->hdr, 0, sizeof(p.page->hdr));
		p.page->hdr = (struct pvic_hdr){ .op = PVIC_OP_QUERY_ADI, .adi = a->id, .count = 1,
						 .seq = pvic_reg(&p, PVIC_REG_NEXT_SEQ) + 1000 };
		barrier();
		pvic_wreg(&p, PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
		barrier();
		st = READ_ONCE(p.page->hdr.status);
		fl.invalid++;
		expect(st == PVIC_EPROTO, 3, st);
		break;
	case 4:
		st = pvic_submit(&p, PVIC_OP_ALLOC, a->id, 0, 0);
		fl.invalid++;
		expect(st == PVIC_EINVAL, 4, st);
		break;
	case 5:
		st = pvic_submit(&p, PVIC_OP_FREE, pvic_adi(31), 1, 0);
		fl.invalid++;
		expect(st == PVIC_ENODEV, 5, st);
		break;
	case 6:
		/* Outside RAM, the first page past its end, and one straddling the end. */
		ring_at(far[(r / KINDS) % ARRAY_SIZE(far)], 6);
		ring_at((u64)(uintptr_t)p.regs, 6);	/* the PV-IC's own BAR */
		ring_at(ram_end, 6);
		ring_at(ram_end - 2048, 6);
		break;
	case 7:
		st = (int)pvic_reg(&p, PVIC_REG_LAST_STATUS);
		pvic_wreg(&p, PVIC_REG_DOORBELL, 2 + r);
		fl.bad_doorbell++;
		expect((int)pvic_reg(&p, PVIC_REG_LAST_STATUS) == st, 7, st);
		break;
	case 8: {
		/* Only aligned 4-byte accesses: a 2-byte doorbell and a torn read are refused. */
		volatile u8 *bar = (volatile u8 *)p.regs;
		u32 v;

		st = (int)pvic_reg(&p, PVIC_REG_LAST_STATUS);
		*(volatile u16 *)(bar + PVIC_REG_DOORBELL) = PVIC_DOORBELL_RING;
		v = *(volatile u32 *)(bar + PVIC_REG_MAGIC + 2);
		fl.bad_access += 2;
		expect(v == 0xffffffffu && (int)pvic_reg(&p, PVIC_REG_LAST_STATUS) == st, 8,
		       (int)v);
		break;
	}
	}
}

static void flood(void *unused)
{
	for (u32 r = 0; !READ_ONCE(stop); r++) {
		flood_one(r);
		if (r % KINDS == KINDS - 1)
			fl.rounds++;
	}
}

static bool raise_expect(u32 i)
{
	int vector = PA_VEC_FIRST + (int)i;
	int before = pa_count(0, vector), total = pa_total(vector);

	if (pa_raise(a, i) != ADISIM_COMP_SUCCESS || !pa_wait(0, vector, before + 1))
		return false;
	return pa_total(vector) == total + 1;
}

static u64 find_ram_end(void)
{
	u64 end = 0;

	for (u32 i = 0; i < boot_info.memmap_entries; i++) {
		const struct hvm_memmap_table_entry *m = &boot_info.memmap[i];

		if (m->type == HVM_MEMMAP_TYPE_RAM && m->addr + m->size > end)
			end = m->addr + m->size;
	}
	return end;
}

int main(int argc, char **argv)
{
	struct smp_result res;
	struct pvic_msg m[2 * LIVE];
	struct pvic_adi_info q;
	u32 raised = 0, delivered = 0, h[LIVE];
	int bs, c;
	char line[200];

	if (!pvic_find(&p) || pa_find(adis, PA_MAX_ADIS) < 1) {
		report_skip("needs the PV-IC and one ADI");
		return report_summary();
	}
	a = &adis[0];
	pa_irq_setup();
	if (smp_init(&res))
		report_info("SMP: %s", res.reason);
	if (cpu_count() < 2) {
		report_skip("needs 2 vCPUs (%d)", cpu_count());
		return report_summary();
	}
	ram_end = find_ram_end();
	dest[0] = cpu_apic_id(0);
	irq_enable();
	report(ram_end > 0 && !(ram_end & 0xfff), "RAM ends at 0x%lx", ram_end);
	report(pvic_negotiate(&p, PVIC_FEAT_ALL) == 0, "NEGOTIATE");
	report(pvic_reset_adi(&p, a->id) == 0, "RESET_ADI");
	report(pvic_alloc(&p, a->id, LIVE, 0, dest, 1, PA_VEC_FIRST, LIVE, 0, m, NULL, &bs) == LIVE,
	       "%u vectors", LIVE);
	for (u32 i = 0; i < LIVE; i++) {
		pa_ims_write(a, i, &m[i]);
		h[i] = m[i].handle;
	}
	pa_sync("pvic-flood: ready", 'g');

	on_cpu_async(1, flood, NULL);
	printf("pvic-flood: flooding\n");
	/* CPU 0 takes interrupts until the script says stop. */
	do {
		for (u32 i = 0; i < LIVE; i++) {
			raised++;
			delivered += raise_expect(i);
		}
		c = serial_getc();
	} while (c != 's');
	WRITE_ONCE(stop, true);
	report(on_cpu_wait(1), "the flooding CPU stopped");
	snprintf(line, sizeof(line), "pvic-flood: done rounds %lu valid %lu invalid %lu efault %lu "
		 "baddoorbell %lu badaccess %lu wrong %lu irqs %u/%u", fl.rounds, fl.valid,
		 fl.invalid, fl.efault, fl.bad_doorbell, fl.bad_access, fl.wrong, delivered, raised);
	printf("%s\n", line);
	report(fl.rounds > 0, "%lu rounds of %u kinds of doorbell", fl.rounds, KINDS);
	report(fl.wrong == 0, "every doorbell answered as expected (%lu not)", fl.wrong);
	report(raised > 0 && delivered == raised, "%u of %u interrupts during the flood", delivered,
	       raised);

	/* Afterwards: nothing left behind, and the PV-IC still works. */
	bs = pvic_query(&p, a->id, &q);
	report(bs == 0 && q.handles_owned == LIVE, "%u handles owned, as before the flood",
	       q.handles_owned);
	report(pvic_alloc(&p, a->id, LIVE, LIVE, dest, 1, PA_VEC_FIRST + LIVE, LIVE, 0, m + LIVE,
			  NULL, &bs) == LIVE, "ALLOC %u more after the flood", LIVE);
	delivered = 0;
	for (u32 i = LIVE; i < 2 * LIVE; i++) {
		pa_ims_write(a, i, &m[i]);
		delivered += raise_expect(i);
	}
	for (u32 i = 0; i < LIVE; i++)
		delivered += raise_expect(i);
	report(delivered == 2 * LIVE, "all %u deliver (%u)", 2 * LIVE, delivered);
	for (u32 i = 0; i < LIVE; i++)
		h[i] = m[LIVE + i].handle;
	report(pvic_free(&p, a->id, h, LIVE) == 0, "FREE them");
	pa_sync("pvic-flood: checked", 'g');
	report(pvic_reset_adi(&p, a->id) == 0 && p.page->hdr.done == LIVE, "RESET_ADI frees %u",
	       LIVE);
	return report_summary();
}
