/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk through the fake VM's PCI bus against a real image file:
 * reads, writes, flush, GET_ID, read-only enforcement, and what the guest
 * gets when the image file fails a request: a short write at the file size
 * limit (RLIMIT_FSIZE stands in for a full file system: the part that fits
 * is written, the rest fails), an image that shrank under the disk. Each
 * on both engines (io_uring and aio=sync), and the fall-back to the
 * synchronous one on a host without io_uring.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/virtio_blk.h>

#include "virtio/devices.h"
#include "virtio/pci_test_drv.h"

TestSuite(virtio_blk, .init = virtio_test__setup, .fini = virtio_test__teardown);

static char img[64];

static void make_image(void)
{
	u8 sec[512];
	int fd;

	strcpy(img, "/tmp/imsvm-vblk-XXXXXX");
	fd = mkstemp(img);
	cr_assert_geq(fd, 0);
	for (int i = 0; i < 16; i++) {
		memset(sec, 'A' + i, sizeof(sec));
		cr_assert_eq(write(fd, sec, sizeof(sec)), 512);
	}
	close(fd);
}

/* One request: header, data (@len bytes at 0x300000), status byte. */
static u8 blk_request(struct drv *v, u32 type, u64 sector, u32 len, bool data_in, u16 n)
{
	struct virtio_blk_outhdr *h = (void *)(ram + 0x200000);
	u8 *status = ram + 0x201000;

	h->type = type;
	h->ioprio = 0;
	h->sector = sector;
	*status = 0xEE;
	*desc(v, 0) = (struct vring_desc){ .addr = 0x200000, .len = sizeof(*h),
					  .flags = VRING_DESC_F_NEXT, .next = 1 };
	*desc(v, 1) = (struct vring_desc){ .addr = 0x300000, .len = len,
					  .flags = VRING_DESC_F_NEXT |
						   (data_in ? VRING_DESC_F_WRITE : 0), .next = 2 };
	*desc(v, 2) = (struct vring_desc){ .addr = 0x201000, .len = 1,
					  .flags = VRING_DESC_F_WRITE };
	offer(v, 0);
	WAIT_FOR(used_idx(v) == n);
	return *status;
}

/*
 * Each test runs on both engines: @aio is "" (io_uring, where the host has
 * it) or ",aio=sync".
 */
static void init_disk(const char *opts, const char *aio)
{
	char spec[128];

	snprintf(spec, sizeof(spec), "%s%s%s", img, opts, aio);
	cr_assert_eq(virtio_blk__init(&f.vm, spec), 0, "--disk %s", spec);
}

static void requests_and_read_only(const char *aio)
{
	struct drv v;
	u8 sec[512];
	int fd;

	make_image();
	init_disk(",ro,serial=unit", aio);
	drv_init(&v, 0x1042, 0, 0x100000);
	/* capacity in the device config */
	cr_assert_eq(rd(&v, VIRTIO_PCI_DEVCFG_OFF, 8), 16);
	drv_start(&v, 1, 1u << VIRTIO_BLK_F_RO);

	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_IN, 3, 1024, true, 1), VIRTIO_BLK_S_OK);
	cr_assert_eq(ram[0x300000], 'D');
	cr_assert_eq(ram[0x300000 + 1023], 'E');
	cr_assert_eq(used_elem(&v, 0).len, 1025);

	memset(ram + 0x300000, 'z', 512);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_OUT, 0, 512, false, 2), VIRTIO_BLK_S_IOERR,
		     "a write to a read-only disk must fail");
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_DISCARD, 0, 16, false, 3), VIRTIO_BLK_S_IOERR);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_IN, 15, 1024, true, 4), VIRTIO_BLK_S_IOERR,
		     "a read past the end must fail");
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_GET_ID, 0, 20, true, 5), VIRTIO_BLK_S_OK);
	cr_assert_eq(memcmp(ram + 0x300000, "unit", 5), 0);
	cr_assert_eq(blk_request(&v, 99, 0, 16, true, 6), VIRTIO_BLK_S_UNSUPP);

	fd = open(img, O_RDONLY);
	cr_assert_eq(pread(fd, sec, 512, 0), 512);
	close(fd);
	cr_assert_eq(sec[0], 'A', "the read-only image changed");
	unlink(img);
}

static void write_flush_discard(const char *aio)
{
	struct virtio_blk_discard_write_zeroes *d = (void *)(ram + 0x300000);
	struct drv v;
	u8 sec[512];
	int fd;

	make_image();
	init_disk("", aio);
	drv_init(&v, 0x1042, 0, 0x100000);
	drv_start(&v, 1, 1u << VIRTIO_BLK_F_FLUSH | 1u << VIRTIO_BLK_F_DISCARD);
	memset(ram + 0x300000, 'w', 512);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_OUT, 5, 512, false, 1), VIRTIO_BLK_S_OK);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_FLUSH, 0, 0, false, 2), VIRTIO_BLK_S_OK);
	fd = open(img, O_RDONLY);
	cr_assert_eq(pread(fd, sec, 512, 5 * 512), 512);
	cr_assert_eq(sec[0], 'w');
	cr_assert_eq(sec[511], 'w');
	*d = (struct virtio_blk_discard_write_zeroes){ .sector = 8, .num_sectors = 8 };
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_DISCARD, 0, sizeof(*d), false, 3),
		     VIRTIO_BLK_S_OK);
	cr_assert_eq(pread(fd, sec, 512, 8 * 512), 512);
	cr_assert_eq(sec[0], 0, "a discarded sector reads zeros");
	cr_assert_eq(pread(fd, sec, 512, 7 * 512), 512);
	cr_assert_eq(sec[0], 'H', "the sector before it is untouched");
	close(fd);
	unlink(img);
}

