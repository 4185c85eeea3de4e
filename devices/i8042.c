/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * i8042 keyboard controller (devices/i8042.h).
 *
 * Every controller command that returns bytes answers at once: Linux waits
 * up to half a second per missing answer. The keyboard behind it
 * acknowledges every command (reset answers 0xFA 0xAA, identify 0xFA 0xAB
 * 0x83) and never sends a key. There is no AUX port: the AUX loopback
 * command (0xD3) echoes its byte as keyboard data and the AUX interface test
 * (0xA9) reports "clock line stuck low", which is how Linux tells a
 * controller without one, at once.
 *
 * IRQ 1 follows "a keyboard byte is waiting and Command byte bit 0 enables
 * its interrupt"; reading a byte lowers it, and raises it again if another
 * waits, so each byte is one edge.
 *
 * Device tree: reg in imsvm's port I/O convention (high address cell 1 =
 * I/O space): <1 0x60 0 1>, <1 0x64 0 1>.
 */
#include <errno.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/i8042.h"
#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define I8042_DATA_PORT		0x60
#define I8042_CMD_PORT		LAYOUT_PORT_I8042	/* 0x64 */
#define I8042_KBD_IRQ		1
#define I8042_QUEUE		16

/* Status register */
#define STR_OBF			0x01
#define STR_SYS			0x04
#define STR_CMDDAT		0x08	/* last write was to the command port */
#define STR_KEYLOCK		0x10	/* 1: keyboard not inhibited */

/* Command byte (CTR) */
#define CTR_KBDINT		0x01
#define CTR_SYS			0x04
#define CTR_KBDDIS		0x10
#define CTR_AUXDIS		0x20
#define CTR_XLATE		0x40

/* Output port: bit 0 is the CPU reset line, active low; bit 1 is A20. */
#define OUTPORT_RESET_N		0x01
#define OUTPORT_A20		0x02

/* Keyboard replies */
#define KBD_ACK			0xFA
#define KBD_RESEND		0xFE
#define KBD_BAT_OK		0xAA

struct i8042 {
	struct vm *vm;
	struct device dev;
	pthread_mutex_t lock;

	u8 ctr;
	u8 outport;
	u8 pending_cmd;		/* controller command waiting for its data byte */
	u8 kbd_pending;		/* keyboard command waiting for its parameter */
	bool last_was_cmd;
	bool irq_level;

	u8 queue[I8042_QUEUE];	/* bytes for the guest to read from port 0x60 */
	unsigned int q_head, q_count;

	u64 resets;
	u64 unknown_cmds;
};

static void push(struct i8042 *k, u8 byte)
{
	if (k->q_count == I8042_QUEUE)
		return;		/* a guest that never reads: drop, as a full buffer would */
	k->queue[(k->q_head + k->q_count) % I8042_QUEUE] = byte;
	k->q_count++;
}

static u8 pop(struct i8042 *k)
{
	u8 b;

	if (!k->q_count)
		return 0;
	b = k->queue[k->q_head];
	k->q_head = (k->q_head + 1) % I8042_QUEUE;
	k->q_count--;
	return b;
}

static void update_irq(struct i8042 *k)
{
	bool level = k->q_count && (k->ctr & CTR_KBDINT);

	if (level == k->irq_level)
		return;
	k->irq_level = level;
	if (vm__irq_line(k->vm, I8042_KBD_IRQ, level))
		pr_warn_ratelimited("i8042: cannot set IRQ %d", I8042_KBD_IRQ);
}

static void reset_line(struct i8042 *k, const char *how)
{
	k->resets++;
	pr_debug("i8042: guest pulsed the reset line (%s)", how);
	vm__request_exit(k->vm, VM_EXIT_POWEROFF, 0);
}

