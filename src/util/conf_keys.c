/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_keys.c - the table of cadence.conf keys, with their checks.
 *
 * One row per key (as OpenDKIM's opendkim-config.h): its name, type,
 * place in struct cad_conf, default and range. conf.c parses, defaults and
 * dumps from this table alone, so a key added here is complete once it is
 * documented in cadence.conf(5) and contrib/cadence.conf (test_conf checks
 * both). The checks below are syntax only: nothing here resolves a name,
 * opens a file or looks up a user, so `-n` works on any machine.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "util.h"

/* 1..65535, digits only. */
static int port_ok(const char *s, size_t len)
{
	long v = 0;
	size_t i;
	if (len == 0 || len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* A host name or an IPv4/IPv6 literal (without brackets). */
static int host_ok(const char *s, size_t len)
{
	char buf[64];
	unsigned char addr[16];
	size_t i;
	if (len == 0 || len > 253)
		return 0;
	if (len < sizeof(buf) && memchr(s, ':', len) != NULL) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		return inet_pton(AF_INET6, buf, addr) == 1;
	}
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return 0;
	return s[0] != '.' && s[0] != '-';
}

int conf_database_is_server(const char *v)
{
	static const char *const kw[] = { "host=", "hostaddr=", "port=", "dbname=", "user=",
					  "service=", "sslmode=", "connect_timeout=",
					  "application_name=", "passfile=", "options=" };
	size_t i;
	if (v == NULL)
		return 0;
	if (strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0)
		return 1;
	while (*v == ' ')
		v++;
	for (i = 0; i < CAD_ARRAY_LEN(kw); i++)
		if (strncmp(v, kw[i], strlen(kw[i])) == 0)
			return 1;
	return 0;
}

/* The URI's query keys (percent-decoded, any case) or the keywords'
 * names: 1 when one is "password" (or "sslpassword", the client key's). */
static int key_is_password(const char *k, size_t n)
{
	char buf[16];
	size_t i, j = 0;
	for (i = 0; i < n && j + 1 < sizeof(buf); i++) {
		int ch = (unsigned char)k[i];
		if (ch == '%' && i + 2 < n && isxdigit((unsigned char)k[i + 1]) &&
		    isxdigit((unsigned char)k[i + 2])) {
			char hx[3] = { k[i + 1], k[i + 2], '\0' };
			ch = (int)strtol(hx, NULL, 16);
			i += 2;
		}
		buf[j++] = (char)tolower(ch);
	}
	buf[j] = '\0';
	return i == n && (strcmp(buf, "password") == 0 || strcmp(buf, "sslpassword") == 0);
}

/* A URI's ?password= parameter. */
static int uri_param_password(const char *v)
{
	const char *q = strchr(v, '?');

	if (q == NULL)
		return 0;
	for (q++; *q && *q != '#';) {
		if (key_is_password(q, strcspn(q, "=&#")))
			return 1;
		q += strcspn(q, "&#");
		if (*q == '&')
			q++;
	}
	return 0;
}

/* user:PASSWORD@ in a URI's authority. */
static int uri_userinfo_password(const char *v)
{
	const char *p = strstr(v, "://") + 3, *end = p + strcspn(p, "/?#"), *at = NULL, *q;

	for (q = p; q < end; q++)
		if (*q == '@')
			at = q;
	return at != NULL && memchr(p, ':', (size_t)(at - p)) != NULL;
}

/* libpq keywords: key = value, the value maybe 'quoted \' and \\'. */
static int keyword_password(const char *p)
{
	for (;;) {
		size_t l;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return 0;
		l = strcspn(p, "= \t\n\r\f\v");
		if (key_is_password(p, l))
			return 1;
		p += l;
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=')
			return 0;   /* not keywords: libpq refuses it, no password in it */
		p++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
		} else {
			while (*p && !isspace((unsigned char)*p))
				p++;
		}
	}
}

int conf_database_has_password(const char *v)
{
	if (!conf_database_is_server(v))
		return CONF_DBPW_NONE;
	if (strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0) {
		if (uri_param_password(v))
			return CONF_DBPW_PARAM;
		return uri_userinfo_password(v) ? CONF_DBPW_URI : CONF_DBPW_NONE;
	}
	return keyword_password(v) ? CONF_DBPW_PARAM : CONF_DBPW_NONE;
}

/* An absolute path, or a server's URI or keywords without a password (a
 * password belongs in DatabasePasswordFile or ~/.pgpass: cadence.conf is
 * readable by the service group and shown by "config check"). */
static int check_database(const char *v, struct cad_err *err)
{
	if (!conf_database_is_server(v)) {
		if (*v != '/')
			return cad_err_set(err, "\"%s\" is neither an absolute path nor a PostgreSQL "
					   "URI (postgresql://...) or libpq keywords (host=... dbname=...)", v);
		return 0;
	}
	switch (conf_database_has_password(v)) {
	case CONF_DBPW_PARAM:
		return cad_err_set(err, "no password here: put it in DatabasePasswordFile (a libpq "
				   "password file) or the service user's ~/.pgpass");
	case CONF_DBPW_URI:
		return cad_err_set(err, "no password in the URI: put it in "
				   "DatabasePasswordFile (a libpq password file) or the "
				   "service user's ~/.pgpass");
	default:
		return 0;
	}
}

static int check_domain(const char *v, struct cad_err *err)
{
	if (!cad_domain_valid(v))
		return cad_err_set(err, "\"%s\" is not a domain name", v);
	return 0;
}

/* The part before '+' in "enroll+<sequence>@Domain": atom characters. */
static int check_prefix(const char *v, struct cad_err *err)
{
	const char *p;
	if (*v == '\0' || strlen(v) > 32)
		return cad_err_set(err, "\"%s\" is not a local-part prefix (1 to 32 characters)", v);
	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return cad_err_set(err, "\"%s\": only letters, digits, '-', '_' and '.' "
					   "may form a prefix", v);
	return 0;
}

/* RepCopy: yes, no, or an address pattern with %l (the rep's local part),
 * %d (the rep's domain), %a (the rep's address) and %%. */
static int check_rep_copy(const char *v, struct cad_err *err)
{
	const char *p;
	int at = 0;
	if (cad_strcaseeq(v, "yes") || cad_strcaseeq(v, "no"))
		return 0;
	if (*v == '\0' || strlen(v) > 200)
		return cad_err_set(err, "\"%s\" is not yes, no or an address pattern", v);
	for (p = v; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '<' ||
		    *p == '>' || *p == ',' || *p == '"')
			return cad_err_set(err, "\"%s\": not an address pattern", v);
		if (*p == '@')
			at++;
		if (*p == '%') {
			p++;
			if (*p != 'l' && *p != 'd' && *p != 'a' && *p != '%')
				return cad_err_set(err, "\"%s\": only %%l, %%d, %%a and %%%% are known",
						   v);
			if (*p == 'a')
				at++;
		}
	}
	if (at != 1)
		return cad_err_set(err, "\"%s\": an address pattern has one @ (or %%a)", v);
	return 0;
}

