/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy_fixture.c - the shared fixture of the inbound policy suites (see
 * policy_fixture.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "cal.h"
#include "conf.h"
#include "policy_fixture.h"

cad_time_t pfx_at(const char *s)
{
	cad_time_t t;
	assert_int_equal(cad_time_parse(s, &t), 0);
	return t;
}

struct pfx *pfx_new(enum classify_class cls)
{
	struct pfx *p = calloc(1, sizeof(*p));
	struct cad_err err;
	struct inbound_target *t = &p->t[0];

	p->v.cls = cls;
	p->v.rule = "test";
	p->v.message_id = (char *)"in1@acme.test";
	p->v.from = (char *)"ann@acme.test";
	t->e.id = 12;
	t->e.contact_id = 3;
	t->e.sequence_id = 4;
	t->e.user_id = 5;
	t->e.state = ENR_ACTIVE;
	t->contact_email = (char *)"ann@acme.test";
	t->sequence_name = (char *)"Cold";
	t->scope = SEQ_SCOPE_CONTACT;
	t->ooo = SEQ_OOO_PAUSE;
	t->stop_on_reply = 1;
	t->stop_on_meeting = 1;
	t->via = VIA_THREAD;
	t->proven = 1;
	t->our_msgid = (char *)"tok@cadence.test";
	p->hol[0].calendar = (char *)"de";
	snprintf(p->hol[0].date, sizeof(p->hol[0].date), "2027-01-06");
	p->hol[0].name = (char *)"Heilige Drei Könige";
	t->rules.days = SEQ_DAYS_BUSINESS;
	t->rules.holidays = p->hol;
	t->rules.nholidays = 1;
	t->rules.window_start = 8 * 60;
	t->rules.window_end = 17 * 60;
	t->rules.zone = cal_zone_get("Europe/Berlin", &err);
	assert_non_null(t->rules.zone);
	t->have_rules = 1;
	p->f.v = &p->v;
	p->f.auth = INB_AUTH_PASS;
	p->f.sender = "ann@acme.test";
	p->f.now = pfx_at("2026-11-23T10:00:00Z");
	inbound_config_init(&p->cfg);
	pfx_scheduling_services(&p->cfg);
	return p;
}

void pfx_scheduling_services(struct inbound_config *cfg)
{
	static struct cad_conf defaults;
	static int loaded;
	if (!loaded) {
		conf_defaults(&defaults);
		loaded = 1;
	}
	cfg->scheduling_services = defaults.scheduling_services;
	cfg->nscheduling_services = defaults.nscheduling_services;
}

void pfx_run(struct pfx *p, size_t n)
{
	struct cad_err err;
	assert_int_equal(inbound_policy(&p->f, p->t, n, &p->cfg, &p->plan, &err), 0);
}

void pfx_done(struct pfx *p)
{
	inbound_plan_free(&p->plan);
	free(p);
}
