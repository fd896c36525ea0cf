/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_doctor.c - "cadencectl doctor": checks the whole installed chain and
 * says, for each link, OK, WARN or FAIL with what to do about it.
 *
 *   cadencectl [-c cadence.conf] doctor [--postfix-config DIR] [--dns] [--json]
 *
 * What it checks, in order:
 *   config     the file loads; Domain is not the example's
 *   user       the service user (UserID, else "cadence") exists
 *   store      exists; owned by the service user; not world-readable; the
 *              service user can write it and its directory (SQLite's WAL)
 *   secret     exists; owned by the service user; mode 0600 or stricter
 *   socket     Postfix's smtpd_milters and non_smtpd_milters (postconf,
 *              per-service overrides from postconf -P, the chroot column of
 *              postconf -M) lead to Socket, for every smtpd service and
 *              cleanup (a service with receive_override_options=no_milters
 *              is left out on purpose); the socket answers a milter
 *              negotiation, connected to as Postfix's mail_owner (nothing
 *              listening is a WARN: doctor runs before the first start)
 *   domain     Domain is in relay_domains; transport_maps sends it to
 *              discard: (what the milter does not consume is dropped)
 *   submit     the master.cf service of SubmitURL's port carries the
 *              milter with default_action tempfail
 *   keys       each KeyTable key is readable by the service user and not by
 *              others; its public half is printed as the TXT record to
 *              publish (--dns: compared with what DNS has; never in tests)
 *   http       HttpListen and PublicURL agree
 *
 * Guarantees: doctor changes nothing. It runs postconf and postmap with an
 * argument vector (no shell); checks "as the service user" run in a child
 * that drops to that user (as root; otherwise with this user's rights, and
 * says so). Exit status 0 when nothing FAILed, 1 otherwise.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmd_doctor.h"
#include "daemon.h"
#include "out.h"

#define USAGE_DOCTOR "doctor [--postfix-config DIR] [--dns] [--json]"

enum { DOC_OK, DOC_WARN, DOC_FAIL };

struct doc {
	struct ctl *c;
	json_t *checks;
	int nfail, nwarn;
	const char *pfdir;        /* --postfix-config, or NULL */
	int dns;                  /* --dns */
	char *user;               /* the service user's name */
	uid_t uid;
	gid_t gid;
	int have_user;
	int have_postfix;         /* postconf answered */
	char *queue_dir;
	char *mail_owner;
	char *sock;               /* Socket's path, when a unix socket */
};

/* ---- reporting ---- */

static void report(struct doc *d, int st, const char *check, const char *fix, const char *fmt,
		   ...) CAD_PRINTF(5, 6);

