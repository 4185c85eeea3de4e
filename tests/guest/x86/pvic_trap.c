/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The trap-and-emulate baseline (imsvm --ims-mode=trap): no PV-IC; the
 * guest writes ordinary MSI messages (destination APIC id, vector) into the
 * ADI simulator's IMS entries as it would into an MSI-X table, and imsvm,
 * trapping every access, makes them work. Run by tests/pvic/run.sh.
 */
#include "pvic_adi.h"

static struct pa_adi adis[PA_MAX_ADIS];
static struct pvic p;

static void msg(struct pvic_msg *m, u32 apic, u8 vector)
{
	*m = (struct pvic_msg){ .addr_lo = 0xFEE00000u | apic << 12, .data = vector };
}

static bool raise_expect(struct pa_adi *a, u32 i, int cpu, int vector)
{
	int before = pa_count(cpu, vector), total = pa_total(vector);

	if (pa_raise(a, i) != ADISIM_COMP_SUCCESS)
		return false;
	return pa_wait(cpu, vector, before + 1) && pa_total(vector) == total + 1;
}

int main(int argc, char **argv)
{
	struct smp_result res;
	struct pvic_msg m;
	struct pa_adi *a;
	int ncpus, ok = 0;

	if (pvic_find(&p))
		report_info("a PV-IC is present: this test wants --ims-mode=trap");
	if (pa_find(adis, PA_MAX_ADIS) < 1) {
		report_skip("no ADI simulator function assigned");
		return report_summary();
	}
	a = &adis[0];
	pa_irq_setup();
	if (smp_init(&res))
		report_info("SMP: %s", res.reason);
	ncpus = cpu_count();
	irq_enable();

	for (u32 i = 0; i < 16; i++) {
		msg(&m, cpu_apic_id((int)(i % ncpus)), (u8)(0x50 + i));
		pa_ims_write(a, i, &m);
	}
	report(a->ims[4 * 3 + 2] == 0x53 && a->ims[4 * 3] == (0xFEE00000u |
	       cpu_apic_id(3 % ncpus) << 12), "IMS reads back what the guest wrote");
	for (u32 i = 0; i < 16; i++)
		ok += raise_expect(a, i, (int)(i % ncpus), 0x50 + (int)i);
	report(ok == 16, "16 entries interrupt on their CPU and vector (%d)", ok);

	msg(&m, cpu_apic_id(ncpus - 1), 0x70);
	pa_ims_write(a, 0, &m);
	report(raise_expect(a, 0, ncpus - 1, 0x70), "rewritten entry: the next one follows it");
	a->ims[3] = ADISIM_IMS_CTRL_MASK;
	report(pa_raise(a, 0) == ADISIM_COMP_SUCCESS && pa_quiet(0x70, 1), "masked: held");
	report(a->ims[3] & ADISIM_IMS_CTRL_PENDING, "pending bit set by the device");
	a->ims[3] = 0;
	report(pa_wait(ncpus - 1, 0x70, 2), "unmasked: delivered");
	m = (struct pvic_msg){ 0 };
	pa_ims_write(a, 1, &m);
	report(pa_raise(a, 1) == ADISIM_COMP_SUCCESS && pa_quiet(0x51, 1),
	       "cleared entry: nothing delivered");
	return report_summary();
}
