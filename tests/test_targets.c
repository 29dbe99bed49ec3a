/* tests/test_targets.c — target tracking and revisions through the real daemon:
 * verdicts on the real 泉港区 figures, restart during a breach, replay of exactly what a
 * subscriber missed, overdue with a controlled clock, backfill without alert storms,
 * as-of queries, quarantine retry after a catalog fix, and a full store. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../proto/proto.h"
#include "check.h"
#include "harness.h"

static void push(struct pw_client *c, const char *plan, const char *ind, const char *period,
		 double value, const char *unit, const char *status, double yoy, const char *dept,
		 unsigned flags, int want)
{
	static unsigned n;
	char id[40];
	struct pw_ack a;
	struct pw_obs o = { .plan = plan, .indicator = ind, .period = period, .value = value,
			    .unit = unit, .status = status, .yoy = yoy };
	snprintf(id, sizeof(id), "tt-push-%u-%d", n++, (int)getpid());
	CHECK_OK(pw_push(c, dept, id, &o, 1, flags, &a));
	if (a.code != want)
		fprintf(stderr, "push %s/%s %s = %g: %s, wanted %s\n", plan, ind, period, value,
			pw_errname(a.code), pw_errname(want));
	CHECK_RC(a.code, want);
}

static void clock_set(struct pw_client *c, const char *iso)
{
	struct tm tm = { 0 };
	CHECK(strptime(iso, "%Y-%m-%d", &tm));
	struct proto_req r = { .type = PROTO_CLOCK_SET, .time_ms = (int64_t)timegm(&tm) * 1000 };
	struct proto_view *v = harness_request(c, &r);
	char type[16];
	CHECK_OK(proto_view_str(v, -1, "type", type, sizeof(type)));
	CHECK(strcmp(type, "ack") == 0);
	proto_view_free(v);
}

static int64_t last_seq(struct pw_client *c)
{
	struct proto_req r = { .type = PROTO_STATUS };
	struct proto_view *v = harness_request(c, &r);
	int64_t x;
	CHECK_OK(proto_view_int(v, -1, "last_seq", &x));
	proto_view_free(v);
	return x;
}

/* The state of one indicator from the alerts list ("none" when it has no verdict). */
static void state_of(struct pw_client *c, const char *plan, const char *ind, char *state,
		     size_t cap, double *required)
{
	struct proto_req r = { .type = PROTO_ALERTS, .plan = plan };
	struct proto_view *v = harness_request(c, &r);
	char id[80];
	snprintf(state, cap, "none");
	for (size_t i = 0; i < proto_view_count(v); i++) {
		CHECK_OK(proto_view_str(v, (int)i, "indicator", id, sizeof(id)));
		if (strcmp(id, ind) == 0) {
			CHECK_OK(proto_view_str(v, (int)i, "state", state, cap));
			if (required)
				proto_view_double(v, (int)i, "required", required);
		}
	}
	proto_view_free(v);
}

/* Notices with seq > after whose topic starts with prefix, as "topic" strings. */
static int notices_since(struct pw_client *c, uint64_t after, const char *prefix,
			 char topics[][120], int max)
{
	struct proto_req r = { .type = PROTO_SINCE, .seq = after, .prefix = prefix };
	struct proto_view *v = harness_request(c, &r);
	int n = 0;
	for (size_t i = 0; i < proto_view_count(v) && n < max; i++)
		CHECK_OK(proto_view_str(v, (int)i, "topic", topics[n++], 120));
	proto_view_free(v);
	return n;
}

#define QG "quangang-14"
/* A plan's notices are topic'd by region alias, then plan. */
#define QGV "quangang." QG

