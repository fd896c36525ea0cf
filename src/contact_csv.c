/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * contact_csv.c - CSV rows to contacts: column roles, validation,
 * properties. See contact_csv.h for the names recognised.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "contact_csv.h"
#include "holiday.h"
#include "model.h"
#include "tz.h"
#include "util.h"

/* Names, company, zone: one line of text, not a paragraph. */
#define CONTACT_CSV_VALUE_MAX 256

enum role { R_EMAIL, R_FIRST, R_LAST, R_COMPANY, R_TZ, R_ALIASES, R_REGION, R_NONE };

static const struct {
	const char *squashed;     /* lower-case, without ' ', '_', '-', '.' */
	enum role role;
} role_names[] = {
	{ "email", R_EMAIL }, { "emailaddress", R_EMAIL },
	{ "firstname", R_FIRST }, { "givenname", R_FIRST },
	{ "lastname", R_LAST }, { "surname", R_LAST }, { "familyname", R_LAST },
	{ "company", R_COMPANY }, { "companyname", R_COMPANY }, { "organization", R_COMPANY },
	{ "organisation", R_COMPANY }, { "account", R_COMPANY }, { "accountname", R_COMPANY },
	{ "timezone", R_TZ }, { "tz", R_TZ },
	{ "aliases", R_ALIASES }, { "alias", R_ALIASES },
	{ "region", R_REGION }, { "holidayregion", R_REGION }, { "holidaycalendar", R_REGION },
};

static const char *const role_what[] = {
	"the email address", "the first name", "the last name", "the company", "the time zone",
	"the aliases", "the region",
};

static enum role role_of(const char *name)
{
	char sq[32];
	size_t i, j = 0;
	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];
		if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t')
			continue;
		if (j + 1 >= sizeof(sq))
			return R_NONE;
		sq[j++] = (char)tolower((unsigned char)c);
	}
	sq[j] = '\0';
	for (i = 0; i < CAD_ARRAY_LEN(role_names); i++)
		if (strcmp(sq, role_names[i].squashed) == 0)
			return role_names[i].role;
	return R_NONE;
}

/* The property key for a column name (caller frees): see contact_csv.h. */
static char *prop_key(const char *name)
{
	struct sbuf b;
	const char *p;
	int gap = 0;
	sbuf_init(&b);
	for (p = name; *p; p++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*p);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
		    || c >= 0x80) {
			if (gap && b.len > 0)
				sbuf_addc(&b, '_');
			gap = 0;
			sbuf_addc(&b, (char)c);
		} else {
			gap = 1;
		}
	}
	{
		char *key = xstrdup(b.s);
		sbuf_free(&b);
		return key;
	}
}

/* Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF)
 * and no control characters except, when multiline, tab, CR and LF. */
static const char *value_problem(const char *s, int multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, cp, n, i;
		if (c < 0x80) {
			if ((c < 0x20 && !(multiline && (c == '\t' || c == '\r' || c == '\n')))
			    || c == 0x7f)
				return multiline ? "holds a control character"
						 : "holds a control character or line break";
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return "is not UTF-8 (save the file as \"CSV UTF-8\")";
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return "is not UTF-8 (save the file as \"CSV UTF-8\")";
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff))
		    || (cp >= 0xd800 && cp <= 0xdfff))
			return "is not UTF-8 (save the file as \"CSV UTF-8\")";
		p += n + 1;
	}
	return NULL;
}

static int col_err(struct cad_err *err, const char *col, const char *what, const char *value)
{
	struct sbuf b;
	sbuf_init(&b);
	if (value != NULL)
		cad_printable(&b, value, 80);
	if (value != NULL)
		cad_err_set(err, "column \"%s\": \"%s\" %s", col, b.s, what);
	else
		cad_err_set(err, "column \"%s\": %s", col, what);
	sbuf_free(&b);
	return -1;
}

int contact_csv_header(char *const *hdr, size_t n, struct contact_csv_cols *cols,
		       struct cad_err *err)
{
	int *slot[R_NONE];
	size_t i, j;
	cols->email = cols->firstname = cols->lastname = -1;
	cols->company = cols->tz = cols->aliases = cols->region = -1;
	slot[R_EMAIL] = &cols->email;
	slot[R_FIRST] = &cols->firstname;
	slot[R_LAST] = &cols->lastname;
	slot[R_COMPANY] = &cols->company;
	slot[R_TZ] = &cols->tz;
	slot[R_ALIASES] = &cols->aliases;
	slot[R_REGION] = &cols->region;
	for (i = 0; i < n; i++) {
		enum role r = role_of(hdr[i]);
		if (r == R_NONE)
			continue;
		if (*slot[r] >= 0)
			return cad_err_set(err, "columns \"%s\" and \"%s\" both give %s",
					   hdr[*slot[r]], hdr[i], role_what[r]);
		*slot[r] = (int)i;
	}
	if (cols->email < 0)
		return cad_err_set(err, "no email column (name one column \"email\", \"e-mail\" "
				   "or \"email address\")");
	/* Two columns that would fill the same property: the second would
	 * silently overwrite the first. */
	for (i = 0; i < n; i++) {
		char *ki;
		if (hdr[i][0] == '\0' || role_of(hdr[i]) != R_NONE)
			continue;
		ki = prop_key(hdr[i]);
		for (j = i + 1; j < n; j++) {
			char *kj;
			int same;
			if (hdr[j][0] == '\0' || role_of(hdr[j]) != R_NONE)
				continue;
			kj = prop_key(hdr[j]);
			same = ki[0] != '\0' && cad_strcaseeq(ki, kj);
			free(kj);
			if (same) {
				cad_err_set(err, "columns \"%s\" and \"%s\" both give property %s",
					    hdr[i], hdr[j], ki);
				free(ki);
				return -1;
			}
		}
		free(ki);
	}
	return 0;
}

