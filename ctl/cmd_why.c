/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_why.c - "cadencectl why ENROLLMENT": why the enrollment's next step
 * has not gone yet, decided by the rules cadenced applies (src/why.h).
 *
 * ENROLLMENT is an enrollment id, or a contact's address (their running
 * enrollment, else their latest one). Read-only.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "enrview.h"
#include "out.h"
#include "why.h"

#define USAGE "why ENROLLMENT|ADDRESS"

/* The enrollment the argument names: 0 and *out, else a message. */
static int pick(struct ctl *c, const char *arg, struct enrollment_view **v, size_t *n,
		size_t *pick_i)
{
	struct enr_filter f;
	struct cad_err err;
	int64_t id = 0;
	char *addr = NULL;
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	f.state = -1;
	if (strchr(arg, '@') != NULL) {
		if (ctl_parse_addr(c, "address", arg, &addr) != 0)
			return -1;
		f.contact = addr;
	} else {
		if (ctl_parse_id(c, "enrollment", arg, &id) != 0)
			return -1;
		f.id = id;
	}
	rc = store_enrollments(c->st, &f, v, n, &err);
	free(addr);
	if (rc != 0) {
		ctl_fail(c, "%s", err.msg);
		return -1;
	}
	if (*n == 0) {
		struct sbuf b;
		sbuf_init(&b);
		cad_printable(&b, arg, 200);
		ctl_fail(c, "%s: no such enrollment", b.s);
		sbuf_free(&b);
		return -1;
	}
	/* A contact's running enrollment first, else the newest one. */
	*pick_i = 0;
	for (i = 0; i < *n; i++) {
		const struct enrollment *e = &(*v)[i].e;
		const struct enrollment *p = &(*v)[*pick_i].e;
		int run = e->state == ENR_ACTIVE || e->state == ENR_PAUSED;
		int prun = p->state == ENR_ACTIVE || p->state == ENR_PAUSED;
		if ((run && !prun) || (run == prun && e->id > p->id))
			*pick_i = i;
	}
	return 0;
}

int cmd_why(struct ctl *c, int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "id", "Enrollment", NULL, 0 },
		{ "contact", "Contact", NULL, 0 },
		{ "sequence", "Sequence", NULL, 0 },
		{ "user", "Rep", NULL, 0 },
		{ "state", "State", NULL, 0 },
		{ "step", "Step", NULL, 0 },
		{ "reason", "Reason", NULL, 0 },
		{ "why", "Why", NULL, 0 },
	};
	struct enrollment_view *v = NULL;
	struct why_conf cf;
	struct why w;
	struct cad_err err;
	size_t n = 0, k = 0;
	json_t *o;
	int rc = ctl_plain_args(c, argc, argv, USAGE, 1, 1, "needs exactly one ENROLLMENT");

	if (rc != CTL_GO)
		return rc;
	if (ctl_conf(c) != 0 || ctl_store(c, STORE_READONLY) != 0)
		return CTL_FAIL;
	if (pick(c, c->pos[0], &v, &n, &k) != 0) {
		store_enrollment_views_free(v, n);
		return CTL_FAIL;
	}
	memset(&cf, 0, sizeof(cf));
	cf.spacing_seconds = c->conf.spacing_seconds;
	cf.spacing_jitter = c->conf.spacing_jitter;
	cf.domain_daily_cap = c->conf.domain_daily_cap;
	rc = why_enrollment(c->st, &cf, v[k].e.id, c->now, &w, &err);
	if (rc != 0) {
		store_enrollment_views_free(v, n);
		return ctl_fail(c, "%s", err.msg);
	}
	o = json_object();
	out_set(o, "id", json_integer(v[k].e.id));
	out_set(o, "contact", out_str(v[k].contact_email));
	out_set(o, "sequence", out_str(v[k].sequence_name));
	out_set(o, "user", out_str(v[k].user_email));
	out_set(o, "state", json_string(enr_state_name(v[k].e.state)));
	out_set(o, "step", w.step > 0 ? json_integer(w.step) : json_null());
	out_set(o, "reason", json_string(why_reason_key(w.kind)));
	out_set(o, "why", json_string(w.text));
	out_set(o, "due", out_time(w.due));
	out_set(o, "until", out_time(w.until));
	out_set(o, "used", w.cap > 0 ? json_integer(w.used) : json_null());
	out_set(o, "cap", w.cap > 0 ? json_integer(w.cap) : json_null());
	out_set(o, "task", out_id(w.task_id));
	out_set(o, "at", out_time(c->now));
	store_enrollment_views_free(v, n);
	out_record(c, o, cols, CAD_ARRAY_LEN(cols));
	return CTL_OK;
}
