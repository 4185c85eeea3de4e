/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm ADI simulator: the device's programming interface.
 *
 * Plain #defines and fixed-width types only, so that guest test kernels
 * (freestanding, <stdint.h>) and the Linux guest driver (__KERNEL__,
 * <linux/types.h>) can include this file. docs/adi-sim.md explains
 * every item; keep the two in step.
 */
#ifndef DEVICES_ADISIM_REGS_H
#define DEVICES_ADISIM_REGS_H

#ifdef __KERNEL__
#include <linux/types.h>	/* uint32_t and friends in a Linux module */
#else
#include <stdint.h>
#endif

/*
 * PCI identity. 0xF1E5 is NOT a PCI-SIG assigned vendor ID: PCI-SIG has no
 * experimental range, and this value is absent from pci.ids (2023.04.11).
 * It identifies the imsvm ADI simulator only; never ship hardware with it.
 */
#define ADISIM_PCI_VENDOR_ID		0xF1E5
#define ADISIM_PCI_DEVICE_ID		0x0001
#define ADISIM_PCI_SUBSYS_VENDOR_ID	0xF1E5
#define ADISIM_PCI_SUBSYS_ID		0x0001
#define ADISIM_PCI_REVISION		0x01
/* Base class 0x08 system peripheral, sub-class 0x80 other (as Intel DSA). */
#define ADISIM_PCI_CLASS_CODE		0x088000

/* BARs: 32-bit non-prefetchable memory. */
#define ADISIM_BAR_REGS			0	/* registers, 4 KiB, trapped */
#define ADISIM_BAR_IMS			2	/* IMS storage, mmappable */
#define ADISIM_BAR0_SIZE		0x1000

/* ---- BAR0 registers (32-bit unless noted; 8-byte reads allowed on counters) */
#define ADISIM_REG_ID			0x000	/* RO ADISIM_ID_VALUE */
#define ADISIM_ID_VALUE			0x53494441	/* "ADIS" little-endian */
#define ADISIM_REG_VERSION		0x004	/* RO major << 16 | minor */
#define ADISIM_VERSION_VALUE		0x00010000
#define ADISIM_REG_CAPS			0x008	/* RO ADISIM_CAP_* */
#define  ADISIM_CAP_COPY		(1u << 0)
#define  ADISIM_CAP_FILL		(1u << 1)
#define  ADISIM_CAP_INTR		(1u << 2)
#define  ADISIM_CAP_STORM		(1u << 3)
#define ADISIM_REG_IMS_ENTRIES		0x00C	/* RO number of IMS entries */
#define ADISIM_REG_CTRL			0x010	/* RW */
#define  ADISIM_CTRL_ENABLE		(1u << 0)	/* descriptor engine on */
#define  ADISIM_CTRL_RESET		(1u << 1)	/* WO: reset engine, self-clearing */
#define ADISIM_REG_STATUS		0x014	/* RO */
#define  ADISIM_STATUS_ENABLED		(1u << 0)
#define  ADISIM_STATUS_HALTED		(1u << 1)	/* ring error, see ERROR */
#define ADISIM_REG_ERROR		0x018	/* RO last engine error; write clears */
#define  ADISIM_ERR_NONE		0
#define  ADISIM_ERR_RING_FAULT		1	/* descriptor fetch failed (DMA) */
#define  ADISIM_ERR_BAD_TAIL		2	/* doorbell value >= RING_SIZE */
#define  ADISIM_ERR_BAD_RING		3	/* RING_BASE/RING_SIZE invalid */
#define  ADISIM_ERR_NO_BUS_MASTER	4	/* doorbell with Bus Master off */
#define  ADISIM_ERR_DISABLED		5	/* doorbell with ENABLE clear */
#define  ADISIM_ERR_BAD_STORM		6	/* STORM_IMS/STORM_HZ out of range */
#define ADISIM_REG_ADI_ID		0x01C	/* RO index of this ADI in its process */
#define ADISIM_REG_RING_BASE_LO		0x020	/* RW DMA address, 64-byte aligned */
#define ADISIM_REG_RING_BASE_HI		0x024
#define ADISIM_REG_RING_SIZE		0x028	/* RW entries: power of 2, 1..4096 */
#define ADISIM_REG_RING_HEAD		0x02C	/* RO next descriptor the device reads */
#define ADISIM_REG_RING_TAIL		0x030	/* RW doorbell: index after last valid */
#define ADISIM_REG_STORM_IMS		0x040	/* RW IMS index raised in storm mode */
#define ADISIM_REG_STORM_HZ		0x044	/* RW rate, 0 = off, max ADISIM_STORM_MAX_HZ */
#define ADISIM_REG_IMS_RECHECK		0x048	/* WO: deliver pending of unmasked entries */
#define ADISIM_REG_COUNTERS_CLEAR	0x04C	/* WO 1: zero the counter block */
/*
 * What the host side bound on the IMS IRQ index (SET_IRQS), for tests that
 * check a VMM hands the device an eventfd only for what its guest was
 * granted: handles bound to this ADI now, and eventfds bound to its handles
 * since the simulator started (re-binds included; not cleared by
 * COUNTERS_CLEAR, low 32 bits).
 */
