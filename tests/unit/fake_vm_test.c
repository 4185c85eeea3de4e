/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fake VM of tests/unit/fake_vm.h. This file is linked only into the
 * unit-test binary (it is a *_test.c).
 */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "tests/unit/fake_vm.h"
#include "vmm/event_loop.h"

static int record_irq(struct vm *vm, u32 irq, bool level)
{
	struct fake_vm *f = container_of(vm, struct fake_vm, vm);

	pthread_mutex_lock(&f->lock);
	if (irq >= FAKE_VM_IRQS) {
		f->bad_irq_calls++;
		pthread_mutex_unlock(&f->lock);
		return -EINVAL;
	}
	if (level && !f->level[irq])
		f->raises[irq]++;
	if (!level && f->level[irq])
		f->lowers[irq]++;
	f->level[irq] = level;
	f->calls[irq]++;
	if (f->nr_events < FAKE_VM_MAX_EVENTS)
		f->events[f->nr_events++] = irq << 1 | level;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

void fake_vm__init(struct fake_vm *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->cfg.cmdline = "";
	f->cfg.name = "fake";
	f->cfg.mem_bytes = 0;
	f->cfg.nr_cpus = 1;
	f->vm.cfg = &f->cfg;
	f->vm.kvm_fd = -1;
	f->vm.vm_fd = -1;
	f->vm.mem.fd = -1;
	bus__init(&f->vm.pio_bus, "pio");
	bus__init(&f->vm.mmio_bus, "mmio");
	device_list__init(&f->vm.devices);
	f->vm.irq_line_hook = record_irq;
	f->vm.test_priv = f;
}

void fake_vm__destroy(struct fake_vm *f)
{
	device_list__destroy(&f->vm.devices);
	bus__destroy(&f->vm.pio_bus);
	bus__destroy(&f->vm.mmio_bus);
	pthread_mutex_destroy(&f->lock);
}

void fake_vm__clear_irq_log(struct fake_vm *f)
{
	pthread_mutex_lock(&f->lock);
	memset(f->raises, 0, sizeof(f->raises));
	memset(f->lowers, 0, sizeof(f->lowers));
	memset(f->calls, 0, sizeof(f->calls));
	f->nr_events = 0;
	pthread_mutex_unlock(&f->lock);
}

int fake_vm__build_fdt(struct fake_vm *f, void *buf, int size)
{
	int ret = 0;

	ret |= fdt_create(buf, size);
	ret |= fdt_finish_reservemap(buf);
	ret |= fdt_begin_node(buf, "");
	ret |= fdt_property_u32(buf, "#address-cells", 2);
	ret |= fdt_property_u32(buf, "#size-cells", 2);
	if (ret)
		return -ENOSPC;
	device_list__for_each(&f->vm.devices, dev) {
		if (dev->ops && dev->ops->fdt_node) {
			ret = dev->ops->fdt_node(dev, buf);
			if (ret)
				return ret;
		}
	}
	ret |= fdt_end_node(buf);
	ret |= fdt_finish(buf);
	return ret ? -ENOSPC : 0;
}

u32 fake_vm__pio_read(struct fake_vm *f, u16 port, u32 len)
{
	u32 v = 0;

	bus__dispatch(&f->vm.pio_bus, false, port, &v, len);
	return len == 4 ? v : v & ((1u << (len * 8)) - 1);
}

void fake_vm__pio_write(struct fake_vm *f, u16 port, u32 val, u32 len)
{
	bus__dispatch(&f->vm.pio_bus, true, port, &val, len);
}

u64 fake_vm__mmio_read(struct fake_vm *f, u64 addr, u32 len)
{
	u64 v = 0;

	bus__dispatch(&f->vm.mmio_bus, false, addr, &v, len);
	return len == 8 ? v : v & ((1ULL << (len * 8)) - 1);
}

void fake_vm__mmio_write(struct fake_vm *f, u64 addr, u64 val, u32 len)
{
	bus__dispatch(&f->vm.mmio_bus, true, addr, &val, len);
}

/*
 * IMSVM_TEST_SHIM: stand-ins for the runtime's vm__irq_line(),
 * vm__request_exit() and event-loop registration, so the device tests link
 * before (or without) vmm/vm.c and vmm/event_loop.c. They are weak: once the
 * real ones are linked in, those win, and the tests then exercise them
 * through the same documented seam (irq_line_hook, exit_reason/exit_status).
 */
__attribute__((weak)) int vm__irq_line(struct vm *vm, u32 irq, bool level)
{
	if (vm->irq_line_hook)
		return vm->irq_line_hook(vm, irq, level);
	return -ENOSYS;
}

__attribute__((weak)) void vm__request_exit(struct vm *vm, enum vm_exit_reason reason, int status)
{
	int expected = VM_RUNNING;

	if (atomic_compare_exchange_strong(&vm->exit_reason, &expected, (int)reason))
		vm->exit_status = status;
}

__attribute__((weak)) int event_loop__add(struct event_loop *loop, int fd, u32 events,
					  event_loop_cb cb, void *opaque)
{
	return -ENOSYS;
}

__attribute__((weak)) int event_loop__del(struct event_loop *loop, int fd)
{
	return -ENOENT;
}
