/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_schema.c - the store's schema as an ordered list of migrations,
 * and the code that brings a file up to date.
 *
 * Guarantees: the version lives in a schema_version table (one row per
 * migration applied), not in PRAGMA user_version, so that the same
 * versions exist for PostgreSQL (store_schema_pg.c: the same count, each
 * version's DDL in its dialect; the code here runs either through the
 * backend table). The DDL avoids SQLite-only
 * syntax: plain types (INTEGER, BIGINT, TEXT), partial indexes, CHECK constraints.
 * Ids are INTEGER PRIMARY KEY here (BIGSERIAL/identity in PostgreSQL);
 * times (UTC seconds) and references are BIGINT, 64 bits in both.
 * All pending migrations run in one transaction: a file is either at its
 * old version or at the new one, never in between. A file of a newer
 * version is refused before anything is written to it.
 *
 * RULE (issue 17): PostgreSQL's list (store_schema_pg.c) starts at
 * version 9 as the whole schema (versions 1-8 there are empty but for the
 * version table). Every version from 10 on is written for BOTH backends in
 * the same commit: a migration here and its PostgreSQL dialect at the same
 * index there (the counts must match: store_schema_migrate() refuses a
 * backend whose list is shorter).
 */
#include "config.h"

#include <string.h>

#include "store_int.h"

