/* tests/test_rules.c — target tracking on a real store: each target kind on both sides of
 * its threshold, persistence, hysteresis, annual overrides, city targets, the verdict of
 * each judged period, overdue per (department, period) with its due entries, and the alert
 * state record (version 3, versions 2 and 1 still read). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../model/catalog.h"
#include "../daemon/alert.h"
#include "../daemon/notice.h"
#include "../daemon/overdue.h"
#include "../daemon/rules.h"
#include "../daemon/verdict.h"
#include "../proto/status.h"
#include "../store/store.h"
#include "check.h"

static struct store *st;
static struct catalog *cat;
static struct notice_list out;
static struct overdue_arrivals *arrivals;
static const struct rules_cfg cfg = { .margin_pct = 1.0, .hysteresis_pct = 0.5, .persistence = 2 };

struct put_arg {
	const struct cat_indicator *x;
	struct store_obs o;
	bool has_target;
	double target;
	bool backfill; /* stored as history: daemon/apply does not evaluate it */
	bool arrive;   /* also what daemon/apply does for a stored figure: its due entry */
};

static int put_txn(struct store_txn *t, void *arg)
{
	struct put_arg *a = arg;
	struct store_obs prev;
	notice_list_clear(&out);
	if (a->has_target) {
		uint32_t rev;
		int rc = rules_target_put(t, a->x->plan->id, a->x->id, 0, a->target, 0, &rev);
		if (rc < 0)
			return rc;
	} else {
		a->o.rev = store_obs_get(t, a->o.plan, a->o.ind, &a->o.period, &prev) == 0 ? prev.rev + 1 : 1;
		int rc = store_obs_put(t, &a->o);
		if (rc == 0 && a->arrive &&
		    (rc = overdue_arrived(t, a->x->series, &a->o.period, out.now_ms, arrivals)) == 0)
			rc = overdue_resolve(t, cat, arrivals, &out);
		if (rc < 0 || a->backfill)
			return rc;
	}
	return rules_evaluate(&cfg, t, a->x, &out);
}

/* Stores one observation, evaluates, and returns the topic kind of the single notice
 * emitted ("breach", "at_risk", "resolved") or "" when none. */
/* Stores one flash figure of plan's series as daemon/apply does (arrive: also ending its due
 * entry) and evaluates it unless it is backfill. */
static void put_figure(const char *plan, const char *ind, const char *period, double value,
		       double yoy, bool backfill, bool arrive)
{
	struct put_arg a = { .x = catalog_find(cat, plan, ind), .backfill = backfill,
			     .arrive = arrive };
	CHECK(a.x);
	snprintf(a.o.plan, sizeof(a.o.plan), "%s", cat_owner(a.x)); /* the series' region */
	a.o.flags = backfill ? STORE_OBS_BACKFILL : 0;
	snprintf(a.o.ind, sizeof(a.o.ind), "%s", ind);
	CHECK_OK(period_parse(&a.o.period, period, strlen(period)));
	a.o.value = value;
	a.o.yoy = yoy;
	a.o.status = PW_ST_FLASH;
	CHECK_OK(store_write(st, put_txn, &a));
}

static const char *feed_in(const char *plan, const char *ind, const char *period, double value,
			   double yoy, bool backfill)
{
	static char kind[STORE_TOPIC_MAX + 1];
	put_figure(plan, ind, period, value, yoy, backfill, false);
	CHECK(out.n <= 1);
	kind[0] = '\0';
	if (out.n == 1) {
		snprintf(kind, sizeof(kind), "%s", out.items[0].topic);
		*strchr(kind, '.') = '\0';
	}
	return kind;
}

static const char *feed(const char *ind, const char *period, double value, double yoy)
{
	return feed_in("test-plan", ind, period, value, yoy, false);
}

/* The same, for the rules fixture (tests/fixtures/rules-plan.yaml, region rules). */
static const char *rfeed(const char *ind, const char *period, double value, double yoy)
{
	return feed_in("rules-plan", ind, period, value, yoy, false);
}

static double notice_num(const char *key)
{
	struct proto_view *v;
	double d = NAN;
	CHECK(out.n == 1);
	CHECK_OK(proto_view_new(&v, out.bodies.data + out.items[0].off, out.items[0].len));
	proto_view_double(v, -1, key, &d);
	proto_view_free(v);
	return d;
}

static void notice_str(const char *key, char *buf, size_t cap)
{
	struct proto_view *v;
	CHECK(out.n == 1);
	CHECK_OK(proto_view_new(&v, out.bodies.data + out.items[0].off, out.items[0].len));
	CHECK_OK(proto_view_str(v, -1, key, buf, cap));
	proto_view_free(v);
}

