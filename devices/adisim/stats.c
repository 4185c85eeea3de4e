/* SPDX-License-Identifier: GPL-2.0-only */
/* Counters: printed on SIGUSR1 and at exit, written as JSON with --stats-json. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "devices/adisim/adisim.h"

static const char *const names[ADISIM_CNT_NUM] = {
	[ADISIM_CNT_RAISED] = "raised",
	[ADISIM_CNT_DELIVERED] = "delivered",
	[ADISIM_CNT_BLOCKED] = "blocked_remapping",
	[ADISIM_CNT_MASKED_PENDING] = "masked_pending",
	[ADISIM_CNT_DMA_BYTES] = "dma_bytes",
	[ADISIM_CNT_FAULTS] = "faults",
	[ADISIM_CNT_DESC_DONE] = "descriptors_done",
	[ADISIM_CNT_DESC_ERRORS] = "descriptor_errors",
	[ADISIM_CNT_PROTO_ERRORS] = "protocol_errors",
};

const char *adisim_stats__name(unsigned int counter)
{
	return counter < ADISIM_CNT_NUM ? names[counter] : "unknown";
}

void adisim_stats__print(const struct adisim *sim)
{
	unsigned int i, c;

	for (i = 0; i < sim->nadis; i++) {
		char line[512];
		size_t n = 0;

		for (c = 0; c < ADISIM_CNT_NUM && n < sizeof(line); c++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=%llu", names[c],
					      (unsigned long long)sim->adis[i].cnt[c]);
		fprintf(stderr, "imsvm-adisim: adi%u:%s\n", i, line);
	}
}

int adisim_stats__write_json(const struct adisim *sim, const char *path)
{
	json_object *root = json_object_new_object();
	json_object *adis = json_object_new_array();
	json_object *total = json_object_new_object();
	u64 sum[ADISIM_CNT_NUM] = { 0 };
	unsigned int i, c;
	int ret = 0;

	if (!root || !adis || !total) {
		json_object_put(adis);
		json_object_put(total);
		json_object_put(root);
		return -ENOMEM;
	}
	for (i = 0; i < sim->nadis; i++) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "adi", json_object_new_int((int)i));
		for (c = 0; c < ADISIM_CNT_NUM; c++) {
			json_object_object_add(a, names[c],
					       json_object_new_int64((int64_t)sim->adis[i].cnt[c]));
			sum[c] += sim->adis[i].cnt[c];
		}
		json_object_object_add(a, "bound_handles", json_object_new_int64(
					       sim->irt ? adisim_irt__bound(&sim->adis[i]) : 0));
		json_object_object_add(a, "handle_binds",
				       json_object_new_int64((int64_t)sim->adis[i].handle_binds));
		json_object_array_add(adis, a);
	}
	for (c = 0; c < ADISIM_CNT_NUM; c++)
		json_object_object_add(total, names[c], json_object_new_int64((int64_t)sum[c]));
	json_object_object_add(root, "adis", adis);
	json_object_object_add(root, "total", total);
	json_object_object_add(root, "messages", json_object_new_int64((int64_t)sim->msgs));
	json_object_object_add(root, "stale_signals",
			       json_object_new_int64(sim->irt ? (int64_t)sim->irt->stale_signals : 0));
	if (json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY))
		ret = -EIO;
	json_object_put(root);
	return ret;
}
