/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-user client: imsvm's end of a connection to one vfio-user server
 * (QEMU docs/interop/vfio-user.rst), written from the specification and the
 * quirks in shared/vfio-user.md, on top of the framing in devices/vfio-user/.
 *
 * Threads: every call is a transaction under one lock (send a command, read
 * until its reply). Server-initiated DMA_READ/DMA_WRITE that arrive while a
 * transaction waits are served inline; when nobody waits, the owner's event
 * loop calls vfu_client__serve() on the socket.
 *
 * Death: EOF, a socket error, a torn message or a reply that does not come
 * within the timeout marks the client dead, once. The socket is shut down
 * (not closed) so the event loop sees EPOLLHUP and the owner tears down on
 * its own thread; every later call returns -ENODEV at once. The client never
 * calls back into its owner: death is observed through return values, the
 * socket, and vfu_client__dead().
 */
#ifndef DEVICES_VFIO_USER_CLIENT_H
#define DEVICES_VFIO_USER_CLIENT_H

#include <linux/vfio.h>

#include "vmm/util.h"

struct guest_mem;
struct vfu_client;

#define VFU_CLIENT_DEFAULT_TIMEOUT_MS	5000

/* One region as the server describes it. */
struct vfu_region {
	u32 index;
	u32 flags;		/* VFIO_REGION_INFO_FLAG_*; MMAP cleared when no fd came */
	u64 size;
	u64 offset;		/* mmap offset into fd */
	int fd;			/* -1: not mappable */
	unsigned int nr_areas;	/* sparse-mmap areas (offsets relative to the region) */
	struct vfio_region_sparse_mmap_area *areas;
};

/* Counters, for tests and the operator. */
struct vfu_client_stats {
	u64 transactions;
	u64 proto_errors;	/* malformed, unexpected or wrong-id messages */
	u64 server_errors;	/* replies with the Error flag */
	u64 dma_reads, dma_writes;	/* server-initiated, served */
	u64 dma_bytes;
	u64 dma_faults;		/* server DMA outside guest RAM, refused */
};

/* What the server told us in VERSION (its capabilities as a receiver). */
struct vfu_server_caps {
	u16 major, minor;
	u32 max_msg_fds;
	u32 max_data_xfer_size;
	u32 max_dma_maps;
	u64 pgsizes;
};

/*
 * Connect to the server at @path (AF_UNIX stream) and negotiate VERSION.
 * @name is used in messages. @timeout_ms 0 = default. @mem: guest RAM that
 * server DMA_READ/DMA_WRITE may reach (may be NULL: every DMA is refused).
 */
int __must_check vfu_client__connect(const char *path, const char *name, int timeout_ms,
				     const struct guest_mem *mem, struct vfu_client **out);
/* The same over an already connected socket, which the client then owns. */
int __must_check vfu_client__open_fd(int sock, const char *name, int timeout_ms,
				     const struct guest_mem *mem, struct vfu_client **out);
/* Closes the socket and frees the client; no fd survives it. */
void vfu_client__destroy(struct vfu_client *c);

int vfu_client__fd(const struct vfu_client *c);
bool vfu_client__dead(const struct vfu_client *c);
const char *vfu_client__name(const struct vfu_client *c);
void vfu_client__stats(struct vfu_client *c, struct vfu_client_stats *out);
void vfu_client__server_caps(const struct vfu_client *c, struct vfu_server_caps *out);
/* Declare the server dead (e.g. operator request); idempotent. */
void vfu_client__kill(struct vfu_client *c, const char *why);

/*
 * Process-wide: @fd (-1: none) becomes readable when imsvm is stopping on a
 * signal (vmm/vm.c). From then on every wait for a server ends at once and
 * every call fails with -ECANCELED without a message: a server that stopped
 * answering cannot hold start-up, a hot assignment or the teardown for its
 * timeout. The client is then dead (its socket shut down), quietly.
 */
void vfu_client__set_abort_fd(int fd);

/* Serve every server command already queued on the socket (event loop). 0 or -ENODEV. */
int __must_check vfu_client__serve(struct vfu_client *c);

int __must_check vfu_client__device_info(struct vfu_client *c, struct vfio_device_info *out);
/* Fills @out (fd and areas owned by the caller: vfu_region__release()). */
int __must_check vfu_client__region_info(struct vfu_client *c, u32 index, struct vfu_region *out);
void vfu_region__release(struct vfu_region *r);
int __must_check vfu_client__irq_info(struct vfu_client *c, u32 index, struct vfio_irq_info *out);

/*
 * SET_IRQS. With VFIO_IRQ_SET_DATA_EVENTFD, @fds holds @count eventfds where
 * -1 de-assigns that vector (sent as a run with no fds); the fds are split
 * into messages of at most the server's max_msg_fds. With DATA_BOOL, @bools
 * holds @count bytes. DATA_NONE takes neither.
 */
int __must_check vfu_client__set_irqs(struct vfu_client *c, u32 index, u32 flags, u32 start,
				      u32 count, const int *fds, const u8 *bools);

/* Region access, split by the server's max_data_xfer_size. */
int __must_check vfu_client__region_read(struct vfu_client *c, u32 region, u64 offset,
					 void *buf, u64 len);
int __must_check vfu_client__region_write(struct vfu_client *c, u32 region, u64 offset,
					  const void *buf, u64 len);

/* DMA_MAP one range, with @fd (>= 0) shared at @fd_offset, or without (DMA by messages). */
int __must_check vfu_client__dma_map(struct vfu_client *c, u64 iova, u64 size, int fd,
				     u64 fd_offset, u32 flags);
int __must_check vfu_client__dma_unmap(struct vfu_client *c, u64 iova, u64 size);
/*
 * DMA_MAP every region of guest RAM at IOVA = GPA, sharing the memfd when
 * @share_fd (and the RAM has one); else the server reaches RAM with DMA
 * messages. Unmaps what it mapped on failure.
 */
int __must_check vfu_client__map_guest_ram(struct vfu_client *c, const struct guest_mem *mem,
					   bool share_fd);

int __must_check vfu_client__reset(struct vfu_client *c);

#endif /* DEVICES_VFIO_USER_CLIENT_H */