/* Verdicts on the real plan with margin 1 (pp, or % of the requirement), hysteresis 0.5,
 * persistence 2 (the config's defaults), derived by hand from 000 专栏2 and 002/004:
 *  - gdp 2021 预计 751.67 after 2020's 734.44, without a yoy: judged on the level path
 *    from 734.44 to 1000 (734.44 × (1000/734.44)^(1/5) = 781.21), never as 2.35% nominal
 *    growth against 6% real; 29.5 short, beyond the margin (7.8), and a full-year figure:
 *    off track in its year → breach at once.
 *  - services_value_added 2021 +10.6% vs 7% → +3.6 pp → on_track (no notice).
 *  - fiscal_total_revenue 2021 +14.1% vs 8% → on_track; fiscal_revenue +9.47% vs 6% →
 *    on_track.
 *  - urbanization 2021 57% vs linear 55→60: 56% required → +1.0 ≥ 0.56 (1% of 56) →
 *    on_track.
 *  - air_good_days (约束性, 完成市下达任务) 98.5%: no verdict until the city's number is
 *    set; set to 99.8 → 1.3 short, beyond the margin (0.998) → breach at once; then 98 →
 *    met → resolved (on track: a met requirement is never at risk).
 *  - rd_spending 2023 +44.7% vs 18%/yr → on_track; rd_growth 2023 44.7 vs floor 18 (000:265) →
 *    on_track; tech_contract_value 2023 5600 (五年累计 8000): pro-rata 8000×3/5 = 4800 →
 *    +800 → on_track; petrochem_output 2023 816.84 with no 2022 figure → no verdict. */
static void test_seed_verdicts(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	char st[32], topics[64][120];
	double req = NAN;
	uint64_t mark = (uint64_t)last_seq(c);

	push(c, QG, "gdp", "2020", 734.44, "亿元", "final", NAN, "统计局", PW_BACKFILL, 0);
	push(c, QG, "gdp", "2021", 751.67, "亿元", "estimate", NAN, "统计局", 0, 0);
	push(c, QG, "services_value_added", "2021", 153.17, "亿元", "estimate", 10.6, "统计局", 0, 0);
	push(c, QG, "fiscal_total_revenue", "2021", 102, "亿元", "estimate", 14.1, "财政局", 0, 0);
	push(c, QG, "fiscal_revenue", "2021", 28, "亿元", "estimate", 9.47, "财政局", 0, 0);
	push(c, QG, "urbanization", "2021", 57, "%", "estimate", NAN, "统计局", 0, 0);
	push(c, QG, "air_good_days", "2021", 98.5, "%", "estimate", NAN, "生态环境局", 0, 0);
	push(c, QG, "rd_spending", "2023", 10.18, "亿元", "final", 44.7, "科技局", 0, 0);
	push(c, QG, "rd_growth", "2023", 44.7, "%", "final", NAN, "科技局", 0, 0);
	push(c, QG, "tech_contract_value", "2023", 5600, "万元", "final", 175.66, "科技局", 0, 0);
	push(c, QG, "petrochem_output", "2023", 816.84, "亿元", "final", NAN, "工信局", 0, 0);

	state_of(c, QG, "gdp", st, sizeof(st), &req);
	CHECK(strcmp(st, "off_track") == 0 && fabs(req - 734.44 * pow(1000 / 734.44, 0.2)) < 1e-9);
	const char *on[] = { "services_value_added", "fiscal_total_revenue", "fiscal_revenue",
			     "urbanization", "rd_spending", "rd_growth", "tech_contract_value" };
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		state_of(c, QG, on[i], st, sizeof(st), NULL);
		if (strcmp(st, "on_track") != 0)
			fprintf(stderr, "%s: %s, wanted on_track\n", on[i], st);
		CHECK(strcmp(st, "on_track") == 0);
	}
	state_of(c, QG, "urbanization", st, sizeof(st), &req);
	CHECK(fabs(req - 56) < 1e-9);
	state_of(c, QG, "tech_contract_value", st, sizeof(st), &req);
	CHECK(fabs(req - 4800) < 1e-9);
	state_of(c, QG, "petrochem_output", st, sizeof(st), NULL);
	CHECK(strcmp(st, "none") == 0);
	state_of(c, QG, "air_good_days", st, sizeof(st), NULL);
	CHECK(strcmp(st, "none") == 0);
	/* Exactly one alert notice so far: the gdp breach. */
	int n = notices_since(c, mark, "breach.", topics, 64);
	CHECK(n == 1 && strcmp(topics[0], "breach." QGV ".gdp") == 0);
	CHECK(notices_since(c, mark, "at_risk.", topics, 64) == 0);

	/* The city assigns 99%: the change is logged and announced, then judged. */
	struct proto_req r = { .type = PROTO_TARGET_SET, .plan = QG, .ind = "air_good_days",
			       .value = 99.8, .dept = "生态环境局" }; /* a claim: set_by is the peer */
	struct proto_view *ack = harness_request(c, &r);
	int64_t ack_seq = 0;
	CHECK_OK(proto_view_int(ack, -1, "seq", &ack_seq));
	proto_view_free(ack);
	/* The ack-seq rule (PROTOCOL.md §3): the target and breach notices it caused have
	 * seq <= the ACK's, and nothing later was logged yet. */
	CHECK(ack_seq > (int64_t)mark && ack_seq == last_seq(c));
	CHECK(notices_since(c, mark, "target." QGV ".air_good_days", topics, 64) == 1);
	CHECK(notices_since(c, mark, "breach." QGV ".air_good_days", topics, 64) == 1);
	/* set_by: the local socket's peer is its user (PROTOCOL.md target_set). */
	struct proto_req tr = { .type = PROTO_SINCE, .seq = mark, .prefix = "target." };
	struct proto_view *tv = harness_request(c, &tr);
	char *json, want[64];
	CHECK(proto_view_count(tv) == 1);
	CHECK_OK(proto_view_json(tv, 0, &json));
	snprintf(want, sizeof(want), "\"set_by\":\"local:%u\"", (unsigned)getuid());
	if (!strstr(json, want))
		fprintf(stderr, "target notice without %s: %s\n", want, json);
	CHECK(strstr(json, want) != NULL);
	free(json);
	proto_view_free(tv);
	r.value = 98;
	proto_view_free(harness_request(c, &r));
	CHECK(notices_since(c, mark, "resolved." QGV ".air_good_days", topics, 64) == 1);
	/* Setting a number on a non-city indicator is refused. */
	r.ind = "gdp";
	struct proto_view *v = harness_request(c, &r);
	char type[16];
	CHECK_OK(proto_view_str(v, -1, "type", type, sizeof(type)));
	CHECK(strcmp(type, "nack") == 0);
	proto_view_free(v);
	pw_client_free(c);
}

