/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_submit.c - scheduler/submit.c against a real SMTP server on
 * loopback: Postfix's smtp-sink, started by the test on a free 127.0.0.1
 * port, dumping what it receives to a private directory, and told to
 * answer 4xx/5xx or to stall at chosen commands. A message composed by
 * compose.c goes through and is compared byte for byte with the dump.
 *
 * Each sink runs under timeout(1) with a parent-death signal, so it dies
 * with the test even when the test crashes; teardown kills it otherwise.
 * Skipped (exit 77) when smtp-sink is not installed ($SMTP_SINK overrides).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "compose.h"
#include "token.h"
#include "secret.h"
#include "submit.h"

static const char *sink_path;

struct sink {
	pid_t pid;
	int port;
	char dir[64];
	char url[64];
};
static struct sink sink;

static int free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int can_connect(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int sink_stop(void **state);

/* Starts smtp-sink with the given extra options (NULL-terminated). */
static int sink_start(const char *const *extra)
{
	const char *argv[32];
	char dump[96], listen[32];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int argc = 0, i;

	snprintf(sink.dir, sizeof(sink.dir), "/tmp/cadence-test-submit-XXXXXX");
	if (mkdtemp(sink.dir) == NULL)
		return -1;
	sink.port = free_port();
	snprintf(sink.url, sizeof(sink.url), "smtp://127.0.0.1:%d", sink.port);
	snprintf(dump, sizeof(dump), "%s/msg.", sink.dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", sink.port);
	argv[argc++] = "timeout";
	argv[argc++] = "60";          /* a hard bound on the sink's life */
	argv[argc++] = sink_path;
	argv[argc++] = "-4";
	if (geteuid() == 0) {
		/* smtp-sink refuses to run as root; the dump dir must let it write. */
		argv[argc++] = "-u";
		argv[argc++] = "nobody";
		chmod(sink.dir, 0777);
	}
	argv[argc++] = "-d";
	argv[argc++] = dump;
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		argv[argc++] = extra[i];
	argv[argc++] = listen;
	argv[argc++] = "10";
	argv[argc] = NULL;

	sink.pid = fork();
	if (sink.pid < 0) {
		sink.pid = 0;
		sink_stop(NULL);
		return -1;
	}
	if (sink.pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {       /* up to 10 s for it to listen */
		if (can_connect(sink.port))
			return 0;
		if (waitpid(sink.pid, NULL, WNOHANG) == sink.pid) {
			sink.pid = 0;
			sink_stop(NULL);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	sink_stop(NULL);   /* cmocka runs no teardown when setup fails */
	return -1;
}

static int sink_stop(void **state)
{
	char *cmd;
	(void)state;
	if (sink.pid > 0) {
		kill(sink.pid, SIGTERM);       /* timeout(1) passes it on to the sink */
		waitpid(sink.pid, NULL, 0);
		sink.pid = 0;
	}
	if (sink.dir[0] != '\0') {
		cmd = xasprintf("rm -rf '%s'", sink.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", sink.dir);
		free(cmd);
		sink.dir[0] = '\0';
	}
	return 0;
}

static int setup_plain(void **state)
{
	(void)state;
	return sink_start(NULL);
}

#define SETUP(name, ...) \
	static int name(void **state) \
	{ \
		static const char *const args[] = { __VA_ARGS__, NULL }; \
		(void)state; \
		return sink_start(args); \
	}
SETUP(setup_rcpt_4xx, "-r", "RCPT")
SETUP(setup_eod_5xx, "-f", ".", "-B", "554 5.7.1 Message rejected by policy")
SETUP(setup_mail_5xx, "-f", "MAIL")
SETUP(setup_greeting_421, "-Q", "CONNECT")
SETUP(setup_greeting_5xx, "-f", "CONNECT")
SETUP(setup_eod_stall, "-W", ".:5")

/* The dumped messages, in no particular order. */
static size_t read_dumps(char **out, size_t max)
{
	DIR *d = opendir(sink.dir);
	struct dirent *de;
	size_t n = 0;
	char *path;
	FILE *f;
	struct sbuf b;
	char buf[4096];
	size_t got;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "msg.", 4) != 0)
			continue;
		assert_true(n < max);
		path = xasprintf("%s/%s", sink.dir, de->d_name);
		f = fopen(path, "r");
		if (f == NULL && errno == ENOENT) {
			/* smtp-sink removes the dump of an aborted transaction
			 * (a refused RCPT): it may vanish between readdir and open. */
			free(path);
			continue;
		}
		assert_non_null(f);
		sbuf_init(&b);
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			sbuf_add(&b, buf, got);
		fclose(f);
		free(path);
		out[n++] = sbuf_detach(&b);
		sbuf_free(&b);
	}
	closedir(d);
	return n;
}

/* A real sequence message, as the scheduler would make it. */
static void make_message(struct sbuf *msg, char verp[128], const char *subject)
{
	struct cad_secret secret;
	struct cad_err err;
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ], utok[TOKEN_BUFSZ], mailto[128], url[128];
	char *id;
	struct compose_in in;

	assert_int_equal(secret_set(&secret, "test secret, 32 bytes or longer!", 32, &err), 0);
	assert_int_equal(token_nonce_random(nonce, &err), 0);
	assert_int_equal(token_make(TOKEN_VERP, &secret, nonce, tok), 0);
	assert_int_equal(token_make(TOKEN_UNSUB, &secret, nonce, utok), 0);
	id = msgid_make(&secret, nonce, "sales.example");
	snprintf(verp, 128, "bounces+%s@sales.example", tok);
	snprintf(mailto, sizeof(mailto), "unsubscribe+%s@sales.example", utok);
	snprintf(url, sizeof(url), "https://cadence.sales.example/u/%s", utok);
	memset(&in, 0, sizeof(in));
	in.from_name = "Zoë Ada";
	in.from_addr = "ada@sales.example";
	in.to_name = "John Smith";
	in.to_addr = "john@acme.test";
	in.subject = subject;
	in.body = "Hi John,\n.leading dot must survive\n..two dots too\n.\nGrüße, Zoë\n";
	in.date = 1795000000;
	in.message_id = id;
	in.unsub_mailto = mailto;
	in.unsub_url = url;
	sbuf_init(msg);
	if (compose_message(&in, msg, &err) != 0)
		fail_msg("compose: %s", err.msg);
	free(id);
	secret_free(&secret);
}

static char *crlf_to_lf(const char *s)
{
	char *out = xstrdup(s), *dst = out;
	for (; *s != '\0'; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*dst++ = *s;
	*dst = '\0';
	return out;
}

static void test_accepted(void **state)
{
	struct sbuf m1, m2;
	struct submit_result r;
	char verp1[128], verp2[128], *dumps[4], *want, *args;
	size_t n, i;
	int found1 = 0, found2 = 0;
	(void)state;

	make_message(&m1, verp1, "First touch");
	make_message(&m2, verp2, "Second touch");
	submit_message(sink.url, verp1, "john@acme.test", m1.s, m1.len, NULL, &r);
	assert_int_equal(r.status, SUBMIT_ACCEPTED);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	assert_string_equal(r.reply, "end of data: 250 2.0.0 Ok");
	assert_null(r.queue_id);    /* smtp-sink names no queue id; Postfix does */
	submit_result_free(&r);
	submit_message(sink.url, verp2, "john@acme.test", m2.s, m2.len, NULL, &r);
	assert_int_equal(r.status, SUBMIT_ACCEPTED);
	submit_result_free(&r);

	n = read_dumps(dumps, 4);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_non_null(strstr(dumps[i], "X-Rcpt-Args: <john@acme.test>\n"));
		/* The message arrived byte for byte (the dump has LF line ends),
		 * dot-stuffed lines restored by the receiver. */
		want = crlf_to_lf(m1.s);
		args = xasprintf("X-Mail-Args: <%s>", verp1);
		if (strstr(dumps[i], want) != NULL && strstr(dumps[i], args) != NULL)
			found1++;
		free(want);
		free(args);
		want = crlf_to_lf(m2.s);
		args = xasprintf("X-Mail-Args: <%s>", verp2);
		if (strstr(dumps[i], want) != NULL && strstr(dumps[i], args) != NULL)
			found2++;
		free(want);
		free(args);
		assert_non_null(strstr(dumps[i], "\n.leading dot must survive\n..two dots too\n.\n"));
		free(dumps[i]);
	}
	assert_int_equal(found1, 1);
	assert_int_equal(found2, 1);
	sbuf_free(&m1);
	sbuf_free(&m2);
}

static void submit_one(struct submit_result *r, const struct submit_opts *opts)
{
	struct sbuf m;
	char verp[128];
	make_message(&m, verp, "Hello");
	submit_message(sink.url, verp, "john@acme.test", m.s, m.len, opts, r);
	sbuf_free(&m);
}

/* No message content reached the sink (it may log an aborted transaction). */
static void assert_nothing_received(void)
{
	char *dumps[2];
	size_t i, n = read_dumps(dumps, 2);
	for (i = 0; i < n; i++) {
		assert_null(strstr(dumps[i], "Message-Id:"));
		free(dumps[i]);
	}
}

static void test_rcpt_tempfail(void **state)
{
	struct submit_result r;
	(void)state;
	submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.code, 450);
	assert_int_equal(r.stage, SUBMIT_STAGE_RCPT);
	assert_string_equal(r.reply, "RCPT: 450 4.3.0 Error: command failed");
	assert_null(r.queue_id);
	submit_result_free(&r);
	assert_nothing_received();
}

static void test_end_of_data_permfail(void **state)
{
	struct submit_result r;
	(void)state;
	submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_int_equal(r.code, 554);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	assert_string_equal(r.reply, "end of data: 554 5.7.1 Message rejected by policy");
	submit_result_free(&r);
}

static void test_mail_permfail(void **state)
{
	struct submit_result r;
	(void)state;
	submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_int_equal(r.code, 500);
	assert_int_equal(r.stage, SUBMIT_STAGE_MAIL);
	assert_string_equal(r.reply, "MAIL: 500 5.3.0 Error: command failed");
	submit_result_free(&r);
	assert_nothing_received();
}

static void test_greeting_421(void **state)
{
	struct submit_result r;
	(void)state;
	submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.code, 421);
	assert_int_equal(r.stage, SUBMIT_STAGE_CONNECT);
	assert_non_null(strstr(r.reply, "greeting: 421"));
	submit_result_free(&r);
}

