/* tests/test_proto.c — wire encoding, strict decoding, periods, statuses, errors. */
#include <math.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/bytes.h"
#include "../proto/period.h"
#include "../proto/proto.h"
#include "../proto/status.h"
#include "check.h"
#include "rng.h"

static void test_period(void)
{
	struct period p;
	char buf[PERIOD_TEXT_MAX];
	const char *good[] = { "2026", "2026Q3", "2026-10", "1949", "2100-12", "2016-2020",
			       "1949-1950", "2091-2100" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_OK(period_parse(&p, good[i], strlen(good[i])));
		period_format(&p, buf);
		CHECK(strcmp(buf, good[i]) == 0);
	}
	const char *bad[] = { "", "202", "2026-13", "2026-00", "2026Q0", "2026Q5", "2026-1",
			      "2026/10", "1948", "2101", "20x6", "2026-10x", "2026Q",
			      /* spans: at least two years, at most PERIOD_SPAN_MAX, in range */
			      "2020-2020", "2020-2016", "2011-2021", "1948-1950", "2099-2101",
			      "2016-202", "2016-20200", "2016_2020", "2016-20x0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_RC(period_parse(&p, bad[i], strlen(bad[i])), PW_EPERIOD);
	/* a span is its last year with n years: first year, key order after the year's months,
	 * the previous span of as many years, through the store key and back */
	struct period span, dec, sprev;
	CHECK_OK(period_parse(&span, "2016-2020", 9));
	CHECK(span.freq == PERIOD_SPAN && span.year == 2020 && span.n == 5 &&
	      period_first_year(&span) == 2016);
	CHECK_OK(period_parse(&dec, "2020-12", 7));
	CHECK(period_cmp(&dec, &span) < 0);
	sprev = period_prev(&span);
	period_format(&sprev, buf);
	CHECK(strcmp(buf, "2011-2015") == 0);
	uint8_t ks[4];
	period_key(&span, ks);
	struct period sback = period_from_key(ks);
	CHECK(period_cmp(&sback, &span) == 0);
	struct period a, b;
	period_parse(&a, "2025-12", 7);
	period_parse(&b, "2026-01", 7);
	CHECK(period_cmp(&a, &b) < 0 && period_cmp(&b, &a) > 0 && period_cmp(&a, &a) == 0);
	struct period prev = period_prev(&b);
	CHECK(period_cmp(&prev, &a) == 0);
	uint8_t ka[4], kb[4];
	period_key(&a, ka);
	period_key(&b, kb);
	CHECK(memcmp(ka, kb, 4) < 0);
	struct period back = period_from_key(kb);
	CHECK(period_cmp(&back, &b) == 0);
	int first, last;
	period_parse(&p, "2026Q3", 6);
	period_months(&p, &first, &last);
	CHECK(first == 7 && last == 9);
	/* period_day_ms is timegm's answer, including month and day overflow timegm
	 * normalises (rules.c asks for day 1 + due_days). */
	for (int y = 1900; y <= 2200; y += 3)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= 60; d += 29) {
				struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
				CHECK(period_day_ms(y, m, d) == (int64_t)timegm(&tm) * 1000);
			}
	/* period_format writes digits by hand: the same text snprintf gave, for any year. */
	for (unsigned y = 0; y <= 65535; y += 7)
		for (int f = 0; f < 3; f++) {
			struct period q = { .year = (uint16_t)y };
			char ref[16];
			q.freq = f == 0 ? PERIOD_ANNUAL : f == 1 ? PERIOD_QUARTER : PERIOD_MONTH;
			q.n = (uint8_t)(f == 0 ? 0 : 1 + y % (f == 1 ? 4 : 12));
			if (f == 1)
				snprintf(ref, sizeof(ref), "%04uQ%u", y, q.n % 10u);
			else if (f == 2)
				snprintf(ref, sizeof(ref), "%04u-%02u", y % 10000, q.n % 100u);
			else
				snprintf(ref, sizeof(ref), "%04u", y % 10000);
			if (strlen(ref) >= PERIOD_TEXT_MAX)
				continue;
			period_format(&q, buf);
			CHECK(strcmp(buf, ref) == 0);
		}
}

