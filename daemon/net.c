/* daemon/net.c — sockets, CURVE and ZAP, reading requests and sending replies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../proto/err.h"
#include "activate.h"
#include "auth.h"
#include "connlimit.h"
#include "keypair.h"
#include "log.h"
#include "net.h"
#include "role.h"
#include "sandbox.h"

struct net {
	const struct config *cfg; /* borrowed: the caller's, for the lifetime of n */
	void *zctx;
	void *router;
	struct publisher *pub; /* owns the XPUB socket, on its own thread */
	void *subs[NET_MAX_SUB];
	size_t n_subs;
	bool curve; /* CURVE on: ZAP user ids are authenticated departments */
	bool local; /* listen is ipc://: without CURVE its peers are local (every role) */
	void *zap;  /* ZAP handler socket (REP), bound before any other socket */
	struct auth *auth;
	struct keypair key;
};

/* ---- setting up ---- */

static void curve_server(const struct net *n, void *z, const char *domain)
{
	int one = 1;
	zmq_setsockopt(z, ZMQ_CURVE_SERVER, &one, sizeof(one));
	zmq_setsockopt(z, ZMQ_CURVE_SECRETKEY, n->key.secret_key, KEYPAIR_TEXT);
	zmq_setsockopt(z, ZMQ_ZAP_DOMAIN, domain, strlen(domain));
}

static int sock_open(struct net *n, int type, void **out, char *err, size_t errlen)
{
	void *z = zmq_socket(n->zctx, type);
	int64_t maxmsg = PROTO_HARD_FRAME;
	int linger = 2000, hwm = (int)n->cfg->pub_hwm;

	if (!z) {
		snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(errno));
		return PW_ESYS;
	}
	zmq_setsockopt(z, ZMQ_LINGER, &linger, sizeof(linger));
	if (n->curve && type != ZMQ_SUB)
		curve_server(n, z, type == ZMQ_XPUB ? AUTH_DOMAIN_PUB : AUTH_DOMAIN_INGEST);
	if (type == ZMQ_XPUB) {
		int one = 1;
		zmq_setsockopt(z, ZMQ_SNDHWM, &hwm, sizeof(hwm));
		zmq_setsockopt(z, ZMQ_XPUB_VERBOSER, &one, sizeof(one));
	} else {
		/* Per peer: at most 256 queued requests (each ≤ PROTO_HARD_FRAME) before ZeroMQ
		 * stops reading that connection; ROUTER fair-queues, so one flooding feeder
		 * slows itself, not the others. */
		int rcvhwm = 256, sndhwm = 100000;
		zmq_setsockopt(z, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
		zmq_setsockopt(z, ZMQ_RCVHWM, &rcvhwm, sizeof(rcvhwm));
		zmq_setsockopt(z, ZMQ_SNDHWM, &sndhwm, sizeof(sndhwm));
	}
	*out = z;
	return 0;
}

/* True when a process accepts connections on the ipc:// endpoint ep. libzmq's bind
 * unlinks an existing socket file and binds anew, which would leave a running daemon
 * unreachable; a file nobody listens on (ECONNREFUSED: a crashed daemon's) may go. */
static bool ipc_live(const char *ep)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = ep + strlen("ipc://");
	bool live;
	if (strncmp(ep, "ipc://", 6) != 0 || path[0] == '@' || strlen(path) >= sizeof(sa.sun_path))
		return false; /* abstract names: bind itself fails with EADDRINUSE */
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	live = connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

static int sock_bind(void *z, const char *ep, char *err, size_t errlen)
{
	if (sandbox_bind_probe(ep, err, errlen) < 0) /* instead of libzmq's abort */
		return PW_ESYS;
	int fd = activate_fd_for(ep); /* a socket passed by systemd (planwatchd.socket) */
	if (fd >= 0)
		zmq_setsockopt(z, ZMQ_USE_FD, &fd, sizeof(fd));
	else if (ipc_live(ep)) {
		snprintf(err, errlen, "cannot bind '%s': another process is listening on it (a "
			 "second planwatchd?); stop it or choose another endpoint", ep);
		return PW_EBUSY;
	}
	if (zmq_bind(z, ep) != 0) {
		snprintf(err, errlen, "cannot bind '%s': %s", ep, zmq_strerror(errno));
		return PW_ESYS;
	}
	return 0;
}

/* What CURVE needs (server_secret_file set), for the start and for --check alike: a libzmq
 * with CURVE, a clients_file, and both files loading. */
