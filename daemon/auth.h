/* daemon/auth.h — CURVE identities: which public key is which department (ZAP). Key
 * files themselves are model/keypair.h.
 *
 * With CURVE on, libzmq asks a ZAP handler about every handshake. planwatchd answers
 * from clients_file: a department key authenticates as that department (ZAP user id =
 * department name, checked against every update's payload), a reader key may subscribe
 * and query but never write, an operator key may send operator requests (daemon/role.h);
 * anything else is refused and logged. The key's role reaches every message of its
 * connection as the property ROLE_PROPERTY. */
#ifndef PW_AUTH_H
#define PW_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_DOMAIN_INGEST "planwatch"
#define AUTH_DOMAIN_PUB "planwatch-pub"
#define AUTH_ZAP_ENDPOINT "inproc://zeromq.zap.01"

struct auth;

/* Loads clients_file (YAML: departments: [{dept, public}], readers: [{name, public}],
 * operators: [{name, public}]). */
int auth_new(struct auth **ret, const char *clients_file, char *err, size_t errlen);
void auth_free(struct auth *a);

/* Answers one pending ZAP request on the REP socket zap. *who / *ok describe the verdict
 * for logging (who is the department, reader name or the key's Z85 text). Returns 0, or
 * a negative code on a transport error. */
int auth_zap_handle(const struct auth *a, void *zap, char *who, size_t cap, bool *ok);

size_t auth_n_departments(const struct auth *a);
size_t auth_n_operators(const struct auth *a);

#endif
