/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter.c - cadence-milter's libmilter callbacks: negotiate, HELO, MAIL
 * FROM, RCPT, headers, end of headers, body, end of message, abort, close.
 *
 * The milter is on the path of every message the organization sends or
 * receives (DESIGN.md rule 6), so it takes as little of the protocol as it
 * can and lets go of a message as soon as it provably needs nothing more:
 *
 *   step (negotiated)      what is decided there
 *   -------------------    ------------------------------------------------
 *   negotiate              no CONNECT, DATA or unknown-command callbacks;
 *                          no replies to HELO, MAIL, RCPT or each header
 *                          (SMFIP_NR_*: the MTA sends them on without
 *                          waiting, so a message costs one round trip,
 *                          at end of headers, when it is not ours);
 *                          SMFIP_SKIP; header values with
 *                          their leading space; actions: add a header
 *                          (DKIM-Signature), remove a recipient (cadence's
 *                          own), change a header (To/Cc without cadence's
 *                          own addresses); only the macros i,
 *                          {auth_authen}, {daemon_name}, {client_addr}
 *   HELO                   the HELO name is kept (SPF of the null sender)
 *   MAIL FROM              outbound = InternalHosts client or SMTP AUTH
 *                          (cadenced submits from an InternalHosts address);
 *                          the null sender is noted. Nothing is released
 *                          here: only the Message-ID tells sequence mail.
 *   RCPT                   each recipient kept (MILTER_MAX_RCPTS); cadence's
 *                          own addresses (enroll+SEQ, unsubscribe+TOKEN,
 *                          bounces+TOKEN @Domain: inbound_own_address, no
 *                          SQL) remembered; internal/external noted
 *   headers                kept, within HeaderLimit and MILTER_MAX_HEADERS;
 *                          each Message-ID field is also counted and
 *                          verified as it comes (mmsg_note_msgid), beyond
 *                          those caps
 *   end of headers         THE GATE DECIDES FIRST: outbound mail with a
 *                          Message-ID that verifies with the site secret
 *                          (msgid_verify, no SQL) is SEQUENCE mail,
 *                          m->cls = MAIL_SEQUENCE, before any limit, so
 *                          that a sequence message beyond HeaderLimit or
 *                          MILTER_MAX_HEADERS, or with a second
 *                          Message-ID, is tempfailed, never passed on
 *                          unsigned and unwitnessed. Then the limits
 *                          (a person's mail beyond them: ACCEPT).
 *                          OUTBOUND (not the null sender, unless its
 *                          Message-ID verifies):
 *                          - SEQUENCE mail (failures fail closed):
 *                            signed when the From has a SigningTable
 *                            entry; the gate runs at EOM
 *                          - otherwise a rep's mail: signed only with
 *                            SignAllOutbound; an enroll+SEQ recipient sets
 *                            do_enroll; another own recipient do_inbound;
 *                            when own recipients will be removed (not the
 *                            whole message discarded), each To and Cc
 *                            naming one of cadence's addresses gets its
 *                            new value (hdr_strip_own) BEFORE the signer
 *                            sees the headers, so that the signature
 *                            covers the headers that leave;
 *                            external recipients: does the rep have open
 *                            manual-email tasks (cached until the store
 *                            changes, factcache.h; the recipients looked
 *                            up only when yes: do_rep); none of these:
 *                            ACCEPT
 *                          INBOUND (and the null sender from inside:
 *                          Postfix's own DSNs, non_smtpd_milters): the
 *                          body is wanted (do_inbound, want_body) only
 *                          when it can matter: an own recipient, the null
 *                          sender, In-Reply-To/References verifying as
 *                          ours, Auto-Submitted, multipart/report or
 *                          text/calendar, else a From the store knows as a
 *                          contact (the one look-up, cached until the
 *                          store changes: factcache.h); mail to no
 *                          InternalDomains recipient, or none of these:
 *                          ACCEPT. When wanted, the signal's
 *                          authentication is read (trusted
 *                          Authentication-Results, else SPF) and logged;
 *                          it counts only aligned with the From domain
 *                          (DMARC relaxed: the same organizational domain,
 *                          libpsl); HELO never authenticates a From.
 *   body                   streamed into the signer; kept up to BodyLimit
 *                          only when wanted; SKIP when neither
 *   end of message         1. the signature is computed;
 *                          2. sequence mail meets the gate
 *                             (store_msg_gate with the queue id, one
 *                             transaction): ACCEPT witnesses it; REJECT
 *                             (stopped, already sent) and UNKNOWN (a
 *                             verifying id the ledger never recorded) are
 *                             answered 550 5.7.1 with the reason;
 *                          3. the DKIM-Signature is inserted at index 1;
 *                          4. do_inbound: DKIM verification of the kept
 *                             headers and body (mverify.c: an
 *                             aligned valid signature authenticates),
 *                             classify_message +
 *                             inbound_handle; do_enroll: enroll_one per
 *                             external recipient + store_msg_external;
 *                             do_rep: inbound_rep_mail (act.c, fail open);
 *                          5. own recipients are removed (smfi_delrcpt);
 *                             DISCARD when no other recipient remains;
 *                             the To/Cc rewrites decided at EOH are
 *                             applied (smfi_chgheader; NULL deletes a
 *                             header left empty), last occurrence first.
 *
 * Failures go through the policy table (policy.c): a person's mail is
 * accepted unchanged and the reason logged; sequence mail is tempfailed.
 *
 * Every libmilter call goes through mapi.h (mapi_*), so that the
 * callbacks also run in process without an MTA (replay.h: the unit tests
 * and cadence-milter -T).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <libmilter/mfapi.h>

#include "act.h"
#include "authres.h"
#include "mconn.h"
#include "mmsg.h"
#include "msign.h"
#include "mverify.h"
#include "factcache.h"
#include "filter.h"
#include "hdr_strip.h"
#include "mapi.h"
#include "policy.h"
#include "msgid.h"
#include "orgdomain.h"
#include "spf.h"
#include "store.h"
#include "store_ledger.h"

static struct spf_checker *spf;

void filter_set_spf(struct spf_checker *c)
{
	spf = c;
}

static const char *clock_file;

void filter_set_clock_file(const char *path)
{
	clock_file = path;
}

/* The time the end of message acts at (the gate's witness, inbound
 * events): the clock, or (testing, -t) the time written in the clock file,
 * so that a test bed running cadenced with --now keeps one timeline. */
static cad_time_t filter_now(void)
{
	char buf[64];
	cad_time_t t;
	FILE *f;
	size_t n;
	if (clock_file == NULL || (f = fopen(clock_file, "r")) == NULL)
		return cad_now();
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (cad_time_parse(buf, &t) != 0) {
		cad_log(CAD_LOG_WARN, "%s: not a time (YYYY-MM-DDTHH:MM:SSZ): using the clock",
			clock_file);
		return cad_now();
	}
	return t;
}

static struct mconn *conn_of(SMFICTX *ctx)
{
	struct mconn *cn = mapi_getpriv(ctx);
	if (cn == NULL) {
		/* an MTA that does not negotiate (milter protocol < 6) */
		cn = mconn_new();
		cn->addhdrs = 1;
		mapi_setpriv(ctx, cn);
	}
	return cn;
}

static char *macro(SMFICTX *ctx, const char *name)
{
	const char *v = mapi_getsymval(ctx, name);
	return v != NULL && *v != '\0' ? xstrdup(v) : NULL;
}

/* Ends the message on a final answer, so that nothing lingers after it. */
static sfsistat done(struct mconn *cn, sfsistat r)
{
	mmsg_end(cn);
	return r;
}

static sfsistat apply(SMFICTX *ctx, struct mconn *cn, enum policy_action a)
{
	if (a == POLICY_TEMPFAIL) {
		mapi_setreply(ctx, "451", "4.3.0", "cadence: temporary failure, please try again");
		return done(cn, SMFIS_TEMPFAIL);
	}
	return done(cn, SMFIS_ACCEPT);
}

static sfsistat failure(SMFICTX *ctx, struct mconn *cn, enum fail_kind kind, const char *detail)
{
	struct mmsg *m = cn->msg;
	return apply(ctx, cn, policy_fail(m->cls, kind, m->qid, detail));
}

static void refresh_qid(SMFICTX *ctx, struct mmsg *m)
{
	const char *q = mapi_getsymval(ctx, "i");
	if (q != NULL && *q != '\0')
		mmsg_set_qid(m, q);
}

/* The address of a From header value, normalized; NULL when the header
 * does not hold exactly one mailbox. */
static char *from_address(const char *value)
{
	InternetAddressList *l = internet_address_list_parse(NULL, value);
	InternetAddress *a;
	char *out = NULL;
	if (l == NULL)
		return NULL;
	if (internet_address_list_length(l) == 1) {
		a = internet_address_list_get_address(l, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
			if (addr != NULL && cad_addr_valid(addr)) {
				out = xstrdup(addr);
				cad_addr_normalize(out);
			}
		}
	}
	g_object_unref(l);
	return out;
}

static void log_addr(enum cad_log_level lvl, const struct mmsg *m, const char *what,
		     const char *addr)
{
	struct sbuf b;
	sbuf_init(&b);
	cad_printable(&b, addr != NULL ? addr : "", 200);
	cad_log(lvl, "%s: %s <%s>", m->qid, what, b.s);
	sbuf_free(&b);
}

/* ---- callbacks ---- */

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			     unsigned long f2, unsigned long f3, unsigned long *pf0,
			     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct mconn *cn = mconn_new();
	const unsigned long no_steps = SMFIP_NOCONNECT | SMFIP_NOUNKNOWN | SMFIP_NODATA;
	const unsigned long opts = SMFIP_NR_HDR | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
				   SMFIP_SKIP | SMFIP_HDR_LEADSPC;
	(void)f2;
	(void)f3;
	mconn_free(mapi_getpriv(ctx));
	mapi_setpriv(ctx, cn);
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_DELRCPT | SMFIF_CHGHDRS | SMFIF_SETSYMLIST);
	*pf1 = f1 & (no_steps | opts);
	*pf2 = 0;
	*pf3 = 0;
	cn->addhdrs = (*pf0 & SMFIF_ADDHDRS) != 0;
	cn->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	cn->nr_hdr = (*pf1 & SMFIP_NR_HDR) != 0;
	cn->nr_helo = (*pf1 & SMFIP_NR_HELO) != 0;
	cn->nr_rcpt = (*pf1 & SMFIP_NR_RCPT) != 0;
	cn->nr_mail = (*pf1 & SMFIP_NR_MAIL) != 0;
	cn->delrcpt = (*pf0 & SMFIF_DELRCPT) != 0;
	cn->chghdrs = (*pf0 & SMFIF_CHGHDRS) != 0;
	cn->skip = (*pf1 & SMFIP_SKIP) != 0;
	if (!cn->addhdrs)
		cad_log(CAD_LOG_WARN, "the MTA does not let filters add headers: "
			"no DKIM signing on this connection");
	if (*pf0 & SMFIF_SETSYMLIST) {
		/* only what is used; the queue id again later for MTAs that
		 * assign it after MAIL FROM (Sendmail) */
		if (mapi_setsymlist(ctx, SMFIM_ENVFROM,
				    "i {auth_authen} {daemon_name} {client_addr}") != MI_SUCCESS ||
		    mapi_setsymlist(ctx, SMFIM_ENVRCPT, "i") != MI_SUCCESS ||
		    mapi_setsymlist(ctx, SMFIM_EOH, "i") != MI_SUCCESS ||
		    mapi_setsymlist(ctx, SMFIM_EOM, "i") != MI_SUCCESS)
			cad_log(CAD_LOG_WARN, "smfi_setsymlist failed: the MTA's default macros apply");
	}
	return SMFIS_CONTINUE;
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
	struct mconn *cn = conn_of(ctx);
	if (helo != NULL)
		mconn_set_helo(cn, helo);
	return cn->nr_helo ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct mconn *cn = conn_of(ctx);
	struct mmsg *m = mmsg_begin(cn);
	const char *from = argv != NULL && argv[0] != NULL ? argv[0] : "";
	size_t n;

	if (m->mc == NULL) {   /* cannot happen after startup; be safe */
		mmsg_end(cn);
		return cn->nr_mail ? SMFIS_NOREPLY : SMFIS_ACCEPT;
	}
	refresh_qid(ctx, m);
	m->client_addr = macro(ctx, "{client_addr}");
	m->auth_authen = macro(ctx, "{auth_authen}");
	m->daemon_name = macro(ctx, "{daemon_name}");
	if (*from == '<')
		from++;
	n = strlen(from);
	m->env_from = xstrndup(from, n > 0 && from[n - 1] == '>' ? n - 1 : n);
	m->null_sender = *m->env_from == '\0';
	m->outbound = m->auth_authen != NULL || netlist_match(&m->mc->internal, m->client_addr);

	cad_log(CAD_LOG_DEBUG, "%s: %s mail from client %s via %s%s%s%s", m->qid,
		m->outbound ? "outbound" : "inbound",
		m->client_addr != NULL ? m->client_addr : "(unknown)",
		m->daemon_name != NULL ? m->daemon_name : "(unknown daemon)",
		m->auth_authen != NULL ? ", authenticated" : "",
		m->outbound && m->auth_authen == NULL ? ", an InternalHosts client" : "",
		m->null_sender ? ", null sender" : "");
	/* Outbound mail is looked at up to its headers: only its Message-ID
	 * tells sequence mail (which the gate must see) from a rep's. Nothing
	 * is decided here, so the MTA need not wait for an answer. */
	return cn->nr_mail ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct mconn *cn = conn_of(ctx);
	struct mmsg *m = cn->msg;
	struct inbound_own_addr own;
	if (m != NULL && m->mc != NULL && argv != NULL && argv[0] != NULL) {
		mmsg_add_rcpt(m, argv[0]);
		if (inbound_own_address(&m->mc->icfg.addrs, &m->mc->secret, argv[0], &own) !=
		    OWN_NONE) {
			mmsg_add_own(m, argv[0], &own);
			cad_log(CAD_LOG_DEBUG, "%s: recipient %zu is cadence's %s address%s", m->qid,
				m->nrcpts, inbound_own_name(own.kind),
				own.kind != OWN_ENROLL && !own.token_valid ? " (token not valid)" : "");
		} else {
			char *a = inbound_addr_spec(argv[0]);
			if (a != NULL && act_internal_domain(m->mc, a))
				m->rcpt_internal = 1;
			else
				m->rcpt_external = 1;
			free(a);
		}
	}
	return cn->nr_rcpt ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct mconn *cn = conn_of(ctx);
	struct mmsg *m = cn->msg;
	if (m != NULL && name != NULL && value != NULL)
		(void)mmsg_add_header(m, name, value);   /* an overflow is acted on at EOH */
	return cn->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Starts the DKIM signer and replays the kept headers into it. */
static sfsistat start_signer(SMFICTX *ctx, struct mconn *cn, struct mmsg *m,
			     const struct mkeys_key *key)
{
	struct cad_err err = { "" };
	m->signer = msign_new(key, m->qid, &err);
	if (m->signer == NULL)
		return failure(ctx, cn, FAIL_SIGN, err.msg);
	for (size_t i = 0; i < m->nhdrs; i++) {
		/* the headers as they will leave: a To/Cc rewritten at EOM is
		 * signed with its new value, a deleted one not at all */
		const char *v = m->hdrs[i].rewrite ? m->hdrs[i].new_value : m->hdrs[i].value;
		if (v != NULL &&
		    msign_header(m->signer, m->hdrs[i].name, v, cn->leadspc, &err) != 0)
			return failure(ctx, cn, FAIL_SIGN, err.msg);
	}
	if (msign_eoh(m->signer, &err) != 0)
		return failure(ctx, cn, FAIL_SIGN, err.msg);
	return SMFIS_CONTINUE;
}

/* Recipients other than cadence's own that are outside the organization. */
static int rcpts_outside(const struct mmsg *m)
{
	return m->rcpt_external || m->rcpt_overflow;
}

/* A rep who puts cadence's address in To or Cc must not show it to the
 * contact: when own recipients will be removed at EOM (the MTA lets us,
 * and someone else remains), each To and Cc that names one of cadence's
 * addresses is marked for rewriting without them. Decided here, before
 * the signer replays the headers. */
static void plan_rewrites(const struct mconn *cn, struct mmsg *m)
{
	if (m->nown == 0 || !cn->delrcpt || (m->nown >= m->nrcpts && !m->rcpt_overflow))
		return;
	for (size_t i = 0; i < m->nhdrs; i++) {
		struct mmsg_hdr *h = &m->hdrs[i];
		char *nv = NULL;
		if (!cad_strcaseeq(h->name, "To") && !cad_strcaseeq(h->name, "Cc"))
			continue;
		if (hdr_strip_own(h->value, &m->mc->icfg.addrs, &m->mc->secret, &nv, NULL) != 1)
			continue;
		if (!cn->chghdrs) {
			free(nv);
			cad_log(CAD_LOG_WARN, "%s: the MTA does not let filters change headers: "
				"cadence's address stays visible in %s", m->qid, h->name);
			continue;
		}
		h->rewrite = 1;
		h->new_value = nv;
	}
}

static sfsistat outbound_eoh(SMFICTX *ctx, struct mconn *cn, struct mmsg *m)
{
	const struct mkeys_key *key = NULL;
	struct cad_err err = { "" };
	int sign;

	/* m->cls: sequence mail was recognised in cb_eoh, before the limits */
	if (m->from_addr != NULL)
		key = mkeys_lookup(&m->mc->dkim, m->from_addr);
	/* a test copy (cadencectl sequence preview --send-to) is signed as
	 * its sequence's mail would be; it is not sequence mail: no gate */
	sign = key != NULL && cn->addhdrs &&
	       (m->cls == MAIL_SEQUENCE || m->msgid_test || m->mc->conf.sign_all);
	if (m->from_addr == NULL)
		cad_log(m->cls == MAIL_SEQUENCE ? CAD_LOG_WARN : CAD_LOG_INFO,
			"%s: not signed: no single readable From address", m->qid);
	else if (key == NULL && (m->cls == MAIL_SEQUENCE || m->mc->conf.sign_all))
		log_addr(m->cls == MAIL_SEQUENCE ? CAD_LOG_WARN : CAD_LOG_DEBUG, m,
			 "not signed: no SigningTable entry for", m->from_addr);

	/* a test copy completes no task and enrolls no one */
	if (m->msgid_test && m->cls != MAIL_SEQUENCE && !sign)
		return done(cn, SMFIS_ACCEPT);
	if (m->cls != MAIL_SEQUENCE && !m->msgid_test) {
		for (size_t i = 0; i < m->nown; i++) {
			if (m->own[i].own.kind == OWN_ENROLL)
				m->do_enroll = 1;
			else
				m->do_inbound = 1;   /* a rep forwards to the unsubscribe address */
		}
		if (m->do_inbound)
			m->want_body = 1;
		plan_rewrites(cn, m);
		/* The rep's own mail to a contact with an open manual-email task
		 * completes it: one look-up, only for mail leaving the house. */
		if (m->from_addr != NULL && rcpts_outside(m)) {
			/* most reps have no open manual-email task most of the
			 * time: that answer is cached until the store changes
			 * (factcache.h), the recipients looked at only when yes */
			int has = factcache_rep_manual(m->mc->conf.database, m->from_addr, &err);
			struct store *st = NULL;
			int64_t *ids = NULL;
			size_t n = 0;
			if (has < 0 ||
			    (has > 0 && ((st = mconn_store(cn, &err)) == NULL ||
					 inbound_rep_tasks(st, m->from_addr,
							   (const char *const *)m->rcpts,
							   m->nrcpts, &ids, &n, &err) != 0)))
				cad_log(CAD_LOG_WARN, "%s: looking up the rep's tasks failed: %s "
					"(the message is not affected)", m->qid, err.msg);
			m->do_rep = n > 0;
			free(ids);
		}
		if (!sign && !m->do_enroll && !m->do_inbound && !m->do_rep && m->nown == 0) {
			cad_log(CAD_LOG_DEBUG, "%s: outbound, nothing to do", m->qid);
			return done(cn, SMFIS_ACCEPT);
		}
	}
	if (sign)
		return start_signer(ctx, cn, m, key);
	return SMFIS_CONTINUE;
}

/* 1 when In-Reply-To or References names a Message-ID that verifies as
 * cadence's (no SQL: the MAC decides). */
static int threads_to_us(const struct mmsg *m)
{
	static const char *const names[] = { "In-Reply-To", "References" };
	size_t seen = 0;
	for (size_t k = 0; k < 2; k++) {
		const char *h = mmsg_header(m, names[k], 0);
		while (h != NULL && seen < INBOUND_MAX_THREAD_IDS) {
			const char *lt = strchr(h, '<'), *gt;
			if (lt == NULL || (gt = strchr(lt, '>')) == NULL)
				break;
			if ((size_t)(gt - lt) < TOKEN_INPUT_MAX) {
				char *id = xstrndup(lt, (size_t)(gt - lt + 1));
				int ours = msgid_verify(&m->mc->secret, id, NULL) == TOKEN_VALID;
				free(id);
				if (ours)
					return 1;
			}
			seen++;
			h = gt + 1;
		}
	}
	return 0;
}

/* Headers that mark machine mail the inbound code reads: auto-replies,
 * reports (DSN, ARF), calendar replies. */
static const char *machine_header(const struct mmsg *m)
{
	const char *h = mmsg_header(m, "Auto-Submitted", 0);
	if (h != NULL) {
		while (*h == ' ' || *h == '\t')
			h++;
		if (strncasecmp(h, "no", 2) != 0 || (h[2] != '\0' && h[2] != ' ' && h[2] != ';'))
			return "Auto-Submitted";
	}
	h = mmsg_header(m, "Content-Type", 0);
	if (h != NULL) {
		while (*h == ' ' || *h == '\t')
			h++;
		if (strncasecmp(h, "multipart/report", 16) == 0)
			return "multipart/report";
		if (strncasecmp(h, "text/calendar", 13) == 0)
			return "text/calendar";
	}
	/* invitations inside multipart mail: Exchange/Outlook mark theirs,
	 * booking tools send from their own domains (inbound_calendar_service) */
	h = mmsg_header(m, "Content-Class", 0);
	if (h != NULL && strstr(h, "calendarmessage") != NULL)
		return "a calendar message";
	if (m->from_addr != NULL && inbound_calendar_service(&m->mc->icfg, m->from_addr))
		return "from a scheduling service";
	return NULL;
}

/* The signal's authentication, aligned with the From domain as DMARC
 * means it (issue #9): a trusted Authentication-Results' dkim=/spf=/dmarc=
 * (authres_apply() keeps only results aligned with the From domain), else
 * SPF (libspf2) of the envelope sender, which counts only when the MAIL
 * FROM domain has the From domain's organizational domain. HELO never
 * authenticates a From: the null sender's SPF (of the HELO name) is
 * logged and counts for nothing. DKIM (mverify_apply, at EOM) may still
 * authenticate what this did not. */
static void authenticate(struct mconn *cn, struct mmsg *m, int contact)
{
	const char *from_domain = m->from_addr != NULL ? cad_addr_domain(m->from_addr) : NULL;
	const char *mf_domain = m->null_sender ? NULL : cad_addr_domain(m->env_from);
	struct authres_verdict v;
	enum spf_res spf_res;
	struct sbuf why, a, mf;
	const char *h, *unaligned = NULL;
	int spf_counts;

	memset(&v, 0, sizeof(v));
	for (size_t i = 0; (h = mmsg_header(m, "Authentication-Results", i)) != NULL; i++) {
		struct authres ar;
		struct cad_err perr = { "" };
		if (authres_parse(h, &ar, &perr) != 0) {
			cad_log(CAD_LOG_DEBUG, "%s: ignoring an Authentication-Results header: %s",
				m->qid, perr.msg);
			continue;
		}
		authres_apply(&ar, m->mc->conf.trusted_authserv_ids,
			      m->mc->conf.ntrusted_authserv_ids, from_domain, &v);
		authres_free(&ar);
	}
	sbuf_init(&why);
	if (v.spf != AR_ABSENT) {
		spf_res = (enum spf_res)spf_res_parse(ar_verdict_name(v.spf));
		sbuf_adds(&why, "from a trusted Authentication-Results");
		spf_counts = 1;
	} else {
		spf_res = spf_check(spf, m->client_addr, cn->helo, m->env_from, &why);
		spf_counts = from_domain != NULL && mf_domain != NULL &&
			     cad_org_aligned(mf_domain, from_domain);
		if (m->null_sender)
			unaligned = "HELO does not authenticate a From";
		else if (!spf_counts)
			unaligned = "MAIL FROM domain not aligned with the From domain";
	}
	if ((spf_counts && spf_res == SPF_RES_PASS) || v.dkim == AR_PASS || v.dmarc == AR_PASS)
		m->auth = INB_AUTH_PASS;
	else if ((spf_counts && (spf_res == SPF_RES_FAIL || spf_res == SPF_RES_SOFTFAIL ||
				 spf_res == SPF_RES_TEMPERROR || spf_res == SPF_RES_PERMERROR)) ||
		 v.dkim == AR_FAIL || v.dmarc == AR_FAIL)
		m->auth = INB_AUTH_FAIL;
	else
		m->auth = INB_AUTH_NONE;
	sbuf_init(&mf);
	cad_printable(&mf, mf_domain != NULL ? mf_domain : "", 100);
	m->auth_detail = xasprintf("spf=%s%s%s%s dkim=%s dmarc=%s",
				   (int)spf_res >= 0 ? spf_res_name(spf_res) : "unknown",
				   unaligned != NULL ? " (not aligned: " : "",
				   unaligned != NULL ? (m->null_sender ? "helo" : mf.s) : "",
				   unaligned != NULL ? ")" : "",
				   ar_verdict_name(v.dkim), ar_verdict_name(v.dmarc));
	sbuf_init(&a);
	cad_printable(&a, m->from_addr != NULL ? m->from_addr : m->env_from, 200);
	cad_log(CAD_LOG_INFO, "%s: inbound from %s<%s>: spf=%s (%s)%s%s%s dkim=%s dmarc=%s: %s",
		m->qid, contact ? "contact " : "", a.s,
		(int)spf_res >= 0 ? spf_res_name(spf_res) : "unknown", why.s,
		unaligned != NULL ? " [not counted: " : "", unaligned != NULL ? unaligned : "",
		unaligned != NULL ? "]" : "",
		ar_verdict_name(v.dkim), ar_verdict_name(v.dmarc),
		m->auth == INB_AUTH_PASS ? "authenticated" :
		m->auth == INB_AUTH_FAIL ? "failed" : "not authenticated");
	sbuf_free(&mf);
	sbuf_free(&a);
	sbuf_free(&why);
}

/* Inbound mail (and any null-sender mail: Postfix's own DSNs reach the
 * milter from the inside): the body is kept only when it can matter. */
static sfsistat inbound_eoh(SMFICTX *ctx, struct mconn *cn, struct mmsg *m)
{
	struct cad_err err = { "" };
	const char *why = NULL;
	int contact = 0;

	if (m->nown > 0)
		why = "a recipient is cadence's own address";
	else if (m->null_sender)
		why = "null sender (a delivery report)";
	else if (m->mc->conf.ninternal_domains > 0 && m->nrcpts > 0 && !m->rcpt_internal &&
		 !m->rcpt_overflow) {
		cad_log(CAD_LOG_DEBUG, "%s: inbound, not to the organization", m->qid);
		return done(cn, SMFIS_ACCEPT);
	} else if (threads_to_us(m)) {
		why = "threads to a cadence message";
	} else {
		why = machine_header(m);
	}
	/* the one look-up, only when nothing else made the message worth reading */
	if (why == NULL && m->from_addr != NULL) {
		/* cached until the store changes (factcache.h) */
		int rc = factcache_contact(m->mc->conf.database, m->from_addr, &err);
		if (rc < 0)
			return failure(ctx, cn, FAIL_STORE, err.msg);
		if (rc > 0) {
			contact = 1;
			why = "from a contact";
		}
	}
	if (why == NULL) {
		log_addr(CAD_LOG_DEBUG, m, "inbound, nothing of cadence's: from", m->from_addr);
		return done(cn, SMFIS_ACCEPT);
	}
	cad_log(CAD_LOG_DEBUG, "%s: inbound, reading it: %s", m->qid, why);
	authenticate(cn, m, contact);
	m->do_inbound = 1;
	m->want_body = 1;
	return SMFIS_CONTINUE;
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	struct mconn *cn = conn_of(ctx);
	struct mmsg *m = cn->msg;
	const char *from;
	if (m == NULL)
		return SMFIS_CONTINUE;
	refresh_qid(ctx, m);
	if (m->nmsgids == 1) {
		m->msgid = m->first_msgid;
		m->first_msgid = NULL;
	}
	/* The gate decides first (issue #9): outbound mail with a Message-ID
	 * field that verifies (noted as the headers came, whatever the caps)
	 * is sequence mail before any limit applies, so that from here every
	 * failure, the limits too, fails closed (policy.c). */
	if (m->outbound && m->msgid_ours) {
		m->cls = MAIL_SEQUENCE;
		cad_log(CAD_LOG_DEBUG, "%s: sequence mail (its Message-ID verifies)", m->qid);
		if (m->nmsgids > 1)
			return failure(ctx, cn, FAIL_LIMIT, "sequence mail with more than one "
				       "Message-ID field: it cannot be read whole");
	}
	if (m->hdr_overflow) {
		char detail[128];
		snprintf(detail, sizeof(detail), "headers exceed HeaderLimit (%zu bytes) or %d fields",
			 m->mc->conf.header_limit, MILTER_MAX_HEADERS);
		return failure(ctx, cn, FAIL_LIMIT, detail);
	}
	from = mmsg_header(m, "From", 0);
	if (from != NULL && mmsg_header(m, "From", 1) == NULL)
		m->from_addr = from_address(from);
	/* Null-sender mail from the inside is Postfix's own DSNs: inbound
	 * handling; but a verifying Message-ID always meets the gate. */
	if (m->outbound && (!m->null_sender || m->cls == MAIL_SEQUENCE))
		return outbound_eoh(ctx, cn, m);
	return inbound_eoh(ctx, cn, m);
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct mconn *cn = conn_of(ctx);
	struct mmsg *m = cn->msg;
	struct cad_err err = { "" };
	if (m == NULL)
		return SMFIS_CONTINUE;
	if (m->signer != NULL && msign_body(m->signer, p, n, &err) != 0)
		return failure(ctx, cn, FAIL_SIGN, err.msg);
	if (m->want_body && mmsg_add_body(m, p, n) && m->signer == NULL && cn->skip)
		return SMFIS_SKIP;
	if (m->signer == NULL && !m->want_body && cn->skip)
		return SMFIS_SKIP;
	return SMFIS_CONTINUE;
}

/* A reply text for smfi_setreply: printable, no '%' (libmilter formats it). */
static char *reply_text(const char *prefix, const char *why)
{
	struct sbuf b;
	char *s;
	sbuf_init(&b);
	sbuf_adds(&b, prefix);
	cad_printable(&b, why != NULL ? why : "", 300);
	s = sbuf_detach(&b);
	for (char *p = s; *p; p++)
		if (*p == '%' || *p == '\\')
			*p = '?';
	return s;
}

/* The gate (DESIGN.md "the milter is the last gate"): sequence mail leaves
 * only while its enrollment is active, once, witnessed with the queue id.
 * SMFIS_CONTINUE when it may go on. */
static sfsistat gate(SMFICTX *ctx, struct mconn *cn, struct mmsg *m, cad_time_t now)
{
	struct cad_err err = { "" };
	enum gate_verdict verdict = GATE_UNKNOWN;
	char why[512];
	struct store *st = mconn_store(cn, &err);
	char *text;

	if (st == NULL)
		return failure(ctx, cn, FAIL_STORE, err.msg);
	if (store_msg_gate(st, m->msgid, m->qid, now, &verdict, why, sizeof(why), &err) != 0)
		return failure(ctx, cn, FAIL_STORE, err.msg);
	if (verdict == GATE_ACCEPT) {
		cad_log(CAD_LOG_INFO, "%s: sequence mail witnessed <%s>", m->qid, m->msgid);
		return SMFIS_CONTINUE;
	}
	/* A verifying Message-ID without a ledger row was made with our
	 * secret but never recorded: forged, or another site's store. */
	text = reply_text("cadence: ", verdict == GATE_REJECT ? why
				       : "a sequence message this site never recorded");
	cad_log(CAD_LOG_NOTICE, "%s: sequence mail <%s> rejected: %s", m->qid, m->msgid, text + 9);
	if (mapi_setreply(ctx, "550", "5.7.1", text) != MI_SUCCESS)
		cad_log(CAD_LOG_WARN, "%s: smfi_setreply failed", m->qid);
	free(text);
	return done(cn, SMFIS_REJECT);
}

/* Applies the To/Cc rewrites decided at EOH (plan_rewrites), the last
 * occurrence first so that the index of an earlier one never moves. */
static void rewrite_headers(SMFICTX *ctx, struct mmsg *m)
{
	for (size_t i = m->nhdrs; i-- > 0;) {
		struct mmsg_hdr *h = &m->hdrs[i];
		int index = 1;   /* 1-based among the headers of that name */
		if (!h->rewrite)
			continue;
		for (size_t j = 0; j < i; j++)
			if (cad_strcaseeq(m->hdrs[j].name, h->name))
				index++;
		if (mapi_chgheader(ctx, h->name, index, h->new_value) != MI_SUCCESS)
			cad_log(CAD_LOG_WARN, "%s: smfi_chgheader(%s) failed: cadence's address "
				"stays visible there", m->qid, h->name);
		else if (h->new_value == NULL)
			cad_log(CAD_LOG_INFO, "%s: %s header removed (it named only cadence's "
				"addresses)", m->qid, h->name);
		else
			cad_log(CAD_LOG_INFO, "%s: %s header rewritten without cadence's address",
				m->qid, h->name);
	}
}

/* Removes cadence's own recipients (and names, rewrite_headers);
 * SMFIS_DISCARD when none other is left. */
static sfsistat consume_own(SMFICTX *ctx, struct mconn *cn, struct mmsg *m)
{
	if (m->nown == 0)
		return done(cn, SMFIS_CONTINUE);
	if (m->nown >= m->nrcpts && !m->rcpt_overflow) {
		cad_log(CAD_LOG_INFO, "%s: addressed only to cadence: discarded after reading it",
			m->qid);
		return done(cn, SMFIS_DISCARD);
	}
	if (!cn->delrcpt) {
		cad_log(CAD_LOG_WARN, "%s: the MTA does not let filters remove recipients: "
			"cadence's own recipients stay", m->qid);
		return done(cn, SMFIS_CONTINUE);
	}
	for (size_t i = 0; i < m->nown; i++) {
		if (mapi_delrcpt(ctx, m->own[i].rcpt) != MI_SUCCESS)
			cad_log(CAD_LOG_WARN, "%s: smfi_delrcpt failed", m->qid);
		else
			cad_log(CAD_LOG_INFO, "%s: cadence's %s address removed from the recipients",
				m->qid, inbound_own_name(m->own[i].own.kind));
	}
	rewrite_headers(ctx, m);
	return done(cn, SMFIS_CONTINUE);
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	struct mconn *cn = conn_of(ctx);
	struct mmsg *m = cn->msg;
	struct cad_err err = { "" };
	cad_time_t now = filter_now();
	char *sig = NULL;
	if (m == NULL)
		return SMFIS_CONTINUE;
	refresh_qid(ctx, m);
	/* The signature is made before the gate so that nothing can fail
	 * between the witness and the answer but the header insertion. */
	if (m->signer != NULL && msign_finish(m->signer, &sig, &err) != 0)
		return failure(ctx, cn, FAIL_SIGN, err.msg);
	if (m->cls == MAIL_SEQUENCE) {
		sfsistat r = gate(ctx, cn, m, now);
		if (r != SMFIS_CONTINUE) {
			free(sig);
			return r;
		}
	}
	if (sig != NULL) {
		/* folded with bare LF, the milter protocol's line break (the
		 * MTA writes CRLF): msign.h */
		/* index 1: below the MTA's own Received header, as OpenDKIM does */
		if (mapi_insheader(ctx, 1, MSIGN_HEADER, sig) != MI_SUCCESS) {
			free(sig);
			return failure(ctx, cn, FAIL_MILTER, "smfi_insheader(DKIM-Signature) failed");
		}
		free(sig);
		{
			const struct mkeys_key *k = mkeys_lookup(&m->mc->dkim, m->from_addr);
			cad_log(CAD_LOG_INFO, "%s: DKIM-Signature added (d=%s, s=%s, %s)", m->qid,
				k != NULL ? k->domain : "?", k != NULL ? k->selector : "?",
				k != NULL && k->alg == MKEYS_ED25519 ? "ed25519-sha256"
									 : "rsa-sha256");
		}
	}
	if (m->do_inbound) {
		mverify_apply(m, cn->leadspc);   /* DKIM may authenticate what SPF did not */
		act_inbound(cn, m, now);
	}
	if (m->do_enroll)
		act_enroll(cn, m, now);
	if (m->do_rep)
		act_rep_mail(cn, m, now);
	return consume_own(ctx, cn, m);
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	struct mconn *cn = mapi_getpriv(ctx);
	if (cn != NULL)
		mmsg_end(cn);
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	mconn_free(mapi_getpriv(ctx));
	mapi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

struct smfiDesc filter_desc = {
	.xxfi_name = "cadence-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_DELRCPT | SMFIF_CHGHDRS | SMFIF_SETSYMLIST,
	.xxfi_connect = NULL,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_unknown = NULL,
	.xxfi_data = NULL,
	.xxfi_negotiate = cb_negotiate,
};