int contact_csv_aliases(const char *value, struct contact *c, struct cad_err *err)
{
	char *copy = xstrdup(value), *tok, *save = NULL;
	char **add = NULL;
	size_t nadd = 0, i;
	int rc = 0;

	for (tok = strtok_r(copy, " \t\r\n,;", &save); tok; tok = strtok_r(NULL, " \t\r\n,;", &save)) {
		int dup = 0;
		if (!cad_addr_valid(tok)) {
			struct sbuf b;
			sbuf_init(&b);
			cad_printable(&b, tok, 80);
			rc = cad_err_set(err, "\"%s\" is not a valid address", b.s);
			sbuf_free(&b);
			break;
		}
		cad_addr_normalize(tok);
		if (c->email != NULL && strcmp(tok, c->email) == 0)
			continue;
		for (i = 0; i < c->naliases && !dup; i++)
			dup = strcmp(c->aliases[i], tok) == 0;
		for (i = 0; i < nadd && !dup; i++)
			dup = strcmp(add[i], tok) == 0;
		if (dup)
			continue;
		add = xreallocarray(add, nadd + 1, sizeof(*add));
		add[nadd++] = xstrdup(tok);
	}
	if (rc == 0 && nadd > 0) {
		c->aliases = xreallocarray(c->aliases, c->naliases + nadd, sizeof(*c->aliases));
		for (i = 0; i < nadd; i++)
			c->aliases[c->naliases++] = add[i];
	} else {
		for (i = 0; i < nadd; i++)
			free(add[i]);
	}
	free(add);
	free(copy);
	return rc;
}

/* The trimmed value of column col, or NULL when absent or empty. The
 * fields are the caller's buffers; trimming works on a copy. */
static char *field(char *const *fields, size_t n, int col)
{
	char *copy, *t;
	if (col < 0 || (size_t)col >= n)
		return NULL;
	copy = xstrdup(fields[col]);
	t = cad_trim(copy);
	if (*t == '\0') {
		free(copy);
		return NULL;
	}
	memmove(copy, t, strlen(t) + 1);
	return copy;
}

static int take(char **dst, char *const *hdr, char *const *fields, size_t n, int col,
		struct cad_err *err)
{
	const char *bad;
	char *v = field(fields, n, col);
	if (v == NULL)
		return 0;
	if ((bad = value_problem(v, 0)) != NULL || strlen(v) > CONTACT_CSV_VALUE_MAX) {
		col_err(err, hdr[col], bad ? bad : "is longer than 256 bytes", NULL);
		free(v);
		return -1;
	}
	*dst = v;
	return 0;
}

static int row_map(char *const *hdr, char *const *fields, size_t n, struct contact *out,
		   struct cad_err *err)
{
	struct contact_csv_cols cols;
	const char *bad;
	char *v;
	size_t i;

	if (contact_csv_header(hdr, n, &cols, err) != 0)
		return -1;
	if (take(&out->email, hdr, fields, n, cols.email, err) != 0)
		return -1;
	if (out->email == NULL)
		return col_err(err, hdr[cols.email], "no address", NULL);
	if (!cad_addr_valid(out->email))
		return col_err(err, hdr[cols.email], "is not a valid address", out->email);
	cad_addr_normalize(out->email);
	if (take(&out->firstname, hdr, fields, n, cols.firstname, err) != 0
	    || take(&out->lastname, hdr, fields, n, cols.lastname, err) != 0
	    || take(&out->company, hdr, fields, n, cols.company, err) != 0
	    || take(&out->tz, hdr, fields, n, cols.tz, err) != 0)
		return -1;
	if (out->tz != NULL && !tz_valid(out->tz))
		return col_err(err, hdr[cols.tz], "is not a known time zone (use an IANA name "
				   "such as Europe/Berlin)", out->tz);
	if (take(&out->region, hdr, fields, n, cols.region, err) != 0)
		return -1;
	if (out->region != NULL && !holiday_calendar_valid(out->region))
		return col_err(err, hdr[cols.region], "is not a holiday calendar name (1-32 of "
				   "A-Z a-z 0-9 _ -, such as de or us-ca)", out->region);
	if (out->region != NULL)
		cad_strlower(out->region);
	if (cols.aliases >= 0 && (v = field(fields, n, cols.aliases)) != NULL) {
		int rc = contact_csv_aliases(v, out, err);
		free(v);
		if (rc != 0) {
			cad_err_prefix(err, "column \"%s\"", hdr[cols.aliases]);
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		char *key;
		if (hdr[i][0] == '\0' || role_of(hdr[i]) != R_NONE)
			continue;
		if ((v = field(fields, n, (int)i)) == NULL)
			continue;
		if ((bad = value_problem(v, 1)) != NULL) {
			col_err(err, hdr[i], bad, NULL);
			free(v);
			return -1;
		}
		key = prop_key(hdr[i]);
		if (key[0] == '\0') {
			/* A name of punctuation only: keep it as written. */
			free(key);
			key = xstrdup(hdr[i]);
		}
		contact_set_prop(out, key, v);
		free(key);
		free(v);
	}
	return 0;
}

int contact_csv_row(char *const *hdr, char *const *fields, size_t n, struct contact *out,
		    struct cad_err *err)
{
	memset(out, 0, sizeof(*out));
	if (row_map(hdr, fields, n, out, err) != 0) {
		contact_free(out);
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}
