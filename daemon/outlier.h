/* daemon/outlier.h — the plausibility checks of one update against its series in the store
 * (model/plausible.h: suspect_scale, ytd_decrease, the yoy warning).
 *
 * The comparators of each item are what the series would hold with the whole batch stored:
 * the store's index heads of the item's year and the year before (two years in one head
 * walk, no vintage read), overlaid with the batch's other valid items of the same series.
 * A refused item gets it->err = PW_ESCALE or PW_EYTD; with confirm it passes and the code
 * it overrode is kept for the vintage (outlier_overrode). struct outlier is opaque: the
 * per-item findings of the update last checked, reused between updates. */
#ifndef PW_OUTLIER_H
#define PW_OUTLIER_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/proto.h"
#include "../store/store.h"
#include "catalog.h"

struct outlier;

int outlier_new(struct outlier **ret);
void outlier_free(struct outlier *o); /* NULL-safe */

/* The valid items of one update as the duplicate check orders them: by series, then period.
 * order[k] is an index into items, inds and heads; inds[i] the indicator validation found for
 * item i, heads[i] the index head the store holds for item i's own observation, read in the
 * same txn (NULL: none), which the checks compare with and need not look up again. */
struct outlier_batch {
	struct proto_item *items;
	size_t n_items;
	const struct cat_indicator *const *inds;
	const struct store_head *const *heads;
	const uint32_t *order;
	size_t n_order;
};

/* Checks every item of b->order whose err is still 0 (earlier checks passed), in the write
 * txn t. Sets it->err for a refused one. Returns the number refused here, or a negative
 * code from the store. */
int outlier_check(struct outlier *o, struct store_txn *t, const struct outlier_batch *b);

/* For item i of the update last checked: the code (positive, 32 or 33) that confirm let
 * pass, or 0. */
uint8_t outlier_overrode(const struct outlier *o, size_t i);

/* True when item i's reported yoy disagrees with its value against a year earlier beyond
 * the tolerance (a warning notice, never a refusal). */
bool outlier_yoy_warn(const struct outlier *o, size_t i);

/* The warning's numbers: the yoy computed from the values and the tolerance (pp). */
void outlier_yoy(const struct outlier *o, size_t i, double *computed, double *tolerance);

/* What item i was found to be, in words, for its NACK or its warning ("value 81.25 is about
 * /10^1 from the series; previous period ..."), into buf (cut to cap, NUL-terminated).
 * Returns the length written; 0 (and "") when item i was not flagged or warned about. */
size_t outlier_explain(const struct outlier *o, size_t i, char *buf, size_t cap);

#endif
