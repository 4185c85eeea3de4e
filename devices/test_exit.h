/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test-exit port: a guest write of a value to LAYOUT_PORT_TEST_EXIT ends
 * the VM, and `imsvm run` exits with that value (guest test kernels: 0 pass,
 * 3 fail, 77 skipped). 1-, 2- and 4-byte writes at the port are accepted.
 */
#ifndef DEVICES_TEST_EXIT_H
#define DEVICES_TEST_EXIT_H

#include "vmm/util.h"

struct vm;

int __must_check test_exit__init(struct vm *vm);

#endif /* DEVICES_TEST_EXIT_H */
