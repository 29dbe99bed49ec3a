/* daemon/overdue.c — missing figures by release calendar, announced per department and
 * period (contract: overdue.h). The due entry is a versioned little-endian record:
 * u8 1, u8 state (1 announced), i64 due_ms, i64 announced_ms, u64 seq of its notice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../model/discipline.h"
#include "../model/ytd.h"
#include "../proto/bytes.h"
#include "../proto/err.h"
#include "overdue.h"

#define DUE_VERSION 1
#define DUE_REC 26
#define DUE_ANNOUNCED 1

/* One series with a release calendar, as overdue sees it. */
struct series {
	const char *owner, *alias, *id, *name;
	const char *dept; /* responsible: the first of departments ("-" when none) */
	int freq, due_days;
	struct period first; /* first expected period */
};

/* One missing figure. */
struct gap {
	struct series s;
	struct period p;
	int64_t due_ms;
	int days; /* late, whole days rounded up (model/discipline.c) */
	bool announced;
};

struct gaps {
	struct gap *v;
	size_t n, cap;
};

/* ---- the series of a catalog ---- */

static void of_series(const struct cat_series *s, struct series *o)
{
	*o = (struct series){
		.owner = s->region->id, .alias = s->region->alias, .id = s->id, .name = s->name,
		.dept = s->n_depts ? s->depts[0] : "-", .freq = s->freq, .due_days = s->due_days,
		.first = s->first_due,
	};
}

typedef int (*series_fn)(const struct series *s, void *arg);

/* Every series of region r with a release calendar. */
static int region_series(const struct cat_region *r, series_fn fn, void *arg)
{
	struct series s;
	int rc;
	for (size_t k = 0; k < r->n_series; k++) {
		of_series(&r->series[k], &s);
		if (s.due_days > 0 && (rc = fn(&s, arg)) < 0)
			return rc;
	}
	return 0;
}

/* Every series of the catalog with a release calendar. */
static int each_series(const struct catalog *c, series_fn fn, void *arg)
{
	int rc;
	for (size_t i = 0; i < catalog_n_regions(c); i++)
		if ((rc = region_series(catalog_region_at(c, i), fn, arg)) < 0)
			return rc;
	return 0;
}

/* The series (owner, id) of the catalog, false when it has none (a file since removed). */
static bool find_series(const struct catalog *c, const char *owner, const char *id,
			struct series *o)
{
	const struct cat_region *r = catalog_region(c, owner);
	const struct cat_series *s = r ? catalog_series(r, id) : NULL;
	if (s)
		of_series(s, o);
	return s != NULL;
}

static bool wanted(const struct catalog *c, const struct overdue_filter *f, const struct series *s)
{
	if (f->dept && strcmp(f->dept, s->dept) != 0)
		return false;
	if (f->region && strcmp(f->region, s->owner) != 0)
		return false;
	if (!f->plan)
		return true;
	const struct cat_indicator *x = catalog_find(c, f->plan, s->id);
	return x && strcmp(cat_owner(x), s->owner) == 0;
}

/* ---- the due table ---- */

static void due_encode(uint8_t out[DUE_REC], int64_t due_ms, int64_t announced_ms, uint64_t seq)
{
	uint8_t *p = out;
	*p++ = DUE_VERSION;
	*p++ = DUE_ANNOUNCED;
	p = bytes_put_le(p, (uint64_t)due_ms, 8);
	p = bytes_put_le(p, (uint64_t)announced_ms, 8);
	bytes_put_le(p, seq, 8);
}

static int due_decode(const void *buf, size_t len, int64_t *due_ms)
{
	const uint8_t *p = buf;
	if (len != DUE_REC || p[0] != DUE_VERSION)
		return PW_EDAMAGED;
	*due_ms = (int64_t)bytes_get_le(p + 2, 8);
	return 0;
}

/* 1 when (s, p) has a due entry, 0 when not. */
static int is_announced(struct store_txn *t, const struct series *s, const struct period *p)
{
	uint8_t buf[DUE_REC];
	size_t len;
	int rc = store_due_get(t, s->owner, s->id, p, buf, sizeof(buf), &len);
	return rc == 0 || rc == PW_ETOOBIG ? 1 : rc == PW_ENOTFOUND ? 0 : rc;
}

/* ---- missing figures ---- */

