/* tests/test_derived.c — derived series through the real daemon on the bundled format-2
 * catalogs (泉港区 R&D 经费支出占GDP比重 = share(rd_spending, gdp); 经开区 第三产业 and
 * 文化产业 shares of GDP): the ratio computed in the commit of the component that completes
 * it, its provenance (the component vintages), its status (the weakest), its change notice
 * and its verdict; a revision of GDP makes a new vintage, a new notice and a new verdict;
 * never from components of different periods; a department's own figure compared with the
 * components' beyond its rounding (the seed's 20.8 % agrees with 38.22 / 183.77, a 2.5 %
 * against 4.27 / 183.77 does not). */
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
	"catalog/plans/quangang-14.yaml catalog/regions/qetdz.yaml "                    \
	"catalog/plans/qetdz-13.yaml catalog/plans/qetdz-14.yaml"

static void push(struct pw_client *c, const char *plan, const char *dept, const char *ind,
		 const char *period, double value, const char *unit, const char *status)
{
	static unsigned n;
	char id[40];
	struct pw_ack a;
	struct pw_obs o = { .plan = plan, .indicator = ind, .period = period, .value = value,
			    .unit = unit, .status = status, .yoy = NAN };
	snprintf(id, sizeof(id), "der-%u-%d", n++, (int)getpid());
	CHECK_OK(pw_push(c, dept, id, &o, 1, 0, &a));
	if (a.code)
		fprintf(stderr, "%s %s = %g: %s %s\n", ind, period, value, pw_errname(a.code),
			a.message);
	CHECK_OK(a.code);
}

/* History of one period: the number of vintages; the newest's fields in v (caller frees). */
static struct proto_view *history(struct pw_client *c, const char *plan, const char *ind,
				  const char *per, int *n)
{
	struct proto_req r = { .type = PROTO_HISTORY, .plan = plan, .ind = ind, .has_period = true };
	CHECK_OK(period_parse(&r.period, per, strlen(per)));
	struct proto_view *v = harness_request(c, &r);
	*n = (int)proto_view_count(v);
	return v;
}

/* The series holds n vintages of the period, the newest with value `want`. */
static void check_newest(struct pw_client *c, const char *plan, const char *ind, const char *per,
			 int n, double want)
{
	int got;
	double x = NAN;
	struct proto_view *v = history(c, plan, ind, per, &got);
	if (got)
		CHECK_OK(proto_view_double(v, got - 1, "value", &x));
	if (got != n || (n && x != want))
		fprintf(stderr, "%s %s: %d vintages, newest %.17g; wanted %d, %.17g\n", ind, per, got,
			x, n, want);
	CHECK(got == n && (!n || x == want));
	proto_view_free(v);
}

static uint64_t last_seq(struct pw_client *c)
{
	return (uint64_t)harness_status(c, "last_seq");
}

/* The verdict state of quangang-14's rd_intensity and the period it is on. */
static void verdict(struct pw_client *c, char *state, size_t cap, char *period, size_t pcap)
{
	struct proto_req r = { .type = PROTO_ALERTS, .plan = "quangang-14" };
	struct proto_view *v = harness_request(c, &r);
	char id[80];
	snprintf(state, cap, "none");
	for (size_t i = 0; i < proto_view_count(v); i++) {
		CHECK_OK(proto_view_str(v, (int)i, "indicator", id, sizeof(id)));
		if (strcmp(id, "rd_intensity") == 0) {
			CHECK_OK(proto_view_str(v, (int)i, "state", state, cap));
			CHECK_OK(proto_view_str(v, (int)i, "period", period, pcap));
		}
	}
	proto_view_free(v);
}

