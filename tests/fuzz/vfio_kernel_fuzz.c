/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the kernel VFIO backend (devices/vfio_kernel.c) and the
 * passthrough model above it, against a kernel that answers anything. The
 * device is assigned as `--vfio BDF` does it (vfio_kernel__assign() with a
 * fake sysfs and /dev tree made once per process, see make_tree()), over
 * either the iommufd cdev path or the legacy group/container path; every
 * ioctl, pread and pwrite the backend makes goes to the stand-in of
 * vfio_kernel__set_test_sys(), which plays a kernel describing the model
 * device of tests/fuzz/pt_model.h, and lets the input decide, per call,
 * what the kernel says: the model's answer, that answer with bytes
 * overwritten (region info with its capability chain: cap_offset, next,
 * nr_areas, areas; IRQ info; device info; within the argsz the caller gave,
 * as the kernel writes), an error, a buffer of the input's own bytes, or
 * success with nothing written. The "device fd" is a 1 MiB file, so what
 * the backend mmaps is real memory; KVM memory slots are a test hook.
 *
 * Input:
 *   flags (1)      bit 0: --ims-mode=trap; bit 1: legacy group path (else iommufd)
 *   npatch (1)     then npatch pairs (offset, value) into the model's config space
 *   slen (2)       then slen bytes: the kernel's script, one record per call
 *                  ctl (1): ctl % 8: 0-3 the model's answer
 *                                  4 the model's answer, then off (1),
 *                                    len (1, <= 32), len bytes over it at off
 *                                  5 fail, errno (1) (0: EINVAL)
 *                                  6 the argument filled with the script's bytes
 *                                    (pread: the data; a scalar ioctl: its result)
 *                                  7 success, nothing written (pread/pwrite: short)
 *                  an exhausted script answers as the model does
 *   then the guest records of tests/fuzz/pt_model.h
 *
 * After each input no fd may be left open and nothing may leak (LSan).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/vfio_compat.h"
#include "devices/vfio_kernel.h"
#include "tests/fuzz/pt_model.h"
#include "tests/fuzz/vfu_stream.h"
#include "vmm/irq_routing.h"
#include "vmm/log.h"
#include "vmm/mem_slots.h"

#define RAM_SIZE	(1 * MiB)
#define DEV_FILE_SIZE	(1 * MiB)
#define REGION_SHIFT	16	/* region i at i << 16 in the device file */

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static int ok_slot(struct vm *vm, const struct kvm_userspace_memory_region *r)
{
	return 0;
}

/* ---- the kernel ---- */

static struct {
	struct pt_script script;	/* what the model answers from */
	int dev_file;		/* what GROUP_GET_DEVICE_FD hands out a dup of */
	u8 cfg[PT_MODEL_CFG_SIZE];
	u8 bar[3][0x8000];	/* BAR0, BAR2, BAR4 contents */
} k = { .dev_file = -1 };

static char root[64];

static u8 take(void)
{
	return pt_script__take(&k.script);
}