static void controller_command(struct i8042 *k, u8 cmd)
{
	switch (cmd) {
	case 0x20:			/* read command byte */
		push(k, k->ctr);
		break;
	case 0x21 ... 0x3F:		/* read controller RAM */
		push(k, 0);
		break;
	case 0x60 ... 0x7F:		/* write command byte / RAM: data follows */
	case 0xD1:			/* write output port */
	case 0xD2:			/* write keyboard output buffer */
	case 0xD3:			/* write AUX output buffer */
	case 0xD4:			/* write to AUX device */
		k->pending_cmd = cmd;
		break;
	case 0xA7:
		k->ctr |= CTR_AUXDIS;
		break;
	case 0xA8:
		k->ctr &= ~CTR_AUXDIS;
		break;
	case 0xA9:			/* AUX interface test: no AUX port */
		push(k, 0x01);
		break;
	case 0xAA:			/* controller self-test */
		push(k, 0x55);
		break;
	case 0xAB:			/* keyboard interface test: OK */
		push(k, 0x00);
		break;
	case 0xAD:
		k->ctr |= CTR_KBDDIS;
		break;
	case 0xAE:
		k->ctr &= ~CTR_KBDDIS;
		break;
	case 0xC0:			/* read input port */
	case 0xE0:			/* read test inputs */
		push(k, 0x00);
		break;
	case 0xD0:			/* read output port */
		push(k, k->outport);
		break;
	case 0xF0 ... 0xFF:		/* pulse output lines low; bit 0 is reset */
		if (!(cmd & 0x01))
			reset_line(k, "command 0xFE");
		break;
	default:
		k->unknown_cmds++;
		pr_debug("i8042: unknown command %#x", cmd);
		break;
	}
}

static void controller_data(struct i8042 *k, u8 cmd, u8 val)
{
	switch (cmd) {
	case 0x60:
		k->ctr = val;
		break;
	case 0xD1:
		k->outport = val;
		if (!(val & OUTPORT_RESET_N))
			reset_line(k, "output port bit 0");
		break;
	case 0xD2:
	case 0xD3:	/* no AUX port: the byte comes back as keyboard data */
		push(k, val);
		break;
	default:	/* controller RAM, AUX device: nothing there */
		break;
	}
}

static void keyboard_byte(struct i8042 *k, u8 val)
{
	u8 param_of = k->kbd_pending;

	/* Writing to the keyboard enables its interface, as real controllers do. */
	k->ctr &= ~CTR_KBDDIS;
	if (param_of) {
		k->kbd_pending = 0;
		push(k, KBD_ACK);
		if (param_of == 0xF0 && val == 0)
			push(k, 0x02);		/* current scancode set */
		return;
	}
	switch (val) {
	case 0xFF:				/* reset and self-test */
		push(k, KBD_ACK);
		push(k, KBD_BAT_OK);
		break;
	case 0xF2:				/* identify: MF2 keyboard */
		push(k, KBD_ACK);
		push(k, 0xAB);
		push(k, 0x83);
		break;
	case 0xEE:				/* echo */
		push(k, 0xEE);
		break;
	case 0xED:				/* set LEDs */
	case 0xF0:				/* scancode set */
	case 0xF3:				/* typematic rate */
		k->kbd_pending = val;
		push(k, KBD_ACK);
		break;
	case 0xF4 ... 0xFD:			/* enable, disable, defaults, modes */
		push(k, KBD_ACK);
		break;
	default:
		push(k, KBD_RESEND);
		break;
	}
}

static void i8042_read(void *opaque, u64 offset, void *data, u32 len, bool cmd_port)
{
	struct i8042 *k = opaque;
	u8 v;

	pthread_mutex_lock(&k->lock);
	if (cmd_port) {
		v = (k->q_count ? STR_OBF : 0) | (k->ctr & CTR_SYS ? STR_SYS : 0) |
		    (k->last_was_cmd ? STR_CMDDAT : 0) | STR_KEYLOCK;
	} else {
		v = pop(k);
		/*
		 * The real controller has a one-byte output buffer: the next
		 * byte enters it, and interrupts again, only after this read.
		 * Linux reads one byte per interrupt, so each byte needs its
		 * own edge.
		 */
		if (k->irq_level) {
			k->irq_level = false;
			if (vm__irq_line(k->vm, I8042_KBD_IRQ, false))
				pr_warn_ratelimited("i8042: cannot set IRQ %d", I8042_KBD_IRQ);
		}
		update_irq(k);
	}
	pthread_mutex_unlock(&k->lock);
	memset(data, v, len);
}

