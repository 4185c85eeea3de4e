/* SPDX-License-Identifier: GPL-2.0-only */
#include "x86/smp.h"
struct percpu percpu_data[MAX_CPUS];
void ap_main(void);
void ap_main(void) { for (;;) asm volatile("hlt"); }