/* Restart during an open breach: no second breach, and recovery still resolves it. */
static void test_restart_breach(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	char topics[16][120];
	uint64_t mark = (uint64_t)last_seq(c);
	/* 0.51 short of 41.41, beyond the margin (0.41): binding, a breach at once */
	push(c, "test-plan", "forest_cover", "2022", 40.9, "%", "final", NAN, "林业局", 0, 0);
	CHECK(notices_since(c, mark, "breach.test.test-plan.forest_cover", topics, 16) == 1);
	pw_client_free(c);
	CHECK(harness_stop(h, SIGKILL) == 128 + SIGKILL);
	CHECK_OK(harness_start(h));
	c = harness_client(h);
	push(c, "test-plan", "forest_cover", "2023", 40.8, "%", "final", NAN, "林业局", 0, 0);
	CHECK(notices_since(c, mark, "breach.test.test-plan.forest_cover", topics, 16) == 1);
	push(c, "test-plan", "forest_cover", "2024", 41.9, "%", "final", NAN, "林业局", 0, 0);
	CHECK(notices_since(c, mark, "resolved.test.test-plan.forest_cover", topics, 16) == 1);
	pw_client_free(c);
}

/* A subscriber away for N notices gets exactly those N when it comes back. */
static void test_missed_replay(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	struct pw_sub *s;
	struct pw_notice nt;
	char per[24];
	CHECK_OK(pw_sub_new(&s, h->pub, "", -1, c, NULL));
	push(c, "test-plan", "urbanization", "2021", 56.5, "%", "final", NAN, "统计局", 0, 0);
	CHECK_OK(pw_sub_next(s, &nt, 30000));
	uint64_t seen = nt.seq;
	while (pw_sub_next(s, &nt, 200) == 0)
		seen = nt.seq; /* drain what that push caused */
	pw_sub_free(s);
	/* Away: 7 figures, each a change notice (values on track: no alert notices). */
	for (int i = 0; i < 7; i++) {
		snprintf(per, sizeof(per), "2026-%02d", i + 1);
		push(c, "test-plan", "fiscal_revenue", per, 30 + i, "亿元", "flash", 6.5, "财政局", 0, 0);
	}
	uint64_t last = (uint64_t)last_seq(c);
	CHECK(last > seen);
	CHECK_OK(pw_sub_new(&s, h->pub, "", (int64_t)seen, c, NULL));
	uint64_t expect = seen + 1;
	int changes = 0;
	while (expect <= last) {
		CHECK_OK(pw_sub_next(s, &nt, 30000));
		CHECK(nt.seq == expect); /* no gap, no double */
		changes += strncmp(nt.topic, "change.", 7) == 0;
		expect++;
	}
	CHECK(changes == 7);
	CHECK_RC(pw_sub_next(s, &nt, 300), PW_ETIMEDOUT);
	pw_sub_free(s);
	pw_client_free(c);
}

