/*
 * test_queue_daemon.c - the queue's long-lived handles (queue.h:
 * queue_refresh, queue_lock/queue_unlock, queue_watch, QUEUE_DAEMON), as
 * the daemon uses them: incremental replay of what others commit, the
 * notes the watcher gets, reloads across another process's compaction,
 * torn tails, and writing under the lock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "journal.h"
#include "queue.h"
#include "strbuf.h"
#include "xalloc.h"
#include "tap.h"
#include "banned.h"

static char *topdir;
static int ndirs;

static char *
new_spool(void)
{
	return xasprintf("%s/t%d/spool", topdir, ndirs++);
}

/* What the watcher was told, as text: "c:lo-hi " per change, "-c:lo-hi "
 * per removal, "reset " for a reload. */
static struct strbuf notes = STRBUF_INIT;

static void
watch(void *arg, enum queue_change what, int cluster, int lo, int hi)
{
	(void)arg;
	if (what == QUEUE_RELOADED) {
		strbuf_adds(&notes, "reset ");
		return;
	}
	strbuf_adds(&notes, what == QUEUE_REMOVED ? "-" : "");
	if (hi == INT_MAX)
		strbuf_addf(&notes, "%d:%d-* ", cluster, lo);
	else
		strbuf_addf(&notes, "%d:%d-%d ", cluster, lo, hi);
}

static int
add_cluster(struct queue *q, int n)
{
	int id = queue_new_cluster_id(q);
	struct classad *cad = classad_new();
	classad_set_int(cad, "ClusterId", id);
	classad_set_int(cad, "JobStatus", 1);
	struct classad **procs = xreallocarray(NULL, (size_t)n, sizeof(*procs));
	for (int i = 0; i < n; i++) {
		procs[i] = classad_new();
		classad_set_int(procs[i], "ProcId", i);
	}
	struct error err = { "" };
	int rc = queue_add_cluster(q, id, cad, procs, (size_t)n, &err);
	free(procs);
	if (rc < 0)
		diag("add_cluster: %s", err.msg);
	return rc < 0 ? -1 : id;
}

/* Another process's command: open for writing, act, commit, close. */
static int
writer_submit(const char *spool, int n)
{
	struct error err;
	struct queue *q = queue_open(spool, QUEUE_WRITE, &err);
	if (q == NULL)
		return -1;
	int id = add_cluster(q, n);
	if (id < 0 || queue_commit(q, &err) < 0)
		id = -1;
	queue_close(q);
	return id;
}

static int
writer_set(const char *spool, int c, int p, const char *name, const char *text)
{
	struct error err;
	struct queue *q = queue_open(spool, QUEUE_WRITE, &err);
	if (q == NULL)
		return -1;
	int rc = queue_set_attr(q, c, p, name, text, &err);
	if (rc == 0)
		rc = queue_commit(q, &err);
	queue_close(q);
	return rc;
}

static long long
attr(struct queue *q, int c, int p, const char *name)
{
	struct classad *ad = queue_find(q, c, p);
	long long v = -999;
	if (ad != NULL)
		classad_get_int(ad, name, &v);
	return v;
}

static int
refresh(struct queue *q)
{
	struct error err = { "" };
	strbuf_reset(&notes);
	int rc = queue_refresh(q, &err);
	if (rc < 0)
		diag("queue_refresh: %s", err.msg);
	return rc;
}

static off_t
file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* true if another process could take the queue lock right now. */
static bool
lock_free(const char *spool)
{
	char *path = xasprintf("%s/job_queue.lock", spool);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return false;
	bool yes = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return yes;
}

