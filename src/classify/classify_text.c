/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_text.c - small text scanners for the classifier: case-blind
 * search, addr-spec extraction, RFC 3463 status and SMTP code finding,
 * subject prefix stripping.
 *
 * Guarantees: every scanner is bounded by the length it is given and never
 * reads past it; results are freshly allocated or written into a caller
 * buffer with its size.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

/* ASCII case folding (the C locale's tolower(), without the call): one
 * load from a table of the 256 bytes. */
#define FOLD1(c) ((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))
#define FOLD4(c) FOLD1(c), FOLD1((c) + 1), FOLD1((c) + 2), FOLD1((c) + 3)
#define FOLD16(c) FOLD4(c), FOLD4((c) + 4), FOLD4((c) + 8), FOLD4((c) + 12)
#define FOLD64(c) FOLD16(c), FOLD16((c) + 16), FOLD16((c) + 32), FOLD16((c) + 48)
static const unsigned char fold[256] = { FOLD64(0), FOLD64(64), FOLD64(128), FOLD64(192) };

static inline unsigned char low(unsigned char c)
{
	return fold[c];
}

static int rest_equal(const char *h, const char *needle, size_t k)
{
	for (size_t j = 1; j < k; j++)
		if (low((unsigned char)h[j]) != low((unsigned char)needle[j]))
			return 0;
	return 1;
}

/* Candidates are found with memchr() for both cases of the needle's first
 * byte (the classifier's hottest loop: every phrase list over the text). */
const char *classify_text_memcasestr(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	if (hay == NULL || k == 0 || k > n)
		return NULL;
	unsigned char f = low((unsigned char)needle[0]);
	unsigned char F = f >= 'a' && f <= 'z' ? (unsigned char)(f - 32) : f;
	const char *end = hay + (n - k) + 1;    /* last start + 1 */
	const char *a = memchr(hay, f, (size_t)(end - hay));
	const char *b = F != f ? memchr(hay, F, (size_t)(end - hay)) : NULL;
	while (a != NULL || b != NULL) {
		const char *c = a == NULL ? b : b == NULL ? a : a < b ? a : b;
		if (rest_equal(c, needle, k))
			return c;
		if (c == a)
			a = c + 1 < end ? memchr(c + 1, f, (size_t)(end - c - 1)) : NULL;
		else
			b = c + 1 < end ? memchr(c + 1, F, (size_t)(end - c - 1)) : NULL;
	}
	return NULL;
}

/* ---- a list of phrases in one pass ----
 * Each phrase of two bytes or more is filed under a hash of its first two
 * bytes, case-folded; one pass over the text looks up each position's two
 * bytes and compares only the phrases filed there. A match is exactly what
 * classify_text_memcasestr() would find (ASCII case folding, byte for byte
 * otherwise); one-byte phrases and lists longer than CLASSIFY_PHRASES_MAX are
 * searched with classify_text_memcasestr(). */
#define CLASSIFY_PHRASES_MAX 255

#define PAIR_HASH 1024u

struct phrase_index {
	unsigned char head[PAIR_HASH];      /* 1 + first phrase of a hash, 0: none */
	unsigned char next[CLASSIFY_PHRASES_MAX];
	unsigned short len[CLASSIFY_PHRASES_MAX];
	size_t minlen;
	size_t nlist;
};

/* Two case-folded bytes; two letters never share a value (the first
 * letter's low five bits above the second's byte), so a letter pair's
 * chain holds only phrases that start with that pair. */
static inline unsigned pair_hash_folded(unsigned a, unsigned b)
{
	return ((a << 5) ^ b) & (PAIR_HASH - 1);
}

static inline unsigned pair_hash(unsigned char a, unsigned char b)
{
	return pair_hash_folded(low(a), low(b));
}

static int phrase_at(const char *h, size_t left, const char *p, size_t k)
{
	if (k > left || low((unsigned char)h[0]) != low((unsigned char)p[0]))
		return 0;
	return rest_equal(h, p, k);
}

