/* client/evaluation_int.h — what the evaluation's files share (not installed;
 * evaluation.h is the contract): the loaded plan, one evaluated row per target with its
 * cells formatted once, and one writer per format. */
#ifndef PW_EVALUATION_INT_H
#define PW_EVALUATION_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "evaluate.h"
#include "report_int.h"

#define EV_N_COLUMNS 22
#define EV_CELL 1024

/* One column of the table: its English (CSV header) and Chinese names; numeric cells are
 * numbers in JSON and xlsx, text in CSV. */
struct ev_column {
	const char *en, *zh;
	bool number;
};
extern const struct ev_column ev_columns[EV_N_COLUMNS];

struct ev_row {
	const struct rep_ind *x;
	const struct rep_obs *fig; /* the year's figure (cumulative: the latest summed) */
	char period[PERIOD_TEXT_MAX * 2 + 2];
	double actual;             /* what was evaluated (cumulative: the sum), NaN */
	double planned_growth;     /* stated or implied, NaN */
	double target;             /* the plan's target; of a city target the city's number for
				    * the year, NaN */
	struct evaluate_result res;
	char cells[EV_N_COLUMNS][EV_CELL];
};

struct ev {
	struct rep r;
	int year, lang;
	bool lang_asked; /* --lang given: CSV and xlsx headers in it (else English) */
	bool final; /* the target year: a final evaluation (终期评估) */
	double margin_pct;
	const char *issuer;
	struct ev_row *rows;
	size_t n;
	int verdicts[EVALUATE_N]; /* rows by verdict */
	int binding, binding_done;
};

void ev_write_csv(const struct ev *e, FILE *f);
void ev_write_json(const struct ev *e, FILE *f);
void ev_write_html(const struct ev *e, FILE *f);
int ev_write_xlsx(const struct ev *e, const char *path); /* 0 or PW_ESYS */

#endif