#define EXPECT(call, want)                                                                \
	do {                                                                              \
		const char *got_ = (call);                                                \
		if (strcmp(got_, want) != 0)                                              \
			fprintf(stderr, "%s:%d: %s gave '%s', wanted '%s'\n", __FILE__,   \
				__LINE__, #call, got_, want);                             \
		CHECK(strcmp(got_, want) == 0);                                           \
	} while (0)

static void test_growth_yoy(void)
{
	/* gdp: quarterly YTD, plan growth 6%/yr, margin 1 pp, hysteresis 0.5 pp, persistence 2:
	 * short by up to 1 pp is at risk; further short, off track after two quarters. */
	EXPECT(feed("gdp", "2023Q1", 300, 8.0), "");         /* +2 pp: on track, silent */
	EXPECT(feed("gdp", "2023Q2", 400, 4.0), "at_risk");  /* -2 pp, first off quarter */
	CHECK(notice_num("required") == 6 && notice_num("gap") == -2);
	char s[200];
	notice_str("basis", s, sizeof(s));
	CHECK(strcmp(s, "rate") == 0);
	EXPECT(feed("gdp", "2023Q3", 500, 4.5), "breach");   /* second consecutive: breach */
	notice_str("rule_en", s, sizeof(s));
	CHECK(strstr(s, "YoY growth 4.50% against plan average growth of 6%") != NULL);
	notice_str("rule_zh", s, sizeof(s));
	CHECK(strstr(s, "同比增长4.50%") != NULL);
	EXPECT(feed("gdp", "2023Q4", 600, 4.8), "");         /* -1.2: outside the margin */
	EXPECT(feed("gdp", "2023Q4", 600, 5.4), "");         /* -0.6 < -1 + 0.5: no flap */
	EXPECT(feed("gdp", "2024Q1", 200, 5.5), "resolved"); /* -0.5: back inside by 0.5 */
	notice_str("state", s, sizeof(s));
	CHECK(strcmp(s, "at_risk") == 0);
	EXPECT(feed("gdp", "2024Q2", 300, 6.01), "resolved"); /* met: on track */
	notice_str("state", s, sizeof(s));
	CHECK(strcmp(s, "on_track") == 0);
	/* A revision of the newest period re-evaluates: down to 4 pp is off again (first). */
	EXPECT(feed("gdp", "2024Q2", 300, 4.0), "at_risk");
	EXPECT(feed("gdp", "2024Q3", 400, 6.0), "resolved"); /* exactly met: on track */
	notice_str("state", s, sizeof(s));
	CHECK(strcmp(s, "on_track") == 0);
}

static void test_annual_override(void)
{
	/* fiscal_revenue: the plan asks 6%/yr, the fixture's 2024 annual target asks 10%.
	 * 9.5% would be comfortably on track against 6% but is 0.5 pp short of 10%. */
	EXPECT(feed("fiscal_revenue", "2024-03", 5, 9.5), "at_risk");
	CHECK(notice_num("required") == 10);
	char s[200];
	notice_str("rule_zh", s, sizeof(s));
	CHECK(strstr(s, "年度目标10%") != NULL);
	/* 2025 has no override: the plan's 6% applies again. */
	EXPECT(feed("fiscal_revenue", "2025-03", 5, 9.5), "resolved");
}

static void test_level_ceiling_keep(void)
{
	/* urbanization: 55 (2020) -> 60 (2025) linear: 2023 requires 58 (margin 0.58). */
	EXPECT(feed("urbanization", "2023", 57.5, NAN), "at_risk"); /* -0.5: inside */
	CHECK(fabs(notice_num("required") - 58) < 1e-9);
	/* 2024 requires 59: a full-year figure 1 short is off track in its year */
	EXPECT(feed("urbanization", "2024", 58.0, NAN), "breach");
	EXPECT(feed("urbanization", "2025", 60.9, NAN), "resolved");
	/* unemployment ceiling 1.9% (lower is better), margin 0.019. */
	EXPECT(feed("unemployment", "2022", 1.5, NAN), "");
	EXPECT(feed("unemployment", "2023", 1.91, NAN), "at_risk");
	EXPECT(feed("unemployment", "2024", 2.4, NAN), "breach");
	CHECK(notice_num("gap") < 0);
	/* forest cover: binding keep-level at 41.41 (margin 0.4141, hysteresis 0.207). */
	EXPECT(feed("forest_cover", "2022", 40.9, NAN), "breach");
	EXPECT(feed("forest_cover", "2023", 41.1, NAN), "");          /* -0.31 < -0.207 */
	EXPECT(feed("forest_cover", "2024", 41.3, NAN), "resolved");  /* -0.11: at risk */
}

/* The verdict rules of issue 17, one per indicator of tests/fixtures/rules-plan.yaml. */
static void test_issue17_rules(void)
{
	char s[200];
	/* GDP 734.44 -> 1000 (6% real): 2021 751.67 without a yoy is judged on the level
	 * path (734.44 x (1000/734.44)^(1/5) = 781.21), never as 2.35% nominal against 6%;
	 * off track in its year, not at risk until 2022. */
	EXPECT(rfeed("gdp_annual", "2021", 751.67, NAN), "breach");
	CHECK(fabs(notice_num("required") - 734.44 * pow(1000 / 734.44, 0.2)) < 1e-9);
	notice_str("basis", s, sizeof(s));
	CHECK(strcmp(s, "level") == 0);
	notice_str("rule", s, sizeof(s));
	CHECK(strcmp(s, "level_path") == 0);
	/* the same figure with its reported (comparable-price) yoy of 6.1%: the rate, met */
	EXPECT(rfeed("gdp_annual", "2021", 751.67, 6.1), "resolved");
	notice_str("basis", s, sizeof(s));
	CHECK(strcmp(s, "rate") == 0);
	CHECK(notice_num("required") == 6);
	/* a comparable-price rate without a yoy: no nominal ratio is taken for it */
	EXPECT(rfeed("industry_va", "2021", 510, NAN), "");
	EXPECT(rfeed("industry_va", "2022", 500, NAN), "");
	EXPECT(rfeed("industry_va", "2022", 500, 7.5), "at_risk"); /* -0.5 pp */
	/* a current-price rate: 20 x 1.1 = 22 required in 2021 */
	EXPECT(rfeed("total_revenue", "2021", 21.9, NAN), "at_risk");
	CHECK(fabs(notice_num("required") - 22) < 1e-9);
	notice_str("rule", s, sizeof(s));
	CHECK(strcmp(s, "growth_path") == 0);
	EXPECT(rfeed("total_revenue", "2021", 21.7, NAN), "breach");
	/* cumulative 8000 with amounts growing 10%/yr: 2021 requires 8000/6.1051 = 1310.4,
	 * not the pro-rata 1600 */
	double w = 1 + 1.1 + 1.21 + 1.331 + 1.4641;
	EXPECT(rfeed("tech_contracts", "2021", 1400, NAN), "");
	/* 2022's 年度目标 is +100%: 2000 over 1400 is +42.9% — off, at once */
	EXPECT(rfeed("tech_contracts", "2022", 2000, NAN), "breach");
	CHECK(notice_num("required") == 100);
	/* 2023: the sum of 2021-2023 against the growth-weighted path, 8000 x 3.31 / 6.1051 */
	EXPECT(rfeed("tech_contracts", "2023", 1700, NAN), "resolved"); /* 5100 vs 4338 */
	CHECK(fabs(notice_num("required") - 8000 * 3.31 / w) < 1e-9);
	notice_str("basis", s, sizeof(s));
	CHECK(strcmp(s, "sum") == 0);
	/* 2025 without 2024: the sum says which year is missing */
	EXPECT(rfeed("tech_contracts", "2025", 1000, NAN), "breach"); /* 6100 vs 8000 */
	notice_str("rule_zh", s, sizeof(s));
	CHECK(strstr(s, "缺2024年数据") != NULL);
	notice_str("rule_en", s, sizeof(s));
	CHECK(strstr(s, "missing 2024") != NULL);
	/* the plan period's own total (2021-2025) decides before the sum of the years, and the
	 * rule says so: 8200 against 8000, with 2024 still missing */
	EXPECT(rfeed("tech_contracts", "2021-2025", 8200, NAN), "resolved");
	notice_str("rule", s, sizeof(s));
	CHECK(strcmp(s, "cumulative_total") == 0);
	CHECK(notice_num("required") == 8000 && notice_num("observed") == 8200);
	notice_str("rule_zh", s, sizeof(s));
	CHECK(strstr(s, "报送的规划期累计数") != NULL && strstr(s, "缺") == NULL);
	/* a revision of the last year's figure after it is judged on the total too: on the sum
	 * (6150 vs 8000) it would breach again; the total keeps it on track (no notice) */
	EXPECT(rfeed("tech_contracts", "2025", 1050, NAN), "");
	/* a city target with a 年度目标 95 for 2022 (1-N月 shares): judged before the city
	 * sets its number */
	EXPECT(rfeed("air_quality", "2021-06", 90, NAN), "");
	EXPECT(rfeed("air_quality", "2022-06", 94, NAN), "breach"); /* binding, -1 < -0.95 */
	EXPECT(rfeed("air_quality", "2022-07", 95.2, NAN), "resolved");
	/* backfilled history is the state a live figure is judged against: two backfilled
	 * quarters short of 7.5% (announcing nothing), then a live third one breaches at
	 * once, where without them it would only be at risk */
	EXPECT(feed_in("rules-plan", "income", "2021Q1", 10000, 3.0, true), "");
	EXPECT(feed_in("rules-plan", "income", "2021Q2", 20000, 3.0, true), "");
	EXPECT(rfeed("income", "2021Q3", 30000, 3.0), "breach");
	CHECK(notice_num("streak") == 3);
	/* +7.6% against 7.5%: met, so on track, not at risk inside the margin */
	EXPECT(rfeed("income", "2021Q4", 40000, 7.6), "resolved"); /* met: on track */
}

/* Quarters 2006Q1..2020Q4 of income, before the plan's window, stored in one txn and
 * never evaluated (history a bureau loaded long ago). */
static int history_txn(struct store_txn *t, void *arg)
{
	const struct cat_indicator *x = arg;
	for (int y = 2006; y <= 2020; y++)
		for (int q = 1; q <= 4; q++) {
			struct store_obs o = { .period = { (uint16_t)y, PERIOD_QUARTER, (uint8_t)q },
					       .value = 1000.0 * q, .yoy = 7.0,
					       .status = PW_ST_FINAL, .rev = 1 };
			snprintf(o.plan, sizeof(o.plan), "%s", cat_owner(x));
			snprintf(o.ind, sizeof(o.ind), "%s", x->id);
			int rc = store_obs_put(t, &o);
			if (rc < 0)
				return rc;
		}
	return 0;
}

/* Vintages one rfeed's store and evaluation read. */
static uint64_t reads_of(const char *ind, const char *period, double value, double yoy,
			 const char *want)
{
	uint64_t r0 = store_vintages_read(st);
	EXPECT(rfeed(ind, period, value, yoy), want);
	return store_vintages_read(st) - r0;
}

/* An evaluation reads a handful of vintages, whatever the length of the series' history:
 * it walked every period from the series' first on each figure (issue 21: most of a small
 * group's CPU). Counted, not timed. Runs after test_issue17_rules (income judged up to
 * 2021Q4, on track). */
static void test_evaluation_reads(void)
{
	const struct cat_indicator *x = catalog_find(cat, "rules-plan", "income");
	CHECK(x);
	CHECK_OK(store_write(st, history_txn, (void *)x));
	uint64_t n = reads_of("income", "2022Q1", 50000, 3.0, "at_risk"); /* first off quarter */
	if (n > 4)
		fprintf(stderr, "test_rules: one evaluation read %llu vintages\n",
			(unsigned long long)n);
	CHECK(n <= 4);
	/* A backfilled quarter after the last judged one still counts into the streak: the
	 * walk starts at the last judged period, not after it. */
	EXPECT(feed_in("rules-plan", "income", "2022Q2", 60000, 3.0, true), "");
	n = reads_of("income", "2022Q3", 70000, 3.0, "breach");
	CHECK(notice_num("streak") == 3);
	CHECK(n <= 5);
	/* The rest of the window, then a figure after it: the plan is judged on its newest
	 * figure inside the window, found backwards from the window's end, not by reading
	 * the window's twenty quarters. */
	for (int y = 2022; y <= 2025; y++)
		for (int q = y == 2022 ? 4 : 1; q <= 4; q++) {
			char per[32];
			snprintf(per, sizeof(per), "%dQ%d", y, q);
			rfeed("income", per, 80000, 9.0);
		}
	n = reads_of("income", "2026Q1", 90000, 1.0, ""); /* 2025Q4 again: nothing new */
	if (n > 5)
		fprintf(stderr, "test_rules: an evaluation after the window read %llu vintages\n",
			(unsigned long long)n);
	CHECK(n <= 5);
}

static void test_city_target(void)
{
	/* No verdict until the city's number is set. */
	EXPECT(feed("energy_intensity_cut", "2022", 12, NAN), "");
	struct put_arg a = { .x = catalog_find(cat, "test-plan", "energy_intensity_cut"),
			     .has_target = true, .target = 14 };
	CHECK_OK(store_write(st, put_txn, &a));
	CHECK(out.n == 1 && strncmp(out.items[0].topic, "breach.", 7) == 0); /* binding: 12 < 14 */
	struct put_arg b = a;
	b.target = 11;
	CHECK_OK(store_write(st, put_txn, &b));
	CHECK(out.n == 1 && strncmp(out.items[0].topic, "resolved.", 9) == 0);
}

static struct rules_cfg od_cfg;

static int overdue_txn(struct store_txn *t, void *arg)
{
	(void)arg;
	notice_list_clear(&out);
	return overdue_tick(&od_cfg, t, cat, &out);
}

static int64_t ms(int y, int m, int d)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
	return (int64_t)timegm(&tm) * 1000;
}

