/* daemon/planstat.c — plan status changes, remembered and announced (contract: planstat.h). */
#include <stdio.h>

#include "../proto/bytes.h"
#include "../proto/err.h"
#include "planstat.h"

#define KEY_MAX (5 + CAT_ID_MAX + 1)

/* The status remembered for p: 0 and *status, PW_ENOTFOUND when none (or one this release
 * cannot read: then it is announced again as first seen). */
static int remembered(struct store_txn *t, const char *key, int *status)
{
	uint8_t buf[PLANSTAT_REC];
	size_t len;
	int rc = store_meta_get(t, key, buf, sizeof(buf), &len);
	if (rc == PW_ETOOBIG || (rc == 0 && (len != PLANSTAT_REC || buf[0] != PLANSTAT_VERSION)))
		return PW_ENOTFOUND;
	if (rc == 0)
		*status = buf[1];
	return rc;
}

static int announce(struct store_txn *t, const struct cat_plan *p, const char *previous,
		    struct notice_list *out)
{
	char topic[STORE_TOPIC_MAX + 1];
	struct proto_map m = { .b = &out->fields };
	notice_topic(topic, "plan", p->region->alias, p->id);
	notice_begin(out);
	proto_kv_str(&m, "plan", p->id);
	proto_kv_str(&m, "name", p->name);
	proto_kv_str(&m, "region", p->region->id);
	proto_kv_str(&m, "alias", p->region->alias);
	proto_kv_str(&m, "status", cat_status_name(p->status));
	proto_kv_str(&m, "previous", previous);
	proto_kv_int(&m, "start_year", p->start_year);
	proto_kv_int(&m, "end_year", p->target_year);
	proto_kv_int(&m, "base_year", p->base_year);
	proto_map_key(&m, "plan_window");
	proto_w_array(m.b, 2);
	proto_w_int(m.b, p->start_year);
	proto_w_int(m.b, p->target_year);
	return notice_emit(out, t, topic);
}

static int check_plan(struct store_txn *t, const struct cat_plan *p, struct notice_list *out)
{
	char key[KEY_MAX];
	uint8_t rec[PLANSTAT_REC];
	int was = -1;
	snprintf(key, sizeof(key), "plan/%s", p->id);
	int rc = remembered(t, key, &was);
	if (rc < 0 && rc != PW_ENOTFOUND)
		return rc;
	if (rc == 0 && was == p->status)
		return 0;
	if ((rc = announce(t, p, rc == 0 ? cat_status_name(was) : NULL, out)) < 0)
		return rc;
	rec[0] = PLANSTAT_VERSION;
	rec[1] = (uint8_t)p->status;
	bytes_put_le(rec + 2, (uint64_t)out->now_ms, 8);
	return store_meta_put(t, key, rec, sizeof(rec));
}

int planstat_check(struct store_txn *t, const struct catalog *c, struct notice_list *out)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < catalog_n_plans(c); i++)
		rc = check_plan(t, catalog_plan_at(c, i), out);
	return rc;
}