/* The model kernel's answer for @req into @arg (@len bytes the caller gave). */
static int model(unsigned long req, void *arg, size_t len)
{
	switch (req) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return 1;
	case VFIO_GROUP_GET_STATUS:
		((struct vfio_group_status *)arg)->flags = VFIO_GROUP_FLAGS_VIABLE;
		return 0;
	case VFIO_GROUP_GET_DEVICE_FD:
		return fcntl(k.dev_file, F_DUPFD_CLOEXEC, 0);
	case IOMMU_IOAS_ALLOC:
		((struct iommu_ioas_alloc *)arg)->out_ioas_id = 1;
		return 0;
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info *di = arg;

		di->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		di->num_regions = VFIO_PCI_NUM_REGIONS;
		di->num_irqs = PT_MODEL_NR_IRQS;
		return 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct pt_model_region_info m = { 0 };
		struct vfio_region_info *ri = arg;
		u32 index = ri->index;

		m.info = *ri;
		m.info.size = pt_model__region_size(index);
		m.info.offset = (u64)index << REGION_SHIFT;
		m.info.flags = m.info.size ? VFIO_REGION_INFO_FLAG_READ |
					     VFIO_REGION_INFO_FLAG_WRITE : 0;
		m.info.cap_offset = 0;
		if (index == 0) {
			/* Two sparse areas, the MSI-X-free half mappable (as vfio-pci does). */
			m.info.flags |= VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
			if (ri->argsz < sizeof(m)) {
				m.info.argsz = sizeof(m);	/* ask again, bigger */
			} else {
				m.info.cap_offset = sizeof(m.info);
				m.sparse.header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
				m.sparse.header.version = 1;
				m.sparse.nr_areas = 2;
				m.area[0] = (struct vfio_region_sparse_mmap_area){ 0, 0x1000 };
				m.area[1] = (struct vfio_region_sparse_mmap_area){ 0x2000, 0x2000 };
			}
		} else if (index == 2) {
			m.info.flags |= VFIO_REGION_INFO_FLAG_MMAP;	/* the whole BAR */
		}
		memcpy(arg, &m, MIN(len, sizeof(m)));
		return 0;
	}
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info *ii = arg;

		if (ii->index >= PT_MODEL_NR_IRQS) {
			errno = EINVAL;
			return -1;
		}
		ii->flags = VFIO_IRQ_INFO_EVENTFD;
		ii->count = pt_model__irq_count[ii->index];
		if (ii->index == PT_MODEL_IMS_INDEX)
			ii->flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_NORESIZE;
		return 0;
	}
	default:		/* bind, attach, set container/IOMMU, SET_IRQS, DMA maps, reset */
		return 0;
	}
}

/* How many bytes of @arg the kernel may write for @req (0: a scalar argument). */
static size_t arg_len(unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_GROUP_GET_STATUS:
		return sizeof(struct vfio_group_status);
	case IOMMU_IOAS_ALLOC:
		return sizeof(struct iommu_ioas_alloc);
	case VFIO_DEVICE_GET_INFO:
		return sizeof(struct vfio_device_info);
	case VFIO_DEVICE_GET_REGION_INFO:
		return ((struct vfio_region_info *)arg)->argsz;	/* the caller's buffer */
	case VFIO_DEVICE_GET_IRQ_INFO:
		return sizeof(struct vfio_irq_info);
	default:
		return 0;
	}
}

static int k_ioctl(int fd, unsigned long req, unsigned long a)
{
	void *arg = (void *)a;
	size_t len = arg_len(req, arg);
	u8 ctl = take();
	int ret;

	/* An fd the kernel returns is a new one, or an error: never some other number. */
	if (req == VFIO_GROUP_GET_DEVICE_FD && ctl % 8 != 5)
		ctl = 0;
	switch (ctl % 8) {
	case 5:
		ret = take();
		errno = ret ? ret : EINVAL;
		return -1;
	case 6:
		if (!len)
			return (int)(signed char)take();
		for (size_t i = 0; i < len; i++)
			((u8 *)arg)[i] = take();
		return 0;
	case 7:
		return 0;
	}
	ret = model(req, arg, len);
	if (ret >= 0 && ctl % 8 == 4 && len) {
		u8 off = take(), n = take() % 33;

		for (u8 i = 0; i < n; i++) {
			u8 b = take();

			if (off + i < len)
				((u8 *)arg)[off + i] = b;
		}
	}
	return ret;
}

static u8 *region_mem(off_t off, size_t len)
{
	u32 index = (u32)((u64)off >> REGION_SHIFT);
	u64 in = (u64)off & ((1u << REGION_SHIFT) - 1);
	u64 size = pt_model__region_size(index);
	u8 *mem = index == VFIO_PCI_CONFIG_REGION_INDEX ? k.cfg :
		  index == 0 ? k.bar[0] : index == 2 ? k.bar[1] : index == 4 ? k.bar[2] : NULL;

	if (!mem || off < 0 || in >= size || len > size - in)
		return NULL;
	return mem + in;
}

static ssize_t k_pread(int fd, void *buf, size_t len, off_t off)
{
	u8 ctl = take();
	u8 *mem;

	switch (ctl % 8) {
	case 5:
		errno = take() ? EIO : EFAULT;
		return -1;
	case 6:
		for (size_t i = 0; i < len; i++)
			((u8 *)buf)[i] = take();
		return (ssize_t)len;
	case 7:
		return (ssize_t)(len / 2);
	}
	mem = region_mem(off, len);
	if (!mem) {
		errno = EINVAL;
		return -1;
	}
	memcpy(buf, mem, len);
	return (ssize_t)len;
}

