/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * freemail.c - the compiled-in list of free-mail providers. See
 * freemail.h; organizational domains come from the Public Suffix List
 * (orgdomain.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "freemail.h"
#include "orgdomain.h"
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

static int in_list(const char *const *list, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncasecmp(list[i], s, len) == 0)
			return 1;
	return 0;
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
	org = cad_org_domain(domain);
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
