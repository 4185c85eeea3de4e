/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>

#include "devices/vfio-user/protocol.h"
#include "devices/vfio-user/version.h"

void vfu_caps__defaults(struct vfu_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->max_msg_fds = VFIO_USER_DEFAULT_MAX_FDS;
	c->max_data_xfer_size = VFIO_USER_DEFAULT_MAX_DATA_XFER;
	c->max_dma_maps = VFIO_USER_DEFAULT_MAX_DMA_MAPS;
	c->pgsizes = VFIO_USER_DEFAULT_PGSIZES;
	c->twin_fd_index = -1;
}

/* A non-negative integer no larger than max, or -EINVAL. */
static int get_uint(json_object *o, uint64_t max, uint64_t *out)
{
	int64_t v;

	if (!json_object_is_type(o, json_type_int))
		return -EINVAL;
	errno = 0;
	v = json_object_get_int64(o);
	if (v < 0)
		return -EINVAL;
	if ((uint64_t)v > max) {
		/* json-c clamps huge values to INT64_MAX: still out of range. */
		return -EINVAL;
	}
	*out = (uint64_t)v;
	return 0;
}

static int parse_caps(json_object *caps, struct vfu_caps *c)
{
	json_object *v, *t;
	uint64_t n;

	if (!json_object_is_type(caps, json_type_object))
		return -EINVAL;
	if (json_object_object_get_ex(caps, "max_msg_fds", &v)) {
		if (get_uint(v, 1024, &n))
			return -EINVAL;
		c->max_msg_fds = (uint32_t)n;
	}
	if (json_object_object_get_ex(caps, "max_data_xfer_size", &v)) {
		if (get_uint(v, UINT32_MAX, &n) || n == 0)
			return -EINVAL;
		c->max_data_xfer_size = (uint32_t)n;
	}
	if (json_object_object_get_ex(caps, "max_dma_maps", &v)) {
		if (get_uint(v, UINT32_MAX, &n))
			return -EINVAL;
		c->max_dma_maps = (uint32_t)n;
	}
	if (json_object_object_get_ex(caps, "pgsizes", &v)) {
		if (get_uint(v, INT64_MAX, &n))
			return -EINVAL;
		c->pgsizes = n;
	}
	if (json_object_object_get_ex(caps, "write_multiple", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return -EINVAL;
		c->write_multiple = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(caps, "twin_socket", &v)) {
		if (!json_object_is_type(v, json_type_object))
			return -EINVAL;
		if (json_object_object_get_ex(v, "supported", &t)) {
			if (!json_object_is_type(t, json_type_boolean))
				return -EINVAL;
			c->twin_socket = json_object_get_boolean(t);
		}
		if (json_object_object_get_ex(v, "fd_index", &t)) {
			if (get_uint(t, 1023, &n))
				return -EINVAL;
			c->twin_fd_index = (int32_t)n;
		}
	}
	return 0;
}

int vfu_caps__parse(const char *json, size_t len, struct vfu_caps *c)
{
	struct json_tokener *tok;
	json_object *root, *caps;
	size_t slen;
	int ret = 0;

	vfu_caps__defaults(c);
	if (len == 0)
		return 0;
	slen = strnlen(json, len);
	if (slen == len)
		return -EINVAL;		/* not NUL-terminated inside the payload */
	if (slen == 0)
		return 0;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)slen);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)slen) {
		ret = -EINVAL;
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		ret = -EINVAL;
		goto out;
	}
	if (json_object_object_get_ex(root, "capabilities", &caps))
		ret = parse_caps(caps, c);
out:
	json_object_put(root);
	json_tokener_free(tok);
	return ret;
}

char *vfu_caps__to_json(const struct vfu_caps *c, bool with_twin_fd_index)
{
	json_object *root = json_object_new_object();
	json_object *caps = json_object_new_object();
	char *out = NULL;

	if (!root || !caps)
		goto out;
	json_object_object_add(caps, "max_msg_fds", json_object_new_int64(c->max_msg_fds));
	json_object_object_add(caps, "max_data_xfer_size",
			       json_object_new_int64(c->max_data_xfer_size));
	json_object_object_add(caps, "max_dma_maps", json_object_new_int64(c->max_dma_maps));
	json_object_object_add(caps, "pgsizes", json_object_new_int64((int64_t)c->pgsizes));
	if (c->twin_socket) {
		json_object *twin = json_object_new_object();

		json_object_object_add(twin, "supported", json_object_new_boolean(1));
		if (with_twin_fd_index && c->twin_fd_index >= 0)
			json_object_object_add(twin, "fd_index",
					       json_object_new_int(c->twin_fd_index));
		json_object_object_add(caps, "twin_socket", twin);
	}
	json_object_object_add(root, "capabilities", caps);
	caps = NULL;
	out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
out:
	json_object_put(caps);
	json_object_put(root);
	return out;
}
