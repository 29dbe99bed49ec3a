/* daemon/net.h — planwatchd's sockets:
 *
 *   ROUTER (listen)   updates, queries, operator requests; replies after the commit
 *   SUB (sub_*)       updates from department publishers; results announced on PUB
 *   XPUB (publish)    notifications [topic, body], on the publisher thread
 *   ZAP (inproc)      the CURVE handler mapping client keys to departments
 *
 * It reads whole requests into slots (envelope + apply_msg, decoded), sends replies back
 * along a slot's envelope, and answers ZAP. It owns the ZeroMQ context. */
#ifndef PW_NET_H
#define PW_NET_H

#include <stdbool.h>
#include <stddef.h>

#include <zmq.h>

#include "apply.h"
#include "config.h"
#include "publisher.h"

#define NET_MAX_ENVELOPE 4 /* ROUTER frames before the payload (identity, delimiter) */
#define NET_MAX_SUB CONFIG_MAX_LIST
#define NET_MAX_POLL (2 + NET_MAX_SUB)

/* One request read from a socket: m is decoded, its raw bytes live in payload. */
struct net_slot {
	struct apply_msg m;
	zmq_msg_t env[NET_MAX_ENVELOPE];
	int n_env;
	zmq_msg_t payload;
	bool has_payload;
	char peer[STORE_DEPT_MAX + 1];
	unsigned roles; /* enum role bits of the sender (daemon/role.h) */
};

struct net;

/* Refuses plaintext tcp:// unless the config allows it: department figures travel there.
 * PW_ECONFIG with err saying which endpoint. */
int net_check_endpoints(const struct config *cfg, char *err, size_t errlen);

/* Every check net_new() runs short of binding (planwatchd --check): the endpoints, and with
 * server_secret_file set a libzmq with CURVE, a clients_file, the clients file and (when
 * load_secret: not a credential only the running unit has) the key loading. 0, or a
 * negative code with err saying why. */
int net_check(const struct config *cfg, bool load_secret, char *err, size_t errlen);

/* Checks the endpoints (net_check_endpoints), starts CURVE (ZAP handler first) when keys
 * are configured, binds and connects every socket and starts the publisher
 * thread. On failure err says why and nothing is left open. *ret only on success. */
int net_new(struct net **ret, const struct config *cfg, char *err, size_t errlen);
void net_free(struct net *n); /* NULL-safe; flushes the publisher first */

/* The sockets to poll for input (ROUTER, SUBs, ZAP); returns how many were written. */
size_t net_poll_items(const struct net *n, zmq_pollitem_t items[NET_MAX_POLL]);

/* Answers every pending ZAP request (logs refused clients). */
void net_handle_zap(struct net *n);

/* Reads what is pending, round-robin over ROUTER and SUBs so no busy feeder starves the
 * others, into slots[0..*n_read): at most n_slots messages and about max_items update
 * items. Returns 0 or a negative code (receive failed). */
int net_read_batch(struct net *n, struct net_slot *slots, size_t n_slots, size_t max_items,
		   size_t *n_read);

/* Sends b to the peer sl came from; a gone peer or a full queue drops it (the peer will
 * resend by id). */
void net_reply(struct net *n, const struct net_slot *sl, const struct proto_buf *b);

/* Closes the frames of a slot read by net_read_batch() (the slot stays reusable). */
void net_slot_close(struct net_slot *sl);

struct publisher *net_publisher(const struct net *n);

#endif
