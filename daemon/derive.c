/* daemon/derive.c — derived series computed in the write transaction (derive.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/unit.h"
#include "../proto/err.h"
#include "../proto/status.h"
#include "derive.h"

#define DERIVE_TEXT_MAX 400

/* A (derived series, period) to compute. */
struct note {
	const struct cat_series *s;
	struct period p;
	bool reported; /* a department's figure of s itself arrived in this group */
	bool backfill; /* every figure behind it was historical */
	char msgid[STORE_MSGID_MAX + 1];
};

struct derive {
	struct note *v;
	size_t n, cap;
	size_t next; /* notes before it are computed: a later note of the same key is new */
};

int derive_new(struct derive **ret)
{
	struct derive *d = calloc(1, sizeof(*d));
	if (!d)
		return PW_ENOMEM;
	*ret = d;
	return 0;
}

void derive_free(struct derive *d)
{
	if (!d)
		return;
	free(d->v);
	free(d);
}

void derive_reset(struct derive *d)
{
	d->n = d->next = 0;
}

static bool same_period(const struct period *a, const struct period *b)
{
	return a->year == b->year && a->freq == b->freq && a->n == b->n;
}

static int last_of_year(int freq)
{
	return freq == PERIOD_MONTH ? 12 : freq == PERIOD_QUARTER ? 4 : 0;
}