static void
test_incremental(void)
{
	char *spool = new_spool();
	struct error err;
	struct queue *d = queue_open(spool, QUEUE_DAEMON, &err);
	ok(d != NULL, "a daemon handle opens (and creates) an empty queue");
	queue_watch(d, watch, NULL);
	ok(lock_free(spool), "and holds no lock while idle");
	is_int(refresh(d), 0, "refresh of an unchanged queue");
	is_str(notes.buf, "", "reports nothing");

	int c = writer_submit(spool, 3);
	ok(c == 1, "another process submits cluster 1");
	is_int(queue_job_count(d), 0, "not seen before a refresh");
	is_int(refresh(d), 0, "refresh");
	is_int(queue_job_count(d), 3, "the new jobs are there");
	is_str(notes.buf, "1:0-* ", "the watcher is told about the new cluster");

	ok(writer_set(spool, 1, 1, "JobStatus", "5") == 0, "a tool holds 1.1");
	refresh(d);
	is_int(attr(d, 1, 1, "JobStatus"), 5, "the change is seen");
	is_int(attr(d, 1, 0, "JobStatus"), 1, "and only on that job");
	is_str(notes.buf, "1:1-1 ", "the note names the one job");

	is_int(queue_lock(d, &err), 0, "queue_lock");
	ok(!lock_free(spool), "the lock is held");
	is_int(queue_set_attr(d, 1, 0, "JobStatus", "2", &err), 0,
	       "set an attribute under the lock");
	is_int(queue_commit(d, &err), 0, "commit");
	queue_unlock(d);
	ok(lock_free(spool), "queue_unlock releases the lock");
	is_int(queue_set_attr(d, 1, 0, "JobStatus", "1", &err), -1,
	       "unlocked, the handle refuses changes");

	struct queue *r = queue_open(spool, QUEUE_READ, &err);
	is_int(attr(r, 1, 0, "JobStatus"), 2, "a reader sees the daemon's commit");
	ok(writer_set(spool, 1, 2, "JobPrio", "7") == 0, "a tool changes 1.2");
	is_int(refresh(d), 0, "the daemon refreshes");
	is_str(notes.buf, "1:2-2 ", "its own commit is not reported, the tool's is");
	is_int(refresh(r), 0, "a reader refreshes too");
	is_int(attr(r, 1, 2, "JobPrio"), 7, "and sees the tool's change");
	is_int(attr(r, 1, 0, "JobStatus"), 2, "after the daemon's");
	queue_close(r);

	struct queue *wq = queue_open(spool, QUEUE_WRITE, &err);
	ok(wq && queue_remove_job(wq, 1, 1, &err) == 0 && queue_commit(wq, &err) == 0,
	   "a tool removes 1.1");
	queue_close(wq);
	refresh(d);
	is_str(notes.buf, "-1:1-1 ", "the removal is reported as one");
	ok(queue_find(d, 1, 1) == NULL, "and the job is gone");

	ok(writer_submit(spool, 2) == 2, "another submit");
	strbuf_reset(&notes);
	is_int(queue_lock(d, &err), 0, "queue_lock refreshes");
	is_int(queue_job_count(d), 4, "the new cluster is there");
	is_str(notes.buf, "2:0-* ", "and reported");
	is_int(queue_set_attr(d, 2, 1, "JobStatus", "4", &err), 0, "change");
	is_int(queue_remove_job(d, 2, 1, &err), 0, "remove a job");
	is_int(queue_commit(d, &err), 0, "commit");
	queue_unlock(d);
	is_int(queue_job_count(d), 3, "the job left");

	is_int(queue_lock(d, &err), 0, "lock");
	queue_set_attr(d, 1, 0, "Foo", "1", &err);
	queue_unlock(d);
	is_int(queue_commit(d, &err), -1,
	       "changes left uncommitted at unlock break the handle");
	queue_close(d);
	d = queue_open(spool, QUEUE_DAEMON, &err);
	ok(d != NULL && attr(d, 1, 0, "Foo") == -999, "and were never written");
	queue_close(d);
	free(spool);
}

