/*
 * filter.c - cadence-milter's libmilter callbacks: negotiate, HELO, MAIL
 * FROM, headers, end of headers, body, end of message, abort, close.
 *
 * The milter is on the path of every message the organization sends or
 * receives (DESIGN.md rule 6), so it takes as little of the protocol as it
 * can and lets go of a message as soon as it provably needs nothing more:
 *
 *   step (negotiated)      what is decided there
 *   -------------------    ------------------------------------------------
 *   negotiate              no CONNECT, RCPT, DATA or unknown-command
 *                          callbacks; no replies to HELO or to each header
 *                          (SMFIP_NR_*); SMFIP_SKIP; header values with
 *                          their leading space; only the macros i,
 *                          {auth_authen}, {daemon_name}, {client_addr}
 *   HELO                   the HELO name is kept (SPF of the null sender)
 *   MAIL FROM              outbound (InternalHosts or SMTP AUTH) and
 *                          nothing to sign (SignAllOutbound off or no
 *                          SigningTable): ACCEPT
 *   headers                kept, within HeaderLimit and MILTER_MAX_HEADERS
 *   end of headers         outbound and the From address has no signing
 *                          entry (or the From header is missing, repeated
 *                          or unreadable): ACCEPT; otherwise the headers
 *                          are replayed into the DKIM signer
 *                          inbound and the From address is not a contact
 *                          in the store: ACCEPT; a contact: its
 *                          authentication is read (trusted
 *                          Authentication-Results, SPF) and logged: ACCEPT
 *                          (the inbound policy is the next step here)
 *   body                   streamed into the signer; kept up to BodyLimit
 *                          only when wanted; SKIP when neither
 *   end of message         the DKIM-Signature is inserted at index 1
 *
 * Failures go through the policy table (policy.c): a person's mail is
 * accepted unchanged and the reason logged; sequence mail is tempfailed.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <libmilter/mfapi.h>

#include "authres.h"
#include "ctx.h"
#include "dkim_sign.h"
#include "filter.h"
#include "policy.h"
#include "spf.h"
#include "store.h"

static struct spf_checker *spf;

void filter_set_spf(struct spf_checker *c)
{
	spf = c;
}

static struct conn_ctx *conn_of(SMFICTX *ctx)
{
	struct conn_ctx *cn = smfi_getpriv(ctx);
	if (cn == NULL) {
		/* an MTA that does not negotiate (milter protocol < 6) */
		cn = conn_new();
		cn->addhdrs = 1;
		smfi_setpriv(ctx, cn);
	}
	return cn;
}

static char *macro(SMFICTX *ctx, const char *name)
{
	const char *v = smfi_getsymval(ctx, (char *)(uintptr_t)name);
	return v != NULL && *v != '\0' ? xstrdup(v) : NULL;
}

/* Ends the message on a final answer, so that nothing lingers after it. */
static sfsistat done(struct conn_ctx *cn, sfsistat r)
{
	msg_end(cn);
	return r;
}

static sfsistat apply(SMFICTX *ctx, struct conn_ctx *cn, enum policy_action a)
{
	if (a == POLICY_TEMPFAIL) {
		smfi_setreply(ctx, "451", "4.3.0", "cadence: temporary failure, please try again");
		return done(cn, SMFIS_TEMPFAIL);
	}
	return done(cn, SMFIS_ACCEPT);
}

static sfsistat failure(SMFICTX *ctx, struct conn_ctx *cn, enum fail_kind kind, const char *detail)
{
	struct msg_ctx *m = cn->msg;
	return apply(ctx, cn, policy_fail(m->cls, kind, m->qid, detail));
}

