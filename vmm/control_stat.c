/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `info` (what `imsvm list` shows for each VM) and `stat`: per-vCPU exits by
 * reason from KVM's binary statistics (the control socket opens its own
 * stats fds), memory, uptime, and the PV-IC's counters per ADI.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/pci.h"
#include "devices/passthrough.h"
#include "devices/pvic.h"
#include "devices/pvic_core.h"
#include "virtio/devices.h"
#include "vmm/cli.h"
#include "vmm/control_priv.h"
#include "vmm/log.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

/* The names of enum pvic_err, in its order. */
static const char *const pvic_err_names[] = {
	"EPERM", "ENOENT", "EIO", "EAGAIN", "EFAULT", "EBUSY", "ENODEV", "EINVAL", "ENOSPC",
	"EPROTO", "EOPNOTSUPP", "ECANCELED", "other",
};
_Static_assert(ARRAY_SIZE(pvic_err_names) == PVIC_NR_ERR, "one name per enum pvic_err");

int control_stat__open(struct control *ctl)
{
	struct vm *vm = ctl->vm;

	ctl->vcpu_stats = calloc(vm->nr_vcpus ? vm->nr_vcpus : 1, sizeof(*ctl->vcpu_stats));
	if (!ctl->vcpu_stats)
		return -ENOMEM;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		ctl->vcpu_stats[i].fd = -1;
		/* kvm_stats__open() says once why there are none; `stat` says so too. */
		if (kvm_stats__open(vm->kvm_fd, vm->vcpus[i]->fd, &ctl->vcpu_stats[i]) < 0)
			break;
	}
	return 0;
}

void control_stat__close(struct control *ctl)
{
	if (!ctl->vcpu_stats)
		return;
	for (unsigned int i = 0; i < ctl->vm->nr_vcpus; i++)
		kvm_stats__close(&ctl->vcpu_stats[i]);
	free(ctl->vcpu_stats);
	ctl->vcpu_stats = NULL;
}

/* @o.@key = @v. json-c integers are int64: counters never get near 2^63. */
static void add_u64(json_object *o, const char *key, u64 v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)MIN(v, (u64)INT64_MAX)));
}

/* The passthrough devices: device-list entries named vfio-user* or vfio-*. */
bool control__is_assigned(const struct device *dev)
{
	return dev->name && !strncmp(dev->name, "vfio", 4) && dev->priv;
}

int control__pci_slot_of(struct vm *vm, const char *name)
{
	if (!vm->pci)
		return -1;
	for (unsigned int s = 0; s < PCI_NR_SLOTS; s++) {
		struct pci_device *d = pci__device_at(vm->pci, s);

		if (d && d->name && !strcmp(d->name, name))
			return (int)s;
	}
	return -1;
}

static json_object *devices_json(struct control *ctl)
{
	json_object *arr = json_object_new_array();

	device_list__for_each(&ctl->vm->devices, dev) {
		json_object *d;
		int slot;

		if (!control__is_assigned(dev))
			continue;
		d = json_object_new_object();
		slot = control__pci_slot_of(ctl->vm, dev->name);
		json_object_object_add(d, "name", json_object_new_string(dev->name));
		json_object_object_add(d, "kind", json_object_new_string(
			!strncmp(dev->name, "vfio-user", 9) ? "vfio-user" : "vfio"));
		if (slot >= 0) {
			char bdf[16];

			snprintf(bdf, sizeof(bdf), "00:%02x.0", (unsigned int)slot);
			json_object_object_add(d, "pci", json_object_new_string(bdf));
		} else {
			json_object_object_add(d, "pci", NULL);
		}
		json_object_object_add(d, "failed", json_object_new_boolean(
			passthrough__failed(dev->priv)));
		json_object_array_add(arr, d);
	}
	return arr;
}

int control_cmd__info(struct control *ctl, struct control_conn *c, struct control_req *req,
		      json_object **result, struct control_error *err)
{
	const struct vm_config *cfg = ctl->vm->cfg;
	json_object *r;

	if (control_arg__only(req->args, NULL, err))
		return -EINVAL;
	r = json_object_new_object();
	json_object_object_add(r, "name", json_object_new_string(cfg->name));
	json_object_object_add(r, "pid", json_object_new_int(getpid()));
	json_object_object_add(r, "state", json_object_new_string(control__state_name(ctl)));
	json_object_object_add(r, "vcpus", json_object_new_int((int)ctl->vm->nr_vcpus));
	add_u64(r, "memory_bytes", cfg->mem_bytes);
	add_u64(r, "uptime_ms", control__uptime_ms(ctl));
	json_object_object_add(r, "kernel", json_object_new_string(cfg->kernel_path));
	json_object_object_add(r, "socket", json_object_new_string(ctl->path));
	json_object_object_add(r, "imsvm", json_object_new_string(IMSVM_VERSION));
	json_object_object_add(r, "devices", devices_json(ctl));
	*result = r;
	return 0;
}

