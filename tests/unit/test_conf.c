/* SPDX-License-Identifier: BSD-2-Clause */
/* test_conf.c - unit tests for conf.c and conf_keys.c: every key type,
 * every error with its line, defaults, nothing half-applied, the
 * conf_dump() round trip, and that cadence.conf(5) and the example file
 * contrib/cadence.conf cover every key of the table. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

static int load(const char *text, struct cad_conf *c, struct cad_err *err)
{
	return conf_load_buffer("t.conf", text, strlen(text), c, err);
}

/* Loads text, expects failure with exactly msg, and defaults only. */
static void expect_error(const char *text, const char *msg)
{
	struct cad_conf c, d;
	struct cad_err err = { "" };
	struct sbuf a, b;
	assert_int_equal(load(text, &c, &err), -1);
	assert_string_equal(err.msg, msg);
	conf_defaults(&d);
	sbuf_init(&a);
	sbuf_init(&b);
	conf_dump(&c, &a);
	conf_dump(&d, &b);
	assert_string_equal(a.s, b.s);
	sbuf_free(&a);
	sbuf_free(&b);
	conf_free(&c);
	conf_free(&d);
}

static void test_defaults(void **state)
{
	struct cad_conf c;
	(void)state;
	conf_defaults(&c);
	assert_string_equal(c.database, CONF_DEFAULT_DATABASE);
	assert_string_equal(c.socket, "local:/var/spool/postfix/cadence/milter.sock");
	assert_string_equal(c.submit_url, "smtp://127.0.0.1:10026");
	assert_string_equal(c.http_listen, "127.0.0.1:8025");
	assert_string_equal(c.enroll_prefix, "enroll");
	assert_string_equal(c.unsubscribe_prefix, "unsubscribe");
	assert_string_equal(c.bounce_prefix, "bounces");
	assert_non_null(c.secret_file);
	assert_null(c.domain);
	assert_null(c.key_table);
	assert_null(c.public_url);
	assert_null(c.user_id);
	assert_int_equal(c.spacing_seconds, 60);
	assert_int_equal(c.spacing_jitter, 30);
	assert_int_equal(c.header_limit, 65536);
	assert_int_equal(c.body_limit, 1048576);
	assert_int_equal(c.syslog, 1);
	assert_int_equal(c.verp, 1);
	assert_int_equal(c.sign_all, 0);
	assert_int_equal(c.ninternal_hosts, 2);
	assert_string_equal(c.internal_hosts[0], "127.0.0.1");
	assert_string_equal(c.internal_hosts[1], "::1");
	assert_int_equal(c.ninternal_domains, 0);
	conf_free(&c);
}

