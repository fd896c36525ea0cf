/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tz.c - validation of IANA time-zone names against the system database.
 *
 * The name comes from untrusted input (CSV files, the HTTP API), so it is
 * checked character by character before it becomes part of a path; only
 * then is the zone file opened and its magic read. Nothing is cached: the
 * check costs one open() and is done when data is imported, not per send.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz.h"
#include "util.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"

/* Only the characters IANA uses (no '.', so no ".." either); each
 * '/'-separated component non-empty. */
static int tz_name_ok(const char *name)
{
	const char *p;
	size_t len = strlen(name);
	if (len == 0 || len > TZ_NAME_MAX)
		return 0;
	for (p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
			 || c == '_' || c == '+' || c == '-' || c == '/';
		if (!ok)
			return 0;
		if (c == '/' && (p == name || p[-1] == '/'))
			return 0;
	}
	if (name[len - 1] == '/' || strstr(name, "..") != NULL)
		return 0;
	return 1;
}

int tz_valid(const char *name)
{
	const char *dir;
	struct sbuf path;
	char magic[4];
	struct stat st;
	int fd, ok = 0;

	if (name == NULL || !tz_name_ok(name))
		return 0;
	if (strcmp(name, "UTC") == 0)
		return 1;
	dir = getenv("TZDIR");
	if (dir == NULL || *dir == '\0')
		dir = TZ_DEFAULT_DIR;
	sbuf_init(&path);
	sbuf_addf(&path, "%s/%s", dir, name);
	fd = open(path.s, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	sbuf_free(&path);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
	    && read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic)
	    && memcmp(magic, "TZif", 4) == 0)
		ok = 1;
	close(fd);
	return ok;
}