static void test_chain(struct pw_client *c)
{
	char st[40], per[16], s[120];
	double x;
	bool derived;
	int n;
	uint64_t mark = last_seq(c);

	/* R&D 经费投入 alone completes nothing */
	push(c, "quangang-14", "科技局", "rd_spending", "2024", 14, "亿元", "flash");
	check_newest(c, "quangang-14", "rd_intensity", "2024", 0, 0);
	/* a quarter of GDP is not the year's: no ratio of different periods */
	push(c, "quangang-14", "统计局", "gdp", "2024Q3", 700, "亿元", "final");
	check_newest(c, "quangang-14", "rd_intensity", "2024", 0, 0);
	/* 1–4季度 is the year: 14 / 950 = 1.47368421052632 %, flash (the weaker of the two) */
	push(c, "quangang-14", "统计局", "gdp", "2024Q4", 950, "亿元", "final");
	check_newest(c, "quangang-14", "rd_intensity", "2024", 1, 1.47368421052632);
	struct proto_view *v = history(c, "quangang-14", "rd_intensity", "2024", &n);
	CHECK_OK(proto_view_str(v, 0, "status", st, sizeof(st)));
	CHECK(strcmp(st, "flash") == 0);
	CHECK_OK(proto_view_bool(v, 0, "derived", &derived));
	CHECK(derived);
	CHECK_OK(proto_view_str(v, 0, "dept", s, sizeof(s)));
	CHECK(strcmp(s, "planwatch") == 0);
	CHECK_OK(proto_view_str(v, 0, "reason", s, sizeof(s)));
	CHECK(strstr(s, "share(rd_spending, gdp) of rd_spending 2024 rev 1 = 14, gdp 2024Q4 rev 1"));
	/* the provenance: the component vintages, as JSON of the item */
	char *json = NULL;
	CHECK_OK(proto_view_json(v, 0, &json));
	CHECK(strstr(json, "\"sources\":[{\"indicator\":\"rd_spending\",\"period\":\"2024\","
			   "\"rev\":1,\"value\":14,\"status\":\"flash\"},{\"indicator\":\"gdp\","
			   "\"period\":\"2024Q4\",\"rev\":1,\"value\":950,\"status\":\"final\"}]"));
	free(json);
	proto_view_free(v);
	/* announced like a reported figure, judged by the 14th plan (1.22 -> 1.5: 1.444 in
	 * 2024): on track, no alert */
	struct proto_view *b = NULL;
	CHECK(harness_notices(c, mark, "change.quangang.rd_intensity", &b) == 1);
	CHECK_OK(proto_view_double(b, -1, "value", &x));
	CHECK(x == 1.47368421052632);
	/* v2 body: derived, sent as computed (in the catalog's unit), judged by the 14th plan */
	CHECK_OK(proto_view_bool(b, -1, "derived", &derived));
	CHECK(derived);
	CHECK_OK(proto_view_double(b, -1, "sent_value", &x));
	CHECK(x == 1.47368421052632);
	harness_check_str(b, -1, "sent_unit", "%");
	harness_check_str(b, -1, "dept", "planwatch");
	CHECK_OK(proto_view_str_at(b, -1, "judged_by", 0, s, sizeof(s)));
	CHECK(strcmp(s, "quangang-14") == 0);
	proto_view_free(b);
	verdict(c, st, sizeof(st), per, sizeof(per));
	CHECK(strcmp(st, "on_track") == 0 && strcmp(per, "2024") == 0);
	printf("ok rd_intensity 2024 derived when GDP's fourth quarter completes it: 1.4737 %%, "
	       "flash, sources listed, on track\n");

	/* GDP revised (经普): the ratio's new vintage, its notice, its verdict */
	mark = last_seq(c);
	push(c, "quangang-14", "统计局", "gdp", "2024Q4", 1000, "亿元", "revised");
	check_newest(c, "quangang-14", "rd_intensity", "2024", 2, 1.4);
	v = history(c, "quangang-14", "rd_intensity", "2024", &n);
	CHECK_OK(proto_view_str(v, 1, "reason", s, sizeof(s)));
	CHECK(strstr(s, "gdp 2024Q4 rev 2 = 1000"));
	proto_view_free(v);
	CHECK(harness_notices(c, mark, "change.quangang.rd_intensity", &b) == 1);
	CHECK_OK(proto_view_double(b, -1, "old_value", &x));
	CHECK(x == 1.47368421052632);
	proto_view_free(b);
	/* 0.044 short of 1.444, beyond the margin (1 % of it) in a full year: off track */
	CHECK(harness_notices(c, mark, "breach.quangang.quangang-14.rd_intensity", NULL) == 1);
	verdict(c, st, sizeof(st), per, sizeof(per));
	CHECK(strcmp(st, "off_track") == 0 && strcmp(per, "2024") == 0);
	/* both final now: the ratio final too */
	push(c, "quangang-14", "科技局", "rd_spending", "2024", 14, "亿元", "final");
	v = history(c, "quangang-14", "rd_intensity", "2024", &n);
	CHECK(n == 3);
	CHECK_OK(proto_view_str(v, 2, "status", st, sizeof(st)));
	CHECK(strcmp(st, "revised") == 0); /* final and a revision: revised */
	proto_view_free(v);
	printf("ok GDP revised 950 -> 1000: rd_intensity rev 2 = 1.4, its change notice, "
	       "breach; status follows the components\n");
}