/* The year's last period of freq (Q4, December), for which an annual figure stands in. */
static bool year_end(const struct period *p)
{
	return (p->freq == PERIOD_QUARTER && p->n == 4) || (p->freq == PERIOD_MONTH && p->n == 12);
}

/* 1 when the store has a figure for (s, p), 0 when it is missing. */
static int has_figure(struct store_txn *t, const struct series *s, const struct period *p)
{
	struct store_head h;
	int rc = store_obs_head(t, s->owner, s->id, p, &h);
	if (rc == PW_ENOTFOUND && year_end(p)) {
		struct period y = { .year = p->year, .freq = PERIOD_ANNUAL };
		rc = store_obs_head(t, s->owner, s->id, &y, &h);
	}
	return rc == 0 ? 1 : rc == PW_ENOTFOUND ? 0 : rc;
}

static int gaps_add(struct gaps *g, const struct series *s, const struct period *p,
		    int64_t due_ms, int64_t now_ms, bool announced)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		struct gap *v = realloc(g->v, cap * sizeof(*v));
		if (!v)
			return PW_ENOMEM;
		g->v = v;
		g->cap = cap;
	}
	struct gap *x = &g->v[g->n++];
	*x = (struct gap){ .s = *s, .p = *p, .due_ms = due_ms, .announced = announced };
	struct disc_item d = { .dept = s->dept, .series = s->id, .period = *p, .due_ms = due_ms };
	disc_classify(&d, now_ms, &x->days);
	return 0;
}

struct scan {
	struct store_txn *t;
	const struct catalog *c;
	const struct overdue_filter *f; /* NULL: every series */
	struct gaps *g;
	int64_t now_ms, since_ms; /* gaps due before since_ms are left out */
	uint32_t unannounced;     /* missing, not announced, within the lookback */
};

/* The missing figures of s among its newest due periods that have no due entry, into the
 * scan's gaps when due at or after since_ms, else only counted. */
