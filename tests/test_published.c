/* tests/test_published.c — figures pushed as departments publish them, through the real
 * daemon with the real catalogs: 32570 元 into a 万元 indicator stored as 3.257, 7.38 亿元
 * into an 亿美元 indicator refused with the accepted units listed, PM2.5 in μg/m³ into a
 * mg/m³ catalog, NACK texts that name the bounds, the unknown unit, and confirm. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../proto/proto.h"
#include "check.h"
#include "harness.h"

/* Pushes one figure; checks the reply code and, on a NACK, that the message has `needle`. */
static void push(struct pw_client *c, const char *plan, const char *ind, const char *period,
		 double value, const char *unit, const char *dept, bool confirm, int want,
		 const char *needle)
{
	static unsigned n;
	char id[40];
	struct pw_ack a;
	struct pw_obs o = { .plan = plan, .indicator = ind, .period = period, .value = value,
			    .unit = unit, .status = "final", .yoy = NAN, .confirm = confirm };
	snprintf(id, sizeof(id), "pub-%u-%d", n++, (int)getpid());
	CHECK_OK(pw_push(c, dept, id, &o, 1, 0, &a));
	if (a.code != want || (needle && !strstr(a.message, needle)))
		fprintf(stderr, "push %s/%s %s = %.17g %s: %s '%s', wanted %s '%s'\n", plan, ind,
			period, value, unit, pw_errname(a.code), a.message, pw_errname(want),
			needle ? needle : "");
	CHECK_RC(a.code, want);
	CHECK(!needle || strstr(a.message, needle));
}

/* The stored value of one period, exactly as the daemon sends it. */
static double stored(struct pw_client *c, const char *plan, const char *ind, const char *per)
{
	struct proto_req r = { .type = PROTO_QUERY, .plan = plan, .ind = ind, .has_from = true,
			       .has_to = true };
	CHECK_OK(period_parse(&r.from, per, strlen(per)));
	r.to = r.from;
	struct proto_view *v = harness_request(c, &r);
	double x = NAN;
	char unit[40] = "";
	CHECK(proto_view_count(v) == 1);
	CHECK_OK(proto_view_double(v, 0, "value", &x));
	proto_view_str(v, -1, "unit", unit, sizeof(unit));
	proto_view_free(v);
	return x;
}

/* The newest vintage of one period (history), for its as-sent fields; the caller frees it.
 * *item is that vintage's index in the view. */
static struct proto_view *newest(struct pw_client *c, const char *plan, const char *ind,
				 const char *per, int *item)
{
	struct proto_req r = { .type = PROTO_HISTORY, .plan = plan, .ind = ind,
			       .has_period = true };
	CHECK_OK(period_parse(&r.period, per, strlen(per)));
	struct proto_view *v = harness_request(c, &r);
	CHECK(proto_view_count(v) >= 1);
	*item = (int)proto_view_count(v) - 1;
	return v;
}

/* The newest vintage of a period keeps the figure as sent: sent_value, sent_unit. */
static void check_sent(struct pw_client *c, const char *plan, const char *ind, const char *per,
		       double value, const char *unit)
{
	char su[40] = "";
	double sv = NAN;
	int i;
	struct proto_view *v = newest(c, plan, ind, per, &i);
	CHECK_OK(proto_view_double(v, i, "sent_value", &sv));
	CHECK_OK(proto_view_str(v, i, "sent_unit", su, sizeof(su)));
	if (sv != value || strcmp(su, unit) != 0)
		fprintf(stderr, "%s/%s %s kept as sent %.17g %s, wanted %.17g %s\n", plan, ind, per,
			sv, su, value, unit);
	CHECK(sv == value && strcmp(su, unit) == 0);
	proto_view_free(v);
}