/* v1: the core schema. */
static const char *const mig_v1[] = {
	"CREATE TABLE schema_version ("
	" version INTEGER PRIMARY KEY,"
	" applied_at TEXT DEFAULT CURRENT_TIMESTAMP)",

	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" email TEXT NOT NULL UNIQUE,"
	" name TEXT, tz TEXT, signature TEXT, meeting_link TEXT,"
	" send_cap_24h INTEGER NOT NULL DEFAULT 500,"
	" enroll_cap_day INTEGER NOT NULL DEFAULT 80,"
	" active INTEGER NOT NULL DEFAULT 1,"
	" deleted INTEGER NOT NULL DEFAULT 0,"
	" digest INTEGER NOT NULL DEFAULT 0,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL)",

	"CREATE TABLE sequences ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" owner TEXT, description TEXT,"
	" days TEXT NOT NULL CHECK (days IN ('business','weekdays','every')),"
	" window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,"
	" tz TEXT, holidays TEXT,"
	" thread_default INTEGER NOT NULL DEFAULT 1,"
	" scope TEXT NOT NULL CHECK (scope IN ('contact','company')),"
	" ooo TEXT NOT NULL CHECK (ooo IN ('pause','ignore')),"
	" unenroll_on_reply INTEGER NOT NULL DEFAULT 1,"
	" unenroll_on_meeting INTEGER NOT NULL DEFAULT 1,"
	" active INTEGER NOT NULL DEFAULT 1,"
	" deleted INTEGER NOT NULL DEFAULT 0,"
	" source TEXT,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL)",

	"CREATE TABLE steps ("
	" sequence_id BIGINT NOT NULL REFERENCES sequences(id),"
	" idx INTEGER NOT NULL CHECK (idx >= 1),"
	" kind TEXT NOT NULL CHECK (kind IN ('email','manual_email','call','linkedin','task')),"
	" delay_days INTEGER NOT NULL CHECK (delay_days >= 0),"
	" delay_minutes INTEGER NOT NULL CHECK (delay_minutes >= 0),"
	" wait INTEGER NOT NULL DEFAULT 1,"
	" thread_step INTEGER NOT NULL DEFAULT 0,"
	" subject TEXT, body TEXT, line INTEGER,"
	" PRIMARY KEY (sequence_id, idx))",

	"CREATE TABLE contacts ("
	" id INTEGER PRIMARY KEY,"
	" email TEXT NOT NULL UNIQUE,"
	" domain TEXT NOT NULL,"
	" firstname TEXT, lastname TEXT, company TEXT, tz TEXT,"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL)",
	"CREATE INDEX contacts_domain ON contacts (domain)",

	"CREATE TABLE contact_props ("
	" contact_id BIGINT NOT NULL REFERENCES contacts(id),"
	" key TEXT NOT NULL,"
	" value TEXT,"
	" PRIMARY KEY (contact_id, key))",

	"CREATE TABLE contact_aliases ("
	" alias TEXT PRIMARY KEY,"
	" contact_id BIGINT NOT NULL REFERENCES contacts(id))",
	"CREATE INDEX contact_aliases_contact ON contact_aliases (contact_id)",

	"CREATE TABLE enrollments ("
	" id INTEGER PRIMARY KEY,"
	" contact_id BIGINT NOT NULL REFERENCES contacts(id),"
	" sequence_id BIGINT NOT NULL REFERENCES sequences(id),"
	" user_id BIGINT NOT NULL REFERENCES users(id),"
	" state TEXT NOT NULL CHECK (state IN ('active','paused','finished','unenrolled')),"
	" step INTEGER NOT NULL CHECK (step >= 1),"
	" next_due BIGINT,"
	" reason TEXT,"
	" paused_until BIGINT,"
	" enrolled_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL,"
	" enrolled_by TEXT,"
	" bulk INTEGER NOT NULL DEFAULT 0)",
	/* At most one running (active or paused) enrollment per contact. */
	"CREATE UNIQUE INDEX enrollments_one_running ON enrollments (contact_id)"
	" WHERE state IN ('active','paused')",
	/* A scheduling pass asks for state = 'active' AND next_due <= now. */
	"CREATE INDEX enrollments_due ON enrollments (state, next_due)",
	"CREATE INDEX enrollments_user ON enrollments (user_id, enrolled_at)",
	"CREATE INDEX enrollments_sequence ON enrollments (sequence_id, state)",

	"CREATE TABLE tasks ("
	" id INTEGER PRIMARY KEY,"
	" enrollment_id BIGINT NOT NULL REFERENCES enrollments(id),"
	" user_id BIGINT NOT NULL REFERENCES users(id),"
	" step INTEGER NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('email','manual_email','call','linkedin','task')),"
	" state TEXT NOT NULL CHECK (state IN ('open','done','skipped')),"
	" due_at BIGINT,"
	" note TEXT,"
	" created_at BIGINT NOT NULL,"
	" closed_at BIGINT)",
	"CREATE INDEX tasks_user ON tasks (user_id, state)",
	"CREATE INDEX tasks_enrollment ON tasks (enrollment_id, state)",

	"CREATE TABLE sent_messages ("
	" id INTEGER PRIMARY KEY,"
	" enrollment_id BIGINT NOT NULL REFERENCES enrollments(id),"
	" step INTEGER NOT NULL,"
	" message_id TEXT NOT NULL UNIQUE,"
	" token TEXT NOT NULL UNIQUE,"
	" subject TEXT,"
	" state TEXT NOT NULL CHECK (state IN"
	"  ('prepared','submitted','witnessed','failed','rejected')),"
	" queue_id TEXT, smtp_reply TEXT,"
	" created_at BIGINT NOT NULL,"
	" submitted_at BIGINT, witnessed_at BIGINT,"
	" UNIQUE (enrollment_id, step))",

	"CREATE TABLE suppressions ("
	" id INTEGER PRIMARY KEY,"
	" pattern TEXT NOT NULL UNIQUE,"
	" is_domain INTEGER NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('customer','partner','competitor',"
	"  'former_employee','unsubscribed','bounced','complaint','manual')),"
	" note TEXT,"
	" created_at BIGINT NOT NULL)",

	/* Append-only: the code never updates or deletes a row. No foreign
	 * keys, so that the audit trail can never block a change. */
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" at BIGINT NOT NULL,"
	" type TEXT NOT NULL,"
	" enrollment_id BIGINT, contact_id BIGINT, sequence_id BIGINT, user_id BIGINT,"
	" actor TEXT, detail TEXT)",
	"CREATE INDEX events_at ON events (at)",
	"CREATE INDEX events_enrollment ON events (enrollment_id)",
	"CREATE INDEX events_contact ON events (contact_id)",
	NULL
};

/* v2: holiday calendars for the business-day rules, and the indexes the
 * exactly-once ledger and the event reports need. */
static const char *const mig_v2[] = {
	"CREATE TABLE holidays ("
	" calendar TEXT NOT NULL,"
	" date TEXT NOT NULL CHECK (length(date) = 10),"
	" name TEXT,"
	" PRIMARY KEY (calendar, date))",
	/* A restarted scheduler looks for prepared/submitted messages. */
	"CREATE INDEX sent_messages_state ON sent_messages (state, created_at)",
	"CREATE INDEX events_type ON events (type, at)",
	"CREATE INDEX events_user ON events (user_id, at)",
	NULL
};