static void test_every_type(void **state)
{
	struct cad_conf c;
	struct cad_err err = { "" };
	(void)state;
	assert_int_equal(load("# a comment\n"
			      "\n"
			      "   # an indented comment\n"
			      "database /srv/cadence/db.sqlite   # trailing comment\n"
			      "DOMAIN example.com\n"
			      "Syslog FALSE\n"
			      "VERP 0\n"
			      "SignAllOutbound true\n"
			      "SendSpacing 0\n"
			      "SendJitter\t86400\n"
			      "HeaderLimit 2k\n"
			      "BodyLimit 3M\n"
			      "InternalDomains example.com,example.org  example.net\n"
			      "InternalDomains sub.example.com\n"
			      "InternalHosts 10.0.0.0/8, 192.168.1.1 2001:db8::/32\r\n"
			      "TrustedAuthservIDs mx.example.com\n"
			      "HttpListen \"\"\n"
			      "PublicURL https://cadence.example.com/u#frag\n"
			      "KeyTable \"/etc/cadence/key table\"\n"
			      "UserID cadence:cadence\n"
			      "Socket inet:8891@127.0.0.1\n"
			      "SubmitURL smtps://[::1]:465\n"
			      "MilterPidFile \"\"\n",
			      &c, &err), 0);
	assert_string_equal(c.database, "/srv/cadence/db.sqlite");
	assert_string_equal(c.domain, "example.com");
	assert_int_equal(c.syslog, 0);
	assert_int_equal(c.verp, 0);
	assert_int_equal(c.sign_all, 1);
	assert_int_equal(c.spacing_seconds, 0);
	assert_int_equal(c.spacing_jitter, 86400);
	assert_int_equal(c.header_limit, 2048);
	assert_int_equal(c.body_limit, 3 * 1048576);
	assert_int_equal(c.ninternal_domains, 4);
	assert_string_equal(c.internal_domains[2], "example.net");
	assert_string_equal(c.internal_domains[3], "sub.example.com");
	/* The first InternalHosts line replaces the default list. */
	assert_int_equal(c.ninternal_hosts, 3);
	assert_string_equal(c.internal_hosts[0], "10.0.0.0/8");
	assert_string_equal(c.internal_hosts[2], "2001:db8::/32");
	assert_int_equal(c.ntrusted_authserv_ids, 1);
	assert_string_equal(c.http_listen, "");
	/* '#' not after whitespace is part of the value. */
	assert_string_equal(c.public_url, "https://cadence.example.com/u#frag");
	assert_string_equal(c.key_table, "/etc/cadence/key table");
	assert_string_equal(c.user_id, "cadence:cadence");
	assert_string_equal(c.socket, "inet:8891@127.0.0.1");
	assert_string_equal(c.submit_url, "smtps://[::1]:465");
	assert_null(c.milter_pid_file);
	/* Untouched keys keep their defaults. */
	assert_string_equal(c.enroll_prefix, "enroll");
	conf_free(&c);

	/* Every spelling of a boolean; sizes without suffix and with g. */
	assert_int_equal(load("Syslog yes\nVERP No\nSignAllOutbound 1\nBodyLimit 1g\n"
			      "HeaderLimit 70000\n", &c, &err), 0);
	assert_int_equal(c.syslog, 1);
	assert_int_equal(c.verp, 0);
	assert_int_equal(c.sign_all, 1);
	assert_int_equal(c.body_limit, 1u << 30);
	assert_int_equal(c.header_limit, 70000);
	conf_free(&c);

	/* Quoted values: escapes, '#' kept, a comment after. */
	assert_int_equal(load("Domain \"example.com\"  # c\n"
			      "UserID   \"a\\\\b\"\n", &c, &err), -1);
	assert_string_equal(err.msg, "t.conf:2: UserID: \"a\\b\": expected user or user:group");
	conf_free(&c);
	assert_int_equal(load("InternalDomains \"\"\n", &c, &err), 0);
	assert_int_equal(c.ninternal_domains, 0);
	conf_free(&c);
	/* An empty file is all defaults. */
	assert_int_equal(load("", &c, &err), 0);
	assert_string_equal(c.socket, "local:/var/spool/postfix/cadence/milter.sock");
	conf_free(&c);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("Database /x\nFrobnicate yes\n", "t.conf:2: unknown key \"Frobnicate\"");
	expect_error("Domain example.com\n\nDomain example.org\n",
		     "t.conf:3: Domain: given twice (first on line 1)");
	expect_error("Database\n", "t.conf:1: Database: value missing");
	expect_error("Database   # only a comment\n", "t.conf:1: Database: value missing");
	expect_error("SendSpacing 10\nDatabase relative/db\n",
		     "t.conf:2: Database: \"relative/db\" is neither an absolute path nor a "
		     "PostgreSQL URI (postgresql://...) or libpq keywords (host=... dbname=...)");
	/* a PostgreSQL Database never holds its password */
	expect_error("Database postgresql://cadence:s3cret@db.example/cadence\n",
		     "t.conf:1: Database: no password in the URI: put it in DatabasePasswordFile "
		     "(a libpq password file) or the service user's ~/.pgpass");
	expect_error("Database \"host=db.example dbname=cadence password=s3cret\"\n",
		     "t.conf:1: Database: no password here: put it in DatabasePasswordFile (a libpq "
		     "password file) or the service user's ~/.pgpass");
	expect_error("Database /var/lib/cadence/cadence.db\nDatabasePasswordFile /etc/cadence/pgpass\n",
		     "t.conf: DatabasePasswordFile is only for a Database on a PostgreSQL server "
		     "(Database is the file /var/lib/cadence/cadence.db)");
	expect_error("Syslog maybe\n", "t.conf:1: Syslog: \"maybe\" is not yes or no");
	expect_error("SendSpacing 12s\n", "t.conf:1: SendSpacing: \"12s\" is not an integer");
	expect_error("SendSpacing -1\n", "t.conf:1: SendSpacing: -1 is out of range 0..86400");
	expect_error("SendJitter 99999999999999999999\n",
		     "t.conf:1: SendJitter: \"99999999999999999999\" is not an integer");
	expect_error("BodyLimit 2x\n",
		     "t.conf:1: BodyLimit: \"2x\" is not a size (bytes, or with k, m, g)");
	expect_error("BodyLimit 2kb\n",
		     "t.conf:1: BodyLimit: \"2kb\" is not a size (bytes, or with k, m, g)");
	expect_error("BodyLimit 2g\n",
		     "t.conf:1: BodyLimit: 2g is out of range 0..1073741824 bytes");
	expect_error("HeaderLimit 10\n",
		     "t.conf:1: HeaderLimit: 10 is out of range 1024..16777216 bytes");
	expect_error("BodyLimit 99999999999999999k\n",
		     "t.conf:1: BodyLimit: 99999999999999999k is out of range 0..1073741824 bytes");
	expect_error("InternalHosts 10.0.0.0/8 mail.example.com\n",
		     "t.conf:1: InternalHosts: \"mail.example.com\" is not an address or network "
		     "(give addresses, not host names)");
	expect_error("InternalHosts 10.0.0.0/33\n",
		     "t.conf:1: InternalHosts: \"10.0.0.0/33\": prefix length must be 0..32");
	expect_error("InternalDomains example.com, -bad.com\n",
		     "t.conf:1: InternalDomains: \"-bad.com\" is not a domain name");
	expect_error("Domain localhost\n", "t.conf:1: Domain: \"localhost\" is not a domain name");
	expect_error("EnrollPrefix enroll+x\n",
		     "t.conf:1: EnrollPrefix: \"enroll+x\": only letters, digits, '-', '_' and '.' "
		     "may form a prefix");
	expect_error("Socket /run/x.sock\nSocket local:/y\n",
		     "t.conf:2: Socket: given twice (first on line 1)");
	expect_error("Socket tcp:25\n", "t.conf:1: Socket: \"tcp:25\": expected local:/path, "
					"inet:port@host or inet6:port@host");
	expect_error("Socket inet:70000@localhost\n",
		     "t.conf:1: Socket: \"inet:70000@localhost\": bad port or host");
	expect_error("SubmitURL http://x\n",
		     "t.conf:1: SubmitURL: \"http://x\": expected smtp://host[:port] or smtps://...");
	expect_error("SubmitURL smtp://host:0\n", "t.conf:1: SubmitURL: \"smtp://host:0\": bad port");
	expect_error("HttpListen 8025\n",
		     "t.conf:1: HttpListen: \"8025\": expected host:port or [address]:port");
	expect_error("PublicURL ftp://x\n",
		     "t.conf:1: PublicURL: \"ftp://x\": expected an http:// or https:// URL");
	expect_error("UserID root:wheel:x\n",
		     "t.conf:1: UserID: \"root:wheel:x\": expected user or user:group");
	expect_error("TrustedAuthservIDs mx;evil\n",
		     "t.conf:1: TrustedAuthservIDs: \"mx;evil\" is not an authserv-id");
	expect_error("Domain \"example.com\n", "t.conf:1: Domain: closing quote missing");
	expect_error("Domain \"example.com\" x\n", "t.conf:1: Domain: text after the closing quote");
	expect_error("# ok\r\nSyslog yes\r\nSyslog no\r\n",
		     "t.conf:3: Syslog: given twice (first on line 2)");
	{
		char buf[] = "Syslog yes\nDomain exa\0mple.com\n";
		struct cad_conf c;
		struct cad_err err = { "" };
		assert_int_equal(conf_load_buffer("t.conf", buf, sizeof(buf) - 1, &c, &err), -1);
		assert_string_equal(err.msg, "t.conf:2: NUL byte in line");
		assert_int_equal(c.syslog, 1);
		conf_free(&c);
	}
	{
		struct sbuf big;
		struct cad_conf c;
		struct cad_err err = { "" };
		int i;
		sbuf_init(&big);
		sbuf_adds(&big, "Domain example.com\nPublicURL https://x/");
		for (i = 0; i < 5000; i++)
			sbuf_addc(&big, 'a');
		assert_int_equal(load(big.s, &c, &err), -1);
		assert_string_equal(err.msg, "t.conf:2: line longer than 4096 bytes");
		assert_null(c.domain);   /* line 1 was good, but nothing is applied */
		conf_free(&c);
		sbuf_free(&big);
	}
}

