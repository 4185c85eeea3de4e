/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest half of tests/bench/bench-pvic.sh: one measured operation per
 * boot, chosen on the command line, so the host can read KVM's exit counts
 * for it (the difference with an op=none boot is the operation's cost).
 *
 *   op=none                 negotiate and reset only (the baseline)
 *   op=install n=N          allocate N IMS vectors and write them into IMS
 *   op=install n=N trap=1   with imsvm --ims-mode=trap (no PV-IC): write N
 *                           ordinary MSI messages into IMS, as into MSI-X
 *   op=retarget k=K         allocate one vector, retarget it K times
 *   op=storm hz=H secs=S    the device raises IMS 0 at H Hz for about S
 *                           seconds (TSC-timed); interrupts counted
 *
 * Prints "BENCH: key=value ..." lines. Not a test: it reports no checks
 * beyond the setup.
 */
#include "pvic_adi.h"

static struct pvic p;
static struct pa_adi adis[PA_MAX_ADIS];
static struct pvic_msg msgs[2048];

int main(int argc, char **argv)
{
	const char *op = arg_get("op");
	unsigned long n = 0, k = 0, hz = 0, secs = 1, trap = 0;
	struct pa_adi *a;
	u32 dest[1], got = 0;
	int bs = 0;

	if (!op)
		op = "none";
	(void)arg_get_ulong("n", &n);
	(void)arg_get_ulong("k", &k);
	(void)arg_get_ulong("hz", &hz);
	(void)arg_get_ulong("secs", &secs);
	(void)arg_get_ulong("trap", &trap);
	if (pa_find(adis, PA_MAX_ADIS) < 1 || (!trap && !pvic_find(&p))) {
		report_skip("needs one ADI, and the PV-IC unless trap=1");
		return report_summary();
	}
	a = &adis[0];
	pa_irq_setup();
	apic_enable();
	dest[0] = apic_id();
	if (trap) {
		bool back = true;

		n = MIN(n, (unsigned long)a->ims_entries);
		for (u32 i = 0; i < n; i++) {
			struct pvic_msg m = { .addr_lo = 0xFEE00000u | dest[0] << 12,
					      .data = PA_VEC_FIRST + i % 0xa0 };

			if (!strcmp(op, "install"))
				pa_ims_write(a, i, &m);
		}
		if (n)
			back = a->ims[4 * (n - 1) + 2] == PA_VEC_FIRST + (n - 1) % 0xa0;
		report(a->ims_entries > 0 && back, "trap: %lu messages written", n);
		printf("BENCH: op=%s n=%lu trap=1\n", op, n);
		return report_summary();
	}
	report(pvic_negotiate(&p, PVIC_FEAT_ALL) == 0 && pvic_reset_adi(&p, a->id) == 0, "setup");
	n = MIN(n, MIN((unsigned long)ARRAY_SIZE(msgs), (unsigned long)a->ims_entries));
	p.doorbells = 0;

	if (!strcmp(op, "install")) {
		got = pvic_alloc(&p, a->id, (u32)n, 0, dest, 1, PA_VEC_FIRST,
				 PA_VEC_LAST - PA_VEC_FIRST + 1, 0, msgs, NULL, &bs);
		for (u32 i = 0; i < got; i++)
			pa_ims_write(a, i, &msgs[i]);
		printf("BENCH: op=install n=%lu granted=%u doorbells=%lu\n", n, got,
		       (unsigned long)p.doorbells);
	} else if (!strcmp(op, "retarget")) {
		got = pvic_alloc(&p, a->id, 1, 0, dest, 1, PA_VEC_FIRST, 1, 0, msgs, NULL, &bs);
		pa_ims_write(a, 0, &msgs[0]);
		p.doorbells = 0;
		for (u32 i = 0; i < k; i++)
			(void)pvic_retarget(&p, a->id, msgs[0].handle, dest[0],
					    (u8)(PA_VEC_FIRST + 1 + (i & 1)));
		printf("BENCH: op=retarget k=%lu doorbells=%lu\n", k, (unsigned long)p.doorbells);
	} else if (!strcmp(op, "storm")) {
		u64 start, cycles = secs * 2000000000ull;
		volatile int never = 0;

		got = pvic_alloc(&p, a->id, 1, 0, dest, 1, PA_VEC_FIRST, 1, 0, msgs, NULL, &bs);
		pa_ims_write(a, 0, &msgs[0]);
		pa_wreg(a, ADISIM_REG_STORM_IMS, 0);
		start = rdtsc();
		pa_wreg(a, ADISIM_REG_STORM_HZ, (u32)hz);
		(void)wait_for_count(&never, 1, cycles);
		pa_wreg(a, ADISIM_REG_STORM_HZ, 0);
		cycles = rdtsc() - start;
		printf("BENCH: op=storm hz=%lu irqs=%d cycles=%lu raised=%lu\n", hz,
		       pa_total(PA_VEC_FIRST), (unsigned long)cycles,
		       (unsigned long)pa_counter(a, ADISIM_CNT_RAISED));
	} else {
		printf("BENCH: op=none\n");
	}
	(void)pvic_reset_adi(&p, a->id);
	return report_summary();
}
