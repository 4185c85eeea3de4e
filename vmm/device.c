/* SPDX-License-Identifier: GPL-2.0-only */
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
