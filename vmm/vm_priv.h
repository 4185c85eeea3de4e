/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parts of VM bring-up and teardown that vm.c calls but that do one
 * job of their own: what the guest is given to boot (vm_image.c) and what
 * imsvm reports about a VM at exit (vm_report.c).
 */
#ifndef VMM_VM_PRIV_H
#define VMM_VM_PRIV_H

#include <stddef.h>

#include "vmm/boot.h"
#include "vmm/util.h"
#include "vmm/vm.h"

/*
 * The guest's device tree in a new buffer (LAYOUT_DTB_MAX; the caller frees
 * it), also written to --dump-dtb. 0, or -errno after one error line.
 */
int __must_check vm_image__build_dtb(struct vm *vm, void **dtb, size_t *dtb_size);

/*
 * Load the kernel (and initrd) of the configuration into guest RAM with the
 * device tree, filling the boot vCPU's state. 0, or -errno after one line
 * naming the file and what is wrong with it.
 */
int __must_check vm_image__load_kernel(struct vm *vm, const void *dtb, size_t dtb_size,
				       struct boot_cpu_state *cpu);

/* --stats at exit, on stderr: KVM's exit counts per vCPU and in total. */
void vm_report__exit_counts(struct vm *vm);

/* --stats at exit: imsvm's own host memory, guest RAM left out. */
void vm_report__host_memory(struct vm *vm);

#endif /* VMM_VM_PRIV_H */