/* Files the list's phrases; 0 when the list is too long to file. */
static int index_build(struct phrase_index *x, const char *const *list)
{
	size_t i;
	memset(x->head, 0, sizeof(x->head));
	x->minlen = (size_t)-1;
	for (i = 0; list[i]; i++) {
		if (i >= CLASSIFY_PHRASES_MAX)
			return 0;
		size_t len = strlen(list[i]);
		if (len > 65535)
			return 0;
		x->len[i] = (unsigned short)len;
		if (len < 2)
			continue;
		unsigned h = pair_hash((unsigned char)list[i][0], (unsigned char)list[i][1]);
		x->next[i] = x->head[h];
		x->head[h] = (unsigned char)(i + 1);
		if (x->len[i] < x->minlen)
			x->minlen = x->len[i];
	}
	x->nlist = i;
	return 1;
}

/* The lists' indexes, built once per thread: a list is a static array
 * that never changes (classify_int.h), so its address names it. Filed
 * by address in a table of INDEX_CACHE places (a list meeting another
 * in its place rebuilds it: a cost, never a different answer), freed
 * when the thread ends. */
#define INDEX_CACHE 64u

struct index_cache {
	const char *const *list[INDEX_CACHE];
	int ok[INDEX_CACHE];
	struct phrase_index x[INDEX_CACHE];
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_ok;

static void cache_key_make(void)
{
	cache_key_ok = pthread_key_create(&cache_key, free) == 0;
}

/* list's index (*x: a place of the cache, or built in tmp); 0 when the
 * list is too long to file. */
static int index_get(const char *const *list, struct phrase_index *tmp, const struct phrase_index **x)
{
	struct index_cache *c = NULL;
	pthread_once(&cache_once, cache_key_make);
	if (cache_key_ok && (c = pthread_getspecific(cache_key)) == NULL) {
		c = calloc(1, sizeof(*c));
		if (c != NULL && pthread_setspecific(cache_key, c) != 0) {
			free(c);
			c = NULL;
		}
	}
	if (c == NULL) {
		*x = tmp;
		return index_build(tmp, list);
	}
	size_t h = (size_t)(((uintptr_t)list >> 3) * 0x9e3779b97f4a7c15ull >> 32) % INDEX_CACHE;
	if (c->list[h] != list) {
		c->list[h] = list;
		c->ok[h] = index_build(&c->x[h], list);
	}
	*x = &c->x[h];
	return c->ok[h];
}

int classify_text_memcase_any(const char *hay, size_t n, const char *const *list)
{
	struct phrase_index tmp;
	const struct phrase_index *xp;
	if (hay == NULL)
		return 0;
	if (!index_get(list, &tmp, &xp)) {
		for (size_t i = 0; list[i]; i++)
			if (classify_text_memcasestr(hay, n, list[i]))
				return 1;
		return 0;
	}
	for (size_t i = 0; i < xp->nlist; i++)
		if (xp->len[i] == 1 && classify_text_memcasestr(hay, n, list[i]))
			return 1;
	if (xp->minlen == (size_t)-1 || xp->minlen > n)
		return 0;
	const unsigned char *u = (const unsigned char *)hay;
	unsigned prev = low(u[0]);
	for (size_t i = 0; i + xp->minlen <= n; i++) {
		unsigned cur = low(u[i + 1]);
		unsigned b = xp->head[pair_hash_folded(prev, cur)];
		prev = cur;
		while (b != 0) {
			size_t j = b - 1;
			if (phrase_at(hay + i, n - i, list[j], xp->len[j]))
				return 1;
			b = xp->next[j];
		}
	}
	return 0;
}

int classify_text_case_any(const char *hay, const char *const *list)
{
	return hay != NULL && classify_text_memcase_any(hay, strlen(hay), list);
}

size_t classify_text_memcase_first(const char *hay, size_t n, const char *const *list, size_t *pos)
{
	struct phrase_index tmp;
	const struct phrase_index *xp;
	size_t found = 0, want = 0;
	for (size_t i = 0; list[i]; i++)
		pos[i] = (size_t)-1;
	if (hay == NULL)
		return 0;
	if (!index_get(list, &tmp, &xp)) {
		for (size_t i = 0; list[i]; i++) {
			const char *p = classify_text_memcasestr(hay, n, list[i]);
			pos[i] = p ? (size_t)(p - hay) : (size_t)-1;
			found += p != NULL;
		}
		return found;
	}
	for (size_t i = 0; i < xp->nlist; i++) {
		if (xp->len[i] == 1) {
			const char *p = classify_text_memcasestr(hay, n, list[i]);
			pos[i] = p ? (size_t)(p - hay) : (size_t)-1;
			found += p != NULL;
		} else if (xp->len[i] > 1) {
			want++;
		}
	}
	if (xp->minlen == (size_t)-1 || xp->minlen > n)
		return found;
	const unsigned char *u = (const unsigned char *)hay;
	unsigned prev = low(u[0]);
	for (size_t i = 0; i + xp->minlen <= n && want > 0; i++) {
		unsigned cur = low(u[i + 1]);
		unsigned b = xp->head[pair_hash_folded(prev, cur)];
		prev = cur;
		while (b != 0) {
			size_t j = b - 1;
			if (pos[j] == (size_t)-1 && phrase_at(hay + i, n - i, list[j], xp->len[j])) {
				pos[j] = i;
				found++;
				want--;
			}
			b = xp->next[j];
		}
	}
	return found;
}

#define SET_HASH PAIR_HASH

static inline unsigned set_hash(unsigned char a, unsigned char b)
{
	return pair_hash(a, b);
}

void classify_text_phraseset_build(struct classify_phraseset *ps, const char *const *const *lists)
{
	size_t n = 0, k = 0;
	memset(ps, 0, sizeof(*ps));
	for (ps->nlists = 0; lists[ps->nlists] && ps->nlists < 64; ps->nlists++)
		for (size_t i = 0; lists[ps->nlists][i]; i++)
			n++;
	ps->lists = lists;
	ps->head = xcalloc(SET_HASH, sizeof(*ps->head));
	ps->next = xcalloc(n + 1, sizeof(*ps->next));
	ps->list_of = xcalloc(n + 1, sizeof(*ps->list_of));
	ps->phrase = xcalloc(n + 1, sizeof(*ps->phrase));
	ps->len = xcalloc(n + 1, sizeof(*ps->len));
	ps->minlen = (size_t)-1;
	for (size_t l = 0; l < ps->nlists; l++)
		for (size_t i = 0; lists[l][i]; i++) {
			const char *p = lists[l][i];
			size_t len = strlen(p);
			if (len < 2) {
				ps->short_lists |= (uint64_t)1 << l;
				continue;
			}
			ps->phrase[k] = p;
			ps->len[k] = len;
			ps->list_of[k] = (unsigned char)l;
			unsigned h = set_hash((unsigned char)p[0], (unsigned char)p[1]);
			ps->next[k] = ps->head[h];
			ps->head[h] = (uint32_t)(k + 1);
			if (len < ps->minlen)
				ps->minlen = len;
			k++;
		}
}

uint64_t classify_text_phraseset_scan(const struct classify_phraseset *ps, const char *hay, size_t n)
{
	uint64_t hits = 0;
	if (hay == NULL)
		return 0;
	/* a list with a phrase of one byte: that list the slow way, whole */
	for (size_t l = 0; l < ps->nlists; l++)
		if ((ps->short_lists >> l) & 1)
			hits |= (uint64_t)classify_text_memcase_any(hay, n, ps->lists[l]) << l;
	if (ps->minlen == (size_t)-1 || ps->minlen > n)
		return hits;
	const unsigned char *u = (const unsigned char *)hay;
	unsigned prev = low(u[0]);
	for (size_t i = 0; i + ps->minlen <= n; i++) {
		unsigned cur = low(u[i + 1]);
		uint32_t b = ps->head[pair_hash_folded(prev, cur)];
		prev = cur;
		while (b != 0) {
			size_t j = b - 1;
			if (!((hits >> ps->list_of[j]) & 1) &&
			    phrase_at(hay + i, n - i, ps->phrase[j], ps->len[j]))
				hits |= (uint64_t)1 << ps->list_of[j];
			b = ps->next[j];
		}
	}
	return hits;
}

int classify_text_phraseset_has(const struct classify_phraseset *ps, uint64_t hits, const char *const *list,
    const char *hay)
{
	for (size_t l = 0; l < ps->nlists; l++)
		if (ps->lists[l] == list)
			return (int)((hits >> l) & 1);
	return classify_text_case_any(hay, list);
}

const char *classify_text_strcasestr(const char *hay, const char *needle)
{
	if (hay == NULL)
		return NULL;
	return classify_text_memcasestr(hay, strlen(hay), needle);
}

static int is_local_char(int c)
{
	return isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static int is_domain_char(int c)
{
	return isalnum(c) || c == '-' || c == '.';
}

/* A domain literal "[192.0.2.1]" / "[IPv6:2001:db8::1]" at s[b]; its end or b. */
static size_t domain_literal(const char *s, size_t n, size_t b)
{
	if (b >= n || s[b] != '[')
		return b;
	size_t e = b + 1;
	while (e < n && e - b < 64 && (isalnum((unsigned char)s[e]) || s[e] == '.' || s[e] == ':'))
		e++;
	return e < n && s[e] == ']' && e > b + 1 ? e + 1 : b;
}

/* Transport prefixes some MTAs glue to the address ("smtp=a@b", "rfc822=a@b"). */
static size_t skip_prefix(const char *s, size_t a, size_t at)
{
	static const char *const pfx[] = { "smtp=", "rfc822=", "smtp:", "rfc822:", NULL };
	for (int k = 0; pfx[k]; k++) {
		size_t l = strlen(pfx[k]);
		if (at - a > l && strncasecmp(s + a, pfx[k], l) == 0)
			return a + l;
	}
	return a;
}

static char *addr_extract(const char *s, size_t n, int dotless);

char *classify_text_addr(const char *s, size_t n)
{
	return addr_extract(s, n, 0);
}

char *classify_text_addr_field(const char *s, size_t n)
{
	return addr_extract(s, n, 1);
}

static char *addr_extract(const char *s, size_t n, int dotless)
{
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '@')
			continue;
		size_t a = i, b = i + 1;
		if (a > 1 && s[a - 1] == '"') {
			/* a quoted local part: "john smith"@example.com */
			size_t q = a - 1;
			while (q > 0 && s[q - 1] != '"' && s[q - 1] != '\n' && a - q < 66)
				q--;
			if (q > 0 && s[q - 1] == '"')
				a = q - 1;
		}
		if (a == i) {
			while (a > 0 && is_local_char((unsigned char)s[a - 1]))
				a--;
			/* trim dots a sentence or the local part may leave around it */
			while (a < i && s[a] == '.')
				a++;
			a = skip_prefix(s, a, i);
		}
		size_t lit = domain_literal(s, n, b);
		if (lit > b) {
			b = lit;
		} else {
			while (b < n && is_domain_char((unsigned char)s[b]))
				b++;
			while (b > i + 1 && s[b - 1] == '.')
				b--;
			if (b > i + 1 && memchr(s + i + 1, '.', b - i - 1) == NULL &&
			    (!dotless || (b < n && !isspace((unsigned char)s[b]) && s[b] != '>' &&
			     s[b] != ',' && s[b] != ';' && s[b] != ')')))
				continue;   /* one label: only a whole token of a field */
		}
		if (a == i || b == i + 1)
			continue;
		char *addr = xstrndup(s + a, b - a);
		if (addr[0] == '"') {
			/* quotes that protect nothing but dots are dropped, as the
			 * bounce parsers write it: "a..b"@c -> a..b@c */
			size_t ql = (size_t)(strchr(addr + 1, '"') - addr);
			int plain = 1;
			for (size_t k = 1; k < ql; k++)
				plain &= is_local_char((unsigned char)addr[k]);
			if (plain && ql > 1) {
				memmove(addr + ql, addr + ql + 1, strlen(addr + ql + 1) + 1);
				memmove(addr, addr + 1, strlen(addr + 1) + 1);
			}
		}
		cad_strlower(addr);
		return addr;
	}
	return NULL;
}

