/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VERSION message's JSON capabilities, parsed and produced with json-c.
 * Unknown keys are ignored (the spec lets peers add them); a key of the
 * wrong type or a malformed document is an error.
 */
#ifndef DEVICES_VFIO_USER_VERSION_H
#define DEVICES_VFIO_USER_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

struct vfu_caps {
	uint32_t max_msg_fds;
	uint32_t max_data_xfer_size;
	uint32_t max_dma_maps;
	uint64_t pgsizes;
	bool twin_socket;		/* "twin_socket": {"supported": true} */
	int32_t twin_fd_index;		/* reply only; -1 when absent */
	bool write_multiple;
};

/* The protocol's defaults for a peer that says nothing. */
void vfu_caps__defaults(struct vfu_caps *c);

/*
 * Parse the VERSION payload (after major/minor): len bytes, which must be
 * empty or a NUL-terminated JSON object. Absent keys keep their default.
 * 0 or -EINVAL.
 */
int __must_check vfu_caps__parse(const char *json, size_t len, struct vfu_caps *c);

/* JSON text for c, malloc'd (caller frees); NULL on allocation failure. */
char *vfu_caps__to_json(const struct vfu_caps *c, bool with_twin_fd_index);

#endif /* DEVICES_VFIO_USER_VERSION_H */
