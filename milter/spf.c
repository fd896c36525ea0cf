/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf.c - SPF checks with libspf2 (see spf.h for what is guaranteed).
 *
 * libspf2 reports fatal internal errors through SPF_error_handler, declared
 * noreturn, after which it calls abort(). A milter must not die for one
 * message, so the handler installed here jumps back to the check that
 * called into libspf2 (a per-thread jump point) and the checker is retired:
 * locks or half-built state inside libspf2 may be left behind by the jump,
 * so it is never called again by this process.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include "spf.h"

struct spf_checker {
	SPF_server_t *server;
	SPF_dns_server_t *zone;      /* test zone (owned), or NULL */
	atomic_int retired;          /* 1 after a trapped libspf2 error */
};

static _Thread_local sigjmp_buf *spf_trap;

static void spf_fatal(const char *file, int line, const char *msg) __attribute__((noreturn));
static void spf_fatal(const char *file, int line, const char *msg)
{
	cad_log(CAD_LOG_ERR, "libspf2 internal error at %s:%d: %s", file != NULL ? file : "?",
		line, msg != NULL ? msg : "?");
	if (spf_trap != NULL)
		siglongjmp(*spf_trap, 1);
	/* Outside a check (setting up): nothing to return to. */
	abort();
}

/* libspf2's warnings are about records other people publish: debug only,
 * so that remote data cannot flood the log. */
static void spf_quiet(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	cad_log(CAD_LOG_DEBUG, "libspf2: %s", msg != NULL ? msg : "?");
}

static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

static void install_handlers(void)
{
	SPF_error_handler = spf_fatal;
	SPF_warning_handler = spf_quiet;
	SPF_info_handler = spf_quiet;
	SPF_debug_handler = spf_quiet;
}

struct spf_checker *spf_checker_new(struct cad_err *err)
{
	struct spf_checker *c;
	pthread_once(&handlers_once, install_handlers);
	c = xcalloc(1, sizeof(*c));
	c->server = SPF_server_new(SPF_DNS_CACHE, 0);
	if (c->server == NULL) {
		free(c);
		cad_err_set(err, "libspf2: cannot create the SPF server");
		return NULL;
	}
	return c;
}

static int zone_type(const char *s, ns_type *t)
{
	static const struct { const char *name; ns_type t; } types[] = {
		{ "TXT", ns_t_txt }, { "A", ns_t_a }, { "AAAA", ns_t_aaaa },
		{ "MX", ns_t_mx }, { "PTR", ns_t_ptr },
	};
	for (size_t i = 0; i < CAD_ARRAY_LEN(types); i++)
		if (cad_strcaseeq(s, types[i].name)) {
			*t = types[i].t;
			return 0;
		}
	return -1;
}

/* One "name TYPE data" line into the zone. */
static int zone_line(SPF_dns_server_t *zone, char *line, struct cad_err *err)
{
	char *name = line, *type, *data;
	ns_type t;
	SPF_dns_stat_t herr = NETDB_SUCCESS;
	type = name + strcspn(name, " \t");
	if (*type == '\0')
		return cad_err_set(err, "expected \"name TYPE data\"");
	*type++ = '\0';
	type += strspn(type, " \t");
	data = type + strcspn(type, " \t");
	if (*data != '\0') {
		*data++ = '\0';
		data = cad_trim(data);
	}
	if (zone_type(type, &t) != 0)
		return cad_err_set(err, "unknown record type \"%s\"", type);
	if (strcmp(data, "!TEMPFAIL") == 0) {
		herr = TRY_AGAIN;
		data = NULL;
	} else if (strcmp(data, "!NXDOMAIN") == 0) {
		herr = HOST_NOT_FOUND;
		data = NULL;
	} else if (*data == '\0') {
		return cad_err_set(err, "record of %s has no data", name);
	} else if (data[0] == '"') {
		/* "quoted TXT", as zone files write it */
		size_t n = strlen(data);
		if (n < 2 || data[n - 1] != '"')
			return cad_err_set(err, "unterminated quote");
		data[n - 1] = '\0';
		data++;
	}
	if (SPF_dns_zone_add_str(zone, name, t, herr, data) != SPF_E_SUCCESS)
		return cad_err_set(err, "libspf2 refused the record of %s", name);
	return 0;
}

