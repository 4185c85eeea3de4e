/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Security property: a guest cannot make imsvm (or a device it assigns)
 * read or write outside guest RAM. Every device present is aimed at
 * addresses outside RAM: past the top of RAM, in the PCI hole (the start of
 * the hole, the device's own BAR, the LAPIC), straddling the end of low RAM,
 * straddling the start of RAM above 4 GiB, straddling the top of RAM, with
 * address + length wrapping 64 bits; indirect tables and the rings
 * themselves outside RAM; the PV-IC command page outside RAM and not
 * 4 KiB-aligned across the end of low RAM; the assigned ADI's descriptor
 * sources, destinations, completion records and ring outside RAM.
 *
 * Each attempt must be refused with an error the guest sees (virtio:
 * NEEDS_RESET with a configuration interrupt and nothing completed; PV-IC:
 * LAST_STATUS -EFAULT and the sequence number unchanged; ADI: a fault
 * status in the completion record or the engine halted with RING_FAULT,
 * and the device's fault counter up), and the device must work again after
 * a reset. Canaries: guest RAM just inside each edge (and at GPA 0, where a
 * wrapped range would land) keeps its pattern through all of it.
 *
 * Run by tests/security/ram-bounds.sh with --mem 3328 (3 GiB below the hole,
 * 256 MiB above 4 GiB) and whatever devices it can give; the command line
 * says which must be there: expect.blk expect.console expect.rng expect.net
 * expect.adi expect.pvic (bare words). strict.adi: the ADI's DMA is served by
 * imsvm (dma=messages, the simulator's --unchecked-dma), which must refuse a
 * straddling access whole, so no canary byte may change at all. At the end
 * the kernel prints
 * "sec: refused N" lines the script compares with imsvm's counters.
 */
#include "libcflat.h"
#include "pci.h"
#include "pvic.h"
#include "virtio_drv.h"
#include "assign.h"
#include "x86/processor.h"
#include "x86/pvh.h"
#include "x86/vm.h"

#define HOLE		0xC0000000ULL
#define LAPIC		0xFEE00000ULL
#define FAR		0x3f0000000000ULL	/* far past RAM, below 2^46 */
#define CANARY_BYTES	4096
#define CANARY0_BYTES	0x400			/* GPA 0: where a wrapped range lands */

static u64 low_end, high_start, top;	/* high_start 0: no RAM above 4 GiB */

/* ---- RAM layout and canaries ---- */

static void find_ram(void)
{
	for (u32 i = 0; i < boot_info.memmap_entries; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];
		u64 end = e->addr + e->size;

		if (e->type != HVM_MEMMAP_TYPE_RAM)
			continue;
		if (end <= 0x100000000ULL && end > low_end)
			low_end = end;
		if (e->addr >= 0x100000000ULL && (!high_start || e->addr < high_start))
			high_start = e->addr;
		if (end > top)
			top = end;
	}
}

struct canary {
	u64 gpa;
	u32 len;
};

static struct canary canaries[4];
static int nr_canaries;

static u8 canary_byte(u64 gpa)
{
	return (u8)(0xA5 ^ (gpa * 31) ^ (gpa >> 12));
}

static void canary_add(u64 gpa, u32 len)
{
	if (gpa >= 0x100000000ULL && !vm_map_gib(gpa))
		report_abort("cannot map 0x%lx", gpa);
	canaries[nr_canaries++] = (struct canary){ gpa, len };
	for (u32 i = 0; i < len; i++)
		*(volatile u8 *)(uintptr_t)(gpa + i) = canary_byte(gpa + i);
}

/*
 * Every canary byte still holds its pattern. With @named, the bytes that
 * straddling ADI descriptors named inside RAM ([edge - 32, edge) at the end
 * of low RAM and the top) may hold what the device wrote there before its
 * fault, as DMA through an IOMMU would: the guest asked for those bytes.
 * They are counted, not failed; every other byte must be untouched.
 */
static void canary_check(const char *when, bool named)
{
	for (int c = 0; c < nr_canaries; c++) {
		u32 bad = 0, dev = 0;

		for (u32 i = 0; i < canaries[c].len; i++) {
			u64 a = canaries[c].gpa + i;

			if (*(volatile u8 *)(uintptr_t)a == canary_byte(a))
				continue;
			if (named && ((a >= low_end - 32 && a < low_end) || (a >= top - 32 && a < top)))
				dev++;
			else
				bad++;
		}
		report(!bad, "%s: canary at 0x%lx (%u bytes) unchanged (%u bytes differ)", when,
		       canaries[c].gpa, canaries[c].len, bad);
		if (dev)
			report_info("%s: %u bytes named in RAM by a straddling descriptor were written "
				    "before the device faulted", when, dev);
	}
}

/* ---- the places outside RAM ---- */

struct place {
	const char *what;
	u64 addr;
	u32 len;
};

static struct place places[12];
static int nr_places;

static void place(const char *what, u64 addr, u32 len)
{
	places[nr_places++] = (struct place){ what, addr, len };
}

static void make_places(void)
{
	nr_places = 0;
	place("past the top of RAM", top, 64);
	place("far past RAM", FAR, 64);
	place("at the start of the PCI hole", HOLE, 64);
	place("at the LAPIC", LAPIC, 64);
	place("straddling the end of low RAM", low_end - 32, 64);
	if (high_start)
		place("straddling the start of high RAM", high_start - 32, 64);
	place("straddling the top of RAM", top - 32, 64);
	place("wrapping 64 bits", ~0ULL - 31, 64);
}

/* ---- virtio ---- */

#define FEAT	(1u << VD_FEAT_INDIRECT)	/* indirect tables are aimed outside RAM too */

static struct vd_ring rings[4];
static struct vd_desc itable[4] __aligned(64);
static u8 buf[512] __aligned(64);
static u8 status_byte;
static struct vd_blk_outhdr blk_hdr;
static u64 virtio_refused;

/*
 * The device's request with its payload (rng: the buffer it fills; blk: the
 * sector's data; console and net: the bytes sent) at @addr/@len; @indirect:
 * the chain is one indirect descriptor at @itab (@ilen bytes) holding it.
 */
static void request(struct vd_dev *v, u64 addr, u32 len, bool indirect, u64 itab, u32 ilen)
{
	struct vd_desc *d = indirect ? itable : v->r->desc;
	u16 wr = v->device_id == VD_DEV_RNG || v->device_id == VD_DEV_BLK ? VD_F_WRITE : 0;
	u16 n = 0;

	if (v->device_id == VD_DEV_BLK) {
		blk_hdr = (struct vd_blk_outhdr){ VD_BLK_T_IN, 0, 0 };
		d[n] = (struct vd_desc){ (uintptr_t)&blk_hdr, 16, VD_F_NEXT, (u16)(n + 1) };
		n++;
	}
	d[n] = (struct vd_desc){ addr, len, wr, (u16)(n + 1) };
	if (v->device_id == VD_DEV_BLK) {
		d[n].flags |= VD_F_NEXT;
		n++;
		status_byte = 0xee;
		d[n] = (struct vd_desc){ (uintptr_t)&status_byte, 1, VD_F_WRITE, 0 };
	}
	if (indirect)
		v->r->desc[0] = (struct vd_desc){ itab, ilen, VD_F_INDIRECT, 0 };
	vd_offer(v, 0);
	vd_kick(v);
}

/* A good request completes: the device works. */
static bool good_request(struct vd_dev *v)
{
	u16 want = (u16)(vd_used_idx(v) + 1);
	u32 len = v->device_id == VD_DEV_NET ? 72 : v->device_id == VD_DEV_BLK ? 512 : 32;

	memset(buf, 0, sizeof(buf));
	if (v->device_id == VD_DEV_NET)
		memset(buf + 12, 0xff, 6);	/* vnet header, then a broadcast frame */
	else if (v->device_id == VD_DEV_CONSOLE)
		memcpy(buf, "sec: console ok\n", 16), len = 16;
	request(v, (uintptr_t)buf, len, false, 0, 0);
	return VD_WAIT(vd_used_idx(v) == want) &&
	       (v->device_id != VD_DEV_BLK || status_byte == 0);
}

/* After @what: NEEDS_RESET, a configuration interrupt (ISR bit 1), nothing used. */
static void expect_refused(struct vd_dev *v, const char *what, bool config_irq)
{
	bool nr = VD_WAIT(vd_status(v) & VD_S_NEEDS_RESET);
	u8 isr = vd_r8(v->bar + VD_ISR);
	bool ok = nr && (!config_irq || (isr & 2)) && vd_used_idx(v) == 0;

	virtio_refused += nr;
	report(ok, "%s: %s: refused (NEEDS_RESET %d, ISR 0x%x, used %u)", v->name, what, nr, isr,
	       vd_used_idx(v));
	report(vd_start(v) && good_request(v), "%s: %s: works again after a reset", v->name, what);
}

/* Rings at @desc/@avail/@used: refused when the queue is enabled; a kick does nothing. */
static void ring_case(struct vd_dev *v, u64 desc, u64 avail, u64 used, const char *what)
{
	bool nr;

	memset(v->r, 0, sizeof(*v->r));
	nr = vd_start_at(v, desc, avail, used) & VD_S_NEEDS_RESET;
	vd_kick(v);
	report(nr && vd_used_idx(v) == 0, "%s: %s: NEEDS_RESET", v->name, what);
	virtio_refused += nr;
}

static void virtio_cases(struct vd_dev *v)
{
	char what[96];

	report_prefix_push(v->name);
	report(vd_start(v) && good_request(v), "%s: a good request completes", v->name);
	for (int i = 0; i < nr_places; i++) {
		const struct place *p = &places[i];

		vd_start(v);
		request(v, p->addr, p->len, false, 0, 0);
		snprintf(what, sizeof(what), "buffer %s", p->what);
		expect_refused(v, what, true);

		vd_start(v);
		request(v, (uintptr_t)buf, 16, true, p->addr, 32);
		snprintf(what, sizeof(what), "indirect table %s", p->what);
		expect_refused(v, what, true);

		vd_start(v);
		request(v, p->addr, p->len, true, (uintptr_t)itable, sizeof(itable));
		snprintf(what, sizeof(what), "buffer in an indirect table %s", p->what);
		expect_refused(v, what, true);
	}
	/* A buffer of 4 GiB - 1 from low RAM: runs through the hole. */
	vd_start(v);
	request(v, 0x100000, 0xffffffffu, false, 0, 0);
	expect_refused(v, "a 4 GiB buffer across the hole", true);

	/* The device's own BAR: MMIO, not RAM. */
	vd_start(v);
	request(v, v->bar, 64, false, 0, 0);
	expect_refused(v, "buffer on the device's own BAR", true);

	/* The rings themselves: refused when the queue is enabled. */
	ring_case(v, top, (uintptr_t)&v->r->avail, (uintptr_t)&v->r->used,
		  "descriptor table past the top of RAM");
	ring_case(v, (uintptr_t)v->r->desc, HOLE, (uintptr_t)&v->r->used,
		  "available ring in the PCI hole");
	ring_case(v, (uintptr_t)v->r->desc, (uintptr_t)&v->r->avail, low_end - 64,
		  "used ring straddling the end of low RAM");
	if (high_start)
		ring_case(v, high_start - 128, (uintptr_t)&v->r->avail, (uintptr_t)&v->r->used,
			  "descriptor table straddling the start of high RAM");
	ring_case(v, ~0ULL - 0xff, (uintptr_t)&v->r->avail, (uintptr_t)&v->r->used,
		  "descriptor table wrapping 64 bits");
	report(vd_start(v) && good_request(v), "%s: works again after the ring cases", v->name);
	report_prefix_pop();
}

/* ---- the PV-IC command page ---- */

static u64 pvic_refused;

static void pvic_cases(void)
{
	static struct pvic p;
	struct place pp[8];
	int n = 0;
	u64 bar0;

	if (!pvic_find(&p)) {
		report(false, "PV-IC found");
		return;
	}
	report_prefix_push("pvic");
	report(pvic_negotiate(&p, PVIC_FEAT_ALL) == 0, "NEGOTIATE with the page in RAM");
	bar0 = pci_conf1_read32(0, p.slot, 0, PCI_BAR0) & ~0xfULL;
	pp[n++] = (struct place){ "past the top of RAM", top, 0 };
	pp[n++] = (struct place){ "the last page of low RAM + 2 KiB (straddling)", low_end - 2048, 0 };
	pp[n++] = (struct place){ "at the end of low RAM (the hole)", low_end, 0 };
	pp[n++] = (struct place){ "on the PV-IC's own BAR", bar0, 0 };
	pp[n++] = (struct place){ "at the LAPIC", LAPIC, 0 };
	if (high_start)
		pp[n++] = (struct place){ "straddling into high RAM", high_start - 2048, 0 };
	pp[n++] = (struct place){ "wrapping 64 bits", ~0ULL - 0xfff, 0 };
	pp[n++] = (struct place){ "far past RAM", FAR, 0 };
	for (int i = 0; i < n; i++) {
		u32 seq = pvic_reg(&p, PVIC_REG_NEXT_SEQ);
		int st;

		pvic_wreg(&p, PVIC_REG_CMD_GPA_LO, (u32)pp[i].addr);
		pvic_wreg(&p, PVIC_REG_CMD_GPA_HI, (u32)(pp[i].addr >> 32));
		pvic_wreg(&p, PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
		st = (int)pvic_reg(&p, PVIC_REG_LAST_STATUS);
		report(st == PVIC_EFAULT && pvic_reg(&p, PVIC_REG_NEXT_SEQ) == seq,
		       "command page %s (0x%lx): EFAULT (%d), sequence unchanged", pp[i].what,
		       pp[i].addr, st);
		pvic_refused += st == PVIC_EFAULT;
	}
	/* A page next to the top canary is RAM: accepted, the canary untouched. */
	pvic_wreg(&p, PVIC_REG_CMD_GPA_LO, (u32)(top - 2 * 4096));
	pvic_wreg(&p, PVIC_REG_CMD_GPA_HI, (u32)((top - 2 * 4096) >> 32));
	p.page = (struct pvic_page *)(uintptr_t)(top - 2 * 4096);
	report(pvic_negotiate(&p, PVIC_FEAT_ALL) == 0, "the page below the top canary works");
	p.page = NULL;
	report(pvic_find(&p) && pvic_negotiate(&p, PVIC_FEAT_ALL) == 0,
	       "back on its own page, NEGOTIATE works");
	report_prefix_pop();
}

/* ---- the assigned ADI ---- */

static struct adi_ring adi_ring;
static u64 adi_refused;	/* faults the guest saw from the ADI */
static u8 adi_buf[4096] __aligned(4096);

static void adi_cases(const struct adi *a)
{
	u64 faults0 = adi_counter(a, ADISIM_CNT_FAULTS), expected = 0;

	report_prefix_push("adi");
	adi_ring_start(a, &adi_ring);
	for (int i = 0; i < nr_places; i++) {
		const struct place *p = &places[i];
		struct adisim_desc rd = { .opcode = ADISIM_OP_COPY, .len = p->len, .src = p->addr,
					  .dst = (uintptr_t)adi_buf };
		struct adisim_desc wr = { .opcode = ADISIM_OP_COPY, .len = p->len,
					  .src = (uintptr_t)adi_buf, .dst = p->addr };
		struct adisim_desc fill = { .opcode = ADISIM_OP_FILL, .len = p->len, .dst = p->addr,
					    .pattern = 0x5a5a5a5a5a5a5a5aull };
		u32 s;

		s = adi_submit(a, &adi_ring, &rd, 20 * ADI_GCYCLES);
		report(s == ADISIM_COMP_READ_FAULT, "copy from %s: READ_FAULT (%u)", p->what, s);
		adi_refused += s == ADISIM_COMP_READ_FAULT;
		s = adi_submit(a, &adi_ring, &wr, 20 * ADI_GCYCLES);
		report(s == ADISIM_COMP_WRITE_FAULT, "copy to %s: WRITE_FAULT (%u)", p->what, s);
		adi_refused += s == ADISIM_COMP_WRITE_FAULT;
		s = adi_submit(a, &adi_ring, &fill, 20 * ADI_GCYCLES);
		report(s == ADISIM_COMP_WRITE_FAULT, "fill of %s: WRITE_FAULT (%u)", p->what, s);
		adi_refused += s == ADISIM_COMP_WRITE_FAULT;
		expected += 3;
	}
	report(adi_counter(a, ADISIM_CNT_FAULTS) >= faults0 + expected,
	       "the device counted the faults (%lu, at least %lu)",
	       adi_counter(a, ADISIM_CNT_FAULTS) - faults0, expected);

	/* A completion record outside RAM: nothing written, the engine goes on. */
	{
		u32 slot = adi_ring.tail;
		u64 f0 = adi_counter(a, ADISIM_CNT_FAULTS);
		struct adisim_desc d = { .opcode = ADISIM_OP_NOP, .flags = ADISIM_DESC_F_COMPLETION,
					 .completion = low_end - 8 };

		adi_ring.desc[slot] = d;
		barrier();
		adi_ring.tail = (slot + 1) % 4;
		adi_wreg(a, ADISIM_REG_RING_TAIL, adi_ring.tail);
		report(VD_WAIT(adi_reg(a, ADISIM_REG_RING_HEAD) == adi_ring.tail) &&
		       VD_WAIT(adi_counter(a, ADISIM_CNT_FAULTS) > f0),
		       "completion record straddling the end of low RAM: counted as a fault");
	}
	{
		struct adisim_desc d = { .opcode = ADISIM_OP_NOP };

		report(adi_submit(a, &adi_ring, &d, 20 * ADI_GCYCLES) == ADISIM_COMP_SUCCESS,
		       "the engine goes on");
	}

	/* The ring itself outside RAM: the engine halts with RING_FAULT. */
	{
		static const u64 bases[] = { 0, HOLE, FAR, ~0ULL - 63 };
		u64 base_top = top;

		for (u32 i = 0; i < ARRAY_SIZE(bases); i++) {
			u64 base = bases[i] ? bases[i] : base_top;
			u64 f0 = adi_counter(a, ADISIM_CNT_FAULTS);

			adisim_ring_start(a->regs, base, 4);
			adi_wreg(a, ADISIM_REG_RING_TAIL, 1);
			report(VD_WAIT(adi_reg(a, ADISIM_REG_ERROR) == ADISIM_ERR_RING_FAULT) &&
			       adi_counter(a, ADISIM_CNT_FAULTS) > f0,
			       "ring at 0x%lx: engine halted with RING_FAULT (error %u), counted",
			       base, adi_reg(a, ADISIM_REG_ERROR));
		}
	}
	{
		struct adisim_desc d = { .opcode = ADISIM_OP_FILL, .len = 64,
					 .dst = (uintptr_t)adi_buf, .pattern = 0x1122334455667788ull };

		adi_wreg(a, ADISIM_REG_ERROR, 0);
		adi_ring_start(a, &adi_ring);
		report(adi_submit(a, &adi_ring, &d, 20 * ADI_GCYCLES) == ADISIM_COMP_SUCCESS &&
		       *(u64 *)adi_buf == d.pattern, "after a reset a good fill lands in RAM");
	}
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	static struct vd_dev vdevs[] = {
		{ .name = "virtio-blk", .device_id = VD_DEV_BLK, .queue = 0, .features = FEAT },
		{ .name = "virtio-console", .device_id = VD_DEV_CONSOLE, .queue = 1, .features = FEAT },
		{ .name = "virtio-rng", .device_id = VD_DEV_RNG, .queue = 0, .features = FEAT },
		{ .name = "virtio-net", .device_id = VD_DEV_NET, .queue = 1, .features = FEAT },
	};
	static const char *const keys[] = { "expect.blk", "expect.console", "expect.rng",
					    "expect.net" };
	struct adi adis[ASSIGN_MAX_ADIS];
	int nadi;

	find_ram();
	report(low_end && top > low_end && (!high_start || high_start >= HOLE),
	       "RAM: low end 0x%lx, high start 0x%lx, top 0x%lx", low_end, high_start, top);
	if (low_end != HOLE || !high_start)
		report_info("not 3 GiB below the hole with RAM above 4 GiB: fewer edges tested");
	canary_add(0, CANARY0_BYTES);
	canary_add(low_end - CANARY_BYTES, CANARY_BYTES);
	if (high_start)
		canary_add(high_start, CANARY_BYTES);
	canary_add(top - CANARY_BYTES, CANARY_BYTES);
	make_places();

	for (u32 i = 0; i < ARRAY_SIZE(vdevs); i++) {
		struct vd_dev *v = &vdevs[i];
		bool want = arg_get(keys[i]) != NULL;

		v->r = &rings[i];
		if (!vd_find(v, v->device_id)) {
			if (want)
				report(false, "%s present", v->name);
			continue;
		}
		virtio_cases(v);
	}
	nadi = adi_find(adis, ASSIGN_MAX_ADIS);
	if (arg_get("expect.adi") && nadi < 1)
		report(false, "an assigned ADI present");
	if (arg_get("expect.pvic"))
		pvic_cases();
	canary_check("after virtio and the PV-IC", false);
	if (nadi > 0) {
		adi_cases(&adis[0]);
		/* strict.adi: imsvm serves the DMA and must refuse straddling accesses whole. */
		canary_check("after the ADI", !arg_get("strict.adi"));
	}
	printf("sec: refused virtio %lu pvic %lu adi %lu\n", virtio_refused, pvic_refused,
	       adi_refused);
	return report_summary();
}
