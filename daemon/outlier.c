/* daemon/outlier.c — plausibility of an update's items against their series (outlier.h). */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../model/plausible.h"
#include "../proto/err.h"
#include "outlier.h"

/* What was found for one item. */
struct finding {
	bool checked;
	struct plaus_in in;
	struct plaus_out out;
};

struct outlier {
	struct finding *f; /* [n] of the update last checked */
	size_t n, cap;
};

int outlier_new(struct outlier **ret)
{
	struct outlier *o = calloc(1, sizeof(*o));
	if (!o)
		return PW_ENOMEM;
	*ret = o;
	return 0;
}

void outlier_free(struct outlier *o)
{
	if (!o)
		return;
	free(o->f);
	free(o);
}

/* A series' figures of one frequency in two years: y[0] the year before, y[1] the year;
 * n: the checked item's period in the year. */
struct years {
	int year, freq, n;
	struct plaus_year y[2];
};

static void years_put(struct years *w, const struct period *p, double value)
{
	int k = p->year - (w->year - 1);
	if (p->freq != w->freq || k < 0 || k > 1)
		return;
	w->y[k].held[p->n] = true;
	w->y[k].value[p->n] = value;
}

/* A head of a walk through the year: kept; the walk stops after the nearest period held
 * later than the item's. */
static int head_cb(const struct period *p, const struct store_head *h, void *arg)
{
	struct years *w = arg;
	years_put(w, p, h->value);
	return p->n > w->n;
}

static int year_fn(void *arg, int year, int freq, struct plaus_year *out)
{
	const struct years *w = arg;
	int k = year - (w->year - 1);
	assert(freq == w->freq);
	if (k < 0 || k > 1)
		memset(out, 0, sizeof(*out));
	else
		*out = w->y[k];
	return 0;
}

/* One figure of the store into w, if the series holds it. */
static int head_at(struct store_txn *t, const struct cat_indicator *x, struct years *w, int year,
		   int n)
{
	struct period p = { .year = (uint16_t)year, .freq = (uint8_t)w->freq, .n = (uint8_t)n };
	struct store_head h;
	int rc = store_obs_head(t, cat_owner(x), x->id, &p, &h);
	if (rc == 0)
		years_put(w, &p, h.value);
	return rc == PW_ENOTFOUND ? 0 : rc;
}

/* The store's figures of item k's series that plaus_gather reads, then the batch's other
 * valid items of that series over them. Of the year before: the same period (a year
 * earlier) and, for the first period of a year, the last (the previous period). Of the
 * year: the period itself (the vintage revised: its head came with the batch) and the one
 * before; for a running total the nearest earlier period held (the one before, or further
 * back after a combined 1–2月 release) and the nearest later one. For a running total the
 * one before, the period itself and the nearest later one are one head walk, from the one
 * before on (adjacent keys: one seek), that stops after the first later one. Index heads
 * only, each one what a check compares with. */
static int gather_years(struct store_txn *t, const struct outlier_batch *b, size_t k,
			struct years *w)
{
	const struct proto_item *it = &b->items[b->order[k]];
	const struct cat_indicator *x = b->inds[b->order[k]];
	const struct cat_series *series = x->series;
	int last = it->period.freq == PERIOD_MONTH ? 12 : it->period.freq == PERIOD_QUARTER ? 4 : 0;
	int y = it->period.year, n = it->period.n, rc = 0;