static void report(struct doc *d, int st, const char *check, const char *fix, const char *fmt,
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

/* ---- running programs ---- */

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
static char *postconf(const struct doc *d, const char *a1, const char *a2, const char *a3)
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
static char *postmap_q(const struct doc *d, const char *key, const char *map)
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

/* ---- Postfix lists ---- */

/* Splits a Postfix list (commas, blanks) into a NULL-terminated array;
 * "{ a, b }" stays one element, braces and all. Free with words_free. */
static char **words(const char *s)
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

static void words_free(char **v)
{
	size_t i;
	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* A milter list entry, plain or "{ name, key=value ... }": its name and
 * its default_action (NULL when it has none of its own). */
static char *milter_name(const char *entry, char **action)
{
	char **w;
	char *name;
	size_t i;
	*action = NULL;
	if (*entry != '{')
		return xstrdup(entry);
	name = xstrndup(entry + 1, strlen(entry + 1) - (entry[strlen(entry) - 1] == '}'));
	w = words(name);
	free(name);
	name = xstrdup(w[0] != NULL ? w[0] : "");
	for (i = 1; w[i] != NULL; i++)
		if (strncasecmp(w[i], "default_action=", 15) == 0)
			*action = xstrdup(w[i] + 15);
	words_free(w);
	return name;
}

/* The file a unix: milter names, as seen from outside any chroot: a
 * relative path is relative to the queue directory (Postfix's working
 * directory), an absolute one too when the service is chrooted. */
static char *milter_path(const struct doc *d, const char *name, int chroot)
{
	const char *p;
	if (strncasecmp(name, "unix:", 5) == 0)
		p = name + 5;
	else if (strncasecmp(name, "local:", 6) == 0)
		p = name + 6;
	else
		return NULL;
	if (p[0] != '/' || chroot)
		return xasprintf("%s/%s", d->queue_dir, p[0] == '/' ? p + 1 : p);
	return xstrdup(p);
}

/* Same file? Compares the directories' real paths and the last names. */
static int same_path(const char *a, const char *b)
{
	char *da = xstrdup(a), *db = xstrdup(b), *sa, *sb, ra[4096], rb[4096];
	int same;
	sa = strrchr(da, '/');
	sb = strrchr(db, '/');
	if (sa == NULL || sb == NULL) {
		same = strcmp(a, b) == 0;
	} else {
		*sa++ = '\0';
		*sb++ = '\0';
		same = strcmp(sa, sb) == 0 &&
		       ((realpath(*da ? da : "/", ra) != NULL && realpath(*db ? db : "/", rb) != NULL)
				? strcmp(ra, rb) == 0 : strcmp(da, db) == 0);
	}
	free(da);
	free(db);
	return same;
}

/* One master.cf service (postconf -M). */
struct svc {
	char *name;       /* "smtp", "127.0.0.1:10026" */
	char *type;       /* "inet", "unix", "pass" */
	int chroot;
	char *command;    /* "smtpd", "cleanup" */
};

static size_t services(const struct doc *d, struct svc **out)
{
	char *text = postconf(d, "-M", NULL, NULL), *line, *save = NULL;
	size_t n = 0, cap = 16;
	struct svc *v = xmalloc(cap * sizeof(*v));
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char **w = words(line);
		size_t k;
		for (k = 0; w[k] != NULL; k++)
			;
		if (k >= 8) {
			cad_grow(&v, &cap, n + 1, sizeof(*v));
			v[n].name = xstrdup(w[0]);
			v[n].type = xstrdup(w[1]);
			/* "-": Postfix 3's default, n. */
			v[n].chroot = strcmp(w[4], "y") == 0;
			v[n].command = xstrdup(w[7]);
			n++;
		}
		words_free(w);
	}
	free(text);
	*out = v;
	return n;
}

static void services_free(struct svc *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].type);
		free(v[i].command);
	}
	free(v);
}

/* A parameter as one service sees it: its -o override, else main.cf. */
static char *svc_param(const struct doc *d, const struct svc *s, const char *param)
{
	char *key = xasprintf("%s/%s/%s", s->name, s->type, param);
	char *v = postconf(d, "-P", "-h", key);
	free(key);
	if (v != NULL && *v)
		return v;
	free(v);
	return postconf(d, "-h", param, NULL);
}

/* The entry of list naming our socket for a service with that chroot:
 * 1 (and *action, its own default_action or NULL) or 0. */
static int list_has_sock(const struct doc *d, const char *list, int chroot, char **action)
{
	char **w = words(list);
	size_t i;
	int found = 0;
	*action = NULL;
	for (i = 0; w[i] != NULL && !found; i++) {
		char *act, *name = milter_name(w[i], &act);
		char *p = milter_path(d, name, chroot);
		if (p != NULL && same_path(p, d->sock)) {
			found = 1;
			*action = act;
			act = NULL;
		}
		free(act);
		free(p);
		free(name);
	}
	words_free(w);
	return found;
}

/* ---- as the service user ---- */

typedef int (*as_fn)(const void *arg);

/* Runs fn in a child that became user (as root), else in a child as we
 * are. Its result (0..255), or -1 when the child could not start. */
static int as_user(const char *user, as_fn fn, const void *arg)
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
static int user_access(const struct doc *d, const char *path, int mode)
{
	struct acc a = { path, mode };
	return as_user(d->have_user ? d->user : NULL, do_access, &a);
}

static int write_all(int fd, const void *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n ? 0 : -1;
}

/* Connects to the milter socket and negotiates (SMFIC_OPTNEG, version 6):
 * 0 when a negotiation reply came back, else an errno (ETIMEDOUT,
 * EPROTO for a reply that is not one). */
