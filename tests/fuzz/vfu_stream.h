/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the vfio-user fuzz targets: turn an input into the byte stream one
 * peer sends, and swallow what the other peer answers.
 *
 * Input: records
 *   type (1 byte)  bit 7 set: `len` raw bytes follow (any framing at all);
 *                  else a message whose header is built from the fields
 *                  below with a consistent msg_size = 16 + len
 *   msg_id (2), cmd (2), flags (1), error_no (1), len (2), then len bytes.
 * Raw records let the fuzzer tear the framing; built ones let it get past
 * the framing into the command handlers.
 */
#ifndef TESTS_FUZZ_VFU_STREAM_H
#define TESTS_FUZZ_VFU_STREAM_H

#include <dirent.h>
#include <string.h>
#include <unistd.h>

#include "devices/vfio-user/protocol.h"
#include "vmm/util.h"

/* @out must hold size + size / 9 * 16 bytes. */
static inline size_t vfu_stream__build(const u8 *data, size_t size, u8 *out)
{
	u8 *w = out;

	while (size >= 9) {
		struct vfio_user_header h;
		u16 len;

		memcpy(&h.msg_id, data + 1, 2);
		memcpy(&h.cmd, data + 3, 2);
		h.flags = data[5];
		h.error_no = data[6];
		memcpy(&len, data + 7, 2);
		len = MIN(len, size - 9);
		if (!(data[0] & 0x80)) {
			h.msg_size = VFIO_USER_HDR_SIZE + len;
			memcpy(w, &h, sizeof(h));
			w += sizeof(h);
		}
		memcpy(w, data + 9, len);
		w += len;
		data += 9 + len;
		size -= 9 + len;
	}
	return w - out;
}

/* Thread body: read from *(int *)arg until the other end hangs up. */
static inline void *vfu_stream__drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static inline int vfu_stream__count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		__builtin_trap();
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

#endif /* TESTS_FUZZ_VFU_STREAM_H */
