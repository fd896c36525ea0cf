/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_pages_login.c - signing in with an API token and out. The sign-in
 * form's CSRF token is bound to a nonce cookie set with the form (there is
 * no session yet); a session's is bound to its id (ui_sess.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store_token.h"
#include "ui_int.h"

#define UI_LOGIN_TTL 3600
#define UI_SESSION_AGE (8 * 3600)

void ui_set_cookie(struct ui_call *c, const char *name, const char *value, long max_age)
{
	size_t i;
	for (i = 0; i < UI_COOKIES_MAX; i++) {
		if (c->out->cookie[i] != NULL)
			continue;
		c->out->cookie[i] = xasprintf("%s=%s; Path=/ui; Max-Age=%ld; HttpOnly; "
					      "SameSite=Strict%s", name, value, max_age,
					      ui_secure_cookies() ? "; Secure" : "");
		return;
	}
}

static void login_form(struct ui_call *c, unsigned status, const char *error)
{
	char nonce[UI_SID_HEX + 1], csrf[UI_SID_HEX + 1];

	if (ui_random_hex(nonce) < 0) {
		ui_error(c, 503, "No random numbers: try again.");
		return;
	}
	ui_mac("login", nonce, csrf);
	ui_set_cookie(c, "cad_ui_login", nonce, UI_LOGIN_TTL);
	ui_page_begin(&c->b, "Sign in", NULL, NULL);
	sbuf_adds(&c->b, "<h1>Sign in to cadence</h1>");
	if (error != NULL) {
		sbuf_adds(&c->b, "<p class=\"err\" role=\"alert\" id=\"login-error\">");
		ui_esc(&c->b, error);
		sbuf_adds(&c->b, "</p>");
	}
	sbuf_adds(&c->b, "<form method=\"post\" action=\"/ui/login\">");
	ui_csrf_field(&c->b, csrf);
	sbuf_adds(&c->b, "<p><label for=\"token\">Access token</label><br>"
		  "<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\" "
		  "required size=\"48\" aria-describedby=\"token-help\"></p>"
		  "<p id=\"token-help\" class=\"muted\">The token your administrator made with "
		  "<code>cadencectl token add</code> (it starts with <code>cad_</code>).</p>"
		  "<p><button type=\"submit\">Sign in</button></p></form>");
	ui_page_end(&c->b);
	ui_send_page(c, status);
}

void ui_page_login(struct ui_call *c)
{
	if (c->signed_in) {
		ui_redirect(c, "/ui/");
		return;
	}
	login_form(c, 200, NULL);
}

void ui_post_login(struct ui_call *c)
{
	char *nonce = ui_cookie(c->rq->cookie, "cad_ui_login");
	char want[UI_SID_HEX + 1], hash[STORE_TOKEN_HASH_LEN + 1];
	const char *csrf = ui_form(c, "csrf"), *token = ui_form(c, "token");
	struct cad_err err = { "" };
	struct api_token t;
	struct ui_sess proto, s;
	int rc;

	want[0] = '\0';
	if (nonce != NULL && strlen(nonce) == UI_SID_HEX)
		ui_mac("login", nonce, want);
	free(nonce);
	if (want[0] == '\0' || csrf == NULL || strlen(csrf) != UI_SID_HEX
	    || CRYPTO_memcmp(csrf, want, UI_SID_HEX) != 0) {
		login_form(c, 403, "This sign-in form has expired: try again.");
		return;
	}
	if (token == NULL || *token == '\0' || strlen(token) > 256) {
		login_form(c, 400, "Enter your access token.");
		return;
	}
	if (c->st == NULL) {
		ui_error(c, 503, "The store is not available; try again in a moment.");
		return;
	}
	memset(&t, 0, sizeof(t));
	store_token_hash(token, hash);
	rc = store_token_find(c->st, hash, &t, &err);
	if (rc < 0) {
		ui_error(c, 503, "The store failed: %s", err.msg);
		return;
	}
	if (rc == STORE_NOTFOUND) {
		login_form(c, 401, "That token is not valid (unknown, revoked, or its rep is "
			   "disabled).");
		return;
	}
	memset(&proto, 0, sizeof(proto));
	memset(&s, 0, sizeof(s));
	proto.token = (char *)token;
	proto.name = t.name;
	proto.email = t.admin ? NULL : t.user_email;
	proto.user_id = t.admin ? 0 : t.user_id;
	proto.admin = t.admin;
	if (ui_sess_open(&proto, c->rq->now, &s) < 0) {
		api_token_free(&t);
		ui_error(c, 503, "No random numbers: try again.");
		return;
	}
	api_token_free(&t);
	ui_set_cookie(c, "cad_ui", s.id, UI_SESSION_AGE);
	ui_set_cookie(c, "cad_ui_login", "", 0);
	ui_sess_clear(&s);
	ui_redirect(c, "/ui/");
}

void ui_post_logout(struct ui_call *c)
{
	ui_sess_close(c->sess.id);
	ui_set_cookie(c, "cad_ui", "", 0);
	ui_redirect(c, "/ui/login");
}
