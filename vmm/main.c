/* SPDX-License-Identifier: GPL-2.0-only */
#include "vmm/cli.h"

int main(int argc, char **argv)
{
	return cli__main(argc, argv);
}