int classify_text_status(const char *s, size_t n, char *out, size_t outlen)
{
	if (s == NULL)
		return 0;
	for (size_t i = 0; i + 5 <= n; i++) {
		if (s[i] != '2' && s[i] != '4' && s[i] != '5')
			continue;
		/* "#5.5.0" (qmail) is fine; "1.5.1.1" or "v2.4.1" is not a status */
		if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.' ||
		    s[i - 1] == '-'))
			continue;
		if (s[i + 1] != '.')
			continue;
		size_t j = i + 2, d1 = 0, d2 = 0;
		while (j < n && isdigit((unsigned char)s[j]) && d1 < 3)
			j++, d1++;
		if (d1 == 0 || j >= n || s[j] != '.')
			continue;
		j++;
		while (j < n && isdigit((unsigned char)s[j]) && d2 < 3)
			j++, d2++;
		if (d2 == 0 || (j < n && (isalnum((unsigned char)s[j]) ||
		    (s[j] == '.' && j + 1 < n && isdigit((unsigned char)s[j + 1])))))
			continue;
		if (j - i + 1 > outlen)
			return 0;
		memcpy(out, s + i, j - i);
		out[j - i] = '\0';
		return 1;
	}
	return 0;
}

int classify_text_smtp_code(const char *s, size_t n)
{
	if (s == NULL)
		return 0;
	for (size_t i = 0; i + 3 <= n; i++) {
		if (s[i] < '2' || s[i] > '5')
			continue;
		if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.' ||
		    s[i - 1] == '-' || s[i - 1] == ':' || s[i - 1] == '/' || s[i - 1] == '#'))
			continue;
		if (!isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]))
			continue;
		if (s[i + 1] > '5')
			continue;
		if (i + 3 < n && (isalnum((unsigned char)s[i + 3]) || s[i + 3] == '.' ||
		    s[i + 3] == ':' || s[i + 3] == '/' || s[i + 3] == '@'))
			continue;
		return (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	}
	return 0;
}

