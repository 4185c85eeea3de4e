/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel VFIO backend (see vfio_kernel.h). The device fd gives region info,
 * region access with pread/pwrite at the region's offset, mmap of mappable
 * regions, IRQ info and SET_IRQS with eventfds; DMA maps guest RAM at
 * IOVA = GPA in the container (VFIO_IOMMU_MAP_DMA) or the IOAS
 * (IOMMU_IOAS_MAP). The host kernel owns interrupt remapping here, so
 * vectors need no handle of ours.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/guest_mem.h"
#include "vmm/log.h"
#include "vmm/vm.h"
#include "devices/passthrough.h"
#include "devices/vfio_compat.h"
#include "devices/vfio_kernel.h"

#define MAX_CACHED_REGIONS	16
#define MAX_REGION_INFO		65536u

struct vfio_kdev {
	char bdf[16];
	bool iommufd_path;
	int container, group, iommufd, device;
	u32 ioas_id;
	u64 region_off[MAX_CACHED_REGIONS];
	bool region_known[MAX_CACHED_REGIONS];
};

/*
 * The kernel as the backend reaches it: the system calls, or a test's
 * stand-in (vfio_kernel__set_test_sys()) that plays any reply a kernel could
 * give, for the unit tests and the fuzz target on hosts without VFIO.
 */
static int sys_ioctl(int fd, unsigned long req, unsigned long arg)
{
	return ioctl(fd, req, arg);
}

static const struct vfio_kernel_sys real_sys = {
	.ioctl = sys_ioctl, .pread = pread, .pwrite = pwrite,
};
static const struct vfio_kernel_sys *sys = &real_sys;

void vfio_kernel__set_test_sys(const struct vfio_kernel_sys *s)
{
	sys = s ? s : &real_sys;
}

#define kioctl(fd, req, arg)	sys->ioctl((fd), (req), (unsigned long)(arg))

int vfio_kernel__parse_device(const char *spec, char *bdf, size_t len)
{
	const char *last = strrchr(spec, '/');
	unsigned int dom = 0, bus, dev, fn;
	char tail;

	last = last ? last + 1 : spec;
	if (sscanf(last, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) != 4 &&
	    (dom = 0, sscanf(last, "%2x:%2x.%1x%c", &bus, &dev, &fn, &tail) != 3)) {
		pr_err("--vfio %s: not a PCI address (DDDD:BB:DD.F or BB:DD.F) or a sysfs path "
		       "ending in one", spec);
		return -EINVAL;
	}
	if (dev > 31 || fn > 7 || (last != spec && strncmp(spec, "/sys/", 5))) {
		pr_err("--vfio %s: not a PCI address or a path under /sys", spec);
		return -EINVAL;
	}
	snprintf(bdf, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

static int open_path(const char *path, int flags, const char *what)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		pr_err("vfio: %s %s: %s", what, path, strerror(err));
		return -err;
	}
	return fd;
}

/* The name of the driver bound to the device, or "" when none. */
static void driver_of(const char *devdir, char *out, size_t len)
{
	char link[PATH_MAX + 32], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/driver", devdir);
	n = readlink(link, target, sizeof(target) - 1);
	out[0] = 0;
	if (n <= 0)
		return;
	target[n] = 0;
	snprintf(out, len, "%s", basename(target));
}

