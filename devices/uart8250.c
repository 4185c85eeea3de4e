/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 16550A UART (devices/uart8250.h).
 *
 * Transmission is instantaneous: THR and the transmitter are always empty
 * again by the time the guest looks (LSR.THRE and LSR.TEMT always set), so a
 * THR write re-arms the THRE interrupt at once. The interrupt output follows
 * the IIR: the line is high while any enabled condition is pending, and
 * vm__irq_line() is called only when that changes. ISA IRQ 4 is edge
 * triggered in the PIC and (per the MP table) the IOAPIC; a THR write while
 * THRE is the pending source lowers and raises the line, which is the edge
 * the guest's next THRE interrupt needs.
 *
 * Output is buffered and written at a newline, when the buffer is full, when
 * the guest reads IIR (an interrupt-driven driver such as Linux's does so on
 * every interrupt, including the final THRE one, so prompts without a
 * newline appear), when it reads LSR twice with no THR write between (a
 * polling guest that stopped transmitting), and on destroy.
 *
 * Console input is read from stdin by the event loop into a 4 KiB buffer and
 * fed into the 16-byte receive FIFO as the guest drains it; while that
 * buffer is full stdin is not watched, so pasted text is paced, not lost.
 * Overruns happen only for bytes arriving on the "wire" (loopback, and the
 * uart8250__receive() seam), as on a real line.
 *
 * Device tree: port I/O devices sit at the root like every device node, in
 * the root's cells (#address-cells = <2>, #size-cells = <2>), with the
 * address's high cell naming the space as in the ISA binding: 1 = I/O port.
 * So reg = <1 PORT 0 LEN> (docs/device-tree.md).
 *
 * One mutex per UART: vCPU threads and the event loop thread both enter.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/uart8250_priv.h"
#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define UART_NR_PORTS	8
#define UART_CLOCK_HZ	1843200

/* Register offsets (DLAB = 0 unless noted). */
#define UART_RBR	0	/* read */
#define UART_THR	0	/* write */
#define UART_DLL	0	/* DLAB = 1 */
#define UART_IER	1
#define UART_DLM	1	/* DLAB = 1 */
#define UART_IIR	2	/* read */
#define UART_FCR	2	/* write */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* transmitter holding register empty */
#define IER_RLSI	0x04	/* receiver line status */
#define IER_MSI		0x08	/* modem status */

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_CTI		0x0C	/* character timeout: data below the trigger level */
#define IIR_FIFO_ON	0xC0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80
/* Outside loopback the modem lines say "connected, clear to send". */
#define MSR_IDLE	(MSR_DCD | MSR_DSR | MSR_CTS)

static const struct device_ops uart_device_ops;

/* ---- receive FIFO ---------------------------------------------------- */

unsigned int uart_rx_capacity(const struct uart8250 *u)
{
	/* With the FIFO off the 16550 behaves as a 16450: one holding register. */
	return u->fifo_on ? UART_FIFO_SIZE : 1;
}

bool uart_rx_push(struct uart8250 *u, u8 c)
{
	if (u->rx_count >= uart_rx_capacity(u)) {
		u->overrun = true;
		u->stats.overruns++;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = c;
	u->rx_count++;
	u->stats.rx_bytes++;
	return true;
}

static u8 rx_pop(struct uart8250 *u)
{
	u8 c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return c;
}

static void rx_clear(struct uart8250 *u)
{
	u->rx_head = u->rx_count = 0;
}

/* ---- interrupts ------------------------------------------------------ */

static u8 compute_iir(const struct uart8250 *u)
{
	u8 fifo = u->fifo_on ? IIR_FIFO_ON : 0;

	if ((u->ier & IER_RLSI) && u->overrun)
		return fifo | IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count)
		return fifo | (u->fifo_on && u->rx_count < u->rx_trigger ? IIR_CTI : IIR_RDI);
	if ((u->ier & IER_THRI) && u->thri_pending)
		return fifo | IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & 0x0F))
		return fifo | IIR_MSI;
	return fifo | IIR_NO_INT;
}

void uart_update_irq(struct uart8250 *u)
{
	bool level = !(compute_iir(u) & IIR_NO_INT);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (vm__irq_line(u->vm, LAYOUT_IRQ_COM1, level))
		pr_warn_ratelimited("uart: cannot set IRQ %d to %d", LAYOUT_IRQ_COM1, level);
}

/* ---- modem control / status ------------------------------------------ */