/* dump -> load -> dump gives the same text and the same values. */
static void roundtrip(const char *text)
{
	struct cad_conf a, b;
	struct cad_err err = { "" };
	struct sbuf da, db;
	size_t i;
	assert_int_equal(load(text, &a, &err), 0);
	sbuf_init(&da);
	sbuf_init(&db);
	conf_dump(&a, &da);
	if (conf_load_buffer("dump", da.s, da.len, &b, &err) != 0)
		fail_msg("dump does not load: %s\n%s", err.msg, da.s);
	conf_dump(&b, &db);
	assert_string_equal(da.s, db.s);
	/* And field by field, for the values the dump could have mangled. */
	assert_string_equal(a.database, b.database);
	assert_int_equal(a.header_limit, b.header_limit);
	assert_int_equal(a.body_limit, b.body_limit);
	assert_int_equal(a.ninternal_hosts, b.ninternal_hosts);
	for (i = 0; i < a.ninternal_hosts; i++)
		assert_string_equal(a.internal_hosts[i], b.internal_hosts[i]);
	if (a.public_url == NULL)
		assert_null(b.public_url);
	else
		assert_string_equal(a.public_url, b.public_url);
	if (a.key_table == NULL)
		assert_null(b.key_table);
	else
		assert_string_equal(a.key_table, b.key_table);
	assert_string_equal(a.http_listen, b.http_listen);
	if (a.milter_pid_file == NULL)
		assert_null(b.milter_pid_file);
	else
		assert_string_equal(a.milter_pid_file, b.milter_pid_file);
	conf_free(&a);
	conf_free(&b);
	sbuf_free(&da);
	sbuf_free(&db);
}