/* iommufd path: /sys/.../vfio-dev/vfioN names /dev/vfio/devices/vfioN. */
static int open_cdev(struct vfio_kdev *d, const char *devdir, const char *dev_root)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt att = { .argsz = sizeof(att) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	char dir[PATH_MAX + 32], path[PATH_MAX + 300];
	struct dirent *e;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/vfio-dev", devdir);
	dp = opendir(dir);
	if (!dp)
		return -ENOENT;
	path[0] = 0;
	while ((e = readdir(dp)))
		if (!strncmp(e->d_name, "vfio", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9')
			snprintf(path, sizeof(path), "%s/vfio/devices/%s", dev_root, e->d_name);
	closedir(dp);
	if (!path[0])
		return -ENOENT;
	d->device = open_path(path, O_RDWR, "device cdev");
	if (d->device < 0)
		return d->device;
	snprintf(dir, sizeof(dir), "%s/iommu", dev_root);
	d->iommufd = open_path(dir, O_RDWR, "iommufd");
	if (d->iommufd < 0)
		return d->iommufd;
	bind.iommufd = d->iommufd;
	if (kioctl(d->device, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0 ||
	    kioctl(d->iommufd, IOMMU_IOAS_ALLOC, &alloc) < 0)
		goto err;
	d->ioas_id = alloc.out_ioas_id;
	att.pt_id = d->ioas_id;
	if (kioctl(d->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &att) < 0)
		goto err;
	d->iommufd_path = true;
	return 0;
err:
	pr_err("vfio %s: binding to iommufd: %s", d->bdf, strerror(errno));
	return -errno;
}

/* Legacy path: the device's IOMMU group in a type1v2 container. */
static int open_group(struct vfio_kdev *d, const char *devdir, const char *dev_root)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char link[PATH_MAX + 32], target[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/iommu_group", devdir);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0) {
		pr_err("vfio %s: no IOMMU group (is the IOMMU enabled on the host?)", d->bdf);
		return -ENODEV;
	}
	target[n] = 0;
	snprintf(path, sizeof(path), "%s/vfio/vfio", dev_root);
	d->container = open_path(path, O_RDWR, "container (load vfio-pci?)");
	if (d->container < 0)
		return d->container;
	if (kioctl(d->container, VFIO_GET_API_VERSION, 0) != VFIO_API_VERSION ||
	    kioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		pr_err("vfio %s: the host has no VFIO API %d with the type1v2 IOMMU", d->bdf,
		       VFIO_API_VERSION);
		return -ENOTSUP;
	}
	snprintf(path, sizeof(path), "%s/vfio/%s", dev_root, basename(target));
	d->group = open_path(path, O_RDWR, "group");
	if (d->group < 0)
		return d->group;
	if (kioctl(d->group, VFIO_GROUP_GET_STATUS, &st) < 0)
		return -errno;
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		pr_err("vfio %s: group %s is not viable: bind every device in it to vfio-pci",
		       d->bdf, basename(target));
		return -EBUSY;
	}
	if (kioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) < 0 ||
	    kioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
		pr_err("vfio %s: setting up the container: %s", d->bdf, strerror(errno));
		return -errno;
	}
	d->device = kioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (d->device < 0) {
		pr_err("vfio %s: VFIO_GROUP_GET_DEVICE_FD: %s", d->bdf, strerror(errno));
		return -errno;
	}
	return 0;
}

int vfio_kernel__open(const char *spec, const char *sysfs_root, const char *dev_root,
		      struct vfio_kdev **out)
{
	char devdir[PATH_MAX], driver[64];
	struct vfio_kdev *d;
	struct stat sb;
	int ret;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->container = d->group = d->iommufd = d->device = -1;
	ret = vfio_kernel__parse_device(spec, d->bdf, sizeof(d->bdf));
	if (ret < 0)
		goto err;
	snprintf(devdir, sizeof(devdir), "%s/bus/pci/devices/%s", sysfs_root, d->bdf);
	if (stat(devdir, &sb) < 0) {
		ret = -ENOENT;
		pr_err("--vfio %s: no PCI device %s on this host (%s)", spec, d->bdf, devdir);
		goto err;
	}
	driver_of(devdir, driver, sizeof(driver));
	if (strcmp(driver, "vfio-pci")) {
		ret = -EBUSY;
		pr_err("--vfio %s: %s is bound to %s, not vfio-pci (echo %s > "
		       "/sys/bus/pci/drivers/vfio-pci/bind after unbinding it)", spec, d->bdf,
		       driver[0] ? driver : "no driver", d->bdf);
		goto err;
	}
	ret = open_cdev(d, devdir, dev_root);
	if (ret == -ENOENT) {
		if (d->device >= 0)
			close(d->device);
		d->device = -1;
		ret = open_group(d, devdir, dev_root);
	}
	if (ret < 0)
		goto err;
	*out = d;
	return 0;
err:
	vfio_kernel__close(d);
	return ret;
}

void vfio_kernel__close(struct vfio_kdev *d)
{
	if (!d)
		return;
	if (d->device >= 0)
		close(d->device);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	if (d->iommufd >= 0)
		close(d->iommufd);
	free(d);
}

/* ---- the backend ops ---- */

static int k_device_info(void *b, struct vfio_device_info *out)
{
	struct vfio_kdev *d = b;

	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	return kioctl(d->device, VFIO_DEVICE_GET_INFO, out) < 0 ? -errno : 0;
}

