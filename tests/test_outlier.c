/* tests/test_outlier.c — the plausibility checks through the real daemon on the bundled
 * format-2 catalog of 泉港区: suspect_scale and ytd_decrease each on both sides of its
 * threshold, refused with their own code, quarantined, and let in by confirm (recorded in
 * the vintage with what it overrode); the yoy warning on both sides of its tolerance, for a
 * comparable-price series (8 pp) and a current-price one (3 pp): a warning notice, never a
 * refusal. Starts with the issue's findings: a revision 812.5 -> 81.25 and a running total
 * 160 -> 150.3 -> 40, which the daemon used to accept without a word. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../proto/proto.h"
#include "check.h"
#include "harness.h"

#define CATALOGS                                                                         \
	"catalog/regions/quangang.yaml catalog/plans/quangang-13.yaml "                  \
	"catalog/plans/quangang-14.yaml"

/* One figure of 泉港区 (v2 item: region + indicator). Returns the reply code; on a NACK
 * *quarantine gets its quarantine id and msg (if given) its message. */
static int push(struct pw_client *c, const char *ind, const char *period, double value,
		const char *status, double yoy, bool confirm, uint64_t *quarantine, char *msg,
		size_t cap)
{
	static unsigned n;
	char id[40];
	struct pw_ack a;
	struct pw_obs o = { .plan = "quangang-14", .indicator = ind, .period = period,
			    .value = value, .unit = "亿元", .status = status, .yoy = yoy,
			    .confirm = confirm };
	const char *dept = strncmp(ind, "fiscal", 6) == 0	     ? "财政局"
			   : strcmp(ind, "retail_sales") == 0 ? "商务局"
			   : strncmp(ind, "rd_", 3) == 0      ? "科技局"
							      : "统计局";
	snprintf(id, sizeof(id), "out-%u-%d", n++, (int)getpid());
	CHECK_OK(pw_push(c, dept, id, &o, 1, 0, &a));
	if (quarantine)
		*quarantine = a.quarantine;
	if (msg)
		snprintf(msg, cap, "%s", a.message);
	return a.code;
}

static void ok(struct pw_client *c, const char *ind, const char *period, double value)
{
	int rc = push(c, ind, period, value, "flash", NAN, false, NULL, NULL, 0);
	if (rc)
		fprintf(stderr, "%s %s = %g: %s\n", ind, period, value, pw_errname(rc));
	CHECK_OK(rc);
}

/* The newest vintage of a period: its value, confirm and overridden. */
static void newest(struct pw_client *c, const char *ind, const char *per, double *value,
		   bool *confirm, char *overridden, size_t cap)
{
	struct proto_req r = { .type = PROTO_HISTORY, .plan = "quangang-14", .ind = ind,
			       .has_period = true };
	CHECK_OK(period_parse(&r.period, per, strlen(per)));
	struct proto_view *v = harness_request(c, &r);
	int i = (int)proto_view_count(v) - 1;
	CHECK(i >= 0);
	CHECK_OK(proto_view_double(v, i, "value", value));
	CHECK_OK(proto_view_bool(v, i, "confirm", confirm));
	overridden[0] = '\0';
	int rc = proto_view_str(v, i, "overridden", overridden, cap);
	CHECK(rc == 0 || rc == PW_ENOTFOUND);
	proto_view_free(v);
}

static uint64_t last_seq(struct pw_client *c)
{
	return (uint64_t)harness_status(c, "last_seq");
}

/* Warnings after seq `after`: how many, and the last one's error and message; its body
 * names the series by region (v2), never by a plan. */
static int warnings(struct pw_client *c, uint64_t after, char *error, char *msg, size_t cap)
{
	struct proto_view *bv = NULL;
	int n = harness_notices(c, after, "warning.", &bv);
	if (n) {
		CHECK_OK(proto_view_str(bv, -1, "error", error, 40));
		CHECK_OK(proto_view_str(bv, -1, "message", msg, cap));
		harness_check_by_region(bv, "350505", "quangang");
		proto_view_free(bv);
	}
	return n;
}

