/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device assignment measurements, driven by tests/assign/bench.sh (which
 * reads KVM's exit counts from imsvm --stats around these runs):
 *   mode=none              find the ADI and stop (the baseline run)
 *   mode=mapped n=N        N reads and N writes of the IMS BAR (a memory slot)
 *   mode=trapped n=N       N reads of a BAR0 register (trapped, forwarded)
 *   mode=copy size=S reps=R  R copy descriptors of S bytes; prints TSC cycles
 * Prints "BENCH key=value" lines.
 */
#include "libcflat.h"
#include "assign.h"

#define MAX_COPY	(1024 * 1024)

static u8 src[MAX_COPY] __aligned(4096), dst[MAX_COPY] __aligned(4096);
static struct adi_ring ring;

int main(int argc, char **argv)
{
	unsigned long n = 1000, size = 256 * 1024, reps = 8;
	const char *mode = arg_get("mode");
	struct adi a;

	if (!mode || adi_find(&a, 1) != 1) {
		report_skip("needs mode= and an assigned ADI (tests/assign/bench.sh)");
		return report_summary();
	}
	arg_get_ulong("n", &n);
	arg_get_ulong("size", &size);
	arg_get_ulong("reps", &reps);
	if (!strcmp(mode, "mapped")) {
		volatile u32 *e = a.ims;
		u32 sum = 0;

		for (unsigned long i = 0; i < n; i++) {
			e[(i % a.ims_entries) * 4 + 2] = (u32)i;
			sum += e[(i % a.ims_entries) * 4 + 2];
		}
		printf("BENCH accesses=%lu sum=%u\n", 2 * n, sum);
	} else if (!strcmp(mode, "trapped")) {
		u32 bad = 0;

		for (unsigned long i = 0; i < n; i++)
			bad += adi_reg(&a, ADISIM_REG_ID) != ADISIM_ID_VALUE;
		printf("BENCH accesses=%lu bad=%u\n", n, bad);
		report(bad == 0, "trapped reads answered");
	} else if (!strcmp(mode, "copy")) {
		u64 t0, cycles;
		u32 st = 0;

		size = MIN(size, (unsigned long)MAX_COPY);
		memset(src, 0x5a, size);
		adi_ring_start(&a, &ring);
		t0 = rdtsc();
		for (unsigned long i = 0; i < reps; i++) {
			struct adisim_desc d = {
				.opcode = ADISIM_OP_COPY, .len = (u32)size,
				.src = (u64)(uintptr_t)src, .dst = (u64)(uintptr_t)dst,
			};

			st = adi_submit(&a, &ring, &d, 600 * ADI_GCYCLES);
			if (st != ADISIM_COMP_SUCCESS)
				break;
		}
		cycles = rdtsc() - t0;
		report(st == ADISIM_COMP_SUCCESS && !memcmp(src, dst, size), "copies completed");
		printf("BENCH bytes=%lu cycles=%llu\n", size * reps, (unsigned long long)cycles);
	}
	report(true, "mode %s done", mode);
	return report_summary();
}
