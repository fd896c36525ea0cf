/*
 * freemail.c - the compiled-in list of free-mail providers and the
 * organizational domain rule. See freemail.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "freemail.h"
#include "util.h"

/* Exact provider domains (compared with the organizational domain and
 * with the domain itself). */
static const char *const providers[] = {
	"gmail.com", "googlemail.com",
	"outlook.com", "live.com", "msn.com", "passport.com",
	"aol.com", "aim.com",
	"icloud.com", "me.com", "mac.com",
	"web.de", "freenet.de", "t-online.de", "posteo.de", "posteo.net", "mailbox.org",
	"mail.ru", "inbox.ru", "list.ru", "bk.ru", "rambler.ru",
	"proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com",
	"tuta.io", "tutanota.de",
	"zoho.com", "zohomail.com",
	"qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sohu.com",
	"aliyun.com", "139.com",
	"naver.com", "daum.net", "hanmail.net",
	"rediffmail.com", "fastmail.com", "fastmail.fm", "hushmail.com",
	"mail.com", "email.com", "usa.com", "inbox.com",
	"laposte.net", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr",
	"libero.it", "virgilio.it", "tiscali.it", "alice.it",
	"seznam.cz", "centrum.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl",
	"abv.bg", "ukr.net", "bigpond.com", "optusnet.com.au",
	"comcast.net", "verizon.net", "att.net", "sbcglobal.net", "cox.net",
	"earthlink.net", "btinternet.com", "sky.com", "virginmedia.com",
	"shaw.ca", "rogers.com", "sympatico.ca", "uol.com.br", "bol.com.br",
	"terra.com.br", "rocketmail.com", "ymail.com", "hey.com", "duck.com",
	"gmx.com", "gmx.net", "gmx.de", "gmx.at", "gmx.ch",
};

/* Providers that exist under many public suffixes: the first label of the
 * organizational domain ("yahoo" of yahoo.co.jp). */
static const char *const provider_names[] = {
	"hotmail", "outlook", "windowslive", "yahoo", "gmx", "yandex", "aol", "zoho",
};

/* Two-label public suffixes under which organizations register names. */
static const char *const suffixes2[] = {
	"co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk",
	"com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au",
	"co.nz", "org.nz", "net.nz", "ac.nz", "govt.nz",
	"co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "ad.jp", "gr.jp",
	"co.kr", "or.kr", "ne.kr", "go.kr", "ac.kr",
	"com.br", "net.br", "org.br", "gov.br", "edu.br",
	"com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn",
	"com.hk", "org.hk", "net.hk", "edu.hk", "gov.hk",
	"com.tw", "org.tw", "net.tw", "edu.tw", "gov.tw",
	"com.sg", "org.sg", "net.sg", "edu.sg", "gov.sg",
	"com.my", "com.ph", "com.vn", "co.th", "in.th", "co.id", "or.id", "ac.id",
	"co.in", "net.in", "org.in", "firm.in", "gen.in", "ind.in", "ac.in", "gov.in",
	"co.za", "org.za", "net.za", "gov.za", "ac.za",
	"com.mx", "org.mx", "gob.mx", "com.ar", "org.ar", "gob.ar", "com.co", "com.pe",
	"com.ve", "com.uy", "com.ec", "cl.cl",
	"com.tr", "org.tr", "net.tr", "gov.tr", "edu.tr",
	"co.il", "org.il", "ac.il", "gov.il", "com.eg", "com.sa", "com.pk", "com.ng",
	"co.ke", "com.ua", "org.ua", "com.ru", "org.ru", "net.ru", "msk.ru", "spb.ru",
	"com.pl", "org.pl", "net.pl", "co.at", "or.at", "gv.at", "ac.at",
	"com.es", "org.es", "com.pt", "com.gr", "co.hu", "com.cy", "com.mt",
	"co.no", "com.de", "gov.it", "co.it",
};

static int in_list(const char *const *list, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncasecmp(list[i], s, len) == 0)
			return 1;
	return 0;
}

char *freemail_org_domain(const char *domain)
{
	const char *labels[128];
	size_t n = 0, len, keep;
	char *d, *p;

	if (domain == NULL || *domain == '\0' || *domain == '[')
		return NULL;
	len = strlen(domain);
	if (len > 253 + 1)
		return NULL;
	d = xstrdup(domain);
	if (len > 0 && d[len - 1] == '.')   /* a root dot is not a label */
		d[--len] = '\0';
	cad_strlower(d);
	for (p = d; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.' || *p == '_'))
			goto bad;
	/* Label starts, checking that none is empty. */
	for (p = d;;) {
		char *dot = strchr(p, '.');
		if (n == CAD_ARRAY_LEN(labels) || (dot ? dot == p : *p == '\0'))
			goto bad;
		labels[n++] = p;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	if (n < 2)
		goto bad;
	keep = 2;
	if (in_list(suffixes2, CAD_ARRAY_LEN(suffixes2), labels[n - 2], strlen(labels[n - 2])))
		keep = 3;
	if (n < keep)
		goto bad;   /* "co.uk" itself is a suffix, not an organization */
	p = xstrdup(labels[n - keep]);
	free(d);
	return p;
bad:
	free(d);
	return NULL;
}

int freemail_is(const char *domain)
{
	char *org;
	const char *dot;
	int hit;

	if (domain == NULL || *domain == '\0')
		return 0;
	if (in_list(providers, CAD_ARRAY_LEN(providers), domain, strlen(domain)))
		return 1;
	org = freemail_org_domain(domain);
	if (org == NULL)
		return 0;
	hit = in_list(providers, CAD_ARRAY_LEN(providers), org, strlen(org));
	dot = strchr(org, '.');
	if (!hit && dot != NULL)
		hit = in_list(provider_names, CAD_ARRAY_LEN(provider_names), org,
			      (size_t)(dot - org));
	free(org);
	return hit;
}
