/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_cpu.h - the CPU time of another process tree, for the benches that
 * run on a PostgreSQL store: the server's work is done in its own
 * processes (a backend per connection, the WAL writer, the checkpointer),
 * which this process's CPU clock does not count.
 *
 * bench_cpu_tree(pid): seconds of CPU (user + system) used so far by pid,
 * by its children that have exited and been waited for (cutime, cstime),
 * and by its children still running (Linux /proc). The environment's
 * BENCH_SERVER_PID names the server (the postmaster's pid; bench/bench_pg.sh
 * sets it); bench_cpu_server_pid() returns it, or 0 when it is unset.
 * Errors: -1 when /proc/PID/stat cannot be read. Linux only; a bench helper.
 */
#ifndef CADENCE_BENCH_CPU_H
#define CADENCE_BENCH_CPU_H

#include <sys/types.h>

double bench_cpu_tree(pid_t pid);
pid_t bench_cpu_server_pid(void);

#endif
