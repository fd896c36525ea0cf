/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store.h - the only door to cadence's state. All SQL lives behind it.
 *
 * The milter, cadenced and cadencectl share nothing but the store. Callers
 * see functions, never statements. The embedded backend is SQLite (WAL,
 * busy_timeout, foreign keys); the interface is drawn so that a PostgreSQL
 * backend can implement it too: no caller depends on SQLite behaviour.
 *
 * Guarantees:
 * - Every state change that touches several rows is one transaction, and
 *   writes its event(s) in that same transaction: the event log and the
 *   current state never disagree.
 * - Every statement is prepared; untrusted strings are bound, never pasted.
 * - Opening a file of an older schema upgrades it in place (migrations run in
 *   one transaction); a file from a newer cadence is refused with a clear
 *   message and left untouched.
 *
 * Threads: a struct store (one SQLite connection with its statement
 * cache) is used by one thread at a time; a multi-threaded daemon opens
 * one per thread or serializes its use. Several processes may share the
 * file (WAL, busy_timeout 5 s).
 *
 * Conventions: functions return 0 on success and -1 on error with err set;
 * look-ups return STORE_NOTFOUND (1) when there is nothing to find, and so
 * do changes whose key names nothing (disable an unknown rep, pause an
 * unknown sequence...), with err saying what was not found. Output
 * structs are filled with heap copies the caller frees (model.h *_free, or
 * the store_*_free() for arrays). "actor" names who did it for the event
 * log ("cli:root", "cadenced", "milter", "api:<key id>"); "now" is explicit.
 */
#ifndef CADENCE_STORE_H
#define CADENCE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

#define STORE_NOTFOUND 1

struct store;

enum store_flags {
	STORE_CREATE = 1,    /* create the file if it does not exist */
	STORE_READONLY = 2   /* open read-only (reports, status) */
};

/* 1 when a Database value names a database server (PostgreSQL: a
 * postgresql:// URI or libpq keywords) rather than a file: it has no file
 * to create, chown or check the permissions of. */
int store_is_server(const char *database);

/* Removes the SQLite store file path with its -wal, -shm and -journal
 * files (a store the caller made and must not leave half-made; no handle
 * may be open on it). 0 when the store file is gone (or was never
 * there); -1 with err naming the file that could not be removed. A
 * server database is refused (-1): it has no file. */
int store_file_remove(const char *path, struct cad_err *err);

/* Whether this connection may read, insert and delete rows in every table
 * of the store and take its write lock (the daemons' rights; for a
 * PostgreSQL role, "cadencectl doctor"). Nothing is written: the probes
 * touch no row and their transaction is rolled back. 0 and *ntables, or
 * -1 with err naming the first table refused (store_rights.c). */
int store_rights_check(struct store *st, int *ntables, struct cad_err *err);

/* Opens (and with STORE_CREATE creates) the store at path (a file, or a
 * database on a server: store_is_server()) and brings its schema to the
 * current version. */
int store_open(struct store **out, const char *path, int flags, struct cad_err *err);
void store_close(struct store *st);
int store_schema_version(struct store *st);   /* the file's version */
int store_schema_current(void);               /* this build's version */
/* SQLite's PRAGMA data_version of this handle: it changes when another
 * connection (another handle, another process) commits, never for this
 * handle's own writes; a cache kept on a handle that never writes is
 * stale exactly when it changed (the milter's per-rep caches). -1 with
 * err on error. */
int64_t store_data_version(struct store *st, struct cad_err *err);

/* 1 while a transaction begun on st is open (store_begin() without its
 * commit or rollback): a handle lent to someone else in that state would
 * carry the transaction with it (milter/storepool.c refuses it). */
int store_in_transaction(const struct store *st);

/* Transactions nest: only the outermost begin/commit reaches the database
 * (BEGIN IMMEDIATE, so that a writer never deadlocks on upgrade). A
 * rollback anywhere rolls back the whole outermost transaction. */
int store_begin(struct store *st, struct cad_err *err);
int store_commit(struct store *st, struct cad_err *err);
void store_rollback(struct store *st);

