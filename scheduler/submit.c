/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * submit.c - SMTP submission of one message with libcurl (see submit.h).
 *
 * libcurl reports the last reply code (CURLINFO_RESPONSE_CODE) but not its
 * text, and the text is what an operator needs in an event ("550 5.1.1
 * <x>: Recipient address rejected") and where Postfix puts the queue id.
 * So the SMTP conversation is followed through CURLOPT_DEBUGFUNCTION:
 * commands going out set the stage, replies coming in are collected up to
 * their final line. Nothing is printed.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "submit.h"

const char *submit_status_name(enum submit_status s)
{
	switch (s) {
	case SUBMIT_ACCEPTED: return "accepted";
	case SUBMIT_TEMPFAIL: return "temporary failure";
	case SUBMIT_PERMFAIL: return "permanent failure";
	}
	return "?";
}

const char *submit_stage_name(enum submit_stage s)
{
	switch (s) {
	case SUBMIT_STAGE_NONE: return "before connecting";
	case SUBMIT_STAGE_CONNECT: return "greeting";
	case SUBMIT_STAGE_HELO: return "EHLO";
	case SUBMIT_STAGE_MAIL: return "MAIL";
	case SUBMIT_STAGE_RCPT: return "RCPT";
	case SUBMIT_STAGE_DATA: return "DATA";
	case SUBMIT_STAGE_END_OF_DATA: return "end of data";
	}
	return "?";
}

int submit_global_init(struct cad_err *err)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		return cad_err_set(err, "curl_global_init: %s", curl_easy_strerror(rc));
	return 0;
}

enum submit_status submit_classify(int code)
{
	if (code >= 200 && code < 300)
		return SUBMIT_ACCEPTED;
	if (code >= 500 && code < 600)
		return SUBMIT_PERMFAIL;
	return SUBMIT_TEMPFAIL;
}

/* Sendmail and OpenSMTPD answer the dot with "250 2.0.0 ID Message
 * accepted for delivery": the queue id is the word before that phrase,
 * after the code and the enhanced status code. */
static char *queue_id_before_accepted(const char *reply)
{
	static const char phrase[] = "message accepted for delivery";
	const char *p, *end, *w;

	for (p = reply; *p != '\0'; p++)
		if (cad_startswith_ci(p, phrase))
			break;
	if (*p == '\0')
		return NULL;
	for (end = p; end > reply && end[-1] == ' '; end--)
		;
	for (w = end; w > reply && (isalnum((unsigned char)w[-1]) || w[-1] == '-'); w--)
		;
	/* a word of its own, not the reply code or an enhanced status code */
	if (w == end || end - w > 64 || (w > reply && w[-1] != ' '))
		return NULL;
	for (p = w; p < end && isdigit((unsigned char)*p); p++)
		;
	if (p == end)
		return NULL;
	return xstrndup(w, (size_t)(end - w));
}

char *submit_queue_id(const char *reply)
{
	static const char *const marks[] = { "queued as ", "id=" };
	const char *p, *q;
	size_t i, n;

	if (reply == NULL)
		return NULL;
	for (i = 0; i < CAD_ARRAY_LEN(marks); i++) {
		n = strlen(marks[i]);
		for (p = reply; *p != '\0'; p++) {
			if (!cad_startswith_ci(p, marks[i]))
				continue;
			/* "id=" only as a word of its own, not inside "msgid=" */
			if (p > reply && isalnum((unsigned char)p[-1]))
				continue;
			p += n;
			for (q = p; isalnum((unsigned char)*q) || *q == '-'; q++)
				;
			if (q > p && q - p <= 64)
				return xstrndup(p, (size_t)(q - p));
			break;
		}
	}
	return queue_id_before_accepted(reply);
}

/* The conversation as seen from the debug callback. */
struct capture {
	enum submit_stage stage;       /* what the next reply answers */
	enum submit_stage last_stage;  /* what the last complete reply answered */
	int last_code;
	struct sbuf cur;               /* the reply being read */
	int cur_code;
	struct sbuf last;              /* the last complete reply, printable */
	int quit;                      /* QUIT sent: later replies do not matter */
	int rcpt_idx;                  /* which RCPT the next reply answers (0: the contact) */
	int nrcpt;                     /* RCPT commands sent */
	int rcpt_code[2];              /* final replies: the contact's, the copy's */
	char *rcpt_reply[2];
};

