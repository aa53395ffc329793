/* test_ulog.c - the job event log writer (libcore/ulog.c). */
#include "config.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "strbuf.h"
#include "ulog.h"
#include "xalloc.h"
#include "tap.h"
#include "banned.h"

/* 2024-06-01 14:03:07 UTC */
#define T0 ((time_t)1717250587)

static char *tmpdir;

static char *
path_in(const char *name)
{
	return fileio_join(tmpdir, name);
}

static char *
slurp(const char *path)
{
	char *s = NULL;
	if (fileio_read_all(path, 1 << 20, &s, NULL, NULL) < 0)
		return NULL;
	return s;
}

static void
test_header(void)
{
	char *log = path_in("header.log");
	struct ulog_batch *b = ulog_batch_new();
	struct error err;
	ulog_add(b, log, ULOG_EXECUTE, 635, 0, T0, "Job executing on host: <x>\n");
	ulog_add(b, log, ULOG_SUBMIT, 12345, 7, T0 + 60, "first\n\tsecond");
	ulog_add(b, log, ULOG_FILE_TRANSFER, 1, 1234, T0 + 3600, "");
	is_int(ulog_flush(b, &err), 0, "flush one file");
	char *got = slurp(log);
	is_str(got,
	       "001 (635.000.000) 2024-06-01 14:03:07 Job executing on host: <x>\n"
	       "...\n"
	       "000 (12345.007.000) 2024-06-01 14:04:07 first\n"
	       "\tsecond\n"
	       "...\n"
	       "040 (001.1234.000) 2024-06-01 15:03:07 \n"
	       "...\n",
	       "header: zero-padded ids, ISO date without T, body, terminator");
	free(got);
	ulog_batch_free(b);
	free(log);
}