/* ---- events (append-only) ---- */
int store_event_add(struct store *st, const struct event *ev, struct cad_err *err);

struct event_filter {
	const char *contact;     /* address, NULL = any */
	const char *sequence;    /* name */
	const char *user;        /* rep address */
	const char *type;        /* EV_* */
	int64_t enrollment_id;   /* 0 = any */
	cad_time_t since;        /* 0 = no bound; inclusive */
	cad_time_t until;        /* 0 = no bound; exclusive */
	size_t limit;            /* 0 = no limit; newest last */
};
int store_events(struct store *st, const struct event_filter *f,
		 struct event **out, size_t *n, struct cad_err *err);
void store_events_free(struct event *ev, size_t n);

/* ---- reps ---- */
/* Adds a rep (u->id filled). An existing address (active or disabled) is
 * an error; a deleted rep of that address is brought back, same id, with
 * the new fields. */
int store_user_add(struct store *st, struct user *u, const char *actor, cad_time_t now,
		   struct cad_err *err);
/* Updates every field of the rep with u->id (email included); turning
 * active off does what store_user_disable() does. */
int store_user_update(struct store *st, const struct user *u, const char *actor,
		      cad_time_t now, struct cad_err *err);
int store_user_get(struct store *st, const char *email, struct user *out, struct cad_err *err);
int store_user_get_id(struct store *st, int64_t id, struct user *out, struct cad_err *err);
int store_user_list(struct store *st, struct user **out, size_t *n, struct cad_err *err);
void store_users_free(struct user *u, size_t n);
/* Disabling or deleting a rep unenrolls their active and paused
 * enrollments with reason "rep disabled" / "rep deleted" (count in
 * *unenrolled). A deleted rep's row stays (hidden from lists) so that the
 * audit trail keeps naming them. */
int store_user_disable(struct store *st, const char *email, const char *actor,
		       cad_time_t now, int *unenrolled, struct cad_err *err);
int store_user_delete(struct store *st, const char *email, const char *actor,
		      cad_time_t now, int *unenrolled, struct cad_err *err);

/* ---- sequences ---- */
/* Inserts the sequence, or replaces the one of the same name (settings and
 * steps, atomically; enrollments keep their step index). seq->id filled. */
int store_sequence_import(struct store *st, struct sequence *seq, const char *actor,
			  cad_time_t now, struct cad_err *err);
/* By name (or by decimal id); with steps. */
int store_sequence_get(struct store *st, const char *name, struct sequence *out,
		       struct cad_err *err);
int store_sequence_get_id(struct store *st, int64_t id, struct sequence *out,
			  struct cad_err *err);
/* Without steps: nsteps is filled, steps is NULL. */
int store_sequence_list(struct store *st, struct sequence **out, size_t *n, struct cad_err *err);
void store_sequences_free(struct sequence *s, size_t n);
/* Unenrolls its active and paused contacts with reason "sequence deleted". */
int store_sequence_delete(struct store *st, const char *name, const char *actor,
			  cad_time_t now, int *unenrolled, struct cad_err *err);

/* ---- contacts ---- */
/* Inserts or updates by address (or known alias): given non-NULL fields
 * replace the stored ones, properties are merged, c->aliases are added.
 * c->id filled; *created tells which. */
int store_contact_upsert(struct store *st, struct contact *c, cad_time_t now, int *created,
			 struct cad_err *err);
/* By address or by any known alias; with properties and aliases. */
int store_contact_get(struct store *st, const char *email, struct contact *out,
		      struct cad_err *err);
int store_contact_get_id(struct store *st, int64_t id, struct contact *out, struct cad_err *err);
int store_contact_add_alias(struct store *st, int64_t contact_id, const char *alias,
			    struct cad_err *err);
/* Sets the contact's region (a holiday calendar name, stored lower-case;
 * NULL or "" clears it: the sequence's calendars apply). 0, STORE_NOTFOUND
 * or -1 (a name that is not a calendar name is refused). */