/* The Chinese forms of period_parse_text, each next to its nearest refused neighbour. */
static void test_period_text(void)
{
	static const struct {
		const char *in, *want;
	} good[] = {
		{ "2026", "2026" }, { "2026Q3", "2026Q3" }, { "2026-10", "2026-10" },
		{ "2026年", "2026" }, { "2026年全年", "2026" }, { "2026年度", "2026" },
		{ "1949年", "1949" }, { "2100年", "2100" },
		{ "2026年10月", "2026-10" }, { "2026年1月", "2026-01" }, { "2026年01月", "2026-01" },
		{ "2026年12月", "2026-12" }, { "2026年十月", "2026-10" }, { "2026年十二月", "2026-12" },
		{ "2026年10月份", "2026-10" }, { "2026年1-10月", "2026-10" },
		{ "2026年1—10月", "2026-10" }, { "2026年1–10月", "2026-10" },
		{ "2026年1－10月", "2026-10" }, { "2026年1~10月", "2026-10" },
		{ "2026年1～10月", "2026-10" }, { "2026年1至10月", "2026-10" },
		{ "2026年1-2月", "2026-02" }, { "2026年1-12月", "2026-12" },
		{ "2026年1-10月份", "2026-10" }, { "2026年一至十月", "2026-10" },
		{ "2026年三季度", "2026Q3" }, { "2026年第三季度", "2026Q3" },
		{ "2026年3季度", "2026Q3" }, { "2026年第3季度", "2026Q3" },
		{ "2026年一季度", "2026Q1" }, { "2026年四季度", "2026Q4" },
		{ "2026年1-3季度", "2026Q3" }, { "2026年1-2季度", "2026Q2" },
		{ "2026年1-4季度", "2026Q4" }, { "2026年前三季度", "2026Q3" },
		{ "2026年前两季度", "2026Q2" }, { "2026年前二季度", "2026Q2" },
		{ "2026年前四季度", "2026Q4" }, { "2026年上半年", "2026Q2" },
		{ "２０２６年１０月", "2026-10" }, { "2026年1-１０月", "2026-10" },
		{ "２０２６年", "2026" }, { "2026年第３季度", "2026Q3" },
		{ "2016-2020", "2016-2020" }, { "2016-2020年", "2016-2020" },
		{ "2016—2020年", "2016-2020" }, { "2016年-2020年", "2016-2020" },
		{ "2016至2020年", "2016-2020" }, { "２０１６－２０２０年", "2016-2020" },
	};
	static const char *const bad[] = {
		"", "2026年年", "2026 年", "2026年 ", "1948年", "2101年", "2026年13月",
		"2026年0月", "2026年00月", "2026年十三月", "2026年1-13月", "2026年1-1月",
		"2026年2-10月", "2026年3-5月", "2026年1-月", "2026年-10月", "2026年1--10月",
		"2026年10", "2026年10月x", "2026年10月份份", "2026年五季度", "2026年第五季度",
		"2026年0季度", "2026年1-5季度", "2026年1-1季度", "2026年前一季度",
		"2026年前五季度", "2026年前三季", "2026年下半年", "2026年上半年度",
		"2026年全年x", "2026年第1-3季度", "二〇二六年", "26年10月", "2026年123月",
		"2026年第", "2026年前", "2026年1", "2026年\xe5", "2026\xe5\xb9", "20x6年",
		"2026-10月", "2026Q3季度", "２０２６-10", "２０２６Q3", "2026年１３月", "２０２６年\xef\xbc",
		"2026年1-10月2026年1-10月2026年1-10月2026年1-10月2026年1-10月2026年1-10月",
		"2016-2020年年", "2016-2020年x", "2020-2016年", "2020-2020年", "2016-202年",
		"2016--2020年", "2016年-2020", "2016-2020 年",
	};
	struct period p;
	char buf[PERIOD_TEXT_MAX];
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = period_parse_text(&p, good[i].in, strlen(good[i].in));
		if (rc == 0)
			period_format(&p, buf);
		if (rc != 0 || strcmp(buf, good[i].want) != 0)
			fprintf(stderr, "period_parse_text('%s'): %d\n", good[i].in, rc);
		CHECK_OK(rc);
		CHECK(strcmp(buf, good[i].want) == 0);
		/* The wire parser stays canonical: only the canonical forms pass it. */
		CHECK((period_parse(&p, good[i].in, strlen(good[i].in)) == 0) ==
		      (strcmp(good[i].in, good[i].want) == 0));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (period_parse_text(&p, bad[i], strlen(bad[i])) != PW_EPERIOD)
			fprintf(stderr, "period_parse_text('%s') accepted\n", bad[i]);
		CHECK_RC(period_parse_text(&p, bad[i], strlen(bad[i])), PW_EPERIOD);
	}
	/* period_format_text writes what period_parse_text reads back, for every period. */
	for (int y = PERIOD_YEAR_MIN; y <= PERIOD_YEAR_MAX; y += 7)
		for (int f = PERIOD_ANNUAL; f <= PERIOD_MONTH; f++)
			for (int n = f == PERIOD_ANNUAL ? 0 : 1;
			     n <= (f == PERIOD_ANNUAL ? 0 : f == PERIOD_QUARTER ? 4 : 12); n++)
				for (int cum = 0; cum <= 1; cum++) {
					struct period a = { (uint16_t)y, (uint8_t)f, (uint8_t)n }, b;
					char zh[PERIOD_TEXT_ZH_MAX];
					period_format_text(&a, cum, zh);
					CHECK_OK(period_parse_text(&b, zh, strlen(zh)));
					CHECK(period_cmp(&a, &b) == 0);
				}
	for (int y = PERIOD_YEAR_MIN + PERIOD_SPAN_MAX; y <= PERIOD_YEAR_MAX; y += 7)
		for (int n = PERIOD_SPAN_MIN; n <= PERIOD_SPAN_MAX; n++) {
			struct period a = { (uint16_t)y, PERIOD_SPAN, (uint8_t)n }, b;
			char zh[PERIOD_TEXT_ZH_MAX];
			period_format_text(&a, 0, zh);
			CHECK_OK(period_parse_text(&b, zh, strlen(zh)));
			CHECK(period_cmp(&a, &b) == 0);
		}
	char zh[PERIOD_TEXT_ZH_MAX];
	CHECK_OK(period_parse(&p, "2026-10", 7));
	period_format_text(&p, 1, zh);
	CHECK(strcmp(zh, "2026年1-10月") == 0);
	period_format_text(&p, 0, zh);
	CHECK(strcmp(zh, "2026年10月") == 0);
	CHECK_OK(period_parse(&p, "2026-01", 7));
	period_format_text(&p, 1, zh);
	CHECK(strcmp(zh, "2026年1月") == 0);
	CHECK_OK(period_parse(&p, "2026Q3", 6));
	period_format_text(&p, 1, zh);
	CHECK(strcmp(zh, "2026年1-3季度") == 0);
	period_format_text(&p, 0, zh);
	CHECK(strcmp(zh, "2026年三季度") == 0);
	CHECK_OK(period_parse(&p, "2026", 4));
	period_format_text(&p, 1, zh);
	CHECK(strcmp(zh, "2026年") == 0);
	/* Exactly len bytes: a prefix of a longer text is judged on its own. */
	CHECK_OK(period_parse_text(&p, "2026年10月份", strlen("2026年10月")));
	CHECK(p.freq == PERIOD_MONTH && p.n == 10);
	CHECK_RC(period_parse_text(&p, "2026年10月", strlen("2026年10")), PW_EPERIOD);
}

static void test_status(void)
{
	CHECK(status_parse("flash") == PW_ST_FLASH);
	CHECK_RC(status_parse("guess"), PW_ESTATUS);
	/* People's names: English and Chinese; the wire parser takes only the English. */
	static const struct {
		const char *in;
		int want;
	} text[] = {
		{ "estimate", PW_ST_ESTIMATE }, { "final", PW_ST_FINAL }, { "快报", PW_ST_FLASH },
		{ "初步核算", PW_ST_PRELIMINARY }, { "初步核实", PW_ST_PRELIMINARY },
		{ "最终核实", PW_ST_FINAL }, { "调整数", PW_ST_REVISED }, { "修订数", PW_ST_REVISED },
		{ "预计数", PW_ST_ESTIMATE },
	};
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		CHECK(status_parse_text(text[i].in) == text[i].want);
		CHECK((status_parse(text[i].in) > 0) == ((unsigned char)text[i].in[0] < 0x80));
	}
	const char *nope[] = { "", "快", "快报 ", " 快报", "预计", "Final", "最终", "调整数数",
			       "unknown", "未知" };
	for (size_t i = 0; i < sizeof(nope) / sizeof(nope[0]); i++)
		CHECK_RC(status_parse_text(nope[i]), PW_ESTATUS);
	CHECK_OK(status_may_replace(PW_ST_ESTIMATE, PW_ST_FLASH));
	CHECK_OK(status_may_replace(PW_ST_FLASH, PW_ST_FLASH));
	CHECK_OK(status_may_replace(PW_ST_FINAL, PW_ST_REVISED));
	CHECK_RC(status_may_replace(PW_ST_FINAL, PW_ST_FINAL), PW_EFINAL);
	CHECK_RC(status_may_replace(PW_ST_FINAL, PW_ST_FLASH), PW_EFINAL);
	CHECK_RC(status_may_replace(PW_ST_PRELIMINARY, PW_ST_FLASH), PW_EREGRESS);
	CHECK(status_sdmx(PW_ST_ESTIMATE) == 'E' && status_sdmx(PW_ST_FINAL) == 'A');
}

