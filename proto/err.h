/* proto/err.h — the one error enum shared by every planwatch module and the wire.
 *
 * Functions return 0 or one of these negative codes. On the wire (NACK items, reply
 * "code" fields) the positive value is sent together with the symbolic name from
 * pw_errname(), e.g. code 12 = "unknown_indicator". Codes are stable once released:
 * append, never renumber. */
#ifndef PW_ERR_H
#define PW_ERR_H

enum pw_err {
	PW_OK = 0,
	PW_EINVAL = -1,       /* invalid argument (caller bug or bad CLI/config input) */
	PW_ENOMEM = -2,       /* out of memory */
	PW_ESYS = -3,         /* system call failed; errno kept */
	PW_EPROTO = -4,       /* not a valid msgpack message of this protocol */
	PW_ENOTFOUND = -5,    /* no such record */
	PW_ESTORE = -6,       /* storage engine failure */
	PW_ETIMEDOUT = -7,    /* no reply in time (daemon not running?) */
	PW_EVERSION = -8,     /* unsupported protocol version */
	PW_ETYPE = -9,        /* unknown message type */
	PW_ETOOBIG = -10,     /* frame, batch or string over its limit */
	PW_EFIELD = -11,      /* missing, unknown, duplicate or wrongly typed field */
	PW_EINDICATOR = -12,  /* indicator not in the catalog */
	PW_EPLAN = -13,       /* plan not in the catalog */
	PW_EUNIT = -14,       /* unit differs from the catalog's */
	PW_EPERIOD = -15,     /* period malformed, out of range or wrong frequency */
	PW_EVALUE = -16,      /* value not finite */
	PW_EBOUNDS = -17,     /* value outside the catalog's plausibility bounds */
	PW_ESTATUS = -18,     /* unknown data status */
	PW_EFINAL = -19,      /* final value may only be replaced by status "revised" */
	PW_EREGRESS = -20,    /* status older than the stored one (e.g. flash after final) */
	PW_EDEPT = -21,       /* department unknown or not allowed for this indicator */
	PW_EAUTH = -22,       /* payload department differs from the authenticated one */
	PW_EEMPTY = -23,      /* empty batch */
	PW_EUTF8 = -24,       /* string is not valid UTF-8 */
	PW_EFULL = -25,       /* store full even after growing the map: retry later */
	PW_EBATCH = -26,      /* batch rejected because another item in it is invalid */
	PW_ECONFIG = -27,     /* configuration or catalog file invalid */
	PW_EBUSY = -28,       /* resource busy (e.g. daemon already running on this state) */
	PW_EDENIED = -29,     /* operation not permitted for this peer */
	PW_ERANGE = -30,      /* number out of range */
	PW_ENOUNIT = -31,     /* unit not in the unit table (model/unit.c) */
	PW_ESCALE = -32,      /* value 10x, 100x, 10^4x ... off both comparators: a slipped scale? */
	PW_EYTD = -33,        /* year-to-date total below an earlier month's of the same year */
	PW_EYOY = -34,        /* value and reported yoy disagree (a warning, never a rejection) */
	PW_EDAMAGED = -35,    /* the store file or a record in it is damaged: restore a backup */
	PW_EREGION = -36,     /* region not in the catalog */
	PW_EDERIVED = -37,    /* a reported figure disagrees with its formula's (a warning) */
	PW__LAST = -38
};

/* Returns a static English message for err; never NULL (unknown codes get a generic text). */
const char *pw_strerror(int err);

/* Returns the stable snake_case wire name of err (e.g. "unknown_indicator"); never NULL. */
const char *pw_errname(int err);

/* Maps a wire name back to its code; returns PW_EINVAL for an unknown name. */
int pw_errcode(const char *name);

#endif