/* How many notices of the last txn have this topic. */
static int n_topic(const char *topic)
{
	int n = 0;
	for (size_t i = 0; i < out.n; i++)
		n += strcmp(out.items[i].topic, topic) == 0;
	return n;
}

static bool has_topic(const char *topic)
{
	return n_topic(topic) > 0;
}

/* Field key of the first notice with this topic. */
static void topic_str(const char *topic, const char *key, char *buf, size_t cap)
{
	for (size_t i = 0; i < out.n; i++)
		if (strcmp(out.items[i].topic, topic) == 0) {
			struct proto_view *v;
			CHECK_OK(proto_view_new(&v, out.bodies.data + out.items[i].off, out.items[i].len));
			CHECK_OK(proto_view_str(v, -1, key, buf, cap));
			proto_view_free(v);
			return;
		}
	CHECK(!"no such notice");
}

/* A figure stored as daemon/apply stores one: its due entry ends, resolved is announced. */
static void arrive_in(const char *plan, const char *ind, const char *period, double value,
		      double yoy)
{
	put_figure(plan, ind, period, value, yoy, false, true);
}

static void arrive(const char *ind, const char *period, double value, double yoy)
{
	arrive_in("test-plan", ind, period, value, yoy);
}

/* The keys of the first notice with this topic, in order, joined by ' '. */
static void topic_keys(const char *topic, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < out.n; i++)
		if (strcmp(out.items[i].topic, topic) == 0) {
			struct proto_view *v;
			char key[32], *text;
			CHECK_OK(proto_view_new(&v, out.bodies.data + out.items[i].off, out.items[i].len));
			for (size_t k = 0; k < proto_view_nkeys(v); k++) {
				CHECK_OK(proto_view_entry(v, k, key, sizeof(key), &text));
				free(text);
				n += (size_t)snprintf(buf + n, cap - n, "%s%s", k ? " " : "", key);
				CHECK(n < cap);
			}
			proto_view_free(v);
			return;
		}
	CHECK(!"no such notice");
}