static void test_reported(struct pw_client *c)
{
	struct proto_view *b = NULL;
	char s[400];
	double x;
	uint64_t mark = last_seq(c);

	/* seed 003:45, :65: GDP 183.77, 第三产业增加值 38.22 亿, 比重 20.8 % — and 38.22 / 183.77 =
	 * 20.798 %: within the rounding of 20.8, no warning, the department's figure stands */
	push(c, "qetdz-13", "统计局", "gdp", "2020", 183.77, "亿元", "final");
	push(c, "qetdz-13", "统计局", "tertiary_share", "2020", 20.8, "%", "final");
	push(c, "qetdz-13", "统计局", "tertiary_va", "2020", 38.22, "亿元", "final");
	CHECK(harness_notices(c, mark, "warning.", NULL) == 0);
	check_newest(c, "qetdz-13", "tertiary_share", "2020", 1, 20.8);
	printf("ok the seed's 20.8 %% agrees with 38.22 / 183.77 within its rounding\n");

	/* 文化产业增加值 4.27 亿 (003:73) gives 2.3236 %: a reported 2.5 is beyond 2.5 ± 0.05 */
	push(c, "qetdz-13", "统计局", "culture_va", "2020", 4.27, "亿元", "final");
	check_newest(c, "qetdz-13", "culture_va_share", "2020", 1, 2.32355661968765);
	mark = last_seq(c);
	push(c, "qetdz-13", "统计局", "culture_va_share", "2020", 2.5, "%", "final");
	CHECK(harness_notices(c, mark, "warning.qetdz.culture_va_share", &b) == 1);
	CHECK_OK(proto_view_str(b, -1, "error", s, sizeof(s)));
	CHECK(strcmp(s, "derived_mismatch") == 0);
	CHECK_OK(proto_view_str(b, -1, "message", s, sizeof(s)));
	CHECK(strstr(s, "the reported 2.5 % disagrees beyond its rounding (0.05) with 2.32355661968765 %"));
	CHECK_OK(proto_view_double(b, -1, "computed", &x));
	CHECK(x == 2.32355661968765);
	/* v2 body: the series by region, as a change notice names it; no v1 owner key */
	harness_check_by_region(b, "350500-qetdz", "qetdz");
	proto_view_free(b);
	/* the department's figure is stored: the newer stands */
	check_newest(c, "qetdz-13", "culture_va_share", "2020", 2, 2.5);
	/* a revision of a component it no longer fits replaces it, with a warning */
	mark = last_seq(c);
	push(c, "qetdz-13", "统计局", "culture_va", "2020", 5, "亿元", "revised");
	CHECK(harness_notices(c, mark, "warning.qetdz.culture_va_share", &b) == 1);
	CHECK_OK(proto_view_str(b, -1, "message", s, sizeof(s)));
	CHECK(strstr(s, "no longer fits its components: replaced by 2.72079229471622 %"));
	proto_view_free(b);
	check_newest(c, "qetdz-13", "culture_va_share", "2020", 3, 2.72079229471622);
	printf("ok a reported 2.5 %% against 2.3236 %% from its components: derived_mismatch; "
	       "replaced after the component's revision\n");
}

int main(void)
{
	static void (*const tests[])(struct pw_client *) = { test_chain, test_reported };
	setvbuf(stdout, NULL, _IOLBF, 0);
	harness_run(CATALOGS, tests, sizeof(tests) / sizeof(tests[0]));
	printf("test_derived: ok\n");
	return 0;
}
