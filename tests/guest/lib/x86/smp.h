/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SMP bring-up with INIT/SIPI and running functions on other CPUs.
 *
 * smp_init() starts every CPU the platform lists (MP table, else device
 * tree), one at a time, through a real-mode trampoline below 1 MiB. APs then
 * idle in "sti; hlt" and wake on an IPI to run work given to on_cpu().
 */
#ifndef TESTS_GUEST_LIB_X86_SMP_H
#define TESTS_GUEST_LIB_X86_SMP_H

#include "libcflat.h"
#include "x86/desc.h"

#define MAX_CPUS	64	/* entry.S has its own copy */

extern struct percpu percpu_data[MAX_CPUS];

struct smp_result {
	int expected;		/* CPUs the platform lists, BSP included */
	int online;		/* CPUs running, BSP included */
	u32 failed_apic_id;	/* first AP that did not start */
	/*
	 * How far that AP got: 0 never ran the trampoline (INIT/SIPI not
	 * delivered, or real mode not runnable), 1 real mode, 2 protected
	 * mode, 3 long mode, 4 C code.
	 */
	int failed_stage;
	char reason[160];	/* why start-up failed, if it did */
};

/* Start every listed AP. Returns 0, or -1 with res->reason filled in. */
int smp_init(struct smp_result *res);
int cpu_count(void);		/* CPUs online */
u32 cpu_apic_id(int cpu);

/* Run fn(data) on cpu; on_cpu() waits for it to finish. */
void on_cpu(int cpu, void (*fn)(void *data), void *data);
void on_cpu_async(int cpu, void (*fn)(void *data), void *data);
/* Wait until cpu has finished its work; false on timeout. */
bool on_cpu_wait(int cpu);

/* Vector the library uses to wake idle APs. */
#define SMP_WAKEUP_VECTOR	0xf0

#endif /* TESTS_GUEST_LIB_X86_SMP_H */
