/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * compose_fixture.h - what the compose suites (test_compose*.c) share: a
 * valid input for compose_message() (Ada Lovelace at sales.example writes
 * "Quick question" to John Smith at acme.test, plain ASCII, at CPX_T0 in
 * UTC, with a Message-ID of cadence's shape) that each test changes one
 * field of.
 */
#ifndef CADENCE_COMPOSE_FIXTURE_H
#define CADENCE_COMPOSE_FIXTURE_H

#include "compose.h"

/* 2026-11-18T11:06:40Z */
#define CPX_T0 ((cad_time_t)1795000000)

struct compose_in cpx_input(void);

#endif
