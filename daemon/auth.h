/* daemon/auth.h — CURVE identities: which public key is which department (ZAP).
 *
 * With CURVE on, libzmq asks a ZAP handler about every handshake. planwatchd answers
 * from clients_file: a department key authenticates as that department (ZAP user id =
 * department name, checked against every update's payload), a reader key may subscribe
 * and query but never write, anything else is refused and logged. */
#ifndef PW_AUTH_H
#define PW_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_KEY_TEXT 40 /* Z85 text of a 32-byte key */
#define AUTH_DOMAIN_INGEST "planwatch"
#define AUTH_DOMAIN_PUB "planwatch-pub"
#define AUTH_ZAP_ENDPOINT "inproc://zeromq.zap.01"

struct auth;

struct auth_keypair {
	char public_key[AUTH_KEY_TEXT + 1];
	char secret_key[AUTH_KEY_TEXT + 1];
	char name[65]; /* department, or "planwatchd" for the server */
};

/* Reads a key file written by `planwatch keygen` (YAML: dept, public, secret). Refuses a
 * file readable by group or others. err gets "FILE:LINE: problem". */
int auth_keypair_load(struct auth_keypair *k, const char *path, char *err, size_t errlen);
/* Writes a new keypair for name to path with mode 0600 (fails if path exists). */
int auth_keypair_generate(const char *path, const char *name, char *pub_out, size_t cap);

/* Loads clients_file (YAML: departments: [{dept, public}], readers: [{name, public}]). */
int auth_new(struct auth **ret, const char *clients_file, char *err, size_t errlen);
void auth_free(struct auth *a);

/* Answers one pending ZAP request on the REP socket zap. *who / *ok describe the verdict
 * for logging (who is the department, reader name or the key's Z85 text). Returns 0, or
 * a negative code on a transport error. */
int auth_zap_handle(const struct auth *a, void *zap, char *who, size_t cap, bool *ok);

size_t auth_n_departments(const struct auth *a);

#endif
