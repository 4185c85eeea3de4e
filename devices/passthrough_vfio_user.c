/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vfio-user backend of the passthrough model: the pt_backend_ops over
 * the vfio-user client, and `--vfio-user PATH[,dma=fd|messages][,timeout=MS]`.
 *
 * dma=fd (default) shares guest RAM's memfd with DMA_MAP, so the server
 * reaches guest memory directly; dma=messages maps it without an fd, so
 * every DMA is a DMA_READ/DMA_WRITE message served by imsvm (slower; for a
 * server that is not trusted with the memory, and for comparison).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/log.h"
#include "vmm/vm.h"
#include "devices/passthrough.h"
#include "devices/vfio_user_client.h"

struct vfu_backend {
	struct vfu_client *c;
	bool share_fd;
};

static int b_device_info(void *b, struct vfio_device_info *out)
{
	return vfu_client__device_info(((struct vfu_backend *)b)->c, out);
}

static int b_region_info(void *b, u32 index, struct pt_region *out)
{
	struct vfu_region r;
	int ret = vfu_client__region_info(((struct vfu_backend *)b)->c, index, &r);

	if (ret < 0)
		return ret;
	*out = (struct pt_region){
		.flags = r.flags, .size = r.size, .offset = r.offset, .fd = r.fd,
		.nr_areas = r.nr_areas, .areas = r.areas,
	};
	return 0;
}

static int b_region_read(void *b, u32 index, u64 off, void *buf, u64 len)
{
	return vfu_client__region_read(((struct vfu_backend *)b)->c, index, off, buf, len);
}

static int b_region_write(void *b, u32 index, u64 off, const void *buf, u64 len)
{
	return vfu_client__region_write(((struct vfu_backend *)b)->c, index, off, buf, len);
}

static int b_irq_info(void *b, u32 index, struct vfio_irq_info *out)
{
	return vfu_client__irq_info(((struct vfu_backend *)b)->c, index, out);
}

static int b_set_irqs(void *b, u32 index, u32 flags, u32 start, u32 count, const int *fds,
		      const u8 *bools)
{
	return vfu_client__set_irqs(((struct vfu_backend *)b)->c, index, flags, start, count, fds,
				    bools);
}

static int b_dma_map_ram(void *b, const struct guest_mem *mem)
{
	struct vfu_backend *vb = b;

	return vfu_client__map_guest_ram(vb->c, mem, vb->share_fd);
}

static int b_reset(void *b)
{
	return vfu_client__reset(((struct vfu_backend *)b)->c);
}

static int b_event_fd(void *b)
{
	return vfu_client__fd(((struct vfu_backend *)b)->c);
}

static int b_poll(void *b)
{
	return vfu_client__serve(((struct vfu_backend *)b)->c);
}

static void b_destroy(void *b)
{
	struct vfu_backend *vb = b;
	struct vfu_client_stats st;

	/*
	 * The server DMA refused, counted once here: the warning per access is
	 * rate-limited (tests/security/ram-bounds.sh compares this count with
	 * the faults the guest saw).
	 */
	vfu_client__stats(vb->c, &st);
	if (st.dma_faults)
		pr_info("%s: %llu server DMA accesses refused (outside guest RAM)",
			vfu_client__name(vb->c), (unsigned long long)st.dma_faults);
	vfu_client__destroy(vb->c);
	free(vb);
}

static const struct pt_backend_ops vfio_user_ops = {
	.kind = "vfio-user",
	.device_info = b_device_info,
	.region_info = b_region_info,
	.region_read = b_region_read,
	.region_write = b_region_write,
	.irq_info = b_irq_info,
	.set_irqs = b_set_irqs,
	.dma_map_ram = b_dma_map_ram,
	.reset = b_reset,
	.event_fd = b_event_fd,
	.poll = b_poll,
	.destroy = b_destroy,
};

/* PATH[,dma=fd|messages][,timeout=MS] */
static int parse_spec(const char *spec, char **path, bool *share_fd, int *timeout_ms)
{
	char *s = strdup(spec), *opt, *save = NULL;

	if (!s)
		return -ENOMEM;
	*path = strtok_r(s, ",", &save);
	if (!*path || !**path) {
		free(s);
		pr_err("--vfio-user: a socket path is needed");
		return -EINVAL;
	}
	*share_fd = true;
	*timeout_ms = VFU_CLIENT_DEFAULT_TIMEOUT_MS;
	while ((opt = strtok_r(NULL, ",", &save))) {
		char *end;

		if (!strcmp(opt, "dma=fd")) {
			*share_fd = true;
		} else if (!strcmp(opt, "dma=messages")) {
			*share_fd = false;
		} else if (!strncmp(opt, "timeout=", 8)) {
			long v = strtol(opt + 8, &end, 10);

			if (*end || v <= 0 || v > 600000) {
				pr_err("--vfio-user %s: timeout must be 1..600000 ms", spec);
				free(s);
				return -EINVAL;
			}
			*timeout_ms = (int)v;
		} else {
			pr_err("--vfio-user %s: unknown option '%s' (dma=fd|messages, timeout=MS)",
			       spec, opt);
			free(s);
			return -EINVAL;
		}
	}
	/* *path points into s: the caller frees it through *path. */
	return 0;
}

int passthrough__add_vfio_user(struct vm *vm, const char *spec)
{
	static unsigned int seq;
	struct vfio_device_info di;
	struct vfu_backend *vb;
	char name[32], *path;
	int ret, timeout;
	bool share;

	ret = parse_spec(spec, &path, &share, &timeout);
	if (ret < 0)
		return ret;
	snprintf(name, sizeof(name), "vfio-user%u", seq++);
	vb = calloc(1, sizeof(*vb));
	if (!vb) {
		free(path);
		return -ENOMEM;
	}
	vb->share_fd = share;
	ret = vfu_client__connect(path, name, timeout, &vm->mem, &vb->c);
	if (ret < 0) {
		/* -ECANCELED: imsvm is stopping (a signal); vm__run() says so. */
		if (ret != -ECANCELED)
			pr_err("--vfio-user %s: cannot reach the device server: %s", path,
			       strerror(-ret));
		goto err;
	}
	ret = vfu_client__device_info(vb->c, &di);
	if (ret == 0 && !(di.flags & VFIO_DEVICE_FLAGS_PCI))
		ret = -ENOTSUP;
	if (ret == 0 && di.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX)
		ret = -EPROTO;
	if (ret < 0) {
		if (ret != -ECANCELED)
			pr_err("--vfio-user %s: not a PCI device server: %s", path,
			       strerror(-ret));
		vfu_client__destroy(vb->c);
		goto err;
	}
	free(path);
	return passthrough__create(vm, name, &vfio_user_ops, vb, NULL);
err:
	free(vb);
	free(path);
	return ret;
}
