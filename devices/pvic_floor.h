/* SPDX-License-Identifier: GPL-2.0-only */
/* The floor of the PV-IC's install-time benchmark (devices/pvic_floor.c). */
#ifndef DEVICES_PVIC_FLOOR_H
#define DEVICES_PVIC_FLOOR_H

#include "vmm/util.h"

struct irq_routing;
struct ims_source;

/* Bind, route and attach @n vectors to handles @first.. of @src back to back; logs the time. */
int pvic_floor__run(struct irq_routing *routing, struct ims_source *src, u32 first, u32 n);

#endif /* DEVICES_PVIC_FLOOR_H */
