/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device list: every device the VM has, in creation order, for the
 * device tree, reset and teardown. Address decode is the buses' job
 * (vmm/bus.h); this list is for enumeration.
 */
#ifndef VMM_DEVICE_H
#define VMM_DEVICE_H

#include "vmm/util.h"

struct device;

struct device_ops {
	/* Add this device's node(s) to the flattened device tree @fdt (libfdt sequential-write). */
	int (*fdt_node)(struct device *dev, void *fdt);
	/* VM reset (not used at boot). */
	void (*reset)(struct device *dev);
	/* Undo everything the device's init did; called in reverse creation order. */
	void (*destroy)(struct device *dev);
};

struct device {
	const char *name;		/* for messages and the control socket */
	const struct device_ops *ops;
	void *priv;			/* the device's own state */
	struct device *next;
};

struct device_list {
	struct device *head;
	struct device **tail;
};

void device_list__init(struct device_list *list);
void device_list__add(struct device_list *list, struct device *dev);
/* Take @dev off the list without destroying it (hot unplug). -ENOENT if absent. */
int device_list__remove(struct device_list *list, struct device *dev);
/* Calls ->destroy of each device, last added first. */
void device_list__destroy(struct device_list *list);

#define device_list__for_each(list, dev) \
	for (struct device *dev = (list)->head; dev; dev = dev->next)

#endif /* VMM_DEVICE_H */
