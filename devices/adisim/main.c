/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm-adisim: a vfio-user server that behaves like a Scalable IOV device
 * with many ADIs and IMS. main() and the epoll loop; everything else is in
 * files the unit tests link.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/fd_limit.h"
#include "vmm/log.h"
#include "devices/adisim/adisim.h"

static void on_accept(struct adisim_adi *adi)
{
	int fd = accept4(adi->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			pr_warn("adi%u: accept: %m", adi->id);
		return;
	}
	if (adi->conn_fd >= 0) {
		pr_warn("adi%u: refusing a second client (one at a time)", adi->id);
		close(fd);
		return;
	}
	adisim_session__start(adi, fd);
}

static void on_signal(struct adisim *sim)
{
	struct signalfd_siginfo si;

	if (read(sim->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGUSR1) {
		adisim_stats__print(sim);
		if (sim->opts.stats_json && adisim_stats__write_json(sim, sim->opts.stats_json))
			pr_warn("cannot write %s", sim->opts.stats_json);
		return;
	}
	sim->quit = true;
}

static void drain_timer(int fd)
{
	u64 exp;

	if (read(fd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		pr_warn("timer read: %m");
}

static void dispatch(struct adisim *sim, struct adisim_src *src)
{
	struct adisim_adi *adi = src->adi;

	switch (src->kind) {
	case SRC_LISTEN:
		on_accept(adi);
		break;
	case SRC_CONN:
		if (adi->conn_fd >= 0)
			adisim_session__readable(adi);
		break;
	case SRC_DELAY_TIMER:
		adisim_engine__delay_expired(adi);
		break;
	case SRC_STORM_TIMER:
		adisim_engine__storm_tick(adi);
		break;
	case SRC_KICK:
		adisim_engine__kicked(adi);
		break;
	case SRC_RECHECK_TIMER:
		drain_timer(adi->recheck_tfd);
		adisim_ims__recheck(adi);
		break;
	case SRC_SIGNAL:
		on_signal(sim);
		break;
	}
	/*
	 * Timer work may have done DMA over the socket: commands that arrived
	 * while it waited for the reply are queued and must run now, since
	 * epoll will not report bytes we already read.
	 */
	if (adi && src->kind != SRC_CONN)
		adisim_session__drain(adi);
}

static int setup(struct adisim *sim)
{
	sigset_t set;
	unsigned int i;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	sim->epfd = epoll_create1(EPOLL_CLOEXEC);
	sim->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sim->epfd < 0 || sim->sigfd < 0)
		return -errno;
	sim->src_signal = (struct adisim_src){ SRC_SIGNAL, NULL };
	if (epoll_ctl(sim->epfd, EPOLL_CTL_ADD, sim->sigfd,
		      &(struct epoll_event){ .events = EPOLLIN, .data.ptr = &sim->src_signal }))
		return -errno;
	sim->irt = adisim_irt__new();
	if (sim->irt)
		sim->irt->keep_stale = sim->opts.keep_stale;
	sim->nadis = sim->opts.socket_dir ? sim->opts.adis : 1;
	sim->adis = calloc(sim->nadis, sizeof(*sim->adis));
	if (!sim->irt || !sim->adis)
		return -ENOMEM;
	if (sim->opts.socket_dir && mkdir(sim->opts.socket_dir, 0700) && errno != EEXIST) {
		pr_err("cannot create %s: %m", sim->opts.socket_dir);
		return -errno;
	}
	for (i = 0; i < sim->nadis; i++) {
		ret = adisim_adi__init(sim, &sim->adis[i], i);
		if (ret) {
			sim->nadis = i;
			return ret;
		}
		if (sim->adis[i].sock_path)
			pr_info("adi%u: listening on %s", i, sim->adis[i].sock_path);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct adisim sim = { .epfd = -1, .sigfd = -1 };
	unsigned int i;
	int ret;

	if (adisim_opts__parse(&sim.opts, argc, argv))
		return 2;
	if (sim.opts.help) {
		adisim_opts__usage();
		return 0;
	}
	log_level = sim.opts.verbose ? LOG_DEBUG : LOG_INFO;
	/* One eventfd per bound handle: thousands of them past the usual 1024. */
	fd_limit__raise(FD_LIMIT_IMS);
	ret = setup(&sim);
	if (ret) {
		pr_err("imsvm-adisim: setup failed: %s", strerror(-ret));
		goto out;
	}
	while (!sim.quit) {
		struct epoll_event ev[16];
		int n = epoll_wait(sim.epfd, ev, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("epoll_wait: %m");
			ret = -errno;
			break;
		}
		for (i = 0; i < (unsigned int)n && !sim.quit; i++)
			dispatch(&sim, ev[i].data.ptr);
	}
out:
	for (i = 0; i < sim.nadis; i++)
		adisim_adi__destroy(&sim.adis[i]);
	if (sim.nadis)
		adisim_stats__print(&sim);
	if (sim.opts.stats_json && sim.nadis && adisim_stats__write_json(&sim, sim.opts.stats_json)) {
		pr_err("cannot write %s", sim.opts.stats_json);
		ret = ret ? ret : -EIO;
	}
	adisim_irt__free(sim.irt);
	free(sim.adis);
	return ret ? 1 : 0;
}