static void capture_command(struct capture *c, const char *s, size_t n)
{
	static const struct { const char *verb; enum submit_stage stage; } verbs[] = {
		{ "EHLO", SUBMIT_STAGE_HELO }, { "HELO", SUBMIT_STAGE_HELO },
		{ "STARTTLS", SUBMIT_STAGE_HELO }, { "AUTH", SUBMIT_STAGE_HELO },
		{ "MAIL", SUBMIT_STAGE_MAIL }, { "RCPT", SUBMIT_STAGE_RCPT },
		{ "DATA", SUBMIT_STAGE_DATA },
	};
	size_t i, vl;

	if (n >= 4 && strncasecmp(s, "QUIT", 4) == 0) {
		c->quit = 1;
		return;
	}
	for (i = 0; i < CAD_ARRAY_LEN(verbs); i++) {
		vl = strlen(verbs[i].verb);
		if (n >= vl && strncasecmp(s, verbs[i].verb, vl) == 0) {
			c->stage = verbs[i].stage;
			if (c->stage == SUBMIT_STAGE_RCPT)
				c->rcpt_idx = c->nrcpt++;
			return;
		}
	}
}

/* One reply line, without its line end: "250-text" or "250 text". */
static void capture_reply_line(struct capture *c, const char *s, size_t n)
{
	char *line;
	int code, final;

	if (n < 3 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]))
		return;
	code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	final = n == 3 || s[3] == ' ';
	if (c->cur.len == 0) {
		c->cur_code = code;
		sbuf_addf(&c->cur, "%s: %d", submit_stage_name(c->stage), code);
	}
	if (n > 4 && c->cur.len < SUBMIT_REPLY_MAX) {
		line = xstrndup(s + 4, n - 4);
		sbuf_addc(&c->cur, ' ');
		cad_printable(&c->cur, line, SUBMIT_REPLY_MAX - c->cur.len);
		free(line);
	}
	if (!final)
		return;
	sbuf_reset(&c->last);
	sbuf_add(&c->last, c->cur.s, c->cur.len);
	sbuf_reset(&c->cur);
	c->last_code = c->cur_code;
	c->last_stage = c->stage;
	if (c->stage == SUBMIT_STAGE_RCPT && c->rcpt_idx >= 0 && c->rcpt_idx < 2 &&
	    c->rcpt_code[c->rcpt_idx] == 0) {
		c->rcpt_code[c->rcpt_idx] = c->cur_code;
		c->rcpt_reply[c->rcpt_idx] = xstrdup(c->last.s);
	}
	/* After 354 the data goes out; the next reply answers its end. */
	if (c->cur_code == 354 && c->stage == SUBMIT_STAGE_DATA)
		c->stage = SUBMIT_STAGE_END_OF_DATA;
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct capture *c = arg;
	size_t start = 0, end;

	(void)h;
	if (c->quit || (type != CURLINFO_HEADER_IN && type != CURLINFO_HEADER_OUT))
		return 0;
	if (type == CURLINFO_HEADER_OUT) {
		capture_command(c, data, size);
		return 0;
	}
	while (start < size) {
		for (end = start; end < size && data[end] != '\n'; end++)
			;
		{
			size_t n = end - start;
			if (n > 0 && data[start + n - 1] == '\r')
				n--;
			capture_reply_line(c, data + start, n);
		}
		start = end + 1;
	}
	return 0;
}

/*
 * libcurl (7.88) does not apply CURLOPT_TIMEOUT_MS while it blocks for the
 * reply to the end of data or to QUIT; only the per-reply
 * CURLOPT_SERVER_RESPONSE_TIMEOUT does. The progress callback, which
 * libcurl calls at least once a second in those waits too, enforces the
 * total bound.
 */
struct deadline {
	struct timespec end;
	int expired;
};

static void deadline_set(struct deadline *d, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, &d->end);
	d->end.tv_sec += ms / 1000;
	d->end.tv_nsec += (ms % 1000) * 1000000L;
	if (d->end.tv_nsec >= 1000000000L) {
		d->end.tv_sec++;
		d->end.tv_nsec -= 1000000000L;
	}
	d->expired = 0;
}

