/* daemon/connlimit.h — a bound on peer connections below the file descriptor limit.
 *
 * Every accepted ipc:// or tcp:// connection costs one descriptor, and libzmq 4.3's
 * ipc:// listener aborts the process when accept(2) fails with EMFILE (its tcp:// one
 * stops accepting and spins). So peers must never bring the daemon to its descriptor
 * limit. connlimit_setup() raises the soft RLIMIT_NOFILE to the hard one and sets the
 * bound: the limit less a quarter (at least CONNLIMIT_RESERVE), kept for the store, the
 * sockets' own descriptors and the journal. This module then defines accept() and
 * accept4() for the process (the executable's definitions come before libc's, so libzmq's
 * listeners and libmicrohttpd's call them): a connection whose new descriptor is numbered
 * at or above the bound — descriptors are allocated lowest first, so at least that many
 * are open — is closed at once and reported to the caller as ECONNABORTED, which both
 * listeners skip. Synchronous, in the accepting thread: no flood can overtake it.
 *
 * The bound and the counter are process-wide (the accept() caller has no context): the
 * one exception to the no-globals rule outside main.c, set once before any socket. */
#ifndef PW_CONNLIMIT_H
#define PW_CONNLIMIT_H

#include <stddef.h>

#define CONNLIMIT_RESERVE 128 /* descriptors never given to peers */

/* Raises the soft descriptor limit to the hard one and sets the bound. Until it is called
 * accept() passes every connection through. */
void connlimit_setup(void);

/* The bound: accepted descriptors numbered at or above it are closed at once. */
size_t connlimit_max(void);

/* Connections closed for being over the bound since connlimit_setup(). */
unsigned long connlimit_refused(void);

#endif