/* The last change notice of series ind after seq `after` (the caller frees it). */
static struct proto_view *change(struct pw_client *c, uint64_t after, const char *ind)
{
	char topic[80];
	struct proto_view *b = NULL;
	snprintf(topic, sizeof(topic), "change.quangang.%s", ind);
	CHECK(harness_notices(c, after, topic, &b) >= 1);
	return b;
}

/* The quarantined copy of a refused message is listed with its code. */
static void quarantined(struct pw_client *c, uint64_t q, int code)
{
	struct proto_req r = { .type = PROTO_REJECTED, .seq = q - 1, .limit = 1 };
	struct proto_view *v = harness_request(c, &r);
	int64_t id = 0, got = 0;
	CHECK(proto_view_count(v) == 1);
	CHECK_OK(proto_view_int(v, 0, "id", &id));
	CHECK_OK(proto_view_int(v, 0, "code", &got));
	CHECK(id == (int64_t)q && got == -code);
	proto_view_free(v);
}

static void test_issue(struct pw_client *c)
{
	char msg[400], ov[40];
	uint64_t q;
	double v;
	bool confirm;

	/* 地区生产总值 (quarterly, 1–N季度累计): a year earlier 800, the quarter before 540 */
	ok(c, "gdp", "2024Q3", 800);
	ok(c, "gdp", "2025Q2", 540);
	ok(c, "gdp", "2025Q3", 812.5);
	CHECK_RC(push(c, "gdp", "2025Q3", 81.25, "preliminary", NAN, false, &q, msg, sizeof(msg)),
		 PW_ESCALE);
	CHECK(strstr(msg, "value 81.25 is about /10^1 from the series"));
	CHECK(strstr(msg, "revised vintage 2025Q3 812.5") && strstr(msg, "a year earlier 2024Q3 800"));
	CHECK(q > 0);
	quarantined(c, q, PW_ESCALE);
	newest(c, "gdp", "2025Q3", &v, &confirm, ov, sizeof(ov));
	CHECK(v == 812.5); /* nothing of it stored */
	printf("ok 812.5 -> 81.25 refused as suspect_scale, quarantined as #%llu\n",
	       (unsigned long long)q);

	/* 一般公共预算收入 1–N月累计: 160 in March, then 150.3 and 40 */
	ok(c, "fiscal_revenue", "2025-03", 160);
	CHECK_RC(push(c, "fiscal_revenue", "2025-04", 150.3, "flash", NAN, false, &q, msg,
		      sizeof(msg)),
		 PW_EYTD);
	CHECK(strstr(msg, "year-to-date 150.3 is lower than 160 of 2025-03 in the same year"));
	quarantined(c, q, PW_EYTD);
	CHECK_RC(push(c, "fiscal_revenue", "2025-05", 40, "flash", NAN, false, &q, NULL, 0), PW_EYTD);
	printf("ok 160 -> 150.3 -> 40 refused as ytd_decrease\n");
}

