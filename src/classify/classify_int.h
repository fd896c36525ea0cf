/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_int.h - internals shared by the classify*.c files (not an API).
 *
 * classify_msg.c parses the message once with GMime into a struct classify_msg:
 * the decoded top-level headers and the bodies the rules need, each capped
 * at CLASSIFY_MAX_TEXT. The rule files only read that view and fill a verdict
 * (classify_verdict.c). Arrows point down: classify.c calls the rules; the
 * rules call the view, the verdict, the text helpers and each other one
 * way (dsn -> notice -> auto; dsn and notice -> status, rcpt, reason);
 * nothing calls classify.c.
 */
#ifndef CADENCE_CLASSIFY_INT_H
#define CADENCE_CLASSIFY_INT_H

#include <gmime/gmime.h>
#include <stdint.h>

#include "classify.h"
#include "util.h"

struct classify_msg {
	GMimeMessage *gm;           /* NULL for a bare iCalendar object */
	GByteArray *raw;            /* the parser's view of the caller's buffer (not a copy) */
	char *from;                 /* addr-spec, lower-cased, or NULL */
	char *from_name;            /* display name or NULL */
	char *to;                   /* first To addr-spec or NULL */
	char *subject;              /* decoded, or NULL */
	char *content_type;         /* "multipart/report; report-type=..." lower-cased */
	struct sbuf text;           /* text/plain of the message itself (html stripped if none) */
	struct sbuf dsn;            /* message/delivery-status bodies */
	struct sbuf feedback;       /* message/feedback-report body */
	struct sbuf calendar;       /* text/calendar body */
	struct sbuf orig;           /* headers of the returned/attached original message */
	char *orig_message_id;      /* Message-ID of the first attached message */
	int has_report;             /* multipart/report seen */
	int dsn_report;             /* a multipart/report; report-type=delivery-status
	                             * anywhere in the structure */
	int null_sender;            /* envelope (or Return-Path) sender is <> */
	int verp;                   /* sent to cadence's VERP bounce address */
	const char *env_rcpt;       /* envelope recipient or NULL (not owned) */
	int parts;                  /* MIME parts walked */
	size_t text_cut;            /* where the returned original starts in text */
	int text_cut_known;         /* text_cut computed (classify_dsn.c) */
};

/* ---- the parsed view (classify_msg.c; calls no rule) ---- */
/* Parses buf (LF line ends, NUL-terminated) into m (zeroed, its sbufs
 * initialised); -1 when GMime makes no message of it. */
int classify_msg_parse(struct classify_msg *m, const char *buf, size_t len);
void classify_msg_free(struct classify_msg *m);
/* The envelope (env may be NULL: then Return-Path says what it can). */
void classify_msg_envelope(struct classify_msg *m, const struct classify_envelope *env);
/* Header lookup on the top-level message (decoded, unfolded), or NULL. */
const char *classify_msg_header(const struct classify_msg *m, const char *name);
/* The From is a mail system's (MAILER-DAEMON, postmaster,
 * "Mail Delivery System", a list manager); 2 when it is MAILER-DAEMON
 * itself or the null address (never a person, never a vacation). */
int classify_msg_sender_is_daemon(const struct classify_msg *m);
/* addr's local part is one of locals (NULL-terminated; case-blind). */
int classify_msg_local_is(const char *addr, const char *const *locals);
/* addr's local part is a mail system's (mailer-daemon, postmaster, ...). */
int classify_msg_is_daemon_local(const char *addr);

/* ---- the verdict object (classify_verdict.c; calls no other classify file) ---- */
/* The recipient addr of v (lower-cased), added when new; NULL when
 * addr is NULL or CLASSIFY_MAX_RCPTS are kept already. */
struct classify_rcpt *classify_verdict_add_rcpt(struct verdict *v, const char *addr);

/* ---- text helpers (classify_text.c) ---- */
/* Case-insensitive substring search in the first n bytes; NULL if absent. */
const char *classify_text_memcasestr(const char *hay, size_t n, const char *needle);
const char *classify_text_strcasestr(const char *hay, const char *needle);
/* Whether any phrase of a NULL-terminated list occurs in the first n bytes
 * (one pass over the text; the same answer as classify_text_memcasestr() on each).
 * The list (here and in classify_text_memcase_first()) is a static array
 * that never changes: its index is built once per thread, by its address. */
