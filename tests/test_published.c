/* tests/test_published.c — figures pushed as departments publish them, through the real
 * daemon with the real catalogs: 32570 元 into a 万元 indicator stored as 3.257, 7.38 亿元
 * into an 亿美元 indicator refused with the accepted units listed, PM2.5 in μg/m³ into a
 * mg/m³ catalog, NACK texts that name the bounds, the unknown unit, and confirm. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../model/catalog.h"
#include "../proto/proto.h"
#include "check.h"
#include "harness.h"

/* Does owner name a region (an alias has no '-') rather than, v1, a plan? */
static bool is_region(const char *owner)
{
	return !strchr(owner, '-');
}

/* Pushes figure o as dept (flags: PW_DETAIL) into *a; checks the reply code and, on a NACK,
 * that the message has `needle`. */
static void push_obs(struct pw_client *c, const struct pw_obs *o, const char *dept,
		     unsigned flags, int want, const char *needle, struct pw_ack *a)
{
	static unsigned n;
	char id[40];
	snprintf(id, sizeof(id), "pub-%u-%d", n++, (int)getpid());
	CHECK_OK(pw_push(c, dept, id, o, 1, flags, a));
	if (a->code != want || (needle && !strstr(a->message, needle)))
		fprintf(stderr, "push %s/%s %s = %.17g %s: %s '%s', wanted %s '%s'\n",
			o->plan ? o->plan : o->region, o->indicator, o->period, o->value, o->unit,
			pw_errname(a->code), a->message, pw_errname(want), needle ? needle : "");
	CHECK_RC(a->code, want);
	CHECK(!needle || strstr(a->message, needle));
}

/* Pushes one final figure of owner (a region or a plan). */
static void push(struct pw_client *c, const char *owner, const char *ind, const char *period,
		 double value, const char *unit, const char *dept, bool confirm, int want,
		 const char *needle)
{
	struct pw_ack a;
	struct pw_obs o = { .indicator = ind, .period = period, .value = value, .unit = unit,
			    .status = "final", .yoy = NAN, .confirm = confirm };
	*(is_region(owner) ? &o.region : &o.plan) = owner;
	push_obs(c, &o, dept, 0, want, needle, &a);
}

