/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SMP: every vCPU the platform lists starts through INIT/SIPI (expect.cpus=N
 * on the command line says how many there should be), each runs work given
 * to it, SMP-safe counters add up, and IPIs reach every CPU.
 *
 * If an AP cannot start, the test says how far it got (never ran the
 * real-mode trampoline, real mode, protected mode, long mode). Real mode does
 * run under nested PVM KVM (measured: APs start there with 2 and 4 vCPUs),
 * and PVM cannot be told from plain KVM by CPUID (only "KVMKVMKVM"), so a
 * start-up failure is a failure everywhere.
 */
#include "libcflat.h"
#include "atomic.h"
#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/processor.h"
#include "x86/smp.h"

#define ADDS_PER_CPU	1000
#define IPI_VECTOR	0x60
#define WAIT_CYCLES	HANG_BOUND_CYCLES

static atomic_t counter = ATOMIC_INIT(0);
static atomic_t ipi_count = ATOMIC_INIT(0);
static volatile u32 seen_apic_id[MAX_CPUS];
static volatile int seen_cpu[MAX_CPUS];

static void who_am_i(void *data)
{
	int cpu = smp_id();

	seen_apic_id[cpu] = apic_id();
	seen_cpu[cpu] = cpu;
}

static void add_many(void *data)
{
	for (int i = 0; i < ADDS_PER_CPU; i++)
		atomic_inc(&counter);
}

static volatile int ap_vector[MAX_CPUS];

/* Exceptions are per CPU: each AP's fixup and record are its own. */
static void ud_on_ap(void *data)
{
	exception_clear();
	asm volatile(ASM_TRY("1f") "ud2\n\t" "1:" ASM_TRY_END
		     : : ASM_TRY_INPUT : ASM_TRY_CLOBBER);
	ap_vector[smp_id()] = exception_vector();
}

static void to_x2apic(void *data)
{
	apic_enable_x2apic();
}

static void ipi_irq(struct trap_frame *f)
{
	atomic_inc(&ipi_count);
	apic_eoi();
}

int main(int argc, char **argv)
{
	struct smp_result res;
	unsigned long expect;
	int n;

	handle_irq(IPI_VECTOR, ipi_irq);
	if (smp_init(&res)) {
		report(false, "all %d listed CPUs start (%d did): %s", res.expected,
		       res.online, res.reason);
		return report_summary();
	}
	n = cpu_count();
	report(n == res.expected, "%d of %d listed CPUs online", n, res.expected);
	if (arg_get_ulong("expect.cpus", &expect))
		report((unsigned long)n == expect, "expect.cpus=%lu", expect);
	if (n < 2) {
		report_skip("only one CPU: nothing more to test (run with 2+ vCPUs)");
		return report_summary();
	}

	/* Each CPU runs work and says who it is. */
	bool ids_ok = true;

	for (int cpu = 0; cpu < n; cpu++) {
		seen_cpu[cpu] = -1;
		on_cpu(cpu, who_am_i, NULL);
		if (seen_cpu[cpu] != cpu || seen_apic_id[cpu] != cpu_apic_id(cpu))
			ids_ok = false;
		for (int j = 0; j < cpu; j++)
			if (seen_apic_id[j] == seen_apic_id[cpu])
				ids_ok = false;
	}
	report(ids_ok, "each CPU runs its own work, APIC ids distinct and as listed");

	/* All CPUs hammer one counter at once. */
	atomic_set(&counter, 0);
	for (int cpu = 1; cpu < n; cpu++)
		on_cpu_async(cpu, add_many, NULL);
	add_many(NULL);
	bool all_done = true;

	for (int cpu = 1; cpu < n; cpu++)
		all_done &= on_cpu_wait(cpu);
	report(all_done && atomic_read(&counter) == n * ADDS_PER_CPU,
	       "atomic counter: %d == %d CPUs x %d", atomic_read(&counter), n,
	       ADDS_PER_CPU);

	/* A fixed IPI to each AP, then a broadcast to all but self. */
	atomic_set(&ipi_count, 0);
	for (int cpu = 1; cpu < n; cpu++)
		apic_icr_write(APIC_DM_FIXED | IPI_VECTOR, cpu_apic_id(cpu));
	report(wait_for_count(&ipi_count.counter, n - 1, WAIT_CYCLES),
	       "fixed IPI to each AP (%d of %d)", atomic_read(&ipi_count), n - 1);
	atomic_set(&ipi_count, 0);
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_ALLBUT | IPI_VECTOR, 0);
	report(wait_for_count(&ipi_count.counter, n - 1, WAIT_CYCLES),
	       "broadcast IPI to all but self (%d of %d)", atomic_read(&ipi_count), n - 1);

	bool ud_ok = true;

	for (int cpu = 1; cpu < n; cpu++) {
		ap_vector[cpu] = -2;
		on_cpu(cpu, ud_on_ap, NULL);
		ud_ok &= ap_vector[cpu] == UD_VECTOR;
	}
	report(ud_ok && exception_vector() == -1 && !this_cpu()->fixup_rip,
	       "#UD handled on each AP, BSP's state untouched");

	if (!apic_has_x2apic()) {
		report_skip("x2APIC IPIs: the CPU does not offer x2APIC");
		return report_summary();
	}
	for (int cpu = 0; cpu < n; cpu++)
		on_cpu(cpu, to_x2apic, NULL);
	atomic_set(&ipi_count, 0);
	for (int cpu = 1; cpu < n; cpu++)
		apic_icr_write(APIC_DM_FIXED | IPI_VECTOR, cpu_apic_id(cpu));
	report(apic_is_x2apic() &&
	       wait_for_count(&ipi_count.counter, n - 1, WAIT_CYCLES),
	       "x2APIC: fixed IPI to each AP (%d of %d)", atomic_read(&ipi_count), n - 1);
	return report_summary();
}
