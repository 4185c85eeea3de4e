/* SPDX-License-Identifier: GPL-2.0-only */
#include "libcflat.h"
#include "x86/processor.h"

bool cpu_is_kvm(void)
{
	struct cpuid r;
	char sig[13];

	if (!(cpuid(1).c & (1U << 31)))
		return false;
	r = cpuid(0x40000000);
	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	sig[12] = '\0';
	return !strcmp(sig, "KVMKVMKVM");
}
