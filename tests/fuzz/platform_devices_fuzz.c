/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the platform devices (PCI root and test device, UART,
 * i8042, test-exit) on a fake VM, driven through the PIO and MMIO buses as
 * vCPU exits arrive. Each 10-byte record of the input is one access:
 * op, size code, 32-bit address, 32-bit value.
 *
 * Built and run by tests/fuzz/fuzz.mk (`make fuzz`); seeds in
 * tests/fuzz/corpus/platform_devices/.
 */
#include <string.h>

#include "devices/i8042.h"
#include "devices/pci.h"
#include "devices/pci_testdev.h"
#include "devices/test_exit.h"
#include "devices/uart8250.h"
#include "tests/unit/fake_vm.h"
#include "vmm/layout.h"
#include "vmm/log.h"

#define RECORD		10
#define ECAM_SPAN	(2u << 20)	/* buses 0 and 1 */

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static u64 bar_window(u8 sel)
{
	return sel & 0x80 ? LAYOUT_PCI_MMIO64_BASE : LAYOUT_PCI_MMIO32_BASE;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct fake_vm f;

	log_level = LOG_ERR;
	fake_vm__init(&f);
	if (pci__init(&f.vm) || pci_testdev__init(&f.vm) || uart8250__init(&f.vm) ||
	    i8042__init(&f.vm) || test_exit__init(&f.vm))
		__builtin_trap();
	uart8250__set_output(uart8250__find(&f.vm), -1);

	for (; size >= RECORD; data += RECORD, size -= RECORD) {
		u8 op = data[0], sel = data[1];
		u32 len = 1u << (sel % 4), pio_len = MIN(len, 4u), a;
		u64 v = (u64)data[6] | (u64)data[7] << 8 | (u64)data[8] << 16 |
			(u64)data[9] << 24 | (u64)sel << 32;

		memcpy(&a, data + 2, 4);
		switch (op % 9) {
		case 0:
			fake_vm__pio_write(&f, 0xcf8, (a & 0x00fffffc) | 0x80000000, 4);
			break;
		case 1:
			fake_vm__pio_write(&f, 0xcfc + (a & 3) % (5 - pio_len), (u32)v, pio_len);
			break;
		case 2:
			fake_vm__pio_read(&f, 0xcfc + (a & 3) % (5 - pio_len), pio_len);
			break;
		case 3:
			fake_vm__mmio_write(&f, LAYOUT_PCI_ECAM_BASE + a % ECAM_SPAN, v, len);
			break;
		case 4:
			fake_vm__mmio_read(&f, LAYOUT_PCI_ECAM_BASE + a % ECAM_SPAN, len);
			break;
		case 5:
			fake_vm__mmio_write(&f, bar_window(sel) + a % LAYOUT_PCI_MMIO32_SIZE, v, len);
			break;
		case 6:
			fake_vm__mmio_read(&f, bar_window(sel) + a % LAYOUT_PCI_MMIO32_SIZE, len);
			break;
		case 7:
			fake_vm__pio_write(&f, a & 0xffff, (u32)v, pio_len);
			break;
		case 8:
			fake_vm__pio_read(&f, a & 0xffff, pio_len);
			break;
		}
	}
	fake_vm__destroy(&f);
	return 0;
}
