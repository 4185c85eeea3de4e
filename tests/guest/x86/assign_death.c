/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device assignment: the device server dies while the guest drives the
 * device (imsvm-adisim --die-on-doorbell, or killed by the harness while
 * descriptors run). The guest must see a dead function, not a dead VM:
 * config space reads all-ones, the BARs read all-ones (slots and trapped
 * ranges removed), and this kernel runs on to report it.
 *
 * Command line: loops=N  descriptors to run before giving up (default 1);
 * the device is expected to die within them. hold=N  wait N "seconds"
 * (ADI_GCYCLES) after the death was seen, so the harness can inspect imsvm.
 */
#include "libcflat.h"
#include "assign.h"

#define BUF_SIZE	(16 * 1024)

static u8 src[BUF_SIZE] __aligned(4096), dst[BUF_SIZE] __aligned(4096);
static struct adi_ring ring;

/* True once config space reads all-ones (imsvm tore the device down). */
static bool wait_dead(u32 slot, u64 max_cycles)
{
	u64 end = rdtsc() + max_cycles;

	do {
		if (pci_conf1_read32(0, slot, 0, PCI_VENDOR_ID) == 0xffffffff)
			return true;
		cpu_relax();
	} while (rdtsc() < end);
	return false;
}

int main(int argc, char **argv)
{
	unsigned long loops = 1, hold = 0, done = 0;
	struct adi a;
	bool dead = false;

	arg_get_ulong("loops", &loops);
	arg_get_ulong("hold", &hold);
	if (adi_find(&a, 1) != 1) {
		if (!arg_get("loops")) {
			report_skip("no ADI assigned: tests/assign/run.sh starts imsvm-adisim");
			return report_summary();
		}
		report(false, "an assigned ADI on PCI bus 0");
		return report_summary();
	}
	report(adi_reg(&a, ADISIM_REG_ID) == ADISIM_ID_VALUE, "device alive at first");
	adi_ring_start(&a, &ring);
	for (unsigned long n = 0; n < loops && !dead; n++) {
		struct adisim_desc d = {
			.opcode = ADISIM_OP_COPY, .len = BUF_SIZE,
			.src = (u64)(uintptr_t)src, .dst = (u64)(uintptr_t)dst,
		};
		u32 st = adi_submit(&a, &ring, &d, 10 * ADI_GCYCLES);

		if (st == ADISIM_COMP_SUCCESS)
			done++;
		else
			dead = wait_dead(a.slot, 10 * ADI_GCYCLES);
	}
	report_info("%lu descriptors completed before the device died", done);
	if (!dead)
		dead = wait_dead(a.slot, 20 * ADI_GCYCLES);
	report(dead, "config space reads all-ones after the server died");
	report(pci_conf1_read32(0, a.slot, 0, PCI_CLASS_REVISION) == 0xffffffff,
	       "class/revision read all-ones too");
	report(adi_reg(&a, ADISIM_REG_ID) == 0xffffffff, "BAR0 (trapped) reads all-ones");
	report(a.ims[0] == 0xffffffff && a.ims[3] == 0xffffffff,
	       "BAR2 (was a memory slot) reads all-ones");
	a.ims[0] = 0x12345678;	/* goes nowhere, harms nothing */
	report(a.ims[0] == 0xffffffff, "writes to the dead BAR are dropped");
	if (hold) {
		u64 end = rdtsc() + hold * ADI_GCYCLES;

		while (rdtsc() < end)
			cpu_relax();
	}
	report(true, "the VM runs on");
	return report_summary();
}
