/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * contact_csv.h - one CSV row (header names + fields) to a struct contact.
 *
 * Column names are recognised whatever their case, spaces, '_', '-' or '.':
 *   email      email, e-mail, email address, emailaddress
 *   firstname  firstname, first_name, first name, given name
 *   lastname   lastname, last_name, last name, surname, family name
 *   company    company, company name, organization, organisation,
 *              account, account name
 *   tz         timezone, time zone, time_zone, tz
 *   aliases    aliases, alias (addresses separated by spaces, ',' or ';')
 *   region     region, holiday region, holiday calendar: the holiday
 *              calendar of the contact's country or region ("DE", "us-ca";
 *              stored lower-case), which replaces the sequence's calendars
 *              for the contact's steps (rules.h)
 * Every other column with a name becomes a property when its value is not
 * empty; the key is the name lower-cased with each run of characters other
 * than letters, digits, '_' and '-' turned into one '_' ("Job Title" ->
 * job_title), so that {{contact.job_title}} can name it.
 *
 * Guarantees: pure (no I/O besides tz_valid()'s look at the zone
 * database). Values are trimmed; every value must be UTF-8 and free of
 * control characters (properties may hold tabs and line breaks). A bad
 * row gets one message naming its column and leaves *out empty.
 */
#ifndef CADENCE_CONTACT_CSV_H
#define CADENCE_CONTACT_CSV_H

#include <stddef.h>

#include "model.h"
#include "util.h"

/* Index of each role's column in the header, -1 when absent. */
struct contact_csv_cols {
	int email;
	int firstname;
	int lastname;
	int company;
	int tz;
	int aliases;
	int region;
};

/* Checks a header once per file: -1 with err when no column gives the
 * email address, when two columns give the same role, or when two columns
 * would become the same property. */
int contact_csv_header(char *const *hdr, size_t n, struct contact_csv_cols *cols,
		       struct cad_err *err);

/* Maps one row of n fields under header hdr into *out, which it
 * initialises (the caller contact_free()s it in every case). -1 with err
 * ("column \"email\": ...") when the row cannot become a contact. */
int contact_csv_row(char *const *hdr, char *const *fields, size_t n, struct contact *out,
		    struct cad_err *err);

/* Adds the addresses of an aliases value (separated by spaces, ',' or
 * ';') to c->aliases, normalised, skipping c->email and repeats. -1 with
 * err naming the first bad address; c->aliases is then unchanged. */
int contact_csv_aliases(const char *value, struct contact *c, struct cad_err *err);

#endif
