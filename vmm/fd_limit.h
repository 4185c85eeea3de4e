/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File descriptor budget. Interrupts cost one eventfd each (one per bound IMS
 * handle, in imsvm and in a device server alike), so a few thousand vectors
 * go past the usual soft limit of 1024.
 */
#ifndef VMM_FD_LIMIT_H
#define VMM_FD_LIMIT_H

/* The number of fds a full IMS handle table needs, with room to spare. */
#define FD_LIMIT_IMS	65536UL

/*
 * Raise RLIMIT_NOFILE to @want: the hard limit too where allowed (root),
 * else the soft limit up to the hard one. Idempotent; failure only logs at
 * debug level, since running with fewer fds is still correct (binding more
 * vectors then fails with a clear error).
 */
void fd_limit__raise(unsigned long want);

#endif /* VMM_FD_LIMIT_H */
