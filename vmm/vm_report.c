/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What --stats prints about a VM at exit: KVM's exit counts per vCPU (read
 * from its binary stats) and imsvm's own host memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/kvm_stats.h"
#include "vmm/log.h"
#include "vmm/vcpu.h"
#include "vmm/vm_priv.h"

/* The exit counts per vCPU and in total (--stats), on stderr. */
void vm_report__exit_counts(struct vm *vm)
{
	static const char *const names[] = {
		"exits", "io_exits", "mmio_exits", "halt_exits", "irq_injections",
		"irq_window_exits", "nmi_injections", "signal_exits",
	};
	u64 total[ARRAY_SIZE(names)] = { 0 };
	char line[512];

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		const struct kvm_stats *st = &vm->vcpus[i]->stats;
		int n = snprintf(line, sizeof(line), "stats: vcpu%u:", i);

		if (!st->descs)
			return;
		for (size_t j = 0; j < ARRAY_SIZE(names) && n < (int)sizeof(line); j++) {
			u64 v;

			if (kvm_stats__read(st, names[j], &v) < 0)
				continue;
			total[j] += v;
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu", names[j],
				      (unsigned long long)v);
		}
		fprintf(stderr, "imsvm: %s\n", line);
	}
	if (vm->nr_vcpus > 1) {
		int n = snprintf(line, sizeof(line), "stats: total:");

		for (size_t j = 0; j < ARRAY_SIZE(names) && n < (int)sizeof(line); j++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu", names[j],
				      (unsigned long long)total[j]);
		fprintf(stderr, "imsvm: %s\n", line);
	}
}

/* Bytes of guest RAM the host holds (pages the guest or the loaders touched). */
static u64 guest_resident_bytes(const struct guest_mem *mem)
{
	size_t pages = mem->ram_size / 4096;
	unsigned char *vec = malloc(pages);
	u64 n = 0;

	if (!vec)
		return 0;
	if (mincore(mem->host, mem->ram_size, vec) == 0)
		for (size_t i = 0; i < pages; i++)
			n += vec[i] & 1;
	free(vec);
	return n * 4096;
}

/*
 * Host memory of the VMM itself. Guest RAM is memfd pages inside the VmHWM
 * peak; mincore() counts them exactly (RssShmem would also count a binary run
 * from tmpfs). Guest pages only grow while the VM runs, so subtracting the
 * count at exit never subtracts more than the peak held.
 */
void vm_report__host_memory(struct vm *vm)
{
	static const char *const keys[] = { "VmHWM:", "RssAnon:", "RssFile:", "RssShmem:" };
	unsigned long long v[ARRAY_SIZE(keys)] = { 0 }, guest_kb;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strncmp(line, keys[i], strlen(keys[i])))
				v[i] = strtoull(line + strlen(keys[i]), NULL, 10);
	fclose(f);
	guest_kb = guest_resident_bytes(&vm->mem) / 1024;
	fprintf(stderr, "imsvm: stats: host: VmHWM=%llu kB RssAnon=%llu kB RssFile=%llu kB "
		"RssShmem=%llu kB guest-RAM-resident=%llu kB; VMM peak without guest RAM "
		"%llu kB\n", v[0], v[1], v[2], v[3], guest_kb, v[0] > guest_kb ? v[0] - guest_kb : 0);
}
