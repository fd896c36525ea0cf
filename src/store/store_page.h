/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_page.h - the look-ups cadenced's HTTP API needs beyond store.h:
 * cursor pages of events and enrollments (by id, stable under inserts),
 * and a contact found by its CRM id.
 *
 * Guarantees: a page holds the rows with id > after in id order, at most
 * limit of them, through an index (never a scan of the whole table for one
 * page when unfiltered); the caller passes the last id it got as the next
 * after. A contact's CRM id is its property crm_id or hs_object_id (a CSV
 * column of that name on import); two contacts with the same CRM id make
 * the look-up an error naming both.
 * Errors: -1 with err; STORE_NOTFOUND when nothing matches a look-up.
 */
#ifndef CADENCE_STORE_PAGE_H
#define CADENCE_STORE_PAGE_H

#include "store.h"

struct page_event_filter {
	const char *type;
	int64_t contact_id, sequence_id, user_id, enrollment_id;   /* 0 = any */
	cad_time_t since, until;                                   /* 0 = no bound */
};
int store_page_events(struct store *st, const struct page_event_filter *f, int64_t after,
		      size_t limit, struct event **out, size_t *n, struct cad_err *err);

struct page_enr_filter {
	int64_t contact_id, sequence_id, user_id;   /* 0 = any */
	int state;                                  /* enum enr_state or -1 */
};
int store_page_enrollments(struct store *st, const struct page_enr_filter *f, int64_t after,
			   size_t limit, struct enrollment_view **out, size_t *n,
			   struct cad_err *err);
/* One enrollment by id, with its names (through the primary key: the
 * filter of store_enrollments() reads every row). */
int store_page_enrollment_get(struct store *st, int64_t id, struct enrollment_view *out,
			      struct cad_err *err);
/* The contact's newest enrollment (any state). */
int store_page_enrollment_latest(struct store *st, int64_t contact_id,
				 struct enrollment_view *out, struct cad_err *err);
/* The contact whose CRM id is crm_id. */
int store_page_contact_by_crm(struct store *st, const char *crm_id, int64_t *contact_id,
			      struct cad_err *err);

#endif