static int do_milter(const void *arg)
{
	const char *path = arg;
	struct sockaddr_un sa;
	unsigned char pkt[17], rep[5];
	uint32_t v[4] = { htonl(13), htonl(6), htonl(0x1ff), htonl(0x1fffff) };
	struct pollfd pfd;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), got = 0;
	ssize_t n;
	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return ENAMETOOLONG;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return errno;
	memcpy(pkt, &v[0], 4);
	pkt[4] = 'O';
	memcpy(pkt + 5, &v[1], 12);
	if (write_all(fd, pkt, sizeof(pkt)) != 0)
		return errno;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < 5) {
		if (poll(&pfd, 1, 5000) <= 0)
			return ETIMEDOUT;
		n = read(fd, rep + got, (size_t)(5 - got));
		if (n <= 0)
			return EPROTO;
		got += (int)n;
	}
	(void)write_all(fd, "\0\0\0\1Q", 5);
	close(fd);
	return rep[4] == 'O' ? 0 : EPROTO;
}

/* ---- the checks ---- */

static int check_config(struct doc *d)
{
	const char *path = d->c->conf_path ? d->c->conf_path : CONF_DEFAULT_PATH;
	if (access(path, F_OK) != 0) {
		report(d, DOC_FAIL, "config", "copy the example (cadence.conf in the doc "
		       "directory's examples) there and set Domain", "%s: %s", path, strerror(errno));
		return -1;
	}
	if (d->c->conf_path == NULL)
		d->c->conf_path = path;
	if (ctl_conf(d->c) != 0) {
		report(d, DOC_FAIL, "config", "correct the line named above (cadence.conf(5))",
		       "%s does not load", path);
		return -1;
	}
	if (d->c->conf.domain == NULL || !*d->c->conf.domain ||
	    strcmp(d->c->conf.domain, "cadence.example.com") == 0)
		report(d, DOC_FAIL, "config", "set Domain to a domain of cadence's own, routed "
		       "to this host", "%s: Domain is %s", path,
		       d->c->conf.domain && *d->c->conf.domain ? "the example's" : "not set");
	else
		report(d, DOC_OK, "config", NULL, "%s loads (Domain %s)", path, d->c->conf.domain);
	return 0;
}

static void check_user(struct doc *d)
{
	const char *spec = d->c->conf.user_id;
	char *name = xstrdup(spec != NULL && *spec ? spec : "cadence"), *group;
	struct passwd *pw;
	group = strchr(name, ':');
	if (group != NULL)
		*group++ = '\0';
	pw = getpwnam(name);
	d->user = xstrdup(spec != NULL && *spec ? spec : "cadence");
	if (pw == NULL) {
		report(d, DOC_FAIL, "user", "install the package, or: systemd-sysusers "
		       "(sysusers.d/cadence.conf) or adduser --system --group cadence",
		       "no service user \"%s\"", name);
	} else {
		d->have_user = 1;
		d->uid = pw->pw_uid;
		d->gid = pw->pw_gid;
		if (group != NULL && getgrnam(group) != NULL)
			d->gid = getgrnam(group)->gr_gid;
		report(d, DOC_OK, "user", NULL, "the daemons run as %s (uid %ld)%s", d->user,
		       (long)d->uid, geteuid() == 0 ? "" : "; not root: files are checked with "
		       "this user's rights, not the service user's");
	}
	free(name);
}

/* Owner and mode of a file the daemons need: FAIL when the service user
 * does not own it or others may read it. 0 when it is fine so far. */
static int check_owner(struct doc *d, const char *what, const char *path, mode_t deny,
		       const char *fixmode, int need_owner)
{
	struct stat sb;
	char *fix;
	if (stat(path, &sb) != 0) {
		report(d, DOC_FAIL, what, "cadencectl init (as root)", "%s: %s", path,
		       strerror(errno));
		return -1;
	}
	if (need_owner && d->have_user && sb.st_uid != d->uid) {
		struct passwd *pw = getpwuid(sb.st_uid);
		fix = xasprintf("chown %s %s", d->user, path);
		report(d, DOC_FAIL, what, fix, "%s belongs to %s, not to the service user %s",
		       path, pw ? pw->pw_name : "another user", d->user);
		free(fix);
		return -1;
	}
	if ((sb.st_mode & deny) != 0) {
		fix = xasprintf("chmod %s %s", fixmode, path);
		report(d, DOC_FAIL, what, fix, "%s is mode %04o: others may read it", path,
		       (unsigned)(sb.st_mode & 07777));
		free(fix);
		return -1;
	}
	return 0;
}

