/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf.c - read, default and dump cadence.conf from the key table.
 *
 * Syntax: one "Key value" per line; blank lines and lines starting with
 * '#' are ignored; a '#' after whitespace starts a comment. A value may be
 * double-quoted (then '#' and spaces are kept, \" and \\ are escapes, and
 * "" is the empty value). Keys are case-insensitive.
 *
 * Guarantees: the file is parsed into a scratch struct and copied out only
 * when every line is good, so a bad file leaves the caller with defaults
 * only (never half-applied). Errors read "path:line: Key: what". Lines are
 * bounded (CONF_LINE_MAX). conf_dump() writes values that conf_load()
 * reads back to the same struct.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "util.h"

#define CONF_LINE_MAX 4096
#define CONF_FILE_MAX (1024 * 1024)

#define FIELD(conf, k, type) ((type *)((char *)(conf) + (k)->off))

static void list_free(char ***items, size_t *n)
{
	size_t i;
	for (i = 0; i < *n; i++)
		free((*items)[i]);
	free(*items);
	*items = NULL;
	*n = 0;
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };
	size_t i;
	for (i = 0; i < CAD_ARRAY_LEN(yes); i++) {
		if (cad_strcaseeq(v, yes[i]))
			return *out = 1, 0;
		if (cad_strcaseeq(v, no[i]))
			return *out = 0, 0;
	}
	return -1;
}

/* Decimal digits, optionally signed; -1 on junk or overflow. */
static int parse_ll(const char *v, const char **end, long long *out)
{
	char *e;
	if (!isdigit((unsigned char)v[0]) && !((v[0] == '-' || v[0] == '+')
					       && isdigit((unsigned char)v[1])))
		return -1;
	errno = 0;
	*out = strtoll(v, &e, 10);
	if (errno != 0)
		return -1;
	*end = e;
	return 0;
}

/* Applies one value to conf. first: the first time this key appears in
 * the file (a list then replaces its default rather than adding to it). */
static int conf_set(struct cad_conf *conf, const struct conf_key *k, const char *v, int quoted,
		    int first, struct cad_err *err)
{
	long long n;
	const char *end;

	if (*v == '\0' && !quoted)
		return cad_err_set(err, "value missing");
	switch (k->type) {
	case CONF_STRING:
		if (k->check && k->check(v, err) != 0)
			return -1;
		free(*FIELD(conf, k, char *));
		*FIELD(conf, k, char *) = xstrdup(v);
		return 0;
	case CONF_PATH:
		if (*v != '\0' && *v != '/')
			return cad_err_set(err, "\"%s\" is not an absolute path", v);
		free(*FIELD(conf, k, char *));
		*FIELD(conf, k, char *) = *v ? xstrdup(v) : NULL;
		return 0;
	case CONF_BOOL:
		if (parse_bool(v, FIELD(conf, k, int)) != 0)
			return cad_err_set(err, "\"%s\" is not yes or no", v);
		return 0;
	case CONF_INT:
		if (parse_ll(v, &end, &n) != 0 || *end != '\0')
			return cad_err_set(err, "\"%s\" is not an integer", v);
		if (n < k->min || n > k->max)
			return cad_err_set(err, "%lld is out of range %lld..%lld", n, k->min, k->max);
		*FIELD(conf, k, int) = (int)n;
		return 0;
	case CONF_SIZE: {
		long long mult = 1;
		if (parse_ll(v, &end, &n) != 0 || n < 0)
			return cad_err_set(err, "\"%s\" is not a size (bytes, or with k, m, g)", v);
		if (*end != '\0') {
			switch (tolower((unsigned char)*end)) {
			case 'k': mult = 1LL << 10; break;
			case 'm': mult = 1LL << 20; break;
			case 'g': mult = 1LL << 30; break;
			default: mult = 0; break;
			}
			if (mult == 0 || end[1] != '\0')
				return cad_err_set(err, "\"%s\" is not a size (bytes, or with k, m, g)",
						   v);
		}
		if (n > k->max / mult || n * mult < k->min)
			return cad_err_set(err, "%s is out of range %lld..%lld bytes", v, k->min,
					   k->max);
		*FIELD(conf, k, size_t) = (size_t)(n * mult);
		return 0;
	}
	case CONF_LIST: {
		char ***items = FIELD(conf, k, char **);
		size_t *count = (size_t *)((char *)conf + k->count_off);
		char *copy = xstrdup(v), *tok, *save = NULL;
		if (first)
			list_free(items, count);
		for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
			if (k->check && k->check(tok, err) != 0) {
				free(copy);
				return -1;
			}
			*items = xreallocarray(*items, *count + 1, sizeof(**items));
			(*items)[(*count)++] = xstrdup(tok);
		}
		free(copy);
		return 0;
	}
	}
	return cad_err_set(err, "internal error: unknown key type");
}

