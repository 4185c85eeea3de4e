/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal to the control socket: the server (control.c), the commands
 * (control_cmds.c, control_stat.c, control_ims.c), pause (control_pause.c).
 * Everything here runs on the event loop thread except the pause handshake
 * with the vCPU threads (pause_lock).
 */
#ifndef VMM_CONTROL_PRIV_H
#define VMM_CONTROL_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <time.h>

#include "vmm/control.h"
#include "vmm/control_conn.h"
#include "vmm/device.h"
#include "vmm/kvm_stats.h"

struct pvic_dev;

#define CONTROL_MAX_CLIENTS	64
#define CONTROL_MAX_WAITERS	16	/* requests waiting for a pause to complete */

enum control_state { CTL_RUNNING, CTL_PAUSING, CTL_PAUSED };

struct control_waiter {
	struct control_conn *conn;
	json_object *id;		/* referenced */
};

struct control {
	struct vm *vm;
	struct device dev;		/* on the VM's device list: destroyed with it */
	char path[108];
	ino_t ino;			/* the socket file we made (unlinked only if still ours) */
	int listen_fd;
	int done_fd;			/* eventfd: a vCPU reached the pause point */
	int timer_fd;			/* timerfd: a pause that takes too long */
	struct timespec started;	/* CLOCK_MONOTONIC at start */
	struct control_conn *conns;
	unsigned int nr_conns;
	u64 refused;			/* clients refused (credentials, too many) */
	u64 bad_requests;		/* requests answered with an error */

	struct kvm_stats *vcpu_stats;	/* one per vCPU; .descs NULL when unavailable */

	/* Pause: the vCPU threads and the loop thread meet here. */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	_Atomic int pause_req;		/* 1: vCPUs must park */
	unsigned int nr_parked;
	u64 pause_gen;			/* bumped at each resume */
	enum control_state state;	/* loop thread only */
	struct control_waiter waiters[CONTROL_MAX_WAITERS];
	unsigned int nr_waiters;
	u64 pauses;
};

/* control.c: the state word for replies ("running", "paused", "stopping" ...). */
const char *control__state_name(struct control *ctl);
u64 control__uptime_ms(struct control *ctl);

/*
 * A command: 0 with *@result (may stay NULL) to reply now; 1 when the reply
 * comes later (the connection is marked busy); -errno with @err set.
 */
typedef int (*control_cmd_fn)(struct control *ctl, struct control_conn *c,
			      struct control_req *req, json_object **result,
			      struct control_error *err);

/* control_cmds.c */
void control__handle_line(struct control_conn *c, const char *line, size_t len, void *opaque);
/* Finish a busy connection's pending request (the loop thread). */
void control__complete(struct control *ctl, struct control_conn *c);

/* control_stat.c */
int control_cmd__info(struct control *ctl, struct control_conn *c, struct control_req *req,
		      json_object **result, struct control_error *err);
int control_cmd__stat(struct control *ctl, struct control_conn *c, struct control_req *req,
		      json_object **result, struct control_error *err);
int __must_check control_stat__open(struct control *ctl);
/* Assigned devices: device-list entries named vfio-user* or vfio-* (a struct passthrough). */
bool control__is_assigned(const struct device *dev);
/* The bus 0 slot of the PCI function named @name, or -1. */
int control__pci_slot_of(struct vm *vm, const char *name);
/* The PV-IC on the VM's device list, or NULL. */
struct pvic_dev *control__find_pvic(struct vm *vm);
void control_stat__close(struct control *ctl);

/* control_pause.c */
int __must_check control_pause__init(struct control *ctl);
void control_pause__destroy(struct control *ctl);
int control_cmd__pause(struct control *ctl, struct control_conn *c, struct control_req *req,
		       json_object **result, struct control_error *err);
int control_cmd__resume(struct control *ctl, struct control_conn *c, struct control_req *req,
			json_object **result, struct control_error *err);
/* Resume without a request (stop). */
void control_pause__release(struct control *ctl);
/* A client went away: forget its waiters. */
void control_pause__forget(struct control *ctl, struct control_conn *c);

/* control_assign.c */
int control_cmd__assign(struct control *ctl, struct control_conn *c, struct control_req *req,
			json_object **result, struct control_error *err);
int control_cmd__unassign(struct control *ctl, struct control_conn *c, struct control_req *req,
			  json_object **result, struct control_error *err);

/* control_ims.c */
int control_cmd__ims(struct control *ctl, struct control_conn *c, struct control_req *req,
		     json_object **result, struct control_error *err);

#endif /* VMM_CONTROL_PRIV_H */
