/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <libfdt.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "devices/uart8250.h"
#include "vmm/event_loop.h"
#include "tests/unit/fake_vm.h"
#include "vmm/layout.h"

#define COM1	LAYOUT_PORT_COM1
#define IRQ	LAYOUT_IRQ_COM1

static struct fake_vm f;
static struct uart8250 *u;
static int out_pipe[2];

static void setup(void)
{
	fake_vm__init(&f);
	cr_assert_eq(uart8250__init(&f.vm), 0);
	u = uart8250__find(&f.vm);
	cr_assert_not_null(u);
	cr_assert_eq(pipe2(out_pipe, O_NONBLOCK), 0);
	uart8250__set_output(u, out_pipe[1]);
}

static void teardown(void)
{
	fake_vm__destroy(&f);
	close(out_pipe[0]);
	close(out_pipe[1]);
}

TestSuite(uart, .init = setup, .fini = teardown);

static u8 in8(unsigned int reg)
{
	return fake_vm__pio_read(&f, COM1 + reg, 1);
}

static void out8(unsigned int reg, u8 v)
{
	fake_vm__pio_write(&f, COM1 + reg, v, 1);
}

static size_t drain_output(char *buf, size_t size)
{
	ssize_t n = read(out_pipe[0], buf, size - 1);

	if (n < 0)
		n = 0;
	buf[n] = 0;
	return n;
}

Test(uart, thr_output_flushed_at_newline)
{
	char buf[64];

	for (const char *p = "hello\n"; *p; p++)
		out8(0, *p);
	cr_assert_eq(drain_output(buf, sizeof(buf)), 6);
	cr_assert_str_eq(buf, "hello\n");
}

Test(uart, partial_line_flushed_when_guest_polls_or_reads_iir)
{
	char buf[64];

	out8(0, '$');
	out8(0, ' ');
	cr_assert_eq(drain_output(buf, sizeof(buf)), 0, "buffered until a flush point");
	in8(5);
	in8(5);		/* polling LSR without transmitting: flush */
	drain_output(buf, sizeof(buf));
	cr_assert_str_eq(buf, "$ ");

	out8(0, '#');
	in8(2);		/* an interrupt handler reading IIR: flush */
	drain_output(buf, sizeof(buf));
	cr_assert_str_eq(buf, "#");

	out8(0, 'x');
	uart8250__flush(u);
	drain_output(buf, sizeof(buf));
	cr_assert_str_eq(buf, "x");
}

Test(uart, output_survives_a_closed_console)
{
	struct uart8250_stats st;

	close(out_pipe[0]);
	out_pipe[0] = open("/dev/null", O_RDONLY);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < 10; i++)
		out8(0, '\n');
	uart8250__get_stats(u, &st);
	cr_assert_eq(st.tx_bytes, 10);
	cr_assert_geq(st.write_errors, 1);
}

Test(uart, lsr_idle_and_data_ready)
{
	u8 b = 'A';

	cr_assert_eq(in8(5), 0x60, "THRE and TEMT, no data");
	cr_assert_eq(uart8250__receive(u, &b, 1), 1);
	cr_assert_eq(in8(5), 0x61);
	cr_assert_eq(in8(0), 'A');
	cr_assert_eq(in8(5), 0x60);
	cr_assert_eq(in8(0), 0, "empty RBR reads 0");
}

Test(uart, rx_fifo_order_and_overrun)
{
	u8 bytes[20];
	struct uart8250_stats st;

	for (int i = 0; i < 20; i++)
		bytes[i] = 'a' + i;
	out8(2, 0x01);	/* FIFO on, trigger 1 */
	cr_assert_eq(uart8250__receive(u, bytes, 20), 16);
	uart8250__get_stats(u, &st);
	cr_assert_eq(st.overruns, 4);
	cr_assert_eq(in8(5), 0x63, "DR and OE");
	cr_assert_eq(in8(5), 0x61, "OE cleared by reading LSR");
	for (int i = 0; i < 16; i++)
		cr_assert_eq(in8(0), 'a' + i);
	cr_assert_eq(in8(5) & 1, 0);
}

