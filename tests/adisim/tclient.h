/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal vfio-user client for testing imsvm-adisim over a real socket.
 * It serves the server's DMA_READ/DMA_WRITE requests from its own memory
 * table while it waits for replies or interrupts.
 */
#ifndef TESTS_ADISIM_TCLIENT_H
#define TESTS_ADISIM_TCLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/vfio-user/msg.h"
#include "devices/vfio-user/version.h"

#define TC_MAX_MEM	8

struct tc_mem {
	uint64_t iova, size;
	uint8_t *p;
};

struct tclient {
	int fd;
	int dma_fd;		/* fd, or the twin socket */
	uint16_t id;
	struct vfu_caps srv;
	uint16_t minor;
	struct tc_mem mem[TC_MAX_MEM];
	unsigned int nmem;
	uint64_t dma_requests;	/* DMA_READ/WRITE served */
	uint64_t dma_bytes;
};

int tc_connect(struct tclient *c, const char *path);
void tc_close(struct tclient *c);
/* Close every client socket still open (after a failed case). */
void tc_close_all(void);
/* VERSION with our capabilities; json overrides the JSON text when non-NULL. */
int tc_version(struct tclient *c, bool twin, uint32_t max_xfer);
/* Send a command, wait for its reply (serving DMA meanwhile). 0, or -errno of an error reply. */
int tc_request(struct tclient *c, uint16_t cmd, const void *p1, size_t l1, const void *p2,
	       size_t l2, const int *fds, unsigned int nfds, struct vfu_msg *reply);
/* Like tc_request but with a raw header size/flags (for malformed messages). */
int tc_raw(struct tclient *c, const void *buf, size_t len, struct vfu_msg *reply);
/* Serve pending server requests for up to timeout_ms; -errno on a dead link. */
int tc_serve(struct tclient *c, int timeout_ms);
/* Wait until eventfd efd fires (serving DMA meanwhile); returns its count, 0 on timeout. */
uint64_t tc_wait_eventfd(struct tclient *c, int efd, int timeout_ms);
/* Read an eventfd without waiting: its count, 0 if not signalled. */
uint64_t tc_poll_eventfd(int efd);

int tc_region_read(struct tclient *c, uint32_t region, uint64_t off, void *buf, uint32_t count);
int tc_region_write(struct tclient *c, uint32_t region, uint64_t off, const void *buf,
		    uint32_t count);
uint32_t tc_rd32(struct tclient *c, uint32_t region, uint64_t off);
int tc_wr32(struct tclient *c, uint32_t region, uint64_t off, uint32_t v);
uint64_t tc_counter(struct tclient *c, unsigned int n);
int tc_set_irqs(struct tclient *c, uint32_t index, uint32_t flags, uint32_t start,
		uint32_t count, const int *fds, unsigned int nfds, const void *data, size_t dlen);
/* Share memory: fd >= 0 maps it; fd < 0 registers p for DMA_READ/WRITE service. */
int tc_dma_map(struct tclient *c, uint64_t iova, uint64_t size, int fd, uint64_t off, void *p);

#endif /* TESTS_ADISIM_TCLIENT_H */