static void refresh_qid(SMFICTX *ctx, struct msg_ctx *m)
{
	const char *q = smfi_getsymval(ctx, "i");
	if (q != NULL && *q != '\0')
		msg_set_qid(m, q);
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

static void log_addr(enum cad_log_level lvl, const struct msg_ctx *m, const char *what,
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
	struct conn_ctx *cn = conn_new();
	const unsigned long no_steps = SMFIP_NOCONNECT | SMFIP_NORCPT | SMFIP_NOUNKNOWN |
				       SMFIP_NODATA;
	const unsigned long opts = SMFIP_NR_HDR | SMFIP_NR_HELO | SMFIP_SKIP | SMFIP_HDR_LEADSPC;
	(void)f2;
	(void)f3;
	conn_free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, cn);
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_SETSYMLIST);
	*pf1 = f1 & (no_steps | opts);
	*pf2 = 0;
	*pf3 = 0;
	cn->addhdrs = (*pf0 & SMFIF_ADDHDRS) != 0;
	cn->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	cn->nr_hdr = (*pf1 & SMFIP_NR_HDR) != 0;
	cn->nr_helo = (*pf1 & SMFIP_NR_HELO) != 0;
	cn->skip = (*pf1 & SMFIP_SKIP) != 0;
	if (!cn->addhdrs)
		cad_log(CAD_LOG_WARN, "the MTA does not let filters add headers: "
			"no DKIM signing on this connection");
	if (*pf0 & SMFIF_SETSYMLIST) {
		/* only what is used; the queue id again later for MTAs that
		 * assign it after MAIL FROM (Sendmail) */
		if (smfi_setsymlist(ctx, SMFIM_ENVFROM,
				    "i {auth_authen} {daemon_name} {client_addr}") != MI_SUCCESS ||
		    smfi_setsymlist(ctx, SMFIM_EOH, "i") != MI_SUCCESS ||
		    smfi_setsymlist(ctx, SMFIM_EOM, "i") != MI_SUCCESS)
			cad_log(CAD_LOG_WARN, "smfi_setsymlist failed: the MTA's default macros apply");
	}
	return SMFIS_CONTINUE;
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
	struct conn_ctx *cn = conn_of(ctx);
	if (helo != NULL)
		conn_set_helo(cn, helo);
	return cn->nr_helo ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *cn = conn_of(ctx);
	struct msg_ctx *m = msg_begin(cn);
	const char *from = argv != NULL && argv[0] != NULL ? argv[0] : "";
	size_t n;

	if (m->mc == NULL)   /* cannot happen after startup; be safe */
		return done(cn, SMFIS_ACCEPT);
	refresh_qid(ctx, m);
	m->client_addr = macro(ctx, "{client_addr}");
	m->auth_authen = macro(ctx, "{auth_authen}");
	m->daemon_name = macro(ctx, "{daemon_name}");
	if (*from == '<')
		from++;
	n = strlen(from);
	m->env_from = xstrndup(from, n > 0 && from[n - 1] == '>' ? n - 1 : n);
	m->outbound = m->auth_authen != NULL || netlist_match(&m->mc->internal, m->client_addr);

	cad_log(CAD_LOG_DEBUG, "%s: %s mail from client %s via %s%s%s", m->qid,
		m->outbound ? "outbound" : "inbound",
		m->client_addr != NULL ? m->client_addr : "(unknown)",
		m->daemon_name != NULL ? m->daemon_name : "(unknown daemon)",
		m->auth_authen != NULL ? ", authenticated" : "",
		m->outbound && m->auth_authen == NULL ? ", an InternalHosts client" : "");
	if (m->outbound) {
		if (!m->mc->conf.sign_all || m->mc->dkim.nentries == 0 || !cn->addhdrs) {
			cad_log(CAD_LOG_DEBUG, "%s: outbound, nothing to sign", m->qid);
			return done(cn, SMFIS_ACCEPT);
		}
	}
	return SMFIS_CONTINUE;
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn_ctx *cn = conn_of(ctx);
	struct msg_ctx *m = cn->msg;
	if (m != NULL && name != NULL && value != NULL)
		(void)msg_add_header(m, name, value);   /* an overflow is acted on at EOH */
	return cn->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat outbound_eoh(SMFICTX *ctx, struct conn_ctx *cn, struct msg_ctx *m)
{
	const struct dkim_key *key;
	struct cad_err err = { "" };
	if (m->from_addr == NULL) {
		cad_log(CAD_LOG_INFO, "%s: not signed: no single readable From address", m->qid);
		return done(cn, SMFIS_ACCEPT);
	}
	key = dkim_tables_lookup(&m->mc->dkim, m->from_addr);
	if (key == NULL) {
		log_addr(CAD_LOG_DEBUG, m, "not signed: no SigningTable entry for", m->from_addr);
		return done(cn, SMFIS_ACCEPT);
	}
	m->signer = dkim_signer_new(key, m->qid, &err);
	if (m->signer == NULL)
		return failure(ctx, cn, FAIL_SIGN, err.msg);
	for (size_t i = 0; i < m->nhdrs; i++)
		if (dkim_signer_header(m->signer, m->hdrs[i].name, m->hdrs[i].value,
				       cn->leadspc, &err) != 0)
			return failure(ctx, cn, FAIL_SIGN, err.msg);
	if (dkim_signer_eoh(m->signer, &err) != 0)
		return failure(ctx, cn, FAIL_SIGN, err.msg);
	return SMFIS_CONTINUE;
}