static void test_errors(void)
{
	for (int e = 0; e > PW__LAST; e--) {
		CHECK(pw_strerror(e) && pw_strerror(e)[0]);
		CHECK(pw_errcode(pw_errname(e)) == e);
	}
	CHECK(strcmp(pw_errname(PW_EINDICATOR), "unknown_indicator") == 0);
	CHECK(strcmp(pw_strerror(12345), "unknown error") == 0);
	CHECK(strcmp(pw_strerror(-999), "unknown error") == 0);
}

static void test_roundtrip(void)
{
	struct proto_req in = { .type = PROTO_UPDATE, .dept = "统计局", .backfill = true };
	struct proto_item items[2] = {
		{ .plan = "p", .ind = "gdp", .unit = "亿元", .value = 734.44, .status = PW_ST_FINAL,
		  .yoy = 6.5, .reason = "年报", .confirm = true },
		{ .plan = "p", .ind = "cpi", .unit = "%", .value = -1, .status = PW_ST_FLASH, .yoy = NAN },
	};
	period_parse(&items[0].period, "2020", 4);
	period_parse(&items[1].period, "2026-10", 7);
	in.items = items;
	in.n_items = 2;
	strcpy(in.id, "msg-1");
	struct proto_buf b;
	proto_buf_init(&b);
	CHECK_OK(proto_req_encode(&in, &b));
	struct proto_req *out = proto_req_new();
	CHECK(out);
	CHECK_OK(proto_req_decode(out, b.data, b.len));
	CHECK(out->type == PROTO_UPDATE && strcmp(out->id, "msg-1") == 0);
	CHECK(strcmp(out->dept, "统计局") == 0 && out->backfill && out->n_items == 2 && !out->n_bad);
	CHECK(out->items[0].value == 734.44 && out->items[0].yoy == 6.5);
	CHECK(strcmp(out->items[0].reason, "年报") == 0 && out->items[0].status == PW_ST_FINAL);
	CHECK(isnan(out->items[1].yoy) && out->items[1].reason == NULL);
	CHECK(out->items[0].confirm && !out->items[1].confirm);
	CHECK(period_cmp(&out->items[1].period, &items[1].period) == 0);
	/* The decoder owns its strings: the encoded bytes may go away. */
	memset(b.data, 0, b.len);
	CHECK(strcmp(out->items[1].ind, "cpi") == 0);
	/* Every prefix of a valid frame is refused cleanly. */
	proto_buf_reset(&b);
	CHECK_OK(proto_req_encode(&in, &b));
	for (size_t n = 0; n < b.len; n++)
		CHECK(proto_req_decode(out, b.data, n) < 0);
	/* NaN is encoded as a float (the daemon answers bad_value), not as nil. */
	items[0].value = NAN;
	proto_buf_reset(&b);
	CHECK_OK(proto_req_encode(&in, &b));
	CHECK_OK(proto_req_decode(out, b.data, b.len));
	CHECK(isnan(out->items[0].value) && out->items[0].err == 0);
	items[0].value = 734.44;
	/* Trailing bytes are refused too. */
	proto_w_uint(&b, 1);
	CHECK_RC(proto_req_decode(out, b.data, b.len), PW_EPROTO);
	/* Optional fields survive the round trip: history with a limit (a series can have
	 * more vintages than the default page). */
	struct proto_req h = { .type = PROTO_HISTORY, .plan = "p", .ind = "gdp", .has_period = true,
			       .limit = 10000 };
	strcpy(h.id, "h1");
	period_parse(&h.period, "2025-12", 7);
	proto_buf_reset(&b);
	CHECK_OK(proto_req_encode(&h, &b));
	CHECK_OK(proto_req_decode(out, b.data, b.len));
	CHECK(out->type == PROTO_HISTORY && out->limit == 10000 && out->has_period);
	proto_req_free(out);
	proto_buf_release(&b);
}

/* An update request of one item up to that item's map: v, type, id, dept, items. */
static void w_update_head(struct proto_buf *b, const char *id)
{
	proto_buf_reset(b);
	proto_w_map(b, 5);
	proto_w_str(b, "v"); proto_w_uint(b, 1);
	proto_w_str(b, "type"); proto_w_str(b, "update");
	proto_w_str(b, "id"); proto_w_str(b, id);
	proto_w_str(b, "dept"); proto_w_str(b, "统计局");
	proto_w_str(b, "items"); proto_w_array(b, 1);
}

/* One update item naming its series by owner_key ("plan", "region") = owner, or by none. */
static int decode_owner(struct proto_req *out, struct proto_buf *b, const char *owner_key,
			const char *owner)
{
	w_update_head(b, "o1");
	proto_w_map(b, owner_key ? 6 : 5);
	if (owner_key) {
		proto_w_str(b, owner_key); proto_w_str(b, owner);
	}
	proto_w_str(b, "indicator"); proto_w_str(b, "gdp");
	proto_w_str(b, "period"); proto_w_str(b, "2026");
	proto_w_str(b, "value"); proto_w_double(b, 1);
	proto_w_str(b, "unit"); proto_w_str(b, "元");
	proto_w_str(b, "status"); proto_w_str(b, "final");
	CHECK_OK(proto_req_decode(out, b->data, b->len));
	CHECK(out->n_items == 1);
	return out->items[0].err;
}

