/* tests/test_discipline.c — model/discipline.c: on time up to the due millisecond, late by
 * whole days rounded up, missing only after the due date (with a controlled clock), the
 * counts and on-time rate per department over a window, a full summary array. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../model/discipline.h"
#include "../model/ytd.h"
#include "check.h"

#define DAY 86400000LL

static void test_classify(void)
{
	struct period oct = { 2026, PERIOD_MONTH, 10 };
	int64_t due = ytd_due_ms(&oct, 15);
	struct disc_item d = { "统计局", "gdp", oct, due, due };
	int days = -1;
	CHECK(disc_classify(&d, due + 5 * DAY, &days) == DISC_ON_TIME && days == 0);
	d.recv_ms = due + 1; /* one millisecond late is a day late */
	CHECK(disc_classify(&d, due + 5 * DAY, &days) == DISC_LATE && days == 1);
	d.recv_ms = due + 3 * DAY;
	CHECK(disc_classify(&d, due + 5 * DAY, &days) == DISC_LATE && days == 3);
	d.recv_ms = 0;
	CHECK(disc_classify(&d, due, &days) == DISC_NOT_DUE && days == 0);
	CHECK(disc_classify(&d, due + 1, &days) == DISC_MISSING && days == 1);
	CHECK(disc_classify(&d, due + 4 * DAY + 1, NULL) == DISC_MISSING);
	CHECK(disc_classify(&d, due + 4 * DAY + 1, &days) == DISC_MISSING && days == 5);
	CHECK(strcmp(disc_state_zh(DISC_MISSING), "未报") == 0);
	CHECK(strcmp(disc_state_en(DISC_LATE), "late") == 0 && disc_state_zh(9)[0] == '\0');
}

static void test_summary(void)
{
	int64_t t0 = 1000 * DAY, now = t0 + 30 * DAY;
	struct period p = { 2026, PERIOD_MONTH, 9 };
	struct disc_item it[] = {
		{ "统计局", "gdp", p, t0, t0 - DAY },            /* on time */
		{ "统计局", "retail", p, t0, t0 + 2 * DAY },     /* late 2 */
		{ "发改局", "fai", p, t0, 0 },                   /* missing 30 */
		{ "统计局", "industry", p, t0 + 10 * DAY, 0 },   /* missing 20 */
		{ "统计局", "export", p, now + DAY, 0 },         /* not yet due: not expected */
		{ "发改局", "fdi", p, t0 - 400 * DAY, 0 },       /* before the window */
		{ "发改局", "fai2", p, t0 + DAY, t0 + DAY },     /* on time */
	};
	struct disc_dept s[4];
	size_t n = disc_summarise(it, 7, t0, now, s, 4);
	CHECK(n == 2);
	CHECK(strcmp(s[0].dept, "统计局") == 0 && strcmp(s[1].dept, "发改局") == 0);
	CHECK(s[0].expected == 3 && s[0].received == 2 && s[0].on_time == 1 && s[0].late == 1 &&
	      s[0].missing == 1 && s[0].max_late_days == 20);
	CHECK(fabs(s[0].on_time_rate - 100.0 / 3) < 1e-9);
	CHECK(s[1].expected == 2 && s[1].on_time == 1 && s[1].missing == 1 &&
	      s[1].max_late_days == 30 && s[1].on_time_rate == 50);
	/* A summary array of one keeps the first department only. */
	CHECK(disc_summarise(it, 7, t0, now, s, 1) == 1 && s[0].expected == 3);
	CHECK(disc_summarise(it, 7, t0, now, s, 0) == 0);
	/* Nothing due in the window. */
	CHECK(disc_summarise(it, 7, now + 2 * DAY, now + 3 * DAY, s, 4) == 0);
}

int main(void)
{
	test_classify();
	test_summary();
	puts("test_discipline: ok");
	return 0;
}
