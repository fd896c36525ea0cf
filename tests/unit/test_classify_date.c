/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_classify_date.c - out-of-office replies and the return date they
 * state, in English, German, French, Spanish, Dutch, Italian, Portuguese,
 * Polish, Swedish, Danish, Norwegian, Czech, Japanese and Chinese, in the
 * usual written forms; a date without a year takes the
 * message's year (the next one when it would lie before the message).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "util.h"

struct ooo_case {
	const char *subject;
	const char *body;
	const char *want;   /* "" when no date may be read */
};

static const struct ooo_case cases[] = {
	{ "Automatic reply: Quick question",
	  "I am out of the office until March 15, 2026 with limited access to email.", "2026-03-15" },
	{ "Out of Office", "I'm away and will be back on Monday, 9th March.", "2026-03-09" },
	{ "Out of Office", "I will return on 2026-03-02.", "2026-03-02" },
	{ "Out of Office", "I am on leave until 03/15/2026.", "2026-03-15" },
	{ "Abwesenheitsnotiz: Quick question",
	  "Ich bin bis zum 15.03.2026 nicht im Büro und habe keinen Zugriff auf E-Mails.", "2026-03-15" },
	{ "Automatische Antwort", "Ich bin ab dem 16. März wieder im Büro.", "2026-03-16" },
	{ "Réponse automatique : Quick question",
	  "Je suis absent jusqu'au 15 mars 2026 inclus.", "2026-03-15" },
	{ "Absence du bureau", "De retour le 2 avril.", "2026-04-02" },
	{ "Respuesta automática: Quick question",
	  "Estaré fuera de la oficina hasta el 15 de marzo de 2026.", "2026-03-15" },
	{ "Automatisch antwoord: Quick question",
	  "Ik ben afwezig tot en met 15 maart 2026.", "2026-03-15" },
	{ "Risposta automatica: Quick question",
	  "Sono fuori sede fino al 15/03/2026.", "2026-03-15" },
	{ "Resposta automática: Quick question",
	  "Estou ausente até 15 de março de 2026.", "2026-03-15" },
	{ "Out of Office", "I am travelling with limited access to email.", "" },
	/* pl */
	{ "Automatyczna odpowiedź: Quick question",
	  "Jestem poza biurem do 15.03.2026 r. W pilnych sprawach proszę o kontakt z biurem.",
	  "2026-03-15" },
	{ "Automatyczna odpowiedź", "Dzień dobry, wracam 16 marca.", "2026-03-16" },
	/* sv */
	{ "Automatiskt svar: Quick question",
	  "Jag är på semester till och med 15 mars 2026 och har begränsad tillgång till e-post.",
	  "2026-03-15" },
	{ "Frånvaro", "Hej! Jag är tillbaka måndag den 16/3.", "2026-03-16" },
	/* da */
	{ "Automatisk svar: Quick question",
	  "Jeg er på ferie og er tilbage den 16. marts 2026.", "2026-03-16" },
	/* no */
	{ "Automatisk svar: Quick question",
	  "Jeg er fraværende til og med 15. mars og har begrenset tilgang til e-post.", "2026-03-15" },
	/* cs */
	{ "Automatická odpověď: Quick question",
	  "Dobrý den, do 15. 3. 2026 jsem mimo kancelář.", "2026-03-15" },
	{ "Automatická odpověď", "Jsem na dovolené, zpět budu 16. března.", "2026-03-16" },
	/* ja: the date first, the word after it; full-width digits */
	{ "自動応答: Quick question",
	  "誠に勝手ながら、3月15日（日）まで休暇をいただいております。", "2026-03-15" },
	{ "不在通知", "２０２６年３月１６日に戻ります。", "2026-03-16" },
	{ "自動応答", "3/16（月）より出社いたします。", "2026-03-16" },
	/* zh */
	{ "自动回复: Quick question", "您好，我正在休假，将于2026年3月16日返回办公室。", "2026-03-16" },
	{ "自動回覆", "我將於3月16日回到辦公室。", "2026-03-16" },
};

static void test_return_dates(void **state)
{
	(void)state;
	for (size_t i = 0; i < CAD_ARRAY_LEN(cases); i++) {
		char *m = xasprintf("From: Ann <ann@buyer.test>\nTo: rep@seller.test\n"
		    "Date: Mon, 2 Mar 2026 09:00:00 +0100\nSubject: %s\n"
		    "Content-Type: text/plain; charset=UTF-8\n\n%s\n", cases[i].subject, cases[i].body);
		struct verdict *v = classify_message(m, strlen(m));
		if (v->cls != CLASSIFY_AUTOREPLY)
			fail_msg("case %zu (%s): class %s", i, cases[i].subject, classify_verdict_class_name(v->cls));
		if (strcmp(v->return_date, cases[i].want) != 0)
			fail_msg("case %zu: return date '%s', want '%s'", i, v->return_date, cases[i].want);
		classify_verdict_free(v);
		free(m);
	}
}

static void test_year_rolls_over(void **state)
{
	(void)state;
	const char *m = "From: ann@buyer.test\nDate: Tue, 22 Dec 2026 09:00:00 +0100\n"
	    "Subject: Out of Office\nAuto-Submitted: auto-replied\n\n"
	    "Back on 5 January.\n";
	struct verdict *v = classify_message(m, strlen(m));
	assert_int_equal(v->cls, CLASSIFY_AUTOREPLY);
	assert_string_equal(v->return_date, "2027-01-05");
	classify_verdict_free(v);
	/* a year written out is kept as written */
	m = "From: ann@buyer.test\nDate: Tue, 22 Dec 2026 09:00:00 +0100\n"
	    "Subject: Out of Office\nAuto-Submitted: auto-replied\n\n"
	    "Back on 05.01.2026.\n";
	v = classify_message(m, strlen(m));
	assert_string_equal(v->return_date, "2026-01-05");
	classify_verdict_free(v);
}

static void test_rfc3834_kind(void **state)
{
	(void)state;
	const char *m = "From: ann@buyer.test\nSubject: Re: Quick question\n"
	    "Auto-Submitted: auto-replied\n\nThanks for your mail.\n";
	struct verdict *v = classify_message(m, strlen(m));
	assert_int_equal(v->cls, CLASSIFY_AUTOREPLY);
	assert_string_equal(v->auto_kind, "auto-replied");
	assert_string_equal(v->return_date, "");
	classify_verdict_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_return_dates),
		cmocka_unit_test(test_year_rolls_over),
		cmocka_unit_test(test_rfc3834_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
