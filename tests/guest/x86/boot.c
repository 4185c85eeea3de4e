/* SPDX-License-Identifier: GPL-2.0-only */
#include "libcflat.h"
int main(int argc, char **argv)
{
	printf("hello\n");
	report(true, "x");
	return report_summary();
}