static void test_greeting_5xx_is_temporary(void **state)
{
	struct submit_result r;
	(void)state;
	/* A server that will not talk to us says nothing about the message:
	 * retry rather than fail every due step. */
	submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.code / 100, 5);
	assert_int_equal(r.stage, SUBMIT_STAGE_CONNECT);
	submit_result_free(&r);
}

static void test_end_of_data_timeout(void **state)
{
	struct submit_opts opts = { 2000, 1000, NULL };
	struct submit_result r;
	(void)state;
	/* The sink holds its answer to "." for 5 s; we give up after 1 s:
	 * temporary, and flagged as the ambiguous stage. */
	submit_one(&r, &opts);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	/* No reply came: code 0 (not the 354 libcurl last read), as promised. */
	assert_int_equal(r.code, 0);
	assert_non_null(r.reply);
	assert_non_null(strstr(r.reply, "end of data: "));
	submit_result_free(&r);
}

/*
 * A fake server in python3 that speaks SMTP up to the final "." and then
 * closes the connection without a reply (RFC 1047's window: the MTA may
 * have the message). Started under timeout(1), listening on sink.port.
 */
static const char fake_py[] =
	"import socket,sys\n"
	"s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
	"s.bind(('127.0.0.1',int(sys.argv[1]))); s.listen(1)\n"
	"def serve(c):\n"
	"    f=c.makefile('rb')\n"
	"    say=lambda t: c.sendall(t.encode()+b'\\r\\n')\n"
	"    say('220 fake ESMTP')\n"
	"    while True:\n"
	"        l=f.readline()\n"
	"        if not l: return\n"
	"        v=l[:4].upper()\n"
	"        if v in (b'EHLO',b'HELO'): say('250 fake')\n"
	"        elif v==b'DATA':\n"
	"            say('354 go ahead')\n"
	"            while f.readline() not in (b'.\\r\\n',b''): pass\n"
	"            return\n"
	"        else: say('250 2.0.0 Ok')\n"
	"while True:\n"
	"    c,_=s.accept()\n"
	"    try: serve(c)\n"
	"    except OSError: pass\n"
	"    c.close()\n";