static void test_scale(struct pw_client *c)
{
	char ov[40];
	uint64_t q;
	double v;
	bool confirm;

	/* the lower side on a level (R&D 经费投入, annual): a revision of 2023 against itself
	 * 10.18 and 2022's 8.5 (the year before and the previous period at once). 1/5 of the
	 * smallest is the threshold: 1.7 is suspect, 1.71 is not */
	ok(c, "rd_spending", "2022", 8.5);
	ok(c, "rd_spending", "2023", 10.18);
	CHECK_RC(push(c, "rd_spending", "2023", 1.7, "preliminary", NAN, false, &q, NULL, 0),
		 PW_ESCALE);
	CHECK_OK(push(c, "rd_spending", "2023", 1.71, "preliminary", NAN, false, &q, NULL, 0));
	newest(c, "rd_spending", "2023", &v, &confirm, ov, sizeof(ov));
	CHECK(v == 1.71 && !confirm && !ov[0]);
	/* the upper side on a monthly total: 2025-06 against 10 (May), 12 (2024-06), 13
	 * (itself): 5 x 13 = 65 is suspect, 64.99 is not */
	ok(c, "fiscal_total_revenue", "2025-05", 10);
	ok(c, "fiscal_total_revenue", "2024-06", 12);
	ok(c, "fiscal_total_revenue", "2025-06", 13);
	CHECK_RC(push(c, "fiscal_total_revenue", "2025-06", 65, "flash", NAN, false, &q, NULL, 0),
		 PW_ESCALE);
	CHECK_OK(push(c, "fiscal_total_revenue", "2025-06", 64.99, "flash", NAN, false, &q, NULL, 0));
	/* confirm lets a real outlier in, and the vintage says what it overrode; so does its
	 * change notice (a plain figure's says confirm false, overridden nil) */
	uint64_t mark = last_seq(c);
	CHECK_OK(push(c, "fiscal_total_revenue", "2025-06", 400, "flash", NAN, true, &q, NULL, 0));
	newest(c, "fiscal_total_revenue", "2025-06", &v, &confirm, ov, sizeof(ov));
	CHECK(v == 400 && confirm && strcmp(ov, "suspect_scale") == 0);
	struct proto_view *b = change(c, mark, "fiscal_total_revenue");
	CHECK_OK(proto_view_bool(b, -1, "confirm", &confirm));
	CHECK_OK(proto_view_str(b, -1, "overridden", ov, sizeof(ov)));
	CHECK(confirm && strcmp(ov, "suspect_scale") == 0);
	proto_view_free(b);
	mark = last_seq(c);
	ok(c, "fiscal_total_revenue", "2025-07", 410);
	b = change(c, mark, "fiscal_total_revenue");
	CHECK_OK(proto_view_bool(b, -1, "confirm", &confirm));
	CHECK(!confirm && proto_view_str(b, -1, "overridden", ov, sizeof(ov)) == PW_ENOTFOUND);
	proto_view_free(b);
	/* a growth rate is a change, not a level: 0.3 % after 6.5 % is ordinary */
	struct pw_obs o = { .plan = "quangang-14", .indicator = "rd_growth", .period = "2023",
			    .value = 39, .unit = "%", .status = "final", .yoy = NAN };
	struct pw_ack a;
	CHECK_OK(pw_push(c, "科技局", "out-rate-1", &o, 1, 0, &a));
	CHECK_OK(a.code);
	o.period = "2024";
	o.value = 0.3;
	CHECK_OK(pw_push(c, "科技局", "out-rate-2", &o, 1, 0, &a));
	CHECK_OK(a.code);
	printf("ok suspect_scale at x5 and /5, not inside; confirm recorded; rates exempt\n");
}

static void test_ytd(struct pw_client *c)
{
	char ov[40];
	double v;
	bool confirm;

	/* equal to the month before is no decrease; a cent below is */
	ok(c, "fiscal_revenue", "2025-04", 160);
	CHECK_RC(push(c, "fiscal_revenue", "2025-05", 159.99, "flash", NAN, false, NULL, NULL, 0),
		 PW_EYTD);
	ok(c, "fiscal_revenue", "2025-05", 160);
	/* above a later month's total is a decrease too (a revision of March) */
	CHECK_RC(push(c, "fiscal_revenue", "2025-03", 160.01, "flash", NAN, false, NULL, NULL, 0),
		 PW_EYTD);
	/* January starts again from zero: no comparison across the year change */
	ok(c, "fiscal_revenue", "2025-12", 170);
	ok(c, "fiscal_revenue", "2026-01", 16);
	/* net figures can fall: confirm, recorded */
	CHECK_OK(push(c, "fiscal_revenue", "2025-06", 40, "flash", NAN, true, NULL, NULL, 0));
	newest(c, "fiscal_revenue", "2025-06", &v, &confirm, ov, sizeof(ov));
	CHECK(v == 40 && confirm && strcmp(ov, "ytd_decrease") == 0);
	printf("ok ytd_decrease below the month before, not at it; never across a year; confirm\n");
}

