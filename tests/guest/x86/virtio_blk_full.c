/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A disk whose image lives on a full file system (tests/faults/disk-full.sh):
 * writes until the device answers VIRTIO_BLK_S_IOERR, then checks that the
 * device keeps answering (reads, flush, GET_ID), that what was written
 * before reads back intact, that overwriting blocks the file already has
 * still works, and that once the host has freed space the write that failed
 * succeeds. Each write is one 32 KiB request of 8 page segments, each
 * 512-byte sector filled with words naming its sector and a version, so a
 * partly done write (a short write on the host) shows as whole sectors.
 *
 * Talks to the host script on the serial port: prints "BLKFULL: ready" and
 * "BLKFULL: full ioerr=N" and waits for a line from it on COM1 each time
 * (the script takes its /proc snapshots there, and frees space after the
 * second). Ends with "BLKFULL: done ioerr=N", N the IOERR statuses seen.
 *
 * Needs `--disk FILE,serial=blkfull` where FILE is a sparse image of at
 * least 16 MiB on a file system with room for a few chunks only.
 */
#include "virtio_drv.h"
#include "serial.h"

#define CHUNK		(32 * 1024)
#define SEGS		(CHUNK / 4096)
#define SECS		(CHUNK / 512)
#define MAX_CHUNKS	256	/* the disk must be full before this */
#define BURST		64	/* failing writes after the first */
#define AFTER		4	/* chunks written once space is back */
#define MAGIC		0xB10CF0110000000ULL

static struct vd_ring blk_ring;
static u8 wbuf[CHUNK] __attribute__((aligned(4096)));
static u8 rbuf[CHUNK] __attribute__((aligned(4096)));
static struct vd_blk_outhdr hdr;
static u8 st_byte;
static u8 idbuf[20];
static unsigned int ioerr;	/* IOERR statuses seen */
static unsigned int version[MAX_CHUNKS + BURST + AFTER + 1];	/* 0: never written */

/*
 * Guest code runs slowly where KVM is nested or emulated: only the first
 * and last word of each 512-byte sector carry its tag (sector, version),
 * which is enough to see a sector lost, misplaced or half written.
 */
static u64 tag(u64 sector, unsigned int v, unsigned int i)
{
	return MAGIC | (u64)v << 40 | sector << 6 | i;
}

static void fill(unsigned int chunk, unsigned int v)
{
	u64 *w = (u64 *)wbuf;

	for (unsigned int s = 0; s < SECS; s++) {
		w[s * 64] = tag((u64)chunk * SECS + s, v, 0);
		w[s * 64 + 63] = tag((u64)chunk * SECS + s, v, 63);
	}
}

/* Sector @s of rbuf: tagged with version @v? */
static bool sector_is(unsigned int chunk, unsigned int s, unsigned int v)
{
	const u64 *w = (const u64 *)rbuf + s * 64;

	return w[0] == tag((u64)chunk * SECS + s, v, 0) &&
	       w[63] == tag((u64)chunk * SECS + s, v, 63);
}

static bool sector_zero(unsigned int s)
{
	const u64 *w = (const u64 *)rbuf + s * 64;

	return !w[0] && !w[63];
}

/*
 * One request on descriptors 0..: header, @nseg data segments of @buf (none
 * for a flush), status. Returns the status byte, or -1 if the device never
 * answered.
 */
static int request(struct vd_dev *v, u32 type, u64 sector, u8 *buf, u32 len)
{
	u16 want = (u16)(vd_used_idx(v) + 1);
	bool in = type != VD_BLK_T_OUT;
	unsigned int d = 1, nseg = (len + 4095) / 4096;

	hdr.type = type;
	hdr.ioprio = 0;
	hdr.sector = sector;
	st_byte = 0xee;
	v->r->desc[0] = (struct vd_desc){ (uintptr_t)&hdr, sizeof(hdr), VD_F_NEXT, 1 };
	for (unsigned int i = 0; i < nseg; i++, d++) {
		u32 n = len - i * 4096 < 4096 ? len - i * 4096 : 4096;

		v->r->desc[d] = (struct vd_desc){ (uintptr_t)(buf + i * 4096), n,
					       VD_F_NEXT | (in ? VD_F_WRITE : 0), (u16)(d + 1) };
	}
	v->r->desc[d] = (struct vd_desc){ (uintptr_t)&st_byte, 1, VD_F_WRITE, 0 };
	vd_offer(v, 0);
	vd_kick(v);
	if (!VD_WAIT(vd_used_idx(v) == want))
		return -1;
	if (st_byte == VD_BLK_S_IOERR)
		ioerr++;
	return st_byte;
}

static int write_chunk(struct vd_dev *v, unsigned int c, unsigned int ver)
{
	fill(c, ver);
	return request(v, VD_BLK_T_OUT, (u64)c * SECS, wbuf, CHUNK);
}

static int read_chunk(struct vd_dev *v, unsigned int c)
{
	u64 *w = (u64 *)rbuf;

	/* Poison the tagged words: a read that did not happen cannot pass. */
	for (unsigned int s = 0; s < SECS; s++)
		w[s * 64] = w[s * 64 + 63] = ~0ULL;
	return request(v, VD_BLK_T_IN, (u64)c * SECS, rbuf, CHUNK);
}