/* An item names its series by region (new) or plan (v1); one of them is required. */
static void test_item_owner(void)
{
	struct proto_req *out = proto_req_new();
	struct proto_buf b;
	proto_buf_init(&b);
	CHECK(out);
	CHECK_OK(decode_owner(out, &b, "region", "quangang"));
	CHECK(strcmp(out->items[0].region, "quangang") == 0 && !out->items[0].plan);
	CHECK_OK(decode_owner(out, &b, "plan", "quangang-14"));
	CHECK(!out->items[0].region && strcmp(out->items[0].plan, "quangang-14") == 0);
	CHECK_RC(decode_owner(out, &b, NULL, NULL), PW_EFIELD);
	CHECK_RC(decode_owner(out, &b, "region", ""), PW_EFIELD);
	/* Encoded back as it came: region without plan. */
	struct proto_buf e;
	proto_buf_init(&e);
	CHECK_OK(decode_owner(out, &b, "region", "350505"));
	struct proto_req *back = proto_req_new();
	CHECK(back);
	CHECK_OK(proto_req_encode(out, &e));
	CHECK_OK(proto_req_decode(back, e.data, e.len));
	CHECK(back->n_items == 1 && strcmp(back->items[0].region, "350505") == 0 &&
	      !back->items[0].plan && back->items[0].err == 0);
	proto_req_free(back);
	proto_buf_release(&e);
	proto_req_free(out);
	proto_buf_release(&b);
}

/* The six pairs of a valid item (after its map header), its series named by key = owner
 * (owner NULL writes nil). */
static void w_item_pairs_of(struct proto_buf *b, const char *key, const char *owner)
{
	proto_w_str(b, key); proto_w_str(b, owner);
	proto_w_str(b, "indicator"); proto_w_str(b, "gdp");
	proto_w_str(b, "period"); proto_w_str(b, "2026");
	proto_w_str(b, "value"); proto_w_double(b, 1);
	proto_w_str(b, "unit"); proto_w_str(b, "元");
	proto_w_str(b, "status"); proto_w_str(b, "final");
}

/* The same, v1: by plan (NULL writes nil). */
static void w_item_pairs(struct proto_buf *b, const char *plan)
{
	w_item_pairs_of(b, "plan", plan);
}

/* A query/history/status request with its owner keys: key1 = v1 (and key2 = v2 if given). */
static int decode_read(struct proto_req *out, struct proto_buf *b, const char *type,
		       const char *key1, const char *v1, const char *key2, const char *v2)
{
	bool hist = strcmp(type, "history") == 0;
	proto_buf_reset(b);
	proto_w_map(b, 4 + (key1 != NULL) + (key2 != NULL) + hist);
	proto_w_str(b, "v"); proto_w_uint(b, 1);
	proto_w_str(b, "type"); proto_w_str(b, type);
	proto_w_str(b, "id"); proto_w_str(b, "q1");
	proto_w_str(b, "indicator"); proto_w_str(b, "gdp");
	if (hist) {
		proto_w_str(b, "period"); proto_w_str(b, "2020");
	}
	if (key1) {
		proto_w_str(b, key1); proto_w_str(b, v1);
	}
	if (key2) {
		proto_w_str(b, key2); proto_w_str(b, v2);
	}
	return proto_req_decode(out, b->data, b->len);
}

/* Reads name their series by region, or v1 plan, or both; one of the two is required. The
 * update's detail is a bool, and encodes back. */
static void test_read_owner(void)
{
	struct proto_req *out = proto_req_new();
	struct proto_buf b, e;
	proto_buf_init(&b);
	proto_buf_init(&e);
	CHECK(out);
	CHECK_OK(decode_read(out, &b, "query", "region", "quangang", NULL, NULL));
	CHECK(strcmp(out->region, "quangang") == 0 && !out->plan);
	CHECK_OK(decode_read(out, &b, "history", "region", "350505", "plan", "quangang-14"));
	CHECK(strcmp(out->region, "350505") == 0 && strcmp(out->plan, "quangang-14") == 0);
	CHECK_OK(decode_read(out, &b, "query", "plan", "quangang-14", NULL, NULL));
	CHECK(!out->region);
	CHECK_RC(decode_read(out, &b, "query", NULL, NULL, NULL, NULL), PW_EFIELD);
	CHECK_RC(decode_read(out, &b, "history", NULL, NULL, NULL, NULL), PW_EFIELD);
	CHECK_RC(decode_read(out, &b, "query", "region", "", NULL, NULL), PW_EFIELD);
	/* Encoded back: region without plan. */
	CHECK_OK(decode_read(out, &b, "query", "region", "quangang", NULL, NULL));
	struct proto_req *back = proto_req_new();
	CHECK(back);
	CHECK_OK(proto_req_encode(out, &e));
	CHECK_OK(proto_req_decode(back, e.data, e.len));
	CHECK(back->type == PROTO_QUERY && strcmp(back->region, "quangang") == 0 && !back->plan);
	/* detail: an update's bool, nothing else's. */
	w_update_head(&b, "d1");
	b.data[0] = 0x86; /* six pairs: the item, then detail */
	proto_w_map(&b, 6);
	w_item_pairs_of(&b, "region", "quangang");
	size_t mark = b.len;
	proto_w_str(&b, "detail"); proto_w_bool(&b, true);
	CHECK_OK(proto_req_decode(out, b.data, b.len));
	CHECK(out->detail && out->n_items == 1 && out->items[0].err == 0);
	proto_buf_reset(&e);
	CHECK_OK(proto_req_encode(out, &e));
	CHECK_OK(proto_req_decode(back, e.data, e.len));
	CHECK(back->detail);
	b.len = mark;
	proto_w_str(&b, "detail"); proto_w_uint(&b, 1);
	CHECK_RC(proto_req_decode(out, b.data, b.len), PW_EFIELD);
	proto_buf_reset(&b);
	proto_w_map(&b, 4);
	proto_w_str(&b, "v"); proto_w_uint(&b, 1);
	proto_w_str(&b, "type"); proto_w_str(&b, "status");
	proto_w_str(&b, "id"); proto_w_str(&b, "s1");
	proto_w_str(&b, "detail"); proto_w_bool(&b, true);
	CHECK_RC(proto_req_decode(out, b.data, b.len), PW_EFIELD);
	proto_req_free(back);
	proto_req_free(out);
	proto_buf_release(&b);
	proto_buf_release(&e);
}

/* One update item whose "confirm" is written by w (a bool, nil or a wrong type). */
static int decode_confirm(struct proto_req *out, struct proto_buf *b,
			  void (*w)(struct proto_buf *b))
{
	w_update_head(b, "c1");
	proto_w_map(b, 7);
	w_item_pairs(b, "p");
	proto_w_str(b, "confirm"); w(b);
	CHECK_OK(proto_req_decode(out, b->data, b->len));
	CHECK(out->n_items == 1);
	return out->items[0].err;
}
static void w_true(struct proto_buf *b) { proto_w_bool(b, true); }
static void w_false(struct proto_buf *b) { proto_w_bool(b, false); }
static void w_nil(struct proto_buf *b) { proto_w_nil(b); }
static void w_str(struct proto_buf *b) { proto_w_str(b, "yes"); }
static void w_one(struct proto_buf *b) { proto_w_uint(b, 1); }