static void check_store(struct doc *d)
{
	const char *db = d->c->db_path ? d->c->db_path : d->c->conf.database;
	char *dir, *slash, *fix;
	int e;
	if (check_owner(d, "store", db, S_IRWXO, "o-rwx", 1) != 0)
		return;
	dir = xstrdup(db);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	if ((e = user_access(d, db, R_OK | W_OK)) != 0 ||
	    (e = user_access(d, dir, W_OK | X_OK)) != 0) {
		fix = xasprintf("chown %s %s; chmod 0750 %s", d->user, dir, dir);
		report(d, DOC_FAIL, "store", fix, "%s: the service user cannot write it or its "
		       "directory (SQLite needs both): %s", db, e > 0 && e < 255 ? strerror(e) : "?");
		free(fix);
	} else {
		report(d, DOC_OK, "store", NULL, "%s: the service user's, not world-readable", db);
	}
	free(dir);
}

static void check_secret(struct doc *d)
{
	const char *p = d->c->conf.secret_file;
	int e;
	if (p == NULL || *p == '\0') {
		report(d, DOC_FAIL, "secret", "set SecretFile, then cadencectl init",
		       "SecretFile is not set");
		return;
	}
	if (check_owner(d, "secret", p, S_IRWXG | S_IRWXO, "0600", 1) != 0)
		return;
	if ((e = user_access(d, p, R_OK)) != 0) {
		char *fix = xasprintf("let %s into the directories above %s", d->user, p);
		report(d, DOC_FAIL, "secret", fix, "%s: the service user cannot read it: %s", p,
		       e > 0 && e < 255 ? strerror(e) : "?");
		free(fix);
		return;
	}
	report(d, DOC_OK, "secret", NULL, "%s: the service user's, mode 0600", p);
}

/* Sets d->sock from Socket; 0 when it is a unix socket. */
static int socket_path(struct doc *d)
{
	const char *s = d->c->conf.socket;
	if (s == NULL)
		return -1;
	if (strncasecmp(s, "local:", 6) == 0)
		d->sock = xstrdup(s + 6);
	else if (strncasecmp(s, "unix:", 5) == 0)
		d->sock = xstrdup(s + 5);
	else if (s[0] == '/')
		d->sock = xstrdup(s);
	return d->sock != NULL ? 0 : -1;
}

static int load_postfix(struct doc *d)
{
	d->queue_dir = postconf(d, "-h", "queue_directory", NULL);
	d->mail_owner = postconf(d, "-h", "mail_owner", NULL);
	d->have_postfix = d->queue_dir != NULL && d->mail_owner != NULL;
	if (!d->have_postfix)
		report(d, DOC_FAIL, "postfix", "install Postfix, or give its configuration "
		       "directory with --postfix-config DIR", "postconf%s%s does not answer",
		       d->pfdir ? " -c " : "", d->pfdir ? d->pfdir : "");
	return d->have_postfix ? 0 : -1;
}

/* Every smtpd service of master.cf, and cleanup for non_smtpd_milters,
 * hands mail to our socket. */