int classify_text_memcase_any(const char *hay, size_t n, const char *const *list);
int classify_text_case_any(const char *hay, const char *const *list);   /* hay: a string */
/* The offset of each phrase's first occurrence in the first n bytes,
 * pos[i] for list[i] ((size_t)-1 when absent; pos has a place for each);
 * the number found. Offsets are classify_text_memcasestr()'s. */
size_t classify_text_memcase_first(const char *hay, size_t n, const char *const *list, size_t *pos);
/* Several lists filed together once (at most 64, built by the caller once,
 * e.g. under pthread_once; read-only after): one pass over a text says
 * which lists have a phrase in it, bit l for lists[l], each bit the answer
 * classify_text_memcase_any() gives for that list. */
struct classify_phraseset {
	const char *const *const *lists;
	size_t nlists;
	uint32_t *head;         /* by hash of the first two bytes: 1 + phrase, 0 none */
	uint32_t *next;
	unsigned char *list_of;
	const char **phrase;
	size_t *len;
	size_t minlen;
	uint64_t short_lists;   /* lists with a phrase of one byte */
};
void classify_text_phraseset_build(struct classify_phraseset *ps, const char *const *const *lists);
uint64_t classify_text_phraseset_scan(const struct classify_phraseset *ps, const char *hay, size_t n);
/* The bit of list in hits; a list not in the set is searched in hay. */
int classify_text_phraseset_has(const struct classify_phraseset *ps, uint64_t hits, const char *const *list,
    const char *hay);
/* Extracts the first addr-spec in s (inside <> when present); lower-cased,
 * caller frees; NULL when none. */
char *classify_text_addr(const char *s, size_t n);
/* The same for a field that holds an address and nothing else
 * (Final-Recipient, X-Failed-Recipients): a domain of one label
 * ("user@mailhub") is accepted there, never in free text. */
char *classify_text_addr_field(const char *s, size_t n);
/* Finds an RFC 3463 status ("5.1.1") in s; writes it to out (>= 16 bytes). */
int classify_text_status(const char *s, size_t n, char *out, size_t outlen);
/* Finds a 3-digit SMTP reply code (2xx-5xx) in s; 0 when none. */
int classify_text_smtp_code(const char *s, size_t n);
/* Copies s into a single printable line (whitespace collapsed), capped. */
char *classify_text_one_line(const char *s, size_t n, size_t max);
/* Strips a leading "Re:", "AW:", "Fwd:"... chain; returns pointer into s. */
const char *classify_text_strip_prefixes(const char *s, int *had_reply_prefix);

/* ---- rules ---- */
/* classify_dsn.c: 1 when the message is a DSN or a non-standard bounce
 * (verdict cls set to BOUNCE, DELAY or OTHER for success DSNs). */
int classify_dsn(struct classify_msg *m, struct verdict *v);
/* classify_notice.c: the non-standard notices (and a report whose status
 * part named nobody we could read: unresolved); report: the message has
 * a delivery-status report structure. 1 when it is a notice. */
int classify_notice(struct classify_msg *m, struct verdict *v, int report, int unresolved);
/* Where the returned original starts in m's text (computed once). */
size_t classify_notice_cut(struct classify_msg *m);

/* ---- one recipient's status (classify_status.c) ---- */
#define CLASSIFY_DIAG_MAX 1000   /* a diagnostic's bytes, one line */
/* Fills what r lacks from the fields given (each may be NULL) and the
 * notice's words about it (context); sets reason and hard. */
void classify_status_fill(struct classify_rcpt *r, const char *action, const char *status,
    const char *diag, const char *context);
/* The notice text s[from..to) about one recipient, to the first blank
 * line that ends its block, as one line (caller frees). */
char *classify_status_context(const char *s, size_t from, size_t to);
/* The class the recipients' actions make (BOUNCE, DELAY, OTHER);
 * delay_hint: a notice that says delay. */
void classify_status_decide(struct verdict *v, int delay_hint);
/* classify_reason.c: Sisimai-style reason for a status + diagnostic text. */
/* diag: the server's own words (may be NULL); context: the notice text
 * around the recipient, consulted when diag says nothing known, and for
 * which SMTP command failed. */