static void
test_local_time(void)
{
	setenv("TZ", "EST5", 1);
	tzset();
	char *log = path_in("local.log");
	struct ulog_batch *b = ulog_batch_new();
	ulog_add(b, log, ULOG_HELD, 1, 0, T0, "Job was held.");
	is_int(ulog_flush(b, NULL), 0, "flush in another time zone");
	char *got = slurp(log);
	is_str(got, "012 (001.000.000) 2024-06-01 09:03:07 Job was held.\n...\n",
	       "the date is local time (UTC-5 here)");
	free(got);
	ulog_batch_free(b);
	free(log);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
test_bodies(void)
{
	char *s = ulog_body_held("via condor_hold (by user alice)", 1, 0);
	is_str(s, "Job was held.\n\tvia condor_hold (by user alice)\n\tCode 1 Subcode 0",
	       "held body");
	free(s);
	s = ulog_body_held("line one\nline two\rend", 3, -2);
	is_str(s, "Job was held.\n\tline one|line two end\n\tCode 3 Subcode -2",
	       "held body maps newline to | and CR to space");
	free(s);
	s = ulog_body_held("", 15, 0);
	is_str(s, "Job was held.\n\tReason unspecified\n\tCode 15 Subcode 0",
	       "empty reason");
	free(s);
	s = ulog_body_held(NULL, 1, 0);
	is_str(s, "Job was held.\n\tReason unspecified\n\tCode 1 Subcode 0",
	       "missing reason");
	free(s);
	s = ulog_body_released("via condor_release (by user alice)");
	is_str(s, "Job was released.\n\tvia condor_release (by user alice)",
	       "released body");
	free(s);
	s = ulog_body_released(NULL);
	is_str(s, "Job was released.", "released body without reason");
	free(s);
	s = ulog_body_aborted("via condor_rm (by user alice)");
	is_str(s, "Job was aborted.\n\tvia condor_rm (by user alice)", "aborted body");
	free(s);
	s = ulog_body_aborted("evil\n...\n000 (1.000.000) forged");
	is_str(s, "Job was aborted.\n\tevil|...|000 (1.000.000) forged",
	       "a reason cannot end the event or forge one");
	free(s);
	s = ulog_body_submit();
	ok(strncmp(s, "Job submitted from host: <", 26) == 0 &&
	   s[strlen(s) - 1] == '>' && strchr(s, '\n') == NULL,
	   "submit body is one line with a <...> address: %s", s);
	free(s);
}

static void
test_batching(void)
{
	char *a = path_in("a.log"), *b_path = path_in("b.log");
	struct ulog_batch *b = ulog_batch_new();
	struct error err;
	/* Interleaved jobs and files; each file keeps its own order. */
	for (int proc = 0; proc < 3; proc++) {
		ulog_add(b, a, ULOG_HELD, 5, proc, T0, "A");
		ulog_add(b, b_path, ULOG_RELEASED, 6, proc, T0, "B");
	}
	is_int(ulog_flush(b, &err), 0, "flush two files");
	char *ga = slurp(a), *gb = slurp(b_path);
	is_str(ga,
	       "012 (005.000.000) 2024-06-01 14:03:07 A\n...\n"
	       "012 (005.001.000) 2024-06-01 14:03:07 A\n...\n"
	       "012 (005.002.000) 2024-06-01 14:03:07 A\n...\n",
	       "file a has its three events in order");
	is_str(gb,
	       "013 (006.000.000) 2024-06-01 14:03:07 B\n...\n"
	       "013 (006.001.000) 2024-06-01 14:03:07 B\n...\n"
	       "013 (006.002.000) 2024-06-01 14:03:07 B\n...\n",
	       "file b has its three events in order");
	free(ga);
	free(gb);
	/* A second flush writes only what was added since. */
	ulog_add(b, a, ULOG_ABORTED, 5, 0, T0, "C");
	is_int(ulog_flush(b, &err), 0, "second flush");
	ga = slurp(a);
	is_str(ga,
	       "012 (005.000.000) 2024-06-01 14:03:07 A\n...\n"
	       "012 (005.001.000) 2024-06-01 14:03:07 A\n...\n"
	       "012 (005.002.000) 2024-06-01 14:03:07 A\n...\n"
	       "009 (005.000.000) 2024-06-01 14:03:07 C\n...\n",
	       "second flush appends once, nothing repeated");
	free(ga);
	is_int(ulog_flush(b, &err), 0, "an empty flush is fine");
	ulog_batch_free(b);

	/* Many files in one batch (exercises the path table growth). */
	b = ulog_batch_new();
	char name[32];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "many%02d.log", i);
		char *p = path_in(name);
		ulog_add(b, p, ULOG_HELD, i + 1, 0, T0, "x");
		ulog_add(b, p, ULOG_RELEASED, i + 1, 0, T0, "y");
		free(p);
	}
	is_int(ulog_flush(b, &err), 0, "flush 100 files");
	int good = 0;
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "many%02d.log", i);
		char *p = path_in(name), *g = slurp(p);
		char want[160];
		snprintf(want, sizeof(want),
			 "012 (%03d.000.000) 2024-06-01 14:03:07 x\n...\n"
			 "013 (%03d.000.000) 2024-06-01 14:03:07 y\n...\n", i + 1, i + 1);
		good += g != NULL && strcmp(g, want) == 0;
		free(g);
		free(p);
	}
	is_int(good, 100, "each of 100 files got exactly its two events");
	ulog_batch_free(b);
	free(a);
	free(b_path);
}

static void
test_failure(void)
{
	char *good1 = path_in("good1.log"), *good2 = path_in("good2.log");
	char *bad = path_in("no/such/dir/job.log");
	char *dir = path_in("adir");
	mkdir(dir, 0700);
	struct ulog_batch *b = ulog_batch_new();
	struct error err;
	error_clear(&err);
	ulog_add(b, good1, ULOG_HELD, 1, 0, T0, "one");
	ulog_add(b, bad, ULOG_HELD, 2, 0, T0, "two");
	ulog_add(b, dir, ULOG_HELD, 3, 0, T0, "three");
	ulog_add(b, good2, ULOG_HELD, 4, 0, T0, "four");
	is_int(ulog_flush(b, &err), -1, "a bad path makes the flush fail");
	ok(strstr(err.msg, bad) != NULL, "the message names the bad path: %s", err.msg);
	ok(strstr(err.msg, "1 more") != NULL, "and counts the other failure: %s",
	   err.msg);
	char *g1 = slurp(good1), *g2 = slurp(good2);
	is_str(g1, "012 (001.000.000) 2024-06-01 14:03:07 one\n...\n",
	       "a file before the bad one is written");
	is_str(g2, "012 (004.000.000) 2024-06-01 14:03:07 four\n...\n",
	       "a file after the bad one is written too");
	free(g1);
	free(g2);
	ulog_batch_free(b);
	free(good1);
	free(good2);
	free(bad);
	free(dir);
}

