/*
 * condor_evicted_files.c - show or fetch the files a job left in the spool
 * when it was evicted or checkpointed, as HTCondor's tool of that name does.
 *
 * Glue only: spool.h names the job's spool directory and transfer.h copies
 * it.  The messages and exit codes are HTCondor's, including its quirks: a
 * single job reports a missing directory through errno as the exit status,
 * several jobs always exit 0 with each line prefixed by the job id.
 *
 * Deliberate differences, all about safety: "get" copies with the transfer
 * module instead of running cp -a, so a symbolic link in the spool
 * directory (which a checkpoint commit never puts there) fails the copy
 * rather than being followed or reproduced; the copy appears at ./C.P
 * whole or not at all, and the name is claimed with mkdir first so an
 * existing file or directory there is never touched.  The spool directory
 * itself must not be a symbolic link.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "error.h"
#include "fileio.h"
#include "knob.h"
#include "num.h"
#include "spool.h"
#include "transfer.h"
#include "xalloc.h"
#include "banned.h"

/* HTCondor returns -1 from main for usage errors and bad ids. */
#define EXIT_ABORT 255

static const char *const synopsis[] = {
	"[dir | list | get] cluster.proc ...",
	NULL,
};

static const char details[] =
	"Shows or fetches the files a job left in the spool when it was evicted\n"
	"or took a checkpoint.  With no command, dir is assumed.\n"
	"  dir   (or find)   print the directory the files are in\n"
	"  list  (or ls)     list the files, one per line after a tab\n"
	"  get   (or fetch)  copy them to a new directory ./cluster.proc\n"
	"See condor_evicted_files(1).\n";

enum command { CMD_DIR, CMD_LIST, CMD_GET, CMD_UNKNOWN };

struct jobid {
	int cluster, proc;
};

static enum command
parse_command(const char *s)
{
	static const struct {
		const char *name;
		enum command c;
	} table[] = {
		{ "dir", CMD_DIR }, { "find", CMD_DIR },
		{ "list", CMD_LIST }, { "ls", CMD_LIST },
		{ "get", CMD_GET }, { "fetch", CMD_GET },
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcasecmp(s, table[i].name) == 0)
			return table[i].c;
	return CMD_UNKNOWN;
}

/* "C.P" with both parts plain decimal numbers that fit an int. */
static bool
parse_jobid(const char *s, struct jobid *id)
{
	const char *dot = strchr(s, '.');
	if (dot == NULL || dot == s || strlen(dot + 1) > 10 || dot - s > 10)
		return false;
	char *c = xstrndup(s, (size_t)(dot - s));
	bool ok = num_is_digits(c) && num_is_digits(dot + 1) &&
		  num_parse_int(c, 0, 2147483647, &id->cluster) == 0 &&
		  num_parse_int(dot + 1, 0, 2147483647, &id->proc) == 0;
	free(c);
	return ok;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints "\t<name>" for each entry of the directory open at fd (which it
 * takes over), in byte order so the listing is stable. */
static int
list_dir(int fd)
{
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		int e = errno;
		close(fd);
		return e;
	}
	char **v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		XGROW(v, n + 1, alloc);
		v[n++] = xstrdup(de->d_name);
	}
	int e = errno;
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof v[0], name_cmp);
	for (size_t i = 0; i < n; i++) {
		printf("\t%s\n", v[i]);
		free(v[i]);
	}
	free(v);
	return e;
}

/*
 * Copies jobspool to ./dest.  mkdir claims the name (EEXIST means someone
 * else's file is there); the transfer module then builds the copy beside it
 * and swaps it in whole.  Returns 0, EEXIST, or -1 after a message.
 */