static void test_confirm(void)
{
	struct proto_req *out = proto_req_new();
	struct proto_buf b;
	proto_buf_init(&b);
	CHECK(out);
	CHECK_OK(decode_confirm(out, &b, w_true));
	CHECK(out->items[0].confirm);
	CHECK_OK(decode_confirm(out, &b, w_false));
	CHECK(!out->items[0].confirm);
	CHECK_OK(decode_confirm(out, &b, w_nil));
	CHECK(!out->items[0].confirm);
	CHECK_RC(decode_confirm(out, &b, w_str), PW_EFIELD);
	CHECK_RC(decode_confirm(out, &b, w_one), PW_EFIELD);
	proto_req_free(out);
	proto_buf_release(&b);
}

/* A request field: its key and what is written for it ('s' a str, 'u' a uint, 'd' a float,
 * 'p' a period, 'b' a bool, 'i' one valid item, 'n' nil). */
struct nil_field {
	const char *key;
	char kind;
};

struct nil_case {
	const char *type;
	struct nil_field required[3], optional[5];
};

static void w_nil_field(struct proto_buf *b, const struct nil_field *f, bool nil)
{
	proto_w_str(b, f->key);
	if (nil) {
		proto_w_nil(b);
		return;
	}
	switch (f->kind) {
	case 's': proto_w_str(b, strcmp(f->key, "dept") == 0 ? "统计局" : "gdp"); break;
	case 'u': proto_w_uint(b, 2021); break;
	case 'd': proto_w_double(b, 1.5); break;
	case 'p': proto_w_str(b, "2024"); break;
	case 'b': proto_w_bool(b, true); break;
	default:
		proto_w_array(b, 1);
		proto_w_map(b, 6);
		w_item_pairs(b, "p");
	}
}

static size_t n_fields(const struct nil_field *f, size_t cap)
{
	size_t n = 0;
	while (n < cap && f[n].key)
		n++;
	return n;
}

/* The request of c with every required field valid, the one at nil_at (an index into
 * required, then optional) nil, and optional field `with` (or none: -1) present. */
static int decode_nil(struct proto_req *out, struct proto_buf *b, const struct nil_case *c,
		      int nil_at, int with)
{
	size_t nr = n_fields(c->required, 3);
	proto_buf_reset(b);
	proto_w_map(b, (uint32_t)(3 + nr + (with >= 0)));
	proto_w_str(b, "v"); proto_w_uint(b, 1);
	proto_w_str(b, "type"); proto_w_str(b, c->type);
	proto_w_str(b, "id"); proto_w_str(b, "nil-1");
	for (size_t i = 0; i < nr; i++)
		w_nil_field(b, &c->required[i], (int)i == nil_at);
	if (with >= 0)
		w_nil_field(b, &c->optional[with], (int)nr + with == nil_at);
	return proto_req_decode(out, b->data, b->len);
}

/* nil for an optional key is the key left out, for every request type and every optional
 * key (PROTOCOL.md §2); nil for a required key is bad_field. */
static void test_nil_optional(void)
{
	static const struct nil_case cases[] = {
		{ "update", { { "dept", 's' }, { "items", 'i' } },
		  { { "backfill", 'b' }, { "detail", 'b' } } },
		{ "query", { { "plan", 's' }, { "indicator", 's' } },
		  { { "from", 'p' }, { "to", 'p' }, { "as_of", 'u' }, { "limit", 'u' },
		    { "region", 's' } } },
		{ "history", { { "plan", 's' }, { "indicator", 's' }, { "period", 'p' } },
		  { { "limit", 'u' }, { "region", 's' } } },
		{ "since", { { "seq", 'u' } }, { { "limit", 'u' }, { "prefix", 's' } } },
		{ "status", { { NULL, 0 } }, { { NULL, 0 } } },
		{ "alerts", { { NULL, 0 } },
		  { { "plan", 's' }, { "region", 's' }, { "dept", 's' }, { "period", 'p' },
		    { "all", 'b' } } },
		{ "rejected", { { NULL, 0 } },
		  { { "seq", 'u' }, { "limit", 'u' }, { "dept", 's' }, { "time", 'u' } } },
		{ "retry", { { "seq", 'u' } }, { { NULL, 0 } } },
		{ "target_set", { { "plan", 's' }, { "indicator", 's' }, { "value", 'd' } },
		  { { "dept", 's' }, { "year", 'u' } } },
		{ "catalog", { { NULL, 0 } },
		  { { "plan", 's' }, { "region", 's' }, { "sources", 'b' } } },
		{ "clock_set", { { "time", 'u' } }, { { NULL, 0 } } },
		{ "backup", { { "path", 's' } }, { { NULL, 0 } } },
	};
	struct proto_req *out = proto_req_new(), *base = proto_req_new();
	struct proto_buf b;
	proto_buf_init(&b);
	CHECK(out && base);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct nil_case *c = &cases[k];
		int nr = (int)n_fields(c->required, 3), no = (int)n_fields(c->optional, 5);
		CHECK_OK(decode_nil(base, &b, c, -1, -1));
		for (int i = 0; i < nr; i++)
			CHECK_RC(decode_nil(out, &b, c, i, -1), PW_EFIELD);
		for (int i = 0; i < no; i++) {
			CHECK_OK(decode_nil(out, &b, c, -1, i)); /* present and valid */
			int rc = decode_nil(out, &b, c, nr + i, i);
			if (rc != 0)
				fprintf(stderr, "%s: %s: nil refused (%s)\n", c->type,
					c->optional[i].key, pw_errname(rc));
			CHECK_OK(rc);
			/* as if absent */
			CHECK(out->backfill == base->backfill && out->has_from == base->has_from &&
			      out->has_to == base->has_to && out->as_of_ms == base->as_of_ms &&
			      out->limit == base->limit && !out->prefix == !base->prefix &&
			      out->seq == base->seq && out->time_ms == base->time_ms &&
			      out->year == base->year && !out->dept == !base->dept &&
			      !out->plan == !base->plan && !out->region == !base->region &&
			      out->detail == base->detail && out->all == base->all &&
			      out->has_period == base->has_period && out->sources == base->sources);
		}
	}
	/* An item's optional keys: yoy, reason, confirm, and the one of plan and region that
	 * is not given. */
	static const char *const item_keys[] = { "yoy", "reason", "confirm", "region" };
	for (size_t i = 0; i < 4; i++) {
		w_update_head(&b, "nil-2");
		proto_w_map(&b, 7);
		w_item_pairs(&b, "p");
		proto_w_str(&b, item_keys[i]); proto_w_nil(&b);
		CHECK_OK(proto_req_decode(out, b.data, b.len));
		if (out->items[0].err)
			fprintf(stderr, "item: %s: nil refused (%s)\n", item_keys[i],
				pw_errname(out->items[0].err));
		CHECK(out->items[0].err == 0 && !out->items[0].region && !out->items[0].reason &&
		      isnan(out->items[0].yoy) && !out->items[0].confirm);
	}
	w_update_head(&b, "nil-3");
	proto_w_map(&b, 7);
	proto_w_str(&b, "region"); proto_w_str(&b, "quangang");
	w_item_pairs(&b, NULL);
	CHECK_OK(proto_req_decode(out, b.data, b.len));
	CHECK(out->items[0].err == 0 && !out->items[0].plan);
	/* Both nil: neither names the series. Required item keys nil: bad_field. */
	CHECK_RC(decode_owner(out, &b, "region", NULL), PW_EFIELD);
	proto_req_free(base);
	proto_req_free(out);
	proto_buf_release(&b);
}

