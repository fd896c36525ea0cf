/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_doctor_postfix.c - the checks of "cadencectl doctor" over Postfix's
 * configuration: every smtpd service and cleanup reach the milter socket
 * (main.cf, per-service overrides, chroot), the socket answers a milter
 * negotiation, Domain is relayed and routed to discard:, and the
 * submission port of SubmitURL carries the milter.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd_doctor_int.h"

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
	w = cmd_doctor_words(name);
	free(name);
	name = xstrdup(w[0] != NULL ? w[0] : "");
	for (i = 1; w[i] != NULL; i++)
		if (strncasecmp(w[i], "default_action=", 15) == 0)
			*action = xstrdup(w[i] + 15);
	cmd_doctor_words_free(w);
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
	char *text = cmd_doctor_postconf(d, "-M", NULL, NULL), *line, *save = NULL;
	size_t n = 0, cap = 16;
	struct svc *v = xmalloc(cap * sizeof(*v));
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char **w = cmd_doctor_words(line);
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
		cmd_doctor_words_free(w);
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
	char *v = cmd_doctor_postconf(d, "-P", "-h", key);
	free(key);
	if (v != NULL && *v)
		return v;
	free(v);
	return cmd_doctor_postconf(d, "-h", param, NULL);
}

/* The entry of list naming our socket for a service with that chroot:
 * 1 (and *action, its own default_action or NULL) or 0. */