static int scan_series(const struct series *s, void *arg)
{
	struct scan *sc = arg;
	int rc;
	if (sc->f && !wanted(sc->c, sc->f, s))
		return 0;
	struct period p = ytd_latest_due(s->freq, s->due_days, sc->now_ms);
	for (int k = 0; k < OVERDUE_LOOKBACK; k++, p = period_prev(&p)) {
		if (s->first.year && period_cmp(&p, &s->first) < 0)
			break;
		if (!ytd_expected(&s->first, &p))
			continue;
		if ((rc = has_figure(sc->t, s, &p)) != 0 || (rc = is_announced(sc->t, s, &p)) != 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		sc->unannounced++;
		int64_t due = ytd_due_ms(&p, s->due_days);
		if (due >= sc->since_ms && (rc = gaps_add(sc->g, s, &p, due, sc->now_ms, false)) < 0)
			return rc;
	}
	return 0;
}

/* Groups: one (owner, dept, announced, period) after another, indicators in id order. */
static int gap_cmp(const void *a, const void *b)
{
	const struct gap *x = a, *y = b;
	int r;
	if ((r = strcmp(x->s.dept, y->s.dept)) || (r = strcmp(x->s.owner, y->s.owner)))
		return r;
	if (x->announced != y->announced)
		return x->announced ? -1 : 1;
	if ((r = period_cmp(&x->p, &y->p)))
		return r;
	return strcmp(x->s.id, y->s.id);
}

static bool same_group(const struct gap *x, const struct gap *y)
{
	return !strcmp(x->s.dept, y->s.dept) && !strcmp(x->s.owner, y->s.owner) &&
	       x->announced == y->announced && period_cmp(&x->p, &y->p) == 0;
}

/* The end of the group that starts at i. */
static size_t group_end(const struct gaps *g, size_t i)
{
	size_t j = i + 1;
	while (j < g->n && same_group(&g->v[i], &g->v[j]))
		j++;
	return j;
}

/* "2026-10-25": the last day a figure due at due_ms was on time. */
static void due_day(int64_t due_ms, char buf[16])
{
	time_t secs = (time_t)((due_ms - 1) / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(buf, 16, "%Y-%m-%d", &tm);
}

/* The group's due date and days late: its earliest due figure's. */
static void group_head(const struct gaps *g, size_t i, size_t j, int64_t *due_ms, int *days)
{
	*due_ms = g->v[i].due_ms;
	*days = g->v[i].days;
	for (size_t k = i + 1; k < j; k++)
		if (g->v[k].due_ms < *due_ms)
			*due_ms = g->v[k].due_ms, *days = g->v[k].days;
}

/* The array [{indicator, name, (due_days,) due, days_late}] of gaps [i, j). */
static void w_indicators(struct proto_buf *b, const struct gaps *g, size_t i, size_t j,
			 bool due_days)
{
	char day[16];
	proto_w_array(b, (uint32_t)(j - i));
	for (size_t k = i; k < j; k++) {
		struct proto_map e;
		due_day(g->v[k].due_ms, day);
		proto_map_open(&e, b);
		proto_kv_str(&e, "indicator", g->v[k].s.id);
		proto_kv_str(&e, "name", g->v[k].s.name);
		if (due_days)
			proto_kv_int(&e, "due_days", g->v[k].s.due_days);
		proto_kv_str(&e, "due", day);
		proto_kv_int(&e, "days_late", g->v[k].days);
		proto_map_close(e);
	}
}

/* The pairs region, alias, dept, period, due, days_late and indicators of gaps [i, j). */
static void w_group(struct proto_map *m, const struct gaps *g, size_t i, size_t j, bool due_days)
{
	const struct gap *x = &g->v[i];
	char per[PERIOD_TEXT_MAX], day[16];
	int64_t due;
	int days;
	group_head(g, i, j, &due, &days);
	period_format(&x->p, per);
	due_day(due, day);
	proto_kv_str(m, "region", x->s.owner);
	proto_kv_str(m, "alias", x->s.alias);
	proto_kv_str(m, "dept", x->s.dept);
	proto_kv_str(m, "period", per);
	proto_kv_str(m, "due", day);
	proto_kv_int(m, "days_late", days);
	proto_map_key(m, "indicators");
	w_indicators(m->b, g, i, j, due_days);
}

/* overdue_since in force: the config's, else the one the store wrote. */
static int since_of(const struct rules_cfg *cfg, struct store_txn *t, int64_t *since_ms)
{
	uint8_t buf[8];
	size_t len;
	if (cfg && cfg->overdue_since_ms) {
		*since_ms = cfg->overdue_since_ms;
		return 0;
	}
	int rc = store_meta_get(t, "overdue_since", buf, sizeof(buf), &len);
	if (rc == PW_ENOTFOUND || (rc == 0 && len != sizeof(buf)))
		return PW_EDAMAGED; /* every schema-7 store has it */
	if (rc == 0)
		*since_ms = (int64_t)bytes_get_le(buf, 8);
	return rc;
}

/* ---- the check ---- */

/* One notice for gaps [i, j), and their due entries carrying its seq. */
static int announce(struct store_txn *t, const struct gaps *g, size_t i, size_t j,
		    struct notice_list *out)
{
	char topic[STORE_TOPIC_MAX + 1];
	struct proto_map m = { .b = &out->fields };
	uint8_t rec[DUE_REC];
	int rc;

	notice_topic(topic, "overdue", g->v[i].s.alias, g->v[i].s.dept);
	notice_begin(out);
	w_group(&m, g, i, j, true);
	proto_kv_str(&m, "rule_zh", "未按发布日历报送");
	proto_kv_str(&m, "rule_en", "figures not received by their due date");
	if ((rc = notice_emit(out, t, topic)) < 0)
		return rc;
	uint64_t seq = out->items[out->n - 1].seq;
	for (size_t k = i; k < j; k++) {
		due_encode(rec, g->v[k].due_ms, out->now_ms, seq);
		if ((rc = store_due_put(t, g->v[k].s.owner, g->v[k].s.id, &g->v[k].p, rec,
					sizeof(rec))) < 0)
			return rc;
	}
	return 0;
}

int overdue_tick(const struct rules_cfg *cfg, struct store_txn *t, const struct catalog *c,
		 struct notice_list *out)
{
	struct gaps g = { 0 };
	struct scan sc = { .t = t, .c = c, .g = &g, .now_ms = out->now_ms };
	int rc = since_of(cfg, t, &sc.since_ms);
	if (rc == 0)
		rc = each_series(c, scan_series, &sc);
	if (rc == 0 && g.n)
		qsort(g.v, g.n, sizeof(*g.v), gap_cmp);
	for (size_t i = 0, j; rc == 0 && i < g.n; i = j) {
		j = group_end(&g, i);
		rc = announce(t, &g, i, j, out);
	}
	free(g.v);
	return rc;
}

/* ---- arrival ---- */

struct overdue_arrivals {
	struct gaps g; /* the due entries the txn's figures ended, announced = true */
};

int overdue_arrivals_new(struct overdue_arrivals **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : PW_ENOMEM;
}

void overdue_arrivals_free(struct overdue_arrivals *a)
{
	if (!a)
		return;
	free(a->g.v);
	free(a);
}

void overdue_arrivals_clear(struct overdue_arrivals *a)
{
	a->g.n = 0;
}

/* Ends the due entry of (s, p), if there is one, into a. */
static int end_entry(struct store_txn *t, const struct series *s, const struct period *p,
		     int64_t now_ms, struct overdue_arrivals *a)
{
	uint8_t buf[DUE_REC];
	size_t len;
	int64_t due;
	int rc = store_due_get(t, s->owner, s->id, p, buf, sizeof(buf), &len);
	if (rc == PW_ENOTFOUND)
		return 0;
	if (rc < 0 || (rc = due_decode(buf, len, &due)) < 0 ||
	    (rc = store_due_del(t, s->owner, s->id, p)) < 0)
		return rc;
	return gaps_add(&a->g, s, p, due, now_ms, true);
}

int overdue_arrived(struct store_txn *t, const struct cat_series *cs, const struct period *p,
		    int64_t now_ms, struct overdue_arrivals *a)
{
	struct series s;
	int rc;
	of_series(cs, &s);
	if (s.due_days <= 0)
		return 0;
	if ((rc = end_entry(t, &s, p, now_ms, a)) < 0 || p->freq != PERIOD_ANNUAL ||
	    s.freq == PERIOD_ANNUAL)
		return rc;
	/* An annual figure stands in for the year's last quarter or month. */
	struct period last = { .year = p->year, .freq = (uint8_t)s.freq,
			       .n = s.freq == PERIOD_QUARTER ? 4 : 12 };
	return end_entry(t, &s, &last, now_ms, a);
}

/* The figures of (region, dept, period) of x still announced and missing, into out. */
struct outstanding {
	struct store_txn *t;
	const struct gap *x;
	struct gaps *out;
	int64_t now_ms;
};

static int outstanding_cb(const struct series *s, void *arg)
{
	struct outstanding *o = arg;
	uint8_t buf[DUE_REC];
	size_t len;
	int64_t due;
	if (strcmp(s->dept, o->x->s.dept) != 0 || s->freq != o->x->p.freq)
		return 0;
	int rc = store_due_get(o->t, s->owner, s->id, &o->x->p, buf, sizeof(buf), &len);
	if (rc == PW_ENOTFOUND)
		return 0;
	if (rc < 0 || (rc = due_decode(buf, len, &due)) < 0)
		return rc;
	return gaps_add(o->out, s, &o->x->p, due, o->now_ms, true);
}

/* The pairs "outstanding": [{indicator, name, due, days_late}] of the group of x. */
static int w_outstanding(struct store_txn *t, const struct catalog *c, const struct gap *x,
			 struct proto_map *m, int64_t now_ms)
{
	struct gaps g = { 0 };
	struct outstanding o = { .t = t, .x = x, .out = &g, .now_ms = now_ms };
	const struct cat_region *r = catalog_region(c, x->s.owner);
	int rc = r ? region_series(r, outstanding_cb, &o) : 0;
	if (rc == 0) {
		proto_map_key(m, "outstanding");
		w_indicators(m->b, &g, 0, g.n, false);
	}
	free(g.v);
	return rc;
}

int overdue_resolve(struct store_txn *t, const struct catalog *c, struct overdue_arrivals *a,
		    struct notice_list *out)
{
	struct gaps *g = &a->g;
	char topic[STORE_TOPIC_MAX + 1];
	int rc = 0;
	if (g->n)
		qsort(g->v, g->n, sizeof(*g->v), gap_cmp);
	for (size_t i = 0, j; rc == 0 && i < g->n; i = j) {
		struct proto_map m = { .b = &out->fields };
		j = group_end(g, i);
		notice_topic(topic, "resolved", g->v[i].s.alias, g->v[i].s.dept);
		notice_begin(out);
		w_group(&m, g, i, j, false);
		proto_kv_str(&m, "previous", "overdue");
		if ((rc = w_outstanding(t, c, &g->v[i], &m, out->now_ms)) == 0)
			rc = notice_emit(out, t, topic);
	}
	overdue_arrivals_clear(a);
	return rc;
}

int overdue_note(struct store_txn *t, const struct cat_indicator *x, const struct period *p)
{
	struct series s;
	uint8_t rec[DUE_REC];
	of_series(x->series, &s);
	int rc = has_figure(t, &s, p);
	if (rc != 0 || s.due_days <= 0)
		return rc < 0 ? rc : 0;
	due_encode(rec, ytd_due_ms(p, s.due_days), 0, 0);
	return store_due_put(t, s.owner, s.id, p, rec, sizeof(rec));
}

/* ---- listing ---- */

struct listing {
	const struct catalog *c;
	const struct overdue_filter *f;
	struct gaps *g;
	int64_t now_ms;
};

static int list_cb(const char *owner, const char *ind, const struct period *p, const void *buf,
		   size_t len, void *arg)
{
	struct listing *l = arg;
	struct series s;
	int64_t due;
	int rc = due_decode(buf, len, &due);
	if (rc < 0)
		return rc;
	if (!find_series(l->c, owner, ind, &s) || !wanted(l->c, l->f, &s))
		return 0;
	return gaps_add(l->g, &s, p, due, l->now_ms, true);
}

/* One group of the listing, for sorting the groups. */
struct group {
	const struct gap *first;
	size_t i, j; /* its gaps */
	int64_t due_ms;
	int days;
};

/* Department, then most days late first, then region, announced first, period. */
static int group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int r = strcmp(x->first->s.dept, y->first->s.dept);
	if (r)
		return r;
	if (x->days != y->days)
		return x->days > y->days ? -1 : 1;
	return gap_cmp(x->first, y->first);
}

int overdue_encode(const struct rules_cfg *cfg, struct store_txn *t, const struct catalog *c,
		   const struct overdue_filter *f, int64_t now_ms, struct proto_buf *b,
		   struct overdue_summary *sum)
{
	struct gaps g = { 0 };
	struct listing l = { .c = c, .f = f, .g = &g, .now_ms = now_ms };
	struct scan sc = { .t = t, .c = c, .f = f, .g = &g, .now_ms = now_ms };
	struct group *gr = NULL;
	size_t n = 0;
	int rc;

	memset(sum, 0, sizeof(*sum));
	if ((rc = since_of(cfg, t, &sum->since_ms)) < 0 ||
	    (rc = store_due_list(t, list_cb, &l)) < 0)
		goto out;
	/* Gaps never announced: listed with all, else only counted. */
	sc.since_ms = f->all ? INT64_MIN : INT64_MAX;
	if ((rc = each_series(c, scan_series, &sc)) < 0)
		goto out;
	sum->unannounced = sc.unannounced;
	if (g.n) {
		qsort(g.v, g.n, sizeof(*g.v), gap_cmp);
		if (!(gr = malloc(g.n * sizeof(*gr)))) {
			rc = PW_ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0, j; i < g.n; i = j, n++) {
		j = group_end(&g, i);
		gr[n] = (struct group){ .first = &g.v[i], .i = i, .j = j };
		group_head(&g, i, j, &gr[n].due_ms, &gr[n].days);
	}
	if (n)
		qsort(gr, n, sizeof(*gr), group_cmp);
	proto_w_array(b, (uint32_t)n);
	for (size_t k = 0; k < n; k++) {
		struct proto_map m;
		proto_map_open(&m, b);
		w_group(&m, &g, gr[k].i, gr[k].j, false);
		proto_kv_bool(&m, "announced", gr[k].first->announced);
		proto_map_close(m);
	}
	sum->groups = (uint32_t)n;
out:
	free(gr);
	free(g.v);
	return rc;
}

static int count_cb(const char *owner, const char *ind, const struct period *p, const void *buf,
		    size_t len, void *arg)
{
	(void)owner, (void)ind, (void)p, (void)buf, (void)len;
	++*(uint64_t *)arg;
	return 0;
}

int overdue_count(struct store_txn *t, uint64_t *n)
{
	*n = 0;
	return store_due_list(t, count_cb, n);
}
