/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel VFIO backend's argument handling and its errors on a host
 * without VFIO, against a fake sysfs tree (this machine has no /dev/vfio).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/vfio_kernel.h"

static void parses(const char *spec, const char *want)
{
	char bdf[16];

	cr_assert_eq(vfio_kernel__parse_device(spec, bdf, sizeof(bdf)), 0, "%s", spec);
	cr_expect_str_eq(bdf, want, "%s", spec);
}

static void refuses(const char *spec)
{
	char bdf[16];

	cr_expect_eq(vfio_kernel__parse_device(spec, bdf, sizeof(bdf)), -EINVAL, "%s", spec);
}

Test(vfio_kernel, device_spec_forms)
{
	parses("0000:01:00.0", "0000:01:00.0");
	parses("01:00.0", "0000:01:00.0");
	parses("0001:a0:1f.7", "0001:a0:1f.7");
	parses("/sys/bus/pci/devices/0000:00:02.0", "0000:00:02.0");
	parses("/sys/devices/pci0000:00/0000:00:1f.3", "0000:00:1f.3");
}

Test(vfio_kernel, bad_specs_refused)
{
	refuses("");
	refuses("nonsense");
	refuses("00:20.0");		/* device 32 */
	refuses("0000:00:02.8");	/* function 8 */
	refuses("0000:00:02.0x");
	refuses("/tmp/0000:00:02.0");	/* a path, but not under /sys */
	refuses("0000:00:02");
}

static char root[PATH_MAX];

static void mk(const char *rel)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "mkdir -p '%s/%s'", root, rel);
	cr_assert_eq(system(p), 0);
}

static void ln(const char *target, const char *rel)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	cr_assert_eq(symlink(target, p), 0);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/vfio-kernel-test.XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	mk("sys/bus/pci/devices/0000:00:02.0");
	mk("sys/bus/pci/devices/0000:00:03.0");
	mk("sys/bus/pci/devices/0000:00:04.0");
	mk("sys/bus/pci/drivers/e1000");
	mk("sys/bus/pci/drivers/vfio-pci");
	mk("sys/kernel/iommu_groups/7");
	mk("dev");
	ln("../../../bus/pci/drivers/e1000", "sys/bus/pci/devices/0000:00:02.0/driver");
	ln("../../../bus/pci/drivers/vfio-pci", "sys/bus/pci/devices/0000:00:03.0/driver");
	ln("../../../bus/pci/drivers/vfio-pci", "sys/bus/pci/devices/0000:00:04.0/driver");
	ln("../../../../kernel/iommu_groups/7", "sys/bus/pci/devices/0000:00:04.0/iommu_group");
}

static void teardown(void)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	(void)!system(p);
}

TestSuite(vfio_kernel_open, .init = setup, .fini = teardown);

static int try_open(const char *spec)
{
	char sys[PATH_MAX + 8], dev[PATH_MAX + 8];
	struct vfio_kdev *d = NULL;
	int ret;

	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(dev, sizeof(dev), "%s/dev", root);
	ret = vfio_kernel__open(spec, sys, dev, &d);
	if (ret == 0)
		vfio_kernel__close(d);
	return ret;
}

Test(vfio_kernel_open, absent_device)
{
	cr_expect_eq(try_open("0000:00:09.0"), -ENOENT);
}

Test(vfio_kernel_open, not_bound_to_vfio_pci)
{
	cr_expect_eq(try_open("0000:00:02.0"), -EBUSY);
}

Test(vfio_kernel_open, no_iommu_group)
{
	cr_expect_eq(try_open("00:03.0"), -ENODEV);
}

Test(vfio_kernel_open, no_dev_vfio)
{
	cr_expect_eq(try_open("0000:00:04.0"), -ENOENT, "no container device node");
}