Test(uart, without_fifo_one_holding_register)
{
	u8 bytes[3] = { 1, 2, 3 };

	cr_assert_eq(uart8250__receive(u, bytes, 3), 1);
	cr_assert_eq(in8(5) & 0x03, 0x03);
	cr_assert_eq(in8(0), 1);
}

Test(uart, fcr_clears_rx_fifo_and_iir_shows_fifo_bits)
{
	u8 bytes[4] = { 1, 2, 3, 4 };

	cr_assert_eq(in8(2) & 0xC0, 0, "16450 mode at reset");
	out8(2, 0xC1);	/* FIFO on, trigger 14 */
	cr_assert_eq(in8(2) & 0xC0, 0xC0);
	uart8250__receive(u, bytes, 4);
	out8(2, 0xC3);	/* clear RX */
	cr_assert_eq(in8(5) & 1, 0);
}

Test(uart, dlab_selects_divisor_latch)
{
	out8(1, 0x05);		/* IER */
	out8(3, 0x83);		/* DLAB */
	out8(0, 0x01);
	out8(1, 0x02);
	cr_assert_eq(in8(0), 0x01);
	cr_assert_eq(in8(1), 0x02);
	out8(3, 0x03);
	cr_assert_eq(in8(1), 0x05, "IER untouched by divisor writes");
	cr_assert_eq(in8(3), 0x03);
	out8(3, 0x83);
	cr_assert_eq(in8(0), 0x01, "divisor kept");
}

Test(uart, scratch_register)
{
	out8(7, 0x5a);
	cr_assert_eq(in8(7), 0x5a);
}

Test(uart, loopback_echoes_and_mirrors_modem_lines)
{
	char buf[8];

	out8(2, 0x01);		/* FIFO on: two bytes fit */
	out8(4, 0x10);		/* loop */
	cr_assert_eq(in8(6) & 0xF0, 0, "all modem inputs low");
	in8(6);			/* clear deltas from leaving the idle state */
	out8(0, 'Z');
	out8(0, '\n');
	cr_assert_eq(in8(5) & 1, 1);
	cr_assert_eq(in8(0), 'Z');
	cr_assert_eq(in8(0), '\n');
	uart8250__flush(u);
	cr_assert_eq(drain_output(buf, sizeof(buf)), 0, "loopback output stays inside");

	out8(4, 0x10 | 0x0F);	/* DTR RTS OUT1 OUT2 */
	cr_assert_eq(in8(6), 0xF0 | 0x0B, "CTS DSR RI DCD and deltas (RI: no trailing edge)");
	cr_assert_eq(in8(6), 0xF0, "deltas cleared by read");
	out8(4, 0x10);
	cr_assert_eq(in8(6), 0x0F, "RI trailing edge");
	out8(4, 0x00);
	cr_assert_eq(in8(6) & 0xF0, 0xB0, "back to DCD DSR CTS");
}

Test(uart, iir_priorities)
{
	u8 b = 'q';

	out8(2, 0x01);
	cr_assert_eq(in8(2), 0xC1, "nothing enabled");
	out8(4, 0x10);		/* loopback, to make a modem status change */
	out8(4, 0x12);		/* RTS -> DCTS */
	b = 'q';
	uart8250__receive(u, &b, 1);
	for (int i = 0; i < 16; i++)
		uart8250__receive(u, &b, 1);	/* overrun */
	out8(1, 0x0F);		/* all four sources */

	cr_assert_eq(in8(2), 0xC6, "line status first");
	in8(5);
	cr_assert_eq(in8(2), 0xC4, "then received data (at trigger level 1)");
	for (int i = 0; i < 16; i++)
		in8(0);
	cr_assert_eq(in8(2), 0xC2, "then THRE");
	cr_assert_eq(in8(2), 0xC0, "THRE cleared by the IIR read; modem status last");
	in8(6);
	cr_assert_eq(in8(2), 0xC1, "none");
}

Test(uart, character_timeout_below_trigger)
{
	u8 b[4] = { 1, 2, 3, 4 };

	out8(2, 0x81);		/* FIFO, trigger 8 */
	out8(1, 0x01);
	uart8250__receive(u, b, 4);
	cr_assert_eq(in8(2), 0xCC, "timeout indication below trigger level");
	uart8250__receive(u, b, 4);
	cr_assert_eq(in8(2), 0xC4, "data available at trigger level");
}