/* libmilter's socket syntax: local:/path, unix:/path, /path,
 * inet:port[@host], inet6:port[@host]. */
static int check_socket(const char *v, struct cad_err *err)
{
	const char *at, *port;
	if (v[0] == '/')
		return 0;
	if (strncasecmp(v, "local:/", 7) == 0 || strncasecmp(v, "unix:/", 6) == 0)
		return 0;
	if (strncasecmp(v, "inet:", 5) == 0)
		port = v + 5;
	else if (strncasecmp(v, "inet6:", 6) == 0)
		port = v + 6;
	else
		return cad_err_set(err, "\"%s\": expected local:/path, inet:port@host or "
				   "inet6:port@host", v);
	at = strchr(port, '@');
	if (!port_ok(port, at ? (size_t)(at - port) : strlen(port))
	    || (at && !host_ok(at + 1, strlen(at + 1))))
		return cad_err_set(err, "\"%s\": bad port or host", v);
	return 0;
}

/* smtp://host[:port] or smtps://host[:port], as libcurl takes them. */
static int check_submit_url(const char *v, struct cad_err *err)
{
	const char *h, *end, *colon;
	if (strncasecmp(v, "smtp://", 7) == 0)
		h = v + 7;
	else if (strncasecmp(v, "smtps://", 8) == 0)
		h = v + 8;
	else
		return cad_err_set(err, "\"%s\": expected smtp://host[:port] or smtps://...", v);
	end = h + strcspn(h, "/");
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (rb == NULL || !host_ok(h + 1, (size_t)(rb - h - 1)))
			return cad_err_set(err, "\"%s\": bad host", v);
		colon = rb + 1 < end ? rb + 1 : NULL;
		if (colon && *colon != ':')
			return cad_err_set(err, "\"%s\": bad host", v);
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		if (!host_ok(h, (size_t)((colon ? colon : end) - h)))
			return cad_err_set(err, "\"%s\": bad host", v);
	}
	if (colon && !port_ok(colon + 1, (size_t)(end - colon - 1)))
		return cad_err_set(err, "\"%s\": bad port", v);
	return 0;
}

