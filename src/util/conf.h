/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf.h - cadence.conf, the one configuration file of all three programs.
 *
 * Format (as opendkim.conf): "Key value" lines, '#' comments, keys matched
 * case-insensitively against a table of known keys with a type and a
 * default. An unknown key, a bad value or a repeated scalar key is an error
 * naming file:line; nothing of a bad file is applied. See cadence.conf(5).
 */
#ifndef CADENCE_CONF_H
#define CADENCE_CONF_H

#include <stddef.h>

#include "util.h"

#define CONF_DEFAULT_PATH SYSCONFDIR "/cadence/cadence.conf"
#define CONF_DEFAULT_DATABASE LOCALSTATEDIR "/lib/cadence/cadence.db"

struct cad_conf {
	/* shared */
	char *database;            /* Database: a path, or a PostgreSQL URI / libpq keywords */
	char *database_password_file;  /* DatabasePasswordFile: libpq password file (.pgpass) */
	char *secret_file;         /* SecretFile: HMAC key for Message-IDs and tokens */
	char *domain;              /* Domain: domain of cadence's own addresses */
	char *enroll_prefix;       /* EnrollPrefix: "enroll" -> enroll+<seq>@Domain */
	char *unsubscribe_prefix;  /* UnsubscribePrefix: "unsubscribe" */
	char *bounce_prefix;       /* BouncePrefix: "bounces" (VERP) */
	char **internal_domains;   /* InternalDomains: the organization's domains */
	size_t ninternal_domains;
	int syslog;                /* Syslog: yes/no */
	char *user_id;             /* UserID: drop privileges to this user[:group] */
	/* milter */
	char *socket;              /* Socket: local:/path, inet:port@host, inet6:... */
	char *milter_pid_file;     /* MilterPidFile */
	char *key_table;           /* KeyTable (OpenDKIM format) */
	char *signing_table;       /* SigningTable */
	char **internal_hosts;     /* InternalHosts: CIDR list of relaying hosts */
	size_t ninternal_hosts;
	char **trusted_authserv_ids;   /* TrustedAuthservIDs */
	size_t ntrusted_authserv_ids;
	int sign_all;              /* SignAllOutbound: sign all mail of signed domains */
	size_t header_limit;       /* HeaderLimit: bytes of headers kept per message */
	size_t body_limit;         /* BodyLimit: bytes of body kept per message */
	int act_on_unverified;     /* ActOnUnverified: act on unauthenticated signals */
	char *enroll_senders;      /* EnrollSenders: who may enroll by mail as which rep */
	int soft_bounce_threshold; /* SoftBounceThreshold: pause at the Nth soft bounce */
	int ooo_default_days;      /* OOODefaultDays: out-of-office pause without a date */
	char **scheduling_services;    /* SchedulingServices: booking tools' domains */
	size_t nscheduling_services;
	/* scheduler */
	char *scheduler_pid_file;  /* SchedulerPidFile */
	char *submit_url;          /* SubmitURL: smtp://127.0.0.1:10026 */
	int submit_batch;          /* SubmitBatch: messages per connection and grouped write (1 = one each) */
	int submit_connections;    /* SubmitConnections: a batch's SMTP connections at once */
	char *http_listen;         /* HttpListen: 127.0.0.1:8025 ("" = off) */
	int http_threads;          /* HttpThreads: threads serving HTTP requests */
	int http_max_connections;  /* HttpMaxConnections: open HTTP connections at most */
	int http_max_per_ip;       /* HttpMaxPerIP: of them from one address (0 = no limit) */
	int http_request_timeout;  /* HttpRequestTimeout: seconds to send a whole request */
	char *public_url;          /* PublicURL: base of one-click unsubscribe links */
	int spacing_seconds;       /* SendSpacing: minimum seconds between a rep's sends */
	int spacing_jitter;        /* SendJitter: extra random seconds, 0..N */
	int domain_daily_cap;      /* DomainDailyCap: sends per recipient domain per 24 h (0 = none) */
	int verp;                  /* VERP: yes/no */
	char *rep_copy;            /* RepCopy: yes, no or an address pattern (%l %d %a %%) */
};

/* The table of known keys (conf_keys.c): one row per key drives parsing,
 * defaults, conf_dump() and the checks of -n. */
enum conf_type {
	CONF_STRING,   /* any text; "" allowed when quoted */
	CONF_PATH,     /* an absolute path; "" = none (NULL) */
	CONF_BOOL,     /* yes/no, true/false, 1/0 */
	CONF_INT,      /* decimal integer within [min, max] */
	CONF_SIZE,     /* bytes, with an optional k/m/g suffix, within [min, max] */
	CONF_LIST      /* items separated by commas and/or spaces; repeatable */
};

struct conf_key {
	const char *name;          /* as written in the file, "SendSpacing" */
	enum conf_type type;
	size_t off;                /* offsetof the field in struct cad_conf */
	size_t count_off;          /* lists: offsetof the item count */
	const char *def;           /* default, as written in a file; NULL = not set */
	long long min, max;        /* CONF_INT and CONF_SIZE */
	/* Extra syntax check of a string or of each list item; NULL = none.
	 * Returns 0 or -1 with err saying what is wrong (without the key). */
	int (*check)(const char *value, struct cad_err *err);
};
extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;
/* The row for name (case-insensitive), or NULL. */
const struct conf_key *conf_key_find(const char *name);

/* Fills conf with every key's default. */
void conf_defaults(struct cad_conf *conf);
/* Reads path over the defaults. On error conf holds the defaults only and
 * err says "path:line: what". conf need not be initialised; whatever it
 * held is overwritten, not freed. */
int conf_load(const char *path, struct cad_conf *conf, struct cad_err *err);
/* The same over a buffer; name is used in messages. */
int conf_load_buffer(const char *name, const char *buf, size_t len, struct cad_conf *conf,
		     struct cad_err *err);
void conf_free(struct cad_conf *conf);
/* 1 when a Database value names a database server rather than a file: a
 * postgresql:// (or postgres://) URI, or libpq keywords ("host=...
 * dbname=...") starting with one of libpq's keywords. */
int conf_database_is_server(const char *v);
/* Whether a server's Database value carries its password, which belongs
 * in DatabasePasswordFile or ~/.pgpass, never in cadence.conf or on a
 * command line that others can read: CONF_DBPW_PARAM for a password
 * parameter (a URI's ?password= or ?sslpassword=, the key percent-encoded
 * or in any case; a libpq password or sslpassword keyword, "key = value"
 * with spaces or quotes),
 * CONF_DBPW_URI for user:PASSWORD@ in a URI's authority, else
 * CONF_DBPW_NONE (also for a file's path). cadence.conf's check of
 * Database and "cadencectl migrate --to" both ask it. */
enum { CONF_DBPW_NONE = 0, CONF_DBPW_PARAM, CONF_DBPW_URI };
int conf_database_has_password(const char *v);
/* Writes every key and its effective value, as cadence.conf lines
 * (quoted where needed; a key not set is a "# Key (not set)" comment).
 * conf_load() of the dump gives the same values. */
void conf_dump(const struct cad_conf *conf, struct sbuf *out);
/* Appends key k's effective value to out as plain text, unquoted (lists
 * joined with ", ", sizes as "64k"), for display and JSON. Returns 0, out
 * untouched, when the key is not set (NULL string or path, empty list). */
int conf_value(const struct cad_conf *conf, const struct conf_key *k, struct sbuf *out);

#endif
