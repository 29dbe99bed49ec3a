/* daemon/sandbox.c — see sandbox.h. */
#include "sandbox.h"

#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* The host part of tcp://HOST:PORT is "*" (no interface lookup in libzmq). */
static int host_is_wildcard(const char *hostport)
{
	const char *colon = strrchr(hostport, ':');
	size_t n = colon ? (size_t)(colon - hostport) : strlen(hostport);
	return n == 1 && hostport[0] == '*';
}

int sandbox_bind_probe(const char *ep, char *err, size_t errlen)
{
	if (strncmp(ep, "tcp://", 6) != 0 || host_is_wildcard(ep + 6))
		return 0;
	struct ifaddrs *ifa = NULL;
	if (getifaddrs(&ifa) == 0) {
		freeifaddrs(ifa);
		return 0;
	}
	/* libzmq maps these two to "no such interface" and goes on to getaddrinfo(); it
	 * retries ECONNREFUSED. Anything else is its assertion. */
	if (errno == EINVAL || errno == EOPNOTSUPP || errno == ECONNREFUSED)
		return 0;
	int e = errno;
	snprintf(err, errlen,
		 "cannot bind '%s': cannot list the network interfaces (%s), which libzmq needs "
		 "for a bind address other than '*'; under systemd the unit's "
		 "RestrictAddressFamilies= must include AF_NETLINK",
		 ep, strerror(e));
	errno = e;
	return PW_ESYS;
}

/* path is dir itself or below it. */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool sandbox_private_tmp(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096], root[1024], point[1024];
	bool priv = false;

	if (!f)
		return false;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ..." */
	while (!priv && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, point) == 2 &&
		    (strcmp(point, "/tmp") == 0 || strcmp(point, "/var/tmp") == 0) &&
		    strstr(root, "/systemd-private-") && path_under(path, point))
			priv = true;
	fclose(f);
	return priv;
}
