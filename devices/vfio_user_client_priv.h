/* SPDX-License-Identifier: GPL-2.0-only */
/* vfio-user client internals shared by its two files (transport and commands). */
#ifndef DEVICES_VFIO_USER_CLIENT_PRIV_H
#define DEVICES_VFIO_USER_CLIENT_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "devices/vfio-user/msg.h"
#include "devices/vfio_user_client.h"

#define VFU_CLIENT_MAX_DMA	16

struct vfu_dma_range {
	u64 iova, size;
	u32 flags;		/* VFIO_USER_F_DMA_REGION_* */
};

struct vfu_client {
	char name[64];
	int sock;
	int timeout_ms;
	const struct guest_mem *mem;
	u32 our_max_xfer;		/* what we told the server we receive */
	struct vfu_server_caps server;

	pthread_mutex_t lock;		/* one transaction at a time; protects all below */
	u16 next_id;
	struct vfu_client_stats stats;
	struct vfu_dma_range dma[VFU_CLIENT_MAX_DMA];
	unsigned int nr_dma;

	_Atomic bool dead;
	bool cancelled;			/* dead because imsvm is stopping: quiet, -ECANCELED */
};

/*
 * Send one command and wait for its reply, serving server commands in the
 * meantime. 0: *rep owns the reply payload and fds (vfu_msg__release()).
 * -errno from the server's error reply or -EPROTO/-EMSGSIZE for an unusable
 * reply (the connection lives on); -ENODEV when the client is dead;
 * -ECANCELED once imsvm is stopping (vfu_client__set_abort_fd()).
 */
int __must_check vfu_client__transact(struct vfu_client *c, u16 cmd, const void *p1, size_t l1,
				      const void *p2, size_t l2, const int *fds,
				      unsigned int nfds, struct vfu_msg *rep);

void vfu_client__mark_dead(struct vfu_client *c, const char *why, int err);

#endif /* DEVICES_VFIO_USER_CLIENT_PRIV_H */
