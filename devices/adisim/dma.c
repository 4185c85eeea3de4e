/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DMA: the client's memory as the device sees it.
 *
 * DMA_MAP with an fd is mmap()ed and accessed directly; without an fd the
 * range is reached with DMA_READ/DMA_WRITE messages (session.c). A client
 * can truncate the file behind a mapping, which turns our access into
 * SIGBUS: direct copies run under a guard that turns that into a fault.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/log.h"
#include "devices/adisim/adisim.h"

#define DMA_MAP_FLAGS	(VFIO_USER_F_DMA_REGION_READ | VFIO_USER_F_DMA_REGION_WRITE)
/* libvfio-user's MMAP/FILE_IO hints (bits 2, 3): accepted and ignored. */
#define DMA_MAP_IGNORED	(3u << 2)

static sigjmp_buf guard_jmp;
static volatile sig_atomic_t guard_armed;

static void sigbus_handler(int sig)
{
	if (guard_armed)
		siglongjmp(guard_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_guard(void)
{
	static bool installed;
	struct sigaction sa = { .sa_handler = sigbus_handler };

	if (installed)
		return;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	if (sigaction(SIGBUS, &sa, NULL) == 0)
		installed = true;
}

static int guarded_copy(void *dst, const void *src, size_t len)
{
	if (sigsetjmp(guard_jmp, 1)) {
		guard_armed = 0;
		return -EFAULT;
	}
	guard_armed = 1;
	memcpy(dst, src, len);
	guard_armed = 0;
	return 0;
}

int adisim_dma__map(struct adisim_adi *adi, u64 iova, u64 size, u32 flags, int fd, u64 offset)
{
	struct adisim_dma_map *m;
	unsigned int i;
	int prot = 0;

	if (flags & ~(DMA_MAP_FLAGS | DMA_MAP_IGNORED) || !(flags & DMA_MAP_FLAGS))
		return -EINVAL;
	if (size == 0 || iova + size < iova || size > SIZE_MAX / 2)
		return -EINVAL;
	for (i = 0; i < adi->nmaps; i++)
		if (ranges_overlap(iova, size, adi->maps[i].iova, adi->maps[i].size))
			return -EEXIST;
	if (adi->nmaps == ADISIM_MAX_DMA_MAPS)
		return -ENOSPC;
	m = &adi->maps[adi->nmaps];
	*m = (struct adisim_dma_map){ .iova = iova, .size = size, .flags = flags };
	if (fd >= 0) {
		long page = sysconf(_SC_PAGESIZE);
		u64 base = ALIGN_DOWN(offset, (u64)page);
		struct stat st;
		void *p;

		if (fstat(fd, &st))
			return -errno;
		if (offset + size < offset ||
		    (S_ISREG(st.st_mode) && offset + size > (u64)st.st_size))
			return -EINVAL;		/* would fault on first touch */
		if (flags & VFIO_USER_F_DMA_REGION_READ)
			prot |= PROT_READ;
		if (flags & VFIO_USER_F_DMA_REGION_WRITE)
			prot |= PROT_WRITE;
		m->map_len = (size_t)(offset - base + size);
		p = mmap(NULL, m->map_len, prot, MAP_SHARED, fd, (off_t)base);
		if (p == MAP_FAILED)
			return -errno;
		m->map_base = p;
		m->host = (u8 *)p + (offset - base);
		install_guard();
	}
	adi->nmaps++;
	return 0;
}

static void drop(struct adisim_adi *adi, unsigned int i)
{
	if (adi->maps[i].map_base)
		munmap(adi->maps[i].map_base, adi->maps[i].map_len);
	adi->maps[i] = adi->maps[--adi->nmaps];
}

int adisim_dma__unmap(struct adisim_adi *adi, u64 iova, u64 size, u32 flags)
{
	unsigned int i;

	if (flags == VFIO_USER_F_DMA_UNMAP_ALL) {
		if (iova || size)
			return -EINVAL;
		adisim_dma__unmap_all(adi);
		return 0;
	}
	if (flags)
		return -EINVAL;		/* dirty bitmaps: not supported */
	for (i = 0; i < adi->nmaps; i++)
		if (adi->maps[i].iova == iova && adi->maps[i].size == size) {
			drop(adi, i);
			return 0;
		}
	return -ENOENT;
}

void adisim_dma__unmap_all(struct adisim_adi *adi)
{
	while (adi->nmaps)
		drop(adi, adi->nmaps - 1);
}

static struct adisim_dma_map *find(struct adisim_adi *adi, u64 iova)
{
	unsigned int i;

	for (i = 0; i < adi->nmaps; i++)
		if (iova >= adi->maps[i].iova && iova - adi->maps[i].iova < adi->maps[i].size)
			return &adi->maps[i];
	return NULL;
}

/* One access, split across adjacent maps; every byte must be mapped. */
static int access_dma(struct adisim_adi *adi, u64 iova, void *buf, u64 len, bool write)
{
	u32 need = write ? VFIO_USER_F_DMA_REGION_WRITE : VFIO_USER_F_DMA_REGION_READ;
	u64 done = 0;
	int ret = 0;

	if (!adisim_config__bus_master(adi)) {
		ret = -EPERM;
		goto fault;
	}
	while (done < len) {
		u64 at = iova + done;
		struct adisim_dma_map *m;
		u64 chunk;
		u8 *b = (u8 *)buf + done;

		if (at < iova) {
			ret = -EFAULT;		/* wrapped around */
			goto fault;
		}
		m = find(adi, at);
		if (adi->sim->opts.unchecked_dma && (!m || !m->host)) {
			/*
			 * Hostile (--unchecked-dma): the rest of the access as
			 * one message, whatever the maps say; the client must
			 * refuse what is not its memory (tests/security).
			 */
			ret = adisim_session__dma_request(adi, write ? VFIO_USER_DMA_WRITE :
							  VFIO_USER_DMA_READ, at, b, len - done);
			if (ret)
				goto fault;
			done = len;
			break;
		}
		if (!m || !(m->flags & need)) {
			ret = -EFAULT;
			goto fault;
		}
		chunk = MIN(len - done, m->size - (at - m->iova));
		if (m->host) {
			u8 *h = m->host + (at - m->iova);

			ret = write ? guarded_copy(h, b, chunk) : guarded_copy(b, h, chunk);
		} else {
			ret = adisim_session__dma_request(adi, write ? VFIO_USER_DMA_WRITE :
							  VFIO_USER_DMA_READ, at, b, chunk);
		}
		if (ret)
			goto fault;
		done += chunk;
	}
	adi->cnt[ADISIM_CNT_DMA_BYTES] += len;
	return 0;

fault:
	adi->cnt[ADISIM_CNT_FAULTS]++;
	pr_warn_ratelimited("adi%u: DMA %s of %llu bytes at %#llx failed: %s", adi->id,
			    write ? "write" : "read", (unsigned long long)len,
			    (unsigned long long)(iova + done), strerror(-ret));
	return ret;
}

int adisim_dma__read(struct adisim_adi *adi, u64 iova, void *buf, u64 len)
{
	return access_dma(adi, iova, buf, len, false);
}

int adisim_dma__write(struct adisim_adi *adi, u64 iova, const void *buf, u64 len)
{
	return access_dma(adi, iova, (void *)buf, len, true);
}
