/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * model.h - cadence's plain data: reps, sequences and steps, contacts,
 * enrollments, tasks, sent messages, suppressions and events.
 *
 * These are plain structs with owned, heap-allocated strings (NULL when
 * absent) so that the pure rules in src/ can work on them without a store.
 * Each *_free() frees the strings a struct owns, not the struct itself
 * unless its name says so. Ids are store row ids (0 = not stored yet).
 * Times are cad_time_t (UTC seconds); 0 means "none".
 */
#ifndef CADENCE_MODEL_H
#define CADENCE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* ---- reps ---- */
struct user {
	int64_t id;
	char *email;          /* normalized (lower-case) */
	char *name;           /* display name, "Ada Lovelace" */
	char *tz;             /* IANA zone, "Europe/Berlin" */
	char *signature;      /* free text, may span lines */
	char *meeting_link;   /* URL */
	int send_cap_24h;     /* rolling 24-hour send cap, default 500 */
	int enroll_cap_day;   /* new enrollments per day, default 80 */
	int active;           /* 0 = disabled */
	int digest;           /* 1 = mail a daily task digest */
	cad_time_t created_at;
};
#define USER_DEFAULT_SEND_CAP 500
#define USER_DEFAULT_ENROLL_CAP 80
#define USER_NAME_MAX 256      /* bytes; the From: display name */
#define USER_LINK_MAX 2048     /* bytes of the meeting link */
void user_free(struct user *u);

/* ---- sequences ---- */
enum seq_days { SEQ_DAYS_BUSINESS, SEQ_DAYS_WEEKDAYS, SEQ_DAYS_EVERY };
enum seq_scope { SEQ_SCOPE_CONTACT, SEQ_SCOPE_COMPANY };
enum seq_ooo { SEQ_OOO_PAUSE, SEQ_OOO_IGNORE };
enum step_kind {
	STEP_EMAIL,          /* automated email, sent by cadenced */
	STEP_MANUAL_EMAIL,   /* task: the rep writes the email */
	STEP_CALL,           /* task: phone call */
	STEP_LINKEDIN,       /* task: LinkedIn touch */
	STEP_TASK            /* task: anything else */
};
const char *step_kind_name(enum step_kind k);     /* "email", "manual_email", ... */
int step_kind_parse(const char *s, enum step_kind *out);
const char *seq_days_name(enum seq_days d);       /* "business", "weekdays", "every" */
int seq_days_parse(const char *s, enum seq_days *out);

struct step {
	int index;            /* 1-based position in the sequence */
	enum step_kind kind;
	int delay_days;       /* counted in the sequence's follow-up days */
	int delay_minutes;    /* hours and minutes on top of the days */
	int wait;             /* tasks: the sequence waits for completion (default 1) */
	int thread_step;      /* 0 = new thread; N = reply in the thread of step N */
	char *subject;        /* email steps: template of the Subject */
	char *body;           /* email steps: template of the body; tasks: the note */
	int line;             /* where the step starts in its file, for messages */
};

struct sequence {
	int64_t id;
	char *name;           /* "[Persona] – [Use Case] – [Owner Team]" */
	char *owner;          /* rep address or team name */
	char *description;
	enum seq_days days;
	int window_start;     /* minutes after local midnight, e.g. 480 = 08:00 */
	int window_end;       /* may be < window_start: window crosses midnight */
	char *tz;             /* default zone when the contact has none (NULL = rep's) */
	char *holidays;       /* comma-separated calendar names, "us,de" (may be NULL) */
	int thread_default;   /* 1 = follow-up emails continue the previous thread */
	enum seq_scope scope; /* who stops on a reply */
	enum seq_ooo ooo;     /* what an out-of-office does */
	int unenroll_on_reply;
	int unenroll_on_meeting;
	int active;           /* 0 = archived */
	char *source;         /* the file it was imported from */
	struct step *steps;
	size_t nsteps;
	cad_time_t created_at;
	cad_time_t updated_at;
};
void sequence_free(struct sequence *s);

/* ---- contacts ---- */
struct prop {
	char *key;
	char *value;
};

struct contact {
	int64_t id;
	char *email;          /* normalized */
	char *firstname;
	char *lastname;
	char *company;
	char *tz;             /* IANA zone or NULL */
	char *region;         /* holiday calendar of the contact's country/region
			       * ("de", "us-ca"; lower case) or NULL: the sequence's */
	struct prop *props;   /* free-form properties (CSV columns), keys lower-case */
	size_t nprops;
	char **aliases;       /* other addresses known for this person */
	size_t naliases;
	cad_time_t created_at;
};
void contact_free(struct contact *c);
/* The value of property key (case-insensitive), or NULL. */
const char *contact_prop(const struct contact *c, const char *key);
void contact_set_prop(struct contact *c, const char *key, const char *value);

/* ---- enrollments ---- */
enum enr_state { ENR_ACTIVE, ENR_PAUSED, ENR_FINISHED, ENR_UNENROLLED };
const char *enr_state_name(enum enr_state s);     /* "active", "paused", ... */
int enr_state_parse(const char *s, enum enr_state *out);

