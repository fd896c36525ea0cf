/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockopt.c - TCP_NODELAY on libmilter's listening socket. See sockopt.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockopt.h"

/* The port of an inet/inet6 spec, with its family; 0 for anything else. */
static int spec_port(const char *spec, int *family)
{
	const char *p;
	char *end;
	long port;
	if (strncmp(spec, "inet:", 5) == 0) {
		*family = AF_INET;
		p = spec + 5;
	} else if (strncmp(spec, "inet6:", 6) == 0) {
		*family = AF_INET6;
		p = spec + 6;
	} else {
		return 0;
	}
	port = strtol(p, &end, 10);
	if (end == p || (*end != '\0' && *end != '@') || port <= 0 || port > 65535)
		return -1;
	return (int)port;
}

int sockopt_nodelay_get(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);
	if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) != 0)
		return -1;
	return v != 0;
}

/* 1 when fd is a listening TCP socket of that family bound to port. */
static int is_listener(int fd, int family, int port)
{
	int v = 0;
	socklen_t len = sizeof(v);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) != 0 || v == 0)
		return 0;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) != 0 || v != SOCK_STREAM)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 || ss.ss_family != family)
		return 0;
	if (family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port) == port;
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == port;
}

static int set_one(int fd, int *count, struct cad_err *err)
{
	int on = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
		return cad_err_set(err, "TCP_NODELAY on the milter socket: %s", strerror(errno));
	(*count)++;
	return 0;
}

int sockopt_spec_tcp(const char *spec)
{
	int family = 0;
	return spec_port(spec, &family) != 0;
}

int sockopt_nodelay_listener(const char *spec, struct cad_err *err)
{
	int family = 0, port, count = 0;
	DIR *d;
	port = spec_port(spec, &family);
	if (port == 0)
		return 0;   /* a unix socket: no Nagle */
	if (port < 0)
		return cad_err_set(err, "Socket %s: no port", spec);
	/* The process's descriptors: /proc/self/fd on Linux, else every
	 * descriptor up to the limit. */
	d = opendir("/proc/self/fd");
	if (d != NULL) {
		struct dirent *e;
		int dfd = dirfd(d);
		while ((e = readdir(d)) != NULL) {
			char *end;
			long fd = strtol(e->d_name, &end, 10);
			if (*end != '\0' || end == e->d_name || fd == dfd || fd < 0)
				continue;
			if (is_listener((int)fd, family, port) && set_one((int)fd, &count, err) != 0) {
				closedir(d);
				return -1;
			}
		}
		closedir(d);
	} else {
		struct rlimit rl;
		int max = 1024;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < 65536)
			max = (int)rl.rlim_cur;
		for (int fd = 0; fd < max; fd++)
			if (is_listener(fd, family, port) && set_one(fd, &count, err) != 0)
				return -1;
	}
	if (count == 0)
		return cad_err_set(err, "Socket %s: libmilter's listening socket not found: "
				   "TCP_NODELAY not set", spec);
	return count;
}
