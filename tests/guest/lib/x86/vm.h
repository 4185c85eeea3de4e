/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mapping memory beyond the boot page tables' low 4 GiB, for tests that
 * touch RAM above 4 GiB. Identity mappings only, 1 GiB at a time (built of
 * 2 MiB pages, which every x86-64 CPU has).
 */
#ifndef TESTS_GUEST_LIB_X86_VM_H
#define TESTS_GUEST_LIB_X86_VM_H

#include "libcflat.h"

/* Identity-map the GiB holding phys (below 512 GiB). False if out of tables. */
bool vm_map_gib(phys_addr_t phys);

#endif /* TESTS_GUEST_LIB_X86_VM_H */
