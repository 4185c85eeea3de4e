/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TEMPORARY (deleted once the i8042 device has landed):
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

#endif /* VMM_BOOTSTRAP_TMP_H */