static void check_milter_lists(struct doc *d, struct svc *sv, size_t n)
{
	size_t i;
	int nsmtpd = 0, nwith = 0;
	struct sbuf without;
	sbuf_init(&without);
	for (i = 0; i < n; i++) {
		int is_smtpd = strcmp(sv[i].command, "smtpd") == 0;
		int is_cleanup = strcmp(sv[i].command, "cleanup") == 0 && strcmp(sv[i].type, "unix") == 0;
		char *list, *act = NULL;
		if (!is_smtpd && !is_cleanup)
			continue;
		list = svc_param(d, &sv[i], "receive_override_options");
		if (list != NULL && strstr(list, "no_milters") != NULL) {
			/* A re-injection port that turns milters off on purpose. */
			free(list);
			continue;
		}
		free(list);
		list = svc_param(d, &sv[i], is_smtpd ? "smtpd_milters" : "non_smtpd_milters");
		if (list_has_sock(d, list ? list : "", sv[i].chroot, &act)) {
			nwith += is_smtpd;
		} else {
			sbuf_addf(&without, "%s%s/%s%s (%s)", without.len ? ", " : "", sv[i].name,
				  sv[i].type, sv[i].chroot ? " chrooted" : "",
				  is_smtpd ? "smtpd_milters" : "non_smtpd_milters");
		}
		nsmtpd += is_smtpd;
		free(act);
		free(list);
	}
	if (nwith == 0)
		report(d, DOC_FAIL, "socket", "cadence-postfix-setup (adds unix:cadence/milter.sock, "
		       "relative to the queue directory), then postfix reload",
		       "no smtpd service's smtpd_milters leads to %s (queue directory %s)", d->sock,
		       d->queue_dir);
	else if (without.len)
		report(d, DOC_FAIL, "socket", "name unix:cadence/milter.sock (relative to the queue "
		       "directory: right chrooted or not) in those lists; a -o smtpd_milters= of a "
		       "service replaces main.cf's", "these services do not reach cadence-milter at "
		       "%s (an absolute unix: path is read inside the chroot only when the service "
		       "is chrooted): %s", d->sock, without.s);
	else
		report(d, DOC_OK, "socket", NULL, "smtpd_milters of %d smtpd service%s and "
		       "non_smtpd_milters lead to %s", nsmtpd, nsmtpd == 1 ? "" : "s", d->sock);
	sbuf_free(&without);
}

static void check_answers(struct doc *d)
{
	int e = as_user(d->mail_owner, do_milter, d->sock);
	char *fix;
	if (e == 0) {
		report(d, DOC_OK, "socket", NULL, "cadence-milter answers on %s (connected as %s)",
		       d->sock, d->mail_owner);
		return;
	}
	if (e == ENOENT || e == ECONNREFUSED) {
		/* Not started yet (the install walk runs doctor before the start);
		 * everything else about the socket is a real fault. */
		report(d, DOC_WARN, "socket", "systemctl start cadence-milter (Postfix passes mail "
		       "without the milter meanwhile)", "cadence-milter is not running: nothing "
		       "listens on %s", d->sock);
		return;
	}
	if (e == EACCES || e == EPERM)
		fix = xasprintf("usermod -a -G %s %s (the socket's directory and the socket are "
				"the group's), then restart Postfix", d->user, d->mail_owner);
	else
		fix = xasprintf("restart cadence-milter; Socket in cadence.conf must be %s", d->sock);
	report(d, DOC_FAIL, "socket", fix, "%s does not answer %s: %s", d->sock, d->mail_owner,
	       e > 0 && e < 255 ? strerror(e) : "the check could not run");
	free(fix);
}

/* Domain in a Postfix list of domains and maps. */
static int domain_listed(const struct doc *d, const char *list, const char *domain)
{
	char **w = words(list);
	size_t i;
	int found = 0;
	for (i = 0; w[i] != NULL && !found; i++) {
		if (strchr(w[i], ':') != NULL && w[i][0] != '/') {
			char *v = postmap_q(d, domain, w[i]);
			found = v != NULL;
			free(v);
		} else {
			found = strcasecmp(w[i], domain) == 0;
		}
	}
	words_free(w);
	return found;
}

static void check_domain(struct doc *d)
{
	const char *dom = d->c->conf.domain;
	char *relay = postconf(d, "-x", "-h", "relay_domains");
	char *tmaps = postconf(d, "-x", "-h", "transport_maps");
	char **w, *hit = NULL;
	size_t i;
	if (dom == NULL || !*dom)
		return;
	if (!domain_listed(d, relay ? relay : "", dom))
		report(d, DOC_FAIL, "domain", "cadence-postfix-setup (adds Domain to relay_domains "
		       "and routes it to discard:)", "%s is not in relay_domains: unsubscribe by "
		       "mail and remote bounces get \"454 4.7.1 Relay access denied\"", dom);
	else
		report(d, DOC_OK, "domain", NULL, "%s is in relay_domains", dom);
	w = words(tmaps);
	for (i = 0; w[i] != NULL && hit == NULL; i++)
		hit = postmap_q(d, dom, w[i]);
	words_free(w);
	if (hit != NULL && strncasecmp(hit, "discard", 7) == 0)
		report(d, DOC_OK, "domain", NULL, "transport_maps: %s -> %s (what the milter does "
		       "not consume is dropped)", dom, hit);
	else
		report(d, DOC_WARN, "domain", "cadence-postfix-setup (a transport map \"Domain "
		       "discard:\")", "transport_maps %s %s: mail to cadence's addresses that "
		       "the milter does not consume would be relayed, then bounce", hit ? "sends it to"
		       : "has no entry for", hit ? hit : dom);
	free(hit);
	free(relay);
	free(tmaps);
}

