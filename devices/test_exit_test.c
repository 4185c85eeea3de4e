/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <libfdt.h>

#include "devices/test_exit.h"
#include "tests/unit/fake_vm.h"
#include "vmm/layout.h"

static struct fake_vm f;

static void setup(void)
{
	fake_vm__init(&f);
	cr_assert_eq(test_exit__init(&f.vm), 0);
}

static void teardown(void)
{
	fake_vm__destroy(&f);
}

TestSuite(test_exit, .init = setup, .fini = teardown);

Test(test_exit, dword_write_ends_vm_with_value)
{
	cr_assert_eq(f.vm.exit_reason, VM_RUNNING);
	fake_vm__pio_write(&f, LAYOUT_PORT_TEST_EXIT, 77, 4);
	cr_assert_eq(f.vm.exit_reason, VM_EXIT_TEST);
	cr_assert_eq(f.vm.exit_status, 77);
}

Test(test_exit, byte_and_word_writes_accepted)
{
	fake_vm__pio_write(&f, LAYOUT_PORT_TEST_EXIT, 0xff03, 1);
	cr_assert_eq(f.vm.exit_reason, VM_EXIT_TEST);
	cr_assert_eq(f.vm.exit_status, 3, "only the written byte counts");
}

Test(test_exit, word_write)
{
	fake_vm__pio_write(&f, LAYOUT_PORT_TEST_EXIT, 0x1234, 2);
	cr_assert_eq(f.vm.exit_reason, VM_EXIT_TEST);
	cr_assert_eq(f.vm.exit_status, 0x1234);
}

Test(test_exit, zero_is_a_status_too)
{
	fake_vm__pio_write(&f, LAYOUT_PORT_TEST_EXIT, 0, 4);
	cr_assert_eq(f.vm.exit_reason, VM_EXIT_TEST);
	cr_assert_eq(f.vm.exit_status, 0);
}

Test(test_exit, first_request_wins)
{
	fake_vm__pio_write(&f, LAYOUT_PORT_TEST_EXIT, 5, 4);
	fake_vm__pio_write(&f, LAYOUT_PORT_TEST_EXIT, 9, 4);
	cr_assert_eq(f.vm.exit_status, 5);
}

Test(test_exit, misplaced_writes_and_reads_ignored)
{
	fake_vm__pio_write(&f, LAYOUT_PORT_TEST_EXIT + 1, 5, 1);
	fake_vm__pio_write(&f, LAYOUT_PORT_TEST_EXIT + 2, 5, 2);
	cr_assert_eq(fake_vm__pio_read(&f, LAYOUT_PORT_TEST_EXIT, 4), 0);
	cr_assert_eq(f.vm.exit_reason, VM_RUNNING);
	/* The neighbouring port is not ours. */
	fake_vm__pio_write(&f, LAYOUT_PORT_TEST_EXIT + 4, 5, 1);
	cr_assert_eq(f.vm.exit_reason, VM_RUNNING);
	cr_assert_eq(f.vm.pio_bus.unhandled, 1);
}

Test(test_exit, fdt_node)
{
	static char buf[4096];
	const fdt32_t *reg;
	int node, len;

	cr_assert_eq(fake_vm__build_fdt(&f, buf, sizeof(buf)), 0);
	node = fdt_node_offset_by_compatible(buf, -1, "imsvm,test-exit");
	cr_assert_geq(node, 0);
	reg = fdt_getprop(buf, node, "reg", &len);
	cr_assert_eq(len, 16);
	cr_assert_eq(fdt32_to_cpu(reg[0]), 1, "I/O space");
	cr_assert_eq(fdt32_to_cpu(reg[1]), LAYOUT_PORT_TEST_EXIT);
	cr_assert_eq(fdt32_to_cpu(reg[2]), 0);
	cr_assert_eq(fdt32_to_cpu(reg[3]), 4);
}