void conf_free(struct cad_conf *conf)
{
	size_t i;
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (k->type == CONF_STRING || k->type == CONF_PATH)
			free(*FIELD(conf, k, char *));
		else if (k->type == CONF_LIST)
			list_free(FIELD(conf, k, char **), (size_t *)((char *)conf + k->count_off));
	}
	memset(conf, 0, sizeof(*conf));
}

void conf_defaults(struct cad_conf *conf)
{
	struct cad_err err;
	size_t i;
	memset(conf, 0, sizeof(*conf));
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (k->def == NULL)
			continue;
		/* The table is ours: a default that does not parse is a bug
		 * that test_conf catches, never a user error. */
		if (conf_set(conf, k, k->def, 1, 1, &err) != 0) {
			cad_log(CAD_LOG_ERR, "cadence.conf default of %s: %s", k->name, err.msg);
			abort();
		}
	}
}

/* Splits a line into key and value. Returns 1 with *key and *val set,
 * 0 for a blank or comment line, -1 with err on a syntax error. The line
 * is modified in place; *val may point into it or into qbuf. */
static int conf_split(char *line, char **key, char **val, int *quoted, struct sbuf *qbuf,
		      struct cad_err *err)
{
	char *p = line, *v;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	*key = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	*quoted = 0;
	if (*p == '"') {
		sbuf_reset(qbuf);
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			sbuf_addc(qbuf, *p);
		}
		if (*p != '"')
			return cad_err_set(err, "%s: closing quote missing", *key);
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '\0' && *p != '#')
			return cad_err_set(err, "%s: text after the closing quote", *key);
		*val = qbuf->s;
		*quoted = 1;
		return 1;
	}
	/* Unquoted: up to a '#' that follows whitespace, trailing blanks cut. */
	v = p;
	for (; *p; p++)
		if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	*val = cad_trim(v);
	return 1;
}

static int conf_parse(const char *name, const char *buf, size_t len, struct cad_conf *conf,
		      struct cad_err *err)
{
	size_t seen[64];        /* line where each key was first given; 0 = not yet */
	struct sbuf line, qbuf, pb;
	size_t lineno = 0, pos = 0;
	int rc = 0;

	if (conf_nkeys > CAD_ARRAY_LEN(seen))
		abort();
	memset(seen, 0, sizeof(seen));
	sbuf_init(&line);
	sbuf_init(&qbuf);
	sbuf_init(&pb);
	while (pos < len && rc == 0) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		const struct conf_key *k;
		char *key = NULL, *val = NULL;
		int quoted = 0, r;

		lineno++;
		if (n > CONF_LINE_MAX) {
			rc = cad_err_set(err, "line longer than %d bytes", CONF_LINE_MAX);
			break;
		}
		if (memchr(buf + pos, '\0', n) != NULL) {
			rc = cad_err_set(err, "NUL byte in line");
			break;
		}
		sbuf_reset(&line);
		sbuf_add(&line, buf + pos, n);
		pos += n + (nl ? 1 : 0);
		if (line.len > 0 && line.s[line.len - 1] == '\r')
			line.s[--line.len] = '\0';
		r = conf_split(line.s, &key, &val, &quoted, &qbuf, err);
		if (r < 0) {
			rc = -1;
			break;
		}
		if (r == 0)
			continue;
		if ((k = conf_key_find(key)) == NULL) {
			sbuf_reset(&pb);
			cad_printable(&pb, key, 64);
			rc = cad_err_set(err, "unknown key \"%s\"", pb.s);
			break;
		}
		if (seen[k - conf_keys] && k->type != CONF_LIST) {
			rc = cad_err_set(err, "%s: given twice (first on line %zu)", k->name,
					 seen[k - conf_keys]);
			break;
		}
		if (conf_set(conf, k, val, quoted, !seen[k - conf_keys], err) != 0) {
			cad_err_prefix(err, "%s", k->name);
			rc = -1;
			break;
		}
		if (!seen[k - conf_keys])
			seen[k - conf_keys] = lineno;
	}
	if (rc != 0)
		cad_err_prefix(err, "%s:%zu", name, lineno);
	sbuf_free(&line);
	sbuf_free(&qbuf);
	sbuf_free(&pb);
	return rc;
}

/* DatabasePasswordFile becomes libpq's passfile parameter of a server's
 * Database (unless the value names one itself), so that every program
 * opening the store connects with it and no password is ever in a string
 * cadence builds or prints. */
static int conf_passfile(struct cad_conf *c, const char *name, struct cad_err *err)
{
	const char *pf = c->database_password_file, *p;
	struct sbuf b;
	if (pf == NULL)
		return 0;
	if (!conf_database_is_server(c->database))
		return cad_err_set(err, "%s: DatabasePasswordFile is only for a Database on a "
				   "PostgreSQL server (Database is the file %s)", name, c->database);
	if (strstr(c->database, "passfile") != NULL)
		return 0;
	sbuf_init(&b);
	sbuf_adds(&b, c->database);
	if (strncmp(c->database, "postgres", 8) == 0) {
		sbuf_adds(&b, strchr(c->database, '?') ? "&passfile=" : "?passfile=");
		for (p = pf; *p; p++) {
			if (isalnum((unsigned char)*p) || strchr("/-._~", *p))
				sbuf_addc(&b, *p);
			else
				sbuf_addf(&b, "%%%02X", (unsigned char)*p);
		}
	} else {
		sbuf_adds(&b, " passfile='");
		for (p = pf; *p; p++) {
			if (*p == '\'' || *p == '\\')
				sbuf_addc(&b, '\\');
			sbuf_addc(&b, *p);
		}
		sbuf_addc(&b, '\'');
	}
	free(c->database);
	c->database = xstrdup(b.s);
	sbuf_free(&b);
	return 0;
}

