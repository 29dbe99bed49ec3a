/* daemon/role.h — who may send what: the one role table of proto/PROTOCOL.md §1.
 *
 * A peer has a set of roles: a feeder reports figures, a reader reads, an operator acts on
 * the daemon (targets, quarantine, clock, timers, backups). With CURVE the key decides
 * (clients_file: departments, readers, operators; the ZAP handler hands the role to libzmq
 * as the connection's "X-Role" property); without CURVE the transport does: the local
 * ipc:// socket, whose file mode is the access control, may do everything, a plaintext
 * tcp:// peer (allow_insecure_tcp) only feed and read. The table is checked before anything
 * of the request is looked up. */
#ifndef PW_ROLE_H
#define PW_ROLE_H

#include <stdbool.h>

#define ROLE_PROPERTY "X-Role" /* ZAP metadata: the key's role */

enum role {
	ROLE_READER = 1,   /* status, catalog, query, history, since, alerts; subscribe */
	ROLE_FEEDER = 2,   /* update (its own department's, under CURVE) */
	ROLE_OPERATOR = 4, /* rejected, retry, target_set, tick, clock_set, backup */
};

/* The ZAP metadata value of a clients_file list: "reader", "feeder", "operator". */
const char *role_name(enum role r);

/* The roles of a peer whose connection carries property value prop (NULL: absent). With
 * CURVE a peer without the property has none. Without CURVE: local (ipc://) peers have
 * every role, others feed and read. */
unsigned role_of_peer(bool curve, const char *prop, bool local);

/* True when a peer with these roles may send a request of this type (enum proto_type). */
bool role_may(unsigned roles, int type);

#endif