int store_contact_set_region(struct store *st, int64_t contact_id, const char *region,
			     cad_time_t now, struct cad_err *err);
/* Contacts whose address is at domain (the organizational domain). */
int store_contacts_at_domain(struct store *st, const char *domain, int64_t **ids, size_t *n,
			     struct cad_err *err);

/* ---- suppression ---- */
int store_suppress_add(struct store *st, struct suppression *s, const char *actor,
		       cad_time_t now, struct cad_err *err);
int store_suppress_remove(struct store *st, const char *pattern, const char *actor,
			  cad_time_t now, struct cad_err *err);
int store_suppress_list(struct store *st, struct suppression **out, size_t *n,
			struct cad_err *err);
void store_suppressions_free(struct suppression *s, size_t n);
/* 1 when address, its domain or a parent domain is suppressed (the entry
 * in *match when match is not NULL), 0 when not, -1 on error. */
int store_suppressed(struct store *st, const char *address, struct suppression *match,
		     struct cad_err *err);

/* ---- enrollments ---- */
/* Inserts e (e->id filled) and its "enrolled" event. The caller has made
 * the decision (see enroll.h); this only records it. */
int store_enrollment_insert(struct store *st, struct enrollment *e, const char *actor,
			    cad_time_t now, struct cad_err *err);
/* Inserts e[0..n-1] (ids filled) with their "enrolled" events in one
 * transaction: all or nothing (on error every id is 0 again). For loading
 * many decided enrollments at once (benchmarks, migrations): it applies
 * no rule; enroll_one() is how a person's request is decided. The same
 * can be had by calling store_enrollment_insert() between store_begin()
 * and store_commit(), which this does. */
int store_enrollment_insert_many(struct store *st, struct enrollment *e, size_t n,
				 const char *actor, cad_time_t now, struct cad_err *err);
int store_enrollment_get(struct store *st, int64_t id, struct enrollment *out,
			 struct cad_err *err);
/* The contact's active or paused enrollment, if any (there is at most one). */
int store_enrollment_current(struct store *st, int64_t contact_id, struct enrollment *out,
			     struct cad_err *err);
/* New enrollments made for user since t (for the daily cap). */
int store_enrollments_since(struct store *st, int64_t user_id, cad_time_t since, int *count,
			    struct cad_err *err);

/* A rep's running schedule, for the new-enrollment projection (enroll.h):
 * each active enrollment of the rep whose current step is due before
 * `before` or waits on a task (next_due 0), with the contact's zone. */
struct enr_sched {
	int64_t id;
	int64_t sequence_id;
	int step;                /* the next step to run (1-based) */
	cad_time_t next_due;     /* 0 = waiting on a task */
	char *contact_tz;        /* NULL when the contact has none */
	char *contact_region;    /* NULL when the contact has none */
};
/* Sorted by sequence, then enrollment; one query through the rep's index. */
int store_user_schedule(struct store *st, int64_t user_id, cad_time_t before,
			struct enr_sched **out, size_t *n, struct cad_err *err);
void store_enr_scheds_free(struct enr_sched *v, size_t n);

/* An enrollment with the names a person wants to see beside it. */
struct enrollment_view {
	struct enrollment e;
	char *contact_email;
	char *sequence_name;
	char *user_email;
	int nsteps;
	enum step_kind next_kind;   /* kind of step e.step when e.step <= nsteps */
};
struct enr_filter {
	int64_t id;              /* 0 = any */
	const char *contact;     /* address */
	const char *sequence;    /* name */
	const char *user;        /* rep address */
	int state;               /* enum enr_state, or -1 for any */
	cad_time_t due_before;   /* 0 = any; else only those with a next_due before it */
};
int store_enrollments(struct store *st, const struct enr_filter *f,
		      struct enrollment_view **out, size_t *n, struct cad_err *err);
void store_enrollment_views_free(struct enrollment_view *v, size_t n);