	memset(w, 0, sizeof(*w));
	w->year = y;
	w->freq = it->period.freq;
	w->n = n;
	if (y > PERIOD_YEAR_MIN &&
	    ((rc = head_at(t, x, w, y - 1, n)) < 0 || (n == 1 && (rc = head_at(t, x, w, y - 1, last)) < 0)))
		return rc;
	const struct store_head *own = b->heads[b->order[k]];
	if (own)
		years_put(w, &it->period, own->value);
	bool ytd = cat_running_total(x) && last;
	if (ytd) { /* last is 4 or 12: a later period or an earlier one to walk from */
		struct period from = { .year = (uint16_t)y, .freq = it->period.freq,
				       .n = (uint8_t)(n > 1 ? n - 1 : n + 1) };
		struct period to = { .year = (uint16_t)y, .freq = it->period.freq, .n = (uint8_t)last };
		if ((rc = store_head_range(t, cat_owner(x), x->id, &from, &to, head_cb, w)) < 0)
			return rc;
	} else if (n > 1 && (rc = head_at(t, x, w, y, n - 1)) < 0) {
		return rc;
	}
	/* a running total's nearest earlier figure, past periods not held */
	for (int e = n - 2; ytd && e >= 1 && rc == 0 && !w->y[1].held[e + 1]; e--)
		rc = head_at(t, x, w, y, e);
	if (rc < 0)
		return rc;
	/* order is sorted by series: the item's series-mates stand next to it */
	for (size_t j = k; j-- > 0 && b->inds[b->order[j]]->series == series;)
		if (!b->items[b->order[j]].err)
			years_put(w, &b->items[b->order[j]].period, b->items[b->order[j]].value);
	for (size_t j = k + 1; j < b->n_order && b->inds[b->order[j]]->series == series; j++)
		if (!b->items[b->order[j]].err)
			years_put(w, &b->items[b->order[j]].period, b->items[b->order[j]].value);
	return 0;
}

static int reserve(struct outlier *o, size_t n)
{
	if (n > o->cap) {
		struct finding *f = realloc(o->f, n * sizeof(*f));
		if (!f)
			return PW_ENOMEM;
		o->f = f;
		o->cap = n;
	}
	for (size_t i = 0; i < n; i++)
		o->f[i].checked = false;
	o->n = n;
	return 0;
}

int outlier_check(struct outlier *o, struct store_txn *t, const struct outlier_batch *b)
{
	int rc, refused = 0;

	if ((rc = reserve(o, b->n_items)) < 0)
		return rc;
	for (size_t k = 0; k < b->n_order; k++) {
		size_t i = b->order[k];
		struct proto_item *it = &b->items[i];
		const struct cat_indicator *x = b->inds[i];
		struct finding *f = &o->f[i];
		struct years w;

		if (it->err)
			continue;
		if ((rc = gather_years(t, b, k, &w)) < 0)
			return rc;
		f->in = (struct plaus_in){
			.period = it->period, .value = it->value, .yoy = it->yoy,
			.ytd = cat_running_total(x), .rate = cat_value_is_change(x),
			.comparable = cat_comparable_prices(x), .confirm = it->confirm,
		};
		if ((rc = plaus_gather(&f->in, year_fn, &w)) < 0)
			return rc;
		f->checked = true;
		if ((it->err = plaus_check(&f->in, &f->out)))
			refused++;
	}
	return refused;
}

static const struct finding *found(const struct outlier *o, size_t i)
{
	return i < o->n && o->f[i].checked ? &o->f[i] : NULL;
}

uint8_t outlier_overrode(const struct outlier *o, size_t i)
{
	const struct finding *f = found(o, i);
	return f && f->in.confirm && f->out.flagged ? (uint8_t)-f->out.flagged : 0;
}

bool outlier_yoy_warn(const struct outlier *o, size_t i)
{
	const struct finding *f = found(o, i);
	return f && f->out.yoy_warn;
}

void outlier_yoy(const struct outlier *o, size_t i, double *computed, double *tolerance)
{
	const struct finding *f = found(o, i);
	*computed = f ? f->out.yoy_computed : NAN;
	*tolerance = f ? f->out.yoy_tol : NAN;
}

size_t outlier_explain(const struct outlier *o, size_t i, char *buf, size_t cap)
{
	const struct finding *f = found(o, i);
	if (!cap)
		return 0;
	buf[0] = '\0';
	if (!f || (!f->out.flagged && !f->out.yoy_warn))
		return 0;
	plaus_explain(&f->in, &f->out, buf, cap);
	return strlen(buf);
}
