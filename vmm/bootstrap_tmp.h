/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TEMPORARY (deleted once the device and device-tree code has landed):
 * declarations of the functions vm__build() wires up, taken from their
 * headers when those exist. vmm/bootstrap_tmp.c has weak stand-ins.
 */
#ifndef VMM_BOOTSTRAP_TMP_H
#define VMM_BOOTSTRAP_TMP_H

#include "vmm/util.h"

struct vm;

#if __has_include("devices/i8042.h")
#include "devices/i8042.h"
#else
int __must_check i8042__init(struct vm *vm);
#endif
#if __has_include("devices/pci.h")
#include "devices/pci.h"
#else
int __must_check pci__init(struct vm *vm);
#endif
#if __has_include("vmm/fdt.h")
#include "vmm/fdt.h"
#else
int __must_check fdt__build(struct vm *vm, void *buf, size_t size);
#endif

#endif /* VMM_BOOTSTRAP_TMP_H */