/* The indicators of list key ("indicators", "outstanding") of the first notice with this
 * topic, joined by ' ' as "id:days_late". */
static void topic_list(const char *topic, const char *key, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < out.n; i++)
		if (strcmp(out.items[i].topic, topic) == 0) {
			struct proto_view *v, *l;
			char id[64];
			int64_t days;
			CHECK_OK(proto_view_new(&v, out.bodies.data + out.items[i].off, out.items[i].len));
			CHECK_OK(proto_view_sub(v, -1, key, &l));
			for (size_t k = 0; k < proto_view_count(l); k++) {
				CHECK_OK(proto_view_str(l, (int)k, "indicator", id, sizeof(id)));
				CHECK_OK(proto_view_int(l, (int)k, "days_late", &days));
				n += (size_t)snprintf(buf + n, cap - n, "%s%s:%lld", k ? " " : "", id,
						      (long long)days);
				CHECK(n < cap);
			}
			proto_view_free(l);
			proto_view_free(v);
			return;
		}
	CHECK(!"no such notice");
}

static void test_overdue(void)
{
	char s[400];
	/* fiscal_revenue is monthly, due 15 days after the month: on 2025-03-14 February is
	 * not yet due (due 03-15) but January (02-15) and December (01-15) are; gdp's 2024Q4
	 * was due 2025-01-20 and energy_intensity_cut's 2024 on 2025-03-01 (annual: 60 days).
	 * overdue_since 2025-02-01: what fell due before it is never announced. */
	od_cfg = cfg;
	od_cfg.overdue_since_ms = ms(2025, 2, 1);
	out.now_ms = ms(2025, 3, 14);
	CHECK_OK(store_write(st, overdue_txn, NULL));
	CHECK(n_topic("overdue.test.财政局") == 1); /* 2025-01 only, not 2024-12 */
	topic_str("overdue.test.财政局", "period", s, sizeof(s));
	CHECK(strcmp(s, "2025-01") == 0);
	topic_str("overdue.test.财政局", "due", s, sizeof(s));
	CHECK(strcmp(s, "2025-02-15") == 0);
	CHECK(has_topic("overdue.test.发改局"));
	CHECK(!has_topic("overdue.test.统计局")); /* gdp 2024Q4: due before overdue_since */
	/* rules 统计局: two annual figures of 2024, due 2025-03-01, in one notice */
	CHECK(n_topic("overdue.rules.统计局") == 1);
	topic_list("overdue.rules.统计局", "indicators", s, sizeof(s));
	CHECK(strcmp(s, "industry_va:12 total_revenue:12") == 0);
	/* The notice lists its indicators with days late: due by the end of 2025-02-15, and
	 * 03-14 00:00 is 26 whole days after. */
	for (size_t i = 0; i < out.n; i++)
		if (strcmp(out.items[i].topic, "overdue.test.财政局") == 0) {
			struct proto_view *v, *inds;
			int64_t days;
			CHECK_OK(proto_view_new(&v, out.bodies.data + out.items[i].off, out.items[i].len));
			CHECK_OK(proto_view_sub(v, -1, "indicators", &inds));
			CHECK(proto_view_count(inds) == 1);
			CHECK_OK(proto_view_str(inds, 0, "indicator", s, sizeof(s)));
			CHECK(strcmp(s, "fiscal_revenue") == 0);
			CHECK_OK(proto_view_int(inds, 0, "days_late", &days));
			CHECK(days == 26);
			proto_view_free(inds);
			proto_view_free(v);
		}
	/* Announced once only. */
	CHECK_OK(store_write(st, overdue_txn, NULL));
	CHECK(!has_topic("overdue.test.财政局") && !has_topic("overdue.test.发改局"));
	/* The figure arrives: resolved per (department, period) as it was announced, the
	 * figure with how late it came, and its due entry is gone. Its body has no state or
	 * rule: the verdict of the figure is its plans' own notice. */
	out.now_ms = ms(2025, 3, 15);
	arrive("fiscal_revenue", "2025-01", 2.5, 9.0);
	CHECK(n_topic("resolved.test.财政局") == 1);
	topic_keys("resolved.test.财政局", s, sizeof(s));
	CHECK(strcmp(s, "v seq topic time region alias dept period due days_late indicators "
			"previous outstanding") == 0);
	topic_str("resolved.test.财政局", "previous", s, sizeof(s));
	CHECK(strcmp(s, "overdue") == 0);
	topic_str("resolved.test.财政局", "period", s, sizeof(s));
	CHECK(strcmp(s, "2025-01") == 0);
	topic_list("resolved.test.财政局", "indicators", s, sizeof(s));
	CHECK(strcmp(s, "fiscal_revenue:27") == 0);
	topic_list("resolved.test.财政局", "outstanding", s, sizeof(s));
	CHECK(strcmp(s, "") == 0);
	arrive("fiscal_revenue", "2025-01", 2.6, 9.1); /* a revision resolves nothing more */
	CHECK(!has_topic("resolved.test.财政局"));
	/* The two figures of rules 统计局 2024, announced together: the first to come lists
	 * the other as outstanding, the second none. */
	arrive_in("rules-plan", "total_revenue", "2024", 30, NAN);
	CHECK(n_topic("resolved.rules.统计局") == 1);
	topic_list("resolved.rules.统计局", "indicators", s, sizeof(s));
	CHECK(strcmp(s, "total_revenue:13") == 0);
	topic_list("resolved.rules.统计局", "outstanding", s, sizeof(s));
	CHECK(strcmp(s, "industry_va:13") == 0);
	arrive_in("rules-plan", "industry_va", "2024", 560, 7.0);
	topic_list("resolved.rules.统计局", "outstanding", s, sizeof(s));
	CHECK(strcmp(s, "") == 0);
	/* Next month becomes due and is announced. */
	out.now_ms = ms(2025, 3, 16);
	CHECK_OK(store_write(st, overdue_txn, NULL));
	CHECK(n_topic("overdue.test.财政局") == 1);
	topic_str("overdue.test.财政局", "period", s, sizeof(s));
	CHECK(strcmp(s, "2025-02") == 0);
	/* unemployment was reported for 2022..2024: nothing of it is missing. */
	CHECK(!has_topic("overdue.test.人社局"));
}