/* Database names a file or a server; DatabasePasswordFile becomes libpq's
 * passfile parameter in either form, and a dump loads back the same. */
static void test_database_server(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "Database postgresql://cadence@db.example/cadence\n",
		  "postgresql://cadence@db.example/cadence" },
		{ "Database postgresql://cadence@db.example/cadence\nDatabasePasswordFile /etc/cadence/pg pass\n",
		  "postgresql://cadence@db.example/cadence?passfile=/etc/cadence/pg%20pass" },
		{ "Database postgresql://db.example/cadence?sslmode=require\nDatabasePasswordFile /etc/p\n",
		  "postgresql://db.example/cadence?sslmode=require&passfile=/etc/p" },
		{ "Database \"host=/run/postgresql dbname=cadence\"\nDatabasePasswordFile /etc/it's\n",
		  "host=/run/postgresql dbname=cadence passfile='/etc/it\\'s'" },
		{ "Database /srv/cadence.db\n", "/srv/cadence.db" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cad_conf c, again;
		struct cad_err err = { "" };
		struct sbuf dump;
		assert_int_equal(load(cases[i].text, &c, &err), 0);
		assert_string_equal(c.database, cases[i].want);
		sbuf_init(&dump);
		conf_dump(&c, &dump);
		assert_int_equal(load(dump.s, &again, &err), 0);
		assert_string_equal(again.database, c.database);
		sbuf_free(&dump);
		conf_free(&c);
		conf_free(&again);
	}
	assert_true(conf_database_is_server("host=x dbname=y"));
	assert_true(conf_database_is_server("postgres://x/y"));
	assert_false(conf_database_is_server("/var/lib/cadence/cadence.db"));
	assert_false(conf_database_is_server("/srv/a=b.db"));
}

static void test_dump_roundtrip(void **state)
{
	struct cad_conf c;
	struct sbuf d;
	(void)state;
	roundtrip("");
	roundtrip("Domain example.com\nInternalDomains a.example, b.example\n"
		  "InternalHosts \"\"\nHttpListen \"\"\nMilterPidFile \"\"\n"
		  "KeyTable \"/etc/cadence/a #b\"\nSigningTable \"/x/\\\"q\\\" \"\n"
		  "PublicURL https://u.example/#x\nHeaderLimit 1025\nBodyLimit 0\n");
	roundtrip("Syslog no\nSendSpacing 7\nTrustedAuthservIDs mx1.example.com mx2.example.com\n"
		  "BodyLimit 5k\nHeaderLimit 3m\nUserID cadence\n");
	/* The dump names every key once, unset ones commented. */
	conf_defaults(&c);
	sbuf_init(&d);
	conf_dump(&c, &d);
	assert_non_null(strstr(d.s, "\nSocket local:/var/spool/postfix/cadence/milter.sock\n"));
	assert_non_null(strstr(d.s, "\nHeaderLimit 64k\n"));
	assert_non_null(strstr(d.s, "\nBodyLimit 1m\n"));
	assert_non_null(strstr(d.s, "\n# Domain (not set)\n"));
	assert_non_null(strstr(d.s, "\nInternalHosts 127.0.0.1, ::1\n"));
	sbuf_free(&d);
	conf_free(&c);
}