/* host:port or [v6]:port; "" turns the listener off. */
static int check_listen(const char *v, struct cad_err *err)
{
	const char *colon;
	if (*v == '\0')
		return 0;
	if (*v == '[') {
		const char *rb = strchr(v, ']');
		if (rb == NULL || rb[1] != ':' || !host_ok(v + 1, (size_t)(rb - v - 1))
		    || !port_ok(rb + 2, strlen(rb + 2)))
			return cad_err_set(err, "\"%s\": expected host:port or [address]:port", v);
		return 0;
	}
	colon = strrchr(v, ':');
	if (colon == NULL || !host_ok(v, (size_t)(colon - v)) || strchr(v, ':') != colon
	    || !port_ok(colon + 1, strlen(colon + 1)))
		return cad_err_set(err, "\"%s\": expected host:port or [address]:port", v);
	return 0;
}

static int check_http_url(const char *v, struct cad_err *err)
{
	const char *h;
	if (strncasecmp(v, "https://", 8) == 0)
		h = v + 8;
	else if (strncasecmp(v, "http://", 7) == 0)
		h = v + 7;
	else
		return cad_err_set(err, "\"%s\": expected an http:// or https:// URL", v);
	if (*h == '\0' || *h == '/')
		return cad_err_set(err, "\"%s\": the URL has no host", v);
	for (; *h; h++)
		if ((unsigned char)*h <= 0x20 || (unsigned char)*h >= 0x7f)
			return cad_err_set(err, "\"%s\": spaces and control characters are not "
					   "allowed in a URL", v);
	return 0;
}

/* address[/bits], IPv4 or IPv6. */
static int check_cidr(const char *v, struct cad_err *err)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char addr[16];
	const char *slash = strchr(v, '/');
	size_t alen = slash ? (size_t)(slash - v) : strlen(v);
	int af, maxbits;
	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return cad_err_set(err, "\"%s\" is not an address or network", v);
	memcpy(buf, v, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		af = AF_INET, maxbits = 32;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		af = AF_INET6, maxbits = 128;
	else
		return cad_err_set(err, "\"%s\" is not an address or network "
				   "(give addresses, not host names)", v);
	(void)af;
	if (slash) {
		char *end;
		long bits = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || !isdigit((unsigned char)slash[1])
		    || bits < 0 || bits > maxbits)
			return cad_err_set(err, "\"%s\": prefix length must be 0..%d", v, maxbits);
	}
	return 0;
}

/* user or user:group, as names or numbers. */
static int check_userid(const char *v, struct cad_err *err)
{
	const char *p;
	int colons = 0;
	if (*v == '\0' || *v == ':' || v[strlen(v) - 1] == ':')
		return cad_err_set(err, "\"%s\": expected user or user:group", v);
	for (p = v; *p; p++) {
		if (*p == ':' && ++colons == 1)
			continue;
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return cad_err_set(err, "\"%s\": expected user or user:group", v);
	}
	return 0;
}

/* An authserv-id as it appears in Authentication-Results (RFC 8601). */
static int check_authserv(const char *v, struct cad_err *err)
{
	const char *p;
	for (p = v; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == ';'
		    || *p == '(' || *p == ')' || *p == '"')
			return cad_err_set(err, "\"%s\" is not an authserv-id", v);
	return 0;
}

#define OFF(f) offsetof(struct cad_conf, f)
#define NOLIM 0, 0

