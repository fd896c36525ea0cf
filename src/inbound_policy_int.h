/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_policy_int.h - what the files of the inbound policy share (not
 * for other modules: inbound.h is the interface). From the bottom up, no
 * circles: inbound_plan.c (a plan's actions and the detail every event
 * carries), inbound_policy_meet.c (what an iMIP message does),
 * inbound_policy.c (inbound_policy(): every other signal).
 */
#ifndef CADENCE_INBOUND_POLICY_INT_H
#define CADENCE_INBOUND_POLICY_INT_H

#include "inbound.h"

/* ---- inbound_plan.c ---- */
/* Appends an action of kind with event (may be NULL) for target t (NULL:
 * none); its ids and label are t's, the rest zeroed. */
struct inbound_action *inbound_plan_push(struct inbound_plan *p, enum inbound_act kind,
					 const char *event, const struct inbound_target *t);
/* An event's detail: fmt, then what was seen (rule, sender, via, the
 * class's fields, auth, the message's id last). Caller frees. */
char *inbound_plan_detail(const struct inbound_facts *f, const struct inbound_target *t,
			  const char *fmt, ...) CAD_PRINTF(3, 4);
/* Appends a record-only action (event with detail what). */
void inbound_plan_record(struct inbound_plan *p, const struct inbound_facts *f,
			 const struct inbound_target *t, const char *event, const char *what);
/* 1 when the plan already has an action of kind for addr. */
int inbound_plan_has(const struct inbound_plan *p, enum inbound_act kind, const char *addr);
/* 1 when t's enrollment is neither active nor paused. */
int inbound_plan_stopped(const struct inbound_target *t);
/* The recipient of a bounce that concerns target t (its address first,
 * then the first hard one, then the first), or NULL. */
const struct classify_rcpt *inbound_plan_bounce_rcpt(const struct verdict *v,
						const struct inbound_target *t);
/* "5.1.1 user unknown", "mailbox full", or nothing, appended to b. */
void inbound_plan_bounce_words(struct sbuf *b, const struct classify_rcpt *r);

/* ---- inbound_policy_meet.c ---- */
/* A meeting message (iMIP) for trusted target t: unenroll on an
 * invitation or an acceptance between the contact and its rep from a
 * sender who may speak for it; else a record. */
void inbound_policy_meet(struct inbound_plan *p, const struct inbound_facts *f,
			 const struct inbound_target *t, const struct inbound_config *cfg);

#endif
