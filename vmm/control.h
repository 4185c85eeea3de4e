/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The operator control socket (docs/control-api.md): every running VM
 * listens on a UNIX socket, by default DIR/NAME.sock where DIR is
 * $IMSVM_CONTROL_DIR, else $XDG_RUNTIME_DIR/imsvm, else /run/imsvm as root,
 * else /tmp/imsvm-UID. Served on the VM's event loop; `imsvm list|stat|...`
 * are its clients (vmm/cmd_*.c).
 */
#ifndef VMM_CONTROL_H
#define VMM_CONTROL_H

#include <stddef.h>

#include "vmm/util.h"

struct vm;
struct vcpu;
struct control;

#define CONTROL_NAME_MAX	64

/*
 * The VM's step, after the event loop and the devices exist: listen on the
 * socket (--control-socket PATH, or the default; nothing with --no-control).
 * The socket is removed when the VM's device list is destroyed.
 */
int __must_check control__start(struct vm *vm);

/*
 * Called by each vCPU thread before KVM_RUN: parks the thread while the VM
 * is paused. Cheap when not paused.
 */
void control__pause_point(struct vcpu *vcpu);

/* The directory of default sockets (not created). */
int __must_check control__dir(char *buf, size_t len);
/* Create the directory if needed (mode 0700, owned by us). */
int __must_check control__make_dir(const char *dir);
/* DIR/NAME.sock; -EINVAL for a name that cannot be a socket name. */
int __must_check control__path(const char *name, char *buf, size_t len);
/* Letters, digits, '.', '_', '-', at most CONTROL_NAME_MAX, not starting with '.'. */
bool control__valid_name(const char *name);

#endif /* VMM_CONTROL_H */