/* The port of SubmitURL (smtp://host[:port]); 25 by default. */
static char *submit_port(const char *url, char **host)
{
	const char *h = strstr(url, "://"), *end, *colon;
	h = h ? h + 3 : url;
	end = h + strcspn(h, "/");
	colon = memchr(h, ':', (size_t)(end - h));
	*host = xstrndup(h, (size_t)((colon ? colon : end) - h));
	return colon ? xstrndup(colon + 1, (size_t)(end - colon - 1)) : xstrdup("25");
}

static void check_submit(struct doc *d, struct svc *sv, size_t n)
{
	char *host, *port = submit_port(d->c->conf.submit_url ? d->c->conf.submit_url : "", &host);
	size_t i, plen = strlen(port);
	struct svc *s = NULL;
	for (i = 0; i < n && s == NULL; i++) {
		size_t len = strlen(sv[i].name);
		if (strcmp(sv[i].type, "inet") == 0 && strcmp(sv[i].command, "smtpd") == 0 &&
		    len >= plen && strcmp(sv[i].name + len - plen, port) == 0 &&
		    (len == plen || sv[i].name[len - plen - 1] == ':'))
			s = &sv[i];
	}
	if (s == NULL) {
		report(d, DOC_FAIL, "submit", "cadence-postfix-setup (adds 127.0.0.1:10026 to "
		       "master.cf), or point SubmitURL at the port it made",
		       "SubmitURL %s: no smtpd service of master.cf listens on port %s",
		       d->c->conf.submit_url, port);
	} else {
		char *list = svc_param(d, s, "smtpd_milters"), *act = NULL;
		int has = list_has_sock(d, list ? list : "", s->chroot, &act);
		if (act == NULL)
			act = svc_param(d, s, "milter_default_action");
		if (!has)
			report(d, DOC_FAIL, "submit", "-o smtpd_milters=unix:cadence/milter.sock on "
			       "that service", "%s/inet (SubmitURL) does not pass sequence mail to "
			       "cadence-milter: it would leave unsigned and unrecorded", s->name);
		else if (act == NULL || strcasecmp(act, "tempfail") != 0)
			report(d, DOC_FAIL, "submit", "-o milter_default_action=tempfail on that "
			       "service", "%s/inet (SubmitURL): milter default_action is %s, not "
			       "tempfail: with the milter down sequence mail would leave ungated",
			       s->name, act ? act : "(unset)");
		else
			report(d, DOC_OK, "submit", NULL, "%s/inet carries the milter with "
			       "default_action=tempfail", s->name);
		free(act);
		free(list);
	}
	free(host);
	free(port);
}

/* The TXT record of a private key file's public half, or NULL. */
static char *txt_record(const char *path, const char *sel, const char *dom)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL, b64[2048];
	unsigned char raw[64];
	size_t rawlen = sizeof(raw);
	int len = -1;
	char *rec = NULL;
	const char *kt = "rsa";
	if (f)
		fclose(f);
	if (k == NULL)
		return NULL;
	if (EVP_PKEY_id(k) == EVP_PKEY_ED25519) {
		kt = "ed25519";
		if (EVP_PKEY_get_raw_public_key(k, raw, &rawlen) == 1)
			len = EVP_EncodeBlock(b64, raw, (int)rawlen);
	} else {
		int dl = i2d_PUBKEY(k, &der);
		if (dl > 0 && dl < 1500)
			len = EVP_EncodeBlock(b64, der, dl);
	}
	if (len > 0) {
		/* A zone file's strings hold at most 255 bytes: a 2048-bit key
		 * is cut into several, which DNS joins. */
		struct sbuf b;
		int i;
		sbuf_init(&b);
		sbuf_addf(&b, "%s._domainkey.%s. IN TXT ( \"v=DKIM1; k=%s; \"", sel, dom, kt);
		for (i = 0; i < len; i += 250)
			sbuf_addf(&b, " \"%s%.*s\"", i == 0 ? "p=" : "", len - i < 250 ? len - i : 250,
				  (char *)b64 + i);
		sbuf_adds(&b, " )");
		rec = sbuf_detach(&b);
	}
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	return rec;
}

