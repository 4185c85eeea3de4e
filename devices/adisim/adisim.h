/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm ADI simulator: internal state shared by its files.
 *
 * One process serves N ADIs. Everything runs on one thread (an epoll loop),
 * so no state here is locked. The handle table (IRT) is per process, like a
 * platform's interrupt remapping table; each ADI owns the handles it bound.
 */
#ifndef DEVICES_ADISIM_ADISIM_H
#define DEVICES_ADISIM_ADISIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/util.h"
#include "devices/adisim/regs.h"
#include "devices/vfio-user/msg.h"
#include "devices/vfio-user/version.h"

#define ADISIM_MAX_ADIS		64
#define ADISIM_MAX_DMA_MAPS	256
#define ADISIM_CFG_SIZE		256
#define ADISIM_MAX_DEFERRED	16
#define ADISIM_DMA_TIMEOUT_MS	5000

enum adisim_fail_mode { ADISIM_FAIL_DIE, ADISIM_FAIL_ERROR, ADISIM_FAIL_CLOSE };

struct adisim_opts {
	unsigned int adis;
	const char *socket_dir;
	const char *socket_path;
	int fd;				/* --fd: listening or connected socket */
	u32 ims_entries;
	bool storm;
	u32 storm_ims, storm_hz;
	const char *stats_json;
	bool fail_after_set;
	u64 fail_after;
	enum adisim_fail_mode fail_mode;
	bool die_on_doorbell;
	bool keep_stale;		/* --keep-stale-eventfds (hostile, for tests) */
	bool unchecked_dma;		/* --unchecked-dma (hostile, for tests) */
	bool verbose;
	bool help;
};

struct adisim_handle {
	int eventfd;			/* -1: unbound */
	int owner;			/* ADI id, -1: free */
	bool masked;			/* vfio ACTION_MASK */
	bool pending;			/* raised while vfio-masked */
};

#define ADISIM_MAX_STALE	4096

struct adisim_irt {
	struct adisim_handle h[ADISIM_IRT_SIZE];
	u32 hw;				/* no handle at or above it was ever bound */
	/*
	 * --keep-stale-eventfds: a hostile server's copies of the eventfds it
	 * was told to drop, written on every BAR0 access, so that a test can
	 * check the VMM no longer listens to them.
	 */
	bool keep_stale;
	int stale[ADISIM_MAX_STALE];
	u32 nstale;
	u64 stale_signals;		/* writes to them */
};

struct adisim_dma_map {
	u64 iova, size;
	u32 flags;			/* VFIO_USER_F_DMA_REGION_* */
	u8 *host;			/* NULL: reach it with DMA_READ/WRITE */
	void *map_base;			/* page-aligned mmap() base */
	size_t map_len;
};

struct adisim_delayed {
	u64 deadline_ns;		/* CLOCK_MONOTONIC */
	u16 ims_index;
	u8 flags;
	u64 completion, cookie;
};

struct adisim;

/* An epoll source: what woke up, and for whom. */
enum adisim_src_kind {
	SRC_LISTEN, SRC_CONN, SRC_DELAY_TIMER, SRC_STORM_TIMER, SRC_RECHECK_TIMER, SRC_KICK,
	SRC_SIGNAL,
};

struct adisim_src {
	enum adisim_src_kind kind;
	struct adisim_adi *adi;
};

struct adisim_adi {
	unsigned int id;
	struct adisim *sim;
	char *sock_path;		/* NULL for --fd */

	/* Session: one client at a time. */
	int listen_fd;
	int conn_fd;			/* -1: no client */
	int dma_fd;			/* DMA_READ/WRITE channel: conn_fd or twin */
	bool versioned;
	struct vfu_caps peer;
	u16 dma_msg_id;
	struct vfu_msg deferred[ADISIM_MAX_DEFERRED];
	unsigned int ndeferred;
	bool doorbell_pending;		/* run the engine after the reply */
	bool conn_broken;		/* DMA channel failed: end the session */
	int err_eventfd, req_eventfd;
	int msi_eventfd;		/* the MSI vector: engine errors */

	/* PCI config space; wmask bits are writable. */
	u8 cfg[ADISIM_CFG_SIZE];
	u8 cfg_wmask[ADISIM_CFG_SIZE];

	/* IMS storage: a sealed memfd mapped here and by the client. */
	int ims_fd;
	u32 *ims;			/* 4 words per entry */
	u32 ims_entries;
	u64 ims_bar_size;
	u64 *ims_pending;		/* device's own pending bitmap */
	u32 ims_npending;

	/* BAR0 state. */
	u32 ctrl, status, error;
	u64 ring_base;
	u32 ring_size, head, tail;
	u32 storm_ims, storm_hz;

	/* DMA maps. */
	struct adisim_dma_map maps[ADISIM_MAX_DMA_MAPS];
	unsigned int nmaps;

	/* Delayed interrupts (INTR descriptors), sorted by deadline. */
	struct adisim_delayed delayed[ADISIM_MAX_DELAYED];
	unsigned int ndelayed;

	int delay_tfd, storm_tfd, recheck_tfd;
	int kick_fd;			/* eventfd: more ring work after a slice */
	struct adisim_src src_listen, src_conn, src_delay, src_storm, src_recheck, src_kick;

