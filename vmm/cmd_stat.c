/* SPDX-License-Identifier: GPL-2.0-only */
/* `imsvm stat NAME`: exits per vCPU, memory, uptime, PV-IC counters per ADI, disks. */
#include <string.h>

#include "vmm/cli.h"
#include "vmm/cmd_priv.h"

void cmd__usage_stat(FILE *f)
{
	fputs("usage: imsvm stat NAME [--json] [--timeout-ms MS]\n"
	      "\n"
	      "Statistics of the running VM NAME (or of the socket at a PATH):\n"
	      "  per vCPU: KVM exits by reason (KVM binary statistics, Linux >= 5.14)\n"
	      "  memory: guest RAM, guest pages resident, imsvm's RSS and fds\n"
	      "  per ADI: PV-IC vectors allocated/freed, live, retargets, masks,\n"
	      "  unmasks, remapping faults, errors by code\n"
	      "  per disk: requests, errors (from the image file, no space)\n"
	      "--json prints the socket's result object (docs/control-api.md).\n", f);
}

static const char *const exit_cols[] = {
	"exits", "io_exits", "mmio_exits", "halt_exits", "irq_exits", "irq_window_exits",
	"signal_exits",
};

static bool is_col(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_cols); i++)
		if (!strcmp(key, exit_cols[i]))
			return true;
	return false;
}

static void print_vcpus(json_object *r)
{
	json_object *vcpus, *v, *exits;

	if (!json_object_object_get_ex(r, "vcpus", &vcpus) || !vcpus)
		return;
	printf("\n%-5s", "vCPU");
	for (size_t i = 0; i < ARRAY_SIZE(exit_cols); i++) {
		char h[32];
		const char *p = strstr(exit_cols[i], "_exits");

		snprintf(h, sizeof(h), "%.*s", p ? (int)(p - exit_cols[i]) : 5, exit_cols[i]);
		printf(" %12s", h);
	}
	printf("\n");
	for (size_t i = 0; i < json_object_array_length(vcpus); i++) {
		v = json_object_array_get_idx(vcpus, i);
		printf("%-5s", cmd__str(v, "id"));
		if (!json_object_object_get_ex(v, "exits", &exits) || !exits) {
			printf(" (no KVM statistics on this host)\n");
			continue;
		}
		for (size_t c = 0; c < ARRAY_SIZE(exit_cols); c++)
			printf(" %12s", cmd__str(exits, exit_cols[c]));
		printf("\n");
		/* Other exit reasons that happened, on one line. */
		bool first = true;

		json_object_object_foreach(exits, key, val) {
			if (is_col(key) || json_object_get_int64(val) == 0)
				continue;
			printf("%s%s=%lld", first ? "      other: " : " ", key,
			       (long long)json_object_get_int64(val));
			first = false;
		}
		if (!first)
			printf("\n");
	}
}

static int64_t error_total(json_object *errs)
{
	int64_t t = 0;

	if (!errs)
		return 0;
	json_object_object_foreach(errs, key, val) {
		(void)key;
		t += json_object_get_int64(val);
	}
	return t;
}

static void print_pvic(json_object *r)
{
	json_object *p, *adis, *errs;

	if (!json_object_object_get_ex(r, "pvic", &p) || !p) {
		printf("\nPV-IC: none (no assigned device, or --ims-mode)\n");
		return;
	}
	json_object_object_get_ex(p, "batch_errors", &errs);
	printf("\nPV-IC: %s batches, %s route commits, %lld batches refused\n",
	       cmd__str(p, "batches"), cmd__str(p, "commits"), (long long)error_total(errs));
	printf("       %s bad doorbell values, %s bad BAR0 accesses, %s vectors refused for "
	       "want of fds\n", cmd__str(p, "bad_doorbells"), cmd__str(p, "bad_accesses"),
	       cmd__str(p, "vectors_refused_no_fd"));
	if (!json_object_object_get_ex(p, "adis", &adis) || !adis)
		return;
	printf("%-9s %-12s %6s %8s %8s %9s %7s %7s %7s %7s\n", "ADI", "DEVICE", "LIVE", "ALLOC",
	       "FREED", "RETARGET", "MASK", "UNMASK", "FAULTS", "ERRORS");
	for (size_t i = 0; i < json_object_array_length(adis); i++) {
		json_object *a = json_object_array_get_idx(adis, i);

		json_object_object_get_ex(a, "errors", &errs);
		printf("%-9s %-12s %6s %8s %8s %9s %7s %7s %7s %7lld\n", cmd__str(a, "adi"),
		       cmd__str(a, "device"), cmd__str(a, "live_handles"), cmd__str(a, "allocated"),
		       cmd__str(a, "freed"), cmd__str(a, "retargets"), cmd__str(a, "masks"),
		       cmd__str(a, "unmasks"), cmd__str(a, "remapping_faults"),
		       (long long)error_total(errs));
		if (error_total(errs)) {
			printf("          errors:");
			json_object_object_foreach(errs, key, val)
				if (json_object_get_int64(val))
					printf(" %s=%lld", key, (long long)json_object_get_int64(val));
			printf("\n");
		}
	}
}

/* One line per virtio-blk disk; nothing without disks. */
static void print_disks(json_object *r)
{
	json_object *disks;

	if (!json_object_object_get_ex(r, "disks", &disks) || !disks ||
	    !json_object_array_length(disks))
		return;
	printf("\n%-12s %9s %9s %8s %8s %7s %9s %8s\n", "DISK", "READS", "WRITES", "FLUSHES",
	       "DISCARDS", "ERRORS", "IO_ERRORS", "NO_SPACE");
	for (size_t i = 0; i < json_object_array_length(disks); i++) {
		json_object *d = json_object_array_get_idx(disks, i);

		printf("%-12s %9s %9s %8s %8s %7s %9s %8s\n", cmd__str(d, "name"),
		       cmd__str(d, "reads"), cmd__str(d, "writes"), cmd__str(d, "flushes"),
		       cmd__str(d, "discards"), cmd__str(d, "errors"), cmd__str(d, "io_errors"),
		       cmd__str(d, "no_space"));
	}
}

static void print_stat(const struct cmd_opts *o, json_object *r)
{
	json_object *mem;
	char up[32], g[32], res[32], rss[32], peak[32];

	cmd__human_ms((u64)MAX(cmd__int(r, "uptime_ms"), 0), up, sizeof(up));
	printf("VM %s (pid %s): %s, up %s\n", cmd__str(r, "name"), cmd__str(r, "pid"),
	       cmd__str(r, "state"), up);
	if (json_object_object_get_ex(r, "memory", &mem)) {
		cmd__human_bytes((u64)MAX(cmd__int(mem, "guest_bytes"), 0), g, sizeof(g));
		cmd__human_bytes((u64)MAX(cmd__int(mem, "guest_resident_bytes"), 0), res,
				 sizeof(res));
		cmd__human_bytes((u64)MAX(cmd__int(mem, "vmm_rss_bytes"), 0), rss, sizeof(rss));
		cmd__human_bytes((u64)MAX(cmd__int(mem, "vmm_peak_rss_bytes"), 0), peak,
				 sizeof(peak));
		printf("memory: guest %s (%s resident); imsvm RSS %s (peak %s), %s fds\n", g, res,
		       rss, peak, cmd__str(mem, "vmm_fds"));
	}
	print_vcpus(r);
	print_pvic(r);
	print_disks(r);
}

int cmd__stat(int argc, char **argv)
{
	return cmd__show(argc, argv, cmd__usage_stat, "stat", print_stat);
}