static int progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct deadline *d = arg;
	struct timespec now;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > d->end.tv_sec ||
	    (now.tv_sec == d->end.tv_sec && now.tv_nsec >= d->end.tv_nsec)) {
		d->expired = 1;
		return 1;
	}
	return 0;
}

struct reader {
	const char *p;
	size_t left;
	const struct capture *cap;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nitems;

	/* The contact's RCPT refused while the copy's was taken: libcurl
	 * (ALLOWFAILS) goes on to DATA; no byte goes out, the server drops
	 * the transaction, the contact's reply decides. */
	if (r->cap != NULL && r->cap->rcpt_code[0] != 0 &&
	    (r->cap->rcpt_code[0] < 200 || r->cap->rcpt_code[0] >= 300))
		return CURL_READFUNC_ABORT;
	if (n > r->left)
		n = r->left;
	memcpy(buf, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

static int envelope_ok(const char *addr)
{
	const char *p;

	if (addr == NULL || strlen(addr) > 254)
		return 0;
	for (p = addr; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '<' || *p == '>')
			return 0;
	return cad_addr_valid(addr);
}

static void local_failure(struct submit_result *res, enum submit_status status,
    const char *fmt, const char *what)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_adds(&b, fmt);
	sbuf_adds(&b, " ");
	cad_printable(&b, what != NULL ? what : "(none)", 200);
	res->status = status;
	res->reply = sbuf_detach(&b);
	sbuf_free(&b);
}

/* One transaction on handle h (whose connection libcurl may reuse; its
 * options are set afresh here). Fills res. */
static void transaction(CURL *h, const char *url, const char *mail_from, const char *rcpt,
    const char *msg, size_t len, const struct submit_opts *opts,
    struct submit_result *res)
{
	char errbuf[CURL_ERROR_SIZE];
	struct capture cap;
	struct deadline dl;
	struct reader rd;
	struct curl_slist *rcpts = NULL;
	char *from_arg, *rcpt_arg, *copy_arg = NULL;
	const char *copy = opts != NULL ? opts->copy_rcpt : NULL;
	long code = 0, total_ms, connect_ms;
	CURLcode rc;

