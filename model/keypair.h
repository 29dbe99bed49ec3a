/* model/keypair.h — CURVE keypair files (`planwatch keygen`), read by the daemon (its
 * server key) and the CLI (a department's or reader's key) alike.
 *
 * A key file is YAML: dept (the owner's name), public and secret (40-character Z85). Which
 * key may do what is the daemon's business (daemon/auth.h, the ZAP handler). */
#ifndef PW_KEYPAIR_H
#define PW_KEYPAIR_H

#include <stddef.h>

#include "ydoc.h"

#define KEYPAIR_TEXT 40 /* Z85 text of a 32-byte key */

struct keypair {
	char public_key[KEYPAIR_TEXT + 1];
	char secret_key[KEYPAIR_TEXT + 1];
	char name[65]; /* department, or "planwatchd" for the server */
};

/* Reads a key file written by keypair_generate. Refuses a file readable by group or
 * others (PW_ECONFIG). err gets "FILE:LINE: problem". */
int keypair_load(struct keypair *k, const char *path, char *err, size_t errlen);
/* Writes a new keypair for name to path with mode 0600 (PW_EBUSY if path exists); the
 * public key's text into pub_out. */
int keypair_generate(const char *path, const char *name, char *pub_out, size_t cap);
/* The Z85 key under field of map into out; a ydoc error unless it is 40 characters of
 * valid Z85. */
int keypair_key_text(struct ydoc *d, ynode map, const char *field, char out[KEYPAIR_TEXT + 1]);

#endif