int main(void)
{
	struct harness h;

	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK_OK(harness_init(&h, "catalog/regions/quangang.yaml catalog/regions/licheng.yaml "
				  "catalog/regions/qetdz.yaml catalog/plans/quangang-14.yaml "
				  "catalog/plans/licheng-14.yaml catalog/plans/qetdz-14.yaml",
			      NULL));
	CHECK_OK(harness_start(&h));
	struct pw_client *c = harness_client(&h);

	/* seed 002:29 — 泉港 居民人均可支配收入 2021 is printed as 32570 元; the catalog is in
	 * 万元 (bounds 0..20). Stored as the double nearest 3.257. */
	push(c, "quangang-14", "disposable_income", "2021", 32570, "元", "统计局", false, 0, NULL);
	CHECK(stored(c, "quangang-14", "disposable_income", "2021") == 3.257);
	check_sent(c, "quangang-14", "disposable_income", "2021", 32570, "元");
	printf("ok 32570 元 stored as 3.257 万元, kept as sent\n");
	/* without the unit it is far outside the bounds, and the NACK says which */
	push(c, "quangang-14", "disposable_income", "2022", 32570, "万元", "统计局", false,
	     PW_EBOUNDS, "value 32570 万元 is outside the bounds 0..20 万元 of 居民人均可支配收入");
	push(c, "quangang-14", "disposable_income", "2022", 3257000000, "元", "统计局", false,
	     PW_EBOUNDS, "(sent as 3257000000 元)");
	printf("ok out of bounds names the bounds\n");

	/* 实际利用外资 7.38 亿元 against a catalog in 亿美元: no rate, no conversion */
	push(c, "quangang-14", "fdi_cumulative", "2021", 7.38, "亿元", "商务局", false, PW_EUNIT,
	     "send one of 美元, 万美元, 亿美元");
	push(c, "quangang-14", "fdi_cumulative", "2021", 7.38, "亿元", "商务局", false, PW_EUNIT,
	     "unit of another dimension than the indicator's (no conversion exists): unit '亿元' is "
	     "money (CNY), 利用外资 is in 亿美元 (money (USD)): send one of 美元, 万美元, 亿美元");
	push(c, "quangang-14", "fdi_cumulative", "2021", 73800, "万美元", "商务局", false, 0, NULL);
	CHECK(stored(c, "quangang-14", "fdi_cumulative", "2021") == 7.38);
	printf("ok 亿元 into 亿美元 refused with the accepted units; 万美元 converted\n");

	/* 鲤城 PM2.5 is catalogued in mg/m³ (bounds 0..1); stations report 21 μg/m³ */
	push(c, "licheng-14", "pm25", "2021-06", 21, "μg/m³", "生态环境局", false, 0, NULL);
	CHECK(stored(c, "licheng-14", "pm25", "2021-06") == 0.021);
	push(c, "licheng-14", "pm25", "2021-07", 23, "ug/m3", "生态环境局", false, 0, NULL);
	CHECK(stored(c, "licheng-14", "pm25", "2021-07") == 0.023);
	check_sent(c, "licheng-14", "pm25", "2021-07", 23, "ug/m3"); /* the spelling as sent */
	push(c, "licheng-14", "pm25", "2021-08", 0.019, "毫克/立方米", "生态环境局", false, 0, NULL);
	CHECK(stored(c, "licheng-14", "pm25", "2021-08") == 0.019);
	/* 泉港's PM2.5 is in μg/m³: a mg/m³ figure is multiplied out exactly */
	push(c, "quangang-14", "pm25", "2021-06", 0.017, "mg/m³", "生态环境局", false, 0, NULL);
	CHECK(stored(c, "quangang-14", "pm25", "2021-06") == 17);
	/* a unit of the table but of another dimension, and a unit not in the table */
	push(c, "licheng-14", "pm25", "2021-09", 21, "%", "生态环境局", false, PW_EUNIT,
	     "send one of μg/m³, mg/m³");
	push(c, "licheng-14", "pm25", "2021-09", 21, "ppm", "生态环境局", false, PW_ENOUNIT,
	     "unit 'ppm' is not one planwatch knows");
	printf("ok PM2.5 μg/m³ <-> mg/m³ both ways, other spellings, refusals\n");

	/* 经开区 人均GDP is catalogued in 亿元 (0.0044 as printed): 4.4 万元 is the same */
	push(c, "qetdz-14", "gdp_per_capita", "2021", 4.4, "万元", "统计局", false, 0, NULL);
	CHECK(stored(c, "qetdz-14", "gdp_per_capita", "2021") == 0.00044);
	printf("ok 4.4 万元 into 亿元 stored as 0.00044\n");

	/* confirm is a field of the protocol: decoded and accepted */
	push(c, "quangang-14", "disposable_income", "2022", 3.5, "万元", "统计局", true, 0, NULL);
	CHECK(stored(c, "quangang-14", "disposable_income", "2022") == 3.5);
	check_sent(c, "quangang-14", "disposable_income", "2022", 3.5, "万元");
	int k;
	bool confirm = false;
	struct proto_view *v = newest(c, "quangang-14", "disposable_income", "2022", &k);
	CHECK_OK(proto_view_bool(v, k, "confirm", &confirm));
	CHECK(confirm);
	proto_view_free(v);
	v = newest(c, "quangang-14", "disposable_income", "2021", &k);
	CHECK_OK(proto_view_bool(v, k, "confirm", &confirm));
	CHECK(!confirm);
	proto_view_free(v);
	printf("ok confirm accepted and recorded in the vintage\n");

	pw_client_free(c);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	harness_cleanup(&h);
	return 0;
}