/* --dns: the TXT records published for name, joined, or NULL. The
 * answer is walked by hand (dn_skipname): the ns_* parser lives in
 * libresolv, res_query and dn_skipname in libc. */
static char *dns_txt(const char *name)
{
	unsigned char ans[4096];
	const unsigned char *p, *eom;
	int len = res_query(name, C_IN, T_TXT, ans, sizeof(ans)), i, n, qd, an;
	struct sbuf b;
	if (len < 12)
		return NULL;
	eom = ans + len;
	qd = ans[4] << 8 | ans[5];
	an = ans[6] << 8 | ans[7];
	p = ans + 12;
	for (i = 0; i < qd; i++) {
		if ((n = dn_skipname(p, eom)) < 0 || p + n + 4 > eom)
			return NULL;
		p += n + 4;
	}
	sbuf_init(&b);
	for (i = 0; i < an; i++) {
		const unsigned char *r, *e;
		int type, rdlen;
		if ((n = dn_skipname(p, eom)) < 0 || p + n + 10 > eom)
			break;
		p += n;
		type = p[0] << 8 | p[1];
		rdlen = p[8] << 8 | p[9];
		r = p + 10;
		e = r + rdlen;
		if (e > eom)
			break;
		while (type == T_TXT && r < e && r + 1 + *r <= e) {
			sbuf_add(&b, r + 1, *r);
			r += 1 + *r;
		}
		p = e;
	}
	return sbuf_detach(&b);
}

/* The p= value of a record as txt_record() writes it, its strings joined. */
static char *rec_key(const char *rec)
{
	const char *p = strstr(rec, "\"p=");
	struct sbuf b;
	sbuf_init(&b);
	for (p = p ? p + 3 : ""; *p; p++)
		if (*p != '"' && *p != ' ' && *p != ')')
			sbuf_addc(&b, *p);
	return sbuf_detach(&b);
}

static void check_one_key(struct doc *d, const char *name, const char *dom, const char *sel,
			  const char *path)
{
	char *rec;
	int e;
	if (path[0] != '/') {
		report(d, DOC_WARN, "keys", "keep keys in files", "KeyTable %s: the key is not a "
		       "file path; not checked", name);
		return;
	}
	if (check_owner(d, "keys", path, S_IRWXO, "o-rwx", 0) != 0)
		return;
	if ((e = user_access(d, path, R_OK)) != 0) {
		report(d, DOC_FAIL, "keys", "chown the key to the service user", "%s: the service "
		       "user cannot read it: %s", path, e > 0 && e < 255 ? strerror(e) : "?");
		return;
	}
	rec = txt_record(path, sel, dom);
	if (rec == NULL) {
		report(d, DOC_FAIL, "keys", "write the key as PEM (openssl genpkey)", "%s: not a "
		       "private key OpenSSL can read", path);
		return;
	}
	report(d, DOC_OK, "keys", NULL, "%s (%s): publish\n              %s", name, path, rec);
	if (d->dns) {
		char *q = xasprintf("%s._domainkey.%s", sel, dom), *got = dns_txt(q);
		char *want = rec_key(rec);
		if (got == NULL)
			report(d, DOC_WARN, "keys", "publish the record above", "DNS has no TXT "
			       "record at %s", q);
		else if (strstr(got, want) == NULL)
			report(d, DOC_FAIL, "keys", "publish the record above in place of it",
			       "DNS at %s has another key: %s", q, got);
		else
			report(d, DOC_OK, "keys", NULL, "DNS at %s has this key", q);
		free(q);
		free(got);
		free(want);
	}
	free(rec);
}

