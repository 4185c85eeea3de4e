/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SMP bring-up: INIT, SIPI, SIPI to each listed AP in turn, through a
 * real-mode trampoline copied below 1 MiB (entry.S). Each stage of an AP's
 * start-up is recorded so a failure names where it stopped, e.g. "never ran
 * the real-mode trampoline": under nested PVM KVM that is the difference
 * between "the SIPI was not delivered" and "real mode cannot run here".
 */
#include "libcflat.h"
#include "atomic.h"
#include "fdt.h"
#include "x86/acpi.h"
#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/mptable.h"
#include "x86/processor.h"
#include "x86/pvh.h"
#include "x86/smp.h"

#define AP_WAIT_CYCLES	HANG_BOUND_CYCLES

struct percpu percpu_data[MAX_CPUS];

struct cpu_work {
	void (*volatile fn)(void *data);
	void *volatile data;
	volatile int done;
};

static struct cpu_work work[MAX_CPUS];
static u32 apic_ids[MAX_CPUS];
static volatile int online = 1;
static volatile int starting_cpu;

extern char trampoline_start[], trampoline_end[];
extern char trampoline_stage_off[];	/* an absolute symbol: an offset */
extern volatile u32 ap_stage;

void ap_main(void);

int cpu_count(void)
{
	return online;
}

u32 cpu_apic_id(int cpu)
{
	return apic_ids[cpu];
}

static void wakeup(struct trap_frame *f)
{
	apic_eoi();
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Is [pa, pa + 4 KiB) RAM that holds nothing we still need? */
static bool page_is_free(u64 pa)
{
	const struct hvm_start_info *si = boot_info.start_info;
	bool ram = !boot_info.memmap_entries;

	for (u32 i = 0; i < boot_info.memmap_entries; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];

		if (e->type == HVM_MEMMAP_TYPE_RAM && e->addr <= pa &&
		    pa + 4096 <= e->addr + e->size)
			ram = true;
	}
	if (!ram || overlaps(pa, 4096, boot_info.start_info_pa, sizeof(*si)))
		return false;
	if (!si)
		return true;
	if (overlaps(pa, 4096, si->cmdline_paddr, strlen(boot_info.cmdline) + 1) ||
	    overlaps(pa, 4096, si->memmap_paddr,
		     si->memmap_entries * sizeof(struct hvm_memmap_table_entry)) ||
	    overlaps(pa, 4096, si->modlist_paddr,
		     si->nr_modules * sizeof(struct hvm_modlist_entry)))
		return false;
	for (u32 i = 0; i < si->nr_modules; i++) {
		const struct hvm_modlist_entry *m =
			(const struct hvm_modlist_entry *)(uintptr_t)si->modlist_paddr + i;

		if (overlaps(pa, 4096, m->paddr, m->size))
			return false;
	}
	return true;
}

static u64 trampoline_place(void)
{
	/* Page 0 holds the real-mode IVT and BDA; the EBDA starts at 0x9fc00. */
	for (u64 pa = 0x1000; pa < 0x9f000; pa += 0x1000)
		if (page_is_free(pa))
			return pa;
	return 0;
}

/*
 * CPUs the platform lists: ACPI's MADT where firmware provides one (QEMU's
 * SeaBIOS lists only the BSP in its MP table), else the MP table (imsvm),
 * else the device tree.
 */
static int platform_cpus(u32 *ids, int max)
{
	struct mptable mp;
	int n = acpi_madt_cpus(ids, max), cpus, node;

	if (n)
		return n;
	mptable_parse(&mp);
	if (mp.found && mp.ncpus) {
		for (int i = 0; i < mp.ncpus && n < max; i++)
			ids[n++] = mp.apic_ids[i];
		return n;
	}
	if (!boot_info.dtb || fdt_check_header(boot_info.dtb, boot_info.dtb_size))
		return 0;
	cpus = fdt_path_offset(boot_info.dtb, "/cpus");
	if (cpus < 0)
		return 0;
	fdt_for_each_subnode(node, boot_info.dtb, cpus) {
		int len;
		const u32 *reg = fdt_getprop(boot_info.dtb, node, "reg", &len);

		if (reg && len >= 4 && n < max)
			ids[n++] = fdt32_to_cpu(reg[0]);
	}
	return n;
}

