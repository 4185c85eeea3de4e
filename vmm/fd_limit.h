/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File descriptor budget. Interrupts cost one eventfd each (one per bound IMS
 * handle, in imsvm and in a device server alike), so a few thousand vectors
 * go past the usual soft limit of 1024.
 *
 * The guest decides how many vectors it asks for, so the PV-IC never takes
 * the last fds: FD_LIMIT_RESERVE stay free for what the operator and imsvm
 * itself need later (control socket clients, hot assignment, the console).
 * A vector whose eventfd would land in the reserve is refused (the guest
 * gets -EAGAIN) instead of leaving imsvm unable to accept a `stat`.
 */
#ifndef VMM_FD_LIMIT_H
#define VMM_FD_LIMIT_H

#include <stdbool.h>

#include "vmm/util.h"

/* The number of fds a full IMS handle table needs, with room to spare. */
#define FD_LIMIT_IMS	65536UL

/* fds kept free for everything but IMS vectors: 64 control clients, hot assignment, slack. */
#define FD_LIMIT_RESERVE	128UL

/*
 * Raise RLIMIT_NOFILE to @want: the hard limit too where allowed (root),
 * else the soft limit up to the hard one. Idempotent; failure only logs at
 * debug level, since running with fewer fds is still correct (binding more
 * vectors then fails with a clear error). Remembers the resulting limit.
 */
void fd_limit__raise(unsigned long want);

/* The soft RLIMIT_NOFILE as last raised or read (0 when unknown). */
unsigned long fd_limit__current(void);

/*
 * Is @fd, just created for a guest-requested vector, inside the reserve?
 * fds are allocated lowest first, so @fd >= limit - FD_LIMIT_RESERVE means
 * fewer than FD_LIMIT_RESERVE fds are left. The caller closes it and refuses.
 */
bool fd_limit__in_reserve(int fd);

/*
 * At start: 0 when at least one vector per ADI (@nr_adis, 1 at least) fits
 * beside the fds open now and the reserve; otherwise one line saying what
 * to set, and -EMFILE (a configuration that can never give the guest an
 * IMS vector). Also logs, once, how many vectors the limit allows when it
 * is below FD_LIMIT_IMS.
 */
int __must_check fd_limit__check_ims(unsigned int nr_adis);

#endif /* VMM_FD_LIMIT_H */