/* Overdue with the daemon clock under test control. */
static void test_overdue_clock(struct harness *h)
{
	/* The store's own overdue_since is the time it was created (now): nothing of 2024 would
	 * ever be announced. The config's takes its place, from the restart on. */
	FILE *f = fopen(h->conf, "a");
	CHECK(f && fputs("overdue_since: 2024-08-01\n", f) >= 0 && fclose(f) == 0);
	CHECK(harness_stop(h, SIGTERM) == 0);
	CHECK_OK(harness_start(h));
	struct pw_client *c = harness_client(h);
	char topics[64][120];
	/* 2024-08-20: fiscal_revenue (monthly, due 15 days after the month) has July due since
	 * 08-15; nothing of 2024 was reported, but the config's overdue_since (2024-08-01)
	 * leaves what fell due before August unannounced: one notice for 财政局, July. */
	uint64_t mark = (uint64_t)last_seq(c);
	clock_set(c, "2024-08-20"); /* setting the clock runs the timers too */
	struct proto_req r = { .type = PROTO_TICK };
	proto_view_free(harness_request(c, &r));
	CHECK(notices_since(c, mark, "overdue.test.", topics, 64) == 1);
	CHECK(strcmp(topics[0], "overdue.test.财政局") == 0);
	proto_view_free(harness_request(c, &r));
	CHECK(notices_since(c, mark, "overdue.test.", topics, 64) == 1);
	/* The figure comes: resolved for 财政局 (the verdict, if it changes, is the plan's) */
	push(c, "test-plan", "fiscal_revenue", "2024-07", 20, "亿元", "flash", 7, "财政局", 0, 0);
	CHECK(notices_since(c, mark, "resolved.test.", topics, 64) == 1);
	CHECK(strcmp(topics[0], "resolved.test.财政局") == 0);
	pw_client_free(c);
}

/* Backfilled history is announced as such and raises no alerts. */
static void test_backfill(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	char topics[64][120], st[32];
	uint64_t mark = (uint64_t)last_seq(c);
	/* Far below the 6% path: would be a breach if it were current. */
	push(c, "test-plan", "gdp", "2021Q4", 700, "亿元", "final", -20, "统计局", PW_BACKFILL, 0);
	push(c, "test-plan", "gdp", "2022Q4", 700, "亿元", "final", -20, "统计局", PW_BACKFILL, 0);
	CHECK(notices_since(c, mark, "change.test.gdp", topics, 64) == 2);
	CHECK(notices_since(c, mark, "at_risk.", topics, 64) == 0);
	CHECK(notices_since(c, mark, "breach.", topics, 64) == 0);
	state_of(c, "test-plan", "gdp", st, sizeof(st), NULL);
	CHECK(strcmp(st, "none") == 0);
	struct proto_req r = { .type = PROTO_SINCE, .seq = mark, .prefix = "change.test.gdp" };
	struct proto_view *v = harness_request(c, &r);
	bool backfill = false;
	CHECK(proto_view_count(v) == 2);
	struct proto_buf body;
	proto_buf_init(&body);
	CHECK_OK(proto_view_pack(v, 0, "body", &body));
	struct proto_view *bv;
	CHECK_OK(proto_view_new(&bv, body.data, body.len));
	CHECK_OK(proto_view_bool(bv, -1, "backfill", &backfill));
	CHECK(backfill);
	proto_view_free(bv);
	proto_buf_release(&body);
	proto_view_free(v);
	pw_client_free(c);
}