/* Every judged period keeps its verdict: test_growth_yoy's gdp 2023Q2 was at risk (off by
 * 2 pp, first quarter), 2023Q3 off track, whatever came after. */
static int verdict_txn(struct store_txn *t, void *arg)
{
	struct verdict_rec *r = arg;
	struct period p = { 2023, PERIOD_QUARTER, 2 };
	uint8_t buf[VERDICT_REC];
	size_t len;
	int rc = store_verdict_get(t, "test-plan", "gdp", &p, buf, sizeof(buf), &len);
	if (rc == 0)
		rc = verdict_decode(&r[0], buf, len);
	p.n = 3;
	if (rc == 0)
		rc = store_verdict_get(t, "test-plan", "gdp", &p, buf, sizeof(buf), &len);
	return rc < 0 ? rc : verdict_decode(&r[1], buf, len);
}

struct cut_arg {
	struct proto_buf items;
	int n;
};

static int cut_txn(struct store_txn *t, void *arg)
{
	struct cut_arg *c = arg;
	struct period cut = { 2023, PERIOD_QUARTER, 2 };
	struct rules_alert_filter f = { .plan = "test-plan", .cut = &cut };
	c->n = rules_alerts_encode(t, cat, &f, &c->items);
	return c->n < 0 ? c->n : 0;
}

