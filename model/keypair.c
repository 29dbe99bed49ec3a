/* model/keypair.c — CURVE keypair files (contract: keypair.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "../proto/err.h"
#include "keypair.h"

int keypair_key_text(struct ydoc *d, ynode map, const char *field, char out[KEYPAIR_TEXT + 1])
{
	const char *s;
	unsigned char bin[32];
	int rc = ydoc_req_str(d, map, field, &s);
	if (rc < 0)
		return rc;
	if (strlen(s) != KEYPAIR_TEXT || !zmq_z85_decode(bin, s))
		return ydoc_fail(d, ydoc_get(d, map, field), "%s: not a 40-character Z85 CURVE key",
				 field);
	memcpy(out, s, KEYPAIR_TEXT + 1);
	return 0;
}

int keypair_load(struct keypair *k, const char *path, char *err, size_t errlen)
{
	static const char *const keys[] = { "dept", "public", "secret", NULL };
	char yerr[YDOC_ERR_MAX];
	struct ydoc *d;
	struct stat st;
	const char *name;
	int rc;

	if (stat(path, &st) == 0 && (st.st_mode & 077)) {
		snprintf(err, errlen, "%s: secret key file is readable by others: chmod 600 it", path);
		return PW_ECONFIG;
	}
	if ((rc = ydoc_load(&d, path, yerr)) < 0) {
		snprintf(err, errlen, "%s", yerr);
		return rc;
	}
	ynode root = ydoc_root(d);
	if ((rc = ydoc_check_keys(d, root, keys)) == 0 &&
	    (rc = ydoc_req_str(d, root, "dept", &name)) == 0 &&
	    (rc = keypair_key_text(d, root, "public", k->public_key)) == 0 &&
	    (rc = keypair_key_text(d, root, "secret", k->secret_key)) == 0)
		snprintf(k->name, sizeof(k->name), "%s", name);
	if (rc < 0)
		snprintf(err, errlen, "%s", ydoc_error(d));
	ydoc_free(d);
	return rc;
}

int keypair_generate(const char *path, const char *name, char *pub_out, size_t cap)
{
	char pub[41], sec[41];
	if (zmq_curve_keypair(pub, sec) != 0)
		return PW_ESYS;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return errno == EEXIST ? PW_EBUSY : PW_ESYS;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return PW_ESYS;
	}
	fprintf(f, "# planwatch CURVE keypair. Keep this file secret (mode 0600).\n"
		   "# Give only the public key to the planwatchd operator (clients_file).\n"
		   "dept: \"%s\"\npublic: \"%s\"\nsecret: \"%s\"\n", name, pub, sec);
	int rc = fclose(f) == 0 ? 0 : PW_ESYS;
	snprintf(pub_out, cap, "%s", pub);
	return rc;
}