/* ---- stat ---- */

static json_object *vcpu_json(struct kvm_stats *st, unsigned int id)
{
	json_object *v = json_object_new_object(), *exits, *other;
	u64 size = 0, *data;

	json_object_object_add(v, "id", json_object_new_int((int)id));
	if (!st->descs) {
		json_object_object_add(v, "exits", NULL);
		return v;
	}
	for (u32 i = 0; i < st->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(st->descs + i * st->desc_stride);

		size = MAX(size, (u64)d->offset + (u64)d->size * sizeof(u64));
	}
	data = calloc(1, size ? size : 1);
	if (!data || (size && pread(st->fd, data, size, st->hdr.data_offset) != (ssize_t)size)) {
		free(data);
		json_object_object_add(v, "exits", NULL);
		return v;
	}
	exits = json_object_new_object();
	other = json_object_new_object();
	for (u32 i = 0; i < st->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(st->descs + i * st->desc_stride);
		size_t len = strlen(d->name);
		bool is_exit;

		/* One value per statistic; histograms (size > 1) are left out. */
		if (d->size != 1 || (d->offset % sizeof(u64)))
			continue;
		is_exit = !strcmp(d->name, "exits") ||
			  (len > 6 && !strcmp(d->name + len - 6, "_exits"));
		add_u64(is_exit ? exits : other, d->name, data[d->offset / sizeof(u64)]);
	}
	free(data);
	json_object_object_add(v, "exits", exits);
	json_object_object_add(v, "counters", other);
	return v;
}

/* VmRSS, VmHWM (kB) and the number of open fds of this process. */
static void process_json(json_object *m)
{
	unsigned long long rss = 0, hwm = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	unsigned int fds = 0;
	DIR *d;

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "VmRSS:", 6))
				rss = strtoull(line + 6, NULL, 10);
			else if (!strncmp(line, "VmHWM:", 6))
				hwm = strtoull(line + 6, NULL, 10);
		}
		fclose(f);
	}
	d = opendir("/proc/self/fd");
	if (d) {
		for (struct dirent *e; (e = readdir(d));)
			if (e->d_name[0] != '.')
				fds++;
		closedir(d);
		fds--;	/* the directory's own fd */
	}
	add_u64(m, "vmm_rss_bytes", rss * 1024);
	add_u64(m, "vmm_peak_rss_bytes", hwm * 1024);
	json_object_object_add(m, "vmm_fds", json_object_new_int((int)fds));
}

/*
 * Guest RAM pages the host holds: the memfd's allocated blocks. O(1), where
 * mincore() over the mapping costs a page-cache lookup per page.
 */
static u64 guest_resident(const struct guest_mem *mem)
{
	struct stat st;

	if (mem->fd < 0 || fstat(mem->fd, &st) < 0)
		return 0;
	return MIN((u64)st.st_blocks * 512, mem->ram_size);
}

static json_object *errors_json(const u64 *errs)
{
	json_object *e = json_object_new_object();

	for (int i = 0; i < PVIC_NR_ERR; i++)
		add_u64(e, pvic_err_names[i], errs[i]);
	return e;
}

struct pvic_dev *control__find_pvic(struct vm *vm)
{
	device_list__for_each(&vm->devices, dev)
		if (dev->name && !strcmp(dev->name, "pvic"))
			return dev->priv;
	return NULL;
}