#define ADISIM_REG_BOUND_HANDLES	0x050	/* RO */
#define ADISIM_REG_HANDLE_BINDS		0x054	/* RO */
/* --keep-stale-eventfds: writes to kept eventfds, process-wide, low 32 bits. */
#define ADISIM_REG_STALE_SIGNALS	0x058	/* RO */

#define ADISIM_RING_MAX			4096
#define ADISIM_STORM_MAX_HZ		1000000

/* Counter block: 64-bit counters, low word first. */
#define ADISIM_REG_CNT_BASE		0x100
#define ADISIM_CNT_RAISED		0	/* interrupts the device raised */
#define ADISIM_CNT_DELIVERED		1	/* eventfd signalled */
#define ADISIM_CNT_BLOCKED		2	/* remapping faults (never delivered) */
#define ADISIM_CNT_MASKED_PENDING	3	/* raised while masked, left pending */
#define ADISIM_CNT_DMA_BYTES		4	/* bytes moved by DMA (read + write) */
#define ADISIM_CNT_FAULTS		5	/* DMA faults and engine errors */
#define ADISIM_CNT_DESC_DONE		6	/* descriptors completed successfully */
#define ADISIM_CNT_DESC_ERRORS		7	/* descriptors completed with an error */
#define ADISIM_CNT_PROTO_ERRORS		8	/* vfio-user messages answered with an error */
#define ADISIM_CNT_NUM			9
#define ADISIM_REG_CNT(n)		(ADISIM_REG_CNT_BASE + 8 * (n))

/* ---- BAR2: IMS storage, 16 bytes per entry ---------------------------- */
#define ADISIM_IMS_ENTRY_SIZE		16
#define ADISIM_IMS_ADDR_LO		0x0
#define ADISIM_IMS_ADDR_HI		0x4
#define ADISIM_IMS_DATA			0x8
#define ADISIM_IMS_CTRL			0xC
#define  ADISIM_IMS_CTRL_MASK		(1u << 0)	/* RW: 1 = masked (reset value) */
#define  ADISIM_IMS_CTRL_PENDING	(1u << 1)	/* RO: set by the device */
#define ADISIM_IMS_DEFAULT_ENTRIES	2048
#define ADISIM_IMS_MAX_ENTRIES		32768

/*
 * Remappable MSI format (Intel VT-d interrupt remapping). Address:
 * bits 31:20 0xFEE, 19:5 handle[14:0], 4 = 1 (remappable), 3 SHV,
 * 2 handle[15]. With SHV the data's bits 15:0 are a subhandle added to the
 * handle. The IRQ index the host binds handles on is ADISIM_IRQ_INDEX_IMS.
 */
