/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <libfdt.h>

#include "devices/i8042.h"
#include "tests/unit/fake_vm.h"

static struct fake_vm f;

static void setup(void)
{
	fake_vm__init(&f);
	cr_assert_eq(i8042__init(&f.vm), 0);
}

static void teardown(void)
{
	fake_vm__destroy(&f);
}

TestSuite(i8042, .init = setup, .fini = teardown);

static u8 status(void)
{
	return fake_vm__pio_read(&f, 0x64, 1);
}

static void cmd(u8 c)
{
	fake_vm__pio_write(&f, 0x64, c, 1);
}

static void data_out(u8 v)
{
	fake_vm__pio_write(&f, 0x60, v, 1);
}

/* What Linux's i8042_wait_read + read_data do. */
static int data_in(void)
{
	if (!(status() & 0x01))
		return -1;
	return fake_vm__pio_read(&f, 0x60, 1);
}

Test(i8042, idle_status_input_buffer_empty)
{
	u8 s = status();

	cr_assert_eq(s & 0x02, 0, "input buffer empty: kb_wait() passes");
	cr_assert_eq(s & 0x01, 0, "nothing to read");
	cr_assert(s & 0x04, "system flag");
	cr_assert_eq(data_in(), -1);
}

Test(i8042, reset_command_ends_vm_with_status_0)
{
	/* Linux's reboot path: for 10 tries { kb_wait(); outb(0xfe, 0x64); } */
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(status() & 0x02, 0);
		cmd(0xfe);
	}
	cr_assert_eq(f.vm.exit_reason, VM_EXIT_POWEROFF);
	cr_assert_eq(f.vm.exit_status, 0);
}

Test(i8042, pulses_without_reset_bit_do_nothing)
{
	cmd(0xff);
	cmd(0xfd);	/* pulses A20 only */
	cr_assert_eq(f.vm.exit_reason, VM_RUNNING);
}

Test(i8042, output_port_reset_bit)
{
	cmd(0xd1);
	data_out(0xdf);		/* A20 on, reset line high */
	cr_assert_eq(f.vm.exit_reason, VM_RUNNING);
	cmd(0xd0);
	cr_assert_eq(data_in(), 0xdf);
	cmd(0xd1);
	data_out(0xde);
	cr_assert_eq(f.vm.exit_reason, VM_EXIT_POWEROFF);
}

Test(i8042, linux_probe_sequence_answers_at_once)
{
	cmd(0xaa);
	cr_assert_eq(data_in(), 0x55, "self-test passed");
	cmd(0x20);
	int ctr = data_in();
	cr_assert_eq(ctr, 0x45);
	cmd(0x60);
	data_out(0x47 & ~0x01);
	cmd(0x20);
	cr_assert_eq(data_in(), 0x46, "command byte written");
	cmd(0xab);
	cr_assert_eq(data_in(), 0x00, "keyboard interface OK");

	/* AUX loop: the byte comes back without the AUX-data status bit... */
	cmd(0xd3);
	data_out(0x5a);
	cr_assert_eq(status() & 0x21, 0x01);
	cr_assert_eq(data_in(), 0x5a);
	/* ...and the AUX test says the port is unusable: Linux gives up on AUX. */
	cmd(0xa9);
	cr_assert_eq(data_in(), 0x01);
	cr_assert_eq(data_in(), -1, "nothing left over");

	cmd(0xa7);
	cmd(0x20);
	cr_assert(data_in() & 0x20, "AUX disable bit");
	cmd(0xa8);
	cmd(0x20);
	cr_assert_not(data_in() & 0x20);
	cr_assert_eq(f.vm.exit_reason, VM_RUNNING);
}

Test(i8042, keyboard_acknowledges)
{
	data_out(0xff);
	cr_assert_eq(data_in(), 0xfa);
	cr_assert_eq(data_in(), 0xaa);
	data_out(0xf2);
	cr_assert_eq(data_in(), 0xfa);
	cr_assert_eq(data_in(), 0xab);
	cr_assert_eq(data_in(), 0x83);
	data_out(0xed);
	cr_assert_eq(data_in(), 0xfa);
	data_out(0x00);
	cr_assert_eq(data_in(), 0xfa, "the LED parameter is acknowledged, not a command");
	data_out(0xf0);
	data_out(0x00);
	cr_assert_eq(data_in(), 0xfa);
	cr_assert_eq(data_in(), 0xfa);
	cr_assert_eq(data_in(), 0x02, "scancode set 2");
	data_out(0x12);
	cr_assert_eq(data_in(), 0xfe, "unknown: resend");
	cr_assert_eq(data_in(), -1);
}

Test(i8042, irq1_one_edge_per_byte)
{
	data_out(0xff);			/* two bytes: FA AA */
	cr_assert(f.level[1]);
	cr_assert_eq(f.raises[1], 1);
	fake_vm__pio_read(&f, 0x60, 1);
	cr_assert(f.level[1], "the second byte");
	cr_assert_eq(f.raises[1], 2, "a new edge for it");
	fake_vm__pio_read(&f, 0x60, 1);
	cr_assert_not(f.level[1]);

	cmd(0x60);
	data_out(0x44);			/* keyboard interrupt off */
	data_out(0xee);
	cr_assert_not(f.level[1]);
	cr_assert_eq(data_in(), 0xee);
	cr_assert_eq(f.raises[12], 0, "no AUX interrupt");
}

Test(i8042, garbage_never_crashes)
{
	unsigned int seed = 99;

	for (int i = 0; i < 20000; i++) {
		unsigned int r = rand_r(&seed);
		u16 port = (r & 1) ? 0x64 : 0x60;
		u8 v = r >> 8;

		if (port == 0x64 && (v & 0xf0) == 0xf0)
			continue;	/* reset pulses are tested elsewhere */
		if (port == 0x64 && v == 0xd1)
			continue;
		if (r & 2)
			fake_vm__pio_write(&f, port, v, 1);
		else
			fake_vm__pio_read(&f, port, 1);
	}
	fake_vm__pio_write(&f, 0x60, 0x12345678, 4);	/* wider than the port: not ours */
	cr_assert_eq(f.vm.exit_reason, VM_RUNNING);
	cr_assert_eq(status() & 0x02, 0);
}

Test(i8042, fdt_node)
{
	static char buf[4096];
	const fdt32_t *p;
	int node, len;

	cr_assert_eq(fake_vm__build_fdt(&f, buf, sizeof(buf)), 0);
	node = fdt_node_offset_by_compatible(buf, -1, "intel,8042");
	cr_assert_geq(node, 0);
	p = fdt_getprop(buf, node, "reg", &len);
	cr_assert_eq(len, 32);
	cr_assert_eq(fdt32_to_cpu(p[1]), 0x60);
	cr_assert_eq(fdt32_to_cpu(p[5]), 0x64);
}
