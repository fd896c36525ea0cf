/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_claim.c - the pass's claims when several cadenced share a store
 * (issue 17; the SQL is store_sched.c's store_due_claim and friends).
 *
 * A pass works only on due enrollments it has claimed (in the write
 * transaction that chose them), under a lease of SCHED_LEASE seconds on
 * the passes' clock: the pass's now plus the real time since it began (so
 * that cadenced --now runs tests on one timeline, and a daemon on the real
 * one). A living pass renews its claims every SCHED_RENEW_EVERY real
 * seconds, between items and while a batch is with the MTA; before it
 * submits a message it checks that the claim is still its own (a pass
 * that stalled past its lease sends nothing more: another took the work).
 * The pass releases its claims at its end; a killed one's expire, or are
 * released at the start of the next pass on the same host that finds the
 * claimer's process gone (pass_claim_reap: a restart after a crash need
 * not wait for the lease; claimers that share a host name must share its
 * process ids, i.e. not run in separate PID namespaces under one name).
 * Safety never rests on the lease alone: a message submitted by a pass
 * whose lease ended meets the milter's gate, which refuses a second copy.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "pass_int.h"

int sched_claimer_id(char *buf, size_t len, struct cad_err *err)
{
	unsigned char r[8];
	char host[64];
	size_t i;
	int n;

	if (RAND_bytes(r, (int)sizeof(r)) != 1)
		return cad_err_set(err, "no random bytes for the claimer's id");
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	n = snprintf(buf, len, "%s:%ld:", host, (long)getpid());
	for (i = 0; i < sizeof(r) && n > 0 && (size_t)n + 2 < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%02x", r[i]);
	return 0;
}

int pass_claims_on(const struct sched *s)
{
	return s->claim_by[0] != '\0';
}

cad_time_t pass_clock(const struct sched *s)
{
	cad_time_t real = cad_now();
	return s->pass_now + (real > s->pass_real ? real - s->pass_real : 0);
}

void pass_claim_begin(struct sched *s, cad_time_t now)
{
	s->pass_now = now;
	s->pass_real = cad_now();
	s->renewed_real = s->pass_real;
}

int pass_claim_renew(struct sched *s, int force, struct cad_err *err)
{
	cad_time_t real = cad_now();

	if (!pass_claims_on(s) || (!force && real - s->renewed_real < SCHED_RENEW_EVERY))
		return PASS_OK;
	s->renewed_real = real;
	return store_claim_renew(s->store, s->claim_by, pass_clock(s) + SCHED_LEASE, NULL, err) < 0
		       ? PASS_STORE : PASS_OK;
}

int pass_claim_hold(struct sched *s, int64_t enrollment_id, int *held, struct cad_err *err)
{
	int rc;

	*held = 1;
	if (!pass_claims_on(s))
		return PASS_OK;
	rc = store_claim_hold(s->store, enrollment_id, s->claim_by, pass_clock(s) + SCHED_LEASE,
			      err);
	if (rc < 0)
		return PASS_STORE;
	*held = rc;
	if (!rc)
		cad_log(CAD_LOG_WARN, "enrollment %lld: the claim was lost (the lease ended and "
			"another cadenced took it): not sent by this pass", (long long)enrollment_id);
	return PASS_OK;
}

int pass_claim_due(struct sched *s, cad_time_t now, struct enrollment_view **due, size_t *n,
		   struct cad_err *err)
{
	struct store_claim c;
	size_t chunk;

	if (!pass_claims_on(s))
		return store_due(s->store, now, s->batch, due, n, err);
	/* A claim is what the pass works on before it reads again: small
	 * enough that a killed pass holds little for a lease, and that two
	 * instances share the due work. */
	chunk = s->conf.submit_batch > 10 ? 2 * (size_t)s->conf.submit_batch : 20;
	if (s->batch > 0 && chunk > s->batch)
		chunk = s->batch;
	memset(&c, 0, sizeof(c));
	c.by = s->claim_by;
	c.until = pass_clock(s) + SCHED_LEASE;
	c.rep_exclusive = s->conf.spacing_seconds > 0;
	s->renewed_real = cad_now();
	return store_due_claim(s->store, now, chunk, &c, due, n, err);
}

void pass_claim_release(struct sched *s)
{
	struct cad_err err = { "" };

	if (pass_claims_on(s) && store_claim_release(s->store, s->claim_by, &err) < 0)
		cad_log(CAD_LOG_WARN, "releasing this pass's claims (they expire by themselves): %s",
			err.msg);
}

int pass_claim_notices(struct sched *s, cad_time_t now, size_t limit, struct notice **v,
		       size_t *n, struct cad_err *err)
{
	struct store_claim c;

	if (!pass_claims_on(s))
		return store_notices_pending(s->store, limit, v, n, err);
	memset(&c, 0, sizeof(c));
	c.by = s->claim_by;
	c.until = pass_clock(s) + SCHED_LEASE;
	return store_notices_claim(s->store, &c, now, limit, v, n, err);
}

void pass_claim_notices_release(struct sched *s)
{
	struct cad_err err = { "" };

	if (pass_claims_on(s) && store_notices_release(s->store, s->claim_by, &err) < 0)
		cad_log(CAD_LOG_WARN, "releasing this pass's notices (they expire by themselves): "
			"%s", err.msg);
}

/* The pid of a claimer "host:pid:random" on this host (the part before
 * the pid equal to ours), or 0. */
static long same_host_pid(const char *mine, const char *other)
{
	const char *a = strrchr(mine, ':'), *b = strrchr(other, ':');
	const char *pa, *pb;
	char *end;
	long pid;

	if (a == NULL || b == NULL)
		return 0;
	/* "host:" of each: everything up to the colon before the pid */
	for (pa = a - 1; pa > mine && *pa != ':'; pa--)
		;
	for (pb = b - 1; pb > other && *pb != ':'; pb--)
		;
	if (*pa != ':' || *pb != ':' || pa - mine != pb - other ||
	    strncmp(mine, other, (size_t)(pa - mine)) != 0)
		return 0;
	pid = strtol(pb + 1, &end, 10);
	return end == b && pid > 0 ? pid : 0;
}

void pass_claim_reap(struct sched *s)
{
	struct cad_err err = { "" };
	char **who = NULL;
	size_t n = 0, i;
	long pid;

	if (!pass_claims_on(s))
		return;
	if (store_claimers(s->store, &who, &n, &err) < 0) {
		cad_log(CAD_LOG_WARN, "listing claimers: %s", err.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(who[i], s->claim_by) != 0 &&
		    (pid = same_host_pid(s->claim_by, who[i])) > 0 && pid != (long)getpid() &&
		    kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			if (store_claim_release(s->store, who[i], &err) < 0)
				cad_log(CAD_LOG_WARN, "releasing the claims of %s: %s", who[i],
					err.msg);
			else
				cad_log(CAD_LOG_INFO, "released the claims of %s (that process is "
					"gone)", who[i]);
		}
		free(who[i]);
	}
	free(who);
}