static u8 loopback_msr_status(u8 mcr)
{
	return ((mcr & MCR_RTS) ? MSR_CTS : 0) | ((mcr & MCR_DTR) ? MSR_DSR : 0) |
	       ((mcr & MCR_OUT1) ? MSR_RI : 0) | ((mcr & MCR_OUT2) ? MSR_DCD : 0);
}

static void set_msr_status(struct uart8250 *u, u8 status)
{
	u8 old = u->msr & 0xF0, delta = 0;

	if ((old ^ status) & MSR_CTS)
		delta |= MSR_DCTS;
	if ((old ^ status) & MSR_DSR)
		delta |= MSR_DDSR;
	if ((old & MSR_RI) && !(status & MSR_RI))
		delta |= MSR_TERI;	/* trailing edge only */
	if ((old ^ status) & MSR_DCD)
		delta |= MSR_DDCD;
	u->msr = status | (u->msr & 0x0F) | delta;
}

static void write_mcr(struct uart8250 *u, u8 val)
{
	u->mcr = val & 0x1F;
	set_msr_status(u, (u->mcr & MCR_LOOP) ? loopback_msr_status(u->mcr) : MSR_IDLE);
	uart_console_feed(u);	/* leaving loopback reconnects the input */
}

/* ---- register access --------------------------------------------------- */

static void write_fcr(struct uart8250 *u, u8 val)
{
	static const u8 trigger[4] = { 1, 4, 8, 14 };
	bool on = val & FCR_ENABLE;

	/* Changing the FIFO mode resets both FIFOs, as on the 16550A. */
	if (on != u->fifo_on || (val & FCR_CLEAR_RX)) {
		rx_clear(u);
		if (on != u->fifo_on)
			u->overrun = false;
	}
	u->fifo_on = on;
	u->rx_trigger = trigger[val >> 6];
	uart_console_feed(u);
}

static void write_thr(struct uart8250 *u, u8 c)
{
	/* Writing THR clears the THRE interrupt; sending the byte sets it again. */
	u->thri_pending = false;
	uart_update_irq(u);
	if (u->mcr & MCR_LOOP)
		uart_rx_push(u, c);
	else
		uart_console_put(u, c);
	u->thri_pending = true;
}

static void uart_write_byte(struct uart8250 *u, unsigned int reg, u8 val)
{
	bool dlab = u->lcr & LCR_DLAB;

	u->lsr_polled = false;
	switch (reg) {
	case UART_THR:
		if (dlab)
			u->dll = val;
		else
			write_thr(u, val);
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
		} else {
			/* Enabling THRI with THR empty raises THRE at once (16550A). */
			if ((val & IER_THRI) && !(u->ier & IER_THRI))
				u->thri_pending = true;
			u->ier = val & 0x0F;
		}
		break;
	case UART_FCR:
		write_fcr(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		write_mcr(u, val);
		break;
	case UART_LSR:
	case UART_MSR:
		break;		/* factory test registers: ignored */
	case UART_SCR:
		u->scr = val;
		break;
	}
}

static u8 uart_read_byte(struct uart8250 *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	bool was_polled = u->lsr_polled;
	u8 val = 0;

	u->lsr_polled = false;
	switch (reg) {
	case UART_RBR:
		if (dlab) {
			val = u->dll;
		} else {
			val = rx_pop(u);
			uart_console_feed(u);
		}
		break;
	case UART_IER:
		val = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		val = compute_iir(u);
		if ((val & 0x0F) == IIR_THRI)
			u->thri_pending = false;
		if (u->out_len)
			uart_console_flush(u);
		break;
	case UART_LCR:
		val = u->lcr;
		break;
	case UART_MCR:
		val = u->mcr;
		break;
	case UART_LSR:
		val = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0) | (u->overrun ? LSR_OE : 0);
		u->overrun = false;
		if (was_polled && u->out_len)
			uart_console_flush(u);
		u->lsr_polled = true;
		break;
	case UART_MSR:
		val = u->msr;
		u->msr &= 0xF0;
		break;
	case UART_SCR:
		val = u->scr;
		break;
	}
	return val;
}

/*
 * The UART is byte-wide: a wider access (outw/outl) reaches consecutive
 * registers one byte at a time, as the ISA bus splits it.
 */
