/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon.c - pidfile, privilege drop and detaching, shared by cadenced and
 * cadence-milter. See daemon.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "daemon.h"

/* Reads the pid in path; 0 when absent or unreadable. */
static pid_t pidfile_read(const char *path)
{
	char buf[32];
	ssize_t n;
	long v;
	char *end;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (v <= 0 || (*end != '\0' && *end != '\n'))
		return 0;
	return (pid_t)v;
}

int daemon_pidfile_write(const char *path, struct cad_err *err)
{
	char buf[32];
	int fd, tries;
	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return cad_err_set(err, "%s: %s", path, strerror(errno));
		pid_t old = pidfile_read(path);
		if (old > 0 && old != getpid() && (kill(old, 0) == 0 || errno == EPERM))
			return cad_err_set(err, "%s: already running as pid %ld", path, (long)old);
		/* Stale: the process that wrote it is gone. */
		if (unlink(path) < 0 && errno != ENOENT)
			return cad_err_set(err, "%s: cannot remove stale pidfile: %s", path,
					   strerror(errno));
	}
	if (fd < 0)
		return cad_err_set(err, "%s: cannot create pidfile", path);
	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf)) {
		close(fd);
		unlink(path);
		return cad_err_set(err, "%s: write failed", path);
	}
	close(fd);
	return 0;
}

void daemon_pidfile_remove(const char *path)
{
	if (path != NULL && pidfile_read(path) == getpid())
		unlink(path);
}

int daemon_drop_privileges(const char *spec, struct cad_err *err)
{
	char *user, *group;
	struct passwd *pw;
	gid_t gid;
	int rc = -1;
	if (spec == NULL || *spec == '\0' || geteuid() != 0)
		return 0;
	user = xstrdup(spec);
	group = strchr(user, ':');
	if (group != NULL)
		*group++ = '\0';
	pw = getpwnam(user);
	if (pw == NULL) {
		cad_err_set(err, "UserID: no such user: %s", user);
		goto out;
	}
	gid = pw->pw_gid;
	if (group != NULL) {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			cad_err_set(err, "UserID: no such group: %s", group);
			goto out;
		}
		gid = gr->gr_gid;
	}
	if (initgroups(pw->pw_name, gid) < 0 || setgid(gid) < 0 || setuid(pw->pw_uid) < 0) {
		cad_err_set(err, "UserID %s: cannot drop privileges: %s", spec, strerror(errno));
		goto out;
	}
	/* Verify: getting root back must be impossible now. */
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		cad_err_set(err, "UserID %s: privileges could be regained", spec);
		goto out;
	}
	rc = 0;
out:
	free(user);
	return rc;
}

/* The child's end of the readiness pipe, until daemon_ready(). */
static int ready_fd = -1;

int daemon_detach(struct cad_err *err)
{
	int fds[2], fd;
	pid_t pid;

	if (pipe(fds) < 0)
		return cad_err_set(err, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		return cad_err_set(err, "fork: %s", strerror(e));
	}
	if (pid > 0) {
		/* The parent stays until the daemon says it is serving (or why
		 * not), so that an init script or a person sees start-up errors
		 * and the exit status tells the truth. */
		char buf[600];
		size_t len = 0;
		ssize_t n;
		close(fds[1]);
		while (len < sizeof(buf) - 1
		       && ((n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0
			   || (n < 0 && errno == EINTR)))
			if (n > 0)
				len += (size_t)n;
		buf[len] = '\0';
		if (len == 0) {
			fprintf(stderr, "daemon exited during start-up\n");
			_exit(1);
		}
		if (strcmp(buf, "ok") == 0)
			_exit(0);
		fprintf(stderr, "%s\n", buf);
		_exit(1);
	}
	close(fds[0]);
	ready_fd = fds[1];
	fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
	if (setsid() < 0)
		return cad_err_set(err, "setsid: %s", strerror(errno));
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

void daemon_ready(const char *error)
{
	const char *msg = error && *error ? error : "ok";
	ssize_t n;
	if (ready_fd < 0)
		return;
	do
		n = write(ready_fd, msg, strlen(msg));
	while (n < 0 && errno == EINTR);
	close(ready_fd);
	ready_fd = -1;
}
