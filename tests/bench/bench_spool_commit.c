/*
 * bench_spool_commit.c - committing a large checkpoint to the spool versus
 * the floor: cp of the same file plus sync.
 *
 * usage: bench_spool_commit DIR [MIB]    (default 1024 MiB, in DIR)
 * Prints both times and their ratio; the target is a ratio <= 1.2.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "num.h"
#include "spool.h"
#include "xalloc.h"

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
fill(const char *path, long long mib)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	char *buf = xmalloc(1 << 20);
	for (size_t i = 0; i < (1u << 20); i++)
		buf[i] = (char)(i * 2654435761u >> 24);
	struct error err;
	for (long long i = 0; i < mib; i++) {
		buf[0] = (char)i;
		if (fileio_write_all(fd, buf, 1 << 20, path, &err) < 0) {
			free(buf);
			close(fd);
			return -1;
		}
	}
	free(buf);
	fsync(fd);
	return close(fd);
}

static int
run(const char *sh)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", sh, (char *)NULL);
		_exit(127);
	}
	int st;
	return waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) ? -1 : 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_spool_commit DIR [MIB]\n");
		return 1;
	}
	long long mib = 1024;
	if (argc > 2 && num_parse_ll(argv[2], 1, 1 << 20, &mib) < 0)
		return 1;
	char *sandbox = fileio_join(argv[1], "sandbox");
	char *spool = fileio_join(argv[1], "spool");
	char *file = fileio_join(sandbox, "ckpt.dat");
	struct error err;
	if (fileio_mkdirs(sandbox, 0700, &err) < 0 || fileio_mkdirs(spool, 0700, &err) < 0 ||
	    fill(file, mib) < 0) {
		fprintf(stderr, "setup failed: %s\n", err.msg);
		return 1;
	}
	char *jobspool = spool_job_dir(spool, 1, 0);
	const char *names[] = { "ckpt.dat" };

	run("sync");
	double t0 = now();
	if (spool_commit(sandbox, names, 1, jobspool, &err) < 0) {
		fprintf(stderr, "commit failed: %s\n", err.msg);
		return 1;
	}
	double commit = now() - t0;

	char *cmd = xasprintf("cp '%s' '%s/copy.dat' && sync", file, argv[1]);
	run("sync");
	t0 = now();
	if (run(cmd) < 0)
		return 1;
	double floor = now() - t0;
	printf("spool_commit of %lld MiB: %.3f s; cp + sync: %.3f s; ratio %.2f (target <= 1.2)\n",
	       mib, commit, floor, commit / floor);
	char *clean = xasprintf("rm -rf '%s' '%s' '%s/copy.dat'", sandbox, spool, argv[1]);
	run(clean);
	free(clean);
	free(cmd);
	free(jobspool);
	free(file);
	free(spool);
	free(sandbox);
	return 0;
}
