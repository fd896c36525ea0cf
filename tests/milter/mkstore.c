/*
 * mkstore.c - test helper: creates a cadence store and adds contacts, so
 * that the milter tests run against a real database.
 *
 *   mkstore DBPATH ADDRESS...
 */
#include "config.h"

#include <stdio.h>

#include "model.h"
#include "store.h"
#include "util.h"

int main(int argc, char **argv)
{
	struct store *st = NULL;
	struct cad_err err = { "" };
	const cad_time_t now = 1796112000;   /* 2026-12-01T00:00:00Z: fixed, tests are deterministic */
	if (argc < 2) {
		fprintf(stderr, "usage: mkstore DBPATH ADDRESS...\n");
		return 2;
	}
	if (store_open(&st, argv[1], STORE_CREATE, &err) != 0) {
		fprintf(stderr, "mkstore: %s\n", err.msg);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		struct contact c = { 0 };
		int created = 0;
		c.email = xstrdup(argv[i]);
		if (store_contact_upsert(st, &c, now, &created, &err) != 0) {
			fprintf(stderr, "mkstore: %s: %s\n", argv[i], err.msg);
			contact_free(&c);
			store_close(st);
			return 1;
		}
		contact_free(&c);
	}
	store_close(st);
	return 0;
}