static int add(struct derive *d, const struct cat_series *s, const struct period *p,
	       bool reported, bool backfill, const char *msgid)
{
	for (size_t i = d->next; i < d->n; i++) {
		struct note *e = &d->v[i];
		if (e->s == s && same_period(&e->p, p)) {
			e->reported |= reported;
			e->backfill &= backfill;
			snprintf(e->msgid, sizeof(e->msgid), "%s", msgid);
			return 0;
		}
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		struct note *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			return PW_ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	struct note *e = &d->v[d->n++];
	*e = (struct note){ .s = s, .p = *p, .reported = reported, .backfill = backfill };
	snprintf(e->msgid, sizeof(e->msgid), "%s", msgid);
	return 0;
}

/* The period of derived series u that a figure of its component s for p belongs to: the
 * same period, or for an annual u the year of a running total's last month or quarter
 * (1–12月 is the year). false: none (a month of an annual ratio's component). */
static bool period_for(const struct cat_series *u, const struct cat_series *s,
		       const struct period *p, struct period *out)
{
	if (p->freq == u->freq || p->freq == PERIOD_ANNUAL) {
		*out = *p;
		return true;
	}
	if (u->freq == PERIOD_ANNUAL && s->form == CAT_FORM_YTD && p->n == last_of_year(p->freq)) {
		*out = (struct period){ .year = p->year, .freq = PERIOD_ANNUAL, .n = 0 };
		return true;
	}
	return false;
}

int derive_note(struct derive *d, const struct cat_series *s, const struct period *p,
		bool backfill, const char *msgid, bool derived)
{
	struct period up;
	int rc;
	if (s->formula && !derived && (rc = add(d, s, p, true, backfill, msgid)) < 0)
		return rc;
	for (size_t i = 0; i < s->n_users; i++)
		if (period_for(s->users[i], s, p, &up) &&
		    (rc = add(d, s->users[i], &up, false, backfill, msgid)) < 0)
			return rc;
	return 0;
}

/* The newest head of component a for period p, and the period it is of: p itself, or for a
 * full year of a year-to-date series its last month or quarter. PW_ENOTFOUND: not there. */
static int component(struct store_txn *t, const struct cat_series *a, const struct period *p,
		     struct store_head *h, struct period *at)
{
	*at = *p;
	int rc = store_obs_head(t, a->region->id, a->id, at, h);
	if (rc != PW_ENOTFOUND || p->freq != PERIOD_ANNUAL || a->form != CAT_FORM_YTD ||
	    a->freq == PERIOD_ANNUAL)
		return rc;
	*at = (struct period){ .year = p->year, .freq = (uint8_t)a->freq,
			       .n = (uint8_t)last_of_year(a->freq) };
	return store_obs_head(t, a->region->id, a->id, at, h);
}

static int maturity(uint8_t st)
{
	return st == PW_ST_REVISED ? PW_ST_FINAL : st;
}

int derive_may_replace(uint8_t derived, uint8_t reported)
{
	return maturity(reported) < maturity(derived) ? PW_EREGRESS : 0;
}

double derive_rounding(double v)
{
	char text[32];
	unit_dtoa(v, text, sizeof(text));
	const char *dot = strchr(text, '.');
	if (strchr(text, 'e'))
		return fabs(v) * 5e-16; /* printed with an exponent: as exact as a double */
	return 0.5 * pow(10, -(dot ? (double)strlen(dot + 1) : 0));
}

/* What was computed for one note. */
struct computed {
	double value;
	uint8_t status;
	size_t n;
	uint64_t vid[FORMULA_ARGS];
	char words[DERIVE_TEXT_MAX]; /* "share(rd_spending, gdp) of rd_spending 2021 rev 1 = ..." */
};

/* 0 and *c, or 1 when a component is missing (or the value is no number), or < 0. */
static int compute(struct store_txn *t, const struct note *e, struct computed *c)
{
	const struct cat_formula *f = e->s->formula;
	double v[FORMULA_ARGS];
	uint8_t st[FORMULA_ARGS];
	size_t len = (size_t)snprintf(c->words, sizeof(c->words), "%s of", f->text);

	for (size_t i = 0; i < f->n_args; i++) {
		struct store_head h;
		struct period at;
		char per[PERIOD_TEXT_MAX], num[32];
		int rc = component(t, f->args[i], &e->p, &h, &at);
		if (rc == PW_ENOTFOUND)
			return 1; /* not complete yet */
		if (rc < 0)
			return rc;
		v[i] = h.value;
		st[i] = h.status;
		c->vid[i] = h.vid;
		period_format(&at, per);
		unit_dtoa(h.value, num, sizeof(num));
		if (len < sizeof(c->words))
			len += (size_t)snprintf(c->words + len, sizeof(c->words) - len,
						"%s %s %s rev %u = %s", i ? "," : "", f->args[i]->id,
						per, (unsigned)h.rev, num);
	}
	c->n = f->n_args;
	c->value = formula_eval(f->fn, f->scale, v, f->n_args);
	c->status = formula_status(st, f->n_args);
	return isnan(c->value) ? 1 : 0;
}

static int store_derived(struct derive *d, struct store_txn *t, int64_t now_ms,
			 const struct derive_out *out, const struct note *e,
			 const struct computed *c, const struct store_head *cur)
{
	const struct cat_series *s = e->s;
	struct store_obs o;
	int rc;

	memset(&o, 0, sizeof(o));
	snprintf(o.plan, sizeof(o.plan), "%s", s->region->id);
	snprintf(o.ind, sizeof(o.ind), "%s", s->id);
	o.period = e->p;
	o.value = o.sent_value = c->value;
	o.yoy = NAN;
	o.status = c->status;
	o.flags = STORE_OBS_DERIVED | (e->backfill ? STORE_OBS_BACKFILL : 0);
	o.rev = cur ? cur->rev + 1 : 1;
	o.recv_ms = now_ms;
	snprintf(o.dept, sizeof(o.dept), "%s", DERIVE_DEPT);
	snprintf(o.msgid, sizeof(o.msgid), "%s", e->msgid);
	/* the provenance in words, cut to what a reason holds (the vids are whole in src) */
	size_t n = strnlen(c->words, sizeof(o.reason) - 1 - 9);
	memcpy(o.reason, "derived: ", 9);
	memcpy(o.reason + 9, c->words, n);
	o.reason[9 + n] = '\0';
	o.n_src = (uint8_t)c->n;
	memcpy(o.src, c->vid, c->n * sizeof(o.src[0]));
	if ((rc = store_obs_put(t, &o)) < 0 || (rc = out->stored(out->arg, t, s, &o, cur)) < 0)
		return rc;
	/* a derived figure is a component of others in turn */
	return derive_note(d, s, &e->p, e->backfill, e->msgid, true);
}

static int warn(const struct derive_out *out, struct store_txn *t, const struct note *e, int code,
		double reported, double computed, double tol, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static int warn(const struct derive_out *out, struct store_txn *t, const struct note *e, int code,
		double reported, double computed, double tol, const char *fmt, ...)
{
	char msg[DERIVE_TEXT_MAX + 200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return out->warn(out->arg, t, e->s, &e->p, code, msg, reported, computed, tol);
}

/* One note: computed, compared with what the series holds, stored where it is news. */
static int derive_one(struct derive *d, struct store_txn *t, int64_t now_ms,
		      const struct derive_out *out, const struct note *e)
{
	const struct cat_series *s = e->s;
	struct computed c;
	struct store_head cur;
	char v[32], r[32];
	int rc = compute(t, e, &c);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	unit_dtoa(c.value, v, sizeof(v));
	if ((s->has_min && c.value < s->min) || (s->has_max && c.value > s->max))
		return warn(out, t, e, PW_EBOUNDS, NAN, c.value, NAN,
			    "%s gives %s %s, outside the bounds of %s: not stored", c.words, v,
			    s->unit, s->name);
	rc = store_obs_head(t, s->region->id, s->id, &e->p, &cur);
	if (rc == PW_ENOTFOUND)
		return store_derived(d, t, now_ms, out, e, &c, NULL);
	if (rc < 0)
		return rc;
	if (cur.flags & STORE_OBS_DERIVED) {
		if (cur.value == c.value && cur.status == c.status)
			return 0; /* recomputed to the same */
		return store_derived(d, t, now_ms, out, e, &c, &cur);
	}
	/* a department's figure: it may differ by its own rounding */
	double tol = derive_rounding(cur.value);
	bool agree = fabs(c.value - cur.value) <= tol * (1 + 1e-9);
	unit_dtoa(cur.value, r, sizeof(r));
	if (e->reported) {
		if (agree)
			return 0;
		return warn(out, t, e, PW_EDERIVED, cur.value, c.value, tol,
			    "the reported %s %s disagrees beyond its rounding (%g) with %s %s from %s",
			    r, s->unit, tol, v, s->unit, c.words);
	}
	if (agree)
		return 0;
	if (status_may_replace(cur.status, c.status) != 0)
		return warn(out, t, e, PW_EDERIVED, cur.value, c.value, tol,
			    "the reported %s %s (%s) no longer fits its components: %s gives %s %s "
			    "(%s), which may not replace it; kept",
			    r, s->unit, status_name(cur.status), c.words, v, s->unit,
			    status_name(c.status));
	if ((rc = warn(out, t, e, PW_EDERIVED, cur.value, c.value, tol,
		       "the reported %s %s no longer fits its components: replaced by %s %s from %s",
		       r, s->unit, v, s->unit, c.words)) < 0)
		return rc;
	return store_derived(d, t, now_ms, out, e, &c, &cur);
}

int derive_run(struct derive *d, struct store_txn *t, int64_t now_ms,
	       const struct derive_out *out)
{
	/* Notes are added while the earlier ones are computed (a derived figure's users);
	 * formulas have no cycles (the loader refuses them), so this ends. */
	while (d->next < d->n) {
		struct note e = d->v[d->next++];
		int rc = derive_one(d, t, now_ms, out, &e);
		if (rc < 0)
			return rc;
	}
	return 0;
}
