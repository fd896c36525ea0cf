/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_doctor_tools.c - what every check of "cadencectl doctor" uses: the
 * report (text, or JSON with --json), postconf and postmap run with an
 * argument vector (no shell), Postfix lists split into words, and checks
 * made as the service user in a child that drops to it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd_doctor_int.h"
#include "daemon.h"

void cmd_doctor_report(struct doc *d, int st, const char *check, const char *fix, const char *fmt,
		       ...)
{
	static const char *const word[] = { "OK", "WARN", "FAIL" };
	struct sbuf b;
	va_list ap;
	json_t *o = json_object();
	sbuf_init(&b);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	out_set(o, "check", json_string(check));
	out_set(o, "status", json_string(word[st]));
	out_set(o, "detail", json_string(b.s));
	out_set(o, "fix", out_str(st == DOC_OK ? NULL : fix));
	json_array_append_new(d->checks, o);
	if (st == DOC_FAIL)
		d->nfail++;
	else if (st == DOC_WARN)
		d->nwarn++;
	if (!d->c->json) {
		printf("%-4s  %-7s %s\n", word[st], check, b.s);
		if (st != DOC_OK && fix != NULL)
			printf("              fix: %s\n", fix);
	}
	sbuf_free(&b);
}

/* Runs argv (no shell), its standard output into out (at most 1 MiB),
 * standard error discarded. The exit status, or -1 when it cannot run. */
static int run_capture(char *const argv[], struct sbuf *out)
{
	int fds[2], status = 0;
	pid_t pid;
	char buf[4096];
	ssize_t n;
	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(fds[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(fds[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && out->len < 1024 * 1024)
			sbuf_add(out, buf, (size_t)n);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* postconf [-c DIR] ARGS...: its output, trailing newlines cut; NULL when
 * postconf failed. */
char *cmd_doctor_postconf(const struct doc *d, const char *a1, const char *a2, const char *a3)
{
	char *argv[8];
	int i = 0;
	struct sbuf out;
	argv[i++] = (char *)"postconf";
	if (d->pfdir != NULL) {
		argv[i++] = (char *)"-c";
		argv[i++] = (char *)d->pfdir;
	}
	argv[i++] = (char *)a1;
	if (a2 != NULL)
		argv[i++] = (char *)a2;
	if (a3 != NULL)
		argv[i++] = (char *)a3;
	argv[i] = NULL;
	sbuf_init(&out);
	if (run_capture(argv, &out) != 0) {
		sbuf_free(&out);
		return NULL;
	}
	while (out.len > 0 && (out.s[out.len - 1] == '\n' || out.s[out.len - 1] == ' '))
		out.s[--out.len] = '\0';
	return sbuf_detach(&out);
}

/* postmap [-c DIR] -q KEY MAP: the value, or NULL when not found. */
char *cmd_doctor_postmap(const struct doc *d, const char *key, const char *map)
{
	char *argv[8];
	int i = 0;
	struct sbuf out;
	argv[i++] = (char *)"postmap";
	if (d->pfdir != NULL) {
		argv[i++] = (char *)"-c";
		argv[i++] = (char *)d->pfdir;
	}
	argv[i++] = (char *)"-q";
	argv[i++] = (char *)key;
	argv[i++] = (char *)map;
	argv[i] = NULL;
	sbuf_init(&out);
	if (run_capture(argv, &out) != 0) {
		sbuf_free(&out);
		return NULL;
	}
	while (out.len > 0 && out.s[out.len - 1] == '\n')
		out.s[--out.len] = '\0';
	return sbuf_detach(&out);
}

/* Splits a Postfix list (commas, blanks) into a NULL-terminated array;
 * "{ a, b }" stays one element, braces and all. Free with words_free. */
char **cmd_doctor_words(const char *s)
{
	size_t n = 0, cap = 8;
	char **v = xmalloc(cap * sizeof(*v));
	while (s != NULL && *s) {
		const char *start;
		int depth = 0;
		while (*s == ',' || *s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (*s == '\0')
			break;
		start = s;
		for (; *s && (depth > 0 || (*s != ',' && *s != ' ' && *s != '\t' && *s != '\n'));
		     s++)
			depth += *s == '{' ? 1 : *s == '}' ? -1 : 0;
		cad_grow(&v, &cap, n + 2, sizeof(*v));
		v[n++] = xstrndup(start, (size_t)(s - start));
	}
	v[n] = NULL;
	return v;
}

void cmd_doctor_words_free(char **v)
{
	size_t i;
	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Runs fn in a child that became user (as root), else in a child as we
 * are. Its result (0..255), or -1 when the child could not start. */
int cmd_doctor_as_user(const char *user, as_fn fn, const void *arg)
{
	int status = 0;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct cad_err err;
		if (user != NULL && geteuid() == 0 && daemon_drop_privileges(user, &err) != 0)
			_exit(255);
		_exit(fn(arg) & 0xff);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct acc {
	const char *path;
	int mode;
};

static int do_access(const void *arg)
{
	const struct acc *a = arg;
	return access(a->path, a->mode) == 0 ? 0 : errno;
}

/* 0, or the errno the service user gets for access(path, mode). */
int cmd_doctor_user_access(const struct doc *d, const char *path, int mode)
{
	struct acc a = { path, mode };
	return cmd_doctor_as_user(d->have_user ? d->user : NULL, do_access, &a);
}

/* Owner and mode of a file the daemons need: FAIL when the service user
 * does not own it or others may read it. 0 when it is fine so far. */
int cmd_doctor_owner(struct doc *d, const char *what, const char *path, mode_t deny,
		     const char *fixmode, int need_owner)
{
	struct stat sb;
	char *fix;
	if (stat(path, &sb) != 0) {
		cmd_doctor_report(d, DOC_FAIL, what, "cadencectl init (as root)", "%s: %s", path,
				  strerror(errno));
		return -1;
	}
	if (need_owner && d->have_user && sb.st_uid != d->uid) {
		struct passwd *pw = getpwuid(sb.st_uid);
		fix = xasprintf("chown %s %s", d->user, path);
		cmd_doctor_report(d, DOC_FAIL, what, fix, "%s belongs to %s, not to the service user %s",
				  path, pw ? pw->pw_name : "another user", d->user);
		free(fix);
		return -1;
	}
	if ((sb.st_mode & deny) != 0) {
		fix = xasprintf("chmod %s %s", fixmode, path);
		cmd_doctor_report(d, DOC_FAIL, what, fix, "%s is mode %04o: others may read it", path,
				  (unsigned)(sb.st_mode & 07777));
		free(fix);
		return -1;
	}
	return 0;
}
