/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound.h - what cadence does with a message from outside: match it to
 * enrollments, decide what the sequences' policies say, carry it out.
 * (DESIGN.md "In"; the milter calls this with the classifier's verdict.)
 *
 * Three steps, three files:
 * - matching (inbound_match.c, reads the store): In-Reply-To/References
 *   against cadence's Message-IDs, the bounce's original Message-ID and the
 *   VERP token of the envelope recipient, then the sender's address and its
 *   aliases, the organizer and attendees of an iMIP object, then (company
 *   scope only) the colleagues of each enrollment found: same sequence,
 *   same rep, same company (company field, else the organizational domain,
 *   never a free-mail provider's). Every id is verified with the site
 *   secret before the store is asked: a forged id costs no SQL.
 * - policy (inbound_policy.c, pure: no store, no clock): the verdict and
 *   the matched enrollments with their sequences' settings become a list
 *   of actions.
 * - apply (inbound_apply.c): each action is one store transaction together
 *   with its event; an action already applied for the same inbound
 *   Message-ID is skipped (the same reply seen twice unenrolls once).
 *
 * Trust: a signal acts only when it is authenticated: SPF/DKIM/DMARC pass
 * aligned with the From domain as the milter established it
 * (inbound_msg.auth), or for unsubscribe mail a token that cadence really
 * sent. Anything else is recorded as "unverified" and changes nothing
 * (unless inbound_config.act_on_unverified). A bounce or a complaint acts
 * only when proven (a VERP token, a quoted Message-ID the ledger knows),
 * whatever act_on_unverified says, and only on the enrollment and contact
 * proven: the address suppressed is that contact's, never the one the
 * report names; a report naming another address is recorded as
 * INBOUND_EV_MISMATCH with both.
 *
 * Threads: no global state; the functions are safe in several threads as
 * long as each uses its own struct store (store.h).
 */
#ifndef CADENCE_INBOUND_H
#define CADENCE_INBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "classify.h"
#include "holiday.h"
#include "model.h"
#include "secret.h"
#include "store.h"

/* Event types written here that model.h does not name (yet). */
#define INBOUND_EV_UNVERIFIED   EV_UNVERIFIED
#define INBOUND_EV_DELAYED      EV_DELAYED
#define INBOUND_EV_MEETING_RESP EV_MEETING_RESP
#define INBOUND_EV_ALIAS_ADDED  EV_ALIAS_ADDED
/* a proven bounce or complaint names another address than its contact's */
#define INBOUND_EV_MISMATCH     "report_mismatch"

#define INBOUND_MAX_MATCHES 500     /* enrollments one message may concern */
#define INBOUND_MAX_THREAD_IDS 32   /* References entries looked at (newest first) */
#define INBOUND_OOO_MAX_DAYS 120    /* a later return date pauses this long */

/* ---- cadence's own addresses ---- */
struct inbound_addrs {
	const char *domain;          /* Domain (cadence.conf) */
	const char *enroll_prefix;   /* "enroll" */
	const char *unsub_prefix;    /* "unsubscribe" */
	const char *bounce_prefix;   /* "bounces" (VERP) */
};

enum inbound_own {
	OWN_NONE = 0,   /* not one of cadence's addresses */
	OWN_ENROLL,     /* enroll+SEQUENCE@Domain */
	OWN_UNSUB,      /* unsubscribe+TOKEN@Domain */
	OWN_BOUNCE      /* bounces+TOKEN@Domain */
};
const char *inbound_own_name(enum inbound_own k);   /* "none", "enroll", ... */

#define INBOUND_ENROLL_ARG_MAX 255
struct inbound_own_addr {
	enum inbound_own kind;
	char arg[INBOUND_ENROLL_ARG_MAX + 1];
			    /* ENROLL: the sequence name as written (case kept);
			     * UNSUB/BOUNCE: the token's canonical text when valid */
	int token_valid;    /* UNSUB/BOUNCE: 1 when the token verifies */
};
/* Is rcpt ("<a@b>", "a@b", "Name <a@b>") one of cadence's own addresses?
 * Compares the domain (case-insensitive) and "prefix+" (case-insensitive);
 * the milter consumes such a recipient whatever its token's verdict (a
 * forged token is still addressed to nobody else). Returns out->kind.
 * Guarantees (tests/fuzz/fuzz_enroll_addr.c checks them on any input):
 * ENROLL: arg is what follows "prefix+" in the local part, 1 to
 * INBOUND_ENROLL_ARG_MAX bytes, each an RFC 5322 atext character, '.' or
 * a byte >= 0x80 (UTF-8, RFC 6531): no controls, spaces, quotes, '@'; a
 * local part with anything else, or longer, is not an enroll address
 * (OWN_NONE). UNSUB/BOUNCE: arg is the canonical (lower-case) token when
 * token_valid, else "". NONE: arg is "". An rcpt longer than
 * TOKEN_INPUT_MAX bytes is OWN_NONE; nothing is read past its NUL and
 * nothing allocated outlives the call. */
enum inbound_own inbound_own_address(const struct inbound_addrs *a,
				     const struct cad_secret *secret, const char *rcpt,
				     struct inbound_own_addr *out);

/* The name of the sequence an enroll address names (enroll+ARG@Domain:
 * ARG is its name, its decimal id or the slug of its name, as enroll_one()
 * takes it), for what a rep reads (a refusal notice); a copy of arg when no
 * sequence has it (or on a store error). Never NULL; caller frees. */
char *inbound_enroll_sequence_name(struct store *st, const char *arg);

/* The addr-spec of "<a@b>", "a@b", "Name <a@b>" (an RCPT TO argument or
 * an address header), lower-cased; NULL when there is none or it is longer
 * than TOKEN_INPUT_MAX. Caller frees. */
char *inbound_addr_spec(const char *s);

/* ---- the message ---- */
enum inbound_auth {
	INB_AUTH_NONE = 0,   /* nothing established (no SPF record, no A-R) */
	INB_AUTH_PASS,       /* SPF, DKIM or DMARC pass aligned with the From domain */
	INB_AUTH_FAIL        /* failed, softfail, temperror... */
};

struct inbound_msg {
	const struct verdict *v;     /* the classifier's verdict (required) */
	const char *env_from;        /* MAIL FROM without <>, "" = null sender */
	const char *const *rcpts;    /* envelope recipients (RCPT TO) */
	size_t nrcpts;
	const char *from;            /* From addr-spec; NULL: v->from */
	enum inbound_auth auth;
	const char *auth_detail;     /* "spf=pass dkim=none", for the record; may be NULL */
	const char *queue_id;        /* for the record; may be NULL */
	cad_time_t now;
};

struct inbound_config {
	int act_on_unverified;       /* default 0 */
	int soft_bounce_threshold;   /* pause at the Nth soft bounce; default 3 */
	int ooo_default_days;        /* pause when no return date is read; default 7 */
	struct inbound_addrs addrs;  /* cadence's own addresses (VERP / unsubscribe) */
	const char *actor;           /* event actor; default "milter" */
	char *const *internal_domains;   /* InternalDomains: never matched as contacts */
	size_t ninternal_domains;
	char *const *scheduling_services;  /* SchedulingServices: domains whose
				      * authenticated mail may carry a booking
				      * (inbound_meet_service); none by default */
	size_t nscheduling_services;
};
void inbound_config_init(struct inbound_config *c);

/* ---- matching ---- */
enum inbound_via {
	VIA_THREAD,        /* In-Reply-To / References named our message */
	VIA_ORIG_MSGID,    /* a bounce / report named our message as the original */
	VIA_VERP,          /* bounces+TOKEN@Domain as envelope recipient */
	VIA_UNSUB_ADDR,    /* unsubscribe+TOKEN@Domain as envelope recipient */
	VIA_SENDER,        /* From is the contact's address or a known alias */
	VIA_RCPT,          /* a bounce / ARF named the contact's address (unproven) */
	VIA_COMPANY,       /* a colleague of an enrolled contact who replied or met
			    * (company scope: same sequence, same rep, same company) */
	VIA_MEETING        /* the contact is the organizer or an attendee of an
			    * iMIP object (the From may be a booking tool) */
};
const char *inbound_via_name(enum inbound_via v);   /* "thread", "verp", ... */

/* One enrollment concerned, with what the policy needs to know of it. */
struct inbound_target {
	struct enrollment e;
	char *contact_email;
	char **contact_aliases;   /* the contact's other known addresses */
	size_t ncontact_aliases;
	char *contact_tz;
	char *sequence_name;
	char *contact_company;    /* the contact's company field, or NULL */
	char *rep_email;          /* the enrollment's rep */
	int64_t trigger;          /* VIA_COMPANY: the enrollment whose contact replied
				   * or met; the colleague stops only when it does */
	enum seq_scope scope;
	enum seq_ooo ooo;
	int stop_on_reply;
	int stop_on_meeting;
	enum inbound_via via;
	int proven;               /* matched by an id/token cadence really sent */
	char *our_msgid;          /* that message, when matched by one */
	int soft_bounces;         /* soft bounces recorded for it before this one */
	/* The contact's calendar (for the out-of-office resume day). */
	struct holiday_list hol;
	struct cal_rules rules;
	int have_rules;           /* 0: the rules cannot be applied (not filled) */
	char *rules_error;        /* then why (rules_load's message), else NULL */
};

struct inbound_matches {
	struct inbound_target *v;
	size_t n, cap;
	int forged;               /* ids shaped like ours whose MAC failed */
	int unsub_addr;           /* a valid unsubscribe+TOKEN address was a recipient */
	char *sender;             /* From (or MAIL FROM), lower-cased; may be NULL */
	int64_t alias_contact;    /* != 0: link sender as an alias of this contact */
	char *company;            /* the company looked at for company scope, or NULL */
};
/* Finds the enrollments m concerns (in the order of inbound.h's header).
 * An enrollment that has stopped (finished, unenrolled) is matched only
 * when an id or token names one of its messages; the policy then only
 * records. 0 (possibly n == 0), -1 on a store error. */
int inbound_match(struct store *st, const struct cad_secret *secret,
		  const struct inbound_msg *m, const struct inbound_config *cfg,
		  struct inbound_matches *out, struct cad_err *err);
void inbound_matches_free(struct inbound_matches *mm);

/* ---- meetings (iMIP, RFC 6047) ---- */
enum inbound_meeting {
	MEET_NONE = 0,     /* no iTIP object of ours */
	MEET_REQUEST,      /* an invitation (a booking tool's, the contact's own) */
	MEET_CANCEL,
	MEET_REPLY,        /* an attendee answers: PARTSTAT says how */
	MEET_OTHER         /* COUNTER, REFRESH, ADD, DECLINECOUNTER: recorded */
};
/* What the verdict's iTIP object is: a REPLY the classifier called a
 * meeting, or an invitation/cancellation it left as other (imip-other,
 * itip-other: whether it is a booked meeting needs who is enrolled and who
 * is internal). PUBLISH (an event announced to anyone) is MEET_NONE. */
enum inbound_meeting inbound_meet_kind(const struct verdict *v);
/* Is v's iTIP object a meeting between t's rep and t's contact: the rep
 * (t->rep_email) is its ORGANIZER or an ATTENDEE, the contact
 * (t->contact_email or one of t->contact_aliases) another of them, and
 * the ORGANIZER is one of the two or an address at an InternalDomains
 * domain (the organization's booking calendar) ("mailto:" and case
 * ignored)? Anything else is not: the contact with a colleague of the rep
 * or an InternalDomains address in the rep's place, an event a stranger
 * organizes naming both (anyone can make a booking tool send a real
 * invitation naming anyone). */
int inbound_meet_parties(const struct verdict *v, const struct inbound_target *t,
			    const struct inbound_config *cfg);
/* Is addr (an addr-spec) at a scheduling service that sends invitations
 * for its users: its domain one of cfg->scheduling_services or below one
 * (cadence.conf SchedulingServices: calendly.com, google.com, ...)? Their
 * authenticated mail may speak for a meeting between a contact and a rep.
 * 0 when cfg is NULL or lists none. */
int inbound_meet_service(const struct inbound_config *cfg, const char *addr);
/* An ORGANIZER or ATTENDEE value without its "mailto:" (any case): a
 * pointer into cal; NULL for NULL. */
const char *inbound_meet_addr(const char *cal);
/* Is cal (an addr-spec, "mailto:" allowed) at one of cfg's InternalDomains
 * (case ignored)? 0 when cal or cfg is NULL. */
int inbound_meet_internal(const struct inbound_config *cfg, const char *cal);

/* ---- policy (pure) ---- */
enum inbound_act {
	INB_ACT_RECORD,          /* an event only */
	INB_ACT_UNENROLL,        /* one enrollment (enrollment_id) */
	INB_ACT_UNENROLL_ALL,    /* every enrollment of the contact (address) */
	INB_ACT_UNSUBSCRIBE,     /* unsub.h: unenroll everywhere + suppress (address) */
	INB_ACT_PAUSE,           /* one enrollment until `until` (0: until resumed) */
	INB_ACT_SUPPRESS,        /* address, kind supp */
	INB_ACT_ADD_ALIAS,       /* address becomes an alias of contact_id */
	INB_ACT_COMPLETE_TASK,   /* task_id done, enrollment moves on at until */
	INB_ACT_TASK             /* a task for the enrollment's rep (reason: its note) */
};
const char *inbound_act_name(enum inbound_act a);

struct inbound_action {
	enum inbound_act kind;
	const char *event;        /* event type written with it (EV_* / INBOUND_EV_*) */
	int64_t enrollment_id, contact_id, sequence_id, user_id;
	char *address;            /* UNENROLL_ALL, UNSUBSCRIBE, SUPPRESS, ADD_ALIAS */
	enum supp_kind supp;      /* SUPPRESS */
	cad_time_t until;         /* PAUSE; COMPLETE_TASK: next step due */
	int64_t task_id;          /* COMPLETE_TASK */
	char *reason;             /* unenroll / pause reason, suppression note */
	char *detail;             /* the event's detail: what was seen */
	char *company;            /* UNENROLL of a colleague: the company */
	char *label;              /* "ann@acme.test from Cold (enrollment 12)", for the summary */
};

struct inbound_plan {
	struct inbound_action *v;
	size_t n, cap;
	int trusted;              /* the signal was authenticated */
	const char *why;          /* one word for the summary: "replied", "bounced", ... */
};
void inbound_plan_free(struct inbound_plan *p);

/* What the policy needs besides the targets. */
struct inbound_facts {
	const struct verdict *v;
	enum inbound_auth auth;
	const char *auth_detail;
	const char *sender;        /* lower-cased From, may be NULL */
	const char *company;       /* the company of a company-scope stop (its company
				    * field or org domain), may be NULL */
	int64_t alias_contact;     /* != 0: sender is a new address on that contact's thread */
	int forged;
	int unsub_addr;            /* sent to a valid unsubscribe+TOKEN address */
	cad_time_t now;
};
/* Pure: the actions for v over targets[0..n). 0, or -1 with err (a bad
 * calendar rule: the caller falls back to recording). */
int inbound_policy(const struct inbound_facts *f, const struct inbound_target *targets,
		   size_t n, const struct inbound_config *cfg, struct inbound_plan *out,
		   struct cad_err *err);

/* ---- apply ---- */
struct inbound_result {
	enum classify_class cls;
	size_t matched;           /* enrollments concerned */
	size_t applied;           /* actions carried out */
	size_t duplicates;        /* actions skipped: already done for this message */
	int trusted;
	int consumed;             /* the message was addressed only to cadence (milter may discard) */
	char *summary;            /* one log line, printable; never NULL after the call */
};
void inbound_result_free(struct inbound_result *r);

/* Carries out plan; res counts and summary are updated. Each action is one
 * transaction with its event; a failing action is rolled back alone and
 * reported (-1 with err after trying the others). */
int inbound_apply(struct store *st, const struct inbound_plan *plan, const char *msgid,
		  const struct inbound_config *cfg, cad_time_t now, struct inbound_result *res,
		  struct cad_err *err);

/* The milter's one entry point: match, plan, apply. res->summary says what
 * happened ("replied: unenrolled ann@acme.test from Cold (enrollment 12)",
 * "not ours"). 0, or -1 with err on a store error (the milter then accepts
 * the message and logs err: fail open). */
int inbound_handle(struct store *st, const struct cad_secret *secret,
		   const struct inbound_msg *m, const struct inbound_config *cfg,
		   struct inbound_result *res, struct cad_err *err);

/* A rep's own mail to enrolled contacts: completes each open manual-email
 * task of those recipients assigned to that rep (the enrollment moves on by
 * its calendar). rep: the From / authenticated address; rcpts: envelope
 * recipients. *completed (may be NULL) counts the tasks closed. */
int inbound_rep_mail(struct store *st, const char *rep, const char *const *rcpts,
		     size_t nrcpts, const char *msgid, const struct inbound_config *cfg,
		     cad_time_t now, int *completed, struct inbound_result *res,
		     struct cad_err *err);

/* The open manual-email tasks of rep for those recipients (ids in *ids,
 * caller frees; matched by contact address or alias). */
int inbound_rep_tasks(struct store *st, const char *rep, const char *const *rcpts,
		      size_t nrcpts, int64_t **ids, size_t *n, struct cad_err *err);

#endif
