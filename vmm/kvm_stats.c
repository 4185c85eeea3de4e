/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "vmm/kvm_stats.h"
#include "vmm/log.h"

/* Sanity bounds: real files have ~100 descriptors with names under 64 bytes. */
#define STATS_MAX_DESC		65536
#define STATS_MAX_NAME		4096

static int read_at(const struct kvm_stats *st, u64 off, void *dst, size_t len)
{
	if (st->fd < 0) {
		if (!range_within(off, len, st->buf_len))
			return -EINVAL;
		memcpy(dst, st->buf + off, len);
		return 0;
	}
	while (len) {
		ssize_t n = pread(st->fd, dst, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EINVAL;	/* the file is shorter than its header says */
		dst = (u8 *)dst + n;
		off += (u64)n;
		len -= (size_t)n;
	}
	return 0;
}

static int load(struct kvm_stats *st)
{
	size_t total;
	int ret;

	ret = read_at(st, 0, &st->hdr, sizeof(st->hdr));
	if (ret < 0)
		return ret;
	if (st->hdr.name_size == 0 || st->hdr.name_size > STATS_MAX_NAME ||
	    st->hdr.num_desc > STATS_MAX_DESC)
		return -EINVAL;
	st->desc_stride = sizeof(struct kvm_stats_desc) + st->hdr.name_size;
	total = st->desc_stride * st->hdr.num_desc;
	st->descs = calloc(1, total ? total : 1);
	if (!st->descs)
		return -ENOMEM;
	ret = read_at(st, st->hdr.desc_offset, st->descs, total);
	if (ret < 0)
		goto err_free;
	/* The id string is name_size bytes; keep what fits. */
	if (read_at(st, st->hdr.id_offset, st->id, MIN(sizeof(st->id) - 1,
						      (size_t)st->hdr.name_size)) < 0)
		st->id[0] = '\0';
	st->id[sizeof(st->id) - 1] = '\0';
	/* Names must be NUL-terminated inside their field. */
	for (u32 i = 0; i < st->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(st->descs + i * st->desc_stride);

		if (!memchr(d->name, '\0', st->hdr.name_size)) {
			ret = -EINVAL;
			goto err_free;
		}
	}
	return 0;

err_free:
	free(st->descs);
	st->descs = NULL;
	return ret;
}

int kvm_stats__parse(const u8 *buf, size_t len, struct kvm_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->fd = -1;
	st->buf = buf;
	st->buf_len = len;
	return load(st);
}

int kvm_stats__open(int kvm_fd, int vm_or_vcpu_fd, struct kvm_stats *st)
{
	int fd, ret;

	memset(st, 0, sizeof(*st));
	st->fd = -1;
	if (kvm__cap(kvm_fd, KVM_CAP_BINARY_STATS_FD) <= 0) {
		pr_warn("KVM binary statistics (KVM_CAP_BINARY_STATS_FD, Linux >= 5.14) are not "
			"available: no exit counts");
		return -ENOTSUP;
	}
	fd = __kvm__ioctl(vm_or_vcpu_fd, KVM_GET_STATS_FD, 0);
	if (fd < 0) {
		pr_warn("KVM_GET_STATS_FD: %s", strerror(-fd));
		return fd;
	}
	st->fd = fd;
	ret = load(st);
	if (ret < 0) {
		pr_warn("KVM statistics: malformed stats file (%s)", strerror(-ret));
		close(fd);
		st->fd = -1;
	}
	return ret;
}

void kvm_stats__close(struct kvm_stats *st)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	free(st->descs);
	st->descs = NULL;
}

const struct kvm_stats_desc *kvm_stats__find(const struct kvm_stats *st, const char *name)
{
	if (!st->descs)
		return NULL;
	for (u32 i = 0; i < st->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(st->descs + i * st->desc_stride);

		if (!strcmp(d->name, name))
			return d;
	}
	return NULL;
}

int kvm_stats__read(const struct kvm_stats *st, const char *name, u64 *val)
{
	const struct kvm_stats_desc *d = kvm_stats__find(st, name);

	if (!d)
		return -ENOENT;
	if (d->size == 0)
		return -EINVAL;
	return read_at(st, (u64)st->hdr.data_offset + d->offset, val, sizeof(*val));
}