static void test_value(void **state)
{
	struct cad_conf c;
	struct cad_err err = { "" };
	struct sbuf v;
	(void)state;
	assert_int_equal(load("KeyTable \"/a b/#k\"\nInternalHosts \"\"\nHeaderLimit 3000\n", &c, &err),
			 0);
	sbuf_init(&v);
	assert_int_equal(conf_value(&c, conf_key_find("KeyTable"), &v), 1);
	assert_string_equal(v.s, "/a b/#k");
	sbuf_reset(&v);
	assert_int_equal(conf_value(&c, conf_key_find("InternalHosts"), &v), 0);
	assert_string_equal(v.s, "");
	assert_int_equal(conf_value(&c, conf_key_find("Domain"), &v), 0);
	assert_int_equal(conf_value(&c, conf_key_find("HeaderLimit"), &v), 1);
	assert_string_equal(v.s, "3000");
	sbuf_reset(&v);
	assert_int_equal(conf_value(&c, conf_key_find("VERP"), &v), 1);
	assert_string_equal(v.s, "yes");
	sbuf_free(&v);
	conf_free(&c);
}

static void test_file_io(void **state)
{
	char path[] = "/tmp/cadence-conf-XXXXXX";
	struct cad_conf c;
	struct cad_err err = { "" };
	FILE *f;
	int fd;
	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("Domain example.com\nSendSpacing 5\n", f);
	fclose(f);
	assert_int_equal(conf_load(path, &c, &err), 0);
	assert_string_equal(c.domain, "example.com");
	assert_int_equal(c.spacing_seconds, 5);
	conf_free(&c);
	f = fopen(path, "a");
	fputs("SendSpacing 6\n", f);
	fclose(f);
	assert_int_equal(conf_load(path, &c, &err), -1);
	assert_true(strncmp(err.msg, path, strlen(path)) == 0);
	assert_string_equal(err.msg + strlen(path), ":3: SendSpacing: given twice (first on line 2)");
	assert_null(c.domain);
	assert_int_equal(c.spacing_seconds, 60);
	conf_free(&c);
	unlink(path);
	assert_int_equal(conf_load(path, &c, &err), -1);
	assert_non_null(strstr(err.msg, "No such file or directory"));
	assert_int_equal(c.spacing_seconds, 60);
	conf_free(&c);
}

static void test_table(void **state)
{
	size_t i, j;
	(void)state;
	for (i = 0; i < conf_nkeys; i++) {
		assert_ptr_equal(conf_key_find(conf_keys[i].name), &conf_keys[i]);
		for (j = i + 1; j < conf_nkeys; j++)
			assert_false(cad_strcaseeq(conf_keys[i].name, conf_keys[j].name));
	}
	assert_ptr_equal(conf_key_find("SENDSPACING"), conf_key_find("SendSpacing"));
	assert_null(conf_key_find("Nope"));
}

static char *slurp(const char *rel)
{
	const char *top = getenv("CADENCE_SRCDIR");
	struct sbuf b;
	char path[4096], chunk[4096];
	char *out;
	FILE *f;
	size_t n;
	if (top == NULL || *top == '\0')
		top = TOP_SRCDIR;
	snprintf(path, sizeof(path), "%s/%s", top, rel);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	sbuf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_add(&b, chunk, n);
	fclose(f);
	out = sbuf_detach(&b);
	sbuf_free(&b);          /* detach leaves a fresh, allocated buffer */
	return out;
}

/* The man page and the example file document every key; the example
 * file loads without error. */
static void test_docs_cover_keys(void **state)
{
	char *man = slurp("man/cadence.conf.5"), *ex = slurp("contrib/cadence.conf");
	struct cad_conf c;
	struct cad_err err = { "" };
	size_t i;
	(void)state;
	for (i = 0; i < conf_nkeys; i++) {
		char m[64], e[64];
		snprintf(m, sizeof(m), ".B %s\n", conf_keys[i].name);
		snprintf(e, sizeof(e), "%s ", conf_keys[i].name);
		if (strstr(man, m) == NULL)
			fail_msg("cadence.conf(5) does not document %s", conf_keys[i].name);
		if (strstr(ex, e) == NULL)
			fail_msg("contrib/cadence.conf does not mention %s", conf_keys[i].name);
	}
	if (conf_load_buffer("contrib/cadence.conf", ex, strlen(ex), &c, &err) != 0)
		fail_msg("%s", err.msg);
	conf_free(&c);
	free(man);
	free(ex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_database_server),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_file_io),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_docs_cover_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
