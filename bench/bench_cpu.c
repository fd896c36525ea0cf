/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_cpu.c - the CPU time of a process tree from /proc (bench_cpu.h).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_cpu.h"

/* Fields of /proc/PID/stat after the command's ")": state is the 1st,
 * ppid the 2nd, utime the 12th, stime the 13th, cutime the 14th, cstime
 * the 15th. 0 when read. */
static int stat_read(pid_t pid, long *ppid, double *own, double *children)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	long cut, cst;
	double tck = (double)sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t k;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	k = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[k] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	if (sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld", ppid, &ut,
		   &st, &cut, &cst) != 5)
		return -1;
	*own = (double)(ut + st) / tck;
	*children = (double)(cut + cst) / tck;
	return 0;
}

double bench_cpu_tree(pid_t pid)
{
	long ppid;
	double own, waited, total;
	DIR *d;
	struct dirent *de;

	if (stat_read(pid, &ppid, &own, &waited) < 0)
		return -1;
	total = own + waited;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long child = strtol(de->d_name, &end, 10);
		double c_own, c_waited;
		if (*end != '\0' || child <= 0)
			continue;
		if (stat_read((pid_t)child, &ppid, &c_own, &c_waited) == 0 && ppid == (long)pid)
			total += c_own;
	}
	closedir(d);
	return total;
}

pid_t bench_cpu_server_pid(void)
{
	const char *s = getenv("BENCH_SERVER_PID");
	char *end;
	long v;
	if (s == NULL || *s == '\0')
		return 0;
	v = strtol(s, &end, 10);
	return *end == '\0' && v > 0 ? (pid_t)v : 0;
}