/*
 * The sparse-mmap capability of @ri's chain (@len bytes the kernel filled),
 * its areas copied to @out: 1, 0 when the chain has none, -EPROTO when the
 * chain points outside the buffer or the areas do not fit in it. Read with
 * memcpy: nothing in the chain is promised to be aligned.
 */
static int find_sparse_mmap(const struct vfio_region_info *ri, u32 len, struct pt_region *out)
{
	const u8 *base = (const u8 *)ri;
	u32 off = (ri->flags & VFIO_REGION_INFO_FLAG_CAPS) ? ri->cap_offset : 0;
	unsigned int hops = 0;

	while (off) {
		struct vfio_region_info_cap_sparse_mmap s;
		struct vfio_info_cap_header h;

		if (off < sizeof(*ri) || off > len || len - off < sizeof(h) || ++hops > 64)
			return -EPROTO;
		memcpy(&h, base + off, sizeof(h));
		if (h.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			if (len - off < sizeof(s))
				return -EPROTO;
			memcpy(&s, base + off, sizeof(s));
			if (s.nr_areas > (len - off - sizeof(s)) / sizeof(*out->areas))
				return -EPROTO;
			out->areas = calloc(s.nr_areas ? s.nr_areas : 1, sizeof(*out->areas));
			if (!out->areas)
				return -ENOMEM;
			memcpy(out->areas, base + off + sizeof(s), s.nr_areas * sizeof(*out->areas));
			out->nr_areas = s.nr_areas;
			return 1;
		}
		if (h.next && h.next <= off)
			return -EPROTO;		/* a loop */
		off = h.next;
	}
	return 0;
}

static int k_region_info(void *b, u32 index, struct pt_region *out)
{
	struct vfio_kdev *d = b;
	u32 argsz = sizeof(struct vfio_region_info);
	struct vfio_region_info *ri = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	/* Ask small first; the reply's argsz says what the caps need (3 more asks at most). */
	for (unsigned int tries = 0;; tries++) {
		struct vfio_region_info *n = realloc(ri, argsz);

		if (!n) {
			free(ri);
			return -ENOMEM;
		}
		ri = n;
		memset(ri, 0, argsz);
		ri->argsz = argsz;
		ri->index = index;
		if (kioctl(d->device, VFIO_DEVICE_GET_REGION_INFO, ri) < 0) {
			ret = -errno;
			free(ri);
			return ret;
		}
		if (ri->argsz <= argsz || ri->argsz > MAX_REGION_INFO || tries == 3)
			break;
		argsz = ri->argsz;
	}
	out->flags = ri->flags;
	out->size = ri->size;
	out->offset = ri->offset;
	if (index < MAX_CACHED_REGIONS) {
		d->region_off[index] = ri->offset;
		d->region_known[index] = true;
	}
	if (ri->flags & VFIO_REGION_INFO_FLAG_MMAP) {
		int found = find_sparse_mmap(ri, argsz, out);

		if (found == -ENOMEM) {
			free(ri);
			return -ENOMEM;
		}
		if (found < 0) {
			/* A chain we cannot trust: the region traps rather than guess. */
			pr_warn("vfio %s: region %u: malformed capability chain: not mapped", d->bdf,
				index);
			free(ri);
			return 0;
		}
		if (!found) {
			out->areas = calloc(1, sizeof(*out->areas));
			if (out->areas) {
				out->areas[0].size = ri->size;
				out->nr_areas = 1;
			}
		}
		out->fd = out->areas ? fcntl(d->device, F_DUPFD_CLOEXEC, 0) : -1;
	}
	free(ri);
	return 0;
}

static int region_offset(struct vfio_kdev *d, u32 index, u64 *off)
{
	struct pt_region r;
	int ret;

	if (index < MAX_CACHED_REGIONS && d->region_known[index]) {
		*off = d->region_off[index];
		return 0;
	}
	ret = k_region_info(d, index, &r);
	if (ret < 0)
		return ret;
	if (r.fd >= 0)
		close(r.fd);
	free(r.areas);
	*off = r.offset;
	return 0;
}

static int k_region_read(void *b, u32 index, u64 off, void *buf, u64 len)
{
	struct vfio_kdev *d = b;
	u64 base;
	int ret = region_offset(d, index, &base);

	if (ret < 0)
		return ret;
	return sys->pread(d->device, buf, len, (off_t)(base + off)) == (ssize_t)len ? 0 : -EIO;
}

