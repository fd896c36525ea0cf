/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * act.h - what the milter does at the end of a message once filter.c has
 * decided a message concerns cadence: hand inbound mail to the inbound
 * code, enroll by address, let a rep's own mail complete tasks.
 *
 * Every function here acts on a person's mail, so none of them may stop
 * it: a failure is logged (queue id first) and the message goes on
 * unchanged (DESIGN.md rule 1). They use the connection's store handle
 * (one per libmilter connection, so one thread at a time).
 */
#ifndef CADENCE_MILTER_ACT_H
#define CADENCE_MILTER_ACT_H

#include "mconn.h"
#include "mmsg.h"

/* The message as bytes (kept headers, a blank line, the kept body), as
 * the classifier takes it. */
void act_raw_message(const struct mmsg *m, int leadspc, struct sbuf *out);
/* Classifies the message and hands it to inbound_handle(); logs the
 * summary prefixed with the queue id. */
void act_inbound(struct mconn *cn, struct mmsg *m, cad_time_t now);
/* enroll+SEQ@Domain recipients: enroll_by_mail() (src/enroll_mail.h)
 * enrolls every other external recipient in SEQ as the rep of the From
 * address (the rep's message is their step 1), once EnrollSenders says
 * the message was submitted as that rep; this logs what it did. */
void act_enroll(struct mconn *cn, struct mmsg *m, cad_time_t now);
/* The rep's own mail to enrolled contacts completes their open
 * manual-email tasks. */
void act_rep_mail(struct mconn *cn, struct mmsg *m, cad_time_t now);

/* 1 when addr's domain (addr normalized) is one of InternalDomains. */
int act_internal_domain(const struct mconf *mc, const char *addr);

#endif