/* Chunks [from, to) read back as last written: all of them, or one bad. */
static bool intact(struct vd_dev *v, unsigned int from, unsigned int to, unsigned int *bad)
{
	for (unsigned int c = from; c < to; c++) {
		bool ok = read_chunk(v, c) == VD_BLK_S_OK;

		for (unsigned int s = 0; ok && s < SECS; s++)
			ok = version[c] ? sector_is(c, s, version[c]) : sector_zero(s);
		if (!ok) {
			*bad = c;
			return false;
		}
	}
	return true;
}

/* A line from the host on COM1, bounded (the host may be an emulated machine). */
static bool wait_host(void)
{
	bool got = false;

	while (serial_getc() >= 0)
		;
	for (int i = 0; i < 12 && !got; i++)
		got = VD_WAIT(serial_getc() >= 0);
	while (serial_getc() >= 0)
		;
	return got;
}

int main(int argc, char **argv)
{
	struct vd_dev blk = { .name = "blk", .r = &blk_ring };
	unsigned int c, fail = 0, partial = 0, bad = 0, burst_err = 0;
	int st;

	if (!vd_find(&blk, VD_DEV_BLK)) {
		report_skip("needs imsvm run --disk FILE,serial=blkfull");
		return report_summary();
	}
	report(vd_start(&blk), "disk starts");
	st = request(&blk, VD_BLK_T_GET_ID, 0, idbuf, sizeof(idbuf));
	report(st == VD_BLK_S_OK && !memcmp(idbuf, "blkfull", 8), "GET_ID returns the serial");
	st = write_chunk(&blk, 0, 1);
	version[0] = 1;
	report(st == VD_BLK_S_OK, "first write succeeds (status %d)", st);
	printf("BLKFULL: ready\n");
	report(wait_host(), "the host answered 'ready'");

	/* Fill the file system. */
	for (c = 1; c < MAX_CHUNKS; c++) {
		st = write_chunk(&blk, c, 1);
		if (st != VD_BLK_S_OK)
			break;
		version[c] = 1;
	}
	report(c < MAX_CHUNKS && st == VD_BLK_S_IOERR,
	       "a write fails with IOERR once the file system is full (chunk %u, status %d)",
	       c, st);
	if (c >= MAX_CHUNKS || st != VD_BLK_S_IOERR)
		return report_summary();
	fail = c;
	report_info("%u chunks of 32 KiB written before the disk filled", fail);

	/* An error burst: every write to space the file does not have yet fails. */
	for (c = fail + 1; c <= fail + BURST; c++)
		if (write_chunk(&blk, c, 1) == VD_BLK_S_IOERR)
			burst_err++;
	report(burst_err == BURST, "%u more writes to new space: %u failed with IOERR", BURST,
	       burst_err);

	/* Blocks the file has already: an overwrite needs no space. */
	st = write_chunk(&blk, 0, 2);
	if (st == VD_BLK_S_OK)
		version[0] = 2;
	report(st == VD_BLK_S_OK, "overwriting a written chunk still works (status %d)", st);

	report(intact(&blk, 0, fail, &bad), "chunks 0..%u read back intact (bad: %u)", fail - 1,
	       bad);
	/* The failed writes: each sector holds its data or nothing, never garbage. */
	bool whole = true;

	for (c = fail; c <= fail + BURST && whole; c++) {
		whole = read_chunk(&blk, c) == VD_BLK_S_OK;
		for (unsigned int s = 0; whole && s < SECS; s++) {
			if (sector_is(c, s, 1))
				partial += c == fail;
			else
				whole = sector_zero(s);
		}
	}
	report(whole, "failed writes left whole sectors: data or zeros (chunk %u)", c - 1);
	printf("BLKFULL: partial-sectors %u\n", partial);
	st = request(&blk, VD_BLK_T_FLUSH, 0, NULL, 0);
	report(st == VD_BLK_S_OK, "flush on the full disk answers OK (status %d)", st);
	st = request(&blk, VD_BLK_T_GET_ID, 0, idbuf, sizeof(idbuf));
	report(st == VD_BLK_S_OK, "GET_ID still answers");

	printf("BLKFULL: full ioerr=%u\n", ioerr);
	report(wait_host(), "the host freed space");

	/* Space is back: the failed write, and more, succeed. */
	st = write_chunk(&blk, fail, 1);
	report(st == VD_BLK_S_OK, "the write that failed succeeds now (status %d)", st);
	if (st == VD_BLK_S_OK)
		version[fail] = 1;
	for (c = fail + 1; c <= fail + AFTER; c++) {
		st = write_chunk(&blk, c, 3);
		if (st != VD_BLK_S_OK)
			break;
		version[c] = 3;
	}
	report(c > fail + AFTER, "%u more writes succeed (status %d)", AFTER, st);
	st = request(&blk, VD_BLK_T_FLUSH, 0, NULL, 0);
	report(st == VD_BLK_S_OK, "flush answers OK (status %d)", st);
	report(intact(&blk, 0, fail + AFTER + 1, &bad),
	       "chunks 0..%u read back as last written (bad: %u)", fail + AFTER, bad);
	printf("BLKFULL: done ioerr=%u\n", ioerr);
	return report_summary();
}
