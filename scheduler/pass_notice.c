/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_notice.c - mail cadence writes to the reps themselves, sent by the
 * pass: the morning digest of open tasks, and every pending notice (an
 * enrollment by address that was refused, an enrollment the pass paused,
 * a digest), from cadence@Domain. See pass_int.h.
 *
 * A notice is machine-written mail to a person: it carries
 * "Auto-Submitted: auto-generated" (RFC 3834 section 5), so that a rep's
 * vacation responder does not answer it and a mail client may file it.
 * (Sequence mail does not: it is the rep's own message.)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cal.h"
#include "compose.h"
#include "http_req.h"
#include "notice_text.h"
#include "pass_int.h"
#include "submit.h"

/* Pending notices sent per pass (the rest wait for the next pass). */
#define NOTICE_BATCH 100
/* The digest goes out from this local time on an open day. */
#define DIGEST_HOUR 7

/* The digest's text: the rep's open tasks due by the end of the local
 * day (or without a due time), oldest due first as the store lists them.
 * *count gets how many; nothing is appended when there are none. */
static void digest_text(const struct sched *s, const struct user *u, const struct cal_zone *z,
			int64_t dayno, const struct task_view *t, size_t n, struct sbuf *body,
			int *count)
{
	cad_time_t end = cal_from_local(z, dayno + 1, 0);
	cad_time_t start = cal_from_local(z, dayno, 0);
	char day[16];
	size_t i;

	*count = 0;
	for (i = 0; i < n; i++)
		if (t[i].t.due_at < end)
			(*count)++;
	if (*count == 0)
		return;
	/* the words: src/mail/notice_text.c */
	cal_day_format(dayno, day, sizeof(day));
	notice_text_digest_head(body, u->name, day, *count);
	for (i = 0; i < n; i++) {
		const struct task *k = &t[i].t;
		char d[16];
		const char *overdue = NULL;
		if (k->due_at >= end)
			continue;
		if (k->due_at > 0 && k->due_at < start) {
			struct cal_tm lt;
			cal_to_local(z, k->due_at, &lt);
			overdue = cal_day_format(lt.dayno, d, sizeof(d));
		}
		notice_text_digest_task(body, (long long)k->id, step_kind_name(k->kind),
					t[i].contact_email, t[i].sequence_name, k->step, overdue);
		if (k->note && *k->note) {
			/* The note may span lines: indent each one. */
			const char *p = k->note;
			while (*p) {
				size_t len = strcspn(p, "\n");
				sbuf_adds(body, "  ");
				sbuf_add(body, p, len);
				sbuf_adds(body, "\n");
				p += len;
				if (*p == '\n')
					p++;
			}
		}
		/* One-click links (PublicURL): a page to confirm, then done. */
		{
			static const char *const plain[] = { "done", "skip", NULL };
			static const char *const call[] = { "connected", "voicemail", "no-answer",
							    "wrong-number", "skip", NULL };
			const char *const *a = k->kind == STEP_CALL ? call : plain;
			for (; *a; a++) {
				char *url = http_task_url(s->conf.public_url, &s->secret, k->id,
							  k->user_id ? k->user_id : u->id, *a);
				if (url == NULL)
					break;
				sbuf_addf(body, "  %-13s %s\n", *a, url);
				free(url);
			}
		}
	}
	notice_text_digest_foot(body);
}

/* Writes today's digest for each rep who asked for one and is due it (see
 * cal_daily_due), when they have tasks. -1 only on a store error. */
int pass_digests(struct sched *s, cad_time_t now, struct cad_err *err)
{
	struct digest_rep *reps = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (store_digest_due(s->store, &reps, &n, err) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		const struct user *u = &reps[i].user;
		struct cad_err zerr;
		const struct cal_zone *z = cal_zone_get(u->tz && *u->tz ? u->tz : "UTC", &zerr);
		struct task_view *tasks = NULL;
		size_t nt = 0;
		struct sbuf body;
		int64_t dayno;
		int count = 0;

		if (z == NULL) {
			cad_log(CAD_LOG_WARN, "digest for %s: %s", u->email, zerr.msg);
			continue;
		}
		if (!cal_daily_due(z, reps[i].last_digest, now, DIGEST_HOUR, &dayno))
			continue;
		if (store_tasks(s->store, u->email, TASK_OPEN, &tasks, &nt, err) < 0) {
			rc = -1;
			break;
		}
		sbuf_init(&body);
		digest_text(s, u, z, dayno, tasks, nt, &body, &count);
		if (count > 0) {
			char day[16];
			char *subj = notice_text_digest_subject(
				cal_day_format(dayno, day, sizeof(day)), count);
			/* written only if no other cadenced wrote it meanwhile */
			rc = store_notice_add_digest(s->store, u->id, reps[i].last_digest, subj,
						     body.s, now, NULL, err);
			free(subj);
		}
		sbuf_free(&body);
		store_task_views_free(tasks, nt);
	}
	store_digest_reps_free(reps, n);
	return rc;
}

/* Sends the pending notices from cadence@Domain to their reps: marked
 * sent on a 2xx, marked done with the reply on a 5xx (retrying would not
 * help), left pending on a 4xx or no answer for the next pass. A notice
 * carries a random Message-ID that is not a sequence message's (the
 * milter's gate does not know it and lets it pass as ordinary mail). -1
 * only on a store error. */
int pass_notices(struct sched *s, cad_time_t now, struct cad_err *err)
{
	struct notice *v = NULL;
	size_t n = 0, i;
	int rc = 0;
	char *from = xasprintf("cadence@%s", s->conf.domain);

	if (pass_claim_notices(s, now, NOTICE_BATCH, &v, &n, err) < 0) {
		free(from);
		return -1;
	}
	for (i = 0; i < n && rc == 0 && !*s->stop; i++) {
		static const struct compose_header auto_submitted = {
			"Auto-Submitted", "auto-generated"
		};
		struct compose_in in;
		struct sbuf msg;
		struct submit_result res;
		struct cad_err cerr = { "" };
		unsigned char rnd[16];
		char hex[33];
		char *mid;

		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			rc = cad_err_set(err, "notices: no random bytes for a Message-ID");
			break;
		}
		cad_hex(rnd, sizeof(rnd), hex);
		mid = xasprintf("notice.%s@%s", hex, s->conf.domain);
		memset(&in, 0, sizeof(in));
		in.from_name = "cadence";
		in.from_addr = from;
		in.to_name = v[i].user_name;
		in.to_addr = v[i].user_email;
		in.subject = v[i].subject;
		in.body = v[i].body;
		in.date = now;
		in.message_id = mid;
		in.extra = &auto_submitted;
		in.nextra = 1;
		sbuf_init(&msg);
		memset(&res, 0, sizeof(res));
		if (compose_message(&in, &msg, &cerr) < 0) {
			char *why = xasprintf("cannot compose: %s", cerr.msg);
			cad_log(CAD_LOG_ERR, "notice %lld to %s: %s", (long long)v[i].id,
				v[i].user_email, why);
			rc = store_notice_sent(s->store, v[i].id, why, now, err);
			free(why);
		} else {
			(s->submit ? s->submit : submit_message)(s->conf.submit_url, from,
								  v[i].user_email, msg.s, msg.len,
								  NULL, &res);
			if (res.status == SUBMIT_ACCEPTED) {
				rc = store_notice_sent(s->store, v[i].id, res.reply, now, err);
				cad_log(CAD_LOG_INFO, "sent %s notice %lld to %s: %s",
					notice_kind_name(v[i].kind), (long long)v[i].id,
					v[i].user_email, res.reply ? res.reply : "");
			} else if (res.status == SUBMIT_PERMFAIL) {
				rc = store_notice_sent(s->store, v[i].id, res.reply, now, err);
				cad_log(CAD_LOG_ERR, "notice %lld to %s refused for good: %s",
					(long long)v[i].id, v[i].user_email,
					res.reply ? res.reply : "");
			} else {
				cad_log(CAD_LOG_WARN, "notice %lld to %s: %s; trying again next pass",
					(long long)v[i].id, v[i].user_email,
					res.reply ? res.reply : "");
			}
		}
		submit_result_free(&res);
		sbuf_free(&msg);
		free(mid);
	}
	store_notices_free(v, n);
	free(from);
	pass_claim_notices_release(s);
	return rc;
}
