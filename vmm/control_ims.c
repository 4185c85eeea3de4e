/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `ims`: every vector the PV-IC has handed out, from its remapping table:
 * ADI, IMS index, handle, destination, vector, masked, GSI. The table is
 * copied under the PV-IC's lock (a vCPU ringing the doorbell waits that
 * long), the JSON is built after.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "devices/pci.h"
#include "devices/pvic.h"
#include "devices/pvic_core.h"
#include "vmm/control_priv.h"
#include "vmm/vm.h"

struct ims_vec {
	u32 adi_id, ims_index, handle, dest;
	u8 vector, delivery, dest_mode;
	bool masked, adi_failed;
	int gsi;
};

struct ims_snap {
	struct ims_vec *v;
	u32 n, cap;
	int err;
};

static void snapshot(struct pvic_core *c, void *arg)
{
	struct ims_snap *s = arg;
	u32 live = 0;

	for (unsigned int a = 0; a < PVIC_MAX_ADIS; a++)
		if (c->adi[a].present)
			live += c->adi[a].nr_handles;
	s->v = calloc(live ? live : 1, sizeof(*s->v));
	if (!s->v) {
		s->err = -ENOMEM;
		return;
	}
	s->cap = live;
	for (u32 h = 1; h <= PVIC_MAX_HANDLES && s->n < s->cap; h++) {
		struct pvic_irte *e = pvic_irt__get(&c->irt, h);
		const struct pvic_adi *adi;

		if (!e || e->owner > PVIC_MAX_ADIS)
			continue;
		adi = &c->adi[e->owner - 1];
		s->v[s->n++] = (struct ims_vec){
			.adi_id = adi->id, .ims_index = e->ims_index, .handle = h,
			.dest = e->dest_id, .vector = e->vector, .delivery = e->delivery_mode,
			.dest_mode = e->dest_mode, .masked = e->masked, .adi_failed = adi->failed,
			.gsi = c->ops->gsi ? c->ops->gsi(c->be, h) : -ENOENT,
		};
	}
}

int control_cmd__ims(struct control *ctl, struct control_conn *c, struct control_req *req,
		     json_object **result, struct control_error *err)
{
	struct pvic_dev *p = control__find_pvic(ctl->vm);
	struct ims_snap s = { 0 };
	json_object *r, *arr;

	if (control_arg__only(req->args, NULL, err))
		return -EINVAL;
	if (!p) {
		control_error__set(err, CTL_E_UNSUPPORTED, "this VM has no PV-IC (no assigned "
				   "device, or --ims-mode=trap)");
		return -ENODEV;
	}
	pvic__inspect(p, snapshot, &s);
	if (s.err) {
		control_error__set(err, CTL_E_FAILED, "out of memory");
		return s.err;
	}
	arr = json_object_new_array();
	for (u32 i = 0; i < s.n; i++) {
		const struct ims_vec *v = &s.v[i];
		struct pci_device *dev = ctl->vm->pci ?
			pci__device_at(ctl->vm->pci, PVIC_ADI_DEV(v->adi_id)) : NULL;
		json_object *o = json_object_new_object();
		char bdf[16];

		snprintf(bdf, sizeof(bdf), "%02x:%02x.%x", PVIC_ADI_BUS(v->adi_id),
			 PVIC_ADI_DEV(v->adi_id), PVIC_ADI_FN(v->adi_id));
		json_object_object_add(o, "adi", json_object_new_string(bdf));
		json_object_object_add(o, "device", dev && dev->name && !PVIC_ADI_BUS(v->adi_id) ?
				       json_object_new_string(dev->name) : NULL);
		json_object_object_add(o, "ims_index", v->ims_index == PVIC_IMS_ANY ? NULL :
				       json_object_new_int64(v->ims_index));
		json_object_object_add(o, "handle", json_object_new_int64(v->handle));
		json_object_object_add(o, "dest", json_object_new_int64(v->dest));
		json_object_object_add(o, "dest_mode", json_object_new_string(
			v->dest_mode == PVIC_DEST_LOGICAL ? "logical" : "physical"));
		json_object_object_add(o, "delivery", json_object_new_string(
			v->delivery == PVIC_DELIVERY_LOWEST ? "lowest" : "fixed"));
		json_object_object_add(o, "vector", json_object_new_int(v->vector));
		json_object_object_add(o, "masked", json_object_new_boolean(v->masked));
		json_object_object_add(o, "gsi", v->gsi >= 0 ? json_object_new_int(v->gsi) : NULL);
		json_object_array_add(arr, o);
	}
	free(s.v);
	r = json_object_new_object();
	json_object_object_add(r, "vectors", arr);
	json_object_object_add(r, "count", json_object_new_int64(s.n));
	*result = r;
	return 0;
}
