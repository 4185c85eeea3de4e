/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-user wire format (QEMU docs/interop/vfio-user.rst), shared by the ADI
 * simulator (server) and imsvm's vfio-user backend (client).
 *
 * Only the structures vfio-user adds are defined here; payloads that are the
 * Linux VFIO structures (vfio_device_info, vfio_region_info, vfio_irq_info,
 * vfio_irq_set, the sparse-mmap capability) come from <linux/vfio.h>.
 * All fields are host-endian; every struct is packed as on the wire.
 */
#ifndef DEVICES_VFIO_USER_PROTOCOL_H
#define DEVICES_VFIO_USER_PROTOCOL_H

#include <stdint.h>
#include <linux/vfio.h>

#define VFIO_USER_MAJOR			0
#define VFIO_USER_MINOR			2	/* highest minor we speak */

enum vfio_user_command {
	VFIO_USER_VERSION			= 1,
	VFIO_USER_DMA_MAP			= 2,
	VFIO_USER_DMA_UNMAP			= 3,
	VFIO_USER_DEVICE_GET_INFO		= 4,
	VFIO_USER_DEVICE_GET_REGION_INFO	= 5,
	VFIO_USER_DEVICE_GET_REGION_IO_FDS	= 6,
	VFIO_USER_DEVICE_GET_IRQ_INFO		= 7,
	VFIO_USER_DEVICE_SET_IRQS		= 8,
	VFIO_USER_REGION_READ			= 9,
	VFIO_USER_REGION_WRITE			= 10,
	VFIO_USER_DMA_READ			= 11,
	VFIO_USER_DMA_WRITE			= 12,
	VFIO_USER_DEVICE_RESET			= 13,
	VFIO_USER_REGION_WRITE_MULTI		= 15,
	VFIO_USER_DEVICE_FEATURE		= 16,
	VFIO_USER_MIG_DATA_READ			= 17,
	VFIO_USER_MIG_DATA_WRITE		= 18,
	VFIO_USER_MAX_COMMAND			= 19,
};

/* Header flags. */
#define VFIO_USER_F_TYPE_MASK		0xfu
#define VFIO_USER_F_TYPE_COMMAND	0x0u
#define VFIO_USER_F_TYPE_REPLY		0x1u
#define VFIO_USER_F_NO_REPLY		0x10u
#define VFIO_USER_F_ERROR		0x20u

struct vfio_user_header {
	uint16_t msg_id;
	uint16_t cmd;
	uint32_t msg_size;	/* whole message, header included */
	uint32_t flags;
	uint32_t error_no;	/* errno in an error reply */
} __attribute__((packed));

#define VFIO_USER_HDR_SIZE		((uint32_t)sizeof(struct vfio_user_header))

/* VERSION request and reply; a NUL-terminated JSON string follows. */
struct vfio_user_version {
	uint16_t major;
	uint16_t minor;
	char data[];
} __attribute__((packed));

/* DMA_MAP flags (bit 0/1 as in the spec). */
#define VFIO_USER_F_DMA_REGION_READ	(1u << 0)
#define VFIO_USER_F_DMA_REGION_WRITE	(1u << 1)

struct vfio_user_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t offset;	/* into the passed fd */
	uint64_t address;	/* DMA (IOVA) address */
	uint64_t size;
} __attribute__((packed));

#define VFIO_USER_F_DMA_UNMAP_ALL	(1u << 1)

struct vfio_user_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t address;
	uint64_t size;
} __attribute__((packed));

/* REGION_READ / REGION_WRITE: data follows for WRITE requests and READ replies. */
struct vfio_user_region_access {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[];
} __attribute__((packed));

/* DMA_READ / DMA_WRITE (server to client): data follows for WRITE and READ reply. */
struct vfio_user_dma_access {
	uint64_t address;
	uint64_t count;
	uint8_t data[];
} __attribute__((packed));

/* DEVICE_GET_REGION_IO_FDS request header (we do not offer io fds). */
struct vfio_user_region_io_fds_request {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
} __attribute__((packed));

/* Protocol defaults when the peer's VERSION JSON omits a capability. */
#define VFIO_USER_DEFAULT_MAX_FDS		1
#define VFIO_USER_DEFAULT_MAX_DATA_XFER		(1u << 20)
#define VFIO_USER_DEFAULT_MAX_DMA_MAPS		65535
#define VFIO_USER_DEFAULT_PGSIZES		4096ull

_Static_assert(sizeof(struct vfio_user_header) == 16, "header is 16 bytes");
_Static_assert(sizeof(struct vfio_user_dma_map) == 32, "DMA_MAP is 32 bytes");
_Static_assert(sizeof(struct vfio_user_dma_unmap) == 24, "DMA_UNMAP is 24 bytes");
_Static_assert(sizeof(struct vfio_user_region_access) == 16, "access header");
_Static_assert(sizeof(struct vfio_user_dma_access) == 16, "DMA access header");

#endif /* DEVICES_VFIO_USER_PROTOCOL_H */
