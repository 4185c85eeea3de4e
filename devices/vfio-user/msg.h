/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-user message framing over an AF_UNIX stream socket, for both ends.
 *
 * A message is sent with one sendmsg() so its fds ride on the header bytes
 * (libvfio-user reads the header with recvmsg() and the body with recv()).
 * The receiver accepts fds anywhere in the message and always reads exactly
 * msg_size bytes, so an oversized or malformed message does not
 * desynchronise the stream.
 */
#ifndef DEVICES_VFIO_USER_MSG_H
#define DEVICES_VFIO_USER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/vfio-user/protocol.h"

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/* Most fds accepted in one message (64 eventfds per SET_IRQS). */
#define VFU_MAX_FDS		64
/* Largest message we read into memory: 1 MiB of data plus headers. */
#define VFU_MAX_MSG_SIZE	((1u << 20) + 64u)
/* Oversized bodies up to this size are read and dropped to keep framing. */
#define VFU_MAX_DRAIN		(64u << 20)

struct vfu_msg {
	struct vfio_user_header hdr;
	uint8_t *payload;	/* hdr.msg_size - 16 bytes, NULL if none/dropped */
	uint32_t len;		/* bytes in payload */
	int fds[VFU_MAX_FDS];
	unsigned int nfds;
	/*
	 * Non-zero: the message was consumed but is unusable (positive errno:
	 * EMSGSIZE body too big and dropped, ETOOMANYREFS more fds than
	 * VFU_MAX_FDS, EMFILE fds dropped for want of a free fd slot). The
	 * header is valid so the receiver can send an error reply.
	 */
	int err;
};

/*
 * Read one message. Returns 0 (check m->err), -ECONNRESET on EOF at a message
 * boundary, or another -errno when the connection must be dropped (EOF inside
 * a message, msg_size < 16, timeout, socket error).
 */
int __must_check vfu_msg__recv(int sock, struct vfu_msg *m);

/* Free the payload and close every fd still owned by the message. */
void vfu_msg__release(struct vfu_msg *m);

/* Take ownership of fd i (the message no longer closes it); -1 if absent. */
int vfu_msg__take_fd(struct vfu_msg *m, unsigned int i);

/* Close every fd of the message now (e.g. unexpected fds on a command). */
void vfu_msg__close_fds(struct vfu_msg *m);

/*
 * Send one message: header, then p1 and p2 (either may be NULL/0), fds as
 * SCM_RIGHTS on the first byte. msg_size is computed. 0 or -errno.
 */
int __must_check vfu_msg__send(int sock, uint16_t msg_id, uint16_t cmd,
			       uint32_t flags, uint32_t error_no,
			       const void *p1, size_t l1, const void *p2, size_t l2,
			       const int *fds, unsigned int nfds);

/* Reply to req with a payload (nothing is sent if req asked for No_reply). */
int __must_check vfu_msg__reply(int sock, const struct vfio_user_header *req,
				const void *p1, size_t l1, const void *p2, size_t l2,
				const int *fds, unsigned int nfds);

/* Header-only error reply carrying errno err (> 0); honours No_reply. */
int __must_check vfu_msg__reply_error(int sock, const struct vfio_user_header *req,
				      int err);

static inline bool vfu_msg__is_reply(const struct vfio_user_header *h)
{
	return (h->flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_REPLY;
}

static inline bool vfu_msg__is_error(const struct vfio_user_header *h)
{
	return (h->flags & VFIO_USER_F_ERROR) != 0;
}

/* Name of a command for messages ("DMA_MAP"), "unknown" if none. */
const char *vfu_msg__cmd_name(unsigned int cmd);

#endif /* DEVICES_VFIO_USER_MSG_H */