/* Which enrollments a bulk state change applies to. */
enum store_scope {
	SCOPE_ENROLLMENT,   /* key: decimal enrollment id (typed by a person: the CLI, an
	                     * API path; code holding an id calls store_enrollment_*) */
	SCOPE_SEQUENCE,     /* key: sequence name */
	SCOPE_USER,         /* key: rep address */
	SCOPE_CONTACT,      /* key: contact address (all its enrollments) */
	SCOPE_COMPANY       /* key: organizational domain of the contacts */
};
/* Each is one transaction writing one event per enrollment changed; *count
 * (may be NULL) says how many changed. Pausing takes active enrollments
 * (until = 0: until resumed); resuming takes paused ones and makes their
 * step due at max(next_due, now); unenrolling takes active and paused and
 * skips their open tasks. A reason NULL or "" reads "paused by hand" /
 * "unenrolled by hand". */
int store_pause(struct store *st, enum store_scope scope, const char *key, const char *reason,
		cad_time_t until, const char *actor, cad_time_t now, int *count, struct cad_err *err);
int store_resume(struct store *st, enum store_scope scope, const char *key, const char *actor,
		 cad_time_t now, int *count, struct cad_err *err);
int store_unenroll(struct store *st, enum store_scope scope, const char *key, const char *reason,
		   const char *actor, cad_time_t now, int *count, struct cad_err *err);
/* The same for one enrollment by its id (STORE_NOTFOUND when there is
 * none): what the services, which hold ids, call. */
int store_enrollment_pause(struct store *st, int64_t id, const char *reason, cad_time_t until,
			   const char *actor, cad_time_t now, int *count, struct cad_err *err);
int store_enrollment_resume(struct store *st, int64_t id, const char *actor, cad_time_t now,
			    int *count, struct cad_err *err);
int store_enrollment_unenroll(struct store *st, int64_t id, const char *reason,
			      const char *actor, cad_time_t now, int *count, struct cad_err *err);

/* ---- tasks ---- */
int store_task_add(struct store *st, struct task *t, const char *actor, cad_time_t now,
		   struct cad_err *err);
struct task_view {
	struct task t;
	char *contact_email;
	char *sequence_name;
	char *user_email;
	char *outcome;           /* how a call went ("connected"...), or NULL */
	char *close_note;        /* the rep's note when closing, or NULL */
};
/* user NULL = every rep; state -1 = any. */
int store_tasks(struct store *st, const char *user, int state, struct task_view **out,
		size_t *n, struct cad_err *err);
void store_task_views_free(struct task_view *v, size_t n);
/* One task by id, as a one-element array for store_task_views_free(*out, 1):
 * 0, STORE_NOTFOUND (err names the id) or -1. */
int store_task_get(struct store *st, int64_t id, struct task_view **out, struct cad_err *err);
/* Completes or skips an open task. When its enrollment waits on that step,
 * the enrollment moves to the next step, due at next_due (the caller
 * computed it with the calendar rules), or finishes after the last step. */
int store_task_close(struct store *st, int64_t task_id, enum task_state state,
		     cad_time_t next_due, const char *actor, cad_time_t now, struct cad_err *err);
/* The outcomes a closed task may record (task_outcome_valid). */
#define TASK_OUTCOMES "connected, voicemail, no-answer, wrong-number"
int task_outcome_valid(const char *outcome);
/* store_task_close() with the rep's outcome (NULL, or one of
 * TASK_OUTCOMES; only with TASK_DONE) and note (NULL or any UTF-8 text,
 * at most TASK_NOTE_MAX bytes), stored on the task and named in the
 * task_completed / task_skipped event. */
#define TASK_NOTE_MAX 4096
int store_task_close_with(struct store *st, int64_t task_id, enum task_state state,
			  const char *outcome, const char *note, cad_time_t next_due,
			  const char *actor, cad_time_t now, struct cad_err *err);
/* The open task of an enrollment's step (the newest if several): 0,
 * STORE_NOTFOUND or -1. out is the caller's to task_free(). */
int store_task_open_step(struct store *st, int64_t enrollment_id, int step, struct task *out,
			 struct cad_err *err);

#endif
