/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Security property: a device cannot deliver an interrupt it was not
 * granted. Two ADIs of one simulator process (one remapping table) behind
 * the PV-IC; every interrupt the guest gets is counted, per vector, and
 * must be one the test expected:
 *
 *  - imsvm hands the device an eventfd only for what the guest was granted:
 *    the simulator's BOUND_HANDLES/HANDLE_BINDS registers follow every
 *    ALLOC exactly (a refused entry, an undone all-or-nothing batch, an
 *    ALLOC for a function that is not an ADI bind nothing);
 *  - ADI A's IMS entry programmed with B's message, with forged messages
 *    (a handle never given, handle 0, handle bit 15, the compatibility
 *    format naming the guest's vector directly, a bad address base, a
 *    non-zero high address, a subhandle reaching another handle), with a
 *    handle that was freed, and with one freed and given to B since: each
 *    raise is blocked and counted by the device, nothing reaches a vCPU;
 *  - after FREE and RESET_ADI the old eventfds no longer inject: the
 *    simulator runs with --keep-stale-eventfds (a hostile server keeping a
 *    copy of every eventfd it was told to drop, writing them on every BAR0
 *    access); its STALE_SIGNALS register proves the writes happened.
 *
 * With "exhaust=1", after A's vector is freed, B takes every free GSI route
 * (A's old ones included) while the server writes A's old eventfds.
 *
 * With "unassign=1" the kernel allocates on both ADIs, prints
 * "sec-irq: ready", and waits for the PV-IC's ADI_REMOVED event
 * (tests/security/irq-grant.sh unassigns A through the control socket);
 * then A's old eventfds, written by the server, must not inject and B must
 * still work.
 */
#include "pvic_adi.h"

#define VA	0x40	/* A's vector */
#define VB	0x41	/* B's vector */
#define VB2	0x42	/* B's second vector */

static struct pvic p;
static struct pa_adi adis[PA_MAX_ADIS];
static struct pa_adi *a, *b;
static u32 dest[1];
static int expected;	/* interrupts the guest should have had, all vectors */

static int all_irqs(void)
{
	int n = 0;

	for (int v = PA_VEC_FIRST; v <= PA_VEC_LAST; v++)
		n += pa_total(v);
	return n;
}

static u32 bound(const struct pa_adi *x)
{
	return pa_reg(x, ADISIM_REG_BOUND_HANDLES);
}

static u32 binds(const struct pa_adi *x)
{
	return pa_reg(x, ADISIM_REG_HANDLE_BINDS);
}

/* Let anything in flight land (interrupts on, ~100+ ms); true if the count is @want. */
static bool settle(int want)
{
	volatile int dummy = 0;

	(void)wait_for_count(&dummy, 1, PA_WAIT / 8);
	return all_irqs() == want;
}

static bool raise_delivered(struct pa_adi *x, u32 i, int vector)
{
	int before = pa_count(0, vector);

	if (pa_raise(x, i) != ADISIM_COMP_SUCCESS || !pa_wait(0, vector, before + 1))
		return false;
	expected++;
	return settle(expected);
}

/* IMS entry @i of @x holds whatever is there; a raise must be blocked and counted. */
static void expect_blocked(struct pa_adi *x, u32 i, const char *what)
{
	u64 b0 = pa_counter(x, ADISIM_CNT_BLOCKED);
	u32 s = pa_raise(x, i);
	u64 end = rdtsc() + PA_WAIT;

	while (pa_counter(x, ADISIM_CNT_BLOCKED) == b0 && rdtsc() < end)
		cpu_relax();
	report(s == ADISIM_COMP_SUCCESS && pa_counter(x, ADISIM_CNT_BLOCKED) == b0 + 1 &&
	       settle(expected), "%s: blocked and counted, no interrupt (%d seen, %d expected)",
	       what, all_irqs(), expected);
}

static void forged(struct pa_adi *x, u32 lo, u32 hi, u32 data, const char *what)
{
	pa_ims_raw(x, 1, lo, hi, data);
	expect_blocked(x, 1, what);
}

/* The server writes every eventfd it kept: prove it did, and that nothing arrived. */
static void stale_writes(const char *what)
{
	u32 s0 = pa_reg(b, ADISIM_REG_STALE_SIGNALS);

	for (int i = 0; i < 8; i++)
		(void)pa_reg(b, ADISIM_REG_ID);	/* each access makes it write them */
	report(pa_reg(b, ADISIM_REG_STALE_SIGNALS) > s0 && settle(expected),
	       "%s: the server wrote the old eventfds (%u times), no interrupt (%d seen, "
	       "%d expected)", what, pa_reg(b, ADISIM_REG_STALE_SIGNALS) - s0, all_irqs(),
	       expected);
}

static void grants(struct pvic_msg *ma, struct pvic_msg *mb)
{
	u32 ba0 = binds(a), bb0 = binds(b), d5[4] = { dest[0], dest[0], dest[0], dest[0] };
	struct pvic_msg extra[4];
	int st[4], bs, n;

	report_prefix_push("grants");
	report(bound(a) == 0 && bound(b) == 0, "nothing bound after RESET_ADI (%u, %u)", bound(a),
	       bound(b));
	n = (int)pvic_alloc(&p, a->id, 1, 0, dest, 1, VA, 1, 0, ma, NULL, &bs);
	n += (int)pvic_alloc(&p, b->id, 1, 0, dest, 1, VB, 1, 0, mb, NULL, &bs);
	report(n == 2 && bound(a) == 1 && binds(a) == ba0 + 1 && bound(b) == 1 &&
	       binds(b) == bb0 + 1, "one eventfd bound per granted vector, on its own ADI");

	/* Four entries, the third with vector 5 (refused): three eventfds, no more. */
	for (int i = 0; i < 4; i++)
		p.page->e[i] = (struct pvic_entry){ .ims_index = 10 + (u32)i, .dest_id = d5[i],
						    .vector = i == 2 ? 5 : VB2 };
	(void)pvic_submit(&p, PVIC_OP_ALLOC, a->id, 4, 0);
	n = 0;
	for (int i = 0; i < 4; i++) {
		st[i] = p.page->e[i].status;
		if (!st[i])
			extra[n++].handle = p.page->e[i].handle;
	}
	report(n == 3 && st[2] == PVIC_EINVAL && bound(a) == 4 && binds(a) == ba0 + 4,
	       "a refused entry binds nothing (%d granted, bound %u)", n, bound(a));

	/* All or nothing with a bad entry: undone, nothing left bound. */
	for (int i = 0; i < 3; i++)
		p.page->e[i] = (struct pvic_entry){ .ims_index = 20 + (u32)i, .dest_id = dest[0],
						    .vector = i == 1 ? 7 : VB2 };
	bs = pvic_submit(&p, PVIC_OP_ALLOC, a->id, 3, PVIC_HDR_F_ALL_OR_NOTHING);
	report(bs == PVIC_EINVAL && p.page->hdr.done == 0 && bound(a) == 4,
	       "an undone all-or-nothing batch leaves nothing bound (status %d, bound %u)", bs,
	       bound(a));

	/* Not an ADI: the PV-IC itself, and an empty slot. */
	report(pvic_alloc(&p, pvic_adi(p.slot), 1, 0, dest, 1, VB2, 1, 0, extra + 3, NULL, &bs) == 0 &&
	       bs == PVIC_ENODEV && pvic_alloc(&p, pvic_adi(31), 1, 0, dest, 1, VB2, 1, 0,
					       extra + 3, NULL, &bs) == 0 && bs == PVIC_ENODEV &&
	       bound(a) == 4 && bound(b) == 1, "ALLOC for a function that is no ADI: ENODEV, "
	       "nothing bound");
	{
		u32 h[3] = { extra[0].handle, extra[1].handle, extra[2].handle };
		int ret = pvic_free(&p, a->id, h, 3);
		u32 left = bound(a);

		report(ret == 0 && left == 1, "FREE unbinds on the device (bound %u)", left);
	}
	report_prefix_pop();
}

/*
 * Fill every free GSI route with B's vectors, so that the routes A's freed
 * vectors had now serve B: an irqfd left on one of A's old eventfds would
 * now inject into B's vector when the server writes it. Then free them.
 */
static void exhaust_routes(void)
{
	static struct pvic_msg big[4096];
	static u32 handles[4096];
	u32 want = pvic_reg(&p, PVIC_REG_GSI_FREE), n, i;
	struct pvic_msg one;
	int bs;

	report_prefix_push("all routes");
	if (want == 0 || want > ARRAY_SIZE(big)) {
		report(false, "GSI_FREE %u: between 1 and %lu", want, ARRAY_SIZE(big));
		report_prefix_pop();
		return;
	}
	n = pvic_alloc(&p, b->id, want, PVIC_IMS_ANY, dest, 1, VB2, 1, 0, big, NULL, &bs);
	report(n == want && pvic_alloc(&p, b->id, 1, PVIC_IMS_ANY, dest, 1, VB2, 1, 0, &one, NULL,
				       &bs) == 0 && bs == PVIC_ENOSPC,
	       "B holds every free route (%u of %u), the next ALLOC gets ENOSPC", n, want);
	stale_writes("A's old eventfds with every route in use by B");
	for (i = 0; i < n; i++)
		handles[i] = big[i].handle;
	report(pvic_free(&p, b->id, handles, n) == 0, "FREE of them all");
	report_prefix_pop();
}

static void run(void)
{
	struct pvic_msg ma, mb, m2;
	u32 reused = 0;

	grants(&ma, &mb);
	pa_ims_write(a, 0, &ma);
	pa_ims_write(b, 0, &mb);
	report(raise_delivered(a, 0, VA), "A's granted vector is delivered");
	report(raise_delivered(b, 0, VB), "B's granted vector is delivered");
	stale_writes("after the FREE of three handles");

	report_prefix_push("not granted");
	forged(a, mb.addr_lo, mb.addr_hi, mb.data, "B's message written by A");
	forged(a, ADISIM_MSI_REMAP_ADDR(30000), 0, 0, "a handle never given (30000)");
	forged(a, ADISIM_MSI_REMAP_ADDR(0), 0, 0, "handle 0");
	forged(a, ADISIM_MSI_REMAP_ADDR(0x8000u | ma.handle), 0, 0, "A's handle with bit 15");
	forged(a, ADISIM_MSI_ADDR_BASE | dest[0] << 12, 0, VA,
	       "the compatibility format naming A's vector directly");
	forged(a, (ma.addr_lo & ~ADISIM_MSI_ADDR_BASE_MASK) | 0xFED00000u, 0, ma.data,
	       "A's handle under another address base");
	forged(a, ma.addr_lo, 1, ma.data, "A's handle with a high address");
	if (mb.handle > ma.handle)
		forged(a, ma.addr_lo | ADISIM_MSI_ADDR_SHV, 0, mb.handle - ma.handle,
		       "A's handle + a subhandle reaching B's");
	else
		forged(a, ma.addr_lo | ADISIM_MSI_ADDR_SHV, 0, 30000 - ma.handle,
		       "A's handle + a subhandle reaching one never given");
	pa_ims_write(a, 1, &ma);
	report(raise_delivered(a, 1, VA), "A's own message in the same entry is delivered");
	pa_ims_raw(a, 1, 0, 0, 0);
	report_prefix_pop();

	report_prefix_push("freed");
	report(pvic_free(&p, a->id, &ma.handle, 1) == 0 && bound(a) == 0, "FREE of A's handle");
	expect_blocked(a, 0, "A's IMS entry still holding the freed handle");
	stale_writes("A's freed eventfd");
	/*
	 * A new vector for B, which may get the freed handle and the freed GSI
	 * (a KVM route an irqfd left on A's old eventfd would then feed).
	 */
	for (int i = 0; i < 4 && !reused; i++) {
		int bs;

		if (pvic_alloc(&p, b->id, 1, 2 + (u32)i, dest, 1, VB2, 1, 0, &m2, NULL, &bs) != 1) {
			report(false, "ALLOC of a new vector for B (%d)", bs);
			break;
		}
		if (m2.handle == ma.handle)
			reused = m2.handle;
	}
	pa_ims_write(b, 2, &m2);
	if (arg_get("exhaust"))
		exhaust_routes();
	if (reused)
		expect_blocked(a, 0, "A's stale entry after its handle went to B");
	else
		report_info("the remapping table did not give handle %u again", ma.handle);
	stale_writes("A's old eventfd after B got new vectors");
	report(raise_delivered(b, 2, VB2), "B's new vector works");
	report_prefix_pop();

	report_prefix_push("revoked");
	report(pvic_reset_adi(&p, b->id) == 0 && bound(b) == 0, "RESET_ADI of B unbinds all");
	expect_blocked(b, 0, "B's entry after RESET_ADI");
	expect_blocked(b, 2, "B's new vector's entry after RESET_ADI");
	stale_writes("B's revoked eventfds");
	report(pvic_reset_adi(&p, a->id) == 0, "RESET_ADI of A");
	report_prefix_pop();
	report(settle(expected), "exactly the granted interrupts arrived (%d of %d)", all_irqs(),
	       expected);
}

/* tests/security/irq-grant.sh unassigns A while this waits. */
static void run_unassign(void)
{
	struct pvic_msg ma, mb;
	int bs;
	u64 end;

	report(pvic_alloc(&p, a->id, 1, 0, dest, 1, VA, 1, 0, &ma, NULL, &bs) == 1 &&
	       pvic_alloc(&p, b->id, 1, 0, dest, 1, VB, 1, 0, &mb, NULL, &bs) == 1,
	       "one vector each");
	pa_ims_write(a, 0, &ma);
	pa_ims_write(b, 0, &mb);
	report(raise_delivered(a, 0, VA) && raise_delivered(b, 0, VB), "both delivered");
	printf("sec-irq: ready\n");
	end = rdtsc() + 60 * PA_WAIT;
	while (!(pvic_reg(&p, PVIC_REG_EVENT_CAUSE) & PVIC_EVENT_ADI_REMOVED) && rdtsc() < end)
		cpu_relax();
	report(pvic_reg(&p, PVIC_REG_EVENT_CAUSE) & PVIC_EVENT_ADI_REMOVED,
	       "the PV-IC says an ADI was removed");
	pvic_wreg(&p, PVIC_REG_EVENT_CAUSE, PVIC_EVENT_ADI_REMOVED);
	report(pvic_query(&p, a->id, NULL) == PVIC_ENODEV ||
	       ((struct pvic_adi_info *)&p.page->e[0])->state & PVIC_ADI_FAILED,
	       "A is gone for the PV-IC");
	stale_writes("A's eventfds after unassign");
	report(raise_delivered(b, 0, VB), "B still delivers");
	report(pvic_reset_adi(&p, b->id) == 0, "RESET_ADI of B");
	report(settle(expected), "exactly the granted interrupts arrived (%d of %d)", all_irqs(),
	       expected);
}

int main(int argc, char **argv)
{
	int n;

	if (!pvic_find(&p)) {
		report_skip("no PV-IC on bus 0");
		return report_summary();
	}
	n = pa_find(adis, PA_MAX_ADIS);
	if (n < 2) {
		report(false, "needs two ADI simulator functions (%d found)", n);
		return report_summary();
	}
	a = &adis[0];
	b = &adis[1];
	dest[0] = apic_id();
	pa_start_two(&p, a, b);
	if (arg_get("unassign"))
		run_unassign();
	else
		run();
	return report_summary();
}