static int curve_load(const struct config_keys *k, struct keypair *key, struct auth **auth,
		      char *err, size_t errlen)
{
	char why[600];
	int rc;
	if (!zmq_has("curve")) {
		snprintf(err, errlen, "this libzmq was built without CURVE support (zmq_has(\"curve\") "
			 "is false): install Debian's libzmq5 or remove server_secret_file");
		return PW_ECONFIG;
	}
	if (!k->clients_file[0]) {
		snprintf(err, errlen, "server_secret_file is set but clients_file is not: list the "
			 "department public keys in clients_file");
		return PW_ECONFIG;
	}
	if ((key && (rc = keypair_load(key, k->server_secret_file, why, sizeof(why))) < 0) ||
	    (rc = auth_new(auth, k->clients_file, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s", why);
		return rc;
	}
	return 0;
}

int net_check(const struct config *cfg, bool load_secret, char *err, size_t errlen)
{
	struct keypair key;
	struct auth *auth = NULL;
	int rc = net_check_endpoints(cfg, err, errlen);
	if (rc < 0 || !cfg->keys.server_secret_file[0])
		return rc;
	rc = curve_load(&cfg->keys, load_secret ? &key : NULL, &auth, err, errlen);
	auth_free(auth);
	memset(&key, 0, sizeof(key)); /* a secret key need not linger on the stack */
	return rc;
}

/* CURVE needs a ZAP handler running before the first bind: since libzmq 4.2 a CURVE
 * server without one accepts any client that completes the handshake. */
static int setup_curve(struct net *n, char *err, size_t errlen)
{
	const struct config_keys *k = &n->cfg->keys;
	int rc;

	if (!k->server_secret_file[0]) {
		log_warn("NULL security: clients are not authenticated; any local process that can "
			 "open the ipc:// sockets may report figures (set server_secret_file and "
			 "clients_file for CURVE)");
		return 0;
	}
	if ((rc = curve_load(k, &n->key, &n->auth, err, errlen)) < 0)
		return rc;
	if (!(n->zap = zmq_socket(n->zctx, ZMQ_REP)) || zmq_bind(n->zap, AUTH_ZAP_ENDPOINT) != 0) {
		snprintf(err, errlen, "cannot start the ZAP handler: %s", zmq_strerror(errno));
		return PW_ESYS;
	}
	n->curve = true;
	log_notice("CURVE on: %zu department keys; server public key %s",
		   auth_n_departments(n->auth), n->key.public_key);
	if (!auth_n_operators(n->auth))
		log_notice("no operator keys in clients_file: target_set, retry, rejected, tick, "
			   "clock_set and backup are refused to every key");
	return 0;
}

static int open_subs(struct net *n, char *err, size_t errlen)
{
	const struct config *c = n->cfg;
	int rc = 0;
	for (size_t i = 0; i < c->n_sub_bind + c->n_sub_connect; i++) {
		bool bind = i < c->n_sub_bind;
		const char *ep = bind ? c->sub_bind[i] : c->sub_connect[i - c->n_sub_bind];
		void *z;
		if ((rc = sock_open(n, ZMQ_SUB, &z, err, errlen)) < 0)
			return rc;
		n->subs[n->n_subs++] = z;
		/* Department publishers connecting to us authenticate like feeders. */
		if (bind && n->curve)
			curve_server(n, z, AUTH_DOMAIN_INGEST);
		zmq_setsockopt(z, ZMQ_SUBSCRIBE, "", 0);
		if (bind)
			rc = sock_bind(z, ep, err, errlen);
		else if (zmq_connect(z, ep) != 0) {
			snprintf(err, errlen, "cannot connect '%s': %s", ep, zmq_strerror(errno));
			rc = PW_ESYS;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int open_sockets(struct net *n, char *err, size_t errlen)
{
	const struct config *c = n->cfg;
	void *xpub = NULL;
	int rc;
	if ((rc = setup_curve(n, err, errlen)) < 0)
		return rc;
	if ((rc = sock_open(n, ZMQ_ROUTER, &n->router, err, errlen)) < 0 ||
	    (rc = sock_bind(n->router, c->listen, err, errlen)) < 0 ||
	    (rc = sock_open(n, ZMQ_XPUB, &xpub, err, errlen)) < 0 ||
	    (rc = sock_bind(xpub, c->publish, err, errlen)) < 0) {
		if (xpub)
			zmq_close(xpub);
		return rc;
	}
	if ((rc = publisher_new(&n->pub, xpub, 0)) < 0) {
		zmq_close(xpub);
		snprintf(err, errlen, "cannot start the publisher thread: %s", strerror(errno));
		return rc;
	}
	return open_subs(n, err, errlen);
}

int net_check_endpoints(const struct config *c, char *err, size_t errlen)
{
	const char *eps[2 + 2 * CONFIG_MAX_LIST];
	size_t n = 0;
	eps[n++] = c->listen;
	eps[n++] = c->publish;
	for (size_t i = 0; i < c->n_sub_bind; i++)
		eps[n++] = c->sub_bind[i];
	for (size_t i = 0; i < c->n_sub_connect; i++)
		eps[n++] = c->sub_connect[i];
	for (size_t i = 0; i < n; i++)
		if (strncmp(eps[i], "tcp://", 6) == 0 && !c->keys.server_secret_file[0] &&
		    !c->allow_insecure_tcp) {
			snprintf(err, errlen, "endpoint '%s' is tcp:// without CURVE: set "
				 "server_secret_file (see planwatch keygen) or allow_insecure_tcp: true",
				 eps[i]);
			return PW_ECONFIG;
		}
	return 0;
}

int net_new(struct net **ret, const struct config *cfg, char *err, size_t errlen)
{
	struct net *n;
	int rc;

	if ((rc = net_check_endpoints(cfg, err, errlen)) < 0)
		return rc;
	if (!(n = calloc(1, sizeof(*n))))
		return PW_ENOMEM;
	n->cfg = cfg;
	n->local = strncmp(cfg->listen, "ipc://", 6) == 0;
	connlimit_setup(); /* before the first socket can accept */
	if (!(n->zctx = zmq_ctx_new())) {
		rc = PW_ENOMEM;
		goto out_free;
	}
	if ((rc = open_sockets(n, err, errlen)) < 0)
		goto out_free;
	*ret = n;
	return 0;
out_free:
	net_free(n);
	return rc;
}

void net_free(struct net *n)
{
	if (!n)
		return;
	if (n->router)
		zmq_close(n->router);
	publisher_free(n->pub); /* sends what was posted, closes XPUB */
	for (size_t i = 0; i < n->n_subs; i++)
		zmq_close(n->subs[i]);
	if (n->zap)
		zmq_close(n->zap);
	auth_free(n->auth);
	if (n->zctx)
		zmq_ctx_term(n->zctx);
	free(n);
}

size_t net_poll_items(const struct net *n, zmq_pollitem_t items[NET_MAX_POLL])
{
	size_t k = 0;
	items[k++] = (zmq_pollitem_t){ .socket = n->router, .events = ZMQ_POLLIN };
	for (size_t i = 0; i < n->n_subs; i++)
		items[k++] = (zmq_pollitem_t){ .socket = n->subs[i], .events = ZMQ_POLLIN };
	if (n->zap)
		items[k++] = (zmq_pollitem_t){ .socket = n->zap, .events = ZMQ_POLLIN };
	return k;
}

struct publisher *net_publisher(const struct net *n)
{
	return n->pub;
}

void net_handle_zap(struct net *n)
{
	char who[120];
	bool ok;
	int events = 0;
	size_t len = sizeof(events);
	if (!n->zap)
		return;
	while (zmq_getsockopt(n->zap, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN)) {
		if (auth_zap_handle(n->auth, n->zap, who, sizeof(who), &ok) < 0)
			return;
		if (!ok)
			log_warn("refused CURVE client: %s", who);
		else
			log_debug("authenticated CURVE client: %s", who);
	}
}

/* ---- reading ---- */

void net_slot_close(struct net_slot *sl)
{
	for (int i = 0; i < sl->n_env; i++)
		zmq_msg_close(&sl->env[i]);
	sl->n_env = 0;
	if (sl->has_payload)
		zmq_msg_close(&sl->payload);
	sl->has_payload = false;
}

/* Who sent it, for the quarantine (its per-sender bound) and set_by: the CURVE identity,
 * else "local:UID" for an ipc:// peer (libzmq's Peer-Address there is
 * "localhost:UID:GID:PID": one sender per user, not per process), else the address. */
static void slot_peer(struct net_slot *sl, bool from_sub)
{
	const char *uid = zmq_msg_gets(&sl->payload, "User-Id");
	const char *addr = zmq_msg_gets(&sl->payload, "Peer-Address");
	const char *pfx = from_sub ? "sub:" : "";
	unsigned user, group, pid;
	char tail;
	if (uid && *uid)
		snprintf(sl->peer, sizeof(sl->peer), "%s%s", pfx, uid);
	else if (addr && sscanf(addr, "localhost:%u:%u:%u%c", &user, &group, &pid, &tail) == 3)
		snprintf(sl->peer, sizeof(sl->peer), "%slocal:%u", pfx, user);
	else
		snprintf(sl->peer, sizeof(sl->peer), "%s%s", pfx, addr && *addr ? addr : "local");
}

/* Reads one whole multipart message without blocking. Returns 1 if one was read,
 * 0 if none pending, < 0 on error. Oversized envelopes are drained and dropped. */
static int read_one(const struct net *n, void *z, struct net_slot *sl, bool from_sub)
{
	zmq_msg_t part;
	int more = 1, k = 0;
	size_t more_len = sizeof(more);

	sl->n_env = 0;
	sl->has_payload = false;
	while (more) {
		zmq_msg_init(&part);
		if (zmq_msg_recv(&part, z, k == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			zmq_msg_close(&part);
			if (k == 0 && errno == EAGAIN)
				return 0;
			net_slot_close(sl);
			return errno == EINTR ? 0 : PW_ESYS;
		}
		k++;
		zmq_getsockopt(z, ZMQ_RCVMORE, &more, &more_len);
		if (!more) {
			sl->payload = part;
			sl->has_payload = true;
		} else if (!from_sub && sl->n_env < NET_MAX_ENVELOPE) {
			sl->env[sl->n_env++] = part;
		} else {
			zmq_msg_close(&part); /* a SUB topic frame, or an envelope too deep */
		}
	}
	if (!from_sub && sl->n_env == 0) {
		net_slot_close(sl);
		return 0;
	}
	struct apply_msg *m = &sl->m;
	m->raw = zmq_msg_data(&sl->payload);
	m->len = m->raw_len = zmq_msg_size(&sl->payload);
	m->from_sub = from_sub;
	slot_peer(sl, from_sub);
	m->peer = sl->peer;
	m->auth_dept = NULL;
	const char *uid = zmq_msg_gets(&sl->payload, "User-Id");
	bool authed = uid && *uid && n->curve;
	if (authed)
		m->auth_dept = uid;
	/* A publisher on a SUB socket only feeds: authenticated by its key (sub_bind under
	 * CURVE), or one the config names (sub_connect, no CURVE). */
	if (from_sub && !authed)
		sl->roles = ROLE_FEEDER;
	else
		sl->roles = role_of_peer(n->curve, zmq_msg_gets(&sl->payload, ROLE_PROPERTY),
					 n->local) & (from_sub ? ROLE_FEEDER : ~0u);
	apply_decode(m);
	return 1;
}

int net_read_batch(struct net *n, struct net_slot *slots, size_t n_slots, size_t max_items,
		   size_t *n_read)
{
	void *socks[1 + NET_MAX_SUB];
	size_t n_socks = 0, got = 0, items = 0;
	bool progress = true;
	socks[n_socks++] = n->router;
	for (size_t i = 0; i < n->n_subs; i++)
		socks[n_socks++] = n->subs[i];
	while (progress && got < n_slots && items < max_items) {
		progress = false;
		for (size_t k = 0; k < n_socks && got < n_slots && items < max_items; k++) {
			int rc = read_one(n, socks[k], &slots[got], k > 0);
			if (rc < 0)
				return rc;
			if (rc > 0) {
				const struct apply_msg *m = &slots[got].m;
				if (m->decode_rc == 0 && m->req->type == PROTO_UPDATE)
					items += m->req->n_items;
				got++;
				progress = true;
			}
		}
	}
	*n_read = got;
	return 0;
}

/* ---- writing ---- */

void net_reply(struct net *n, const struct net_slot *sl, const struct proto_buf *b)
{
	for (int i = 0; i < sl->n_env; i++) {
		zmq_msg_t copy;
		zmq_msg_init(&copy);
		zmq_msg_copy(&copy, (zmq_msg_t *)&sl->env[i]);
		if (zmq_msg_send(&copy, n->router, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&copy);
			return; /* peer gone or its queue full: it will resend by id */
		}
	}
	zmq_send(n->router, b->data, b->len, ZMQ_DONTWAIT);
}