static int list_has_sock(const struct doc *d, const char *list, int chroot, char **action)
{
	char **w = cmd_doctor_words(list);
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
	cmd_doctor_words_free(w);
	return found;
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

/* Sets d->sock from Socket; 0 when it is a unix socket. */
int cmd_doctor_socket_path(struct doc *d)
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
	d->queue_dir = cmd_doctor_postconf(d, "-h", "queue_directory", NULL);
	d->mail_owner = cmd_doctor_postconf(d, "-h", "mail_owner", NULL);
	d->have_postfix = d->queue_dir != NULL && d->mail_owner != NULL;
	if (!d->have_postfix)
		cmd_doctor_report(d, DOC_FAIL, "postfix", "install Postfix, or give its configuration "
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
		cmd_doctor_report(d, DOC_FAIL, "socket", "cadence-postfix-setup (adds unix:cadence/milter.sock, "
				  "relative to the queue directory), then postfix reload",
				  "no smtpd service's smtpd_milters leads to %s (queue directory %s)", d->sock,
				  d->queue_dir);
	else if (without.len)
		cmd_doctor_report(d, DOC_FAIL, "socket", "name unix:cadence/milter.sock (relative to the queue "
				  "directory: right chrooted or not) in those lists; a -o smtpd_milters= of a "
				  "service replaces main.cf's", "these services do not reach cadence-milter at "
				  "%s (an absolute unix: path is read inside the chroot only when the service "
				  "is chrooted): %s", d->sock, without.s);
	else
		cmd_doctor_report(d, DOC_OK, "socket", NULL, "smtpd_milters of %d smtpd service%s and "
				  "non_smtpd_milters lead to %s", nsmtpd, nsmtpd == 1 ? "" : "s", d->sock);
	sbuf_free(&without);
}

static void check_answers(struct doc *d)
{
	int e = cmd_doctor_as_user(d->mail_owner, do_milter, d->sock);
	char *fix;
	if (e == 0) {
		cmd_doctor_report(d, DOC_OK, "socket", NULL, "cadence-milter answers on %s (connected as %s)",
				  d->sock, d->mail_owner);
		return;
	}
	if (e == ENOENT || e == ECONNREFUSED) {
		/* Not started yet (the install walk runs doctor before the start);
		 * everything else about the socket is a real fault. */
		cmd_doctor_report(d, DOC_WARN, "socket", "systemctl start cadence-milter (Postfix passes mail "
				  "without the milter meanwhile)", "cadence-milter is not running: nothing "
				  "listens on %s", d->sock);
		return;
	}
	if (e == EACCES || e == EPERM)
		fix = xasprintf("usermod -a -G %s %s (the socket's directory and the socket are "
				"the group's), then restart Postfix", d->user, d->mail_owner);
	else
		fix = xasprintf("restart cadence-milter; Socket in cadence.conf must be %s", d->sock);
	cmd_doctor_report(d, DOC_FAIL, "socket", fix, "%s does not answer %s: %s", d->sock, d->mail_owner,
			  e > 0 && e < 255 ? strerror(e) : "the check could not run");
	free(fix);
}

/* Domain in a Postfix list of domains and maps. */
static int domain_listed(const struct doc *d, const char *list, const char *domain)
{
	char **w = cmd_doctor_words(list);
	size_t i;
	int found = 0;
	for (i = 0; w[i] != NULL && !found; i++) {
		if (strchr(w[i], ':') != NULL && w[i][0] != '/') {
			char *v = cmd_doctor_postmap(d, domain, w[i]);
			found = v != NULL;
			free(v);
		} else {
			found = strcasecmp(w[i], domain) == 0;
		}
	}
	cmd_doctor_words_free(w);
	return found;
}

static void check_domain(struct doc *d)
{
	const char *dom = d->c->conf.domain;
	char *relay = cmd_doctor_postconf(d, "-x", "-h", "relay_domains");
	char *tmaps = cmd_doctor_postconf(d, "-x", "-h", "transport_maps");
	char **w, *hit = NULL;
	size_t i;
	if (dom == NULL || !*dom)
		return;
	if (!domain_listed(d, relay ? relay : "", dom))
		cmd_doctor_report(d, DOC_FAIL, "domain", "cadence-postfix-setup (adds Domain to relay_domains "
				  "and routes it to discard:)", "%s is not in relay_domains: unsubscribe by "
				  "mail and remote bounces get \"454 4.7.1 Relay access denied\"", dom);
	else
		cmd_doctor_report(d, DOC_OK, "domain", NULL, "%s is in relay_domains", dom);
	w = cmd_doctor_words(tmaps);
	for (i = 0; w[i] != NULL && hit == NULL; i++)
		hit = cmd_doctor_postmap(d, dom, w[i]);
	cmd_doctor_words_free(w);
	if (hit != NULL && strncasecmp(hit, "discard", 7) == 0)
		cmd_doctor_report(d, DOC_OK, "domain", NULL, "transport_maps: %s -> %s (what the milter does "
				  "not consume is dropped)", dom, hit);
	else
		cmd_doctor_report(d, DOC_WARN, "domain", "cadence-postfix-setup (a transport map \"Domain "
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
		cmd_doctor_report(d, DOC_FAIL, "submit", "cadence-postfix-setup (adds 127.0.0.1:10026 to "
				  "master.cf), or point SubmitURL at the port it made",
				  "SubmitURL %s: no smtpd service of master.cf listens on port %s",
				  d->c->conf.submit_url, port);
	} else {
		char *list = svc_param(d, s, "smtpd_milters"), *act = NULL;
		int has = list_has_sock(d, list ? list : "", s->chroot, &act);
		if (act == NULL)
			act = svc_param(d, s, "milter_default_action");
		if (!has)
			cmd_doctor_report(d, DOC_FAIL, "submit", "-o smtpd_milters=unix:cadence/milter.sock on "
					  "that service", "%s/inet (SubmitURL) does not pass sequence mail to "
					  "cadence-milter: it would leave unsigned and unrecorded", s->name);
		else if (act == NULL || strcasecmp(act, "tempfail") != 0)
			cmd_doctor_report(d, DOC_FAIL, "submit", "-o milter_default_action=tempfail on that "
					  "service", "%s/inet (SubmitURL): milter default_action is %s, not "
					  "tempfail: with the milter down sequence mail would leave ungated",
					  s->name, act ? act : "(unset)");
		else
			cmd_doctor_report(d, DOC_OK, "submit", NULL, "%s/inet carries the milter with "
					  "default_action=tempfail", s->name);
		free(act);
		free(list);
	}
	free(host);
	free(port);
}

void cmd_doctor_postfix(struct doc *d)
{
	struct svc *sv;
	size_t n;
	if (load_postfix(d) != 0)
		return;
	n = services(d, &sv);
	if (d->sock == NULL) {
		cmd_doctor_report(d, DOC_WARN, "socket", "prefer local:/var/spool/postfix/cadence/milter.sock "
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
