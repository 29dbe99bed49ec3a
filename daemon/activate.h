/* daemon/activate.h — systemd socket activation for the daemon's bound endpoints.
 *
 * With systemd/planwatchd.socket enabled, systemd creates the listening sockets before
 * planwatchd starts and passes them in (LISTEN_FDS). libzmq adopts such a socket when
 * ZMQ_USE_FD is set before zmq_bind(); the endpoint string still names the address. */
#ifndef PW_ACTIVATE_H
#define PW_ACTIVATE_H

/* Returns the passed listening socket for endpoint, or -1 when none matches (not socket
 * activated, or the socket unit lists other addresses: then bind normally).
 *   ipc://PATH            a SOCK_STREAM AF_UNIX socket listening on exactly PATH
 *   tcp://HOST:PORT       a SOCK_STREAM AF_INET/AF_INET6 socket listening on PORT and, when
 *                         HOST is a numeric address, on that address ("*" = any address)
 * Other transports return -1. The environment is left in place, so it may be called once
 * per endpoint; the caller owns nothing (libzmq closes an adopted fd with its socket). */
int activate_fd_for(const char *endpoint);

#endif
