/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake VM for unit tests and fuzz targets: real buses and device list, no
 * KVM (vm_fd = -1). Interrupt levels are recorded through vm->irq_line_hook;
 * accesses are driven through bus__dispatch() exactly as vCPU exits arrive.
 */
#ifndef TESTS_UNIT_FAKE_VM_H
#define TESTS_UNIT_FAKE_VM_H

#include <pthread.h>

#include "vmm/vm.h"

#define FAKE_VM_IRQS		32
#define FAKE_VM_MAX_EVENTS	4096

struct fake_vm {
	struct vm vm;
	struct vm_config cfg;
	pthread_mutex_t lock;			/* protects the fields below */
	bool level[FAKE_VM_IRQS];		/* last level set per line */
	unsigned int raises[FAKE_VM_IRQS];	/* low -> high transitions */
	unsigned int lowers[FAKE_VM_IRQS];	/* high -> low transitions */
	unsigned int calls[FAKE_VM_IRQS];	/* every vm__irq_line() call */
	unsigned int nr_events;			/* log: irq << 1 | level */
	u32 events[FAKE_VM_MAX_EVENTS];
	int bad_irq_calls;			/* irq >= FAKE_VM_IRQS */
};

void fake_vm__init(struct fake_vm *f);
void fake_vm__destroy(struct fake_vm *f);
void fake_vm__clear_irq_log(struct fake_vm *f);

/*
 * Build a flattened device tree in @buf from every device's ->fdt_node, all
 * at the root (#address-cells = <2>, #size-cells = <2>). 0 or -errno.
 */
int fake_vm__build_fdt(struct fake_vm *f, void *buf, int size);

u32 fake_vm__pio_read(struct fake_vm *f, u16 port, u32 len);
void fake_vm__pio_write(struct fake_vm *f, u16 port, u32 val, u32 len);
u64 fake_vm__mmio_read(struct fake_vm *f, u64 addr, u32 len);
void fake_vm__mmio_write(struct fake_vm *f, u64 addr, u64 val, u32 len);

#endif /* TESTS_UNIT_FAKE_VM_H */
