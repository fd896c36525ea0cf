/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_scope.c - state changes over a set of enrollments: pause, resume
 * and unenroll one enrollment, a sequence's, a rep's, a contact's or a
 * whole company's (every contact at an organizational domain): names
 * are resolved here, the change is made by store_target.c.
 *
 * Guarantees: each call is one transaction that changes every matching
 * enrollment and writes one event per enrollment changed (with its
 * contact, sequence and rep), or changes nothing. Unenrolling also skips
 * the enrollment's open tasks (one task_skipped event each), so that a rep
 * is not asked to call a contact who has stopped the sequence. Resuming
 * re-arms the current step's ledger record when that message never left
 * (failed, or refused by the gate while stopped). An unknown
 * key (no such enrollment, sequence, rep or contact) is STORE_NOTFOUND
 * with err saying so; a company with no contacts changes nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* The enrollment with that id (STORE_NOTFOUND when there is none), when
 * op can change it. */
static int resolve_id(struct store *st, int64_t id, enum store_op op, struct store_targets *t,
		      struct cad_err *err)
{
	struct enrollment e;
	int rc = store_enrollment_get(st, id, &e, err);
	enrollment_free(&e);
	return rc != 0 ? rc : store_targets_collect(st, STORE_BY_ID, id, op, t, err);
}

/* Resolves scope and key to the enrollments to change. */
static int resolve(struct store *st, enum store_scope scope, const char *key, enum store_op op,
		   struct store_targets *t, struct cad_err *err)
{
	struct sequence q;
	struct user u;
	struct contact c;
	int64_t id = 0, *ids = NULL;
	size_t i, n = 0;
	int rc;

	if (key == NULL || *key == '\0')
		return cad_err_set(err, "no enrollment, sequence, rep, contact or domain given");
	switch (scope) {
	case SCOPE_ENROLLMENT:
		if (!store_is_id(key, &id))
			return cad_err_set(err, "\"%s\" is not an enrollment id", key);
		return resolve_id(st, id, op, t, err);
	case SCOPE_SEQUENCE:
		rc = store_sequence_get(st, key, &q, err);
		id = q.id;
		sequence_free(&q);
		return rc != 0 ? rc : store_targets_collect(st, STORE_BY_SEQUENCE, id, op, t, err);
	case SCOPE_USER:
		rc = store_user_get(st, key, &u, err);
		id = u.id;
		user_free(&u);
		return rc != 0 ? rc : store_targets_collect(st, STORE_BY_USER, id, op, t, err);
	case SCOPE_CONTACT:
		rc = store_contact_get(st, key, &c, err);
		id = c.id;
		contact_free(&c);
		return rc != 0 ? rc : store_targets_collect(st, STORE_BY_CONTACT, id, op, t, err);
	case SCOPE_COMPANY:
		if (store_contacts_at_domain(st, key, &ids, &n, err) < 0)
			return -1;
		for (rc = 0, i = 0; rc == 0 && i < n; i++)
			rc = store_targets_collect(st, STORE_BY_CONTACT, ids[i], op, t, err);
		free(ids);
		return rc;
	}
	return cad_err_set(err, "unknown scope %d", (int)scope);
}

/* key NULL: the one enrollment id (scope SCOPE_ENROLLMENT). */
static int scope_change(struct store *st, enum store_op op, enum store_scope scope,
			const char *key, int64_t id, const char *reason, cad_time_t until,
			const char *actor, cad_time_t now, int *count, struct cad_err *err)
{
	struct store_targets t = { NULL, 0, 0 };
	int rc;

	if (count)
		*count = 0;
	if (reason == NULL || *reason == '\0')
		reason = op == STORE_OP_PAUSE ? "paused by hand" : "unenrolled by hand";
	if (store_begin(st, err) < 0)
		return -1;
	rc = key != NULL || scope != SCOPE_ENROLLMENT ? resolve(st, scope, key, op, &t, err)
						      : resolve_id(st, id, op, &t, err);
	if (rc == 0)
		rc = store_targets_apply(st, op, &t, reason, until, actor, now, err);
	if (rc != 0) {
		store_rollback(st);
		free(t.v);
		return rc;
	}
	free(t.v);
	if (store_commit(st, err) < 0)
		return -1;
	if (count)
		*count = (int)t.n;
	return 0;
}

int store_pause(struct store *st, enum store_scope scope, const char *key, const char *reason,
		cad_time_t until, const char *actor, cad_time_t now, int *count, struct cad_err *err)
{
	return scope_change(st, STORE_OP_PAUSE, scope, key, 0, reason, until, actor, now, count, err);
}

int store_resume(struct store *st, enum store_scope scope, const char *key, const char *actor,
		 cad_time_t now, int *count, struct cad_err *err)
{
	return scope_change(st, STORE_OP_RESUME, scope, key, 0, NULL, 0, actor, now, count, err);
}

int store_unenroll(struct store *st, enum store_scope scope, const char *key, const char *reason,
		   const char *actor, cad_time_t now, int *count, struct cad_err *err)
{
	return scope_change(st, STORE_OP_UNENROLL, scope, key, 0, reason, 0, actor, now, count, err);
}

int store_enrollment_pause(struct store *st, int64_t id, const char *reason, cad_time_t until,
			   const char *actor, cad_time_t now, int *count, struct cad_err *err)
{
	return scope_change(st, STORE_OP_PAUSE, SCOPE_ENROLLMENT, NULL, id, reason, until, actor,
			    now, count, err);
}

int store_enrollment_resume(struct store *st, int64_t id, const char *actor, cad_time_t now,
			    int *count, struct cad_err *err)
{
	return scope_change(st, STORE_OP_RESUME, SCOPE_ENROLLMENT, NULL, id, NULL, 0, actor, now,
			    count, err);
}

int store_enrollment_unenroll(struct store *st, int64_t id, const char *reason,
			      const char *actor, cad_time_t now, int *count, struct cad_err *err)
{
	return scope_change(st, STORE_OP_UNENROLL, SCOPE_ENROLLMENT, NULL, id, reason, 0, actor,
			    now, count, err);
}
