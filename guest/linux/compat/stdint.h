/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * devices/adisim/regs.h includes <stdint.h>, which a kernel build does not
 * have (-nostdinc): this stand-in, found first on the modules' include
 * path, gives the same fixed-width names from <linux/types.h>.
 */
#ifndef IMSVM_GUEST_COMPAT_STDINT_H
#define IMSVM_GUEST_COMPAT_STDINT_H
#include <linux/types.h>
#endif