static void test_verdicts(void)
{
	struct verdict_rec r[2];
	CHECK_OK(store_read(st, verdict_txn, r));
	CHECK(r[0].state == RULES_AT_RISK && r[0].raw == RULES_OFF_TRACK && r[0].required == 6 &&
	      r[0].gap == -2 && r[0].points && strcmp(verdict_rule_name(r[0].rule), "growth_yoy") == 0);
	CHECK(r[1].state == RULES_OFF_TRACK && r[1].raw == RULES_OFF_TRACK);
	/* The alerts as of 2023Q2 read them: gdp at risk in 2023Q2, not its newest state. */
	struct cut_arg c;
	struct proto_buf b;
	struct proto_view *v;
	char id[32], state[32], per[16];
	bool seen = false;
	proto_buf_init(&c.items);
	proto_buf_init(&b);
	CHECK_OK(store_read(st, cut_txn, &c));
	CHECK(c.n > 0);
	proto_w_map(&b, 1);
	proto_w_str(&b, "items");
	proto_w_array(&b, (uint32_t)c.n);
	proto_w_raw(&b, c.items.data, c.items.len);
	CHECK_OK(proto_view_new(&v, b.data, b.len));
	for (size_t i = 0; i < proto_view_count(v); i++) {
		CHECK_OK(proto_view_str(v, (int)i, "indicator", id, sizeof(id)));
		CHECK_OK(proto_view_str(v, (int)i, "period", per, sizeof(per)));
		if (strcmp(id, "gdp") != 0)
			continue;
		CHECK_OK(proto_view_str(v, (int)i, "state", state, sizeof(state)));
		CHECK(strcmp(state, "at_risk") == 0 && strcmp(per, "2023Q2") == 0);
		seen = true;
	}
	CHECK(seen);
	proto_view_free(v);
	proto_buf_release(&b);
	proto_buf_release(&c.items);
	/* The codec refuses what it does not know. */
	uint8_t buf[VERDICT_REC];
	struct verdict_rec x;
	CHECK(verdict_encode(&r[0], buf) == VERDICT_REC);
	CHECK_OK(verdict_decode(&x, buf, VERDICT_REC));
	CHECK(x.state == r[0].state && x.gap == r[0].gap && x.rev == r[0].rev);
	CHECK_RC(verdict_decode(&x, buf, VERDICT_REC - 1), PW_ESTORE);
	buf[0] = 2;
	CHECK_RC(verdict_decode(&x, buf, VERDICT_REC), PW_ESTORE);
	CHECK(verdict_rule_code("no_such_rule") == 0 && verdict_rule_name(0) == NULL &&
	      verdict_rule_code("cumulative") != 0);
}

struct rec_arg {
	const char *ind;
	const char *plan; /* NULL: test-plan */
	uint8_t buf[ALERT_REC_MAX];
	size_t len;
	struct rules_counts counts;
};

static int rec_put_txn(struct store_txn *t, void *arg)
{
	struct rec_arg *r = arg;
	return store_alert_put(t, r->plan ? r->plan : "test-plan", r->ind, r->buf, r->len);
}

static int rec_get_txn(struct store_txn *t, void *arg)
{
	struct rec_arg *r = arg;
	int rc = store_alert_get(t, r->plan ? r->plan : "test-plan", r->ind, r->buf,
				 sizeof(r->buf), &r->len);
	return rc < 0 ? rc : rules_count(t, &r->counts);
}

/* 统计口径改变 from 2023 (the catalog's definition_change): a figure of the new definition
 * is judged by no rule, as the evaluation calls it 难以评估 — a 3% of 2023 is no shortfall
 * against the old 7%, and the state of 2022 stands, neither breached nor resolved. */
static void test_def_change(void)
{
	EXPECT(rfeed("investment_growth", "2021", 5, NAN), "breach");
	EXPECT(rfeed("investment_growth", "2022", 9, NAN), "resolved");
	EXPECT(rfeed("investment_growth", "2023", 3, NAN), "");
	EXPECT(rfeed("investment_growth", "2024", 2, NAN), "");
	struct rec_arg r = { .ind = "investment_growth", .plan = "rules-plan" };
	struct alert a;
	CHECK_OK(store_read(st, rec_get_txn, &r));
	CHECK_OK(alert_decode(&a, r.buf, r.len));
	CHECK(a.state == RULES_ON_TRACK && a.last_period.year == 2022 && a.value == 9);
}

/* The alert state record: version 3 little-endian; version 2 (with the overdue period
 * schema 6 kept there) and version 1 (the raw struct older releases stored) still read,
 * then rewritten as version 3. */