/* v3: mail cadence writes to a rep itself (a refused enrollment, the
 * morning task digest), kept until cadenced has handed it to the MTA. */
static const char *const mig_v3[] = {
	"CREATE TABLE notices ("
	" id INTEGER PRIMARY KEY,"
	" user_id BIGINT NOT NULL REFERENCES users(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('enroll_refused','digest')),"
	" created_at BIGINT NOT NULL,"
	" subject TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" sent_at BIGINT,"
	" reply TEXT)",
	/* A pass asks for the unsent ones, oldest first. */
	"CREATE INDEX notices_pending ON notices (created_at) WHERE sent_at IS NULL",
	/* The digest rule asks for a rep's last digest. */
	"CREATE INDEX notices_user ON notices (user_id, kind, created_at)",
	NULL
};

/* v5 (the HTTP API): access tokens (only their SHA-256), webhooks, the
 * durable outbox of webhook deliveries filled by a trigger in the event's
 * own transaction, every delivery attempt, and the index that finds a
 * contact by its CRM id property. */
static const char *const mig_api[] = {
	"CREATE TABLE api_tokens ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" hash TEXT NOT NULL UNIQUE,"
	" user_id BIGINT REFERENCES users(id),"
	" admin INTEGER NOT NULL DEFAULT 0,"
	" created_at BIGINT NOT NULL,"
	" last_used_at BIGINT,"
	" revoked_at BIGINT,"
	" CHECK (admin = 1 OR user_id IS NOT NULL))",
	"CREATE TABLE webhooks ("
	" id INTEGER PRIMARY KEY,"
	" url TEXT NOT NULL,"
	" events TEXT,"
	" secret TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" deleted INTEGER NOT NULL DEFAULT 0)",
	"CREATE TABLE webhook_outbox ("
	" id INTEGER PRIMARY KEY,"
	" webhook_id BIGINT NOT NULL REFERENCES webhooks(id),"
	" event_id BIGINT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'pending'"
	"  CHECK (state IN ('pending','delivered','failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_at BIGINT NOT NULL DEFAULT 0,"
	" created_at BIGINT NOT NULL,"
	" done_at BIGINT,"
	" UNIQUE (webhook_id, event_id))",
	"CREATE INDEX webhook_outbox_due ON webhook_outbox (next_at) WHERE state = 'pending'",
	"CREATE TABLE webhook_attempts ("
	" id INTEGER PRIMARY KEY,"
	" outbox_id BIGINT NOT NULL REFERENCES webhook_outbox(id),"
	" at BIGINT NOT NULL,"
	" status INTEGER,"
	" response TEXT,"
	" duration_ms INTEGER,"
	" payload TEXT)",
	"CREATE INDEX webhook_attempts_outbox ON webhook_attempts (outbox_id)",
	"CREATE TRIGGER events_webhook_outbox AFTER INSERT ON events BEGIN"
	" INSERT INTO webhook_outbox (webhook_id, event_id, created_at)"
	" SELECT w.id, NEW.id, NEW.at FROM webhooks w WHERE w.deleted = 0"
	" AND (w.events IS NULL OR instr(',' || w.events || ',', ',' || NEW.type || ',') > 0);"
	" END",
	"CREATE INDEX contact_props_value ON contact_props (key, value)",
	NULL
};

/* The ledger's "unknown" state (no reply to end of data: the MTA may have
 * the message; its witness decides, src/rules/ledger.h). A CHECK
 * constraint cannot be altered, so sent_messages is rebuilt with the same
 * columns and rows (no table refers to it) and its index made again; the
 * same for notices, for the kind 'paused'. */