static sfsistat inbound_eoh(SMFICTX *ctx, struct conn_ctx *cn, struct msg_ctx *m)
{
	struct cad_err err = { "" };
	struct store *st;
	struct contact ct;
	struct authres_verdict v;
	enum spf_res spf_res;
	struct sbuf why;
	const char *h;
	int rc;

	if (m->from_addr == NULL)
		return done(cn, SMFIS_ACCEPT);
	st = conn_store(cn, &err);
	if (st == NULL)
		return failure(ctx, cn, FAIL_STORE, err.msg);
	memset(&ct, 0, sizeof(ct));
	rc = store_contact_get(st, m->from_addr, &ct, &err);
	if (rc < 0)
		return failure(ctx, cn, FAIL_STORE, err.msg);
	if (rc == STORE_NOTFOUND) {
		log_addr(CAD_LOG_DEBUG, m, "inbound, not from a contact:", m->from_addr);
		return done(cn, SMFIS_ACCEPT);
	}

	/* A contact wrote: authenticate the signal before anything acts on it. */
	memset(&v, 0, sizeof(v));
	for (size_t i = 0; (h = msg_header(m, "Authentication-Results", i)) != NULL; i++) {
		struct authres ar;
		struct cad_err perr = { "" };
		if (authres_parse(h, &ar, &perr) != 0) {
			cad_log(CAD_LOG_DEBUG, "%s: ignoring an Authentication-Results header: %s",
				m->qid, perr.msg);
			continue;
		}
		authres_apply(&ar, m->mc->conf.trusted_authserv_ids,
			      m->mc->conf.ntrusted_authserv_ids, cad_addr_domain(m->from_addr), &v);
		authres_free(&ar);
	}
	sbuf_init(&why);
	if (v.spf != AR_ABSENT) {
		spf_res = (enum spf_res)spf_res_parse(ar_verdict_name(v.spf));
		sbuf_adds(&why, "from a trusted Authentication-Results");
	} else {
		spf_res = spf_check(spf, m->client_addr, cn->helo, m->env_from, &why);
	}
	{
		struct sbuf a;
		sbuf_init(&a);
		cad_printable(&a, m->from_addr, 200);
		cad_log(CAD_LOG_INFO, "%s: inbound from contact <%s>: spf=%s (%s) dkim=%s dmarc=%s",
			m->qid, a.s, (int)spf_res >= 0 ? spf_res_name(spf_res) : "unknown", why.s,
			ar_verdict_name(v.dkim), ar_verdict_name(v.dmarc));
		sbuf_free(&a);
	}
	sbuf_free(&why);
	contact_free(&ct);
	return done(cn, SMFIS_ACCEPT);
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	struct conn_ctx *cn = conn_of(ctx);
	struct msg_ctx *m = cn->msg;
	const char *from;
	if (m == NULL)
		return SMFIS_CONTINUE;
	refresh_qid(ctx, m);
	if (m->hdr_overflow) {
		char detail[128];
		snprintf(detail, sizeof(detail), "headers exceed HeaderLimit (%zu bytes) or %d fields",
			 m->mc->conf.header_limit, MILTER_MAX_HEADERS);
		return failure(ctx, cn, FAIL_LIMIT, detail);
	}
	from = msg_header(m, "From", 0);
	if (from != NULL && msg_header(m, "From", 1) == NULL)
		m->from_addr = from_address(from);
	if (m->outbound)
		return outbound_eoh(ctx, cn, m);
	return inbound_eoh(ctx, cn, m);
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct conn_ctx *cn = conn_of(ctx);
	struct msg_ctx *m = cn->msg;
	struct cad_err err = { "" };
	if (m == NULL)
		return SMFIS_CONTINUE;
	if (m->signer != NULL && dkim_signer_body(m->signer, p, n, &err) != 0)
		return failure(ctx, cn, FAIL_SIGN, err.msg);
	if (m->want_body && msg_add_body(m, p, n) && m->signer == NULL && cn->skip)
		return SMFIS_SKIP;
	if (m->signer == NULL && !m->want_body && cn->skip)
		return SMFIS_SKIP;
	return SMFIS_CONTINUE;
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	struct conn_ctx *cn = conn_of(ctx);
	struct msg_ctx *m = cn->msg;
	struct cad_err err = { "" };
	char *sig = NULL;
	if (m == NULL)
		return SMFIS_CONTINUE;
	refresh_qid(ctx, m);
	if (m->signer != NULL) {
		if (dkim_signer_finish(m->signer, &sig, &err) != 0)
			return failure(ctx, cn, FAIL_SIGN, err.msg);
		/* index 1: below the MTA's own Received header, as OpenDKIM does */
		if (smfi_insheader(ctx, 1, DKIM_SIGNATURE_HEADER, sig) != MI_SUCCESS) {
			free(sig);
			return failure(ctx, cn, FAIL_MILTER, "smfi_insheader(DKIM-Signature) failed");
		}
		free(sig);
		{
			const struct dkim_key *k = dkim_tables_lookup(&m->mc->dkim, m->from_addr);
			cad_log(CAD_LOG_INFO, "%s: DKIM-Signature added (d=%s, s=%s, %s)", m->qid,
				k != NULL ? k->domain : "?", k != NULL ? k->selector : "?",
				k != NULL && k->alg == DKIM_KEY_ED25519 ? "ed25519-sha256"
									 : "rsa-sha256");
		}
	}
	return done(cn, SMFIS_CONTINUE);
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	struct conn_ctx *cn = smfi_getpriv(ctx);
	if (cn != NULL)
		msg_end(cn);
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	conn_free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

struct smfiDesc filter_desc = {
	.xxfi_name = "cadence-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_SETSYMLIST,
	.xxfi_connect = NULL,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = NULL,
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