int conf_load_buffer(const char *name, const char *buf, size_t len, struct cad_conf *conf,
		     struct cad_err *err)
{
	struct cad_conf tmp;
	conf_defaults(&tmp);
	if (conf_parse(name, buf, len, &tmp, err) != 0 || conf_passfile(&tmp, name, err) != 0) {
		conf_free(&tmp);
		conf_defaults(conf);
		return -1;
	}
	*conf = tmp;
	return 0;
}

int conf_load(const char *path, struct cad_conf *conf, struct cad_err *err)
{
	struct sbuf data;
	char chunk[8192];
	FILE *f;
	size_t n;
	int rc;

	f = fopen(path, "r");
	if (f == NULL) {
		int e = errno;
		conf_defaults(conf);
		return cad_err_set(err, "%s: %s", path, strerror(e));
	}
	sbuf_init(&data);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		sbuf_add(&data, chunk, n);
		if (data.len > CONF_FILE_MAX)
			break;
	}
	if (ferror(f) || data.len > CONF_FILE_MAX) {
		int e = errno;
		rc = data.len > CONF_FILE_MAX
			     ? cad_err_set(err, "%s: larger than %d bytes", path, CONF_FILE_MAX)
			     : cad_err_set(err, "%s: read error: %s", path, strerror(e));
		fclose(f);
		sbuf_free(&data);
		conf_defaults(conf);
		return rc;
	}
	fclose(f);
	rc = conf_load_buffer(path, data.s, data.len, conf, err);
	sbuf_free(&data);
	return rc;
}

/* A value as conf_split() reads it back: quoted when it would not
 * survive unquoted. */
static void dump_string(struct sbuf *out, const char *v)
{
	size_t len = strlen(v);
	const char *p;
	if (len > 0 && v[0] != '"' && !isspace((unsigned char)v[0])
	    && !isspace((unsigned char)v[len - 1]) && strchr(v, '#') == NULL) {
		sbuf_adds(out, v);
		return;
	}
	sbuf_addc(out, '"');
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			sbuf_addc(out, '\\');
		sbuf_addc(out, *p);
	}
	sbuf_addc(out, '"');
}

int conf_value(const struct cad_conf *conf, const struct conf_key *k, struct sbuf *out)
{
	const char *base = (const char *)conf;
	size_t j;
	switch (k->type) {
	case CONF_STRING:
	case CONF_PATH: {
		const char *v = *(char *const *)(base + k->off);
		if (v == NULL)
			return 0;
		sbuf_adds(out, v);
		return 1;
	}
	case CONF_BOOL:
		sbuf_adds(out, *(const int *)(base + k->off) ? "yes" : "no");
		return 1;
	case CONF_INT:
		sbuf_addf(out, "%d", *(const int *)(base + k->off));
		return 1;
	case CONF_SIZE: {
		size_t v = *(const size_t *)(base + k->off);
		if (v != 0 && v % (1u << 20) == 0)
			sbuf_addf(out, "%zum", v >> 20);
		else if (v != 0 && v % 1024 == 0)
			sbuf_addf(out, "%zuk", v >> 10);
		else
			sbuf_addf(out, "%zu", v);
		return 1;
	}
	case CONF_LIST: {
		char *const *items = *(char **const *)(base + k->off);
		size_t n = *(const size_t *)(base + k->count_off);
		for (j = 0; j < n; j++)
			sbuf_addf(out, "%s%s", j ? ", " : "", items[j]);
		return n > 0;
	}
	}
	return 0;
}

void conf_dump(const struct cad_conf *conf, struct sbuf *out)
{
	struct sbuf v;
	size_t i;
	sbuf_init(&v);
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		sbuf_reset(&v);
		if (!conf_value(conf, k, &v)) {
			/* Unset: a comment when that is the default, else "" so
			 * that loading the dump unsets it again. */
			if (k->def == NULL)
				sbuf_addf(out, "# %s (not set)\n", k->name);
			else
				sbuf_addf(out, "%s \"\"\n", k->name);
		} else if (k->type == CONF_STRING || k->type == CONF_PATH) {
			sbuf_addf(out, "%s ", k->name);
			dump_string(out, v.s);
			sbuf_addc(out, '\n');
		} else {
			sbuf_addf(out, "%s %s\n", k->name, v.s);
		}
	}
	sbuf_free(&v);
}
