/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A host resource runs out under the PV-IC (tests/faults/pvic-limits.sh):
 * the guest asks for every IMS vector of every ADI (2048 each) when the host
 * cannot give them all: KVM's GSI route table (two ADIs: 4096 vectors
 * against 4096 routes including the PC wiring) or imsvm's file descriptors
 * (a low RLIMIT_NOFILE). Nothing is lost: the entries past the limit are
 * refused with the expected status and no other, the vectors granted before
 * and during the fault deliver, freeing some lets the refused ones in, and
 * after freeing everything the host's tables are back where they were.
 *
 * Command line: expect=N, the errno the refused entries must carry (28
 * ENOSPC: route table; 11 EAGAIN: no fd). Three stops wait for 'g' on COM1
 * so the script can look at imsvm: "pvic-exhaust: ready" (4 vectors live),
 * "pvic-exhaust: full" (the fault), "pvic-exhaust: freed" (4 live again).
 */
#include "pvic_adi.h"

#define BEFORE	4u	/* vectors live before the fault: IMS 0..3 of the first ADI */
#define REFILL	64u	/* handles freed after the fault, then the refused ones asked again */
#define NVEC	0x80u	/* vectors 0x40.. cycled over (below PA_VEC_LAST with any BEFORE) */
#define PER_ADI	2048u

static struct pvic p;
static struct pa_adi adis[PA_MAX_ADIS];
static int nadis;
static u32 dest[1];
static struct pvic_msg msgs[2][PER_ADI];
static int st[2][PER_ADI];
static bool live[2][PER_ADI];
static u32 handles[PER_ADI];

/* The vector asked for IMS entry @i of an ADI whose allocation started at @first. */
static int vec_at(u32 first, u32 i)
{
	return PA_VEC_FIRST + (int)(first + (i - first) % NVEC);
}

static u32 first_of(int k)
{
	return k == 0 ? BEFORE : 0;
}

static u32 entries(const struct pa_adi *a)
{
	return MIN(a->ims_entries, PER_ADI);
}

/* Raise IMS entry @i of ADI @k: exactly one interrupt on this CPU, on its vector. */
static bool raise_expect(int k, u32 i)
{
	struct pa_adi *a = &adis[k];
	int vector = vec_at(i < BEFORE && k == 0 ? 0 : first_of(k), i);
	int total = pa_total(vector), before = pa_count(0, vector);
	u32 s = pa_raise(a, i);

	if (s != ADISIM_COMP_SUCCESS) {
		report_info("ADI %d IMS %u: descriptor status %u", k, i, s);
		return false;
	}
	if (!pa_wait(0, vector, before + 1)) {
		report_info("ADI %d IMS %u: no interrupt on vector 0x%x (raised %lu delivered %lu "
			    "blocked %lu)", k, i, vector, pa_counter(a, ADISIM_CNT_RAISED),
			    pa_counter(a, ADISIM_CNT_DELIVERED), pa_counter(a, ADISIM_CNT_BLOCKED));
		return false;
	}
	return pa_total(vector) == total + 1;
}

static bool before_deliver(void)
{
	bool ok = true;

	for (u32 i = 0; i < BEFORE; i++)
		ok &= raise_expect(0, i);
	return ok;
}

/* Every vector granted in the fault: the first, the last and every 97th of each ADI. */
static void sample(u32 *tried, u32 *ok)
{
	for (int k = 0; k < nadis; k++) {
		u32 last = 0, seen = 0;

		for (u32 i = first_of(k); i < entries(&adis[k]); i++) {
			if (!live[k][i])
				continue;
			last = i;
			if (seen++ % 97)
				continue;
			(*tried)++;
			*ok += raise_expect(k, i);
		}
		if (seen > 1) {
			(*tried)++;
			*ok += raise_expect(k, last);
		}
	}
}