static void
test_add_job(void)
{
	char *log = path_in("job.log");
	struct ulog_batch *b = ulog_batch_new();
	struct classad *cluster = classad_new(), *proc = classad_new();
	classad_set_string(cluster, "UserLog", log);
	classad_set_int(cluster, "ClusterId", 42);
	classad_set_parent(proc, cluster);
	classad_set_int(proc, "ProcId", 3);
	ulog_add_job(b, proc, ULOG_RELEASED, T0, "Job was released.\n\tok\n");

	struct classad *nolog = classad_new();
	classad_set_int(nolog, "ClusterId", 1);
	classad_set_int(nolog, "ProcId", 0);
	ulog_add_job(b, nolog, ULOG_HELD, T0, "never written");

	struct classad *rel = classad_new();
	classad_set_string(rel, "UserLog", "rel.log");
	classad_set_string(rel, "Iwd", tmpdir);
	classad_set_int(rel, "ClusterId", 7);
	classad_set_int(rel, "ProcId", 0);
	ulog_add_job(b, rel, ULOG_ABORTED, T0, "Job was aborted.");

	is_int(ulog_flush(b, NULL), 0, "flush job events");
	char *got = slurp(log);
	is_str(got, "013 (042.003.000) 2024-06-01 14:03:07 Job was released.\n\tok\n...\n",
	       "UserLog, ClusterId (from the cluster ad) and ProcId are used");
	free(got);
	char *relpath = path_in("rel.log");
	got = slurp(relpath);
	is_str(got, "009 (007.000.000) 2024-06-01 14:03:07 Job was aborted.\n...\n",
	       "a relative UserLog is taken from Iwd");
	free(got);
	free(relpath);
	classad_free(proc);
	classad_free(cluster);
	classad_free(nolog);
	classad_free(rel);
	ulog_batch_free(b);
	free(log);
}

/* As root, another user's job log is written only if it is that user's
 * own regular file, reached without a final symlink. */
