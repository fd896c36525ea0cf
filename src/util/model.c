/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * model.c - names of the model's enumerations (as stored and printed) and
 * the free functions of its plain structs. No I/O, no policy.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"

static const char *const step_kinds[] = { "email", "manual_email", "call", "linkedin", "task" };
static const char *const seq_days_names[] = { "business", "weekdays", "every" };
static const char *const enr_states[] = { "active", "paused", "finished", "unenrolled" };
static const char *const task_states[] = { "open", "done", "skipped" };
static const char *const msg_states[] = { "prepared", "submitted", "witnessed", "failed", "rejected",
					  "unknown" };
static const char *const supp_kinds[] = {
	"customer", "partner", "competitor", "former_employee",
	"unsubscribed", "bounced", "complaint", "manual"
};

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : "unknown";
}

/* Accepts the stored name, case-insensitively, with '-' or ' ' for '_'. */
static int parse_name(const char *const *names, size_t n, const char *s, int *out)
{
	char buf[32];
	size_t i;
	if (s == NULL || strlen(s) >= sizeof(buf))
		return -1;
	for (i = 0; s[i]; i++)
		buf[i] = (s[i] == '-' || s[i] == ' ') ? '_' : s[i];
	buf[i] = '\0';
	for (i = 0; i < n; i++)
		if (cad_strcaseeq(buf, names[i])) {
			*out = (int)i;
			return 0;
		}
	return -1;
}

const char *step_kind_name(enum step_kind k) { return name_of(step_kinds, CAD_ARRAY_LEN(step_kinds), k); }
const char *seq_days_name(enum seq_days d) { return name_of(seq_days_names, CAD_ARRAY_LEN(seq_days_names), d); }
const char *enr_state_name(enum enr_state s) { return name_of(enr_states, CAD_ARRAY_LEN(enr_states), s); }
const char *task_state_name(enum task_state s) { return name_of(task_states, CAD_ARRAY_LEN(task_states), s); }
const char *msg_state_name(enum msg_state s) { return name_of(msg_states, CAD_ARRAY_LEN(msg_states), s); }
const char *supp_kind_name(enum supp_kind k) { return name_of(supp_kinds, CAD_ARRAY_LEN(supp_kinds), k); }

int step_kind_parse(const char *s, enum step_kind *out)
{
	int v;
	if (parse_name(step_kinds, CAD_ARRAY_LEN(step_kinds), s, &v) < 0) {
		/* Common synonyms a person writes in a sequence file. */
		if (s && (cad_strcaseeq(s, "auto_email") || cad_strcaseeq(s, "automated_email")))
			v = STEP_EMAIL;
		else if (s && (cad_strcaseeq(s, "general") || cad_strcaseeq(s, "general_task")))
			v = STEP_TASK;
		else if (s && cad_strcaseeq(s, "phone"))
			v = STEP_CALL;
		else
			return -1;
	}
	*out = (enum step_kind)v;
	return 0;
}

int seq_days_parse(const char *s, enum seq_days *out)
{
	int v;
	if (parse_name(seq_days_names, CAD_ARRAY_LEN(seq_days_names), s, &v) < 0) {
		if (s && (cad_strcaseeq(s, "business_days") || cad_strcaseeq(s, "business days")))
			v = SEQ_DAYS_BUSINESS;
		else if (s && (cad_strcaseeq(s, "weekdays_only") || cad_strcaseeq(s, "weekdays only")))
			v = SEQ_DAYS_WEEKDAYS;
		else if (s && (cad_strcaseeq(s, "every_day") || cad_strcaseeq(s, "every day")
			       || cad_strcaseeq(s, "calendar")))
			v = SEQ_DAYS_EVERY;
		else
			return -1;
	}
	*out = (enum seq_days)v;
	return 0;
}

int enr_state_parse(const char *s, enum enr_state *out)
{
	int v;
	if (parse_name(enr_states, CAD_ARRAY_LEN(enr_states), s, &v) < 0)
		return -1;
	*out = (enum enr_state)v;
	return 0;
}

int supp_kind_parse(const char *s, enum supp_kind *out)
{
	int v;
	if (parse_name(supp_kinds, CAD_ARRAY_LEN(supp_kinds), s, &v) < 0)
		return -1;
	*out = (enum supp_kind)v;
	return 0;
}

void user_free(struct user *u)
{
	if (u == NULL)
		return;
	free(u->email);
	free(u->name);
	free(u->tz);
	free(u->signature);
	free(u->meeting_link);
	memset(u, 0, sizeof(*u));
}

void sequence_free(struct sequence *s)
{
	size_t i;
	if (s == NULL)
		return;
	free(s->name);
	free(s->owner);
	free(s->description);
	free(s->tz);
	free(s->holidays);
	free(s->source);
	for (i = 0; i < s->nsteps; i++) {
		free(s->steps[i].subject);
		free(s->steps[i].body);
	}
	free(s->steps);
	memset(s, 0, sizeof(*s));
}

void contact_free(struct contact *c)
{
	size_t i;
	if (c == NULL)
		return;
	free(c->email);
	free(c->firstname);
	free(c->lastname);
	free(c->company);
	free(c->tz);
	free(c->region);
	for (i = 0; i < c->nprops; i++) {
		free(c->props[i].key);
		free(c->props[i].value);
	}
	free(c->props);
	for (i = 0; i < c->naliases; i++)
		free(c->aliases[i]);
	free(c->aliases);
	memset(c, 0, sizeof(*c));
}

const char *contact_prop(const struct contact *c, const char *key)
{
	size_t i;
	for (i = 0; i < c->nprops; i++)
		if (cad_strcaseeq(c->props[i].key, key))
			return c->props[i].value;
	return NULL;
}

void contact_set_prop(struct contact *c, const char *key, const char *value)
{
	size_t i;
	for (i = 0; i < c->nprops; i++)
		if (cad_strcaseeq(c->props[i].key, key)) {
			free(c->props[i].value);
			c->props[i].value = xstrdup(value);
			return;
		}
	c->props = xreallocarray(c->props, c->nprops + 1, sizeof(*c->props));
	c->props[c->nprops].key = xstrdup(key);
	cad_strlower(c->props[c->nprops].key);
	c->props[c->nprops].value = xstrdup(value);
	c->nprops++;
}

void enrollment_free(struct enrollment *e)
{
	if (e == NULL)
		return;
	free(e->reason);
	free(e->enrolled_by);
	memset(e, 0, sizeof(*e));
}

void task_free(struct task *t)
{
	if (t == NULL)
		return;
	free(t->note);
	memset(t, 0, sizeof(*t));
}

void sent_msg_free(struct sent_msg *m)
{
	if (m == NULL)
		return;
	free(m->message_id);
	free(m->token);
	free(m->subject);
	free(m->queue_id);
	free(m->smtp_reply);
	memset(m, 0, sizeof(*m));
}

void suppression_free(struct suppression *s)
{
	if (s == NULL)
		return;
	free(s->pattern);
	free(s->note);
	memset(s, 0, sizeof(*s));
}

void event_free(struct event *e)
{
	if (e == NULL)
		return;
	free(e->type);
	free(e->actor);
	free(e->detail);
	free(e->contact_email);
	free(e->sequence_name);
	free(e->user_email);
	memset(e, 0, sizeof(*e));
}