static const char *const mig_ledger_unknown[] = {
	"CREATE TABLE sent_messages_new ("
	" id INTEGER PRIMARY KEY,"
	" enrollment_id BIGINT NOT NULL REFERENCES enrollments(id),"
	" step INTEGER NOT NULL,"
	" message_id TEXT NOT NULL UNIQUE,"
	" token TEXT NOT NULL UNIQUE,"
	" subject TEXT,"
	" state TEXT NOT NULL CHECK (state IN"
	"  ('prepared','submitted','witnessed','failed','rejected','unknown')),"
	" queue_id TEXT, smtp_reply TEXT,"
	" created_at BIGINT NOT NULL,"
	" submitted_at BIGINT, witnessed_at BIGINT,"
	" UNIQUE (enrollment_id, step))",
	"INSERT INTO sent_messages_new (id, enrollment_id, step, message_id, token, subject,"
	" state, queue_id, smtp_reply, created_at, submitted_at, witnessed_at)"
	" SELECT id, enrollment_id, step, message_id, token, subject, state, queue_id,"
	" smtp_reply, created_at, submitted_at, witnessed_at FROM sent_messages",
	"DROP TABLE sent_messages",
	"ALTER TABLE sent_messages_new RENAME TO sent_messages",
	"CREATE INDEX sent_messages_state ON sent_messages (state, created_at)",
	/* And the notice that tells a rep an enrollment was paused because
	 * the pass could not go on with it (kind 'paused'): notices too. */
	"CREATE TABLE notices_new ("
	" id INTEGER PRIMARY KEY,"
	" user_id BIGINT NOT NULL REFERENCES users(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('enroll_refused','digest','paused')),"
	" created_at BIGINT NOT NULL,"
	" subject TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" sent_at BIGINT,"
	" reply TEXT)",
	"INSERT INTO notices_new (id, user_id, kind, created_at, subject, body, sent_at, reply)"
	" SELECT id, user_id, kind, created_at, subject, body, sent_at, reply FROM notices",
	"DROP TABLE notices",
	"ALTER TABLE notices_new RENAME TO notices",
	"CREATE INDEX notices_pending ON notices (created_at) WHERE sent_at IS NULL",
	"CREATE INDEX notices_user ON notices (user_id, kind, created_at)",
	NULL
};

/* Issue #12, the rep's day (cadencectl task complete --outcome --note):
 * how a task went and the rep's note on it. Nullable columns added in
 * place; older rows read NULL (no outcome recorded). */
static const char *const mig_task_outcome[] = {
	"ALTER TABLE tasks ADD COLUMN outcome TEXT CHECK (outcome IS NULL OR outcome IN"
	" ('connected','voicemail','no-answer','wrong-number'))",
	"ALTER TABLE tasks ADD COLUMN close_note TEXT",
	NULL
};

/* Issue #12 (8), held steps keep their due order: a hold (window,
 * limits) moves next_due ("not before") and keeps the step's own due time
 * in held_due, for the step held_step; the due query orders by it. */
static const char *const mig_held_due[] = {
	"ALTER TABLE enrollments ADD COLUMN held_due INTEGER",
	"ALTER TABLE enrollments ADD COLUMN held_step INTEGER",
	NULL
};

/* Issue #12 (7), holidays by the recipient's region: the holiday
 * calendar of the contact's country or region ("de", "us-ca"), which
 * replaces the sequence's calendars for that contact (src/rules.h).
 * Nullable: older contacts read NULL (the sequence's calendars). */
static const char *const mig_contact_region[] = {
	"ALTER TABLE contacts ADD COLUMN region TEXT",
	NULL
};

/* Issue #16 (5), a pass costs what is due: the due index covers the due
 * query's filter and order (store_sched.c), so a batch is chosen from the
 * index without reading every due enrollment's row; it replaces v1's
 * (state, next_due), a prefix of it. */
static const char *const mig_due_index[] = {
	"DROP INDEX IF EXISTS enrollments_due",
	"CREATE INDEX enrollments_due_order ON enrollments"
	" (state, next_due, held_step, step, held_due)",
	NULL
};

/* Issue 17, v10, several cadenced on one store: a pass claims the due
 * enrollments it works on (store_sched.h, store_due_claim): claim_by is
 * the claimer (host, pid and a random part), claim_until when its lease
 * ends (UTC seconds, on the passes' clock). Both NULL: not claimed. The
 * partial index holds the claimed rows only (a pass's batch per running
 * instance): renewing, releasing and counting the claims of a rep go
 * through it, never through the table. */
static const char *const mig_claims[] = {
	"ALTER TABLE enrollments ADD COLUMN claim_by TEXT",
	"ALTER TABLE enrollments ADD COLUMN claim_until BIGINT",
	"CREATE INDEX enrollments_claimed ON enrollments (claim_by, user_id, claim_until)"
	" WHERE claim_by IS NOT NULL",
	NULL
};