static ssize_t k_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	u8 ctl = take();
	u8 *mem;

	switch (ctl % 8) {
	case 5:
		errno = take() ? EIO : EFAULT;
		return -1;
	case 7:
		return (ssize_t)(len / 2);
	}
	mem = region_mem(off, len);
	if (!mem) {
		errno = EINVAL;
		return -1;
	}
	memcpy(mem, buf, len);
	return (ssize_t)len;
}

static const struct vfio_kernel_sys fake_sys = {
	.ioctl = k_ioctl, .pread = k_pread, .pwrite = k_pwrite,
};

/* ---- the host's files ---- */

static void sh(const char *fmt, const char *arg)
{
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), fmt, root, arg);
	if (system(cmd))
		__builtin_trap();
}

static void remove_tree(void)
{
	sh("rm -rf '%s'%s", "");
}

/*
 * 0000:00:03.0 has a vfio-dev/vfio0 cdev (iommufd path), 0000:00:04.0 an
 * IOMMU group 7 (legacy path); both are bound to vfio-pci. The device
 * nodes are plain files; the device's is DEV_FILE_SIZE long.
 */
static void make_tree(void)
{
	char path[PATH_MAX];

	snprintf(root, sizeof(root), "/tmp/imsvm-fuzz-vfio.XXXXXX");
	if (!mkdtemp(root))
		__builtin_trap();
	atexit(remove_tree);
	sh("mkdir -p '%s/sys/bus/pci/drivers/vfio-pci' '%s/sys/kernel/iommu_groups/7'", root + 0);
	sh("mkdir -p '%s/sys/bus/pci/devices/0000:00:03.0/vfio-dev/vfio0'%s", "");
	sh("mkdir -p '%s/sys/bus/pci/devices/0000:00:04.0' '%s/dev/vfio/devices'", root + 0);
	sh("ln -s ../../../bus/pci/drivers/vfio-pci '%s/sys/bus/pci/devices/0000:00:03.0/driver'%s",
	   "");
	sh("ln -s ../../../bus/pci/drivers/vfio-pci '%s/sys/bus/pci/devices/0000:00:04.0/driver'%s",
	   "");
	sh("ln -s ../../../../kernel/iommu_groups/7 "
	   "'%s/sys/bus/pci/devices/0000:00:04.0/iommu_group'%s", "");
	sh("touch '%s/dev/iommu' '%s/dev/vfio/vfio'", root + 0);
	sh("touch '%s/dev/vfio/7'%s", "");
	snprintf(path, sizeof(path), "%s/dev/vfio/devices/vfio0", root);
	k.dev_file = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (k.dev_file < 0 || ftruncate(k.dev_file, DEV_FILE_SIZE))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct fake_vm f;
	static u8 *ram;
	char sys[PATH_MAX], dev[PATH_MAX];
	int base_fds, ret;
	u8 flags;

	if (!ram) {
		ram = aligned_alloc(4096, RAM_SIZE);
		if (!ram)
			__builtin_trap();
		make_tree();
		vfio_kernel__set_test_sys(&fake_sys);
		mem_slots__set_test_hook(ok_slot);
	}
	if (!pt_model__parse_head(&data, &size, k.cfg, &k.script, &flags))
		return 0;
	memset(k.bar, 0, sizeof(k.bar));
	base_fds = vfu_stream__count_fds();
	pt_model__vm_init(&f, ram, RAM_SIZE, flags);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(dev, sizeof(dev), "%s/dev", root);
	ret = vfio_kernel__assign(&f.vm, flags & 2 ? "0000:00:04.0" : "0000:00:03.0", sys, dev);
	if (ret == 0)
		pt_model__guest(&f, "vfio-", ram, RAM_SIZE, data, size);
	fake_vm__destroy(&f);
	irq_routing__set_test_ops(NULL, NULL);
	if (vfu_stream__count_fds() != base_fds)
		__builtin_trap();	/* an fd outlived the device */
	return 0;
}