static void
test_compaction_and_tails(void)
{
	char *spool = new_spool();
	struct error err;
	ok(writer_submit(spool, 4) == 1, "submit");
	struct queue *d = queue_open(spool, QUEUE_DAEMON, &err);
	queue_watch(d, watch, NULL);
	for (int i = 0; i < 5; i++)
		writer_set(spool, 1, i % 4, "Counter", "1");
	struct queue *w = queue_open(spool, QUEUE_WRITE, &err);
	ok(queue_compact(w, &err) == 0, "another process compacts the journal");
	queue_close(w);
	ok(writer_set(spool, 1, 3, "JobStatus", "5") == 0, "and changes a job");
	is_int(refresh(d), 0, "refresh after the file was replaced");
	is_str(notes.buf, "reset ", "the watcher is told to rebuild everything");
	is_int(attr(d, 1, 3, "JobStatus"), 5, "the state is current");
	is_int(attr(d, 1, 0, "Counter"), 1, "including what came before");

	/* the daemon's own compaction is not a stranger's */
	is_int(queue_lock(d, &err), 0, "lock");
	is_int(queue_compact(d, &err), 0, "the daemon compacts");
	queue_unlock(d);
	ok(writer_set(spool, 1, 2, "JobStatus", "3") == 0, "a tool changes a job");
	refresh(d);
	is_str(notes.buf, "1:2-2 ", "the daemon's own compaction needs no reload");
	is_int(attr(d, 1, 2, "JobStatus"), 3, "and the change is seen");

	/* a writer killed mid-append leaves a torn tail */
	const char *journal = queue_journal_path(d);
	off_t good = file_size(journal);
	int fd = open(journal, O_WRONLY | O_APPEND);
	const char torn[] = "---\nseq: 99\nops:\n- {op: set, cluster: 1, pro";
	ok(fd >= 0 && write(fd, torn, sizeof(torn) - 1) == (ssize_t)(sizeof(torn) - 1),
	   "append a torn transaction");
	close(fd);
	is_int(refresh(d), 0, "an unlocked refresh leaves it (it may be in flight)");
	is_int((int)file_size(journal), (int)(good + (off_t)sizeof(torn) - 1),
	       "the file is untouched");
	is_int(queue_lock(d, &err), 0, "queue_lock");
	is_int((int)file_size(journal), (int)good, "under the lock, the tail is cut off");
	queue_unlock(d);
	ok(writer_set(spool, 1, 1, "JobStatus", "5") == 0, "later commits work");
	refresh(d);
	is_int(attr(d, 1, 1, "JobStatus"), 5, "and are seen");

	/* a complete transaction that does not follow: load afresh */
	struct strbuf doc = STRBUF_INIT;
	size_t start = journal_begin(&doc, 4242);
	const char *names[] = { "Odd" };
	const char *texts[] = { "1" };
	journal_op_attrs(&doc, true, 1, "0", names, texts, 1);
	journal_end(&doc, start, 4242);
	fd = open(journal, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, doc.buf, doc.len) == (ssize_t)doc.len,
	   "append a transaction out of sequence");
	close(fd);
	strbuf_release(&doc);
	is_int(refresh(d), 0, "refresh");
	is_str(notes.buf, "reset ", "it reloads rather than guess");
	is_int(attr(d, 1, 0, "Odd"), -999, "and ignores what does not follow");
	is_int(attr(d, 1, 1, "JobStatus"), 5, "keeping what came before");
	is_int(refresh(d), 0, "refresh again");
	is_str(notes.buf, "", "without loading afresh each time");
	queue_close(d);
	free(spool);
}

static void
test_read_handle(void)
{
	char *spool = new_spool();
	struct error err;
	struct queue *r = queue_open(spool, QUEUE_READ, &err);
	ok(r != NULL && queue_job_count(r) == 0, "a reader of a missing queue");
	queue_watch(r, watch, NULL);
	is_int(refresh(r), 0, "refresh while there is still no journal");
	is_str(notes.buf, "", "nothing to report");
	ok(writer_submit(spool, 2) == 1, "submit");
	is_int(refresh(r), 0, "refresh once the journal exists");
	is_int(queue_job_count(r), 2, "sees the jobs");
	is_str(notes.buf, "reset ", "loaded afresh");
	ok(writer_set(spool, 1, 0, "JobStatus", "3") == 0, "change");
	refresh(r);
	is_int(attr(r, 1, 0, "JobStatus"), 3, "a reader's refresh is incremental too");
	is_str(notes.buf, "1:0-0 ", "with notes");
	is_int(queue_lock(r, &err), -1, "a reader cannot lock");
	queue_close(r);

	struct queue *w = queue_open(spool, QUEUE_WRITE, &err);
	is_int(queue_refresh(w, &err), 0, "a writer's refresh is a no-op");
	queue_close(w);
	free(spool);
}

int
main(void)
{
	plan_lazy();
	char tmpl[] = "/tmp/test_queue_daemon.XXXXXX";
	topdir = mkdtemp(tmpl);
	if (topdir == NULL)
		return 1;
	test_incremental();
	test_compaction_and_tails();
	test_read_handle();
	strbuf_release(&notes);
	int rc = tap_done();
	if (rc == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			execl("/bin/rm", "rm", "-rf", topdir, (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	return rc;
}