static int k_region_write(void *b, u32 index, u64 off, const void *buf, u64 len)
{
	struct vfio_kdev *d = b;
	u64 base;
	int ret = region_offset(d, index, &base);

	if (ret < 0)
		return ret;
	return sys->pwrite(d->device, buf, len, (off_t)(base + off)) == (ssize_t)len ? 0 : -EIO;
}

static int k_irq_info(void *b, u32 index, struct vfio_irq_info *out)
{
	struct vfio_kdev *d = b;

	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->index = index;
	return kioctl(d->device, VFIO_DEVICE_GET_IRQ_INFO, out) < 0 ? -errno : 0;
}

static int k_set_irqs(void *b, u32 index, u32 flags, u32 start, u32 count, const int *fds,
		      const u8 *bools)
{
	struct vfio_kdev *d = b;
	u32 type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	size_t dlen = type == VFIO_IRQ_SET_DATA_EVENTFD ? count * sizeof(int) :
		      type == VFIO_IRQ_SET_DATA_BOOL ? count : 0;
	struct vfio_irq_set *s = calloc(1, sizeof(*s) + dlen);
	int ret;

	if (!s)
		return -ENOMEM;
	s->argsz = (u32)(sizeof(*s) + dlen);
	s->flags = flags;
	s->index = index;
	s->start = start;
	s->count = count;
	if (dlen)
		memcpy(s->data, type == VFIO_IRQ_SET_DATA_EVENTFD ? (const void *)fds :
		       (const void *)bools, dlen);
	ret = kioctl(d->device, VFIO_DEVICE_SET_IRQS, s) < 0 ? -errno : 0;
	free(s);
	return ret;
}

static int k_dma_map_ram(void *b, const struct guest_mem *mem)
{
	struct vfio_kdev *d = b;

	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];
		u64 va = (u64)(uintptr_t)(mem->host + r->offset);
		int ret;

		if (d->iommufd_path) {
			struct iommu_ioas_map m = {
				.size = sizeof(m), .ioas_id = d->ioas_id, .user_va = va,
				.length = r->size, .iova = r->gpa,
				.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
					 IOMMU_IOAS_MAP_WRITEABLE,
			};

			ret = kioctl(d->iommufd, IOMMU_IOAS_MAP, &m);
		} else {
			struct vfio_iommu_type1_dma_map m = {
				.argsz = sizeof(m), .vaddr = va, .iova = r->gpa, .size = r->size,
				.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			};

			ret = kioctl(d->container, VFIO_IOMMU_MAP_DMA, &m);
		}
		if (ret < 0) {
			pr_err("vfio %s: DMA map of RAM at 0x%llx: %s", d->bdf,
			       (unsigned long long)r->gpa, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int k_reset(void *b)
{
	struct vfio_kdev *d = b;

	return kioctl(d->device, VFIO_DEVICE_RESET, 0) < 0 ? -errno : 0;
}

static void k_destroy(void *b)
{
	/* Closing the device, group and container (or iommufd) drops the DMA maps. */
	vfio_kernel__close(b);
}

static const struct pt_backend_ops vfio_kernel_ops = {
	.kind = "vfio",
	.device_info = k_device_info,
	.region_info = k_region_info,
	.region_read = k_region_read,
	.region_write = k_region_write,
	.irq_info = k_irq_info,
	.set_irqs = k_set_irqs,
	.dma_map_ram = k_dma_map_ram,
	.reset = k_reset,
	.destroy = k_destroy,
};

int passthrough__add_vfio(struct vm *vm, const char *spec)
{
	return vfio_kernel__assign(vm, spec, "/sys", "/dev");
}

int vfio_kernel__assign(struct vm *vm, const char *spec, const char *sysfs_root,
			const char *dev_root)
{
	struct vfio_device_info di;
	struct vfio_kdev *d;
	char name[32];
	int ret;

	ret = vfio_kernel__open(spec, sysfs_root, dev_root, &d);
	if (ret < 0)
		return ret;
	ret = k_device_info(d, &di);
	if (ret == 0 && !(di.flags & VFIO_DEVICE_FLAGS_PCI))
		ret = -ENOTSUP;
	if (ret < 0) {
		pr_err("--vfio %s: not a PCI device: %s", spec, strerror(-ret));
		vfio_kernel__close(d);
		return ret;
	}
	snprintf(name, sizeof(name), "vfio-%s", d->bdf);
	return passthrough__create(vm, name, &vfio_kernel_ops, d, NULL);
}