static void test_alert_record(void)
{
	struct alert a = { .state = RULES_AT_RISK, .last_raw = RULES_OFF_TRACK,
			   .streak_before = 0x0102, .last_period = { 2024, PERIOD_QUARTER, 3 },
			   .value = -0.0, .required = 58.25, .gap = NAN, .since_ms = -5 }, b;
	uint8_t buf[ALERT_REC_MAX] = { 0 };

	CHECK(alert_encode(&a, buf) == ALERT_REC);
	CHECK(buf[0] == 3 && buf[1] == RULES_AT_RISK && buf[3] == 0x02 && buf[4] == 0x01);
	CHECK(buf[5] == (2024 & 0xff) && buf[6] == 2024 >> 8 && buf[7] == PERIOD_QUARTER);
	CHECK(buf[ALERT_REC - 1] == 0xff); /* since_ms -5: the top byte of its LE i64 */
	CHECK_OK(alert_decode(&b, buf, ALERT_REC));
	CHECK(b.state == a.state && b.last_raw == a.last_raw && !b.had_overdue &&
	      b.streak_before == 0x0102 && b.last_period.n == 3 && signbit(b.value) &&
	      b.required == 58.25 && isnan(b.gap) && b.since_ms == -5);
	CHECK_RC(alert_decode(&b, buf, ALERT_REC - 1), PW_ESTORE);
	CHECK_RC(alert_decode(&b, buf, 0), PW_ESTORE);
	buf[0] = 4;
	CHECK_RC(alert_decode(&b, buf, ALERT_REC), PW_ESTORE);
	/* Version 2, as schema 6 wrote it: overdue 2025-12 announced. */
	uint8_t v2[ALERT_REC_V2] = { 2, RULES_OFF_TRACK, RULES_OFF_TRACK, 1, 0x02, 0x01,
				     2024 & 0xff, 2024 >> 8, PERIOD_QUARTER, 3,
				     2025 & 0xff, 2025 >> 8, PERIOD_MONTH, 12 };
	CHECK_OK(alert_decode(&b, v2, sizeof(v2)));
	CHECK(b.state == RULES_OFF_TRACK && b.streak_before == 0x0102 && b.last_period.n == 3 &&
	      b.had_overdue && b.overdue_period.year == 2025 && b.overdue_period.n == 12 &&
	      b.value == 0 && b.since_ms == 0);
	CHECK_RC(alert_decode(&b, v2, sizeof(v2) - 1), PW_ESTORE);

	/* forest_cover was left at risk (test_level_ceiling_keep). Store an old raw record
	 * saying off track since 2024: it counts as off track and its arrival resolves it. */
	struct rec_arg r = { .ind = "forest_cover" };
	CHECK_OK(store_read(st, rec_get_txn, &r));
	struct rules_counts before = r.counts;
	CHECK_OK(alert_decode(&b, r.buf, r.len));
	CHECK(r.len == ALERT_REC && b.state == RULES_AT_RISK);
	struct alert_v1 old = { .version = 1, .state = RULES_OFF_TRACK, .last_raw = RULES_OFF_TRACK,
				.last_period = { 2024, PERIOD_ANNUAL, 0 }, .value = 41.0,
				.required = 41.41, .gap = -0.41, .since_ms = 1000 };
	memcpy(r.buf, &old, sizeof(old));
	r.len = sizeof(old);
	CHECK_OK(store_write(st, rec_put_txn, &r));
	CHECK_OK(store_read(st, rec_get_txn, &r));
	CHECK(r.len == sizeof(old));
	CHECK(r.counts.state[RULES_OFF_TRACK] == before.state[RULES_OFF_TRACK] + 1);
	CHECK(r.counts.state[RULES_AT_RISK] == before.state[RULES_AT_RISK] - 1);
	EXPECT(feed("forest_cover", "2025", 42.0, NAN), "resolved");
	char s[32];
	notice_str("previous", s, sizeof(s));
	CHECK(strcmp(s, "off_track") == 0);
	CHECK_OK(store_read(st, rec_get_txn, &r));
	CHECK(r.len == ALERT_REC && r.buf[0] == ALERT_VERSION);
	CHECK_OK(alert_decode(&b, r.buf, r.len));
	CHECK(b.state != RULES_OFF_TRACK && b.last_period.year == 2025 && b.since_ms > 1000);
	CHECK(r.counts.state[RULES_OFF_TRACK] == before.state[RULES_OFF_TRACK]);
}

/* The alerts as of a cut read each indicator's newest verdict ending by the cut's end, from
 * one walk of the plan's verdicts (period-major): crafted verdicts of rules-plan on a store
 * of their own, the value naming which one. */
struct cut_put {
	const char *ind, *period;
	double value;
};

static const struct cut_put cut_puts[] = {
	{ "gdp_annual", "2023", 1 },	   { "gdp_annual", "2024", 2 },	  { "gdp_annual", "2025", 3 },
	{ "income", "2024Q3", 11 },	   { "income", "2024Q4", 12 },	  { "income", "2025Q1", 13 },
	{ "tech_contracts", "2024", 21 },  { "tech_contracts", "2021-2025", 20 },
	{ "total_revenue", "2026", 30 }, /* after every cut below */
	{ "industry_va", "2024Q4", 42 },   { "industry_va", "2024", 41 }, /* end together */
	{ "nowhere", "2024", 99 },	   /* an indicator rules-plan does not have */
};

static int cut_put_txn(struct store_txn *t, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(cut_puts) / sizeof(cut_puts[0]); i++) {
		struct period p;
		struct verdict_rec r = { .state = RULES_ON_TRACK, .raw = RULES_ON_TRACK,
					 .value = cut_puts[i].value, .rev = 1, .judged_ms = 1 };
		CHECK_OK(period_parse(&p, cut_puts[i].period, strlen(cut_puts[i].period)));
		CHECK_OK(verdict_put(t, "rules-plan", cut_puts[i].ind, &p, &r));
	}
	return 0;
}

struct cut_q {
	const char *cut, *region;
	struct proto_buf items;
	int n;
};