/* A sparse image of @sectors sectors. */
static void make_sparse_image(unsigned int sectors)
{
	int fd;

	strcpy(img, "/tmp/imsvm-vblk-XXXXXX");
	fd = mkstemp(img);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)sectors * 512), 0);
	close(fd);
}

static struct virtio_blk_stats disk_stats(void)
{
	struct virtio_blk_stats st = { 0 };
	bool found = false;

	device_list__for_each(&f.vm.devices, dev)
		if (virtio_blk__stats(dev, &st) == 0)
			found = true;
	cr_assert(found, "no virtio-blk on the device list");
	return st;
}

/*
 * The write that reaches the limit is short: the device asks for the rest,
 * which fails (EFBIG here, ENOSPC on a full file system), so the guest gets
 * IOERR, the part that fitted is in the file, the failure is counted as an
 * error of the image file, and once the limit is lifted the same write works.
 */
static void short_write_at_the_file_size_limit(const char *aio)
{
	struct rlimit rl, lim;
	struct virtio_blk_stats st;
	struct drv v;
	u8 buf[8192];
	int fd;

	make_sparse_image(128);			/* 64 KiB */
	init_disk("", aio);
	drv_init(&v, 0x1042, 0, 0x100000);
	drv_start(&v, 1, 0);
	/*
	 * No SIG_IGN for SIGXFSZ: whichever thread writes (the disk's own with
	 * aio=sync), imsvm must not die of it.
	 */
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	lim = rl;
	lim.rlim_cur = 40960;			/* sector 80 */
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);

	memset(ram + 0x300000, 'w', 8192);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_OUT, 72, 8192, false, 1), VIRTIO_BLK_S_IOERR,
		     "a write across the limit fails");
	st = disk_stats();
	cr_assert_eq(st.errors, 1);
	cr_assert_eq(st.io_errors, 1, "counted as an error of the image file");
	cr_assert_eq(st.no_space, 0, "EFBIG is not a full file system");
	cr_assert_eq(st.short_transfers, 1, "the short write was continued");
	fd = open(img, O_RDONLY);
	cr_assert_eq(pread(fd, buf, sizeof(buf), 72 * 512), (ssize_t)sizeof(buf));
	cr_assert_eq(buf[0], 'w');
	cr_assert_eq(buf[4095], 'w', "the part below the limit was written");
	cr_assert_eq(buf[4096], 0, "nothing past the limit");

	memset(ram + 0x300000, 'x', 512);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_OUT, 0, 512, false, 2), VIRTIO_BLK_S_OK,
		     "the device carries on below the limit");
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_IN, 72, 8192, true, 3), VIRTIO_BLK_S_OK,
		     "reads work");

	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	memset(ram + 0x300000, 'y', 8192);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_OUT, 72, 8192, false, 4), VIRTIO_BLK_S_OK,
		     "the same write works once there is room");
	cr_assert_eq(pread(fd, buf, sizeof(buf), 72 * 512), (ssize_t)sizeof(buf));
	cr_assert_eq(buf[8191], 'y');
	close(fd);
	st = disk_stats();
	cr_assert_eq(st.errors, 1);
	cr_assert_eq(st.writes, 3);
	unlink(img);
}

/* An image cut short under a running disk: a read past its new end fails, counted. */
static void read_past_a_shrunk_image(const char *aio)
{
	struct virtio_blk_stats st;
	struct drv v;

	make_sparse_image(64);
	init_disk("", aio);
	drv_init(&v, 0x1042, 0, 0x100000);
	drv_start(&v, 1, 0);
	cr_assert_eq(truncate(img, 4096), 0);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_IN, 16, 4096, true, 1), VIRTIO_BLK_S_IOERR);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_IN, 0, 4096, true, 2), VIRTIO_BLK_S_OK);
	st = disk_stats();
	cr_assert_eq(st.io_errors, 1);
	cr_assert_eq(st.reads, 2);
	unlink(img);
}

#define BOTH_ENGINES(name)						\
	Test(virtio_blk, name) { name(""); }				\
	Test(virtio_blk, name##_sync) { name(",aio=sync"); }

BOTH_ENGINES(requests_and_read_only)
BOTH_ENGINES(write_flush_discard)
BOTH_ENGINES(short_write_at_the_file_size_limit)
BOTH_ENGINES(read_past_a_shrunk_image)

/*
 * A host without io_uring (here: a filter that makes io_uring_setup fail
 * with ENOSYS, as an old kernel or a container's seccomp profile would):
 * the disk comes up on the synchronous engine and works.
 */
Test(virtio_blk, no_io_uring_falls_back_to_synchronous_io)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct drv v;

	cr_assert_not_null(ctx);
	cr_assert_eq(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_setup), 0), 0);
	cr_assert_eq(seccomp_load(ctx), 0);
	seccomp_release(ctx);
	make_image();
	init_disk("", "");
	drv_init(&v, 0x1042, 0, 0x100000);
	drv_start(&v, 1, 0);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_IN, 3, 512, true, 1), VIRTIO_BLK_S_OK);
	cr_assert_eq(ram[0x300000], 'D');
	memset(ram + 0x300000, 'n', 512);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_OUT, 2, 512, false, 2), VIRTIO_BLK_S_OK);
	cr_assert_eq(blk_request(&v, VIRTIO_BLK_T_IN, 2, 512, true, 3), VIRTIO_BLK_S_OK);
	cr_assert_eq(ram[0x300000 + 511], 'n');
	unlink(img);
}
