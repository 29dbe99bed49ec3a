/* daemon/auth.c — the clients file and the ZAP handler (key files: model/keypair.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "../proto/err.h"
#include "auth.h"
#include "keypair.h"
#include "role.h"
#include "ydoc.h"

#define AUTH_MAX_KEYS 1024

struct auth_entry {
	unsigned char key[32];
	char name[80]; /* department, or "reader:<name>", "operator:<name>" */
	enum role role;
};

struct auth {
	struct auth_entry *keys;
	size_t n;
	size_t n_depts, n_readers;
};

static int add_list(struct auth *a, struct ydoc *d, ynode seq, enum role role)
{
	static const char *const dept_keys[] = { "dept", "public", NULL };
	static const char *const named_keys[] = { "name", "public", NULL };
	bool feeder = role == ROLE_FEEDER;
	for (size_t i = 0; i < ydoc_len(d, seq); i++) {
		ynode e = ydoc_at(d, seq, i);
		char text[KEYPAIR_TEXT + 1];
		const char *name;
		int rc;
		if ((rc = ydoc_check_keys(d, e, feeder ? dept_keys : named_keys)) < 0 ||
		    (rc = ydoc_req_str(d, e, feeder ? "dept" : "name", &name)) < 0 ||
		    (rc = keypair_key_text(d, e, "public", text)) < 0)
			return rc;
		if (a->n == AUTH_MAX_KEYS)
			return ydoc_fail(d, e, "more than %d keys", AUTH_MAX_KEYS);
		struct auth_entry *k = &a->keys[a->n];
		zmq_z85_decode(k->key, text);
		for (size_t j = 0; j < a->n; j++)
			if (memcmp(a->keys[j].key, k->key, 32) == 0)
				return ydoc_fail(d, e, "key listed twice (also for '%s')", a->keys[j].name);
		snprintf(k->name, sizeof(k->name), "%s%s%.64s", feeder ? "" : role_name(role),
			 feeder ? "" : ":", name);
		k->role = role;
		a->n++;
		a->n_depts += feeder;
		a->n_readers += role == ROLE_READER;
	}
	return 0;
}

int auth_new(struct auth **ret, const char *clients_file, char *err, size_t errlen)
{
	static const char *const keys[] = { "departments", "readers", "operators", NULL };
	char yerr[YDOC_ERR_MAX];
	struct ydoc *d;
	struct auth *a;
	int rc;

	if (!(a = calloc(1, sizeof(*a))) || !(a->keys = calloc(AUTH_MAX_KEYS, sizeof(*a->keys)))) {
		free(a);
		return PW_ENOMEM;
	}
	if ((rc = ydoc_load(&d, clients_file, yerr)) < 0) {
		snprintf(err, errlen, "%s", yerr);
		auth_free(a);
		return rc;
	}
	ynode root = ydoc_root(d);
	if ((rc = ydoc_check_keys(d, root, keys)) == 0 &&
	    (rc = add_list(a, d, ydoc_get(d, root, "departments"), ROLE_FEEDER)) == 0 &&
	    (rc = add_list(a, d, ydoc_get(d, root, "readers"), ROLE_READER)) == 0)
		rc = add_list(a, d, ydoc_get(d, root, "operators"), ROLE_OPERATOR);
	if (rc < 0) {
		snprintf(err, errlen, "%s", ydoc_error(d));
		auth_free(a);
	} else {
		*ret = a;
	}
	ydoc_free(d);
	return rc;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	free(a->keys);
	free(a);
}

size_t auth_n_departments(const struct auth *a)
{
	return a->n_depts;
}

size_t auth_n_operators(const struct auth *a)
{
	return a->n - a->n_depts - a->n_readers;
}

/* The ZAP reply's metadata (RFC 27, ZMTP property format): the key's role, which libzmq
 * attaches to every message of the connection (zmq_msg_gets(ROLE_PROPERTY)). */
static size_t role_metadata(const struct auth_entry *hit, unsigned char *buf, size_t cap)
{
	const char *name = ROLE_PROPERTY, *value = role_name(hit->role);
	size_t nl = strlen(name), vl = strlen(value);
	if (1 + nl + 4 + vl > cap)
		return 0;
	buf[0] = (unsigned char)nl;
	memcpy(buf + 1, name, nl);
	buf[1 + nl] = buf[2 + nl] = buf[3 + nl] = 0;
	buf[4 + nl] = (unsigned char)vl;
	memcpy(buf + 5 + nl, value, vl);
	return 5 + nl + vl;
}

/* ZAP request (RFC 27): version, request id, domain, address, identity, mechanism,
 * credentials... Reply: version, request id, status code, status text, user id, metadata. */
#define ZAP_FRAMES 7

int auth_zap_handle(const struct auth *a, void *zap, char *who, size_t cap, bool *ok)
{
	zmq_msg_t f[ZAP_FRAMES];
	int n = 0, more = 1;
	size_t ml = sizeof(more);
	const struct auth_entry *hit = NULL;

	*ok = false;
	snprintf(who, cap, "?");
	while (more) {
		zmq_msg_t part;
		zmq_msg_init(&part);
		if (zmq_msg_recv(&part, zap, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&part);
			for (int i = 0; i < n; i++)
				zmq_msg_close(&f[i]);
			return errno == EAGAIN ? 0 : PW_ESYS;
		}
		zmq_getsockopt(zap, ZMQ_RCVMORE, &more, &ml);
		if (n < ZAP_FRAMES)
			f[n++] = part;
		else
			zmq_msg_close(&part);
	}
	bool well_formed = n == ZAP_FRAMES && zmq_msg_size(&f[6]) == 32 &&
			   zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0;
	if (well_formed) {
		const unsigned char *key = zmq_msg_data(&f[6]);
		bool pub = zmq_msg_size(&f[2]) == strlen(AUTH_DOMAIN_PUB) &&
			   memcmp(zmq_msg_data(&f[2]), AUTH_DOMAIN_PUB, strlen(AUTH_DOMAIN_PUB)) == 0;
		for (size_t i = 0; i < a->n && !hit; i++)
			if (memcmp(a->keys[i].key, key, 32) == 0)
				hit = &a->keys[i];
		/* With readers listed, departments may not subscribe (they still write);
		 * readers and operators may. */
		if (hit && pub && a->n_readers && hit->role == ROLE_FEEDER) {
			snprintf(who, cap, "key of %s may not subscribe (readers are listed)",
				 hit->name);
			hit = NULL;
		} else if (hit) {
			snprintf(who, cap, "%s", hit->name);
		} else {
			char z85[41];
			zmq_z85_encode(z85, key, 32);
			snprintf(who, cap, "unknown key %s", z85);
		}
	}
	*ok = hit != NULL;
	const char *code = hit ? "200" : "400", *text = hit ? "OK" : "unknown or unauthorized key";
	int rc = 0;
	if (n >= 2) {
		zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
		zmq_send(zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
		zmq_send(zap, code, 3, ZMQ_SNDMORE);
		zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
		zmq_send(zap, hit ? hit->name : "", hit ? strlen(hit->name) : 0, ZMQ_SNDMORE);
		unsigned char meta[64];
		size_t meta_len = hit ? role_metadata(hit, meta, sizeof(meta)) : 0;
		if (zmq_send(zap, meta, meta_len, 0) < 0)
			rc = PW_ESYS;
	}
	for (int i = 0; i < n; i++)
		zmq_msg_close(&f[i]);
	return rc;
}
