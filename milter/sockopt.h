/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockopt.h - TCP_NODELAY for the connections libmilter accepts.
 *
 * Why: over inet a milter reply made of two small writes (at the end of
 * a message libmilter writes each modification, e.g. the DKIM-Signature
 * header, then the final answer) waits on Nagle's algorithm until the MTA
 * acknowledges the first, and the MTA, still waiting for the answer,
 * delays that acknowledgement (~40 ms on Linux): one stall per message.
 *
 * How: libmilter creates the listening socket (smfi_opensocket) and keeps
 * its descriptor private: there is no getter, and the accepted sockets
 * are never handed to the filter. So, once smfi_opensocket() has returned
 * and before smfi_main() accepts anything, sockopt_nodelay_listener()
 * finds the listening socket among the process's descriptors (a listening
 * SOCK_STREAM socket, SO_ACCEPTCONN, bound to the configured port and
 * family) and sets TCP_NODELAY on it. On Linux an accepted TCP socket is
 * a clone of its listener and inherits TCP_NODELAY (tests/unit/
 * test_milter_sockopt checks that on the machine it runs on). libmilter
 * never reopens its listener (accept failures end smfi_main), so the
 * setting holds for the life of the process.
 *
 * Guarantees: a unix socket is left alone (no Nagle there); only a socket
 * listening on the very port of Socket is touched; the result says how
 * many were set (0 for a unix socket), or -1 with err (none found, or
 * setsockopt failed).
 */
#ifndef CADENCE_MILTER_SOCKOPT_H
#define CADENCE_MILTER_SOCKOPT_H

#include "util.h"

/* spec: the Socket setting ("inet:PORT@HOST", "inet6:PORT@HOST",
 * "local:/path", ...). Returns the number of listening sockets set
 * (0 for a unix socket), -1 when none was found or on error. */
int sockopt_nodelay_listener(const char *spec, struct cad_err *err);

/* 1 when the Socket setting spec is a TCP one (inet: or inet6:, even with
 * a bad port), 0 for a unix socket or anything else. */
int sockopt_spec_tcp(const char *spec);

/* 1 when fd (a TCP socket) has TCP_NODELAY set, 0 when not, -1 when it
 * cannot be read. */
int sockopt_nodelay_get(int fd);

#endif
