/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hot assignment: `assign` builds a passthrough device while the guest runs
 * (a new PCI function on bus 0; its IMS source reaches the PV-IC, which
 * raises its event interrupt with cause ADI_ADDED), `unassign` removes one
 * (the PV-IC revokes every handle of the ADI first, cause ADI_REMOVED, then
 * BARs, interrupts, DMA and the function go).
 *
 * Both run on the event loop thread, which is also the only thread that
 * walks the device list after boot. assign talks to the device server
 * synchronously (the vfio-user handshake, bounded by its timeout): other
 * event-loop work waits meanwhile, the vCPUs do not.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/passthrough.h"
#include "devices/pvic.h"
#include "devices/pvic_core.h"
#include "vmm/control_priv.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define CONTROL_MAX_ASSIGNED	(2 * VM_MAX_ASSIGNED)

static json_object *device_json(struct vm *vm, const struct device *dev)
{
	json_object *o = json_object_new_object();
	int slot = control__pci_slot_of(vm, dev->name);
	char bdf[16];

	json_object_object_add(o, "device", json_object_new_string(dev->name));
	json_object_object_add(o, "kind", json_object_new_string(
		!strncmp(dev->name, "vfio-user", 9) ? "vfio-user" : "vfio"));
	snprintf(bdf, sizeof(bdf), "00:%02x.0", (unsigned int)MAX(slot, 0));
	json_object_object_add(o, "pci", slot >= 0 ? json_object_new_string(bdf) : NULL);
	json_object_object_add(o, "pvic", json_object_new_boolean(control__find_pvic(vm) != NULL));
	return o;
}

int control_cmd__assign(struct control *ctl, struct control_conn *c, struct control_req *req,
			json_object **result, struct control_error *err)
{
	static const char *const allowed[] = { "vfio_user", "vfio", NULL };
	const char *user = NULL, *kernel = NULL;
	struct vm *vm = ctl->vm;
	struct device *last = NULL, *dev;
	unsigned int n = 0;
	int ret;

	if (control_arg__only(req->args, allowed, err) ||
	    control_arg__string(req->args, "vfio_user", false, &user, err) ||
	    control_arg__string(req->args, "vfio", false, &kernel, err))
		return -EINVAL;
	if (!user == !kernel) {
		control_error__set(err, CTL_E_ARGUMENT, "give one of \"vfio_user\" (a socket) or "
				   "\"vfio\" (a host device)");
		return -EINVAL;
	}
	device_list__for_each(&vm->devices, d) {
		last = d;
		n += control__is_assigned(d);
	}
	if (n >= CONTROL_MAX_ASSIGNED) {
		control_error__set(err, CTL_E_BUSY, "%u devices are assigned already", n);
		return -ENOSPC;
	}
	pr_info("assign: %s %s (control socket)", user ? "--vfio-user" : "--vfio",
		user ? user : kernel);
	ret = user ? passthrough__add_vfio_user(vm, user) : passthrough__add_vfio(vm, kernel);
	if (ret == -ECANCELED) {
		/* A stop signal came while the server was being contacted. */
		control_error__set(err, CTL_E_FAILED, "%s %s: abandoned: the VM is stopping",
				   user ? "vfio-user" : "vfio", user ? user : kernel);
		return ret;
	}
	if (ret < 0) {
		control_error__set(err, CTL_E_FAILED, "%s %s: %s (the VM's log says more)",
				   user ? "vfio-user" : "vfio", user ? user : kernel, strerror(-ret));
		return ret;
	}
	/* passthrough__create() put the new device last. */
	dev = last ? last->next : vm->devices.head;
	while (dev && !control__is_assigned(dev))
		dev = dev->next;
	if (!dev) {
		control_error__set(err, CTL_E_FAILED, "the device was created but is not listed");
		return -ENOENT;
	}
	*result = device_json(vm, dev);
	return 0;
}

int control_cmd__unassign(struct control *ctl, struct control_conn *c, struct control_req *req,
			  json_object **result, struct control_error *err)
{
	static const char *const allowed[] = { "device", NULL };
	struct pvic_dev *pvic = control__find_pvic(ctl->vm);
	struct pvic_adi_counters cnt;
	struct device *found = NULL;
	const char *name = NULL;
	json_object *r;
	u32 live = 0;
	int slot;

	if (control_arg__only(req->args, allowed, err) ||
	    control_arg__string(req->args, "device", true, &name, err))
		return -EINVAL;
	device_list__for_each(&ctl->vm->devices, d)
		if (control__is_assigned(d) && !strcmp(d->name, name))
			found = d;
	if (!found) {
		control_error__set(err, CTL_E_NOT_FOUND, "no assigned device \"%.64s\" (see "
				   "'imsvm list')", name);
		return -ENOENT;
	}
	r = device_json(ctl->vm, found);
	slot = control__pci_slot_of(ctl->vm, found->name);
	if (pvic && slot >= 0 &&
	    pvic__adi_counters(pvic, PVIC_ADI_ID(0, 0, (u32)slot, 0), &cnt, &live) < 0)
		live = 0;
	pr_info("unassign: %s (control socket): %u PV-IC handle(s) revoked", found->name, live);
	passthrough__remove(found->priv);
	json_object_object_add(r, "revoked_handles", json_object_new_int64(live));
	*result = r;
	return 0;
}