const char *classify_reason(const char *status, int smtp_code, const char *diag,
    const char *context, const char *action);
int classify_reason_is_hard(const char *reason, const char *status);
/* classify_ses.c: Amazon SES/SNS JSON notification. */
int classify_ses(struct classify_msg *m, struct verdict *v);
/* classify_imip.c: parses an iCalendar object; 1 when it had a METHOD. */
int classify_imip(const char *ics, size_t len, struct verdict *v);
/* 1 when part is an .ics file sent under a generic type
 * (application/octet-stream; name="invite.ics"). */
int classify_imip_ics_attachment(GMimePart *part);
/* classify_challenge.c: challenge/response notices */
int classify_challenge(struct classify_msg *m, struct verdict *v);
/* classify_arf.c */
int classify_arf(struct classify_msg *m, struct verdict *v);
/* classify_auto.c */
int classify_auto(struct classify_msg *m, struct verdict *v);
/* An auto-reply's own signs (RFC 3834 and de-facto headers other than
 * Precedence: bulk, an out-of-office subject), without deciding. */
int classify_auto_signals(const struct classify_msg *m);
int classify_auto_unsubscribe(struct classify_msg *m, struct verdict *v);
/* classify_date.c: a return date stated in an auto-reply ("YYYY-MM-DD"),
 * year taken from the text or, when absent, from ref_year (*had_year says
 * which; had_year may be NULL). */
int classify_date_return(const char *text, size_t n, int ref_year, char out[11], int *had_year);

/* ---- recipient evidence (classify_rcpt.c) ---- */
/* The addresses of the returned original's To and Cc fields. */
#define CLASSIFY_ORIG_MAX 32
struct classify_alist {
	char *v[CLASSIFY_ORIG_MAX];
	size_t n;
};
void classify_rcpt_alist_free(struct classify_alist *l);
int classify_rcpt_alist_has(const struct classify_alist *l, const char *a);
/* The original's header block: the attached part, else the text after cut. */
void classify_rcpt_orig(const struct classify_msg *m, size_t cut, struct classify_alist *out);

/* An address a notice names, with the line that names it. */
struct classify_hit {
	char *addr;
	size_t line;    /* offset of the line naming it */
	int strength;   /* 2: a form only failed recipients take; 1: near a keyword */
};
/* A line about message identifiers: its id@host tokens are not mailboxes. */
int classify_rcpt_names_message_id(const char *l, size_t ll);
/* The text before an address makes it the sender or a help desk. */
int classify_rcpt_names_sender(const char *pre, size_t n);
/* A mailing list's own address (the notice returns to LIST-bounces@...). */
int classify_rcpt_is_list_address(const struct classify_msg *m, const char *a);
/* Same domain part (case-blind); 0 when either has none. */
int classify_rcpt_same_domain(const char *a, const char *b);
/* Where a notice starts offering other addresses ("did you mean"), or to. */
size_t classify_rcpt_suggestions_start(const char *s, size_t from, size_t to);
/* Of many named addresses, keeps those on recipient lines or in the
 * original's To/Cc when some are there (frees the others); the new count. */
size_t classify_rcpt_keep_known(struct classify_hit *hits, size_t nh, const struct classify_alist *orig);
/* A mail system's list of bare screen names after the list's heading
 * (s[from..to)), completed with the reporting domain; the count. */
size_t classify_rcpt_bare_names(const struct classify_msg *m, const char *s, size_t from, size_t to,
    struct classify_hit *hits, size_t max);
/* A DSN recipient field holding a bare local part: the original's To/Cc
 * address with that local part, or the notice's "NAME at DOMAIN"; NULL
 * when neither (unknown). Caller frees. */
char *classify_rcpt_complete_local(const char *field, const struct classify_alist *orig,
    const char *text, size_t tn);

/* ---- charset converters kept loaded (classify_iconv.c) ---- */
/* Keeps glibc's converter from charset cs to UTF-8 loaded for the life of
 * the process (bounded; changes no result, saves a dlopen per use). */
void classify_iconv_pin(const char *cs);
void classify_iconv_pin_n(const char *cs, size_t n);
/* The same for the charset of every RFC 2047 encoded word in s[0..n). */
void classify_iconv_pin_words(const char *s, size_t n);

#endif