static int cut_q_txn(struct store_txn *t, void *arg)
{
	struct cut_q *q = arg;
	struct period cut;
	CHECK_OK(period_parse(&cut, q->cut, strlen(q->cut)));
	const struct cat_plan *pl = catalog_find(cat, "rules-plan", "gdp_annual")->plan;
	struct rules_alert_filter f = { .cut = &cut, .region = q->region ? pl->region : NULL };
	q->n = rules_alerts_encode(t, cat, &f, &q->items);
	return q->n < 0 ? q->n : 0;
}

/* "ind period value" of each item of rules-plan, in the reply's order. */
static void cut_query(struct store *s, const char *cut, bool region, char *got, size_t cap)
{
	struct cut_q q = { .cut = cut, .region = region ? "" : NULL };
	struct proto_buf b;
	struct proto_view *v;
	size_t at = 0;
	proto_buf_init(&q.items);
	proto_buf_init(&b);
	CHECK_OK(store_read(s, cut_q_txn, &q));
	proto_w_map(&b, 1);
	proto_w_str(&b, "items");
	proto_w_array(&b, (uint32_t)q.n);
	proto_w_raw(&b, q.items.data, q.items.len);
	CHECK_OK(proto_view_new(&v, b.data, b.len));
	got[0] = '\0';
	for (size_t i = 0; i < proto_view_count(v); i++) {
		char plan[32], id[32], per[16];
		double value;
		CHECK_OK(proto_view_str(v, (int)i, "plan", plan, sizeof(plan)));
		if (strcmp(plan, "rules-plan") != 0)
			continue;
		CHECK_OK(proto_view_str(v, (int)i, "indicator", id, sizeof(id)));
		CHECK_OK(proto_view_str(v, (int)i, "period", per, sizeof(per)));
		CHECK_OK(proto_view_double(v, (int)i, "value", &value));
		at += (size_t)snprintf(got + at, cap - at, "%s%s %s %g", at ? ", " : "", id, per, value);
		CHECK(at < cap);
	}
	proto_view_free(v);
	proto_buf_release(&b);
	proto_buf_release(&q.items);
}

static void test_cut(void)
{
	char dir[] = "/tmp/pwcut.XXXXXX", got[512], cmd[64];
	struct store *s;
	CHECK(mkdtemp(dir));
	CHECK_OK(store_open(&s, dir, 0, 0));
	CHECK_OK(store_write(s, cut_put_txn, NULL));
	/* In the plan's order (gdp_annual, industry_va, total_revenue, tech_contracts, ...,
	 * income): of 2024 and 2024Q4, ending together, the later key; a period's total
	 * 2021-2025 ends with 2025; nothing of total_revenue (2026) by any of these cuts. */
	cut_query(s, "2024", false, got, sizeof(got));
	CHECK(strcmp(got, "gdp_annual 2024 2, industry_va 2024Q4 42, tech_contracts 2024 21, "
			  "income 2024Q4 12") == 0);
	cut_query(s, "2025Q1", false, got, sizeof(got));
	CHECK(strcmp(got, "gdp_annual 2024 2, industry_va 2024Q4 42, tech_contracts 2024 21, "
			  "income 2025Q1 13") == 0);
	cut_query(s, "2025", true, got, sizeof(got));
	CHECK(strcmp(got, "gdp_annual 2025 3, industry_va 2024Q4 42, tech_contracts 2021-2025 20, "
			  "income 2025Q1 13") == 0);
	cut_query(s, "2024Q3", false, got, sizeof(got));
	CHECK(strcmp(got, "gdp_annual 2023 1, income 2024Q3 11") == 0);
	cut_query(s, "2022", false, got, sizeof(got));
	CHECK(strcmp(got, "") == 0);
	store_free(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	char dir[] = "/tmp/pwrules.XXXXXX", err[CAT_ERR_MAX];
	const char *files[] = { "tests/fixtures/test-region.yaml",
				"tests/fixtures/test-plan.yaml",
				"tests/fixtures/rules-region.yaml",
				"tests/fixtures/rules-plan.yaml" };
	CHECK(mkdtemp(dir));
	CHECK_OK(catalog_load(&cat, files, 4, err));
	CHECK_OK(store_open(&st, dir, 0, 0));
	notice_list_init(&out);
	CHECK_OK(overdue_arrivals_new(&arrivals));
	out.now_ms = ms(2026, 11, 1);
	test_growth_yoy();
	test_annual_override();
	test_level_ceiling_keep();
	test_issue17_rules();
	test_def_change();
	test_evaluation_reads();
	test_city_target();
	test_verdicts();
	test_cut();
	test_overdue();
	test_alert_record();
	/* Alert state and due entries are durable. After a reopen the same check announces
	 * nothing again; fiscal_revenue 2025-02 (announced on 2025-03-16) still resolves once
	 * when it comes; gdp was left on track, so a good figure repeats nothing. */
	store_free(st);
	CHECK_OK(store_open(&st, dir, 0, 0));
	CHECK_OK(store_write(st, overdue_txn, NULL));
	CHECK(!has_topic("overdue.test.财政局") && !has_topic("overdue.test.发改局"));
	arrive("fiscal_revenue", "2025-02", 5.0, 9.0);
	CHECK(n_topic("resolved.test.财政局") == 1);
	EXPECT(feed("gdp", "2025Q1", 150, 7.5), "");
	store_free(st);
	notice_list_release(&out);
	overdue_arrivals_free(arrivals);
	catalog_free(cat);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	printf("test_rules: ok\n");
	return 0;
}