	memset(res, 0, sizeof(*res));
	res->stage = SUBMIT_STAGE_NONE;
	if (url == NULL || (!cad_startswith_ci(url, "smtp://") &&
	    !cad_startswith_ci(url, "smtps://"))) {
		local_failure(res, SUBMIT_TEMPFAIL, "SubmitURL is not an smtp:// or "
		    "smtps:// URL:", url);
		return;
	}
	if (!envelope_ok(mail_from)) {
		local_failure(res, SUBMIT_PERMFAIL, "bad envelope sender:", mail_from);
		return;
	}
	if (!envelope_ok(rcpt)) {
		local_failure(res, SUBMIT_PERMFAIL, "bad recipient:", rcpt);
		return;
	}
	/* A copy address that cannot be used is dropped, never the message. */
	if (copy != NULL && (!envelope_ok(copy) || strcasecmp(copy, rcpt) == 0))
		copy = NULL;
	if (h == NULL) {
		local_failure(res, SUBMIT_TEMPFAIL, "curl_easy_init failed", "");
		return;
	}
	curl_easy_reset(h);    /* options only: a live connection stays cached */
	memset(&cap, 0, sizeof(cap));
	cap.stage = SUBMIT_STAGE_CONNECT;
	sbuf_init(&cap.cur);
	sbuf_init(&cap.last);
	rd.p = msg;
	rd.left = len;
	rd.cap = copy != NULL ? &cap : NULL;
	errbuf[0] = '\0';
	from_arg = xasprintf("<%s>", mail_from);
	rcpt_arg = xasprintf("<%s>", rcpt);
	rcpts = curl_slist_append(NULL, rcpt_arg);
	if (copy != NULL) {
		copy_arg = xasprintf("<%s>", copy);
		rcpts = curl_slist_append(rcpts, copy_arg);
		/* One refused RCPT does not end the transaction (the contact's
		 * refusal is caught in read_cb). */
		curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
	}

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	connect_ms = opts != NULL && opts->connect_timeout_ms > 0 ?
	    opts->connect_timeout_ms : SUBMIT_CONNECT_TIMEOUT_MS;
	total_ms = opts != NULL && opts->timeout_ms > 0 ? opts->timeout_ms : SUBMIT_TIMEOUT_MS;
	deadline_set(&dl, total_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (total_ms + 999) / 1000);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &dl);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from_arg);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &rd);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &cap);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);

	rc = curl_easy_perform(h);
	if (dl.expired) {
		rc = CURLE_OPERATION_TIMEDOUT;
		snprintf(errbuf, sizeof(errbuf), "timed out after %ld ms", total_ms);
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (code == 0)
		code = cap.last_code;
	/* libcurl reports the last code it read (354 after DATA) even when the
	 * reply that would decide never came: no reply to the stage still
	 * waiting is code 0, as submit.h promises (the ledger tells "the
	 * connection dropped after the final dot" from "4xx to the dot" by it). */
	if (rc != CURLE_OK && cap.stage != cap.last_stage)
		code = 0;
	if (copy != NULL && cap.rcpt_code[0] != 0 &&
	    (cap.rcpt_code[0] < 200 || cap.rcpt_code[0] >= 300)) {
		/* The contact's RCPT refused: that reply decides, whatever
		 * came after it for the copy (354 to DATA, an abort). */
		if (rc == CURLE_OK)
			rc = CURLE_SEND_ERROR;     /* cannot happen: read_cb aborted */
		code = cap.rcpt_code[0];
		cap.last_code = code;
		cap.last_stage = SUBMIT_STAGE_RCPT;
		cap.stage = SUBMIT_STAGE_RCPT;
		sbuf_reset(&cap.last);
		sbuf_adds(&cap.last, cap.rcpt_reply[0]);
	}
	res->code = (int)code;
	/* The stage that decided: the one a failing reply answered, or, when
	 * no reply came (timeout, lost connection), the one still waiting. */
	if (rc != CURLE_OK && !(cap.last_code >= 400 && cap.last_code == code))
		res->stage = cap.stage;
	else
		res->stage = cap.last_stage;

	if (rc == CURLE_OK) {
		/* libcurl returns OK only after a 250 to the end of data. */
		res->status = SUBMIT_ACCEPTED;
	} else if (code >= 500 && code < 600 && cap.last_stage != SUBMIT_STAGE_CONNECT &&
	    cap.last_stage != SUBMIT_STAGE_HELO) {
		res->status = SUBMIT_PERMFAIL;
	} else {
		/* 4xx, no reply, or a 5xx to the greeting/EHLO/AUTH: that is about
		 * the MTA or our setup, not this message; failing every due step
		 * for it would be wrong, so retry. */
		res->status = SUBMIT_TEMPFAIL;
	}
	if (cap.last.len > 0 && cap.last_code == code &&
	    (rc == CURLE_OK || code != 0)) {
		res->reply = sbuf_detach(&cap.last);
		if (rc != CURLE_OK && code >= 200 && code < 400) {
			/* The last reply was fine; what failed came after it. */
			char *r = xasprintf("%s; then %s", res->reply,
			    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
			free(res->reply);
			res->reply = r;
		}
	} else {
		struct sbuf b;
		sbuf_init(&b);
		sbuf_addf(&b, "%s: ", submit_stage_name(res->stage));
		cad_printable(&b, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc), 300);
		res->reply = sbuf_detach(&b);
		sbuf_free(&b);
	}
	if (res->status == SUBMIT_ACCEPTED)
		res->queue_id = submit_queue_id(res->reply);

	/* Unhook the capture (and the buffers it points to) before the
	 * handle goes on: a later cleanup may still send QUIT. */
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, NULL);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, NULL);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
	curl_easy_setopt(h, CURLOPT_READDATA, NULL);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	if (copy != NULL) {
		res->copy_code = cap.rcpt_code[1];
		res->copy_reply = cap.rcpt_reply[1];
		cap.rcpt_reply[1] = NULL;
	}
	free(cap.rcpt_reply[0]);
	free(cap.rcpt_reply[1]);
	free(from_arg);
	free(rcpt_arg);
	free(copy_arg);
	sbuf_free(&cap.cur);
	sbuf_free(&cap.last);
}

