/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the ADI simulator's request parsing (devices/adisim/
 * session.c, handlers.c and what they reach: config space, BAR0, IMS, the
 * handle table, DMA) against a hostile client. The simulator is set up the
 * way `imsvm-adisim --fd N` sets itself up (options parsed, one ADI, the
 * session started on the connected socket); the client's whole stream is
 * the input, queued before the simulator reads it, and the end of the input
 * is the client hanging up. Messages are read as the event loop reads them
 * (adisim_session__readable() per wake-up, until the session ends).
 *
 * Input: the records of tests/fuzz/vfu_stream.h (messages and raw bytes).
 * After each input no fd may be left open (eventfds the client passed with
 * SET_IRQS, DMA_MAP fds, the timers of the ADI).
 *
 * The handle table (65536 entries, shared by a process's ADIs) is made once
 * and kept, as the simulator keeps it across client sessions: each input's
 * session end must leave it with no handle bound (checked), so the next
 * input starts from the same state as a fresh table.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "devices/adisim/adisim.h"
#include "vmm/log.h"
#include "tests/fuzz/vfu_stream.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

/* A check, not a target: no coverage feedback from its loop. */
__attribute__((no_sanitize("coverage"), noinline))
static void check_irt_clean(const struct adisim_irt *irt)
{
	for (u32 i = 0; i < irt->hw; i++)
		if (irt->h[i].owner != -1 || irt->h[i].eventfd != -1)
			__builtin_trap();	/* a handle outlived its session */
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static u8 stream[65536 + 65536 / 9 * 16];
	static struct adisim_irt *irt;
	struct adisim sim = { 0 };
	struct adisim_adi adi;
	char fdarg[16];
	char *argv[] = { "imsvm-adisim", "--fd", fdarg, "--ims-entries", "64", NULL };
	size_t len, off = 0;
	pthread_t thr;
	int sv[2], base_fds;

	log_level = LOG_ERR;	/* the guest's errors are expected: errors only */
	if (size > 65536)
		return 0;
	len = vfu_stream__build(data, size, stream);
	base_fds = vfu_stream__count_fds();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		__builtin_trap();
	while (off < len) {
		ssize_t n = send(sv[1], stream + off, len - off, MSG_DONTWAIT);

		if (n <= 0)
			break;
		off += n;
	}
	shutdown(sv[1], SHUT_WR);
	if (pthread_create(&thr, NULL, vfu_stream__drain, &sv[1]))
		__builtin_trap();

	snprintf(fdarg, sizeof(fdarg), "%d", sv[0]);
	optind = 1;
	if (adisim_opts__parse(&sim.opts, 5, argv))
		__builtin_trap();
	sim.epfd = epoll_create1(EPOLL_CLOEXEC);
	sim.sigfd = -1;
	if (!irt)
		irt = adisim_irt__new();
	sim.irt = irt;
	sim.nadis = 1;
	sim.adis = &adi;
	if (sim.epfd < 0 || !sim.irt || adisim_adi__init(&sim, &adi, 0))
		__builtin_trap();
	/* Each message, then the work it started, as the event loop would. */
	for (int i = 0; adi.conn_fd >= 0 && i < 100000; i++)
		adisim_session__readable(&adi);
	adisim_session__end(&adi, "fuzz input done");
	adisim_adi__destroy(&adi);
	check_irt_clean(irt);
	close(sim.epfd);

	pthread_join(thr, NULL);
	close(sv[1]);
	if (vfu_stream__count_fds() != base_fds)
		__builtin_trap();	/* the simulator leaked an fd */
	return 0;
}