static void test_yoy(struct pw_client *c)
{
	char err[40], msg[400];
	uint64_t mark;

	/* 地区生产总值: comparable prices, 8 pp. 1080 after 1000 is +8 %: a reported 0 % is 8 pp
	 * off (inside), -0.01 % is beyond */
	ok(c, "gdp", "2023Q4", 1000);
	mark = last_seq(c);
	CHECK_OK(push(c, "gdp", "2024Q4", 1080, "flash", 0, false, NULL, NULL, 0));
	CHECK(warnings(c, mark, err, msg, sizeof(msg)) == 0);
	mark = last_seq(c);
	CHECK_OK(push(c, "gdp", "2024Q4", 1080, "preliminary", -0.01, false, NULL, NULL, 0));
	CHECK(warnings(c, mark, err, msg, sizeof(msg)) == 1);
	CHECK(strcmp(err, "yoy_mismatch") == 0);
	CHECK(strstr(msg, "against a year earlier is +8.0%, reported yoy -0.0%") &&
	      strstr(msg, "tolerance 8.0 pp"));
	/* 社会消费品零售总额: current prices, 3 pp. 110 after 100: 7 % is inside, 6.9 % beyond */
	struct pw_obs o = { .plan = "quangang-14", .indicator = "retail_sales", .period = "2024-06",
			    .value = 100, .unit = "亿元", .status = "flash", .yoy = NAN };
	struct pw_ack a;
	CHECK_OK(pw_push(c, "商务局", "out-yoy-1", &o, 1, 0, &a));
	CHECK_OK(a.code);
	mark = last_seq(c);
	CHECK_OK(push(c, "retail_sales", "2025-06", 110, "flash", 7, false, NULL, NULL, 0));
	CHECK(warnings(c, mark, err, msg, sizeof(msg)) == 0);
	mark = last_seq(c);
	CHECK_OK(push(c, "retail_sales", "2025-06", 110, "preliminary", 6.9, false, NULL, NULL, 0));
	CHECK(warnings(c, mark, err, msg, sizeof(msg)) == 1);
	CHECK(strstr(msg, "tolerance 3.0 pp"));
	printf("ok yoy_mismatch a warning notice beyond 8 pp (comparable) / 3 pp (nominal), "
	       "the figure stored\n");
}

/* The seed figures as printed, on the region catalog the daemon ships with: 32570 元
 * (002:29) into a 万元 series, 7.38 亿元 (002:29) refused by a 亿美元 one naming the units. */
static void test_seed(struct pw_client *c)
{
	struct pw_obs o = { .plan = "quangang-14", .indicator = "disposable_income",
			    .period = "2021", .value = 32570, .unit = "元", .status = "estimate",
			    .yoy = 8 };
	struct pw_ack a;
	char u[40];
	double v, sent;
	bool confirm;
	uint64_t mark = last_seq(c);
	CHECK_OK(pw_push(c, "统计局", "out-seed-1", &o, 1, 0, &a));
	CHECK_OK(a.code);
	/* stored as 3.257 万元 exactly; the vintage and its change notice keep it as printed */
	newest(c, "disposable_income", "2021", &v, &confirm, u, sizeof(u));
	CHECK(v == 3.257);
	struct proto_view *b = change(c, mark, "disposable_income");
	CHECK_OK(proto_view_double(b, -1, "value", &v));
	CHECK_OK(proto_view_double(b, -1, "sent_value", &sent));
	CHECK(v == 3.257 && sent == 32570);
	harness_check_str(b, -1, "sent_unit", "元");
	harness_check_str(b, -1, "unit", "万元");
	proto_view_free(b);
	o = (struct pw_obs){ .plan = "quangang-14", .indicator = "fdi_cumulative", .period = "2021",
			     .value = 7.38, .unit = "亿元", .status = "estimate", .yoy = NAN };
	CHECK_OK(pw_push(c, "商务局", "out-seed-2", &o, 1, 0, &a));
	CHECK_RC(a.code, PW_EUNIT);
	CHECK(strstr(a.message, "send one of 美元, 万美元, 亿美元"));
	CHECK(a.n_bad == 1 && strstr(a.bad[0].message, "send one of 美元, 万美元, 亿美元"));
	printf("ok seed 002:29 as printed: 32570 元 stored as 3.257 万元, kept as sent; 7.38 亿元 "
	       "refused naming 美元, 万美元, 亿美元, on the item too\n");
}

int main(void)
{
	static void (*const tests[])(struct pw_client *) = { test_issue, test_scale, test_ytd, test_yoy, test_seed };
	setvbuf(stdout, NULL, _IOLBF, 0);
	harness_run(CATALOGS, tests, sizeof(tests) / sizeof(tests[0]));
	printf("test_outlier: ok\n");
	return 0;
}
