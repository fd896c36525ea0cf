/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_doctor_int.h - what the files of "cadencectl doctor" share (not for
 * other commands: cmd_doctor.h is the interface). From the bottom up, no
 * circles: cmd_doctor_tools.c (reporting, running postconf and postmap,
 * checks as the service user), cmd_doctor_postfix.c (the socket, domain
 * and submit checks over Postfix's configuration), cmd_doctor_keys.c (the
 * DKIM keys), cmd_doctor.c (the command, the configuration, user, store,
 * secret and HTTP checks).
 */
#ifndef CADENCE_CMD_DOCTOR_INT_H
#define CADENCE_CMD_DOCTOR_INT_H

#include <sys/types.h>

#include "ctl.h"
#include "out.h"

enum { DOC_OK, DOC_WARN, DOC_FAIL };

struct doc {
	struct ctl *c;
	json_t *checks;
	int nfail, nwarn;
	const char *pfdir;        /* --postfix-config, or NULL */
	int dns;                  /* --dns */
	char *user;               /* the service user's name */
	uid_t uid;
	gid_t gid;
	int have_user;
	int have_postfix;         /* postconf answered */
	char *queue_dir;
	char *mail_owner;
	char *sock;               /* Socket's path, when a unix socket */
};

/* ---- cmd_doctor_tools.c ---- */
/* One line of the report (st: DOC_*; fix: what to do, shown unless OK),
 * also kept for --json. */
void cmd_doctor_report(struct doc *d, int st, const char *check, const char *fix,
		       const char *fmt, ...) CAD_PRINTF(5, 6);
/* postconf [-c DIR] ARGS...: its output, trailing newlines cut; NULL when
 * postconf failed. */
char *cmd_doctor_postconf(const struct doc *d, const char *a1, const char *a2, const char *a3);
/* postmap [-c DIR] -q KEY MAP: the value, or NULL when not found. */
char *cmd_doctor_postmap(const struct doc *d, const char *key, const char *map);
/* A Postfix list (commas, blanks) as a NULL-terminated array. */
char **cmd_doctor_words(const char *s);
void cmd_doctor_words_free(char **v);
typedef int (*as_fn)(const void *arg);
/* Runs fn in a child as user (when root); its result, -1 when it cannot. */
int cmd_doctor_as_user(const char *user, as_fn fn, const void *arg);
/* 0, or the errno the service user gets for access(path, mode). */
int cmd_doctor_user_access(const struct doc *d, const char *path, int mode);
/* Owner and mode of a file the daemons need: FAIL when the service user
 * does not own it (need_owner) or a bit of deny is set (fix: chmod
 * fixmode). 0 when it is fine so far. */
int cmd_doctor_owner(struct doc *d, const char *what, const char *path, mode_t deny,
		     const char *fixmode, int need_owner);

/* ---- cmd_doctor_postfix.c ---- */
/* d->sock: Socket's path when it is a unix socket. */
int cmd_doctor_socket_path(struct doc *d);
/* The socket, domain and submit checks. */
void cmd_doctor_postfix(struct doc *d);

/* ---- cmd_doctor_keys.c ---- */
void cmd_doctor_keys(struct doc *d);

#endif
