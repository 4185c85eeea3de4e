/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough ACPI to list CPUs from the MADT. imsvm describes its machine
 * with the MP table and the device tree; this is for firmware-booted
 * machines (QEMU with SeaBIOS lists only the BSP in its MP table).
 */
#ifndef TESTS_GUEST_LIB_X86_ACPI_H
#define TESTS_GUEST_LIB_X86_ACPI_H

#include "libcflat.h"

/* APIC ids of enabled processors in the MADT; returns the count, 0 if no ACPI. */
int acpi_madt_cpus(u32 *ids, int max);

#endif /* TESTS_GUEST_LIB_X86_ACPI_H */