Test(uart, irq_follows_conditions_with_edges_per_thre)
{
	u8 b = 'k';

	cr_assert_eq(f.calls[IRQ], 0, "no interrupt at reset");
	out8(1, 0x02);		/* THRI: THR is empty, so it is pending at once */
	cr_assert(f.level[IRQ]);
	cr_assert_eq(f.raises[IRQ], 1);
	cr_assert_eq(in8(2) & 0x0F, 0x02);
	cr_assert_not(f.level[IRQ], "IIR read cleared THRE");
	cr_assert_eq(f.lowers[IRQ], 1);

	out8(0, 'x');
	cr_assert(f.level[IRQ], "THRE again after the byte went out");
	cr_assert_eq(f.raises[IRQ], 2);
	out8(0, 'y');		/* pending THRE: the write lowers, sending raises */
	cr_assert_eq(f.raises[IRQ], 3);
	cr_assert_eq(f.lowers[IRQ], 2);

	out8(1, 0x00);
	cr_assert_not(f.level[IRQ]);
	out8(1, 0x01);
	cr_assert_not(f.level[IRQ]);
	uart8250__receive(u, &b, 1);
	cr_assert(f.level[IRQ], "received data raises");
	in8(0);
	cr_assert_not(f.level[IRQ], "and reading it lowers");
	cr_assert_eq(f.bad_irq_calls, 0);
	for (unsigned int i = 0; i < FAKE_VM_IRQS; i++)
		if (i != IRQ)
			cr_assert_eq(f.calls[i], 0, "only IRQ 4 is used");
}

Test(uart, console_input_is_paced_not_lost)
{
	int in_pipe[2];
	char msg[100];
	struct uart8250_stats st;

	cr_assert_eq(pipe(in_pipe), 0);
	for (int i = 0; i < 100; i++)
		msg[i] = ' ' + i % 90;
	cr_assert_eq(write(in_pipe[1], msg, sizeof(msg)), (ssize_t)sizeof(msg));
	uart8250__set_input(u, in_pipe[0]);
	out8(2, 0x01);
	out8(1, 0x01);
	uart8250__poll_input(u);
	cr_assert(f.level[IRQ]);
	for (int i = 0; i < 100; i++) {
		cr_assert_eq(in8(5) & 1, 1, "byte %d ready", i);
		cr_assert_eq(in8(0), (u8)msg[i], "byte %d in order", i);
	}
	cr_assert_eq(in8(5) & 1, 0);
	cr_assert_not(f.level[IRQ]);
	uart8250__get_stats(u, &st);
	cr_assert_eq(st.overruns, 0);
	cr_assert_eq(st.rx_bytes, 100);

	close(in_pipe[1]);
	uart8250__poll_input(u);	/* EOF: input stops, nothing breaks */
	cr_assert_eq(in8(5) & 1, 0);
	close(in_pipe[0]);
}

Test(uart, wide_and_garbage_accesses_never_crash)
{
	unsigned int seed = 12345;

	for (int i = 0; i < 20000; i++) {
		unsigned int r = rand_r(&seed);
		u32 len = 1u << (r % 3);
		u16 port = COM1 + (r >> 4) % 8;
		u32 v = rand_r(&seed);

		if (port + len > COM1 + 8)
			len = 1;
		if (r & 8)
			fake_vm__pio_write(&f, port, v, len);
		else
			fake_vm__pio_read(&f, port, len);
	}
	cr_assert_eq(f.bad_irq_calls, 0);
	/* Whatever state the guest left, a consistent line level. */
	out8(4, 0);
	out8(1, 0);
	cr_assert_not(f.level[IRQ]);
}

Test(uart, fdt_node)
{
	static char buf[4096];
	const fdt32_t *p;
	int node, len;

	cr_assert_eq(fake_vm__build_fdt(&f, buf, sizeof(buf)), 0);
	node = fdt_path_offset(buf, "/serial@3f8");
	cr_assert_geq(node, 0);
	cr_assert_str_eq(fdt_getprop(buf, node, "compatible", NULL), "ns16550a");
	p = fdt_getprop(buf, node, "reg", &len);
	cr_assert_eq(len, 16);
	cr_assert_eq(fdt32_to_cpu(p[0]), 1);
	cr_assert_eq(fdt32_to_cpu(p[1]), 0x3f8);
	cr_assert_eq(fdt32_to_cpu(p[2]), 0);
	cr_assert_eq(fdt32_to_cpu(p[3]), 8);
	p = fdt_getprop(buf, node, "clock-frequency", &len);
	cr_assert_eq(fdt32_to_cpu(*p), 1843200);
	p = fdt_getprop(buf, node, "interrupts", &len);
	cr_assert_eq(fdt32_to_cpu(*p), 4);
}

