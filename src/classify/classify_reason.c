/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_reason.c - why did a delivery fail? Maps an RFC 3463 status, an
 * SMTP reply code and the remote server's words to a reason name in
 * Sisimai's vocabulary (userunknown, mailboxfull, hostunknown, filtered,
 * blocked, ...), and says whether the failure is "hard" in Sisimai's
 * meaning: only when the address itself is dead (user unknown, host
 * unknown, has moved, does not accept mail at all). A permanent 5.x.x for a
 * full mailbox, spam or policy is soft: the address may work tomorrow.
 *
 * The phrase lists are what the large MTAs and providers write (learned
 * from Sisimai's reason modules and real bounces); they are matched
 * case-blind. Order matters and follows Sisimai's: a full or disabled
 * mailbox wins over a generic "mailbox unavailable"; the sender's own
 * refusal (x.1.7, x.1.8, an error to MAIL FROM) is "rejected".
 *
 * A hard bounce suppresses an address for good, so "user unknown" makes
 * an address dead only on evidence: a status that says so (x.1.1, x.1.0,
 * x.1.10, Exchange's x.1.351), a refusal in reply to RCPT TO, or the words
 * a provider uses only for a missing mailbox. The same words said after
 * DATA, or with no status and no SMTP stage, are a filter's refusal
 * ("filtered", soft), as Sisimai rules too. A temporary status (4.x.x) is
 * never hard: a DNS failure then is "networkerror", not "hostunknown".
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "classify_int.h"

struct phrases {
	const char *reason;
	const char *const *list;
};

static const char *const p_mailboxfull[] = {
	"mailbox full", "mailbox is full", "mailbox is over quota", "over quota",
	"quota exceeded", "exceeded storage", "exceeds the storage",
	"exceeded the storage", "mailbox size limit", "user is over quota",
	"is over the allowed quota", "quota full", "mailbox has exceeded",
	"not enough storage", "insufficient storage", "mailfolder is full",
	"disk quota", "account is full", "is full", "storage allocation",
	"mailbox exceeds", "overquota", "over the quota", NULL
};
static const char *const p_mesgtoobig[] = {
	"message too large", "message too big", "message is too large",
	"message size exceeds", "message exceeds", "size limit", "too large",
	"exceeds size", "exceeds the maximum size", "mail size", NULL
};
static const char *const p_exceedlimit[] = {
	"message header size exceeds", "exceeds local limit", NULL
};
static const char *const p_suspend[] = {
	"account disabled", "account has been disabled", "account is disabled",
	"mailbox disabled", "mailbox is disabled", "account is inactive",
	"mailbox is inactive", "is not active", "deactivated", "suspended",
	"account has been suspended", "temporarily disabled", "inactive account",
	"mailbox currently suspended", "has been disabled", "is no longer in use",
	"account expired", "account locked", "temporary locked", "temporarily locked",
	"inactive email address", "inactive mailbox", "mailbox is frozen", NULL
};
static const char *const p_hasmoved[] = {
	"has been moved", "has moved", "address has changed", "no longer at this address",
	NULL
};
static const char *const p_norelaying[] = {
	"relay access denied", "relaying denied", "relay denied", "not permitted to relay",
	"relay not permitted", "we do not relay", "relaying not allowed",
	"unable to relay", "relay prohibited", "not allowed to relay", "no relaying",
	"relaying mail to", "is not a gateway", NULL
};
static const char *const p_userunknown[] = {
	"user unknown", "unknown user", "no such user", "no such mailbox",
	"no such recipient", "no such account", "mailbox not found",
	"recipient not found", "user not found", "unknown recipient",
	"recipient unknown", "unknown address", "address unknown", "invalid recipient",
	"invalid mailbox", "invalid address", "does not exist", "doesn't exist",
	"not exist", "no mailbox", "unknown local part", "unknown local-part",
	"addressee unknown", "not a valid mailbox",
	"is not a valid user", "user doesn't have", "not our customer",
	"no account by that name", "unknown or illegal alias", "bad destination mailbox",
	"recipient address rejected: user", "unknown mailbox", "mailbox unavailable",
	"mailbox not available", "no valid recipient", "no user", "user not exist",
	"address not present", "recipient is not", "account not found",
	"name not recognized", "not listed in", "user is unknown",
	"invalid-recipient", "not a known user", "no such person", "undeliverable address",
	"destination address rejected", "mailbox does not", "not recognized as a valid",
	"dosn't exist", "not recognized", "invalid final delivery userid",
	"possibly incorrect", "address couldn't be found", "address not found",
	"check if address is correct", "wasn't found", "was not found", "unknown recipient", "address is not valid", "is not a recognized", NULL
};
/* What particular providers write when the mailbox does not exist, said
 * by the recipient's own system, so it holds whatever the SMTP stage was:
 * Yahoo, Orange/Wanadoo, Exchange 2003, Lotus Domino, Ipswitch IMail,
 * Gmail, Trend Micro InterScan, and sendmail's local delivery agent. */
static const char *const p_userunknown_definite[] = {
	"this user doesn't have a", "adresse destinataire invalide",
	"recipient name is not recognized", "not listed in domino directory",
	"not listed in public name & address book", "invalid final delivery userid",
	"?p=nosuchuser", "the email account that you tried to reach does not exist",
	"** address not found **", "mail.local: unknown user",
	"please check if address is correct",
	NULL
};
/* user-unknown words that cannot be about a domain */
static const char *const p_userunknown_strict[] = {
	"user unknown", "unknown user", "no such user", "no such mailbox", "mailbox not found",
	"user not found", "unknown recipient", "recipient unknown", NULL
};
static const char *const p_filtered[] = {
	"because the recipient is only accepting mail from",
	"refused due to recipient preferences", "user reject", "message filtered",
	"is not accepting any mail", "rejected due to user rules", "you have been blocked by the recipient",
	"this account is protected by", "bounced address", NULL
};
static const char *const p_rejected[] = {
	"sender address rejected", "sender rejected", "domain of sender address",
	"sender verify failed", "sender domain", "sender not allowed",
	"invalid sender", "sender is", "address of sender", "envelope sender",
	"mail from", "return path", "sender address", NULL
};
static const char *const p_hostunknown[] = {
	"host unknown", "host not found", "unknown host", "domain not found",
	"name or service not known", "no mx", "domain does not exist",
	"host or domain name not found", "unrouteable mail domain", "domain name not found",
	"nxdomain", "no such domain", "unknown domain", "domain is not", "illegal host",
	"no route to domain", "domain lookup failed", "name server", "mx records",
	"hostname lookup failure", "host name lookup failure", "domain has no",
	"domain may not exist", "domain is not reachable", "unrouteable address", NULL
};
static const char *const p_dnsfail[] = {
	"malformed or unexpected name server reply", "server failure", "servfail",
	"timed out", "temporary failure in name resolution", "host not found, try again", NULL
};
static const char *const p_spam[] = {
	"spam", "junk mail", "unsolicited", "bulk mail", "content rejected",
	"message content", "blocked for abuse", "considered as spam", NULL
};
static const char *const p_virus[] = {
	"virus", "malware", "infected", NULL
};
static const char *const p_toomanyconn[] = {
	"too many connections", "too many concurrent", "connection limit",
	"too many sessions", "too many recipients", NULL
};
static const char *const p_requireptr[] = {
	"reverse dns", "reverse lookup", "ptr record", "no ptr", "rdns",
	"reverse-dns", "cannot find your hostname", "reverse hostname",
	"your ip has no", "does not resolve", "client host name", NULL
};
static const char *const p_authfailure[] = {
	"spf", "dkim", "dmarc", "sender policy framework", "not authorized to send",
	"authentication failed", "unauthenticated", NULL
};
static const char *const p_blocked[] = {
	"blocked", "blacklist", "block list", "blocklist", "listed in", "rbl",
	"spamhaus", "spamcop", "poor reputation", "bad reputation", "access denied",
	"client host rejected", "connection refused", "not allowed", "banned",
	"dnsbl", "has been temporarily rate limited", "reputation", "invalid ip", NULL
};
static const char *const p_policy[] = {
	"policy", "not compliant", "rfc 5322", "rfc5322", "header error",
	"prohibited", NULL
};
static const char *const p_security[] = {
	"authentication required", "must use tls", "encryption required",
	"starttls", "security policy", "security reasons", NULL
};
static const char *const p_expired[] = {
	"retry timeout exceeded", "retry time", "delivery time expired",
	"message expired", "giving up", "given up", "too long in queue",
	"could not be delivered for", "undeliverable for", "expired",
	"for past", "have not been able to deliver", "has not been delivered",
	"delayed", "still being retried", "will retry", "timed out", "timeout", NULL
};
static const char *const p_network[] = {
	"connection timed out", "connection refused", "no route to host",
	"network is unreachable", "lost connection", "mail loop", "loops back",
	"too many hops", "hop count exceeded", "routing loop", "connect to",
	"unable to connect", "could not connect", "network", NULL
};
static const char *const p_systemerror[] = {
	"system error", "internal error", "configuration error", "server error",
	"temporary failure", "system not", "local error", NULL
};
static const char *const p_mailererror[] = {
	"mailer error", "command died", "procmail", "pipe to", "program",
	"x-unix", NULL
};
static const char *const p_notaccept[] = {
	"does not accept mail", "doesn't accept mail", "not accepting mail",
	"indicated no smtp service", "no smtp service",
	"null mx", "accepts no mail", "does not receive mail", NULL
};
static const char *const p_systemfull[] = {
	"insufficient system storage", "disk full", "out of disk", "system full", NULL
};
static const char *const p_syntax[] = {
	"syntax error", "command unrecognized", "bad sequence of commands",
	"unrecognized command", NULL
};

/* Every list reason_of() asks about, filed once: one pass over the text
 * answers all of them. */
static const char *const *const all_lists[] = {
	p_mailboxfull, p_mesgtoobig, p_exceedlimit, p_suspend, p_hasmoved, p_norelaying,
	p_userunknown, p_userunknown_definite, p_userunknown_strict, p_filtered, p_rejected,
	p_hostunknown, p_dnsfail, p_spam, p_virus, p_toomanyconn, p_requireptr,
	p_authfailure, p_blocked, p_policy, p_security, p_expired, p_network,
	p_systemerror, p_mailererror, p_notaccept, p_systemfull, p_syntax, NULL
};
static struct classify_phraseset all_set;
static pthread_once_t all_once = PTHREAD_ONCE_INIT;

static void all_build(void)
{
	classify_text_phraseset_build(&all_set, all_lists);
}

/* What the text says, for match(). */
struct said {
	const char *text;
	uint64_t hits;
};

static void said_scan(struct said *w, const char *text)
{
	pthread_once(&all_once, all_build);
	w->text = text;
	w->hits = text ? classify_text_phraseset_scan(&all_set, text, strlen(text)) : 0;
}

static int match(const struct said *w, const char *const *list)
{
	return w->text != NULL && classify_text_phraseset_has(&all_set, w->hits, list, w->text);
}

/* Which SMTP command was answered with the error, when the text says so. */
static const char *smtp_command(const char *t)
{
	if (t == NULL)
		return "";
	static const char *const data[] = {
		"end of data", "command data", ">>> data", "after data", "reply to data",
		"data command", NULL
	};
	static const char *const rcpt[] = {
		/* Postfix's and qmail's words for a refusal at RCPT time */
		"recipient address rejected", "does not like recipient",
		"rcpt to", "rcpt_to", ">>> rcpt", "after rcpt", "rcpt command", "smtp:rcpt", NULL
	};
	static const char *const mail[] = { "mail from", ">>> mail", NULL };
	size_t n = strlen(t);
	if (classify_text_memcase_any(t, n, data))
		return "DATA";
	if (classify_text_memcase_any(t, n, rcpt))
		return "RCPT";
	if (classify_text_memcase_any(t, n, mail))
		return "MAIL";
	return "";
}

/* The reason an RFC 3463 status alone says. */
static const char *status_reason(const char *st, const char *action)
{
	if (st == NULL || strlen(st) < 5)
		return NULL;
	const char *sub = st + 2; /* "1.1" of "5.1.1" */
	static const struct { const char *sub; const char *reason; } map[] = {
		{ "1.0", "userunknown" }, { "1.1", "userunknown" }, { "1.2", "hostunknown" }, { "1.3", "userunknown" },
		{ "1.4", "userunknown" }, { "1.6", "hasmoved" }, { "1.7", "rejected" },
		{ "1.8", "rejected" }, { "1.10", "userunknown" },
		{ "1.351", "userunknown" },  /* Exchange Online: unknown recipient */ { "2.0", "filtered" },
		{ "2.1", "filtered" }, { "2.2", "mailboxfull" }, { "2.3", "exceedlimit" },
		{ "2.4", "systemerror" }, { "3.0", "systemerror" }, { "3.1", "systemfull" },
		{ "3.2", "notaccept" }, { "3.3", "systemerror" }, { "3.4", "mesgtoobig" },
		{ "3.5", "systemerror" }, { "4.0", "networkerror" }, { "4.1", "networkerror" },
		{ "4.2", "networkerror" }, { "4.3", "systemerror" }, { "4.4", "hostunknown" },
		{ "4.5", "networkerror" }, { "4.6", "networkerror" }, { "4.7", "expired" },
		{ "5.0", "syntaxerror" }, { "5.1", "syntaxerror" }, { "5.2", "syntaxerror" },
		{ "5.3", "syntaxerror" }, { "5.4", "syntaxerror" }, { "6.0", "contenterror" },
		{ "6.1", "contenterror" }, { "7.0", "securityerror" }, { "7.1", "blocked" },
		{ "7.7", "policyviolation" }, { "7.9", "policyviolation" },
		{ "7.23", "authfailure" }, { "7.25", "requireptr" }, { "7.26", "authfailure" },
		{ "7.27", "notaccept" }, { "7.509", "authfailure" }, { "7.515", "authfailure" },
		{ "7.606", "blocked" },
	};
	for (size_t i = 0; i < CAD_ARRAY_LEN(map); i++)
		if (strcmp(sub, map[i].sub) == 0)
			return map[i].reason;
	if (st[0] == '4' && action && strcmp(action, "delayed") == 0)
		return "expired";
	if (strncmp(sub, "6.", 2) == 0)
		return "contenterror";
	if (strncmp(sub, "7.", 2) == 0)
		return "policyviolation";
	return NULL;
}

static const char *reason_of(const char *status, const char *text, const char *cmd,
    const char *action);

const char *classify_reason(const char *status, int smtp_code, const char *diag,
    const char *context, const char *action)
{
	const char *cmd = smtp_command(diag);
	(void)smtp_code;
	if (*cmd == '\0')
		cmd = smtp_command(context);
	if (diag != NULL && *diag) {
		const char *r = reason_of(status, diag, cmd, action);
		if (strcmp(r, "undefined") != 0 || context == NULL)
			return r;
	}
	struct sbuf all;
	sbuf_init(&all);
	sbuf_adds(&all, diag ? diag : "");
	sbuf_addc(&all, ' ');
	sbuf_adds(&all, context ? context : "");
	const char *r = reason_of(status, all.s, cmd, action);
	sbuf_free(&all);
	return r;
}

static const char *reason_of(const char *status, const char *text, const char *cmd,
    const char *action)
{
	const char *st_reason = status_reason(status, action);
	int delayed = action && strcmp(action, "delayed") == 0;
	int temporary = status != NULL && status[0] == '4';
	struct said said;

	said_scan(&said, text);

	if (delayed && !match(&said, p_mailboxfull))
		return "expired";
	/* the sender's address or system was refused, not the recipient's */
	if (status && (strcmp(status + 1, ".1.7") == 0 || strcmp(status + 1, ".1.8") == 0))
		return "rejected";
	if (strcmp(cmd, "MAIL") == 0 && !match(&said, p_mailboxfull) && !match(&said, p_blocked))
		return "rejected";
	/* a DNS lookup that failed for now */
	if (temporary && (classify_text_strcasestr(text, "dns error") || match(&said, p_dnsfail)))
		return "networkerror";
	if (classify_text_strcasestr(text, "on hold"))
		return "onhold";
	if (match(&said, p_mesgtoobig) && !match(&said, p_mailboxfull))
		return "mesgtoobig";
	if (match(&said, p_exceedlimit))
		return "exceedlimit";
	if (match(&said, p_mailboxfull) || (st_reason && strcmp(st_reason, "mailboxfull") == 0))
		return "mailboxfull";
	if (match(&said, p_suspend))
		return "suspend";
	if (match(&said, p_hasmoved) || (status && strcmp(status + 1, ".1.6") == 0))
		return "hasmoved";
	if (match(&said, p_norelaying))
		return "norelaying";
	if (match(&said, p_notaccept))
		return "notaccept";
	/* a dead address: x.1.1, or "user unknown" in reply to RCPT TO */
	if (st_reason && strcmp(st_reason, "userunknown") == 0 &&
	    !match(&said, p_blocked) && !match(&said, p_rejected) && !match(&said, p_spam) &&
	    !match(&said, p_authfailure))
		return "userunknown";
	if (match(&said, p_userunknown_definite))
		return "userunknown";
	/* Exchange Online's directory-based edge blocking: the recipient is not
	 * in the tenant's directory */
	if (classify_text_strcasestr(text, "recipient address rejected: access denied"))
		return "userunknown";
	if (match(&said, p_hostunknown) && !match(&said, p_userunknown_strict)) {
		if (temporary || match(&said, p_dnsfail))
			return "networkerror";
		return "hostunknown";
	}
	if (match(&said, p_userunknown) && strcmp(cmd, "RCPT") == 0)
		return "userunknown";
	if (match(&said, p_filtered))
		return "filtered";
	/* user-unknown words with a status that does not say so, not said at
	 * RCPT time: the message was refused after it was sent (a filter) */
	if (match(&said, p_userunknown) && !match(&said, p_blocked) && !match(&said, p_spam))
		return "filtered";
	/* a DNS answer that failed, or a temporary status, is not a dead domain */
	if ((st_reason && strcmp(st_reason, "hostunknown") == 0) || match(&said, p_hostunknown)) {
		if (temporary || match(&said, p_dnsfail))
			return "networkerror";
		return "hostunknown";
	}
	if (match(&said, p_notaccept) || (st_reason && strcmp(st_reason, "notaccept") == 0))
		return "notaccept";
	if (match(&said, p_virus))
		return "virusdetected";
	if (match(&said, p_authfailure) || (st_reason && strcmp(st_reason, "authfailure") == 0))
		return "authfailure";
	if (match(&said, p_requireptr) || (st_reason && strcmp(st_reason, "requireptr") == 0))
		return "requireptr";
	if (match(&said, p_spam))
		return "spamdetected";
	if (match(&said, p_toomanyconn))
		return "toomanyconn";
	if (match(&said, p_rejected) || (st_reason && strcmp(st_reason, "rejected") == 0))
		return "rejected";
	if (match(&said, p_blocked))
		return "blocked";
	if (match(&said, p_security))
		return "securityerror";
	if (match(&said, p_policy))
		return "policyviolation";
	if (match(&said, p_systemfull))
		return "systemfull";
	if (match(&said, p_mailererror))
		return "mailererror";
	if (match(&said, p_syntax))
		return "syntaxerror";
	if (st_reason && strcmp(st_reason, "expired") == 0)
		return "expired";
	if (match(&said, p_expired))
		return "expired";
	if (match(&said, p_network))
		return "networkerror";
	if (match(&said, p_systemerror))
		return "systemerror";
	if (st_reason)
		return st_reason;
	/* refused at RCPT time, permanently, without a word why: the address */
	if (strcmp(cmd, "RCPT") == 0 && (status == NULL || status[0] == '5'))
		return "userunknown";
	return "undefined";
}

int classify_reason_is_hard(const char *reason, const char *status)
{
	if (reason == NULL)
		return 0;
	if (strcmp(reason, "userunknown") == 0 || strcmp(reason, "hostunknown") == 0 ||
	    strcmp(reason, "hasmoved") == 0)
		return 1;
	/* "does not accept mail" is final only when said as a permanent error */
	if (strcmp(reason, "notaccept") == 0)
		return status == NULL || status[0] != '4';
	return 0;
}