char *classify_text_one_line(const char *s, size_t n, size_t max)
{
	/* one allocation, written in place: the loop below adds at most two
	 * bytes (a space and a character) while len < max, and no more bytes
	 * than it reads */
	size_t cap = (n < max ? n : max) + 2, len = 0;
	char *o = xmalloc(cap + 1);
	int space = 0;

	for (size_t i = 0; i < n && len < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\0')
			break;
		/* isspace() of the C locale (no program of cadence sets another),
		 * without a call per byte */
		if (c == ' ' || (c >= '\t' && c <= '\r')) {
			space = len > 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		if (space)
			o[len++] = ' ';
		space = 0;
		o[len++] = (char)c;
	}
	/* do not leave half a UTF-8 sequence at a cut */
	while (len > 0 && ((unsigned char)o[len - 1] & 0xc0) == 0x80 && len >= max)
		len--;
	if (len > 0 && ((unsigned char)o[len - 1] & 0xc0) == 0xc0)
		len--;
	o[len] = '\0';
	return o;
}

/* Reply and forward prefixes of the usual clients, in several languages. */
static const char *const reply_prefixes[] = {
	"re", "aw", "antw", "antwort", "sv", "vs", "r", "rif", "réf", "ref",
	"rép", "odp", "ynt", "res", "atb", "vá", "回复", "答复", NULL
};
static const char *const fwd_prefixes[] = {
	"fwd", "fw", "wg", "tr", "enc", "i", "doorst", "rv", "vs", "fs", NULL
};

const char *classify_text_strip_prefixes(const char *s, int *had_reply)
{
	int again = 1;

	if (had_reply)
		*had_reply = 0;
	if (s == NULL)
		return "";
	while (again) {
		again = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		const char *colon = strchr(s, ':');
		if (colon == NULL || colon - s > 12)
			break;
		/* "Re[2]:" and "Re(2):" count too */
		size_t k = (size_t)(colon - s);
		const char *br = memchr(s, '[', k);
		if (br == NULL)
			br = memchr(s, '(', k);
		size_t wl = br ? (size_t)(br - s) : k;
		while (wl > 0 && s[wl - 1] == ' ')
			wl--;
		for (int i = 0; reply_prefixes[i]; i++)
			if (strlen(reply_prefixes[i]) == wl &&
			    strncasecmp(s, reply_prefixes[i], wl) == 0) {
				if (had_reply)
					*had_reply = 1;
				s = colon + 1;
				again = 1;
				break;
			}
		if (again)
			continue;
		for (int i = 0; fwd_prefixes[i]; i++)
			if (strlen(fwd_prefixes[i]) == wl &&
			    strncasecmp(s, fwd_prefixes[i], wl) == 0) {
				s = colon + 1;
				again = 1;
				break;
			}
	}
	return s;
}