int main(int argc, char **argv)
{
	struct pvic_adi_info q1, q;
	unsigned long expect = 0;
	u32 granted = 0, refused = 0, other = 0, tried = 0, ok = 0, freed = 0, refilled = 0;
	int want, bs, first_bs = 0;
	char line[128];

	if (!pvic_find(&p)) {
		report_skip("no PV-IC on bus 0");
		return report_summary();
	}
	nadis = MIN(pa_find(adis, PA_MAX_ADIS), 2);
	if (nadis < 1 || !arg_get_ulong("expect", &expect)) {
		report_skip("needs an ADI and expect=ERRNO (%d ADIs)", nadis);
		return report_summary();
	}
	want = -(int)expect;
	pa_irq_setup();
	apic_enable();
	dest[0] = apic_id();
	report(pvic_negotiate(&p, PVIC_FEAT_ALL) == 0, "NEGOTIATE");
	for (int k = 0; k < nadis; k++)
		report(pvic_reset_adi(&p, adis[k].id) == 0, "RESET_ADI 00:%02x.0, %u IMS entries",
		       adis[k].slot, adis[k].ims_entries);

	/* Before the fault. */
	report(pvic_alloc(&p, adis[0].id, BEFORE, 0, dest, 1, PA_VEC_FIRST, NVEC, 0, msgs[0],
			  st[0], &bs) == BEFORE, "%u vectors before the fault", BEFORE);
	for (u32 i = 0; i < BEFORE; i++) {
		pa_ims_write(&adis[0], i, &msgs[0][i]);
		live[0][i] = true;
	}
	report(before_deliver(), "they deliver");
	bs = pvic_query(&p, adis[0].id, &q1);
	report(bs == 0, "%u routes free", q1.routes_free);
	pa_sync("pvic-exhaust: ready", 'g');

	/* The fault: every remaining IMS entry of every ADI. */
	for (int k = 0; k < nadis; k++) {
		u32 f = first_of(k), n = entries(&adis[k]) - f;

		granted += pvic_alloc(&p, adis[k].id, n, f, dest, 1, (u8)vec_at(f, f), NVEC, 0,
				      msgs[k] + f, st[k] + f, &bs);
		if (bs && !first_bs)
			first_bs = bs;
		for (u32 i = f; i < f + n; i++) {
			if (st[k][i] == 0) {
				live[k][i] = true;
				pa_ims_write(&adis[k], i, &msgs[k][i]);
			} else if (st[k][i] == want) {
				refused++;
			} else if (other++ == 0) {
				report_info("ADI %d IMS %u: status %d", k, i, st[k][i]);
			}
		}
	}
	report(refused > 0, "the host ran out: %u granted, %u refused with %d", granted, refused,
	       want);
	report(other == 0, "no entry failed otherwise (%u did)", other);
	report(first_bs == want, "batch status %d", first_bs);
	report(before_deliver(), "the vectors granted before still deliver");
	sample(&tried, &ok);
	report(tried > 0 && ok == tried, "%u of %u sampled vectors granted in the fault deliver", ok,
	       tried);
	(void)pvic_query(&p, adis[0].id, &q);
	if (want == PVIC_ENOSPC)
		report(q.routes_free == 0, "no route free (%u)", q.routes_free);
	snprintf(line, sizeof(line), "pvic-exhaust: full granted %u refused %u", granted, refused);
	pa_sync(line, 'g');

	/* Free some of the fault's vectors: the refused entries fit again. */
	for (int k = nadis - 1; k >= 0 && freed < REFILL; k--) {
		u32 n = 0;

		for (u32 i = entries(&adis[k]); i-- > first_of(k) && freed + n < REFILL;) {
			if (!live[k][i])
				continue;
			adis[k].ims[4 * i + 3] = ADISIM_IMS_CTRL_MASK;	/* mask, then free */
			handles[n++] = msgs[k][i].handle;
			live[k][i] = false;
		}
		report(pvic_free(&p, adis[k].id, handles, n) == 0, "FREE %u of ADI %d", n, k);
		freed += n;
	}
	for (int k = 0; k < nadis; k++) {
		for (u32 i = first_of(k); i < entries(&adis[k]) && refilled < MIN(freed, refused);
		     i++) {
			struct pvic_entry e = { .ims_index = i, .dest_id = dest[0],
						.vector = (u8)vec_at(first_of(k), i) };
			int es = -1;

			if (st[k][i] != want)
				continue;
			refilled++;
			if (pvic_one(&p, PVIC_OP_ALLOC, adis[k].id, &e, &es) || es) {
				report_info("ADI %d IMS %u: refused again (%d)", k, i, es);
				continue;
			}
			st[k][i] = 0;
			live[k][i] = true;
			msgs[k][i] = (struct pvic_msg){ .handle = p.page->e[0].handle,
							.addr_lo = p.page->e[0].addr_lo,
							.addr_hi = p.page->e[0].addr_hi,
							.data = p.page->e[0].data };
			pa_ims_write(&adis[k], i, &msgs[k][i]);
			if (!raise_expect(k, i))
				report_info("ADI %d IMS %u: granted again but no interrupt", k, i);
			else
				ok++;
		}
	}
	report(refilled > 0 && ok == tried + refilled,
	       "after freeing %u, %u refused entries granted and delivering", freed, ok - tried);

	/* Back to the 4 of the start. */
	for (int k = 0; k < nadis; k++) {
		u32 n = 0;

		for (u32 i = first_of(k); i < entries(&adis[k]); i++) {
			if (!live[k][i])
				continue;
			adis[k].ims[4 * i + 3] = ADISIM_IMS_CTRL_MASK;
			handles[n++] = msgs[k][i].handle;
			live[k][i] = false;
		}
		report(pvic_free(&p, adis[k].id, handles, n) == 0, "FREE the other %u of ADI %d", n,
		       k);
		bs = pvic_query(&p, adis[k].id, &q);
		report(bs == 0 && q.handles_owned == (k == 0 ? BEFORE : 0), "ADI %d owns %u", k,
		       q.handles_owned);
	}
	report(q.routes_free == q1.routes_free, "routes free as before the fault (%u, %u)",
	       q.routes_free, q1.routes_free);
	report(before_deliver(), "the first vectors still deliver");
	pa_sync("pvic-exhaust: freed", 'g');
	for (int k = 0; k < nadis; k++)
		report(pvic_reset_adi(&p, adis[k].id) == 0, "RESET_ADI %d", k);
	return report_summary();
}
