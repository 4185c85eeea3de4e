/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between devices/pci_host.c and devices/pci_config.c only. */
#ifndef DEVICES_PCI_INTERNAL_H
#define DEVICES_PCI_INTERNAL_H

#include <pthread.h>

#include "devices/pci.h"
#include "vmm/device.h"

#define PCI_INTX_LINES	4	/* the swizzle spreads slots over 4 IOAPIC pins */

struct pci_root {
	struct vm *vm;
	struct device dev;			/* entry on vm->devices: fdt, destroy */
	pthread_mutex_t lock;			/* config, registration, BAR moves */
	u32 conf1_addr;				/* 0xCF8, under lock */
	struct pci_device *slots[PCI_NR_SLOTS];
	struct pci_device host_bridge;

	pthread_mutex_t irq_lock;		/* leaf: INTx state below */
	unsigned int intx_asserted[PCI_INTX_LINES];	/* devices asserting each line */

	struct pci_root_stats stats;		/* atomics */
};

/* Config access to @dev within one dword; root->lock held. */
void pci_config__read(struct pci_device *dev, u32 off, void *data, u32 len);
void pci_config__write(struct pci_device *dev, u32 off, const void *data, u32 len);

/* Make every BAR decode where cfg says (root->lock held); 0 or first -errno. */
int pci_config__update_bars(struct pci_device *dev);
/* Unmap every BAR (unregistration); root->lock held. */
void pci_config__unmap_bars(struct pci_device *dev);

/* Attach @dev's INTx to its line (registration) / detach, dropping its level. */
void pci_config__intx_attach(struct pci_root *root, struct pci_device *dev);
void pci_config__intx_detach(struct pci_root *root, struct pci_device *dev);

#endif /* DEVICES_PCI_INTERNAL_H */
