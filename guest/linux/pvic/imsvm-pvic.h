/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm PV-IC guest driver: the API an ADI driver uses to get IMS
 * interrupts for its PCI function (docs/linux-guest.md).
 *
 * The ADI driver asks for N Linux interrupts for its device; each comes with
 * the MSI address/data pair the PV-IC handed out, which the driver writes
 * into its device's IMS storage itself. Everything else (affinity, masking,
 * freeing) is ordinary Linux irq handling: the PV-IC irq domain turns it
 * into PV-IC operations.
 */
#ifndef IMSVM_PVIC_H
#define IMSVM_PVIC_H

#include <linux/types.h>

struct pci_dev;
struct msi_msg;
struct imsvm_pvic_adi;

/* Sentinel for imsvm_pvic_alloc_irqs(): the PV-IC does not check IMS slots. */
#define IMSVM_PVIC_IMS_ANY	0xFFFFFFFFu

struct imsvm_pvic_adi_info {
	u32 irq_count;		/* handles the device's host side can bind */
	u32 ims_entries;	/* IMS slots if the host knows them, else 0 */
	u32 handles_owned;	/* live handles of this ADI */
	u32 handles_free;	/* free handles in the VM's remapping table */
	u32 routes_free;	/* GSI routes the host can still give out */
	u32 state;		/* PVIC_ADI_PRESENT, PVIC_ADI_FAILED */
};

/*
 * Claim @pdev as an ADI of the PV-IC. Returns ERR_PTR(-EPROBE_DEFER) when no
 * PV-IC is bound yet, -ENODEV when @pdev is not an assigned ADI. Any handle
 * left from an earlier driver instance is freed (RESET_ADI). @removed, if
 * not NULL, is called from process context when the host reports the ADI
 * failed or removed: its interrupts are gone, the driver should stop.
 */
struct imsvm_pvic_adi *imsvm_pvic_adi_get(struct pci_dev *pdev,
					  void (*removed)(void *priv), void *priv);
/* Release the ADI; frees any handle still allocated (RESET_ADI). */
void imsvm_pvic_adi_put(struct imsvm_pvic_adi *adi);
int imsvm_pvic_adi_query(struct imsvm_pvic_adi *adi, struct imsvm_pvic_adi_info *info);

/*
 * Allocate @nvec consecutive Linux interrupts for IMS slots @first_ims ..
 * @first_ims + @nvec - 1 (or IMSVM_PVIC_IMS_ANY). All or nothing: returns
 * the first interrupt number, or -errno (-ENOSPC when the host has not
 * enough handles or routes). Vectors are assigned by Linux when the
 * interrupt is requested; until then it is masked at the PV-IC.
 */
int imsvm_pvic_alloc_irqs(struct imsvm_pvic_adi *adi, u32 first_ims, unsigned int nvec);
/* Free interrupts from imsvm_pvic_alloc_irqs() (free_irq() them first). */
void imsvm_pvic_free_irqs(struct imsvm_pvic_adi *adi, unsigned int virq, unsigned int nvec);
/* The address/data pair to write into the IMS slot of @virq. */
int imsvm_pvic_get_msg(unsigned int virq, struct msi_msg *msg);

#endif /* IMSVM_PVIC_H */
