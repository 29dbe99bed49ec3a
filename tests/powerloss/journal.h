/* tests/powerloss/journal.h — the record format shared by shim.c (writer) and
 * powerloss.c (reader). Native byte order: both run on the same machine. */
#ifndef PW_POWERLOSS_JOURNAL_H
#define PW_POWERLOSS_JOURNAL_H

#include <stdint.h>

#define PL_MAGIC 0x504c4a31u /* "PLJ1" */

enum pl_kind {
	PL_BASE = 1,   /* the file's content when first opened: durable */
	PL_WRITE = 2,  /* off, len bytes follow; durable only after a later PL_SYNC */
	PL_DWRITE = 3, /* the same through an O_DSYNC descriptor: durable once it returned */
	PL_SYNC = 4,   /* fsync/fdatasync of the file returned 0 */
	PL_TRUNC = 5,  /* the file's size set to off (not durable until a sync) */
};

/* t_ns: CLOCK_MONOTONIC when the call was issued (writes) or returned (syncs). */
struct pl_rec {
	uint32_t magic, kind;
	uint64_t off, len, t_ns;
	uint32_t pid, pad;
};

#endif