static bool wait_value(volatile u32 *p, u32 value, u64 cycles)
{
	u64 start = rdtsc();

	while (*p < value && rdtsc() - start < cycles)
		cpu_relax();
	return *p >= value;
}

static const char *const stage_names[] = {
	"never ran the real-mode trampoline (INIT/SIPI not delivered, or the "
	"vCPU cannot run real mode)",
	"stopped in real mode (before protected mode)",
	"stopped in 32-bit protected mode (before long mode)",
	"stopped in long mode before C code",
};

static int start_ap(u32 apic_id, u64 tramp, struct smp_result *res)
{
	volatile u32 *tr_stage = (volatile u32 *)(uintptr_t)
		(tramp + (uintptr_t)trampoline_stage_off);
	int cpu = online;

	starting_cpu = cpu;
	apic_ids[cpu] = apic_id;
	*tr_stage = 0;
	ap_stage = 0;
	barrier();
	apic_icr_write(APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG, apic_id);
	apic_icr_write(APIC_DM_INIT | APIC_INT_LEVELTRIG, apic_id);
	apic_icr_write(APIC_DM_STARTUP | (u32)(tramp >> 12), apic_id);
	/* The second SIPI of the SDM's sequence, only if the first was lost. */
	if (!wait_value(tr_stage, 1, AP_WAIT_CYCLES / 8))
		apic_icr_write(APIC_DM_STARTUP | (u32)(tramp >> 12), apic_id);
	wait_value(&ap_stage, 4, AP_WAIT_CYCLES);
	if (ap_stage >= 4 && online > cpu)
		return 0;

	res->failed_apic_id = apic_id;
	res->failed_stage = ap_stage ? (int)ap_stage : (int)*tr_stage;
	snprintf(res->reason, sizeof(res->reason), "AP with APIC id %u %s", apic_id,
		 stage_names[res->failed_stage < 4 ? res->failed_stage : 3]);
	return -1;
}

int smp_init(struct smp_result *res)
{
	u32 ids[MAX_CPUS];
	u32 self = cpuid(1).b >> 24;
	int n = platform_cpus(ids, MAX_CPUS);
	u64 tramp;

	memset(res, 0, sizeof(*res));
	apic_ids[0] = self;
	apic_enable();
	handle_irq(SMP_WAKEUP_VECTOR, wakeup);
	res->expected = n ? n : 1;
	res->online = online;
	if (n <= 1)
		return 0;
	tramp = trampoline_place();
	if (!tramp) {
		snprintf(res->reason, sizeof(res->reason),
			 "no free RAM page below 1 MiB for the trampoline");
		return -1;
	}
	memcpy((void *)(uintptr_t)tramp, trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	for (int i = 0; i < n; i++) {
		if (ids[i] == self)
			continue;
		if (online >= MAX_CPUS || start_ap(ids[i], tramp, res)) {
			res->online = online;
			return -1;
		}
	}
	res->online = online;
	return 0;
}

void ap_main(void)
{
	int cpu = starting_cpu;

	percpu_init(&percpu_data[cpu], cpu);
	percpu_data[cpu].apic_id = cpuid(1).b >> 24;
	load_idt();
	apic_enable();
	ap_stage = 4;
	online = cpu + 1;
	for (;;) {
		struct cpu_work *w = &work[cpu];
		void (*fn)(void *);

		irq_disable();
		fn = w->fn;
		if (fn) {
			w->fn = NULL;
			fn(w->data);
			barrier();
			w->done = 1;
			continue;
		}
		safe_halt();
	}
}

void on_cpu_async(int cpu, void (*fn)(void *data), void *data)
{
	if (cpu == smp_id()) {
		fn(data);
		work[cpu].done = 1;
		return;
	}
	work[cpu].done = 0;
	work[cpu].data = data;
	barrier();
	work[cpu].fn = fn;
	apic_icr_write(APIC_DM_FIXED | SMP_WAKEUP_VECTOR, apic_ids[cpu]);
}

bool on_cpu_wait(int cpu)
{
	u64 start = rdtsc();

	while (!work[cpu].done && rdtsc() - start < AP_WAIT_CYCLES)
		cpu_relax();
	return work[cpu].done;
}

void on_cpu(int cpu, void (*fn)(void *data), void *data)
{
	on_cpu_async(cpu, fn, data);
	if (!on_cpu_wait(cpu))
		report_abort("cpu %d did not run its work", cpu);
}
