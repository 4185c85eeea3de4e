/* SPDX-License-Identifier: GPL-2.0-only */
/* `ims`: every vector the PV-IC has handed out (its remapping table). */
#include <errno.h>

#include "vmm/control_priv.h"

int control_cmd__ims(struct control *ctl, struct control_conn *c, struct control_req *req,
		     json_object **result, struct control_error *err)
{
	if (control_arg__only(req->args, NULL, err))
		return -EINVAL;
	control_error__set(err, CTL_E_UNSUPPORTED, "ims: not implemented yet");
	return -EOPNOTSUPP;
}