	u64 cnt[ADISIM_CNT_NUM];
	u64 handle_binds;		/* eventfds bound on the IMS index, ever */
};

struct adisim {
	struct adisim_opts opts;
	struct adisim_irt *irt;
	struct adisim_adi *adis;
	unsigned int nadis;
	int epfd;
	int sigfd;
	struct adisim_src src_signal;
	u64 msgs;			/* messages received, for --fail-after */
	bool quit;
	bool exit_after_session;	/* --fd with a connected socket */
};

/* options.c */
int __must_check adisim_opts__parse(struct adisim_opts *o, int argc, char **argv);
void adisim_opts__usage(void);

/* irt.c: the per-process handle table and vfio SET_IRQS semantics. */
struct adisim_irt *adisim_irt__new(void);
void adisim_irt__free(struct adisim_irt *irt);
void adisim_irt__release_owner(struct adisim_irt *irt, int owner);
int __must_check adisim_irt__set_irqs(struct adisim_adi *adi, u32 flags, u32 start,
				      u32 count, const u8 *data, size_t data_len,
				      struct vfu_msg *m);
enum adisim_irq_result { IRQ_DELIVERED, IRQ_BLOCKED, IRQ_MASKED };
enum adisim_irq_result adisim_irt__signal(struct adisim_adi *adi, u32 handle);
/* Handles bound to @adi now. */
u32 adisim_irt__bound(const struct adisim_adi *adi);
/* --keep-stale-eventfds: write 1 to every kept eventfd. */
void adisim_irt__fire_stale(struct adisim_irt *irt);

/* ims.c: IMS storage and the remapping decode. */
int __must_check adisim_ims__init(struct adisim_adi *adi);
void adisim_ims__destroy(struct adisim_adi *adi);
int __must_check adisim_ims__reset(struct adisim_adi *adi);
void adisim_ims__clear(struct adisim_adi *adi);
int __must_check adisim_remap__decode(u32 addr_lo, u32 addr_hi, u32 data, u32 *handle);
enum adisim_irq_result adisim_ims__raise(struct adisim_adi *adi, u32 index);
void adisim_ims__recheck(struct adisim_adi *adi);
int __must_check adisim_ims__access(struct adisim_adi *adi, u64 off, void *buf,
				    u32 count, bool write);

/* config.c: PCI config space. */
void adisim_config__init(struct adisim_adi *adi);
int __must_check adisim_config__access(struct adisim_adi *adi, u64 off, void *buf,
				       u32 count, bool write);
bool adisim_config__bus_master(const struct adisim_adi *adi);

/* bar0.c: registers. */
int __must_check adisim_bar0__access(struct adisim_adi *adi, u64 off, void *buf,
				     u32 count, bool write);
void adisim_bar0__reset(struct adisim_adi *adi);

/* dma.c: DMA maps and device-side access to client memory. */
int __must_check adisim_dma__map(struct adisim_adi *adi, u64 iova, u64 size, u32 flags,
				 int fd, u64 offset);
int __must_check adisim_dma__unmap(struct adisim_adi *adi, u64 iova, u64 size, u32 flags);
void adisim_dma__unmap_all(struct adisim_adi *adi);
int __must_check adisim_dma__read(struct adisim_adi *adi, u64 iova, void *buf, u64 len);
int __must_check adisim_dma__write(struct adisim_adi *adi, u64 iova, const void *buf, u64 len);

/* engine.c: descriptor ring, delayed interrupts, storm. */
void adisim_engine__doorbell(struct adisim_adi *adi);
void adisim_engine__run(struct adisim_adi *adi);
/* The kick eventfd fired: continue the ring if the session still wants it. */
void adisim_engine__kicked(struct adisim_adi *adi);
void adisim_engine__delay_expired(struct adisim_adi *adi);
void adisim_engine__storm_tick(struct adisim_adi *adi);
int __must_check adisim_engine__set_storm(struct adisim_adi *adi, u32 ims, u32 hz);
void adisim_engine__reset(struct adisim_adi *adi);

/* handlers.c: vfio-user commands. */
int __must_check adisim_handle__msg(struct adisim_adi *adi, struct vfu_msg *m);

/* session.c: the per-ADI connection. */
int __must_check adisim_adi__init(struct adisim *sim, struct adisim_adi *adi, unsigned int id);
void adisim_adi__destroy(struct adisim_adi *adi);
void adisim_session__start(struct adisim_adi *adi, int conn_fd);
void adisim_session__end(struct adisim_adi *adi, const char *why);
void adisim_session__readable(struct adisim_adi *adi);
/* Run pending engine work and commands deferred during a DMA request. */
void adisim_session__drain(struct adisim_adi *adi);
int __must_check adisim_session__dma_request(struct adisim_adi *adi, u16 cmd, u64 iova,
					     void *buf, u64 count);

/* stats.c */
void adisim_stats__print(const struct adisim *sim);
int __must_check adisim_stats__write_json(const struct adisim *sim, const char *path);
const char *adisim_stats__name(unsigned int counter);

/* Time helper. */
u64 adisim__now_ns(void);

#endif /* DEVICES_ADISIM_ADISIM_H */