static void test_limits(void)
{
	struct proto_req *r = proto_req_new();
	/* An array header announcing 2^32-1 elements in a 6-byte frame. */
	const uint8_t huge[] = { 0xdd, 0xff, 0xff, 0xff, 0xff, 0x00 };
	CHECK_RC(proto_req_decode(r, huge, sizeof(huge)), PW_EPROTO);
	const uint8_t hugemap[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
	CHECK_RC(proto_req_decode(r, hugemap, sizeof(hugemap)), PW_EPROTO);
	/* A string claiming more bytes than exist. */
	const uint8_t str[] = { 0x81, 0xdb, 0x7f, 0xff, 0xff, 0xff, 'a' };
	CHECK_RC(proto_req_decode(r, str, sizeof(str)), PW_EPROTO);
	/* Deep nesting. */
	uint8_t deep[64];
	memset(deep, 0x91, sizeof(deep));
	deep[63] = 0x01;
	CHECK_RC(proto_req_decode(r, deep, sizeof(deep)), PW_EPROTO);
	/* 0xc1 is never valid. */
	CHECK_RC(proto_req_decode(r, "\xc1", 1), PW_EPROTO);
	/* Over the frame limit. */
	CHECK_RC(proto_req_decode(r, huge, PROTO_MAX_FRAME + 1), PW_ETOOBIG);
	/* An id longer than 64 bytes is not accepted as an id. */
	struct proto_buf b;
	proto_buf_init(&b);
	proto_w_map(&b, 3);
	proto_w_str(&b, "v");
	proto_w_uint(&b, 1);
	proto_w_str(&b, "type");
	proto_w_str(&b, "status");
	proto_w_str(&b, "id");
	char longid[80];
	memset(longid, 'x', 79);
	longid[79] = '\0';
	proto_w_str(&b, longid);
	CHECK_RC(proto_req_decode(r, b.data, b.len), PW_EFIELD);
	proto_buf_release(&b);
	proto_req_free(r);
	/* Found by fuzzing/review: ext objects, NUL inside strings, huge maps. */
	r = proto_req_new();
	const uint8_t ext[] = { 0xd4, 0x01, 0x02 };
	CHECK_RC(proto_req_decode(r, ext, sizeof(ext)), PW_EPROTO);
	struct proto_view *v;
	CHECK_RC(proto_view_new(&v, ext, sizeof(ext)), PW_EPROTO);
	proto_buf_init(&b);
	proto_w_map(&b, 4);
	proto_w_str(&b, "v");
	proto_w_uint(&b, 1);
	proto_w_str(&b, "type");
	proto_w_str(&b, "rejected");
	proto_w_str(&b, "id");
	proto_w_str(&b, "nul");
	proto_w_str(&b, "dept");
	proto_w_strn(&b, "统计局\0人社局", strlen("统计局") + 1 + strlen("人社局"));
	CHECK_RC(proto_req_decode(r, b.data, b.len), PW_EFIELD);
	proto_buf_reset(&b);
	proto_w_map(&b, 30000);
	for (int i = 0; i < 30000; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		proto_w_str(&b, k);
		proto_w_uint(&b, 1);
	}
	CHECK_RC(proto_req_decode(r, b.data, b.len), PW_EVERSION); /* no v among them */
	proto_buf_release(&b);
	proto_req_free(r);
	CHECK(proto_utf8_valid("统计局", strlen("统计局")));
	CHECK(!proto_utf8_valid("\xc0\xaf", 2));         /* overlong */
	CHECK(!proto_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	CHECK(!proto_utf8_valid("\xe7\xbb", 2));         /* truncated */
	CHECK(!proto_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
}

/* A refused frame is answered under its id whenever the id could be read (PROTOCOL.md §2),
 * including frames that are not one well-formed, bounded msgpack map. */
static void test_salvaged_id(void)
{
	struct proto_req *r = proto_req_new();
	struct proto_buf b;
	CHECK(r);
	proto_buf_init(&b);
	/* {v: 1, id: "keep-1", items: [2^32-1 elements...]}: the count does not fit. */
	proto_w_map(&b, 3);
	proto_w_str(&b, "v");
	proto_w_uint(&b, 1);
	proto_w_str(&b, "id");
	proto_w_str(&b, "keep-1");
	proto_w_str(&b, "items");
	const uint8_t huge[] = { 0xdd, 0xff, 0xff, 0xff, 0xff, 0x00 };
	proto_w_raw(&b, huge, sizeof(huge));
	CHECK_RC(proto_req_decode(r, b.data, b.len), PW_EPROTO);
	CHECK(strcmp(r->id, "keep-1") == 0);
	/* A well-formed map followed by trailing bytes. */
	proto_buf_reset(&b);
	proto_w_map(&b, 2);
	proto_w_str(&b, "id");
	proto_w_str(&b, "keep-2");
	proto_w_str(&b, "v");
	proto_w_uint(&b, 1);
	proto_w_uint(&b, 7);
	CHECK_RC(proto_req_decode(r, b.data, b.len), PW_EPROTO);
	CHECK(strcmp(r->id, "keep-2") == 0);
	/* The id after the damaged pair cannot be reached: "". */
	proto_buf_reset(&b);
	proto_w_map(&b, 2);
	proto_w_str(&b, "items");
	proto_w_raw(&b, huge, sizeof(huge));
	CHECK_RC(proto_req_decode(r, b.data, b.len), PW_EPROTO);
	CHECK(r->id[0] == '\0');
	/* Cut off inside the id itself: "". */
	proto_buf_reset(&b);
	proto_w_map(&b, 1);
	proto_w_str(&b, "id");
	proto_w_str(&b, "keep-3");
	CHECK_RC(proto_req_decode(r, b.data, b.len - 2), PW_EPROTO);
	CHECK(r->id[0] == '\0');
	/* A time outside 0..PROTO_MAX_TIME_MS is refused (clock_set with -2^63 overflowed). */
	const int64_t times[] = { INT64_MIN, -1, PROTO_MAX_TIME_MS + 1, INT64_MAX };
	for (size_t i = 0; i < sizeof(times) / sizeof(*times); i++) {
		proto_buf_reset(&b);
		proto_w_map(&b, 4);
		proto_w_str(&b, "v");
		proto_w_uint(&b, 1);
		proto_w_str(&b, "type");
		proto_w_str(&b, "clock_set");
		proto_w_str(&b, "id");
		proto_w_str(&b, "t");
		proto_w_str(&b, "time");
		proto_w_int(&b, times[i]);
		CHECK_RC(proto_req_decode(r, b.data, b.len), PW_ERANGE);
		CHECK(strcmp(r->id, "t") == 0);
	}
	proto_buf_release(&b);
	proto_req_free(r);
}

static void test_view(void)
{
	struct proto_buf b;
	struct proto_view *v;
	proto_buf_init(&b);
	struct proto_map m;
	proto_reply_open(&m, &b, PROTO_RESULT, "q1");
	proto_map_key(&m, "items");
	proto_w_array(&b, 2);
	proto_w_map(&b, 2);
	proto_w_str(&b, "value");
	proto_w_double(&b, 734.44);
	proto_w_str(&b, "name");
	proto_w_str(&b, "地区\"生产\"总值");
	proto_w_map(&b, 1);
	proto_w_str(&b, "value");
	proto_w_int(&b, -3);
	proto_map_close(m);
	CHECK_OK(proto_view_new(&v, b.data, b.len));
	CHECK(proto_view_nkeys(v) == 4);
	CHECK(proto_view_count(v) == 2);
	double d;
	CHECK_OK(proto_view_double(v, 0, "value", &d));
	CHECK(d == 734.44);
	CHECK_OK(proto_view_double(v, 1, "value", &d));
	CHECK(d == -3);
	CHECK_RC(proto_view_double(v, 2, "value", &d), PW_ENOTFOUND);
	char s[8];
	CHECK_RC(proto_view_int(v, 0, "name", &(int64_t){ 0 }), PW_EFIELD);
	CHECK_OK(proto_view_str(v, -1, "id", s, sizeof(s)));
	CHECK(strcmp(s, "q1") == 0);
	char *js;
	CHECK_OK(proto_view_json(v, 0, &js));
	CHECK(strcmp(js, "{\"value\":734.44,\"name\":\"地区\\\"生产\\\"总值\"}") == 0);
	free(js);
	proto_view_free(v);
	proto_buf_release(&b);
}

static void test_view_entries(void)
{
	struct proto_buf b;
	struct proto_view *v;
	char key[6], *text;
	proto_buf_init(&b);
	proto_w_map(&b, 4);
	proto_w_str(&b, "type");
	proto_w_str(&b, "result, with a comma");
	proto_w_str(&b, "accepted");
	proto_w_uint(&b, 43);
	proto_w_str(&b, "list");
	proto_w_array(&b, 2);
	proto_w_str(&b, "a\"b");
	proto_w_nil(&b);
	proto_w_str(&b, "now");
	proto_w_double(&b, 1.5);
	CHECK_OK(proto_view_new(&v, b.data, b.len));
	CHECK(proto_view_nkeys(v) == 4);
	CHECK_OK(proto_view_entry(v, 0, key, sizeof(key), &text));
	CHECK(strcmp(key, "type") == 0 && strcmp(text, "result, with a comma") == 0);
	free(text);
	CHECK_OK(proto_view_entry(v, 1, key, sizeof(key), &text)); /* key cut to fit */
	CHECK(strcmp(key, "accep") == 0 && strcmp(text, "43") == 0);
	free(text);
	CHECK_OK(proto_view_entry(v, 2, key, sizeof(key), &text));
	CHECK(strcmp(text, "[\"a\\\"b\",null]") == 0);
	free(text);
	CHECK_OK(proto_view_entry(v, 3, key, sizeof(key), &text));
	CHECK(strcmp(text, "1.5") == 0);
	free(text);
	CHECK_RC(proto_view_entry(v, 4, key, sizeof(key), &text), PW_ENOTFOUND);
	proto_view_free(v);
	proto_buf_release(&b);
}

static void test_view_str_at(void)
{
	struct proto_buf b;
	struct proto_view *v;
	char out[32];
	proto_buf_init(&b);
	proto_w_map(&b, 2);
	proto_w_str(&b, "departments");
	proto_w_array(&b, 2);
	proto_w_str(&b, "林业局");
	proto_w_str(&b, "统计\"局"); /* a quote: JSON text scanning would cut it */
	proto_w_str(&b, "unit");
	proto_w_str(&b, "%");
	CHECK_OK(proto_view_new(&v, b.data, b.len));
	CHECK_OK(proto_view_str_at(v, -1, "departments", 0, out, sizeof(out)));
	CHECK(strcmp(out, "林业局") == 0);
	CHECK_OK(proto_view_str_at(v, -1, "departments", 1, out, sizeof(out)));
	CHECK(strcmp(out, "统计\"局") == 0);
	CHECK_RC(proto_view_str_at(v, -1, "departments", 2, out, sizeof(out)), PW_ENOTFOUND);
	CHECK_RC(proto_view_str_at(v, -1, "unit", 0, out, sizeof(out)), PW_EFIELD);
	CHECK_RC(proto_view_str_at(v, -1, "missing", 0, out, sizeof(out)), PW_ENOTFOUND);
	proto_view_free(v);
	proto_buf_release(&b);
}

static int sbuf_write(void *data, const char *p, size_t n)
{
	return msgpack_sbuffer_write(data, p, n);
}

/* proto_w_strn writes the str header itself (a hot path): it must produce exactly the
 * bytes msgpack-c's packer does, at every header-size boundary. */
static void test_str_encoding(void)
{
	static const size_t lens[] = { 0, 1, 31, 32, 255, 256, 65535, 65536, 70000 };
	char *s = malloc(70000);
	CHECK(s != NULL);
	memset(s, 'x', 70000);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct proto_buf b;
		msgpack_sbuffer sb;
		msgpack_packer pk;
		proto_buf_init(&b);
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, sbuf_write);
		proto_w_str(&b, "k");
		proto_w_strn(&b, s, lens[i]);
		msgpack_pack_str(&pk, 1);
		msgpack_pack_str_body(&pk, "k", 1);
		msgpack_pack_str(&pk, lens[i]);
		msgpack_pack_str_body(&pk, s, lens[i]);
		CHECK(b.err == 0);
		CHECK(b.len == sb.size);
		CHECK(memcmp(b.data, sb.data, sb.size) == 0);
		msgpack_sbuffer_destroy(&sb);
		proto_buf_release(&b);
	}
	free(s);
}

static int sbuf_cb(void *data, const char *p, size_t n)
{
	struct proto_buf *b = data;
	proto_w_raw(b, p, n);
	return b->err;
}

/* The map writer counts its pairs: for every header size (fixmap up to 15, map16, map32)
 * its bytes equal msgpack-c's with the count given by hand, and they decode back. */
static void test_map_writer(void)
{
	const uint32_t sizes[] = { 0, 1, 15, 16, 17, 65535, 65536, 70000 };
	struct proto_buf got, want;
	proto_buf_init(&got);
	proto_buf_init(&want);
	for (size_t k = 0; k < 2 * sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t n = sizes[k / 2];
		bool wide = k % 2; /* the reserved header is a hint: both must come out right */
		struct proto_map m;
		msgpack_packer pk = { .data = &want, .callback = sbuf_cb };
		proto_buf_reset(&got);
		proto_buf_reset(&want);
		proto_w_uint(&got, 7); /* the map need not start the buffer */
		if (wide)
			proto_map_open_wide(&m, &got);
		else
			proto_map_open(&m, &got);
		msgpack_pack_uint64(&pk, 7);
		msgpack_pack_map(&pk, n);
		for (uint32_t i = 0; i < n; i++) {
			char key[16];
			snprintf(key, sizeof(key), "k%u", i);
			proto_kv_uint(&m, key, i);
			msgpack_pack_str(&pk, strlen(key));
			msgpack_pack_str_body(&pk, key, strlen(key));
			msgpack_pack_uint64(&pk, i);
		}
		proto_map_close(m);
		CHECK_OK(got.err);
		CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
		struct proto_view *v;
		CHECK_OK(proto_view_new(&v, got.data + 1, got.len - 1));
		CHECK(proto_view_nkeys(v) == n);
		proto_view_free(v);
	}
	/* Nested: an inner map long enough to move its body closes before the outer. */
	struct proto_map outer, inner;
	proto_buf_reset(&got);
	proto_reply_open(&outer, &got, PROTO_RESULT, "n1");
	proto_map_key(&outer, "inner");
	proto_map_open(&inner, &got);
	for (int i = 0; i < 20; i++) {
		char key[16];
		snprintf(key, sizeof(key), "i%d", i);
		proto_kv_int(&inner, key, -i);
	}
	proto_map_close(inner);
	proto_kv_str(&outer, "after", "x");
	proto_kv_double(&outer, "nan", NAN);
	proto_kv_bool(&outer, "b", true);
	proto_map_close(outer);
	struct proto_view *v;
	char s[8];
	bool b;
	double d;
	CHECK_OK(proto_view_new(&v, got.data, got.len));
	CHECK(proto_view_nkeys(v) == 7);
	CHECK_OK(proto_view_str(v, -1, "after", s, sizeof(s)));
	CHECK(strcmp(s, "x") == 0);
	CHECK_OK(proto_view_bool(v, -1, "b", &b));
	CHECK(b);
	CHECK_RC(proto_view_double(v, -1, "nan", &d), PW_ENOTFOUND); /* nil */
	char *js;
	CHECK_OK(proto_view_json(v, -1, &js));
	CHECK(strstr(js, "\"i19\":-19}") != NULL);
	free(js);
	proto_view_free(v);
	/* Pairs without a header (a notice's fields) are counted; a key without a value is not
	 * a whole number of pairs. */
	uint32_t pairs = 99;
	proto_buf_reset(&got);
	CHECK_OK(proto_count_pairs(got.data, got.len, &pairs));
	CHECK(pairs == 0);
	proto_w_str(&got, "a");
	proto_w_array(&got, 2);
	proto_w_str(&got, "x");
	proto_w_nil(&got);
	proto_w_str(&got, "b");
	CHECK_RC(proto_count_pairs(got.data, got.len, &pairs), PW_EPROTO);
	proto_w_uint(&got, 300);
	CHECK_OK(proto_count_pairs(got.data, got.len, &pairs));
	CHECK(pairs == 2);
	got.len--; /* a value cut short */
	CHECK_RC(proto_count_pairs(got.data, got.len, &pairs), PW_EPROTO);
	/* Views refuse more than PROTO_MAX_REPLY bytes before reading any. */
	CHECK_RC(proto_view_new(&v, got.data, (size_t)PROTO_MAX_REPLY + 1), PW_ETOOBIG);
	proto_buf_release(&got);
	proto_buf_release(&want);
}

/* The byte codecs at every width against the byte order spelt out here (their 4- and 8-byte
 * widths have their own code path), and each decoder against its encoder. */
static void test_bytes(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 200; round++) {
		uint64_t v = rng_next(&seed);
		for (size_t n = 1; n <= 8; n++) {
			uint8_t le[10], be[10], want_le[8], want_be[8];
			uint64_t low = n == 8 ? v : v & ((1ull << (8 * n)) - 1);
			for (size_t i = 0; i < n; i++) {
				want_le[i] = (uint8_t)(low >> (8 * i));
				want_be[n - 1 - i] = want_le[i];
			}
			memset(le, 0xa5, sizeof(le));
			memset(be, 0xa5, sizeof(be));
			CHECK(bytes_put_le(le + 1, v, n) == le + 1 + n);
			bytes_put_be(be + 1, low, n);
			CHECK(memcmp(le + 1, want_le, n) == 0 && memcmp(be + 1, want_be, n) == 0);
			/* nothing written outside the n bytes */
			CHECK(le[0] == 0xa5 && le[1 + n] == 0xa5 && be[0] == 0xa5 && be[1 + n] == 0xa5);
			CHECK(bytes_get_le(le + 1, n) == low && bytes_get_be(be + 1, n) == low);
		}
	}
}

int main(void)
{
	test_bytes();
	test_period();
	test_period_text();
	test_status();
	test_errors();
	test_roundtrip();
	test_confirm();
	test_item_owner();
	test_read_owner();
	test_limits();
	test_nil_optional();
	test_salvaged_id();
	test_view();
	test_view_str_at();
	test_view_entries();
	test_str_encoding();
	test_map_writer();
	printf("test_proto: ok\n");
	return 0;
}
