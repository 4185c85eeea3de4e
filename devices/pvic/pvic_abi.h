/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC protocol (docs/pvic.md) as C definitions: the one contract shared
 * by imsvm (host), the guest test kernels and the Linux guest driver. Only
 * fixed-width types, #defines and packed structs, so freestanding code and a
 * Linux module can include it; keep it and docs/pvic.md in step.
 */
#ifndef DEVICES_PVIC_PVIC_ABI_H
#define DEVICES_PVIC_PVIC_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/build_bug.h>
#define PVIC_STATIC_ASSERT(c, m)	static_assert(c, m)
#else
#include <stdint.h>
#define PVIC_STATIC_ASSERT(c, m)	_Static_assert(c, m)
#endif

/* ---- PCI identity: imsvm's own vendor ID ("IM", NOT PCI-SIG assigned) -- */
#define PVIC_PCI_VENDOR_ID		0x494D
#define PVIC_PCI_DEVICE_ID		0x0010
#define PVIC_PCI_SUBSYS_VENDOR_ID	0x494D
#define PVIC_PCI_SUBSYS_ID		0x0010
#define PVIC_PCI_REVISION		0x01
#define PVIC_PCI_CLASS_CODE		0x088000	/* system peripheral, other */

/* ---- BAR0 (4 KiB, 32-bit registers, aligned 4-byte accesses only) ------- */
#define PVIC_BAR0_SIZE			0x1000
#define PVIC_REG_MAGIC			0x000	/* RO PVIC_MAGIC_VALUE */
#define PVIC_MAGIC_VALUE		0x43495650u	/* "PVIC" */
#define PVIC_REG_VERSION		0x004	/* RO major << 16 | minor */
#define PVIC_VERSION_MAJOR		1u
#define PVIC_VERSION_MINOR		0u
#define PVIC_VERSION			((PVIC_VERSION_MAJOR << 16) | PVIC_VERSION_MINOR)
#define PVIC_REG_FEATURES		0x008	/* RO PVIC_FEAT_* offered */
#define PVIC_REG_MAX_ENTRIES		0x00C	/* RO PVIC_MAX_ENTRIES */
#define PVIC_REG_CMD_GPA_LO		0x010	/* RW, bits 11:0 must be 0 */
#define PVIC_REG_CMD_GPA_HI		0x014	/* RW */
#define PVIC_REG_DOORBELL		0x018	/* WO PVIC_DOORBELL_RING */
#define  PVIC_DOORBELL_RING		1u
#define PVIC_REG_LAST_STATUS		0x01C	/* RO batch status of the last doorbell */
#define PVIC_REG_NEXT_SEQ		0x020	/* RO sequence number the next batch must carry */
#define PVIC_REG_EVENT_CAUSE		0x024	/* RW1C PVIC_EVENT_* */
#define PVIC_REG_NR_ADIS		0x028	/* RO */
#define PVIC_REG_GSI_FREE		0x02C	/* RO informational */
#define PVIC_MSIX_TABLE_OFFSET		0x800	/* in BAR0 */
#define PVIC_MSIX_PBA_OFFSET		0xC00	/* in BAR0 */
#define PVIC_MSIX_VECTORS		1
#define PVIC_MSIX_VECTOR_EVENTS		0

#define PVIC_FEAT_BATCH			(1u << 0)
#define PVIC_FEAT_RETARGET		(1u << 1)
#define PVIC_FEAT_MASK			(1u << 2)
#define PVIC_FEAT_EVENTS		(1u << 3)
#define PVIC_FEAT_X2APIC		(1u << 4)
#define PVIC_FEAT_LOWEST_PRIO		(1u << 5)
#define PVIC_FEAT_ALL			0x3Fu

#define PVIC_EVENT_ADI_ADDED		(1u << 0)
#define PVIC_EVENT_ADI_REMOVED		(1u << 1)
#define PVIC_EVENT_HANDLES_REVOKED	(1u << 2)
#define PVIC_EVENT_ALL			0x7u

/* ---- Command page ---------------------------------------------------- */
#define PVIC_PAGE_SIZE			4096
#define PVIC_HDR_SIZE			64
#define PVIC_ENTRY_SIZE			32
#define PVIC_MAX_ENTRIES		((PVIC_PAGE_SIZE - PVIC_HDR_SIZE) / PVIC_ENTRY_SIZE)	/* 126 */

#define PVIC_OP_NEGOTIATE		1
#define PVIC_OP_QUERY_ADI		2
#define PVIC_OP_ALLOC			3
#define PVIC_OP_FREE			4
#define PVIC_OP_RETARGET		5
#define PVIC_OP_MASK			6
#define PVIC_OP_UNMASK			7
#define PVIC_OP_GET_PENDING		8
#define PVIC_OP_RESET_ADI		9
#define PVIC_OP_MAX			9

#define PVIC_HDR_F_ALL_OR_NOTHING	(1u << 0)
#define PVIC_HDR_F_MORE			(1u << 1)	/* ALLOC: more batches follow */
#define PVIC_HDR_F_ALL			0x3u
#define PVIC_RESULT_PARTIAL		(1u << 0)

/* ADI id: the PCI function as the guest sees it. */
#define PVIC_ADI_ID(seg, bus, dev, fn)					\
	(((uint32_t)(seg) << 16) | ((uint32_t)(bus) << 8) |		\
	 ((uint32_t)(dev) << 3) | (uint32_t)(fn))
