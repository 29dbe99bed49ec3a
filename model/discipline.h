/* model/discipline.h — departments' reporting discipline (报送纪律): which figures were due,
 * which came in on time, late (by how many days) or not at all, per department; the 催报
 * list. Pure: the caller lists what each series owed (its due date from the release
 * calendar, model/ytd.h ytd_due_ms) and when its first vintage arrived.
 *
 * A figure counts from its first vintage: a revision later is not lateness. Days are whole
 * days rounded up (one second late is one day late), which is how a bureau counts them. */
#ifndef PW_DISCIPLINE_H
#define PW_DISCIPLINE_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/period.h"

#define DISC_DEPT_MAX 64 /* bytes of a department name kept in a summary */

enum disc_state { DISC_NOT_DUE = 0, DISC_ON_TIME, DISC_LATE, DISC_MISSING };

/* One figure a department owed. */
struct disc_item {
	const char *dept;   /* 责任单位 */
	const char *series; /* indicator id, for the 催报 list */
	struct period period;
	int64_t due_ms;  /* when it was due */
	int64_t recv_ms; /* when its first vintage arrived; 0 when none has */
};

/* The state of d at now_ms; *days (may be NULL) is how late it came, or how long it has
 * been missing, in whole days rounded up (0 on time or not due). */
int disc_classify(const struct disc_item *d, int64_t now_ms, int *days);

/* Counts of one department over a window. on_time_rate is on_time / expected in %, NaN
 * when nothing was expected. */
struct disc_dept {
	char dept[DISC_DEPT_MAX];
	unsigned expected, received, on_time, late, missing;
	int max_late_days; /* the longest delay or absence */
	double on_time_rate;
};

/* Summarises the items due in [from_ms, now_ms] per department, departments in the order
 * they first appear. Writes at most max summaries to out and returns how many it wrote;
 * items of departments beyond max are left out (max = n always suffices). Items not yet
 * due are not expected. */
size_t disc_summarise(const struct disc_item *items, size_t n, int64_t from_ms, int64_t now_ms,
		      struct disc_dept *out, size_t max);

/* Chinese and English names of a state ("按时", "on time"). */
const char *disc_state_zh(int state);
const char *disc_state_en(int state);

#endif