/* The stored value of one period, exactly as the daemon sends it. */
static double stored(struct pw_client *c, const char *owner, const char *ind, const char *per)
{
	struct proto_req r = { .type = PROTO_QUERY, .ind = ind, .has_from = true, .has_to = true };
	*(is_region(owner) ? &r.region : &r.plan) = owner;
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
static struct proto_view *newest(struct pw_client *c, const char *owner, const char *ind,
				 const char *per, int *item)
{
	struct proto_req r = { .type = PROTO_HISTORY, .ind = ind, .has_period = true };
	*(is_region(owner) ? &r.region : &r.plan) = owner;
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

/* The catalog items of a request by plan or region: how many name series ind, and (one
 * only) its plan, kind, unit and first department (each of 80 bytes). */
static int catalog_items(struct pw_client *c, const char *owner, const char *ind, char *plan,
			 char *kind, char *unit, char *dept)
{
	struct proto_req r = { .type = PROTO_CATALOG };
	*(is_region(owner) ? &r.region : &r.plan) = owner;
	struct proto_view *v = harness_request(c, &r);
	int n = 0;
	for (size_t i = 0; i < proto_view_count(v); i++) {
		char id[80] = "";
		proto_view_str(v, (int)i, "indicator", id, sizeof(id));
		if (strcmp(id, ind) != 0)
			continue;
		n++;
		strcpy(plan, "(nil)"), strcpy(kind, "(nil)"), unit[0] = dept[0] = '\0';
		proto_view_str(v, (int)i, "plan", plan, 80);
		proto_view_str(v, (int)i, "unit", unit, 80);
		proto_view_str(v, (int)i, "kind", kind, 80);
		proto_view_str_at(v, (int)i, "departments", 0, dept, 80);
	}
	proto_view_free(v);
	return n;
}

/* The notices after seq `after` whose topic ends in ".<ind>": a change, a verdict
 * (breach.<alias>.<plan>.<ind>), an overdue, a warning. */
static int notices_of(struct pw_client *c, uint64_t after, const char *ind)
{
	struct proto_req r = { .type = PROTO_SINCE, .seq = after };
	struct proto_view *v = harness_request(c, &r);
	int n = 0;
	for (size_t i = 0; i < proto_view_count(v); i++) {
		char topic[200] = "";
		proto_view_str(v, (int)i, "topic", topic, sizeof(topic));
		size_t lt = strlen(topic), li = strlen(ind);
		n += lt > li && topic[lt - li - 1] == '.' && strcmp(topic + lt - li, ind) == 0;
	}
	proto_view_free(v);
	return n;
}

/* seed 002:29 — 泉港 实际利用外资 2021 is printed as 7.38 亿元 (预计数), in RMB, while the plans'
 * fdi_cumulative is in 亿美元: the figure is the region's series fdi_rmb, which no plan
 * targets. Its own definition checks it (department, unit, bounds, frequency); it is stored
 * with every revision, announced with judged_by [], judged by none, and shown by query,
 * history and catalog. */
static void test_untargeted(struct pw_client *c)
{
	struct pw_ack a;
	struct pw_obs o = { .region = "quangang", .indicator = "fdi_rmb", .period = "2021",
			    .value = 7.38, .unit = "亿元", .status = "estimate", .yoy = 40.3 };
	uint64_t before = (uint64_t)harness_status(c, "last_seq");

	push_obs(c, &o, "商务局", PW_DETAIL, 0, NULL, &a);
	CHECK(a.n_items == 1 && a.items[0].n_judged == 0 && a.items[0].untargeted);
	CHECK(strcmp(a.items[0].region, "350505") == 0);
	CHECK(stored(c, "quangang", "fdi_rmb", "2021") == 7.38);
	check_sent(c, "quangang", "fdi_rmb", "2021", 7.38, "亿元");
	/* announced, judged by none: the change is the only notice of the series */
	struct proto_view *body;
	char *json;
	CHECK(harness_notices(c, before, "change.quangang.fdi_rmb", &body) == 1);
	harness_check_by_region(body, "350505", "quangang");
	harness_check_str(body, -1, "unit", "亿元");
	harness_check_str(body, -1, "status", "estimate");
	CHECK_OK(proto_view_json(body, -1, &json));
	if (!strstr(json, "\"judged_by\":[]") || !strstr(json, "\"value\":7.38"))
		fprintf(stderr, "change notice of fdi_rmb: %s\n", json);
	CHECK(strstr(json, "\"judged_by\":[]") && strstr(json, "\"value\":7.38"));
	free(json);
	proto_view_free(body);
	/* a plan's target on another series is still judged: the ACK says which plan */
	struct pw_obs g = { .region = "quangang", .indicator = "fdi_cumulative", .period = "2022",
			    .value = 7.2, .unit = "亿美元", .status = "final", .yoy = NAN };
	push_obs(c, &g, "商务局", PW_DETAIL, 0, NULL, &a);
	CHECK(a.n_items == 1 && !a.items[0].untargeted &&
	      strcmp(a.items[0].judged_by, "quangang-14") == 0);
	printf("ok 7.38 亿元 (002:29) pushed as printed to fdi_rmb: stored, announced with "
	       "judged_by [], no verdict\n");

	/* every revision is kept: the final figure replaces the estimate as a second vintage */
	o.value = 7.4, o.status = "final";
	push_obs(c, &o, "商务局", 0, 0, NULL, &a);
	int k;
	struct proto_view *v = newest(c, "quangang", "fdi_rmb", "2021", &k);
	CHECK(k == 1);
	double x;
	CHECK_OK(proto_view_double(v, 0, "value", &x));
	CHECK(x == 7.38);
	CHECK_OK(proto_view_double(v, 1, "value", &x));
	CHECK(x == 7.4);
	harness_check_str(v, 0, "status", "estimate");
	harness_check_str(v, 1, "status", "final");
	proto_view_free(v);
	CHECK(stored(c, "quangang", "fdi_rmb", "2021") == 7.4);
	/* another unit of its dimension is converted exactly, as for any series */
	push(c, "quangang", "fdi_rmb", "2022", 81000, "万元", "商务局", false, 0, NULL);
	CHECK(stored(c, "quangang", "fdi_rmb", "2022") == 8.1);
	printf("ok fdi_rmb revised (2 vintages), 万元 converted\n");

	/* its own definition refuses what it would refuse with a target */
	push(c, "quangang", "fdi_rmb", "2023", 7.5, "亿元", "统计局", false, PW_EDEPT, NULL);
	push(c, "quangang", "fdi_rmb", "2023", 7.5, "亿美元", "商务局", false, PW_EUNIT,
	     "unit '亿美元' is money (USD), 实际利用外资（人民币口径） is in 亿元 (money (CNY)): "
	     "send one of 元, 千元, 万元, 亿元, 万亿元");
	push(c, "quangang", "fdi_rmb", "2023", 750, "亿元", "商务局", false, PW_EBOUNDS,
	     "value 750 亿元 is outside the bounds 0..300 亿元 of 实际利用外资（人民币口径）");
	push(c, "quangang", "fdi_rmb", "2023-06", 3.5, "亿元", "商务局", false, PW_EPERIOD, NULL);
	push(c, "quangang", "fdi_rmb", "1999", 1, "亿元", "商务局", false, PW_EPERIOD, NULL);
	/* a v1 item names a plan's target, and no plan has one on it */
	push(c, "quangang-14", "fdi_rmb", "2023", 7.5, "亿元", "商务局", false, PW_EINDICATOR, NULL);
	/* 7.38 亿元 into the 亿美元 series stays refused, by region as by plan */
	push(c, "quangang", "fdi_cumulative", "2021", 7.38, "亿元", "商务局", false, PW_EUNIT,
	     "unit '亿元' is money (CNY), 利用外资 is in 亿美元 (money (USD)): send one of 美元, 万美元, "
	     "亿美元");
	printf("ok fdi_rmb checked by its definition (department, unit, bounds, frequency, reach)\n");
	/* three vintages stored (2021 twice, 2022), three changes, and no other notice of it:
	 * no verdict, no alert */
	CHECK(harness_notices(c, before, "change.quangang.fdi_rmb", NULL) == 3);
	CHECK(notices_of(c, before, "fdi_rmb") == 3);

	/* catalog: listed by region without a plan, never among a plan's targets */
	char plan[80], kind[80], unit[80], dept[80];
	CHECK(catalog_items(c, "quangang", "fdi_rmb", plan, kind, unit, dept) == 1);
	CHECK(strcmp(plan, "(nil)") == 0 && strcmp(kind, "(nil)") == 0 && strcmp(dept, "商务局") == 0 &&
	      strcmp(unit, "亿元") == 0);
	CHECK(catalog_items(c, "quangang-14", "fdi_rmb", plan, kind, unit, dept) == 0);
	CHECK(catalog_items(c, "quangang-14", "fdi_cumulative", plan, kind, unit, dept) == 1);
	CHECK(strcmp(plan, "quangang-14") == 0 && strcmp(kind, "cumulative") == 0 &&
	      strcmp(unit, "亿美元") == 0);
	CHECK(catalog_items(c, "quangang", "fdi_cumulative", plan, kind, unit, dept) == 1);
	printf("ok catalog lists fdi_rmb by region (plan nil), not by plan\n");
}

/* A region loaded without any plan (the fixture region alone): every series is its own
 * record, reportable, with no reach edge before the first plan (there is none). */
static void test_region_without_plans(void)
{
	struct harness h;
	char plan[80], kind[80], unit[80], dept[80];
	CHECK_OK(harness_init(&h, "tests/fixtures/test-region.yaml", NULL));
	CHECK_OK(harness_start(&h));
	struct pw_client *c = harness_client(&h);
	struct pw_ack a;
	struct pw_obs o = { .region = "test", .indicator = "urbanization", .period = "1990",
			    .value = 41.5, .unit = "%", .status = "final", .yoy = NAN };
	push_obs(c, &o, "统计局", PW_DETAIL, 0, NULL, &a);
	CHECK(a.n_items == 1 && a.items[0].untargeted && a.items[0].n_judged == 0);
	CHECK(stored(c, "test", "urbanization", "1990") == 41.5);
	push(c, "test", "urbanization", "1991", 141.5, "%", "统计局", false, PW_EBOUNDS, NULL);
	push(c, "test", "urbanization", "1991", 41.5, "%", "财政局", false, PW_EDEPT, NULL);
	CHECK(catalog_items(c, "test", "urbanization", plan, kind, unit, dept) == 1);
	CHECK(strcmp(plan, "(nil)") == 0 && strcmp(dept, "统计局") == 0);
	pw_client_free(c);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	harness_cleanup(&h);
	printf("ok a region without plans: its series reported by their own records\n");
}

/* Does the file at path hold exactly text[0..n)? */
static bool same_bytes(const char *path, const void *text, size_t n)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(n + 1);
	bool same = f && buf && fread(buf, 1, n + 1, f) == n && memcmp(buf, text, n) == 0;
	if (f)
		fclose(f);
	free(buf);
	return same;
}

/* `catalog` with `sources` (PROTOCOL.md §3): the text of the region's file and its plans'
 * files, byte for byte as on disk, whether the region or one of its plans is asked for;
 * parsed (catalog_load_mem) they give the region and its plan; without `sources`, none. */
static void test_sources(struct pw_client *c)
{
	static const struct {
		const char *owner, *files[2];
	} cases[] = {
		{ "quangang", { "catalog/regions/quangang.yaml", "catalog/plans/quangang-14.yaml" } },
		{ "licheng-14", { "catalog/regions/licheng.yaml", "catalog/plans/licheng-14.yaml" } },
	};
	for (size_t k = 0; k < 2; k++) {
		struct proto_req r = { .type = PROTO_CATALOG, .sources = true };
		*(is_region(cases[k].owner) ? &r.region : &r.plan) = cases[k].owner;
		struct proto_view *v = harness_request(c, &r), *sv;
		struct cat_file files[2];
		char names[2][512], err[CAT_ERR_MAX];
		struct catalog *cat;
		CHECK(proto_view_count(v) > 0); /* the items as without sources */
		CHECK_OK(proto_view_sub(v, -1, "sources", &sv));
		CHECK(proto_view_count(sv) == 2);
		for (size_t i = 0; i < 2; i++) {
			const void *text;
			CHECK_OK(proto_view_str(sv, (int)i, "name", names[i], sizeof(names[i])));
			CHECK_OK(proto_view_bin(sv, (int)i, "text", &text, &files[i].len));
			size_t ln = strlen(names[i]), lf = strlen(cases[k].files[i]);
			CHECK(ln >= lf && strcmp(names[i] + ln - lf, cases[k].files[i]) == 0);
			CHECK(same_bytes(cases[k].files[i], text, files[i].len));
			CHECK(!same_bytes(cases[k].files[1 - i], text, files[i].len));
			files[i].name = names[i];
			files[i].text = text;
		}
		if (catalog_load_mem(&cat, files, 2, err) < 0) {
			fprintf(stderr, "%s\n", err);
			CHECK(0);
		}
		CHECK(catalog_n_regions(cat) == 1 && catalog_n_plans(cat) == 1);
		CHECK(strcmp(catalog_plan_at(cat, 0)->file, names[1]) == 0);
		catalog_free(cat);
		proto_view_free(sv);
		proto_view_free(v);
		r.sources = false;
		v = harness_request(c, &r);
		CHECK_RC(proto_view_sub(v, -1, "sources", &sv), PW_ENOTFOUND);
		proto_view_free(v);
	}
	printf("ok catalog sources: the region's files byte for byte, by region or plan\n");
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
	test_untargeted(c);
	test_sources(c);

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
	test_region_without_plans();
	return 0;
}