static int
get_dir(const char *jobspool, const char *dest)
{
	if (mkdir(dest, 0700) < 0) {
		if (errno == EEXIST)
			return EEXIST;
		cmd_warn("cannot create '%s': %s", dest, strerror(errno));
		return -1;
	}
	struct error err;
	error_clear(&err);
	char *parent = fileio_dirname(jobspool);
	const char *leaf = strrchr(jobspool, '/');
	leaf = leaf ? leaf + 1 : jobspool;
	int rc = transfer_output_to(parent, leaf, dest, &err);
	free(parent);
	if (rc < 0) {
		rmdir(dest);	/* still our empty claim: nothing was swapped in */
		cmd_warn("cannot copy '%s' to '%s': %s", jobspool, dest, err.msg);
	}
	return rc;
}

/* One job; returns what HTCondor would exit with if it were the only one. */
static int
one_job(enum command c, const char *spool, const struct jobid *id, bool single)
{
	char prefix[32] = "";
	if (!single)
		snprintf(prefix, sizeof prefix, "%d.%d ", id->cluster, id->proc);
	char *path = spool_job_dir(spool, id->cluster, id->proc);
	int status = 0;
	/* O_NOFOLLOW: a symlink planted in the spool must not redirect us. */
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		status = errno;
		if (status == ENOENT)
			printf("%sNo directory; job was never evicted.\n", prefix);
		else
			printf("%s[error %d: '%s' while looking for '%s']\n", prefix,
			       status, strerror(status), path);
		free(path);
		return status;
	}
	if (c == CMD_DIR) {
		printf("%s%s\n", prefix, path);
		close(fd);
	} else if (c == CMD_LIST) {
		if (!single)
			printf("%s\n", prefix);
		status = list_dir(fd);
		if (status != 0)
			cmd_warn("reading '%s': %s", path, strerror(status));
	} else {
		close(fd);
		char dest[32];
		snprintf(dest, sizeof dest, "%d.%d", id->cluster, id->proc);
		int r = get_dir(path, dest);
		if (r == EEXIST) {
			printf("%sDestination directory '%s' exists, not modifying.\n",
			       prefix, dest);
			status = EXIT_ABORT;
		} else if (r < 0) {
			printf("%sCopy failed: return value 1.\n", prefix);
			status = 1;
		} else {
			printf("%sCopied to '%s'.\n", prefix, dest);
		}
	}
	free(path);
	return status;
}

/* Options come before anything HTCondor parses, so they are looked for
 * everywhere: only --help is known. */
static void
check_options(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			continue;
		if (cmd_opt(argv[i], "help", 1, NULL))
			cmd_usage(synopsis, details, stdout, 0);
		cmd_usage(synopsis, details, stderr, 1);
	}
}

int
main(int argc, char **argv)
{
	cmd_init(argv[0]);
	check_options(argc, argv);
	if (argc < 2)
		cmd_usage(synopsis, details, stdout, EXIT_ABORT);

	int first = 1;
	enum command c = CMD_DIR;
	if (!isdigit((unsigned char)argv[1][0])) {
		first = 2;
		c = parse_command(argv[1]);
		if (c == CMD_UNKNOWN) {
			printf("Unknown command '%s', aborting.\n", argv[1]);
			return cmd_finish(EXIT_ABORT);
		}
	}
	size_t n = (size_t)(argc - first);
	if (n == 0)
		cmd_usage(synopsis, details, stderr, EXIT_ABORT);
	struct jobid *ids = xcalloc(n, sizeof *ids);
	for (size_t i = 0; i < n; i++) {
		if (!parse_jobid(argv[first + (int)i], &ids[i])) {
			fflush(stdout);
			fprintf(stderr, "'%s' is not a job ID, aborting.\n",
				argv[first + (int)i]);
			free(ids);
			return cmd_finish(EXIT_ABORT);
		}
	}

	struct knobs *k = cmd_load_knobs();
	char *spool = cmd_knob_required(k, "SPOOL");
	knobs_free(k);

	int status = 0;
	for (size_t i = 0; i < n; i++) {
		int r = one_job(c, spool, &ids[i], n == 1);
		if (n == 1)
			status = r;
		fflush(stdout);
	}
	free(spool);
	free(ids);
	return cmd_finish(status);
}
