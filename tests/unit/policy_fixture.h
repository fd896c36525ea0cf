/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy_fixture.h - what the suites of the pure inbound policy
 * (test_inbound_policy*.c) share: a verdict, up to two targets, the facts
 * and the configuration inbound_policy() reads, built here with no store;
 * one active enrollment of ann@acme.test in "Cold" (contact scope, pauses
 * on out-of-office, stops on replies and meetings), Berlin business days
 * 08:00-17:00 with 2027-01-06 as a holiday; now is Monday 2026-11-23
 * 10:00 UTC. The helpers assert (cmocka) as they go.
 */
#ifndef CADENCE_POLICY_FIXTURE_H
#define CADENCE_POLICY_FIXTURE_H

#include <stddef.h>

#include "classify.h"
#include "inbound.h"

struct pfx {
	struct verdict v;
	struct classify_rcpt rcpt;
	struct inbound_target t[2];
	struct inbound_facts f;
	struct inbound_config cfg;
	struct inbound_plan plan;
	struct holiday hol[1];
};

/* An ISO 8601 time (asserted valid). */
cad_time_t pfx_at(const char *s);
/* The fixture above for a verdict of class cls (free with pfx_done). */
struct pfx *pfx_new(enum classify_class cls);
/* inbound_policy() over the first n targets into p->plan (asserted 0). */
void pfx_run(struct pfx *p, size_t n);
void pfx_done(struct pfx *p);
/* SchedulingServices as cadence.conf's table ships it, into cfg (the
 * inbound fixture's too). */
void pfx_scheduling_services(struct inbound_config *cfg);

#endif
