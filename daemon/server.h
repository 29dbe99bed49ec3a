/* daemon/server.h — planwatchd's one poll loop (sockets: see net.h).
 *
 * One thread: read everything pending (up to group_max), commit it in one LMDB
 * transaction, reply, publish, answer queries, run timers. */
#ifndef PW_SERVER_H
#define PW_SERVER_H

#include <signal.h>

#include "config.h"

struct server;

/* Opens the store, loads the catalog and binds every socket; on failure err says why
 * and nothing is left running. *ret only on success. */
int server_new(struct server **ret, const struct config *cfg, char *err, size_t errlen);
void server_free(struct server *s);

/* Runs until *term is set; *hup requests a reload of config and catalog. Returns 0 after
 * a clean stop (in-flight group committed and acknowledged). */
int server_run(struct server *s, volatile sig_atomic_t *term, volatile sig_atomic_t *hup);

#endif
