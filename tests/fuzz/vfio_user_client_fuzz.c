/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: imsvm's vfio-user client (devices/vfio_user_client.c,
 * vfio_user_cmds.c and the codec in devices/vfio-user/) against a hostile
 * server. The server's whole side of the stream is the input, queued on a
 * socketpair before the client starts; the client then runs the sequence
 * device assignment runs (VERSION, DMA_MAP of guest RAM, GET_INFO, region
 * and IRQ info, region reads and writes, SET_IRQS with eventfds, serving
 * server-initiated DMA_READ/DMA_WRITE, RESET, DMA_UNMAP) and reads
 * replies, stray replies and server commands from it. The end of the input
 * is the server hanging up.
 *
 * Input: the records of tests/fuzz/vfu_stream.h (messages and raw bytes).
 * The guest RAM (1 MiB) the server may DMA into is a heap block, so ASan's
 * redzones catch any DMA that gets past the range checks; after each input
 * no fd may be left open.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/vfio-user/protocol.h"
#include "devices/vfio_user_client.h"
#include "vmm/guest_mem.h"
#include "vmm/log.h"
#include "tests/fuzz/vfu_stream.h"

#define RAM_SIZE	(1 * MiB)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static u8 *ram;
static struct guest_mem mem;

static void run_client(struct vfu_client *c)
{
	struct vfio_device_info di;
	struct vfio_irq_info ii;
	struct vfu_region r;
	u8 buf[256] = { 1, 2, 3 };
	int efd[4];

	(void)vfu_client__map_guest_ram(c, &mem, false);
	if (vfu_client__device_info(c, &di) == 0) {
		for (u32 i = 0; i < MIN(di.num_regions, 3u); i++)
			if (vfu_client__region_info(c, i, &r) == 0)
				vfu_region__release(&r);
	}
	for (u32 i = 0; i < 2; i++)
		(void)vfu_client__irq_info(c, i, &ii);
	(void)vfu_client__region_read(c, 0, 0x10, buf, sizeof(buf));
	(void)vfu_client__region_write(c, 0, 0x20, buf, 8);
	for (int i = 0; i < 4; i++)	/* [2] de-assigns one: a run without fds */
		efd[i] = i == 2 ? -1 : eventfd(0, EFD_CLOEXEC);
	(void)vfu_client__set_irqs(c, 2, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				   0, 4, efd, NULL);
	for (int i = 0; i < 4; i++)
		if (efd[i] >= 0)
			close(efd[i]);
	(void)vfu_client__serve(c);
	(void)vfu_client__reset(c);
	(void)vfu_client__dma_unmap(c, 0, RAM_SIZE);
	(void)vfu_client__serve(c);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static u8 stream[65536 + 65536 / 9 * 16];
	struct vfu_client *c;
	pthread_t thr;
	size_t len, off = 0;
	int sv[2], base_fds;

	log_level = LOG_ERR;
	if (!ram) {
		ram = aligned_alloc(4096, RAM_SIZE);
		if (!ram || guest_mem__layout(&mem, ram, -1, RAM_SIZE))
			__builtin_trap();
	}
	if (size > 65536)
		return 0;
	len = vfu_stream__build(data, size, stream);
	base_fds = vfu_stream__count_fds();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		__builtin_trap();
	/* The whole server side first (the socket buffer takes it), then hang up. */
	while (off < len) {
		ssize_t n = send(sv[1], stream + off, len - off, MSG_DONTWAIT);

		if (n <= 0)
			break;		/* more than the buffer holds: the rest is cut off */
		off += n;
	}
	shutdown(sv[1], SHUT_WR);
	if (pthread_create(&thr, NULL, vfu_stream__drain, &sv[1]))
		__builtin_trap();

	if (vfu_client__open_fd(sv[0], "fuzz", 200, &mem, &c) == 0) {
		run_client(c);
		vfu_client__destroy(c);
	}
	pthread_join(thr, NULL);
	close(sv[1]);
	if (vfu_stream__count_fds() != base_fds)
		__builtin_trap();	/* the client leaked an fd (a server-sent one?) */
	return 0;
}