Test(uart, reset_returns_to_power_on_state)
{
	out8(1, 0x0F);
	out8(3, 0x9B);
	out8(4, 0x1F);
	device_list__for_each(&f.vm.devices, dev)
		if (dev->ops->reset)
			dev->ops->reset(dev);
	cr_assert_eq(in8(1), 0);
	cr_assert_eq(in8(3), 0x03);
	cr_assert_eq(in8(4), 0);
	cr_assert_not(f.level[IRQ]);
}

/*
 * Console input end to end: stdin (a pipe here) watched by the VM's real
 * event loop, more than the 4 KiB input buffer so the UART must stop and
 * restart watching stdin as the guest drains the FIFO.
 */
static struct fake_vm cf;

static void console_setup(void)
{
	fake_vm__init(&cf);
	cf.cfg.console_stdin = true;
	cr_assert_eq(event_loop__create(&cf.vm.loop), 0);
	cr_assert_eq(event_loop__start(cf.vm.loop), 0);
}

static void console_teardown(void)
{
	event_loop__stop(cf.vm.loop);
	fake_vm__destroy(&cf);
	event_loop__destroy(cf.vm.loop);
}

/* Wait (bounded) until the receiver has a byte: the loop thread delivers it. */
static bool wait_data_ready(void)
{
	for (int i = 0; i < 20000; i++) {
		if (fake_vm__pio_read(&cf, COM1 + 5, 1) & 1)
			return true;
		usleep(250);
	}
	return false;
}

Test(uart_console, stdin_through_event_loop_is_paced, .init = console_setup,
     .fini = console_teardown)
{
	enum { N = 6000 };
	static u8 msg[N];
	struct uart8250_stats st;
	struct uart8250 *cu;
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_geq(dup2(p[0], STDIN_FILENO), 0);
	cr_assert_eq(uart8250__init(&cf.vm), 0);
	cu = uart8250__find(&cf.vm);
	uart8250__set_output(cu, -1);
	fake_vm__pio_write(&cf, COM1 + 2, 0x01, 1);	/* FIFO on */

	for (int i = 0; i < N; i++)
		msg[i] = i * 7 + i / 256;
	cr_assert_eq(write(p[1], msg, N), N);
	for (int i = 0; i < N; i++) {
		cr_assert(wait_data_ready(), "byte %d never arrived", i);
		cr_assert_eq(fake_vm__pio_read(&cf, COM1, 1), msg[i], "byte %d", i);
	}
	uart8250__get_stats(cu, &st);
	cr_assert_eq(st.rx_bytes, N);
	cr_assert_eq(st.overruns, 0, "paced, not dropped");

	close(p[1]);		/* EOF: input ends quietly */
	usleep(10000);
	cr_assert_eq(fake_vm__pio_read(&cf, COM1 + 5, 1) & 1, 0);
	close(p[0]);
}

Test(uart, nonblocking_output_waits_for_room_instead_of_dropping)
{
	static char big[200000], got[200000];
	size_t have = 0;
	int p[2];
	pid_t child;

	/* A non-blocking pipe far smaller than what the guest prints. */
	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	uart8250__set_output(u, p[1]);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		/* The guest side: print, then exit. */
		for (size_t i = 0; i < sizeof(big); i++)
			out8(0, 'a' + i % 26);
		uart8250__flush(u);
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		n = read(p[0], got + have, sizeof(got) - have);
		if (n <= 0)
			break;
		have += n;
	}
	waitpid(child, NULL, 0);
	cr_assert_eq(have, sizeof(big), "every byte arrived (%zu)", have);
	for (size_t i = 0; i < have; i++)
		cr_assert_eq(got[i], 'a' + i % 26);
	close(p[0]);
}
