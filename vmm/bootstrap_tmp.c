/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TEMPORARY weak stand-in for the i8042 device, which has not landed yet;
 * its strong definition replaces this one at link time. Delete this file
 * and bootstrap_tmp.h once it has.
 */
#include "vmm/bootstrap_tmp.h"

int __attribute__((weak)) i8042__init(struct vm *vm)
{
	return 0;
}
