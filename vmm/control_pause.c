/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pause and resume. `pause` sets pause_req and kicks every vCPU out of
 * KVM_RUN; each vCPU thread parks in control__pause_point() before its next
 * KVM_RUN and counts itself, the last one wakes the event loop (done_fd),
 * which answers the waiting requests. The loop never waits for the vCPUs: a
 * vCPU held up in a device call (a slow vfio-user server) only delays the
 * reply, and a timerfd answers "timeout" if it takes longer than asked.
 *
 * While paused, KVM's in-kernel irqchip keeps collecting interrupts
 * (irqfds, KVM_IRQ_LINE): they are delivered when the vCPUs run again.
 *
 * immediate_exit: a kick leaves it set; the vCPU clears it when it goes
 * back to running, then looks at the exit state again, so a stop request
 * that raced with the resume is not lost (vm__request_exit records the
 * exit before it kicks).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "vmm/control_priv.h"
#include "vmm/event_loop.h"
#include "vmm/log.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define PAUSE_TIMEOUT_DEFAULT_MS	5000
#define PAUSE_TIMEOUT_MAX_MS		600000
#define PARK_POLL_NS			(100 * 1000 * 1000)	/* to notice a stop */

static bool vm_running(struct vm *vm)
{
	return atomic_load(&vm->exit_reason) == VM_RUNNING;
}

static void back_to_running(struct vcpu *vcpu)
{
	__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (!vm_running(vcpu->vm) || atomic_load(&vcpu->vm->control->pause_req))
		__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

void control__pause_point(struct vcpu *vcpu)
{
	struct control *ctl = vcpu->vm->control;
	u64 one = 1, gen;

	if (!ctl)
		return;
	if (!atomic_load(&ctl->pause_req)) {
		/* Kicked by a pause that was cancelled before we got here. */
		if (__atomic_load_n(&vcpu->run->immediate_exit, __ATOMIC_SEQ_CST) &&
		    vm_running(vcpu->vm))
			back_to_running(vcpu);
		return;
	}
	pthread_mutex_lock(&ctl->pause_lock);
	gen = ctl->pause_gen;
	ctl->nr_parked++;
	if (write(ctl->done_fd, &one, sizeof(one)) != sizeof(one))
		pr_warn_ratelimited("pause: cannot wake the event loop");
	while (atomic_load(&ctl->pause_req) && gen == ctl->pause_gen && vm_running(vcpu->vm)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += PARK_POLL_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_nsec -= 1000000000L;
			ts.tv_sec++;
		}
		pthread_cond_timedwait(&ctl->pause_cond, &ctl->pause_lock, &ts);
	}
	ctl->nr_parked--;
	pthread_mutex_unlock(&ctl->pause_lock);
	back_to_running(vcpu);
}

static void arm_timer(struct control *ctl, u64 ms)
{
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)(ms / 1000),
						.tv_nsec = (long)(ms % 1000) * 1000000 } };

	if (timerfd_settime(ctl->timer_fd, 0, &its, NULL) < 0)
		pr_warn("pause: timerfd: %s", strerror(errno));
}

static void disarm_timer(struct control *ctl)
{
	arm_timer(ctl, 0);
}

static json_object *state_result(struct control *ctl)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "state", json_object_new_string(control__state_name(ctl)));
	json_object_object_add(r, "vcpus", json_object_new_int((int)ctl->vm->nr_vcpus));
	return r;
}

/* Answer every waiter: with @result (a template, copied) or @err. */
static void answer_waiters(struct control *ctl, json_object *result,
			   const struct control_error *err)
{
	struct control_waiter w[CONTROL_MAX_WAITERS];
	unsigned int n = ctl->nr_waiters;

	/* control__complete() may free a connection, which edits the list: copy it. */
	memcpy(w, ctl->waiters, n * sizeof(w[0]));
	ctl->nr_waiters = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (!w[i].conn->dead) {
			if (err) {
				control_conn__error(w[i].conn, w[i].id, err);
			} else {
				json_object *copy = NULL;

				if (json_object_deep_copy(result, &copy, NULL) < 0)
					copy = NULL;
				control_conn__reply(w[i].conn, w[i].id, copy);
			}
		}
		json_object_put(w[i].id);
		control__complete(ctl, w[i].conn);
	}
}

static void check_parked(struct control *ctl)
{
	unsigned int parked;
	json_object *r;

	pthread_mutex_lock(&ctl->pause_lock);
	parked = ctl->nr_parked;
	pthread_mutex_unlock(&ctl->pause_lock);
	if (ctl->state != CTL_PAUSING || parked < ctl->vm->nr_vcpus)
		return;
	ctl->state = CTL_PAUSED;
	ctl->pauses++;
	disarm_timer(ctl);
	pr_info("paused: %u vCPU(s) stopped (control socket)", parked);
	r = state_result(ctl);
	answer_waiters(ctl, r, NULL);
	json_object_put(r);
}

static void on_done(int fd, u32 events, void *opaque)
{
	u64 v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_warn_ratelimited("pause: eventfd: %s", strerror(errno));
	check_parked(opaque);
}

