/* daemon/sandbox.h — what the systemd sandbox of planwatchd.service makes go wrong, checked
 * before it does.
 *
 * Bind endpoints: libzmq 4.3 resolves a tcp:// bind address other than "*" by first
 * listing the network interfaces (getifaddrs(), a netlink socket) and asserts that this
 * works (src/ip_resolver.cpp, resolve_nic_name): in a sandbox without AF_NETLINK (systemd's RestrictAddressFamilies=) the process dies with
 * "Address family not supported by protocol (src/ip_resolver.cpp:542)" and SIGABRT. The
 * daemon probes first and fails with a message instead. */
#ifndef PW_SANDBOX_H
#define PW_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/* 0 when zmq_bind(ep) will not hit that assertion (not tcp://, host "*", or the interface
 * list can be read); else PW_ESYS with err naming the endpoint, the cause and the fix. */
int sandbox_bind_probe(const char *ep, char *err, size_t errlen);

/* True when path lies in a private /tmp or /var/tmp (PrivateTmp=yes: a per-service
 * directory that no one else sees and that is deleted when the service stops), read from
 * /proc/self/mountinfo: there such a mount's root is /tmp/systemd-private-…/tmp. */
bool sandbox_private_tmp(const char *path);

#endif