struct enrollment {
	int64_t id;
	int64_t contact_id;
	int64_t sequence_id;
	int64_t user_id;      /* the rep who enrolled and sends */
	enum enr_state state;
	int step;             /* next step to run (1-based); nsteps+1 when done */
	cad_time_t next_due;  /* when that step is due; 0 when not scheduled */
	char *reason;         /* pause or unenroll reason */
	cad_time_t paused_until;   /* 0 = until resumed by hand */
	cad_time_t enrolled_at;
	cad_time_t updated_at;
	char *enrolled_by;    /* "cli:root", "api:<key>", "mail:<rep address>" */
	int bulk;             /* 1 = part of a bulk enrollment (throttled first step) */
};
void enrollment_free(struct enrollment *e);

/* ---- tasks ---- */
enum task_state { TASK_OPEN, TASK_DONE, TASK_SKIPPED };
const char *task_state_name(enum task_state s);

struct task {
	int64_t id;
	int64_t enrollment_id;
	int64_t user_id;
	int step;
	enum step_kind kind;
	enum task_state state;
	cad_time_t due_at;
	char *note;           /* rendered step note */
	cad_time_t created_at;
	cad_time_t closed_at;
};
void task_free(struct task *t);

/* ---- sent messages (the exactly-once ledger) ---- */
enum msg_state {
	MSG_PREPARED,         /* recorded before submission */
	MSG_SUBMITTED,        /* the MTA answered 250 */
	MSG_WITNESSED,        /* the milter saw it leave (queue id known) */
	MSG_FAILED,           /* 5xx or gate rejection: never sent */
	MSG_REJECTED,         /* the milter's gate refused it */
	MSG_UNKNOWN           /* no reply to end of data: the MTA may have it; the
				 witness decides (src/rules/ledger.h) */
};
const char *msg_state_name(enum msg_state s);

struct sent_msg {
	int64_t id;
	int64_t enrollment_id;
	int step;
	char *message_id;     /* without angle brackets */
	char *token;          /* unsubscribe / VERP token */
	char *subject;
	enum msg_state state;
	char *queue_id;
	char *smtp_reply;
	cad_time_t created_at;
	cad_time_t submitted_at;
	cad_time_t witnessed_at;
};
void sent_msg_free(struct sent_msg *m);

/* ---- suppression ---- */
enum supp_kind {
	SUPP_CUSTOMER, SUPP_PARTNER, SUPP_COMPETITOR, SUPP_FORMER_EMPLOYEE,
	SUPP_UNSUBSCRIBED, SUPP_BOUNCED, SUPP_COMPLAINT, SUPP_MANUAL
};
const char *supp_kind_name(enum supp_kind k);     /* "former_employee", ... */
int supp_kind_parse(const char *s, enum supp_kind *out);

struct suppression {
	int64_t id;
	char *pattern;        /* "ann@acme.test" or a domain "acme.test" */
	int is_domain;
	enum supp_kind kind;
	char *note;
	cad_time_t created_at;
};
void suppression_free(struct suppression *s);

/* ---- events (append-only) ---- */
/* Event type names, as stored; see store.h for who writes which. */
#define EV_ENROLLED        "enrolled"
#define EV_ENROLL_REFUSED  "enroll_refused"
#define EV_STEP_SCHEDULED  "step_scheduled"
#define EV_STEP_SENT       "step_sent"
#define EV_STEP_WITNESSED  "step_witnessed"
#define EV_STEP_FAILED     "step_failed"
#define EV_GATE_REJECTED   "gate_rejected"
#define EV_REPLIED         "replied"
#define EV_AUTO_REPLY      "auto_reply"
#define EV_BOUNCED         "bounced"
#define EV_UNSUBSCRIBED    "unsubscribed"
#define EV_MEETING         "meeting_booked"
#define EV_COMPLAINT       "complaint"
#define EV_UNVERIFIED      "inbound_unverified"   /* a signal not acted upon */
#define EV_DELAYED         "delivery_delayed"     /* a DSN delay warning */
#define EV_MEETING_RESP    "meeting_response"     /* declined / tentative */
#define EV_ALIAS_ADDED     "alias_added"          /* a new address on our thread */
#define EV_PAUSED          "paused"
#define EV_RESUMED         "resumed"
#define EV_UNENROLLED      "unenrolled"
#define EV_FINISHED        "finished"
#define EV_TASK_CREATED    "task_created"
#define EV_TASK_COMPLETED  "task_completed"
#define EV_TASK_SKIPPED    "task_skipped"
#define EV_SUPPRESSED      "suppressed"
#define EV_UNSUPPRESSED    "unsuppressed"
#define EV_API_CALL        "api_call"
#define EV_TEST_SENT       "test_sent"            /* sequence preview --send-to */
#define EV_USER_ADDED      "user_added"
#define EV_USER_UPDATED    "user_updated"
#define EV_USER_DISABLED   "user_disabled"
#define EV_USER_DELETED    "user_deleted"
#define EV_SEQ_IMPORTED    "sequence_imported"
#define EV_SEQ_DELETED     "sequence_deleted"
#define EV_HOLIDAYS        "holidays_imported"

struct event {
	int64_t id;
	cad_time_t at;
	char *type;           /* one of EV_* */
	int64_t enrollment_id;
	int64_t contact_id;
	int64_t sequence_id;
	int64_t user_id;
	char *actor;          /* "cli:root", "cadenced", "milter", "api:..." */
	char *detail;         /* human-readable detail or JSON */
	/* Filled by listings for display; not stored. */
	char *contact_email;
	char *sequence_name;
	char *user_email;
};
void event_free(struct event *e);

#endif
