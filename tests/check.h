/* tests/check.h — the one assertion macro of the unit tests. */
#ifndef PW_CHECK_H
#define PW_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "../proto/err.h"

/* Aborts with file:line and the condition when cond is false. */
#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                  \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* Checks that expression r (an int code) equals want; prints both codes' names. */
#define CHECK_RC(r, want)                                                                  \
	do {                                                                               \
		int check_rc_ = (r), check_want_ = (want);                                 \
		if (check_rc_ != check_want_) {                                            \
			fprintf(stderr, "%s:%d: %s returned %d (%s: %s), wanted %d (%s)\n",  \
				__FILE__, __LINE__, #r, check_rc_, pw_errname(check_rc_),   \
				pw_strerror(check_rc_), check_want_,                        \
				pw_errname(check_want_));                                   \
			abort();                                                           \
		}                                                                          \
	} while (0)

#define CHECK_OK(r) CHECK_RC(r, 0)

#endif