static void
test_owner_check(void)
{
	struct passwd *pw = getpwnam("nobody");
	if (geteuid() != 0 || pw == NULL) {
		ok(1, "owner checks # SKIP needs root and a user nobody");
		return;
	}
	uid_t nobody = pw->pw_uid;
	char *mine = path_in("nobody-owns.log"), *roots = path_in("root-owns.log");
	char *link = path_in("link.log"), *missing = path_in("missing.log");
	int fd = open(mine, O_WRONLY | O_CREAT, 0644);
	ok(fd >= 0 && fchown(fd, nobody, (gid_t)-1) == 0, "make a log owned by nobody");
	if (fd >= 0)
		close(fd);
	fd = open(roots, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	ok(symlink(mine, link) == 0, "make a symlink to it");

	const char *paths[] = { mine, roots, link, missing };
	struct ulog_batch *b = ulog_batch_new();
	struct classad *ads[4];
	for (int i = 0; i < 4; i++) {
		ads[i] = classad_new();
		classad_set_string(ads[i], "UserLog", paths[i]);
		classad_set_string(ads[i], "Owner", "nobody");
		classad_set_int(ads[i], "ClusterId", i + 1);
		classad_set_int(ads[i], "ProcId", 0);
		ulog_add_job(b, ads[i], ULOG_HELD, T0, "x");
	}
	struct error err;
	error_clear(&err);
	is_int(ulog_flush(b, &err), -1, "flush reports the refused logs");
	ok(strstr(err.msg, "2 more") != NULL, "three logs refused: %s", err.msg);
	char *g = slurp(mine);
	is_str(g, "012 (001.000.000) 2024-06-01 14:03:07 x\n...\n",
	       "nobody's own log is written");
	free(g);
	g = slurp(roots);
	is_str(g, "", "a root-owned file is not written for nobody's job");
	free(g);
	struct stat st;
	ok(stat(missing, &st) < 0, "no log is created for nobody's job by root");
	for (int i = 0; i < 4; i++)
		classad_free(ads[i]);
	ulog_batch_free(b);
	free(mine);
	free(roots);
	free(link);
	free(missing);
}

static void
test_execute(void)
{
	char *s = ulog_body_execute("<10.0.0.1:9618?sock=startd_1_2>",
				    "slot1_1@host.example.org",
				    "/var/lib/condorlet/execute/dir_42/scratch",
				    1, 1048576, 512);
	is_str(s, "Job executing on host: <10.0.0.1:9618?sock=startd_1_2>\n"
	       "\tSlotName: slot1_1@host.example.org\n"
	       "\tCondorScratchDir = \"/var/lib/condorlet/execute/dir_42/scratch\"\n"
	       "\tCpus = 1\n\tDisk = 1048576\n\tMemory = 512",
	       "001 body: host, slot, sorted resources, quoted scratch dir");
	free(s);
	s = ulog_body_execute(NULL, NULL, NULL, 2, 10, 20);
	ok(strncmp(s, "Job executing on host: <127.0.0.1:0?", 36) == 0 &&
	   strstr(s, ">\n\tCpus = 2\n\tDisk = 10\n\tMemory = 20") != NULL &&
	   strstr(s, "SlotName") == NULL, "001 body with defaults");
	free(s);
	s = ulog_body_execute("<h>", "evil\n...", "a\"b\nc", 1, 1, 1);
	is_str(s, "Job executing on host: <h>\n\tSlotName: evil|...\n"
	       "\tCondorScratchDir = \"a\\\"b|c\"\n\tCpus = 1\n\tDisk = 1\n\tMemory = 1",
	       "001 body: free text cannot break the event");
	free(s);
}

#define ZERO_USAGE "Usr 0 00:00:00, Sys 0 00:00:00"

static void
test_evicted(void)
{
	struct ulog_run run = { .run = { 4, 0 }, .run_sent = 1432,
				.run_received = 8191 };
	char *s = ulog_body_evicted(&run, 1022, 0, "Job vacated by schedd");
	is_str(s, "Job was evicted. Code 1022 Subcode 0\n"
	       "\t(0) CPU times\n"
	       "\t\tUsr 0 00:00:04, Sys 0 00:00:00  -  Run Remote Usage\n"
	       "\t\t" ZERO_USAGE "  -  Run Local Usage\n"
	       "\t1432  -  Run Bytes Sent By Job\n"
	       "\t8191  -  Run Bytes Received By Job\n"
	       "\tReason: Job vacated by schedd",
	       "004 plain eviction");
	free(s);
	struct ulog_run big = { .run = { 2 * 86400 + 3 * 3600 + 4 * 60 + 5, 61 } };
	s = ulog_body_evicted(&big, 0, 0, NULL);
	is_str(s, "Job was evicted.\n"
	       "\t(0) CPU times\n"
	       "\t\tUsr 2 03:04:05, Sys 0 00:01:01  -  Run Remote Usage\n"
	       "\t\t" ZERO_USAGE "  -  Run Local Usage\n"
	       "\t0  -  Run Bytes Sent By Job\n"
	       "\t0  -  Run Bytes Received By Job",
	       "004 without code or reason; days and hh:mm:ss");
	free(s);
	struct ulog_exit ex = { .by_signal = false, .value = 85 };
	struct ulog_run rq = { .run = { 10, 0 } };
	s = ulog_body_requeued(&rq, &ex,
			       "The job attribute OnExitRemove expression "
			       "'(ExitCode =!= 85)' evaluated to FALSE");
	is_str(s, "Job was evicted.\n"
	       "\t(0) Job terminated and was requeued\n"
	       "\t\tUsr 0 00:00:10, Sys 0 00:00:00  -  Run Remote Usage\n"
	       "\t\t" ZERO_USAGE "  -  Run Local Usage\n"
	       "\t0  -  Run Bytes Sent By Job\n"
	       "\t0  -  Run Bytes Received By Job\n"
	       "\t(1) Normal termination (return value 85)\n"
	       "\tThe job attribute OnExitRemove expression '(ExitCode =!= 85)' "
	       "evaluated to FALSE",
	       "004 requeue flavour");
	free(s);
	struct ulog_exit sig = { .by_signal = true, .value = 11, .core = true,
				 .core_path = "/tmp/core.1" };
	s = ulog_body_requeued(&rq, &sig, NULL);
	ok(strstr(s, "\t(0) Abnormal termination (signal 11)\n"
		  "\t(1) Corefile in: /tmp/core.1") != NULL &&
	   s[strlen(s) - 1] == '1', "004 requeue after a signal with core");
	free(s);
}

static void
test_terminated(void)
{
	struct ulog_run run = { .run = { 3, 1 }, .total = { 7, 2 },
				.run_sent = 23, .run_received = 113,
				.total_sent = 46, .total_received = 226 };
	struct ulog_exit ex = { .by_signal = false, .value = 0 };
	char *s = ulog_body_terminated(&run, &ex);
	is_str(s, "Job terminated.\n"
	       "\t(1) Normal termination (return value 0)\n"
	       "\t\tUsr 0 00:00:03, Sys 0 00:00:01  -  Run Remote Usage\n"
	       "\t\t" ZERO_USAGE "  -  Run Local Usage\n"
	       "\t\tUsr 0 00:00:07, Sys 0 00:00:02  -  Total Remote Usage\n"
	       "\t\t" ZERO_USAGE "  -  Total Local Usage\n"
	       "\t23  -  Run Bytes Sent By Job\n"
	       "\t113  -  Run Bytes Received By Job\n"
	       "\t46  -  Total Bytes Sent By Job\n"
	       "\t226  -  Total Bytes Received By Job",
	       "005 normal termination, no job ad: no table");
	free(s);

	struct classad *job = classad_new();
	classad_set_int(job, "RequestCpus", 1);
	classad_set_int(job, "CpusProvisioned", 1);
	classad_set_int(job, "RequestDisk", 100000);
	classad_set_int(job, "DiskUsage", 100000);
	classad_set_int(job, "DiskProvisioned", 2033496);
	classad_set_real(job, "MemoryUsage", 0.5);
	classad_set_int(job, "RequestMemory", 98);
	classad_set_int(job, "MemoryProvisioned", 2001);
	run.job = job;
	struct ulog_exit sig = { .by_signal = true, .value = 9 };
	s = ulog_body_terminated(&run, &sig);
	const char *tail =
		"\t(0) Abnormal termination (signal 9)\n"
		"\t(0) No core file\n";
	ok(strncmp(s, "Job terminated.\n", 16) == 0 &&
	   strncmp(s + 16, tail, strlen(tail)) == 0, "005 abnormal exit lines");
	const char *table =
		"\t226  -  Total Bytes Received By Job\n"
		"\tPartitionable Resources :    Usage  Request Allocated \n"
		"\t   Cpus                 :                 1         1 \n"
		"\t   Disk (KB)            :   100000   100000   2033496 \n"
		"\t   Memory (MB)          :     0.50       98      2001 ";
	const char *at = strstr(s, "\t226  -  Total");
	is_str(at, table, "005 resource table from the job ad");
	free(s);
	s = ulog_body_evicted(&run, 1023, 0, "via condor_rm (by user alice)");
	ok(strstr(s, "\tReason: via condor_rm (by user alice)\n"
		  "\tPartitionable Resources :") != NULL,
	   "004 puts the table after the reason");
	free(s);
	classad_free(job);
}

static void
test_remote_and_transfer(void)
{
	char *s = ulog_body_remote_error("slot1_1@host.example.org",
					 "Starter failed to upload checkpoint",
					 true, 36, -1);
	is_str(s, "Error from starter on slot1_1@host.example.org:\n"
	       "\tStarter failed to upload checkpoint\n"
	       "\tCode 36 Subcode -1", "021 critical with code");
	free(s);
	s = ulog_body_remote_error("slot1", "two\nlines\n", false, 0, 0);
	is_str(s, "Message from starter on slot1:\n\ttwo\n\tlines",
	       "021 non-critical, one line per message line, no code");
	free(s);
	static const struct {
		enum ulog_transfer what;
		const char *host;
		long long secs;
		const char *want;
	} cases[] = {
		{ ULOG_XFER_IN_STARTED, NULL, -1, "Started transferring input files" },
		{ ULOG_XFER_IN_STARTED, "<h:1>", -1,
		  "Started transferring input files\n\tTransferring to host: <h:1>" },
		{ ULOG_XFER_IN_STARTED, "<h:1>", 7,
		  "Started transferring input files\n\tSeconds spent in queue: 7" },
		{ ULOG_XFER_IN_FINISHED, "<h:1>", -1, "Finished transferring input files" },
		{ ULOG_XFER_IN_QUEUED, "<h:1>", -1,
		  "Entered queue to transfer input files\n\tTransferring to host: <h:1>" },
		{ ULOG_XFER_OUT_QUEUED, "<h:1>", -1, "Entered queue to transfer output files" },
		{ ULOG_XFER_OUT_STARTED, "<h:1>", -1, "Started transferring output files" },
		{ ULOG_XFER_OUT_STARTED, NULL, 3,
		  "Started transferring output files\n\tSeconds spent in queue: 3" },
		{ ULOG_XFER_OUT_FINISHED, NULL, -1, "Finished transferring output files" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = ulog_body_file_transfer(cases[i].what, cases[i].host, cases[i].secs);
		is_str(s, cases[i].want, "040 case %zu", i);
		free(s);
	}
}

static void
test_runtime_in_file(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	char *log = path_in("runtime.log");
	struct ulog_batch *b = ulog_batch_new();
	char *body = ulog_body_file_transfer(ULOG_XFER_OUT_FINISHED, NULL, -1);
	ulog_add(b, log, ULOG_FILE_TRANSFER, 635, 0, T0, body);
	free(body);
	struct ulog_run run = { .run = { 0, 0 } };
	struct ulog_exit ex = { .value = 0 };
	body = ulog_body_terminated(&run, &ex);
	ulog_add(b, log, ULOG_TERMINATED, 635, 0, T0 + 1, body);
	free(body);
	is_int(ulog_flush(b, NULL), 0, "flush runtime events");
	char *got = slurp(log);
	is_str(got,
	       "040 (635.000.000) 2024-06-01 14:03:07 Finished transferring output files\n"
	       "...\n"
	       "005 (635.000.000) 2024-06-01 14:03:08 Job terminated.\n"
	       "\t(1) Normal termination (return value 0)\n"
	       "\t\t" ZERO_USAGE "  -  Run Remote Usage\n"
	       "\t\t" ZERO_USAGE "  -  Run Local Usage\n"
	       "\t\t" ZERO_USAGE "  -  Total Remote Usage\n"
	       "\t\t" ZERO_USAGE "  -  Total Local Usage\n"
	       "\t0  -  Run Bytes Sent By Job\n"
	       "\t0  -  Run Bytes Received By Job\n"
	       "\t0  -  Total Bytes Sent By Job\n"
	       "\t0  -  Total Bytes Received By Job\n"
	       "...\n",
	       "runtime events in a file, byte for byte");
	free(got);
	ulog_batch_free(b);
	free(log);
}

int
main(void)
{
	plan_lazy();
	setenv("TZ", "UTC", 1);
	tzset();
	char tmpl[] = "/tmp/test_ulog.XXXXXX";
	tmpdir = mkdtemp(tmpl);
	if (tmpdir == NULL) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	test_header();
	test_local_time();
	test_bodies();
	test_batching();
	test_failure();
	test_add_job();
	test_owner_check();
	test_execute();
	test_evicted();
	test_terminated();
	test_remote_and_transfer();
	test_runtime_in_file();
	char *cmd[] = { "rm", "-rf", tmpdir, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (pid > 0) {
		int st;
		waitpid(pid, &st, 0);
	}
	return tap_done();
}
