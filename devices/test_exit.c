/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test-exit port (devices/test_exit.h).
 *
 * Device tree: port I/O devices sit at the root like every device node, in
 * the root's cells (#address-cells = <2>, #size-cells = <2>), with the
 * address's high cell naming the space as in the ISA binding: 1 = I/O port.
 * So reg = <1 PORT 0 LEN> (docs/device-tree.md).
 */
#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "devices/test_exit.h"
#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define TEST_EXIT_LEN	4

struct test_exit {
	struct vm *vm;
	struct device dev;
	u64 bad_accesses;	/* writes not at offset 0, reads: counted, ignored */
};

static void test_exit_read(void *opaque, u64 offset, void *data, u32 len)
{
	struct test_exit *t = opaque;

	/* Nothing to read; zeros say "no exit pending" to a curious guest. */
	__atomic_add_fetch(&t->bad_accesses, 1, __ATOMIC_RELAXED);
	memset(data, 0, len);
}

static void test_exit_write(void *opaque, u64 offset, const void *data, u32 len)
{
	struct test_exit *t = opaque;
	u32 value = 0;

	if (offset != 0 || (len != 1 && len != 2 && len != 4)) {
		__atomic_add_fetch(&t->bad_accesses, 1, __ATOMIC_RELAXED);
		pr_warn_ratelimited("test-exit: ignored %u-byte write at offset %llu",
				    len, (unsigned long long)offset);
		return;
	}
	memcpy(&value, data, len);	/* little-endian host, zero-extended */
	pr_debug("test-exit: guest wrote %u", value);
	vm__request_exit(t->vm, VM_EXIT_TEST, (int)value);
}

static const struct bus_ops test_exit_ops = {
	.read = test_exit_read,
	.write = test_exit_write,
};

static int test_exit_fdt_node(struct device *dev, void *fdt)
{
	const fdt32_t reg[] = { cpu_to_fdt32(1), cpu_to_fdt32(LAYOUT_PORT_TEST_EXIT),
				cpu_to_fdt32(0), cpu_to_fdt32(TEST_EXIT_LEN) };
	int ret = 0;

	ret |= fdt_begin_node(fdt, "test-exit@f4");
	ret |= fdt_property_string(fdt, "compatible", "imsvm,test-exit");
	ret |= fdt_property(fdt, "reg", reg, sizeof(reg));
	ret |= fdt_end_node(fdt);
	return ret ? -ENOSPC : 0;
}

static void test_exit_destroy(struct device *dev)
{
	struct test_exit *t = dev->priv;

	bus__unregister(&t->vm->pio_bus, LAYOUT_PORT_TEST_EXIT);
	free(t);
}

static const struct device_ops test_exit_device_ops = {
	.fdt_node = test_exit_fdt_node,
	.destroy = test_exit_destroy,
};

int test_exit__init(struct vm *vm)
{
	struct test_exit *t;
	int ret;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->vm = vm;
	t->dev = (struct device){ .name = "test-exit", .ops = &test_exit_device_ops, .priv = t };

	ret = bus__register(&vm->pio_bus, LAYOUT_PORT_TEST_EXIT, TEST_EXIT_LEN,
			    &test_exit_ops, t);
	if (ret)
		goto err_free;
	device_list__add(&vm->devices, &t->dev);
	return 0;

err_free:
	free(t);
	return ret;
}