#define PVIC_ADI_SEG(id)		((id) >> 16)
#define PVIC_ADI_BUS(id)		(((id) >> 8) & 0xFF)
#define PVIC_ADI_DEV(id)		(((id) >> 3) & 0x1F)
#define PVIC_ADI_FN(id)			((id) & 0x7)

#define PVIC_IMS_ANY			0xFFFFFFFFu
#define PVIC_IMS_INDEX_MAX		32767u

#define PVIC_VECTOR_MIN			32	/* 0..15 illegal, 16..31 exceptions */

#define PVIC_DELIVERY_FIXED		0
#define PVIC_DELIVERY_LOWEST		1
#define PVIC_DEST_PHYSICAL		0
#define PVIC_DEST_LOGICAL		1

#define PVIC_ENTRY_F_MASKED		(1u << 0)
#define PVIC_ENTRY_F_PENDING		(1u << 1)
#define PVIC_ENTRY_F_IN_MASK		PVIC_ENTRY_F_MASKED	/* bits a guest may set */

#define PVIC_ADI_PRESENT		(1u << 0)
#define PVIC_ADI_FAILED			(1u << 1)

/* Handles: 1..PVIC_MAX_HANDLES (0 never given out; handle[15] always 0). */
#define PVIC_MAX_HANDLES		32767u

/* Remappable MSI format (Intel VT-d), as devices/adisim/regs.h decodes it. */
#define PVIC_MSI_ADDR_BASE		0xFEE00000u
#define PVIC_MSI_ADDR_REMAP		(1u << 4)
#define PVIC_MSI_ADDR_SHV		(1u << 3)
#define PVIC_MSI_ADDR_HANDLE15		(1u << 2)
#define PVIC_MSI_ADDR_HANDLE_SHIFT	5
#define PVIC_MSI_ADDR_HANDLE_MASK	0x7FFFu
#define PVIC_MSI_REMAP_ADDR(h)						\
	(PVIC_MSI_ADDR_BASE | PVIC_MSI_ADDR_REMAP |			\
	 (((uint32_t)(h) & PVIC_MSI_ADDR_HANDLE_MASK) << PVIC_MSI_ADDR_HANDLE_SHIFT))

/* Status codes: negative Linux errno values, spelled out for non-Linux guests. */
#define PVIC_OK				0
#define PVIC_EPERM			(-1)
#define PVIC_ENOENT			(-2)
#define PVIC_EIO			(-5)
#define PVIC_EAGAIN			(-11)
#define PVIC_EFAULT			(-14)
#define PVIC_EBUSY			(-16)
#define PVIC_ENODEV			(-19)
#define PVIC_EINVAL			(-22)
#define PVIC_ENOSPC			(-28)
#define PVIC_EPROTO			(-71)
#define PVIC_EOPNOTSUPP			(-95)
#define PVIC_ECANCELED			(-125)

struct pvic_hdr {
	uint32_t op;
	uint32_t flags;
	int32_t status;
	uint32_t seq;
	uint32_t adi;
	uint32_t count;
	uint32_t done;
	uint32_t result;
	uint32_t reserved[8];
} __attribute__((packed));

struct pvic_entry {
	uint32_t handle;
	uint32_t ims_index;
	uint32_t dest_id;
	uint8_t vector;
	uint8_t delivery_mode;
	uint8_t dest_mode;
	uint8_t flags;
	uint32_t addr_lo;
	uint32_t addr_hi;
	uint32_t data;
	int32_t status;
} __attribute__((packed));

/* NEGOTIATE: overlays entry 0. */
struct pvic_negotiate {
	uint32_t version;
	uint32_t features;
	uint32_t max_entries;
	uint32_t nr_adis;
	uint32_t max_handles;
	uint32_t nr_vcpus;
	uint32_t reserved;
	int32_t status;
} __attribute__((packed));

/* QUERY_ADI: overlays entry 0. */
struct pvic_adi_info {
	uint32_t irq_count;
	uint32_t ims_entries;
	uint32_t handles_owned;
	uint32_t handles_free;
	uint32_t routes_free;
	uint32_t state;
	uint32_t reserved;
	int32_t status;
} __attribute__((packed));

struct pvic_page {
	struct pvic_hdr hdr;
	struct pvic_entry e[PVIC_MAX_ENTRIES];
} __attribute__((packed));

PVIC_STATIC_ASSERT(sizeof(struct pvic_hdr) == PVIC_HDR_SIZE, "pvic_hdr is 64 bytes");
PVIC_STATIC_ASSERT(sizeof(struct pvic_entry) == PVIC_ENTRY_SIZE, "pvic_entry is 32 bytes");
PVIC_STATIC_ASSERT(sizeof(struct pvic_negotiate) == PVIC_ENTRY_SIZE, "pvic_negotiate is 32 bytes");
PVIC_STATIC_ASSERT(sizeof(struct pvic_adi_info) == PVIC_ENTRY_SIZE, "pvic_adi_info is 32 bytes");
PVIC_STATIC_ASSERT(sizeof(struct pvic_page) == PVIC_PAGE_SIZE, "pvic_page is 4 KiB");
PVIC_STATIC_ASSERT(PVIC_MAX_ENTRIES == 126, "126 entries per page");

#endif /* DEVICES_PVIC_PVIC_ABI_H */
