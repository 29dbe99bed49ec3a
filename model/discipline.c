/* model/discipline.c — reporting discipline per department (contract: discipline.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "discipline.h"

#define DAY_MS 86400000LL

static int days_up(int64_t ms)
{
	return ms <= 0 ? 0 : (int)((ms + DAY_MS - 1) / DAY_MS);
}

int disc_classify(const struct disc_item *d, int64_t now_ms, int *days)
{
	int st = DISC_NOT_DUE, k = 0;
	if (d->recv_ms > 0 && d->recv_ms <= d->due_ms) {
		st = DISC_ON_TIME;
	} else if (d->recv_ms > 0) {
		st = DISC_LATE;
		k = days_up(d->recv_ms - d->due_ms);
	} else if (now_ms > d->due_ms) {
		st = DISC_MISSING;
		k = days_up(now_ms - d->due_ms);
	}
	if (days)
		*days = k;
	return st;
}

/* The summary of dept among out[0..n), or NULL. */
static struct disc_dept *find(struct disc_dept *out, size_t n, const char *dept)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(out[i].dept, dept, sizeof(out[i].dept) - 1) == 0)
			return &out[i];
	return NULL;
}

size_t disc_summarise(const struct disc_item *items, size_t n, int64_t from_ms, int64_t now_ms,
		      struct disc_dept *out, size_t max)
{
	size_t nd = 0;
	for (size_t i = 0; i < n; i++) {
		const struct disc_item *d = &items[i];
		int days, st = disc_classify(d, now_ms, &days);
		if (d->due_ms < from_ms || d->due_ms > now_ms)
			continue;
		struct disc_dept *s = find(out, nd, d->dept ? d->dept : "");
		if (!s) {
			if (nd == max)
				continue;
			s = &out[nd];
			memset(s, 0, sizeof(*s));
			snprintf(s->dept, sizeof(s->dept), "%s", d->dept ? d->dept : "");
			nd++;
		}
		s->expected++;
		s->received += st == DISC_ON_TIME || st == DISC_LATE;
		s->on_time += st == DISC_ON_TIME;
		s->late += st == DISC_LATE;
		s->missing += st == DISC_MISSING;
		if (days > s->max_late_days)
			s->max_late_days = days;
	}
	for (size_t i = 0; i < nd; i++)
		out[i].on_time_rate = out[i].expected ? 100.0 * out[i].on_time / out[i].expected
						      : NAN;
	return nd;
}

const char *disc_state_zh(int state)
{
	static const char *const zh[] = { "未到期", "按时", "迟报", "未报" };
	return state >= 0 && state <= DISC_MISSING ? zh[state] : "";
}

const char *disc_state_en(int state)
{
	static const char *const en[] = { "not due", "on time", "late", "missing" };
	return state >= 0 && state <= DISC_MISSING ? en[state] : "";
}