static int setup_fake_drop(void **state)
{
	char port[16];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i;
	(void)state;
	sink.dir[0] = '\0';
	sink.port = free_port();
	snprintf(port, sizeof(port), "%d", sink.port);
	snprintf(sink.url, sizeof(sink.url), "smtp://127.0.0.1:%d", sink.port);
	sink.pid = fork();
	if (sink.pid < 0)
		return -1;
	if (sink.pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		execlp("timeout", "timeout", "30", "python3", "-c", fake_py, port, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 250; i++) {
		if (can_connect(sink.port))
			return 0;
		if (waitpid(sink.pid, NULL, WNOHANG) == sink.pid) {
			sink.pid = 0;
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	sink_stop(NULL);
	return -1;
}

/*
 * A fake server in python3 for the rep's copy (a second RCPT): it refuses
 * (550) any recipient with "refuse" in it, and appends to DIR/log one line
 * per transaction: "EOD <rcpt> <rcpt>" when a whole message (up to the
 * final ".") came in, "DROPPED" when the connection closed inside DATA.
 */
static const char copy_py[] =
	"import socket,sys\n"
	"s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
	"s.bind(('127.0.0.1',int(sys.argv[1]))); s.listen(1)\n"
	"def log(t):\n"
	"    open(sys.argv[2]+'/log','a').write(t+'\\n')\n"
	"def serve(c):\n"
	"    f=c.makefile('rb'); rc=[]\n"
	"    say=lambda t: c.sendall(t.encode()+b'\\r\\n')\n"
	"    say('220 fake ESMTP')\n"
	"    while True:\n"
	"        l=f.readline()\n"
	"        if not l: return\n"
	"        v=l[:4].upper()\n"
	"        if v in (b'EHLO',b'HELO'): say('250 fake')\n"
	"        elif v==b'RCPT':\n"
	"            a=l.decode().strip()[8:]\n"
	"            if 'refuse' in a: say('550 5.1.1 '+a+': Recipient address rejected')\n"
	"            else: rc.append(a); say('250 2.1.5 Ok')\n"
	"        elif v==b'DATA':\n"
	"            say('354 go ahead')\n"
	"            while True:\n"
	"                d=f.readline()\n"
	"                if d==b'': log('DROPPED'); return\n"
	"                if d==b'.\\r\\n': break\n"
	"            log('EOD '+' '.join(rc)); say('250 2.0.0 Ok: queued as QCOPY1')\n"
	"        elif v==b'QUIT': say('221 bye'); return\n"
	"        else: say('250 2.0.0 Ok')\n"
	"while True:\n"
	"    c,_=s.accept()\n"
	"    try: serve(c)\n"
	"    except OSError: pass\n"
	"    c.close()\n";

static int setup_fake_copy(void **state)
{
	char port[16];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i;
	(void)state;
	snprintf(sink.dir, sizeof(sink.dir), "/tmp/cadence-test-submit-XXXXXX");
	if (mkdtemp(sink.dir) == NULL)
		return -1;
	sink.port = free_port();
	snprintf(port, sizeof(port), "%d", sink.port);
	snprintf(sink.url, sizeof(sink.url), "smtp://127.0.0.1:%d", sink.port);
	sink.pid = fork();
	if (sink.pid < 0)
		return -1;
	if (sink.pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		execlp("timeout", "timeout", "30", "python3", "-c", copy_py, port, sink.dir,
		    (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 250; i++) {
		if (can_connect(sink.port))
			return 0;
		if (waitpid(sink.pid, NULL, WNOHANG) == sink.pid) {
			sink.pid = 0;
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	sink_stop(NULL);
	return -1;
}

/* The fake server's log so far ("" when none). */
static char *copy_log(void)
{
	char *path = xasprintf("%s/log", sink.dir), buf[1024];
	FILE *f = fopen(path, "r");
	size_t n = 0;
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	free(path);
	nanosleep(&ts, NULL);   /* the server logs a drop after we close */
	if (f == NULL)
		return xstrdup("");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

static void submit_copy(const char *rcpt, const char *copy, struct submit_result *r)
{
	struct submit_opts opts;
	struct sbuf m;
	char verp[128];
	memset(&opts, 0, sizeof(opts));
	opts.copy_rcpt = copy;
	make_message(&m, verp, "Hello");
	submit_message(sink.url, verp, rcpt, m.s, m.len, &opts, r);
	sbuf_free(&m);
}

/* Both RCPTs taken: one transaction, one message to both, the contact first. */
static void test_copy_accepted(void **state)
{
	struct submit_result r;
	char *log;
	(void)state;
	submit_copy("john@acme.test", "ada+cadence-sent@sales.example", &r);
	assert_int_equal(r.status, SUBMIT_ACCEPTED);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	assert_string_equal(r.queue_id, "QCOPY1");
	assert_int_equal(r.copy_code, 250);
	submit_result_free(&r);
	log = copy_log();
	assert_string_equal(log, "EOD <john@acme.test> <ada+cadence-sent@sales.example>\n");
	free(log);
}

/* The copy refused: the contact's message still goes and counts as sent. */
static void test_copy_refused(void **state)
{
	struct submit_result r;
	char *log;
	(void)state;
	submit_copy("john@acme.test", "refuse+cadence-sent@sales.example", &r);
	assert_int_equal(r.status, SUBMIT_ACCEPTED);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	assert_int_equal(r.copy_code, 550);
	assert_non_null(r.copy_reply);
	assert_non_null(strstr(r.copy_reply, "RCPT: 550 5.1.1"));
	submit_result_free(&r);
	log = copy_log();
	assert_string_equal(log, "EOD <john@acme.test>\n");
	free(log);
}

/* The contact refused, the copy taken: nothing is delivered (not even to
 * the rep), and the contact's RCPT reply decides, as without a copy. The
 * control is test_copy_accepted: the same server logs a delivery as EOD. */
static void test_copy_contact_refused(void **state)
{
	struct submit_result r;
	char *log;
	(void)state;
	submit_copy("refuse@acme.test", "ada+cadence-sent@sales.example", &r);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_int_equal(r.stage, SUBMIT_STAGE_RCPT);
	assert_int_equal(r.code, 550);
	assert_non_null(strstr(r.reply, "RCPT: 550 5.1.1 <refuse@acme.test>"));
	assert_null(r.queue_id);
	submit_result_free(&r);
	log = copy_log();
	assert_null(strstr(log, "EOD"));
	free(log);
	/* Both refused: the same. */
	submit_copy("refuse@acme.test", "refuse2@sales.example", &r);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_int_equal(r.code, 550);
	assert_non_null(strstr(r.reply, "<refuse@acme.test>"));
	submit_result_free(&r);
	log = copy_log();
	assert_null(strstr(log, "EOD"));
	free(log);
}

static void test_end_of_data_dropped(void **state)
{
	struct submit_result r;
	(void)state;
	/* The connection closes after the final dot, no reply read: the
	 * ambiguous stage, with code 0 (not 354). */
	submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	assert_int_equal(r.code, 0);
	assert_non_null(r.reply);
	assert_null(strstr(r.reply, "354"));
	assert_null(r.queue_id);
	submit_result_free(&r);
}

static void test_connection_refused(void **state)
{
	struct submit_result r;
	struct sbuf m;
	char verp[128], *url;
	(void)state;
	make_message(&m, verp, "Hello");
	url = xasprintf("smtp://127.0.0.1:%d", free_port());
	submit_message(url, verp, "john@acme.test", m.s, m.len, NULL, &r);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.stage, SUBMIT_STAGE_CONNECT);
	assert_non_null(r.reply);
	assert_true(strlen(r.reply) > strlen("greeting: "));
	submit_result_free(&r);
	free(url);
	sbuf_free(&m);
}

static void test_local_refusals(void **state)
{
	struct submit_result r;
	const char *msg = "Subject: x\r\n\r\nx\r\n";
	(void)state;
	submit_message("smtp://127.0.0.1:9", "a@b.example", "x@y.example\r\nRCPT TO:<evil@z.example>",
	    msg, strlen(msg), NULL, &r);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_int_equal(r.stage, SUBMIT_STAGE_NONE);
	assert_non_null(strstr(r.reply, "bad recipient"));
	assert_null(strchr(r.reply, '\r'));
	submit_result_free(&r);
	submit_message("smtp://127.0.0.1:9", "<a@b.example>", "x@y.example", msg, strlen(msg),
	    NULL, &r);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_non_null(strstr(r.reply, "bad envelope sender"));
	submit_result_free(&r);
	submit_message("http://127.0.0.1:9/", "a@b.example", "x@y.example", msg, strlen(msg),
	    NULL, &r);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_non_null(strstr(r.reply, "SubmitURL"));
	submit_result_free(&r);
}

static void test_queue_id(void **state)
{
	static const char *const cases[][2] = {
		{ "end of data: 250 2.0.0 Ok: queued as 4ABC12DEF0", "4ABC12DEF0" },
		{ "250 2.0.0 Ok: queued as 4Ywl7n1Hq3z9mPlb", "4Ywl7n1Hq3z9mPlb" },
		{ "250 OK id=1qAbcD-0001Ab-Xy", "1qAbcD-0001Ab-Xy" },
		{ "250 2.0.0 Ok", NULL },
		{ "250 2.0.0 msgid=abc accepted", NULL },
		{ "250 queued as ", NULL },
		/* Sendmail, OpenSMTPD: the word before the phrase */
		{ "250 2.0.0 0B7C1a2b012345 Message accepted for delivery", "0B7C1a2b012345" },
		{ "end of data: 250 2.0.0 5c1e7a2b Message accepted for delivery", "5c1e7a2b" },
		{ "250 2.0.0 Message accepted for delivery", NULL },
		{ "250 Message accepted for delivery", NULL },
		{ "250 2.0.0 x.y Message accepted for delivery", NULL },
	};
	size_t i;
	char *q;
	(void)state;
	for (i = 0; i < CAD_ARRAY_LEN(cases); i++) {
		q = submit_queue_id(cases[i][0]);
		if (cases[i][1] == NULL)
			assert_null(q);
		else
			assert_string_equal(q, cases[i][1]);
		free(q);
	}
	assert_null(submit_queue_id(NULL));
}

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(submit_classify(250), SUBMIT_ACCEPTED);
	assert_int_equal(submit_classify(251), SUBMIT_ACCEPTED);
	assert_int_equal(submit_classify(421), SUBMIT_TEMPFAIL);
	assert_int_equal(submit_classify(452), SUBMIT_TEMPFAIL);
	assert_int_equal(submit_classify(354), SUBMIT_TEMPFAIL);
	assert_int_equal(submit_classify(0), SUBMIT_TEMPFAIL);
	assert_int_equal(submit_classify(550), SUBMIT_PERMFAIL);
	assert_int_equal(submit_classify(554), SUBMIT_PERMFAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_id),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_local_refusals),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test_setup_teardown(test_accepted, setup_plain, sink_stop),
		cmocka_unit_test_setup_teardown(test_rcpt_tempfail, setup_rcpt_4xx, sink_stop),
		cmocka_unit_test_setup_teardown(test_end_of_data_permfail, setup_eod_5xx, sink_stop),
		cmocka_unit_test_setup_teardown(test_mail_permfail, setup_mail_5xx, sink_stop),
		cmocka_unit_test_setup_teardown(test_greeting_421, setup_greeting_421, sink_stop),
		cmocka_unit_test_setup_teardown(test_greeting_5xx_is_temporary, setup_greeting_5xx,
		    sink_stop),
		cmocka_unit_test_setup_teardown(test_end_of_data_timeout, setup_eod_stall, sink_stop),
		cmocka_unit_test_setup_teardown(test_end_of_data_dropped, setup_fake_drop, sink_stop),
		cmocka_unit_test_setup_teardown(test_copy_accepted, setup_fake_copy, sink_stop),
		cmocka_unit_test_setup_teardown(test_copy_refused, setup_fake_copy, sink_stop),
		cmocka_unit_test_setup_teardown(test_copy_contact_refused, setup_fake_copy,
		    sink_stop),
	};
	struct cad_err err;

	sink_path = getenv("SMTP_SINK");
	if (sink_path == NULL || *sink_path == '\0')
		sink_path = "/usr/sbin/smtp-sink";
	if (access(sink_path, X_OK) != 0) {
		fprintf(stderr, "SKIP: %s not found (install postfix)\n", sink_path);
		return 77;
	}
	if (submit_global_init(&err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("submit", tests, NULL, NULL);
}
