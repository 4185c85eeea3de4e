/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TEMPORARY weak stand-ins for the device and device-tree code that has not
 * landed yet; their strong definitions replace these at link time. Delete
 * this file and bootstrap_tmp.h once they have.
 */
#include <errno.h>

#include <libfdt.h>

#include "vmm/bootstrap_tmp.h"

#define __weak __attribute__((weak))

__weak int i8042__init(struct vm *vm)
{
	return 0;
}

__weak int pci__init(struct vm *vm)
{
	return 0;
}

__weak int fdt__build(struct vm *vm, void *buf, size_t size)
{
	return fdt_create_empty_tree(buf, (int)size) ? -EINVAL : 0;
}