struct spf_checker *spf_checker_new_zone(const char *text, const char *fname,
					 struct cad_err *err)
{
	struct spf_checker *c;
	char *copy, *p;
	int lineno = 0;
	pthread_once(&handlers_once, install_handlers);
	c = xcalloc(1, sizeof(*c));
	c->zone = SPF_dns_zone_new(NULL, "cadence-test-zone", 0);
	if (c->zone == NULL) {
		free(c);
		cad_err_set(err, "libspf2: cannot create a zone");
		return NULL;
	}
	copy = xstrdup(text);
	for (p = copy; p != NULL && *p != '\0';) {
		char *nl = strchr(p, '\n');
		char *line = p;
		lineno++;
		if (nl != NULL)
			*nl = '\0';
		p = nl != NULL ? nl + 1 : NULL;
		line = cad_trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if (zone_line(c->zone, line, err) != 0) {
			cad_err_prefix(err, "%s:%d", fname, lineno);
			free(copy);
			spf_checker_free(c);
			return NULL;
		}
	}
	free(copy);
	c->server = SPF_server_new_dns(c->zone, 0);
	if (c->server == NULL) {
		spf_checker_free(c);
		cad_err_set(err, "libspf2: cannot create the SPF server");
		return NULL;
	}
	return c;
}

void spf_checker_free(struct spf_checker *c)
{
	if (c == NULL)
		return;
	if (atomic_load(&c->retired)) {
		/* libspf2's state is suspect after a trapped error: leak it. */
		free(c);
		return;
	}
	/* SPF_server_new_dns() does not take ownership of the zone. */
	if (c->server != NULL)
		SPF_server_free(c->server);
	if (c->zone != NULL)
		SPF_dns_free(c->zone);
	free(c);
}

enum spf_res spf_map_libspf2(int result, int errcode)
{
	SPF_result_t r = (SPF_result_t)result;
	SPF_errcode_t e = (SPF_errcode_t)errcode;
	switch (r) {
	case SPF_RESULT_PASS: return SPF_RES_PASS;
	case SPF_RESULT_FAIL: return SPF_RES_FAIL;
	case SPF_RESULT_SOFTFAIL: return SPF_RES_SOFTFAIL;
	case SPF_RESULT_NEUTRAL: return SPF_RES_NEUTRAL;
	case SPF_RESULT_NONE: return SPF_RES_NONE;
	case SPF_RESULT_TEMPERROR: return SPF_RES_TEMPERROR;
	case SPF_RESULT_PERMERROR: return SPF_RES_PERMERROR;
	case SPF_RESULT_INVALID:
	default:
		break;
	}
	/* INVALID: libspf2 could not finish. Asking again later can help only
	 * when the cause was transient. */
	switch (e) {
	case SPF_E_NO_MEMORY:
	case SPF_E_DNS_ERROR:
	case SPF_E_INTERNAL_ERROR:
	case SPF_E_NOT_CONFIG:
	case SPF_E_SUCCESS:   /* INVALID without a reason: treat as transient */
		return SPF_RES_TEMPERROR;
	default:
		return SPF_RES_PERMERROR;
	}
}

static int set_ip(SPF_request_t *req, const char *ip)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, ip, &a4) == 1)
		return SPF_request_set_ipv4(req, a4) == SPF_E_SUCCESS ? 0 : -1;
	if (inet_pton(AF_INET6, ip, &a6) == 1)
		return SPF_request_set_ipv6(req, a6) == SPF_E_SUCCESS ? 0 : -1;
	return -1;
}

int spf_guarded(void (*fn)(void *), void *arg)
{
	sigjmp_buf jb;
	sigjmp_buf *volatile outer = spf_trap;   /* guards may nest */
	if (sigsetjmp(jb, 0) != 0) {
		spf_trap = outer;
		return -1;
	}
	spf_trap = &jb;
	fn(arg);
	spf_trap = outer;
	return 0;
}

/* One check, run under spf_guarded(): everything libspf2 allocates is
 * reachable from here so that a normal return frees it all. */
