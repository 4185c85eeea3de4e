/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The controlling terminal of the serial console: raw input while the guest
 * runs, the original settings back at exit, whatever the way out (normal
 * teardown, error path, exit(), SIGINT/SIGTERM/SIGHUP).
 */
#ifndef VMM_TERM_H
#define VMM_TERM_H

#include "vmm/util.h"

/* Put @fd (a terminal) into raw input mode. No-op when @fd is not a terminal. */
int __must_check term__raw(int fd);
/* Restore the settings saved by term__raw(). Idempotent, async-signal-safe. */
void term__restore(void);

#endif /* VMM_TERM_H */