const struct conf_key conf_keys[] = {
	/* shared */
	{ "Database", CONF_STRING, OFF(database), 0, CONF_DEFAULT_DATABASE, NOLIM, check_database },
	{ "DatabasePasswordFile", CONF_PATH, OFF(database_password_file), 0, NULL, NOLIM, NULL },
	{ "SecretFile", CONF_PATH, OFF(secret_file), 0, SYSCONFDIR "/cadence/secret", NOLIM,
	  NULL },
	{ "Domain", CONF_STRING, OFF(domain), 0, NULL, NOLIM, check_domain },
	{ "EnrollPrefix", CONF_STRING, OFF(enroll_prefix), 0, "enroll", NOLIM, check_prefix },
	{ "UnsubscribePrefix", CONF_STRING, OFF(unsubscribe_prefix), 0, "unsubscribe", NOLIM,
	  check_prefix },
	{ "BouncePrefix", CONF_STRING, OFF(bounce_prefix), 0, "bounces", NOLIM, check_prefix },
	{ "InternalDomains", CONF_LIST, OFF(internal_domains), OFF(ninternal_domains), NULL,
	  NOLIM, check_domain },
	{ "Syslog", CONF_BOOL, OFF(syslog), 0, "yes", NOLIM, NULL },
	{ "UserID", CONF_STRING, OFF(user_id), 0, NULL, NOLIM, check_userid },
	/* milter */
	{ "Socket", CONF_STRING, OFF(socket), 0, "local:/var/spool/postfix/cadence/milter.sock", NOLIM,
	  check_socket },
	{ "MilterPidFile", CONF_PATH, OFF(milter_pid_file), 0, "/run/cadence/cadence-milter.pid",
	  NOLIM, NULL },
	{ "KeyTable", CONF_PATH, OFF(key_table), 0, NULL, NOLIM, NULL },
	{ "SigningTable", CONF_PATH, OFF(signing_table), 0, NULL, NOLIM, NULL },
	{ "InternalHosts", CONF_LIST, OFF(internal_hosts), OFF(ninternal_hosts), "127.0.0.1, ::1",
	  NOLIM, check_cidr },
	{ "TrustedAuthservIDs", CONF_LIST, OFF(trusted_authserv_ids), OFF(ntrusted_authserv_ids),
	  NULL, NOLIM, check_authserv },
	{ "SignAllOutbound", CONF_BOOL, OFF(sign_all), 0, "no", NOLIM, NULL },
	{ "HeaderLimit", CONF_SIZE, OFF(header_limit), 0, "64k", 1024, 16LL << 20, NULL },
	{ "BodyLimit", CONF_SIZE, OFF(body_limit), 0, "1m", 0, 1LL << 30, NULL },
	{ "ActOnUnverified", CONF_BOOL, OFF(act_on_unverified), 0, "no", NOLIM, NULL },
	{ "EnrollSenders", CONF_PATH, OFF(enroll_senders), 0, NULL, NOLIM, NULL },
	{ "SoftBounceThreshold", CONF_INT, OFF(soft_bounce_threshold), 0, "3", 1, 100, NULL },
	{ "OOODefaultDays", CONF_INT, OFF(ooo_default_days), 0, "7", 1, 120, NULL },
	{ "SchedulingServices", CONF_LIST, OFF(scheduling_services), OFF(nscheduling_services),
	  "calendly.com, google.com, hubspot.com, hubspotemail.net, chilipiper.com, cal.com, "
	  "savvycal.com, youcanbook.me, acuityscheduling.com, zcal.co", NOLIM, check_domain },
	/* scheduler */
	{ "SchedulerPidFile", CONF_PATH, OFF(scheduler_pid_file), 0, "/run/cadence/cadenced.pid",
	  NOLIM, NULL },
	{ "SubmitURL", CONF_STRING, OFF(submit_url), 0, "smtp://127.0.0.1:10026", NOLIM,
	  check_submit_url },
	{ "SubmitBatch", CONF_INT, OFF(submit_batch), 0, "50", 1, 1000, NULL },
	{ "SubmitConnections", CONF_INT, OFF(submit_connections), 0, "1", 1, 16, NULL },
	{ "HttpListen", CONF_STRING, OFF(http_listen), 0, "127.0.0.1:8025", NOLIM, check_listen },
	{ "HttpThreads", CONF_INT, OFF(http_threads), 0, "4", 1, 64, NULL },
	{ "HttpMaxConnections", CONF_INT, OFF(http_max_connections), 0, "256", 1, 4096, NULL },
	{ "HttpMaxPerIP", CONF_INT, OFF(http_max_per_ip), 0, "16", 0, 4096, NULL },
	{ "HttpRequestTimeout", CONF_INT, OFF(http_request_timeout), 0, "10", 1, 300, NULL },
	{ "PublicURL", CONF_STRING, OFF(public_url), 0, NULL, NOLIM, check_http_url },
	{ "SendSpacing", CONF_INT, OFF(spacing_seconds), 0, "60", 0, 86400, NULL },
	{ "SendJitter", CONF_INT, OFF(spacing_jitter), 0, "30", 0, 86400, NULL },
	{ "DomainDailyCap", CONF_INT, OFF(domain_daily_cap), 0, "0", 0, 1000000, NULL },
	{ "VERP", CONF_BOOL, OFF(verp), 0, "yes", NOLIM, NULL },
	{ "RepCopy", CONF_STRING, OFF(rep_copy), 0, "yes", NOLIM, check_rep_copy },
};
const size_t conf_nkeys = CAD_ARRAY_LEN(conf_keys);

const struct conf_key *conf_key_find(const char *name)
{
	size_t i;
	for (i = 0; i < conf_nkeys; i++)
		if (cad_strcaseeq(conf_keys[i].name, name))
			return &conf_keys[i];
	return NULL;
}