void submit_message(const char *url, const char *mail_from, const char *rcpt,
    const char *msg, size_t len, const struct submit_opts *opts,
    struct submit_result *res)
{
	CURL *h = curl_easy_init();

	transaction(h, url, mail_from, rcpt, msg, len, opts, res);
	if (h != NULL)
		curl_easy_cleanup(h);     /* QUIT, close */
}

/* ---- one connection for several transactions ---- */

struct submit_session {
	CURL *h;
	char *url;
	struct submit_opts opts;   /* the timeouts; copy_rcpt is per message */
	int open;                  /* the last transaction left its connection up */
	int transactions;
	int rsets;                 /* RSETs answered 250 */
};

static size_t discard_cb(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* RSET on the connection left by the last transaction. A failure is not a
 * message's: libcurl closes that connection (smtp_done with a bad status)
 * and the next transaction opens a new one. */
static void session_rset(struct submit_session *ss)
{
	long connect_ms = ss->opts.connect_timeout_ms > 0 ? ss->opts.connect_timeout_ms
							  : SUBMIT_CONNECT_TIMEOUT_MS;

	curl_easy_reset(ss->h);
	curl_easy_setopt(ss->h, CURLOPT_URL, ss->url);
	curl_easy_setopt(ss->h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(ss->h, CURLOPT_REDIR_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(ss->h, CURLOPT_PROXY, "");
	curl_easy_setopt(ss->h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(ss->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(ss->h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(ss->h, CURLOPT_TIMEOUT_MS, connect_ms);
	curl_easy_setopt(ss->h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (connect_ms + 999) / 1000);
	curl_easy_setopt(ss->h, CURLOPT_CUSTOMREQUEST, "RSET");
	curl_easy_setopt(ss->h, CURLOPT_WRITEFUNCTION, discard_cb);
	if (curl_easy_perform(ss->h) == CURLE_OK)
		ss->rsets++;
}

struct submit_session *submit_session_open(const char *url, const struct submit_opts *opts)
{
	struct submit_session *ss = xcalloc(1, sizeof(*ss));

	ss->h = curl_easy_init();
	ss->url = url != NULL ? xstrdup(url) : NULL;
	if (opts != NULL) {
		ss->opts.connect_timeout_ms = opts->connect_timeout_ms;
		ss->opts.timeout_ms = opts->timeout_ms;
	}
	return ss;
}

void submit_session_send(struct submit_session *ss, const char *mail_from, const char *rcpt,
    const char *msg, size_t len, const char *copy_rcpt, struct submit_result *res)
{
	struct submit_opts o = ss->opts;

	if (ss->open && ss->h != NULL)
		session_rset(ss);
	o.copy_rcpt = copy_rcpt;
	transaction(ss->h, ss->url, mail_from, rcpt, msg, len, &o, res);
	ss->transactions++;
	/* Whether the transaction left its connection up: libcurl closes it
	 * after a failure before the end of data, keeps it after a 2xx or a
	 * reply to the end of data, and it is no use after no reply; a local refusal (nothing sent) leaves it
	 * as it was. */
	if (res->stage != SUBMIT_STAGE_NONE && ss->h != NULL) {
		curl_socket_t sock = CURL_SOCKET_BAD;
		if (curl_easy_getinfo(ss->h, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK)
			sock = CURL_SOCKET_BAD;
		/* No reply at all (code 0): the connection is broken or stalled. */
		ss->open = sock != CURL_SOCKET_BAD && res->code != 0;
	}
}

int submit_session_rsets(const struct submit_session *ss)
{
	return ss != NULL ? ss->rsets : 0;
}

void submit_session_close(struct submit_session *ss)
{
	if (ss == NULL)
		return;
	if (ss->h != NULL)
		curl_easy_cleanup(ss->h);  /* QUIT on a connection still open */
	free(ss->url);
	free(ss);
}

void submit_result_free(struct submit_result *res)
{
	free(res->reply);
	free(res->queue_id);
	free(res->copy_reply);
	res->reply = NULL;
	res->queue_id = NULL;
	res->copy_reply = NULL;
}