/* v11: the notices' claims, as the enrollments' (store_notice.h,
 * store_notices_claim): a notice is sent by the cadenced that claimed it,
 * so that two instances never both send one rep the same notice. */
static const char *const mig_notice_claims[] = {
	"ALTER TABLE notices ADD COLUMN claim_by TEXT",
	"ALTER TABLE notices ADD COLUMN claim_until BIGINT",
	NULL
};

static const char *const *const migrations[] = { mig_v1, mig_v2, mig_v3,
						 mig_ledger_unknown, mig_api,
						 mig_task_outcome, mig_held_due,
						 mig_contact_region, mig_due_index,
						 mig_claims, mig_notice_claims };

const struct store_schema_def store_schema_sqlite = {
	migrations, (int)CAD_ARRAY_LEN(migrations)
};

int store_schema_current(void)
{
	return (int)CAD_ARRAY_LEN(migrations);
}

/* The store's version: 0 for an empty one, -1 on error (err set). */
static int read_version(struct store *st, struct cad_err *err)
{
	store_q *s;
	int rc, have_table = 0, any_table = 0, v = 0;

	/* each backend's catalog (sqlite_master, information_schema) */
	s = st->drv->prepare(st->conn, st->drv->tables_sql, err);
	if (s == NULL)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		const char *n = store_col_cstr(s, 0);
		any_table = 1;
		if (n && strcmp(n, "schema_version") == 0)
			have_table = 1;
	}
	if (rc != STORE_DONE)
		store_dberr(st, "reading the schema", err);
	st->drv->finalize(s);
	if (rc != STORE_DONE)
		return -1;
	if (!have_table) {
		if (any_table)
			return cad_err_set(err, "store: %s: not a cadence store "
					   "(it has tables but no schema_version)", st->path);
		return 0;
	}
	s = st->drv->prepare(st->conn, "SELECT MAX(version) FROM schema_version", err);
	if (s == NULL)
		return -1;
	rc = store_step(s);
	if (rc == STORE_ROW)
		v = store_col_int(s, 0);
	else
		store_dberr(st, "reading the schema version", err);
	st->drv->finalize(s);
	return rc == STORE_ROW ? v : -1;
}

int store_schema_check(struct store *st, int target, int *version, struct cad_err *err)
{
	int v = read_version(st, err);
	if (v < 0)
		return -1;
	*version = v;
	if (v > store_schema_current() || v > target)
		return cad_err_set(err, "store: %s: schema version %d is newer than this "
				   "cadence supports (version %d); refusing to open it: "
				   "upgrade cadence", st->path, v, store_schema_current());
	return 0;
}

int store_schema_migrate(struct store *st, int target, struct cad_err *err)
{
	const struct store_schema_def *def = st->drv->schema;
	store_q *s;
	int v, i, rc;

	if (def->count != store_schema_current())
		return cad_err_set(err, "store: %s: the %s schema has %d versions, the store's "
				   "code %d", st->path, st->drv->name, def->count,
				   store_schema_current());
	if (st->drv->begin(st->conn, 1, err) < 0) {
		cad_err_prefix(err, "store: %s: upgrading", st->path);
		return -1;
	}
	/* Read again under the write lock: another process may have migrated. */
	if (store_schema_check(st, target, &v, err) < 0)
		goto fail;
	for (; v < target; v++) {
		const char *const *m = def->migrations[v];
		for (i = 0; m[i]; i++)
			if (st->drv->exec(st->conn, m[i], err) < 0) {
				cad_err_prefix(err, "store: %s: upgrading to version %d", st->path,
					       v + 1);
				goto fail;
			}
		s = st->drv->prepare(st->conn, "INSERT INTO schema_version (version) VALUES (?)",
				     err);
		if (s == NULL)
			goto fail;
		store_bind_int64(s, 1, v + 1);
		rc = store_step(s);
		if (rc != STORE_DONE)
			store_dberr(st, "recording the schema version", err);
		st->drv->finalize(s);
		if (rc != STORE_DONE)
			goto fail;
	}
	if (st->drv->commit(st->conn, err) < 0) {
		cad_err_prefix(err, "store: %s: upgrading", st->path);
		goto fail;
	}
	st->version = v;
	return 0;
fail:
	st->drv->rollback(st->conn);
	return -1;
}