static void on_timer(int fd, u32 events, void *opaque)
{
	struct control *ctl = opaque;
	struct control_error err;
	unsigned int parked;
	u64 v;

	if (read(fd, &v, sizeof(v)) < 0)
		return;
	if (ctl->state != CTL_PAUSING || !ctl->nr_waiters)
		return;
	pthread_mutex_lock(&ctl->pause_lock);
	parked = ctl->nr_parked;
	pthread_mutex_unlock(&ctl->pause_lock);
	control_error__set(&err, CTL_E_TIMEOUT, "%u of %u vCPUs stopped in time; the pause "
			   "goes on ('resume' cancels it)", parked, ctl->vm->nr_vcpus);
	answer_waiters(ctl, NULL, &err);
}

int control_pause__init(struct control *ctl)
{
	int ret;

	pthread_mutex_init(&ctl->pause_lock, NULL);
	pthread_cond_init(&ctl->pause_cond, NULL);
	ctl->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ctl->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ctl->done_fd < 0 || ctl->timer_fd < 0) {
		ret = -errno;
		goto err;
	}
	ret = event_loop__add(ctl->vm->loop, ctl->done_fd, EPOLLIN, on_done, ctl);
	if (ret < 0)
		goto err;
	ret = event_loop__add(ctl->vm->loop, ctl->timer_fd, EPOLLIN, on_timer, ctl);
	if (ret < 0) {
		(void)event_loop__del(ctl->vm->loop, ctl->done_fd);
		goto err;
	}
	return 0;

err:
	if (ctl->done_fd >= 0)
		close(ctl->done_fd);
	if (ctl->timer_fd >= 0)
		close(ctl->timer_fd);
	ctl->done_fd = ctl->timer_fd = -1;
	pthread_cond_destroy(&ctl->pause_cond);
	pthread_mutex_destroy(&ctl->pause_lock);
	return ret;
}

void control_pause__destroy(struct control *ctl)
{
	if (ctl->done_fd < 0)
		return;
	(void)event_loop__del(ctl->vm->loop, ctl->done_fd);
	(void)event_loop__del(ctl->vm->loop, ctl->timer_fd);
	close(ctl->done_fd);
	close(ctl->timer_fd);
	ctl->done_fd = ctl->timer_fd = -1;
	for (unsigned int i = 0; i < ctl->nr_waiters; i++)
		json_object_put(ctl->waiters[i].id);
	ctl->nr_waiters = 0;
	pthread_cond_destroy(&ctl->pause_cond);
	pthread_mutex_destroy(&ctl->pause_lock);
}

void control_pause__forget(struct control *ctl, struct control_conn *c)
{
	for (unsigned int i = 0; i < ctl->nr_waiters;) {
		if (ctl->waiters[i].conn == c) {
			json_object_put(ctl->waiters[i].id);
			ctl->waiters[i] = ctl->waiters[--ctl->nr_waiters];
		} else {
			i++;
		}
	}
}

void control_pause__release(struct control *ctl)
{
	pthread_mutex_lock(&ctl->pause_lock);
	atomic_store(&ctl->pause_req, 0);
	ctl->pause_gen++;
	pthread_cond_broadcast(&ctl->pause_cond);
	pthread_mutex_unlock(&ctl->pause_lock);
	disarm_timer(ctl);
	ctl->state = CTL_RUNNING;
}

int control_cmd__pause(struct control *ctl, struct control_conn *c, struct control_req *req,
		       json_object **result, struct control_error *err)
{
	static const char *const allowed[] = { "timeout_ms", NULL };
	u64 timeout = PAUSE_TIMEOUT_DEFAULT_MS;

	if (control_arg__only(req->args, allowed, err) ||
	    control_arg__u64(req->args, "timeout_ms", false, PAUSE_TIMEOUT_MAX_MS, &timeout, err))
		return -EINVAL;
	if (ctl->state == CTL_PAUSED) {
		*result = state_result(ctl);
		return 0;
	}
	if (ctl->nr_waiters == CONTROL_MAX_WAITERS) {
		control_error__set(err, CTL_E_BUSY, "too many pause requests waiting");
		return -EBUSY;
	}
	ctl->waiters[ctl->nr_waiters++] = (struct control_waiter){
		.conn = c, .id = json_object_get(req->id) };
	c->busy = true;
	if (ctl->state == CTL_RUNNING) {
		ctl->state = CTL_PAUSING;
		atomic_store(&ctl->pause_req, 1);
		for (unsigned int i = 0; i < ctl->vm->nr_vcpus; i++)
			vcpu__kick(ctl->vm->vcpus[i]);
	}
	if (timeout)
		arm_timer(ctl, timeout);
	/*
	 * Look at the count from the loop, not from here: answering may finish
	 * this very connection, whose line handling is on the stack.
	 */
	if (write(ctl->done_fd, &(u64){ 1 }, sizeof(u64)) != sizeof(u64))
		pr_warn_ratelimited("pause: cannot wake the event loop");
	return 1;
}

int control_cmd__resume(struct control *ctl, struct control_conn *c, struct control_req *req,
			json_object **result, struct control_error *err)
{
	struct control_error cancelled;

	if (control_arg__only(req->args, NULL, err))
		return -EINVAL;
	if (ctl->state == CTL_RUNNING) {
		control_error__set(err, CTL_E_STATE, "the VM is not paused");
		return -EINVAL;
	}
	control_pause__release(ctl);
	if (ctl->nr_waiters) {
		control_error__set(&cancelled, CTL_E_STATE, "resumed before the pause completed");
		answer_waiters(ctl, NULL, &cancelled);
	}
	pr_info("resumed (control socket)");
	*result = state_result(ctl);
	return 0;
}
