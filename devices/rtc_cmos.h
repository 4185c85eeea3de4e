/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MC146818 CMOS real-time clock at I/O ports 0x70 (index) and 0x71 (data).
 *
 * Why it exists: with nothing behind these ports a Linux guest reads 0xff,
 * sees the update-in-progress bit stuck and waits for it at boot and in
 * rtc_cmos's probe (seconds under emulation). The clock reads the host's
 * UTC time; the guest cannot set it (writes to the time registers are
 * counted and ignored), the rest of CMOS RAM is plain storage.
 */
#ifndef DEVICES_RTC_CMOS_H
#define DEVICES_RTC_CMOS_H

#include "vmm/util.h"

struct vm;

int __must_check rtc_cmos__init(struct vm *vm);

#endif /* DEVICES_RTC_CMOS_H */