#define ADISIM_MSI_ADDR_BASE		0xFEE00000u
#define ADISIM_MSI_ADDR_BASE_MASK	0xFFF00000u
#define ADISIM_MSI_ADDR_REMAP		(1u << 4)
#define ADISIM_MSI_ADDR_SHV		(1u << 3)
#define ADISIM_MSI_ADDR_HANDLE15	(1u << 2)
#define ADISIM_MSI_ADDR_HANDLE_SHIFT	5
#define ADISIM_MSI_ADDR_HANDLE_MASK	0x7FFFu
#define ADISIM_MSI_DATA_SUBHANDLE_MASK	0xFFFFu
#define ADISIM_MSI_REMAP_ADDR(h)					\
	(ADISIM_MSI_ADDR_BASE | ADISIM_MSI_ADDR_REMAP |			\
	 (((uint32_t)(h) & ADISIM_MSI_ADDR_HANDLE_MASK) << ADISIM_MSI_ADDR_HANDLE_SHIFT) | \
	 (((uint32_t)(h) & 0x8000u) ? ADISIM_MSI_ADDR_HANDLE15 : 0u))
#define ADISIM_IRT_SIZE			65536	/* handles 0..65535 */

/*
 * Config space: one MSI capability (1 vector, 64-bit, not maskable) at this
 * offset. Its vector (vfio IRQ index 1, VFIO_PCI_MSI_IRQ_INDEX) is signalled
 * when the descriptor engine halts with an error.
 */
#define ADISIM_CFG_MSI_CAP		0x40

/* vfio IRQ index of IMS handles (after INTx, MSI, MSI-X, ERR, REQ). */
#define ADISIM_IRQ_INDEX_IMS		5
#define ADISIM_NUM_IRQS			6

/* ---- Descriptors (64 bytes, in a ring in DMA memory) ------------------ */
#define ADISIM_OP_NOP			0
#define ADISIM_OP_COPY			1	/* len bytes src -> dst */
#define ADISIM_OP_FILL			2	/* len bytes of the 8-byte pattern at dst */
#define ADISIM_OP_INTR			3	/* raise ims_index after delay_us */

#define ADISIM_DESC_F_COMPLETION	(1u << 0)	/* write a completion record */
#define ADISIM_DESC_F_INTERRUPT		(1u << 1)	/* raise ims_index when done */

#define ADISIM_DESC_MAX_LEN		(16u << 20)
#define ADISIM_DESC_MAX_DELAY_US	10000000u
#define ADISIM_MAX_DELAYED		64	/* INTR descriptors in flight per ADI */

struct adisim_desc {
	uint8_t opcode;
	uint8_t flags;
	uint16_t ims_index;
	uint32_t len;
	uint64_t src;
	uint64_t dst;
	uint64_t pattern;
	uint64_t completion;	/* DMA address of a struct adisim_completion */
	uint64_t cookie;	/* copied into the completion record */
	uint32_t delay_us;
	uint32_t reserved0;
	uint64_t reserved1;
} __attribute__((packed));

#define ADISIM_DESC_SIZE		64

#define ADISIM_COMP_PENDING		0	/* software writes this before submitting */
#define ADISIM_COMP_SUCCESS		1
#define ADISIM_COMP_BAD_OPCODE		2
#define ADISIM_COMP_READ_FAULT		3
#define ADISIM_COMP_WRITE_FAULT		4
#define ADISIM_COMP_BAD_LENGTH		5
#define ADISIM_COMP_BAD_IMS_INDEX	6
#define ADISIM_COMP_BUSY		7	/* too many INTR descriptors in flight */

struct adisim_completion {
	uint32_t status;
	uint32_t bytes;		/* bytes processed */
	uint64_t cookie;
} __attribute__((packed));

#define ADISIM_COMPLETION_SIZE		16

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct adisim_desc) == ADISIM_DESC_SIZE, "descriptor is 64 bytes");
_Static_assert(sizeof(struct adisim_completion) == ADISIM_COMPLETION_SIZE, "record is 16 bytes");
#endif

#endif /* DEVICES_ADISIM_REGS_H */
