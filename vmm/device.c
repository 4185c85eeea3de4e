/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>

#include "vmm/device.h"

void device_list__init(struct device_list *list)
{
	list->head = NULL;
	list->tail = &list->head;
}

void device_list__add(struct device_list *list, struct device *dev)
{
	dev->next = NULL;
	*list->tail = dev;
	list->tail = &dev->next;
}

int device_list__remove(struct device_list *list, struct device *dev)
{
	for (struct device **pp = &list->head; *pp; pp = &(*pp)->next) {
		if (*pp != dev)
			continue;
		*pp = dev->next;
		if (list->tail == &dev->next)
			list->tail = pp;
		dev->next = NULL;
		return 0;
	}
	return -ENOENT;
}

static void destroy_from(struct device *dev)
{
	if (!dev)
		return;
	destroy_from(dev->next);
	if (dev->ops && dev->ops->destroy)
		dev->ops->destroy(dev);
}

void device_list__destroy(struct device_list *list)
{
	struct device *head = list->head;

	device_list__init(list);
	destroy_from(head);
}
