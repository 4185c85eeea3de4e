/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel VFIO backend of the passthrough model: a PCI function bound to
 * vfio-pci on the host, reached through the iommufd device cdev
 * (/dev/vfio/devices/vfioN + /dev/iommu, Linux >= 6.6) when the host has it,
 * else the legacy container/group (/dev/vfio/vfio + /dev/vfio/GROUP, type1v2
 * IOMMU). Written against the upstream uAPI; see docs/device-assignment.md
 * for what has and has not been run on real hardware.
 */
#ifndef DEVICES_VFIO_KERNEL_H
#define DEVICES_VFIO_KERNEL_H

#include <stddef.h>
#include <sys/types.h>

#include "vmm/util.h"

struct guest_mem;
struct vfio_kdev;
struct vm;

/*
 * `--vfio DEVICE`: a BDF (0000:01:00.0 or 01:00.0, domain 0 assumed) or a
 * sysfs path whose last component is one (/sys/bus/pci/devices/0000:01:00.0,
 * /sys/devices/pci0000:00/0000:00:02.0). Writes the canonical BDF to @bdf.
 * -EINVAL with a message on anything else.
 */
int __must_check vfio_kernel__parse_device(const char *spec, char *bdf, size_t len);

/*
 * Open the device and its IOMMU context. @sysfs_root is "/sys" except in
 * tests, @dev_root "/dev". One clear error line names what is missing.
 */
int __must_check vfio_kernel__open(const char *spec, const char *sysfs_root,
				   const char *dev_root, struct vfio_kdev **out);
void vfio_kernel__close(struct vfio_kdev *d);

/* passthrough__add_vfio() with other roots than /sys and /dev (tests). */
int __must_check vfio_kernel__assign(struct vm *vm, const char *spec, const char *sysfs_root,
				     const char *dev_root);

/*
 * Every ioctl on the VFIO and iommufd fds and every region access goes
 * through these. Production: the system calls. Tests and the fuzz target
 * install a stand-in that plays the kernel (NULL restores the system calls).
 */
struct vfio_kernel_sys {
	int (*ioctl)(int fd, unsigned long req, unsigned long arg);
	ssize_t (*pread)(int fd, void *buf, size_t len, off_t off);
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t off);
};

void vfio_kernel__set_test_sys(const struct vfio_kernel_sys *sys);

#endif /* DEVICES_VFIO_KERNEL_H */
