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
 *   negotiate              no CONNECT, DATA (but over TCP: filter_set_tcp)
 *                          or unknown-command callbacks;
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
 *
 * This file holds the callbacks and their table; the decisions they hand
 * on are in the files below it (filter_int.h): outbound end of headers in
 * filter_out.c, inbound end of headers and the authentication in
 * filter_in.c, cadence's own recipients (the To/Cc rewrites, their
 * removal) in filter_own.c, the gate in filter_gate.c, ending a message
 * and the failure policy's answer in filter_answer.c.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <libmilter/mfapi.h>

#include "act.h"
#include "filter.h"
#include "filter_int.h"
#include "inbound.h"
#include "mapi.h"
#include "msign.h"
#include "mverify.h"

void filter_set_spf(struct spf_checker *c)
{
	filter_in_set_spf(c);
}

static const char *clock_file;
static int over_tcp;     /* filter_set_tcp() */

void filter_set_tcp(int on)
{
	over_tcp = on;
}

void filter_set_clock_file(const char *path)
{
	clock_file = path;
}

/* The time the end of message acts at (the gate's witness, inbound
 * events): the clock, or (testing, -t) the time written in the clock file,
 * so that a test bed running cadenced with --now keeps one timeline. */
static cad_time_t filter_now(void)
{
	struct cad_err err = { "" };
	cad_time_t t;
	char *buf;
	size_t n;
	/* a missing file means the clock, as before the test set one */
	if (clock_file == NULL || access(clock_file, F_OK) != 0)
		return cad_now();
	if (cad_read_file(clock_file, 4096, CAD_READ_TEXT, &buf, &n, &err) != 0) {
		cad_log(CAD_LOG_WARN, "%s: using the clock", err.msg);
		return cad_now();
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (cad_time_parse(buf, &t) != 0) {
		cad_log(CAD_LOG_WARN, "%s: not a time (YYYY-MM-DDTHH:MM:SSZ): using the clock",
			clock_file);
		t = cad_now();
	}
	free(buf);
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

/* ---- callbacks ---- */

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			     unsigned long f2, unsigned long f3, unsigned long *pf0,
			     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct mconn *cn = mconn_new();
	/* DATA answered over TCP: filter_set_tcp() says why */
	const unsigned long no_steps = SMFIP_NOCONNECT | SMFIP_NOUNKNOWN |
				       (over_tcp ? 0 : SMFIP_NODATA);
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
	struct mmsg *m = mconn_msg_begin(cn);
	const char *from = argv != NULL && argv[0] != NULL ? argv[0] : "";
	size_t n;

	if (m->mc == NULL) {   /* cannot happen after startup; be safe */
		mconn_msg_end(cn);
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
			return filter_answer_fail(ctx, cn, FAIL_LIMIT, "sequence mail with more than one "
				       "Message-ID field: it cannot be read whole");
	}
	if (m->hdr_overflow) {
		char detail[128];
		snprintf(detail, sizeof(detail), "headers exceed HeaderLimit (%zu bytes) or %d fields",
			 m->mc->conf.header_limit, MILTER_MAX_HEADERS);
		return filter_answer_fail(ctx, cn, FAIL_LIMIT, detail);
	}
	from = mmsg_header(m, "From", 0);
	if (from != NULL && mmsg_header(m, "From", 1) == NULL)
		m->from_addr = from_address(from);
	/* Null-sender mail from the inside is Postfix's own DSNs: inbound
	 * handling; but a verifying Message-ID always meets the gate. */
	if (m->outbound && (!m->null_sender || m->cls == MAIL_SEQUENCE))
		return filter_out_eoh(ctx, cn, m);
	return filter_in_eoh(ctx, cn, m);
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct mconn *cn = conn_of(ctx);
	struct mmsg *m = cn->msg;
	struct cad_err err = { "" };
	if (m == NULL)
		return SMFIS_CONTINUE;
	if (m->signer != NULL && msign_body(m->signer, p, n, &err) != 0)
		return filter_answer_fail(ctx, cn, FAIL_SIGN, err.msg);
	if (m->want_body && mmsg_add_body(m, p, n) && m->signer == NULL && cn->skip)
		return SMFIS_SKIP;
	if (m->signer == NULL && !m->want_body && cn->skip)
		return SMFIS_SKIP;
	return SMFIS_CONTINUE;
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
		return filter_answer_fail(ctx, cn, FAIL_SIGN, err.msg);
	if (m->cls == MAIL_SEQUENCE) {
		sfsistat r = filter_gate(ctx, cn, m, now);
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
			return filter_answer_fail(ctx, cn, FAIL_MILTER, "smfi_insheader(DKIM-Signature) failed");
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
	return filter_own_consume(ctx, cn, m);
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	struct mconn *cn = mapi_getpriv(ctx);
	if (cn != NULL)
		mconn_msg_end(cn);
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
