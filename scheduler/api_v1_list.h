/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_v1_list.h - what the /v1/ listings share: their filters by rep,
 * sequence and contact, and the envelope of a page.
 *
 * Conventions as api_int.h: a helper that finds the request at fault has
 * answered it (api_error) and returns -1; the handler returns at once.
 */
#ifndef CADENCE_API_V1_LIST_H
#define CADENCE_API_V1_LIST_H

#include "api_int.h"

/* The query's userId, sequenceId and contactId as ids, in that order,
 * each 0 when not asked; a NULL pointer leaves that filter out. A rep's
 * token always filters by that rep (api_acting_rep: 403 for another
 * rep); an unknown sequence or contact is a 404 naming the field.
 * 0, or -1 after the error reply. */
int api_v1_list_filter(struct api_call *c, int64_t *user_id, int64_t *sequence_id,
		       int64_t *contact_id);

/* {"results": results (owned), "paging": {"next": {"after": "<next>"}}},
 * the paging left out when next is 0 (the last page). */
json_t *api_v1_list_page(json_t *results, int64_t next);

#endif