static json_object *pvic_json(struct control *ctl)
{
	struct pvic_dev *p = control__find_pvic(ctl->vm);
	struct pvic_vm_counters vc;
	json_object *r, *adis;

	if (!p)
		return NULL;
	pvic__vm_counters(p, &vc);
	r = json_object_new_object();
	add_u64(r, "batches", vc.batches);
	add_u64(r, "commits", vc.commits);
	json_object_object_add(r, "batch_errors", errors_json(vc.batch_errors));
	add_u64(r, "bad_doorbells", vc.bad_doorbells);
	add_u64(r, "bad_accesses", vc.bad_accesses);
	add_u64(r, "vectors_refused_no_fd", vc.no_fd);
	adis = json_object_new_array();
	/* ADIs are PCI functions of bus 0 as the guest sees them. */
	for (unsigned int s = 0; s < PCI_NR_SLOTS; s++) {
		struct pvic_adi_counters a;
		u32 id = PVIC_ADI_ID(0, 0, s, 0), live = 0;
		struct pci_device *dev = ctl->vm->pci ? pci__device_at(ctl->vm->pci, s) : NULL;
		json_object *o;
		char bdf[16];

		if (pvic__adi_counters(p, id, &a, &live) < 0)
			continue;
		o = json_object_new_object();
		snprintf(bdf, sizeof(bdf), "00:%02x.0", s);
		json_object_object_add(o, "adi", json_object_new_string(bdf));
		json_object_object_add(o, "device", dev && dev->name ?
				       json_object_new_string(dev->name) : NULL);
		json_object_object_add(o, "live_handles", json_object_new_int64(live));
		add_u64(o, "allocated", a.allocs);
		add_u64(o, "freed", a.frees);
		/* Delivery is device -> eventfd -> KVM irqfd: imsvm never sees it. */
		json_object_object_add(o, "delivered", NULL);
		add_u64(o, "retargets", a.retargets);
		add_u64(o, "masks", a.masks);
		add_u64(o, "unmasks", a.unmasks);
		add_u64(o, "remapping_faults", a.faults);
		json_object_object_add(o, "errors", errors_json(a.errors));
		json_object_array_add(adis, o);
	}
	json_object_object_add(r, "adis", adis);
	return r;
}

/* Each virtio-blk disk's counters (virtio/devices.h; docs/virtio.md). */
static json_object *disks_json(struct control *ctl)
{
	json_object *arr = json_object_new_array();

	device_list__for_each(&ctl->vm->devices, dev) {
		struct virtio_blk_stats bs;
		json_object *d;

		if (virtio_blk__stats(dev, &bs) < 0)
			continue;
		d = json_object_new_object();
		json_object_object_add(d, "name", json_object_new_string(dev->name));
		add_u64(d, "reads", bs.reads);
		add_u64(d, "writes", bs.writes);
		add_u64(d, "flushes", bs.flushes);
		add_u64(d, "discards", bs.discards);
		add_u64(d, "errors", bs.errors);
		add_u64(d, "io_errors", bs.io_errors);
		add_u64(d, "no_space", bs.no_space);
		add_u64(d, "short_transfers", bs.short_transfers);
		add_u64(d, "read_only_refusals", bs.ro_refused);
		add_u64(d, "bad_requests", bs.bad_requests);
		json_object_array_add(arr, d);
	}
	return arr;
}

int control_cmd__stat(struct control *ctl, struct control_conn *c, struct control_req *req,
		      json_object **result, struct control_error *err)
{
	struct vm *vm = ctl->vm;
	json_object *r, *vcpus, *mem;
	bool have_stats = ctl->vcpu_stats && vm->nr_vcpus && ctl->vcpu_stats[0].descs;

	if (control_arg__only(req->args, NULL, err))
		return -EINVAL;
	r = json_object_new_object();
	json_object_object_add(r, "name", json_object_new_string(vm->cfg->name));
	json_object_object_add(r, "pid", json_object_new_int(getpid()));
	json_object_object_add(r, "state", json_object_new_string(control__state_name(ctl)));
	add_u64(r, "uptime_ms", control__uptime_ms(ctl));

	mem = json_object_new_object();
	add_u64(mem, "guest_bytes", vm->mem.ram_size);
	add_u64(mem, "guest_resident_bytes", guest_resident(&vm->mem));
	process_json(mem);
	json_object_object_add(r, "memory", mem);

	json_object_object_add(r, "kvm_stats", json_object_new_boolean(have_stats));
	vcpus = json_object_new_array();
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		json_object_array_add(vcpus, vcpu_json(&ctl->vcpu_stats[i], i));
	json_object_object_add(r, "vcpus", vcpus);
	json_object_object_add(r, "pvic", pvic_json(ctl));
	json_object_object_add(r, "disks", disks_json(ctl));

	json_object *cs = json_object_new_object();

	json_object_object_add(cs, "clients", json_object_new_int((int)ctl->nr_conns));
	add_u64(cs, "refused", ctl->refused);
	add_u64(cs, "bad_requests", ctl->bad_requests);
	add_u64(cs, "pauses", ctl->pauses);
	json_object_object_add(r, "control", cs);
	*result = r;
	return 0;
}