struct check_job {
	struct spf_checker *c;
	const char *ip, *helo, *from;
	struct sbuf *why;
	enum spf_res res;
};

static void why_add(struct sbuf *why, const char *s)
{
	if (why != NULL)
		sbuf_adds(why, s);
}

static void check_job(void *arg)
{
	struct check_job *j = arg;
	SPF_request_t *req = SPF_request_new(j->c->server);
	SPF_response_t *resp = NULL;
	SPF_errcode_t e;
	j->res = SPF_RES_TEMPERROR;
	if (req == NULL) {
		why_add(j->why, "out of memory");
		return;
	}
	if (set_ip(req, j->ip) != 0) {
		j->res = SPF_RES_PERMERROR;
		why_add(j->why, "bad client address");
		goto out;
	}
	if (j->helo != NULL && *j->helo != '\0')
		SPF_request_set_helo_dom(req, j->helo);
	if (SPF_request_set_env_from(req, j->from) != 0) {
		/* an envelope sender libspf2 cannot parse: the request is wrong */
		j->res = SPF_RES_PERMERROR;
		why_add(j->why, "unusable envelope sender");
		goto out;
	}
	e = SPF_request_query_mailfrom(req, &resp);
	if (resp == NULL) {
		j->res = spf_map_libspf2(SPF_RESULT_INVALID, e);
		why_add(j->why, SPF_strerror(e));
		goto out;
	}
	j->res = spf_map_libspf2(SPF_response_result(resp),
				 e != SPF_E_SUCCESS ? e : SPF_response_errcode(resp));
	if (j->why != NULL) {
		const char *cmt = SPF_response_get_header_comment(resp);
		if (cmt != NULL)
			cad_printable(j->why, cmt, 200);
		if (e != SPF_E_SUCCESS) {
			sbuf_adds(j->why, cmt != NULL ? " (" : "(");
			sbuf_adds(j->why, SPF_strerror(e));
			sbuf_adds(j->why, ")");
		}
	}
out:
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_request_free(req);
}

enum spf_res spf_check(struct spf_checker *c, const char *ip, const char *helo,
		       const char *mailfrom, struct sbuf *why)
{
	struct check_job j;
	char *from;

	if (c == NULL || atomic_load(&c->retired)) {
		why_add(why, "SPF checker unavailable");
		return SPF_RES_TEMPERROR;
	}
	if (ip == NULL || *ip == '\0') {
		why_add(why, "no client address");
		return SPF_RES_NONE;
	}
	if (mailfrom != NULL && *mailfrom != '\0')
		from = xstrdup(mailfrom);
	else if (helo != NULL && *helo != '\0')
		from = xasprintf("postmaster@%s", helo);   /* RFC 7208 2.4 */
	else {
		why_add(why, "null sender and no HELO name");
		return SPF_RES_NONE;
	}
	j.c = c;
	j.ip = ip;
	j.helo = helo;
	j.from = from;
	j.why = why;
	j.res = SPF_RES_TEMPERROR;
	if (spf_guarded(check_job, &j) != 0) {
		/* libspf2 hit an internal error (logged by spf_fatal) */
		atomic_store(&c->retired, 1);
		cad_log(CAD_LOG_ERR, "SPF disabled until restart after a libspf2 internal error");
		why_add(why, "libspf2 internal error");
		j.res = SPF_RES_TEMPERROR;
	}
	free(from);
	return j.res;
}

static const char *const res_names[] = {
	[SPF_RES_NONE] = "none",
	[SPF_RES_NEUTRAL] = "neutral",
	[SPF_RES_PASS] = "pass",
	[SPF_RES_FAIL] = "fail",
	[SPF_RES_SOFTFAIL] = "softfail",
	[SPF_RES_TEMPERROR] = "temperror",
	[SPF_RES_PERMERROR] = "permerror",
};

const char *spf_res_name(enum spf_res r)
{
	if ((unsigned)r < CAD_ARRAY_LEN(res_names))
		return res_names[r];
	return "temperror";
}

int spf_res_parse(const char *s)
{
	for (size_t i = 0; i < CAD_ARRAY_LEN(res_names); i++)
		if (cad_strcaseeq(s, res_names[i]))
			return (int)i;
	return -1;
}