static void check_keys(struct doc *d)
{
	const char *kt = d->c->conf.key_table;
	char *text = NULL, *line, *save = NULL;
	int n = 0;
	if (kt == NULL || *kt == '\0') {
		report(d, DOC_OK, "keys", NULL, "no KeyTable: cadence does not sign");
		return;
	}
	if (ctl_read_file(d->c, "KeyTable", kt, 1024 * 1024, &text) != 0) {
		report(d, DOC_FAIL, "keys", "set KeyTable to a readable file", "%s cannot be read",
		       kt);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char **w = words(line), *c1, *c2;
		if (w[0] != NULL && w[0][0] != '#' && w[1] != NULL &&
		    (c1 = strchr(w[1], ':')) != NULL && (c2 = strchr(c1 + 1, ':')) != NULL) {
			*c1 = *c2 = '\0';
			check_one_key(d, w[0], w[1], c1 + 1, c2 + 1);
			n++;
		}
		words_free(w);
	}
	if (n == 0)
		report(d, DOC_WARN, "keys", "one line per key: NAME domain:selector:/path",
		       "%s has no keys", kt);
	free(text);
}

static void check_http(struct doc *d)
{
	const char *l = d->c->conf.http_listen, *u = d->c->conf.public_url;
	int hl = l != NULL && *l, pu = u != NULL && *u;
	if (pu && !hl)
		report(d, DOC_FAIL, "http", "set HttpListen (e.g. 127.0.0.1:8025) and proxy "
		       "PublicURL to it", "PublicURL %s is set but HttpListen is off: one-click "
		       "unsubscribe links would lead nowhere", u);
	else if (hl && !pu)
		report(d, DOC_WARN, "http", "set PublicURL to the https address your proxy serves",
		       "HttpListen %s is on but PublicURL is not set: messages carry no one-click "
		       "link", l);
	else if (pu && strncasecmp(u, "https://", 8) != 0)
		report(d, DOC_WARN, "http", "serve PublicURL over https (RFC 8058)",
		       "PublicURL %s is not https: mail clients ignore one-click links", u);
	else if (hl && strncmp(l, "127.", 4) != 0 && strncmp(l, "[::1]", 5) != 0 &&
		 strncmp(l, "localhost", 9) != 0)
		report(d, DOC_WARN, "http", "listen on loopback behind a TLS proxy",
		       "HttpListen %s is not on loopback", l);
	else
		report(d, DOC_OK, "http", NULL, "%s%s%s", hl ? l : "HTTP off", pu ? " serves " : "",
		       pu ? u : "");
}

static void check_postfix(struct doc *d)
{
	struct svc *sv;
	size_t n;
	if (load_postfix(d) != 0)
		return;
	n = services(d, &sv);
	if (d->sock == NULL) {
		report(d, DOC_WARN, "socket", "prefer local:/var/spool/postfix/cadence/milter.sock "
		       "(DESIGN rule 6)", "Socket %s is not a unix socket: not checked",
		       d->c->conf.socket);
	} else {
		check_milter_lists(d, sv, n);
		check_answers(d);
	}
	check_domain(d);
	if (d->sock != NULL)
		check_submit(d, sv, n);
	services_free(sv, n);
}

int cmd_doctor(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "postfix-config", required_argument, NULL, 'P' },
		{ "dns", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct doc d;
	int ch;
	memset(&d, 0, sizeof(d));
	d.c = c;
	while ((ch = ctl_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'P': d.pfdir = optarg; break;
		case 'D': d.dns = 1; break;
		case 'h': return ctl_help(USAGE_DOCTOR);
		default: return CTL_USAGE;
		}
	}
	if (c->npos != 0)
		return ctl_usage_error(c, USAGE_DOCTOR, "takes no arguments");
	d.checks = json_array();
	if (check_config(&d) == 0) {
		check_user(&d);
		check_store(&d);
		check_secret(&d);
		socket_path(&d);
		check_postfix(&d);
		check_keys(&d);
		check_http(&d);
	}
	if (c->json) {
		json_t *o = json_object();
		out_set(o, "ok", json_boolean(d.nfail == 0));
		out_set(o, "failures", json_integer(d.nfail));
		out_set(o, "warnings", json_integer(d.nwarn));
		out_set(o, "checks", d.checks);
		out_record(c, o, NULL, 0);
	} else {
		printf("%d failure%s, %d warning%s\n", d.nfail, d.nfail == 1 ? "" : "s", d.nwarn,
		       d.nwarn == 1 ? "" : "s");
		json_decref(d.checks);
	}
	free(d.user);
	free(d.queue_dir);
	free(d.mail_owner);
	free(d.sock);
	return d.nfail == 0 ? CTL_OK : CTL_FAIL;
}
