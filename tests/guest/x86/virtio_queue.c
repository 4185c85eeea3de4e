/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio devices driven by a minimal driver, for what Linux will not do:
 * feature negotiation corner cases, malformed descriptor chains (each must
 * put only that device into NEEDS_RESET, with a configuration interrupt
 * in the ISR, while the other device keeps working and imsvm runs on),
 * and a reset while block requests are in flight (no stale completion may
 * reach the new rings).
 *
 * Needs `--rng --disk FILE,ro,serial=vq-guest` where FILE starts with
 * "\x7fELF" (the manifest gives this kernel's own ELF). The driver itself
 * is virtio_drv.h (INTx/ISR only, completions polled).
 */
#include "virtio_drv.h"

static struct vd_ring rng_ring, blk_ring;
static struct vd_desc indirect[4] __attribute__((aligned(16)));
static u8 buf[4096] __attribute__((aligned(4096)));
static u8 status_bytes[VD_QSZ];
static struct vd_blk_outhdr hdr[VD_QSZ];
static u8 sectors[VD_QSZ][512];

/* One rng request of @len bytes into buf; true when completed with that length. */
static bool rng_request(struct vd_dev *v, u32 len)
{
	u16 want = (u16)(vd_used_idx(v) + 1);

	v->r->desc[0] = (struct vd_desc){ (uintptr_t)buf, len, VD_F_WRITE, 0 };
	vd_offer(v, 0);
	vd_kick(v);
	return VD_WAIT(vd_used_idx(v) == want) && v->r->used.ring[(want - 1) % VD_QSZ].len == len;
}

/* Block request in slot @i: header, @len data bytes into sectors[i], status. */
static void blk_prepare(struct vd_dev *v, unsigned int i, u32 type, u64 sector, u32 len)
{
	unsigned int d = i * 3;

	hdr[i].type = type;
	hdr[i].ioprio = 0;
	hdr[i].sector = sector;
	status_bytes[i] = 0xee;
	v->r->desc[d] = (struct vd_desc){ (uintptr_t)&hdr[i], 16, VD_F_NEXT, (u16)(d + 1) };
	v->r->desc[d + 1] = (struct vd_desc){ (uintptr_t)sectors[i], len, VD_F_NEXT | VD_F_WRITE,
					   (u16)(d + 2) };
	v->r->desc[d + 2] = (struct vd_desc){ (uintptr_t)&status_bytes[i], 1, VD_F_WRITE, 0 };
	vd_offer(v, (u16)d);
}

static bool blk_read0(struct vd_dev *v)
{
	u16 want = (u16)(vd_used_idx(v) + 1);

	memset(sectors[0], 0, 512);
	blk_prepare(v, 0, 0 /* IN */, 0, 512);
	vd_kick(v);
	return VD_WAIT(vd_used_idx(v) == want) && status_bytes[0] == 0 &&
	       sectors[0][0] == 0x7f && sectors[0][1] == 'E' && sectors[0][2] == 'L' &&
	       sectors[0][3] == 'F';
}

static void check_transport(struct vd_dev *v)
{
	report(vd_has_cap(v, 1, VD_COMMON) && vd_has_cap(v, 2, VD_NOTIFY) &&
	       vd_has_cap(v, 3, VD_ISR),
	       "%s: common, notify and ISR capabilities at the documented offsets", v->name);
}

static void check_features(struct vd_dev *v)
{
	report_prefix_push("features");
	vd_w32(v->bar + VD_COMMON + VD_DFSELECT, 1);
	report(vd_r32(v->bar + VD_COMMON + VD_DF) & 1, "VIRTIO_F_VERSION_1 offered");
	report(vd_negotiate(v, 0, 0) == (VD_S_ACK | VD_S_DRIVER), "a legacy driver is refused");
	report(vd_negotiate(v, 1 | 1u << 9, 0) == (VD_S_ACK | VD_S_DRIVER),
	       "a feature that was not offered is refused");
	vd_set_status(v, 0);
	vd_set_status(v, VD_S_ACK);
	vd_set_status(v, VD_S_ACK | VD_S_DRIVER | VD_S_DRIVER_OK);
	report(vd_status(v) == VD_S_ACK, "DRIVER_OK before FEATURES_OK is ignored");
	report(vd_negotiate(v, 1, 0) == 0xb, "VERSION_1 alone is accepted");
	vd_set_status(v, 0);
	report(vd_status(v) == 0, "reset reads back 0");
	report_prefix_pop();
}

/*
 * Hand @v a malformed chain (set up by @make), check NEEDS_RESET, the config
 * interrupt, no completion, the other device @o still working, then reset
 * and recover.
 */
static void bad_case(struct vd_dev *v, struct vd_dev *o, const char *what,
		     void (*make)(struct vd_dev *))
{
	u16 before;

	if (!vd_start(v)) {
		report(false, "%s: device restarts", what);
		return;
	}
	before = vd_used_idx(v);
	make(v);
	vd_kick(v);
	report(VD_WAIT(vd_status(v) & VD_S_NEEDS_RESET) && vd_used_idx(v) == before &&
	       (vd_r8(v->bar + VD_ISR) & 2), "%s: NEEDS_RESET, config interrupt, nothing completed",
	       what);
	report(blk_read0(o), "%s: the other device still works", what);
	report(vd_start(v) && rng_request(v, 32), "%s: reset brings the device back", what);
}

static void bad_out_of_ram(struct vd_dev *v)
{
	v->r->desc[0] = (struct vd_desc){ 0x7000000000ULL, 64, VD_F_WRITE, 0 };
	vd_offer(v, 0);
}

static void bad_loop(struct vd_dev *v)
{
	v->r->desc[0] = (struct vd_desc){ (uintptr_t)buf, 8, VD_F_WRITE | VD_F_NEXT, 1 };
	v->r->desc[1] = (struct vd_desc){ (uintptr_t)buf, 8, VD_F_WRITE | VD_F_NEXT, 0 };
	vd_offer(v, 0);
}

static void bad_nested_indirect(struct vd_dev *v)
{
	indirect[0] = (struct vd_desc){ (uintptr_t)&indirect[2], 16, VD_F_INDIRECT, 0 };
	v->r->desc[0] = (struct vd_desc){ (uintptr_t)indirect, 16, VD_F_INDIRECT, 0 };
	vd_offer(v, 0);
}

static void bad_indirect_len(struct vd_dev *v)
{
	v->r->desc[0] = (struct vd_desc){ (uintptr_t)indirect, 20, VD_F_INDIRECT, 0 };
	vd_offer(v, 0);
}

static void bad_len_overflow(struct vd_dev *v)
{
	/* Two 3 GiB buffers cannot both be RAM with 256 MiB: out of RAM first; still refused. */
	v->r->desc[0] = (struct vd_desc){ (uintptr_t)buf, 0xC0000000u, VD_F_WRITE, 0 };
	vd_offer(v, 0);
}

static void bad_avail_jump(struct vd_dev *v)
{
	v->next_avail = VD_QSZ + 5;
	__atomic_store_n(&v->r->avail.idx, v->next_avail, __ATOMIC_RELEASE);
}

static void bad_head(struct vd_dev *v)
{
	vd_offer(v, VD_QSZ + 1);
}

/* Reset while 5 reads are in flight: the new rings see only new completions. */
static void check_reset_in_flight(struct vd_dev *blk)
{
	bool stale = false;

	report_prefix_push("reset in flight");
	if (!vd_start(blk)) {
		report(false, "disk starts");
		report_prefix_pop();
		return;
	}
	for (unsigned int i = 0; i < 5; i++)
		blk_prepare(blk, i, 0, i, 512);
	vd_kick(blk);
	vd_set_status(blk, 0);		/* at once, before the I/O thread is done */
	report(vd_status(blk) == 0, "reset with requests in flight");
	report(vd_start(blk), "disk restarts");
	/* Let anything stale arrive, then see that only our request is there. */
	for (u64 t0 = rdtsc(); rdtsc() - t0 < 200000000ULL;)
		cpu_relax();
	stale = vd_used_idx(blk) != 0;
	report(!stale, "no completion from before the reset reached the new rings");
	report(blk_read0(blk) && vd_used_idx(blk) == 1 && blk->r->used.ring[0].id == 0,
	       "a new request completes as the only entry");
	report_prefix_pop();
}

static void check_blk(struct vd_dev *blk)
{
	u16 want;

	report_prefix_push("blk");
	report(vd_start(blk), "disk starts");
	report(blk_read0(blk), "sector 0 reads the ELF magic");
	want = (u16)(vd_used_idx(blk) + 1);
	memset(sectors[1], 0, 512);
	blk_prepare(blk, 1, 8 /* GET_ID */, 0, 20);
	vd_kick(blk);
	report(VD_WAIT(vd_used_idx(blk) == want) && status_bytes[1] == 0 &&
	       !memcmp(sectors[1], "vq-guest", 9), "GET_ID returns the serial");
	want = (u16)(vd_used_idx(blk) + 1);
	hdr[2].type = 1;	/* OUT */
	hdr[2].sector = 0;
	status_bytes[2] = 0xee;
	blk->r->desc[6] = (struct vd_desc){ (uintptr_t)&hdr[2], 16, VD_F_NEXT, 7 };
	blk->r->desc[7] = (struct vd_desc){ (uintptr_t)sectors[2], 512, VD_F_NEXT, 8 };
	blk->r->desc[8] = (struct vd_desc){ (uintptr_t)&status_bytes[2], 1, VD_F_WRITE, 0 };
	vd_offer(blk, 6);
	vd_kick(blk);
	report(VD_WAIT(vd_used_idx(blk) == want) && status_bytes[2] == 1,
	       "a write to the read-only disk fails (status IOERR)");
	report(blk_read0(blk), "and sector 0 is unchanged");
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	struct vd_dev rng = { .name = "rng", .r = &rng_ring };
	struct vd_dev blk = { .name = "blk", .r = &blk_ring };

	if (!vd_find(&rng, VD_DEV_RNG) || !vd_find(&blk, VD_DEV_BLK)) {
		report_skip("needs imsvm run --rng --disk ELF,ro,serial=vq-guest");
		return report_summary();
	}
	check_transport(&rng);
	check_transport(&blk);
	check_features(&rng);
	report(vd_start(&rng) && rng_request(&rng, 64), "rng: 64 bytes");
	check_blk(&blk);

	report_prefix_push("malformed");
	bad_case(&rng, &blk, "buffer outside RAM", bad_out_of_ram);
	bad_case(&rng, &blk, "looping chain", bad_loop);
	bad_case(&rng, &blk, "nested indirect", bad_nested_indirect);
	bad_case(&rng, &blk, "indirect length", bad_indirect_len);
	bad_case(&rng, &blk, "3 GiB buffer", bad_len_overflow);
	bad_case(&rng, &blk, "available index jump", bad_avail_jump);
	bad_case(&rng, &blk, "head out of the table", bad_head);
	report_prefix_pop();

	check_reset_in_flight(&blk);
	return report_summary();
}
