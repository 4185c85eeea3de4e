/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device assignment: ADI simulator functions passed through with
 * --vfio-user appear on PCI with the simulator's identity; BAR0 registers
 * (trapped, forwarded) answer; the IMS BAR is guest memory shared with the
 * device (mapped, no exit); copy and fill descriptors whose DMA lands in
 * guest RAM complete, on every ADI, and two ADIs work side by side.
 *
 * Command line: expect.adis=N (default 1; without it and with no ADI on
 * the bus the test is skipped).
 */
#include "libcflat.h"
#include "assign.h"

#define BUF_SIZE	(64 * 1024)

static u8 src[ASSIGN_MAX_ADIS][BUF_SIZE] __aligned(4096);
static u8 dst[ASSIGN_MAX_ADIS][BUF_SIZE] __aligned(4096);
static struct adi_ring rings[ASSIGN_MAX_ADIS];

static void check_identity(const struct adi *a)
{
	u32 cls = pci_conf1_read32(0, a->slot, 0, PCI_CLASS_REVISION) >> 8;

	report(cls == ADISIM_PCI_CLASS_CODE, "class code 0x%06x", cls);
	report(adi_reg(a, ADISIM_REG_ID) == ADISIM_ID_VALUE, "BAR0 ID register 0x%08x",
	       adi_reg(a, ADISIM_REG_ID));
	report(a->ims_entries > 0 && a->ims_entries <= ADISIM_IMS_MAX_ENTRIES,
	       "%u IMS entries", a->ims_entries);
}

static void check_ims_window(const struct adi *a)
{
	volatile u32 *e = a->ims + 4 * (a->ims_entries - 1);

	report(e[3] & ADISIM_IMS_CTRL_MASK, "IMS entries masked at reset");
	e[0] = 0xFEE00000u | 0x10;
	e[2] = 0x1234;
	barrier();
	report(e[0] == (0xFEE00000u | 0x10) && e[2] == 0x1234,
	       "IMS window writable and read back");
	e[0] = 0;
	e[2] = 0;
}

static void run_copy(const struct adi *a, int i)
{
	struct adisim_desc d = {
		.opcode = ADISIM_OP_COPY, .len = BUF_SIZE,
		.src = (u64)(uintptr_t)src[i], .dst = (u64)(uintptr_t)dst[i],
		.cookie = 0xC0DE0000u + (u32)i,
	};
	u32 st;

	for (u32 k = 0; k < BUF_SIZE; k++)
		src[i][k] = (u8)(k * 13 + i * 7 + 1);
	memset(dst[i], 0, BUF_SIZE);
	st = adi_submit(a, &rings[i], &d, 20 * ADI_GCYCLES);
	report(st == ADISIM_COMP_SUCCESS, "copy of %u bytes completes (status %u)", BUF_SIZE, st);
	report(st == ADISIM_COMP_SUCCESS && rings[i].comp[(rings[i].tail + 3) % 4].bytes == BUF_SIZE &&
	       rings[i].comp[(rings[i].tail + 3) % 4].cookie == d.cookie,
	       "completion record written to guest RAM");
	report(!memcmp(src[i], dst[i], BUF_SIZE), "copied bytes landed in guest RAM");
}

static void run_fill(const struct adi *a, int i)
{
	struct adisim_desc d = {
		.opcode = ADISIM_OP_FILL, .len = 4096, .dst = (u64)(uintptr_t)dst[i],
		.pattern = 0x0123456789ABCDEFull + (u64)i,
	};
	bool ok = true;
	u32 st = adi_submit(a, &rings[i], &d, 20 * ADI_GCYCLES);

	for (u32 k = 0; k < 4096; k += 8)
		ok &= *(u64 *)&dst[i][k] == d.pattern;
	report(st == ADISIM_COMP_SUCCESS && ok, "fill of 4096 bytes lands in guest RAM");
}

static void run_bad(const struct adi *a, int i)
{
	struct adisim_desc d = { .opcode = 0x7f };
	u32 st = adi_submit(a, &rings[i], &d, 20 * ADI_GCYCLES);

	report(st == ADISIM_COMP_BAD_OPCODE, "a bad descriptor completes with an error (%u)", st);
}

int main(int argc, char **argv)
{
	struct adi adis[ASSIGN_MAX_ADIS];
	unsigned long want = 1;
	int n;

	n = adi_find(adis, ASSIGN_MAX_ADIS);
	if (!arg_get_ulong("expect.adis", &want) && n == 0) {
		/* Booted without a device server (the plain guest-test runner). */
		report_skip("no ADI assigned: tests/assign/run.sh starts imsvm-adisim");
		return report_summary();
	}
	report(n == (int)want, "%d assigned ADI(s) on PCI bus 0 (expected %lu)", n, want);
	for (int i = 0; i < n; i++) {
		char prefix[16];

		snprintf(prefix, sizeof(prefix), "adi%d", i);
		report_prefix_push(prefix);
		check_identity(&adis[i]);
		check_ims_window(&adis[i]);
		adi_ring_start(&adis[i], &rings[i]);
		report_prefix_pop();
	}
	/* Interleaved: each ADI's work lands in its own buffers. */
	for (int i = 0; i < n; i++) {
		char prefix[16];

		snprintf(prefix, sizeof(prefix), "adi%d", i);
		report_prefix_push(prefix);
		run_copy(&adis[i], i);
		run_fill(&adis[i], i);
		run_bad(&adis[i], i);
		report_prefix_pop();
	}
	if (n > 1)
		report(memcmp(src[0], src[1], BUF_SIZE) &&
		       !memcmp(src[0] + 4096, dst[0] + 4096, BUF_SIZE - 4096) &&
		       !memcmp(src[1] + 4096, dst[1] + 4096, BUF_SIZE - 4096),
		       "two ADIs kept their data apart");
	return report_summary();
}