static void uart_read(void *opaque, u64 offset, void *data, u32 len)
{
	struct uart8250 *u = opaque;
	u8 *d = data;
	bool rewatch;

	pthread_mutex_lock(&u->lock);
	if (len > 1)
		u->stats.wide_accesses++;
	for (u32 i = 0; i < len; i++)
		d[i] = offset + i < UART_NR_PORTS ? uart_read_byte(u, offset + i) : 0xff;
	uart_update_irq(u);
	rewatch = uart_console_wants_rewatch(u);
	pthread_mutex_unlock(&u->lock);
	if (rewatch)
		uart_console_rewatch(u);
}

static void uart_write(void *opaque, u64 offset, const void *data, u32 len)
{
	struct uart8250 *u = opaque;
	const u8 *d = data;

	pthread_mutex_lock(&u->lock);
	if (len > 1)
		u->stats.wide_accesses++;
	for (u32 i = 0; i < len && offset + i < UART_NR_PORTS; i++)
		uart_write_byte(u, offset + i, d[i]);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static const struct bus_ops uart_bus_ops = {
	.read = uart_read,
	.write = uart_write,
};

unsigned int uart8250__receive(struct uart8250 *u, const u8 *buf, unsigned int len)
{
	unsigned int ok = 0;

	pthread_mutex_lock(&u->lock);
	for (unsigned int i = 0; i < len; i++)
		ok += uart_rx_push(u, buf[i]);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return ok;
}

/* ---- device ------------------------------------------------------------ */

void uart8250__get_stats(struct uart8250 *u, struct uart8250_stats *st)
{
	pthread_mutex_lock(&u->lock);
	*st = u->stats;
	pthread_mutex_unlock(&u->lock);
}

struct uart8250 *uart8250__find(struct vm *vm)
{
	device_list__for_each(&vm->devices, dev)
		if (dev->ops == &uart_device_ops)
			return dev->priv;
	return NULL;
}

/* Power-on state; the console input buffer survives a reset. */
static void reset_regs(struct uart8250 *u)
{
	u->ier = u->mcr = u->scr = 0;
	u->lcr = 0x03;		/* 8N1 */
	u->dll = 12;		/* 9600 baud from 1.8432 MHz */
	u->dlm = 0;
	u->fifo_on = false;
	u->rx_trigger = 1;
	u->thri_pending = false;
	u->overrun = false;
	u->msr = MSR_IDLE;
	u->lsr_polled = false;
	rx_clear(u);
}

static void uart_reset(struct device *dev)
{
	struct uart8250 *u = dev->priv;

	pthread_mutex_lock(&u->lock);
	uart_console_flush(u);
	reset_regs(u);
	uart_console_feed(u);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static int uart_fdt_node(struct device *dev, void *fdt)
{
	const fdt32_t reg[] = { cpu_to_fdt32(1), cpu_to_fdt32(LAYOUT_PORT_COM1),
				cpu_to_fdt32(0), cpu_to_fdt32(UART_NR_PORTS) };
	int ret = 0;

	ret |= fdt_begin_node(fdt, "serial@3f8");
	ret |= fdt_property_string(fdt, "compatible", "ns16550a");
	ret |= fdt_property(fdt, "reg", reg, sizeof(reg));
	ret |= fdt_property_u32(fdt, "clock-frequency", UART_CLOCK_HZ);
	ret |= fdt_property_u32(fdt, "interrupts", LAYOUT_IRQ_COM1);
	ret |= fdt_end_node(fdt);
	return ret ? -ENOSPC : 0;
}

static void uart_destroy(struct device *dev)
{
	struct uart8250 *u = dev->priv;

	bus__unregister(&u->vm->pio_bus, LAYOUT_PORT_COM1);
	uart_console_stop(u);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static const struct device_ops uart_device_ops = {
	.fdt_node = uart_fdt_node,
	.reset = uart_reset,
	.destroy = uart_destroy,
};

int uart8250__init(struct vm *vm)
{
	struct uart8250 *u;
	int ret;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->vm = vm;
	u->dev = (struct device){ .name = "uart8250", .ops = &uart_device_ops, .priv = u };
	u->out_fd = STDOUT_FILENO;
	u->in_fd = -1;
	pthread_mutex_init(&u->lock, NULL);
	reset_regs(u);

	ret = bus__register(&vm->pio_bus, LAYOUT_PORT_COM1, UART_NR_PORTS, &uart_bus_ops, u);
	if (ret)
		goto err_free;

	uart_console_start(u);
	device_list__add(&vm->devices, &u->dev);
	return 0;

err_free:
	pthread_mutex_destroy(&u->lock);
	free(u);
	return ret;
}