static void i8042_write(void *opaque, u64 offset, const void *data, u32 len, bool cmd_port)
{
	struct i8042 *k = opaque;
	u8 v = *(const u8 *)data;

	pthread_mutex_lock(&k->lock);
	k->last_was_cmd = cmd_port;
	if (cmd_port) {
		k->pending_cmd = 0;	/* a new command abandons a pending one */
		controller_command(k, v);
	} else if (k->pending_cmd) {
		u8 cmd = k->pending_cmd;

		k->pending_cmd = 0;
		controller_data(k, cmd, v);
	} else {
		keyboard_byte(k, v);
	}
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void data_read(void *opaque, u64 offset, void *data, u32 len)
{
	i8042_read(opaque, offset, data, len, false);
}

static void data_write(void *opaque, u64 offset, const void *data, u32 len)
{
	i8042_write(opaque, offset, data, len, false);
}

static void cmd_read(void *opaque, u64 offset, void *data, u32 len)
{
	i8042_read(opaque, offset, data, len, true);
}

static void cmd_write(void *opaque, u64 offset, const void *data, u32 len)
{
	i8042_write(opaque, offset, data, len, true);
}

static const struct bus_ops data_ops = { .read = data_read, .write = data_write };
static const struct bus_ops cmd_ops = { .read = cmd_read, .write = cmd_write };

static int i8042_fdt_node(struct device *dev, void *fdt)
{
	const fdt32_t reg[] = {
		cpu_to_fdt32(1), cpu_to_fdt32(I8042_DATA_PORT), cpu_to_fdt32(0), cpu_to_fdt32(1),
		cpu_to_fdt32(1), cpu_to_fdt32(I8042_CMD_PORT), cpu_to_fdt32(0), cpu_to_fdt32(1),
	};
	int ret = 0;

	ret = ret ?: fdt_begin_node(fdt, "keyboard-controller@60");
	ret = ret ?: fdt_property_string(fdt, "compatible", "intel,8042");
	ret = ret ?: fdt_property(fdt, "reg", reg, sizeof(reg));
	ret = ret ?: fdt_property_u32(fdt, "interrupts", I8042_KBD_IRQ);
	ret = ret ?: fdt_end_node(fdt);
	return ret ? -ENOSPC : 0;
}

static void reset_state(struct i8042 *k)
{
	/* As firmware leaves it: keyboard interrupt on, system flag, translation. */
	k->ctr = CTR_KBDINT | CTR_SYS | CTR_XLATE;
	k->outport = OUTPORT_RESET_N | OUTPORT_A20;
	k->pending_cmd = k->kbd_pending = 0;
	k->q_head = k->q_count = 0;
	k->last_was_cmd = false;
}

static void i8042_reset(struct device *dev)
{
	struct i8042 *k = dev->priv;

	pthread_mutex_lock(&k->lock);
	reset_state(k);
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_destroy(struct device *dev)
{
	struct i8042 *k = dev->priv;

	bus__unregister(&k->vm->pio_bus, I8042_CMD_PORT);
	bus__unregister(&k->vm->pio_bus, I8042_DATA_PORT);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

static const struct device_ops i8042_device_ops = {
	.fdt_node = i8042_fdt_node,
	.reset = i8042_reset,
	.destroy = i8042_destroy,
};

int i8042__init(struct vm *vm)
{
	struct i8042 *k;
	int ret;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->vm = vm;
	k->dev = (struct device){ .name = "i8042", .ops = &i8042_device_ops, .priv = k };
	pthread_mutex_init(&k->lock, NULL);
	reset_state(k);

	ret = bus__register(&vm->pio_bus, I8042_DATA_PORT, 1, &data_ops, k);
	if (ret)
		goto err_free;
	ret = bus__register(&vm->pio_bus, I8042_CMD_PORT, 1, &cmd_ops, k);
	if (ret)
		goto err_data;
	device_list__add(&vm->devices, &k->dev);
	return 0;

err_data:
	bus__unregister(&vm->pio_bus, I8042_DATA_PORT);
err_free:
	pthread_mutex_destroy(&k->lock);
	free(k);
	return ret;
}