/* The series as known at a past time (vintages keyed by receive time). */
static void test_as_of(struct harness *h)
{
	struct pw_client *c = harness_client(h);
	clock_set(c, "2024-03-01");
	push(c, "test-plan", "unemployment", "2023", 1.8, "%", "flash", NAN, "人社局", 0, 0);
	clock_set(c, "2024-06-01");
	push(c, "test-plan", "unemployment", "2023", 1.85, "%", "preliminary", NAN, "人社局", 0, 0);
	clock_set(c, "2024-09-01");
	push(c, "test-plan", "unemployment", "2023", 1.9, "%", "final", NAN, "人社局", 0, 0);
	const struct {
		const char *at;
		double want; /* NAN: not yet known */
	} cases[] = {
		{ "2024-02-01", NAN }, { "2024-03-02", 1.8 }, { "2024-05-31", 1.8 }, { "2024-06-02", 1.85 },
		{ "2024-08-31", 1.85 }, { "2025-01-01", 1.9 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tm tm = { 0 };
		strptime(cases[i].at, "%Y-%m-%d", &tm);
		struct proto_req r = { .type = PROTO_QUERY, .plan = "test-plan", .ind = "unemployment",
				       .as_of_ms = (int64_t)timegm(&tm) * 1000 };
		period_parse(&r.from, "2023", 4);
		r.to = r.from;
		r.has_from = r.has_to = true;
		struct proto_view *v = harness_request(c, &r);
		if (isnan(cases[i].want)) {
			CHECK(proto_view_count(v) == 0);
		} else {
			double val;
			CHECK(proto_view_count(v) == 1);
			CHECK_OK(proto_view_double(v, 0, "value", &val));
			if (val != cases[i].want)
				fprintf(stderr, "as of %s: %g, wanted %g\n", cases[i].at, val, cases[i].want);
			CHECK(val == cases[i].want);
		}
		proto_view_free(v);
	}
	clock_set(c, "2026-11-22");
	/* A time outside 0 .. 9999-12-31 is out_of_range and moves nothing: -2^63 overflowed
	 * the clock offset (a UBSan abort of the daemon; issue 20 item 12). */
	int64_t now = harness_status(c, "now");
	const int64_t wild[] = { INT64_MIN, -1, INT64_MAX };
	for (size_t i = 0; i < sizeof(wild) / sizeof(wild[0]); i++) {
		struct proto_req r = { .type = PROTO_CLOCK_SET, .time_ms = wild[i] };
		struct proto_view *v = harness_request(c, &r);
		char err[32];
		CHECK_OK(proto_view_str(v, -1, "error", err, sizeof(err)));
		CHECK(strcmp(err, "out_of_range") == 0);
		proto_view_free(v);
	}
	int64_t after = harness_status(c, "now");
	CHECK(after >= now && after - now < 60000);
	pw_client_free(c);
}

/* A message for an indicator the catalog lacks waits in quarantine; after the catalog
 * is fixed and reloaded, `retry` applies it. */
static void test_retry(struct harness *h, const char *cat_copy, const char *plan_copy)
{
	struct pw_client *c = harness_client(h);
	struct pw_ack a;
	struct pw_obs o = { .plan = "test-plan", .indicator = "new_jobs", .period = "2024",
			    .value = 1.2, .unit = "万人", .status = "final", .yoy = NAN };
	CHECK_OK(pw_push(c, "人社局", "retry-1", &o, 1, 0, &a));
	CHECK_RC(a.code, PW_EINDICATOR);
	uint64_t qid = a.quarantine;
	CHECK(qid > 0);
	/* The series in the region file (its last key is series:), the target in the plan. */
	FILE *f = fopen(cat_copy, "a");
	CHECK(f);
	fputs("  - id: new_jobs\n    name: 城镇新增就业\n    name_en: New urban jobs\n"
	      "    category: 民生福祉\n    unit: 万人\n    frequency: annual\n    form: level\n"
	      "    departments: [人社局]\n", f);
	fclose(f);
	char cmd[900];
	snprintf(cmd, sizeof(cmd), "sed -i 's/^annual_targets:/  - {series: new_jobs, kind: info, "
		 "attribute: expected}\\nannual_targets:/' '%s'", plan_copy);
	CHECK(system(cmd) == 0);
	kill(h->pid, SIGHUP);
	/* The reload happens in the loop: retry until the new indicator is known. */
	struct proto_req r = { .type = PROTO_RETRY, .seq = qid };
	char type[16] = "";
	for (int i = 0; i < 100 && strcmp(type, "ack") != 0; i++) {
		struct proto_view *v = harness_request(c, &r);
		CHECK_OK(proto_view_str(v, -1, "type", type, sizeof(type)));
		proto_view_free(v);
		if (strcmp(type, "ack") != 0)
			usleep(50000);
	}
	CHECK(strcmp(type, "ack") == 0);
	struct proto_req q = { .type = PROTO_QUERY, .plan = "test-plan", .ind = "new_jobs" };
	struct proto_view *v = harness_request(c, &q);
	CHECK(proto_view_count(v) == 1);
	proto_view_free(v);
	/* Retrying again does not store it twice (same message id). */
	v = harness_request(c, &r);
	proto_view_free(v);
	v = harness_request(c, &q);
	int64_t rev;
	CHECK_OK(proto_view_int(v, 0, "rev", &rev));
	CHECK(rev == 1);
	proto_view_free(v);
	pw_client_free(c);
}

/* A store that cannot grow: the batch is NACKed as retryable, nothing acknowledged is
 * lost, and the daemon keeps serving. */
static void test_store_full(void)
{
	struct harness h;
	CHECK_OK(harness_init(&h, NULL, NULL));
	CHECK_OK(harness_use_bench_catalog(&h, 100, "map_size_mb: 1\nmap_max_mb: 2\n"));
	CHECK_OK(harness_start(&h));
	struct pw_client *c = harness_client(&h);
	struct pw_obs obs[100];
	char inds[100][16], periods[100][12], id[32], reason[200];
	memset(reason, 'x', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	long acked = 0;
	int full = 0;
	for (int m = 0; m < 2000 && !full; m++) {
		for (int i = 0; i < 100; i++) {
			snprintf(inds[i], 16, "ind%03d", i);
			snprintf(periods[i], 12, "%04d-%02d", 2006 + (m / 12) % 19, 1 + m % 12);
			obs[i] = (struct pw_obs){ .plan = HARNESS_BENCH_PLAN, .indicator = inds[i],
						  .period = periods[i], .unit = "亿元", .status = "flash",
						  .yoy = NAN, .value = m, .reason = reason };
		}
		snprintf(id, sizeof(id), "full-%d", m);
		struct pw_ack a;
		CHECK_OK(pw_push(c, "统计局", id, obs, 100, 0, &a));
		if (a.code == PW_EFULL) {
			CHECK(a.retry);
			full = 1;
		} else {
			CHECK_RC(a.code, 0);
			acked++;
		}
	}
	CHECK(full);
	printf("store full after %ld acknowledged batches\n", acked);
	/* Still serving reads, and what was acknowledged is there. */
	struct proto_req q = { .type = PROTO_QUERY, .plan = HARNESS_BENCH_PLAN, .ind = "ind000" };
	struct proto_view *v = harness_request(c, &q);
	CHECK(proto_view_count(v) > 0);
	proto_view_free(v);
	pw_client_free(c);
	CHECK(harness_stop(&h, SIGTERM) == 0);
	harness_cleanup(&h);
}

int main(void)
{
	struct harness h;
	char cat_copy[400], plan_copy[400], cmd[1500], src[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK_OK(harness_init(&h, NULL, NULL));
	/* Private copies of the fixture catalog, so the retry test can extend it. */
	snprintf(cat_copy, sizeof(cat_copy), "%s/test-region.yaml", h.dir);
	snprintf(plan_copy, sizeof(plan_copy), "%s/test-plan.yaml", h.dir);
	CHECK(getcwd(src, sizeof(src)));
	snprintf(cmd, sizeof(cmd), "cp '%s/tests/fixtures/test-region.yaml' '%s' && "
		 "cp '%s/tests/fixtures/test-plan.yaml' '%s'", src, cat_copy, src, plan_copy);
	CHECK(system(cmd) == 0);
	/* The real 14th plan of 泉港区 and the private fixture copies. */
	snprintf(cmd, sizeof(cmd), "%s/catalog/regions/quangang.yaml "
		 "%s/catalog/plans/quangang-14.yaml %s %s", src, src, cat_copy, plan_copy);
	CHECK_OK(harness_use_catalog(&h, cmd, NULL));
	CHECK_OK(harness_start(&h));
	test_seed_verdicts(&h);
	printf("ok verdicts on the real 泉港区 figures\n");
	test_restart_breach(&h);
	printf("ok restart during a breach: no duplicate, later resolved\n");
	test_missed_replay(&h);
	printf("ok a subscriber gets exactly what it missed\n");
	test_overdue_clock(&h);
	printf("ok overdue once, resolved on arrival (test clock)\n");
	test_backfill(&h);
	printf("ok backfill announces without alerts\n");
	test_as_of(&h);
	printf("ok as-of queries\n");
	test_retry(&h, cat_copy, plan_copy);
	printf("ok quarantine retry after a catalog reload\n");
	CHECK(harness_stop(&h, SIGTERM) == 0);
	harness_cleanup(&h);
	test_store_full();
	printf("ok full store: retryable NACK, daemon serves on\n");
	return 0;
}
