/* proto/err.c — messages and wire names for enum pw_err. */
#include <string.h>

#include "err.h"

struct err_text {
	const char *name;
	const char *msg;
};

/* Indexed by -err. */
static const struct err_text err_table[] = {
	[0] = { "ok", "success" },
	[-PW_EINVAL] = { "invalid_argument", "invalid argument" },
	[-PW_ENOMEM] = { "no_memory", "out of memory" },
	[-PW_ESYS] = { "system_error", "system call failed" },
	[-PW_EPROTO] = { "malformed", "malformed message: not msgpack of planwatch protocol v1" },
	[-PW_ENOTFOUND] = { "not_found", "not found" },
	[-PW_ESTORE] = { "store_error", "storage engine failure" },
	[-PW_ETIMEDOUT] = { "timeout",
			    "no reply from planwatchd in time (is it running? check the endpoint)" },
	[-PW_EVERSION] = { "unsupported_version", "unsupported protocol version" },
	[-PW_ETYPE] = { "unknown_type", "unknown message type" },
	[-PW_ETOOBIG] = { "too_big", "frame, batch or string exceeds its limit" },
	[-PW_EFIELD] = { "bad_field", "missing, unknown, duplicate or wrongly typed field" },
	[-PW_EINDICATOR] = { "unknown_indicator", "indicator not in the catalog" },
	[-PW_EPLAN] = { "unknown_plan", "plan not in the catalog" },
	[-PW_EUNIT] = { "wrong_unit",
			"unit of another dimension than the indicator's (no conversion exists)" },
	[-PW_EPERIOD] = { "bad_period",
			  "period malformed, out of range or not of the indicator's frequency" },
	[-PW_EVALUE] = { "bad_value", "value is not a finite number" },
	[-PW_EBOUNDS] = { "implausible_value", "value outside the indicator's plausibility bounds" },
	[-PW_ESTATUS] = { "bad_status", "unknown data status" },
	[-PW_EFINAL] = { "final_locked",
			 "a final value may only be replaced by one with status 'revised'" },
	[-PW_EREGRESS] = { "status_regress", "data status older than the stored one" },
	[-PW_EDEPT] = { "not_authorized", "department may not report this indicator" },
	[-PW_EAUTH] = { "dept_mismatch", "payload department differs from the authenticated one" },
	[-PW_EEMPTY] = { "empty_batch", "batch has no items" },
	[-PW_EUTF8] = { "bad_utf8", "string is not valid UTF-8" },
	[-PW_EFULL] = { "store_full", "store is full: retry later, or free disk space / raise map_max_mb" },
	[-PW_EBATCH] = { "batch_rejected", "not applied: another item of the batch is invalid" },
	[-PW_ECONFIG] = { "bad_config", "configuration or catalog file invalid" },
	[-PW_EBUSY] = { "busy", "resource busy" },
	[-PW_EDENIED] = { "denied", "operation not permitted for this peer" },
	[-PW_ERANGE] = { "out_of_range", "number out of range" },
	[-PW_ENOUNIT] = { "unknown_unit", "unit not in planwatch's unit table" },
	[-PW_ESCALE] = { "suspect_scale",
			 "value off by a power of ten from the series (send confirm: true if real)" },
	[-PW_EYTD] = { "ytd_decrease",
		       "year-to-date total below an earlier month's (or above a later one's) of "
		       "the same year (send confirm: true if real)" },
	[-PW_EYOY] = { "yoy_mismatch", "value and reported year-on-year growth disagree" },
	[-PW_EDAMAGED] = { "damaged", "store damaged (file cut short, bad page or a record failing "
				      "its checksum): restore from a backup" },
	[-PW_EREGION] = { "unknown_region", "region not in the catalog" },
	[-PW_EDERIVED] = { "derived_mismatch",
			   "a reported figure disagrees beyond rounding with the one its catalog "
			   "formula gives from its components" },
};

static const struct err_text *err_lookup(int err)
{
	if (err > 0 || err <= PW__LAST)
		return NULL;
	return &err_table[-err];
}

const char *pw_strerror(int err)
{
	const struct err_text *t = err_lookup(err);
	return t ? t->msg : "unknown error";
}

const char *pw_errname(int err)
{
	const struct err_text *t = err_lookup(err);
	return t ? t->name : "unknown_error";
}

int pw_errcode(const char *name)
{
	for (int i = 0; i < -PW__LAST; i++)
		if (strcmp(err_table[i].name, name) == 0)
			return -i;
	return PW_EINVAL;
}
