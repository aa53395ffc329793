/*
 * test_queue.c - the job queue journal and the history file.
 *
 * Each test works in its own directory under one mkdtemp directory, and
 * compares queue states through dump(), a text rendering of everything a
 * reader can see, so "nothing changed" is one string comparison.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "history.h"
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
	char *d = xasprintf("%s/t%d", topdir, ndirs++);
	char *s = xasprintf("%s/spool", d);
	free(d);
	return s;	/* queue_open(WRITE) creates it, parents included */
}

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static off_t
file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static char *
slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t l = 0;
	if (fileio_read_all(path, (size_t)1 << 30, &buf, &l, NULL) < 0)
		return NULL;
	if (len)
		*len = l;
	return buf;
}

/* unlink first: ext4 flushes a file truncated and rewritten in place
 * (auto_da_alloc), which would make the loops below crawl */
static void
spit(const char *path, const char *buf, size_t len)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
}

/* Everything a reader sees, as text; "ERROR: msg" if the open fails. */
static char *
dump(const char *spool)
{
	struct error err = { "" };
	struct queue *q = queue_open(spool, QUEUE_READ, &err);
	if (q == NULL)
		return xasprintf("ERROR: %s", err.msg);
	struct strbuf sb = STRBUF_INIT;
	struct queue_iter it = { 0, 0 };
	struct classad *ad;
	int c, p, last = -1;
	while ((ad = queue_next(q, &it, &c, &p)) != NULL) {
		if (c != last) {
			const struct classad *cad = queue_cluster_ad(q, c);
			strbuf_addf(&sb, "cluster %d:", c);
			for (size_t i = 0; i < classad_size(cad); i++)
				strbuf_addf(&sb, " %s=%s", classad_name_at(cad, i),
					    classad_text_at(cad, i));
			strbuf_addc(&sb, '\n');
			last = c;
		}
		strbuf_addf(&sb, "  %d.%d:", c, p);
		for (size_t i = 0; i < classad_size(ad); i++)
			strbuf_addf(&sb, " %s=%s", classad_name_at(ad, i),
				    classad_text_at(ad, i));
		strbuf_addc(&sb, '\n');
	}
	strbuf_addf(&sb, "jobs %zu\n", queue_job_count(q));
	queue_close(q);
	return strbuf_detach(&sb, NULL);
}

/* Adds a cluster of n procs (ProcId, Args) and returns its id, or -1. */
static int
add_cluster(struct queue *q, int n, const char *owner)
{
	int id = queue_new_cluster_id(q);
	struct classad *cad = classad_new();
	classad_set_int(cad, "ClusterId", id);
	classad_set_string(cad, "Cmd", "/bin/sleep");
	classad_set_int(cad, "JobPrio", 0);
	classad_set_int(cad, "JobStatus", 1);
	classad_set_string(cad, "Owner", owner);
	struct classad **procs = xreallocarray(NULL, (size_t)n, sizeof(*procs));
	char num[32];
	for (int i = 0; i < n; i++) {
		procs[i] = classad_new();
		classad_set_int(procs[i], "ProcId", i);
		snprintf(num, sizeof(num), "%d", i);
		classad_set_string(procs[i], "Args", num);
	}
	struct error err = { "" };
	int rc = queue_add_cluster(q, id, cad, procs, (size_t)n, &err);
	free(procs);
	if (rc < 0)
		diag("add_cluster: %s", err.msg);
	return rc < 0 ? -1 : id;
}

static struct queue *
open_w(const char *spool)
{
	struct error err = { "" };
	struct queue *q = queue_open(spool, QUEUE_WRITE, &err);
	if (q == NULL)
		diag("queue_open: %s", err.msg);
	return q;
}

static int
commit(struct queue *q)
{
	struct error err = { "" };
	int rc = queue_commit(q, &err);
	if (rc < 0)
		diag("queue_commit: %s", err.msg);
	return rc;
}

/* ------------------------------------------------------------------ */

static void
test_basic(void)
{
	char *spool = new_spool();
	char *empty = dump(spool);
	is_str(empty, "jobs 0\n", "a missing spool reads as an empty queue");
	free(empty);

	struct queue *q = open_w(spool);
	ok(q != NULL, "open for writing creates the spool");
	int c1 = add_cluster(q, 3, "alice");
	ok(c1 >= 1, "first cluster id %d", c1);
	is_int(queue_job_count(q), 3, "the handle sees its own new jobs");
	ok(commit(q) == 0, "commit");
	queue_close(q);

	struct stat st;
	ok(stat(spool, &st) == 0 && (st.st_mode & 0777) == 0700, "spool is 0700");

	struct error err;
	q = queue_open(spool, QUEUE_READ, &err);
	ok(q != NULL, "open read-only");
	is_int(queue_job_count(q), 3, "3 jobs after reopening");
	ok(queue_cluster_exists(q, c1), "cluster exists");
	ok(!queue_cluster_exists(q, c1 + 1), "no other cluster");
	struct queue_iter it = { 0, 0 };
	int c, p, n = 0, in_order = 1;
	struct classad *ad;
	while ((ad = queue_next(q, &it, &c, &p)) != NULL) {
		if (c != c1 || p != n)
			in_order = 0;
		char *args = classad_get_string(ad, "Args");
		char want[16];
		snprintf(want, sizeof(want), "%d", n);
		if (args == NULL || strcmp(args, want) != 0)
			in_order = 0;
		free(args);
		n++;
	}
	ok(in_order && n == 3, "iteration in order with the right Args");
	ad = queue_find(q, c1, 1);
	ok(ad != NULL, "find %d.1", c1);
	is_str(classad_lookup_text(ad, "Cmd"), "\"/bin/sleep\"",
	       "proc ad chains to the cluster ad");
	ok(!classad_has_own(ad, "Cmd"), "Cmd lives in the cluster ad only");
	ok(classad_parent(ad) == queue_cluster_ad(q, c1), "parent is the cluster ad");
	ok(queue_find(q, c1, 3) == NULL, "no job %d.3", c1);
	ok(queue_new_cluster_id(q) == -1, "read-only handle hands out no ids");
	ok(queue_set_attr(q, c1, 0, "A", "1", &err) == -1, "read-only refuses set_attr");
	queue_close(q);
	free(spool);
}

static void
test_changes(void)
{
	char *spool = new_spool();
	struct queue *q = open_w(spool);
	int c1 = add_cluster(q, 4, "alice");
	commit(q);
	queue_close(q);

	struct error err = { "" };
	q = open_w(spool);
	ok(queue_set_attr(q, c1, 0, "JobStatus", "5", &err) == 0, "set JobStatus");
	ok(queue_set_attr(q, c1, 0, "HoldReason", "\"via condor_hold (by user alice)\"",
			  &err) == 0, "set HoldReason");
	ok(queue_set_attr(q, c1, 1, "Expr", "a  +  b*2", &err) == 0, "set an expression");
	ok(queue_delete_attr(q, c1, 2, "Args", &err) == 0, "delete Args of .2");
	ok(queue_remove_job(q, c1, 3, &err) == 0, "remove .3");
	ok(queue_find(q, c1, 3) == NULL, "removed job gone from the handle at once");
	is_int(queue_job_count(q), 3, "job count follows removal");
	ok(queue_set_attr(q, c1, 9, "A", "1", &err) == -1, "set on a missing job fails");
	is_str(err.msg, "job 1.9 not found", "message names the job");
	ok(queue_set_attr(q, c1, 0, "bad name", "1", &err) == -1, "invalid name refused");
	ok(queue_set_attr(q, c1, 0, "A", "1 +", &err) == -1, "unparsable text refused");
	ok(queue_remove_job(q, c1, 3, &err) == -1, "removing twice fails");
	ok(commit(q) == 0, "commit the changes");
	char *mine = NULL;
	queue_close(q);

	q = queue_open(spool, QUEUE_READ, &err);
	struct classad *ad = queue_find(q, c1, 0);
	long long v = 0;
	ok(classad_get_int(ad, "JobStatus", &v) && v == 5, "JobStatus 5 after reopen");
	ok(classad_has_own(ad, "JobStatus"), "set_attr writes the proc ad");
	char *s = classad_get_string(ad, "HoldReason");
	is_str(s, "via condor_hold (by user alice)", "HoldReason round trip");
	free(s);
	ad = queue_find(q, c1, 1);
	const char *expr = classad_lookup_text(ad, "Expr");
	ok(expr != NULL && strstr(expr, "  ") == NULL, "expression stored canonical: %s",
	   expr ? expr : "(null)");
	ok(!classad_has_own(queue_find(q, c1, 2), "Args"), "Args deleted");
	ok(queue_find(q, c1, 3) == NULL, "removal persisted");
	is_int(queue_job_count(q), 3, "3 jobs left");
	queue_close(q);

	/* removing every proc removes the cluster */
	q = open_w(spool);
	for (int p = 0; p < 3; p++)
		queue_remove_job(q, c1, p, &err);
	ok(!queue_cluster_exists(q, c1), "cluster gone with its last proc");
	ok(queue_cluster_ad(q, c1) == NULL, "no cluster ad for it");
	commit(q);
	queue_close(q);
	mine = dump(spool);
	is_str(mine, "jobs 0\n", "queue empty after removing all");
	free(mine);
	free(spool);
}

/* A daemon may remove and commit job by job while iterating. */
static void
test_iterate_while_committing(void)
{
	char *spool = new_spool();
	struct error err;
	struct queue *q = open_w(spool);
	int c1 = add_cluster(q, 5, "a");
	int c2 = add_cluster(q, 3, "a");
	commit(q);
	struct queue_iter it = { 0, 0 };
	int c, p, seen = 0, order = 1, last = -1, added = 0;
	while (queue_next(q, &it, &c, &p) != NULL) {
		if (c * 100 + p <= last)
			order = 0;
		last = c * 100 + p;
		seen++;
		if (p % 2 == 0 || c == c2)
			queue_remove_job(q, c, p, &err);
		if (!added) {
			added = add_cluster(q, 2, "a");	/* lands after c2 */
		}
		commit(q);
	}
	ok(order && seen == 10, "iteration across commits visits each job once (%d)", seen);
	char *s = dump(spool);
	char want[64];
	snprintf(want, sizeof(want), "  %d.1:", c1);
	ok(strstr(s, want) && !strstr(s, "cluster 2:") && strstr(s, "jobs 3\n"),
	   "removals committed inside the loop persisted");
	free(s);
	queue_close(q);
	free(spool);
}

static void
test_uncommitted(void)
{
	char *spool = new_spool();
	struct queue *q = open_w(spool);
	int c1 = add_cluster(q, 2, "alice");
	commit(q);
	queue_close(q);
	char *before = dump(spool);

	struct error err;
	q = open_w(spool);
	add_cluster(q, 5, "bob");
	queue_set_attr(q, c1, 0, "JobStatus", "5", &err);
	queue_remove_job(q, c1, 1, &err);
	struct queue_iter it = { 0, 0 };
	int n = 0;
	while (queue_next(q, &it, NULL, NULL))
		n++;
	is_int(n, 6, "iteration sees the handle's uncommitted changes");
	char *during = dump(spool);
	is_str(during, before, "a reader does not see uncommitted changes");
	free(during);
	queue_close(q);
	char *after = dump(spool);
	is_str(after, before, "closing without commit changes nothing");
	free(after);

	/* ids reserved but not committed are not persisted, committed ones are */
	q = open_w(spool);
	int c2 = add_cluster(q, 1, "bob");
	ok(c2 > c1, "ids increase (%d > %d)", c2, c1);
	commit(q);
	queue_close(q);
	free(before);
	free(spool);
}

static void
test_ids_never_reused(void)
{
	char *spool = new_spool();
	struct error err;
	struct queue *q = open_w(spool);
	int c1 = add_cluster(q, 1, "a");
	int c2 = add_cluster(q, 2, "a");
	commit(q);
	queue_remove_job(q, c2, 0, &err);
	queue_remove_job(q, c2, 1, &err);
	commit(q);
	ok(queue_compact(q, &err) == 0, "compact");
	queue_close(q);
	q = open_w(spool);
	int c3 = queue_new_cluster_id(q);
	ok(c3 > c2 && c2 > c1, "id after removal + compaction is new (%d > %d)", c3, c2);
	queue_close(q);

	/* a cluster added and removed in one transaction uses up its id too */
	q = open_w(spool);
	int c4 = add_cluster(q, 1, "a");
	queue_remove_job(q, c4, 0, &err);
	commit(q);
	queue_close(q);
	q = open_w(spool);
	int c5 = queue_new_cluster_id(q);
	ok(c5 > c4, "id not reused after add+remove in one transaction (%d > %d)", c5, c4);
	queue_close(q);
	free(spool);
}

static void
test_torn_tail(void)
{
	char *spool = new_spool();
	struct error err;
	struct queue *q = open_w(spool);
	int c1 = add_cluster(q, 3, "alice");
	commit(q);
	char *journal = xstrdup(queue_journal_path(q));
	queue_close(q);
	char *s1 = dump(spool);
	size_t len1;
	char *b1 = slurp(journal, &len1);

	q = open_w(spool);
	queue_set_attr(q, c1, 1, "JobStatus", "5", &err);
	queue_remove_job(q, c1, 2, &err);
	add_cluster(q, 2, "bob");
	commit(q);
	queue_close(q);
	char *s2 = dump(spool);
	size_t len2;
	char *b2 = slurp(journal, &len2);
	ok(len2 > len1 && memcmp(b1, b2, len1) == 0, "a commit appends");

	int bad = 0, badw = 0;
	for (size_t k = len1; k < len2; k++) {
		spit(journal, b2, k);
		char *s = dump(spool);
		if (strcmp(s, s1) != 0) {
			if (bad++ == 0)
				diag("cut at %zu: %s", k, s);
		}
		free(s);
		if ((k - len1) % 17 == 0 || k == len2 - 1) {
			q = open_w(spool);
			if (q == NULL || file_size(journal) != (off_t)len1)
				badw++;
			queue_close(q);
		}
	}
	ok(bad == 0, "a journal cut anywhere in the last transaction reads as before it");
	ok(badw == 0, "a writer truncates the torn tail");

	spit(journal, b2, len2);
	int fd = open(journal, O_WRONLY | O_APPEND);
	ok(write(fd, "---\nseq: 99\ngarbage", 19) == 19, "append garbage");
	close(fd);
	char *s = dump(spool);
	is_str(s, s2, "garbage after the last transaction is ignored");
	free(s);
	q = open_w(spool);
	is_int(file_size(journal), len2, "and cut off by a writer");
	queue_close(q);

	/* a CRC mismatch in the last transaction stops replay before it */
	char *b3 = xmalloc(len2);
	memcpy(b3, b2, len2);
	char *hit = strstr(b3 + len1, "'5'");
	ok(hit != NULL, "found the value to corrupt");
	if (hit)
		hit[1] = '4';
	spit(journal, b3, len2);
	s = dump(spool);
	is_str(s, s1, "a CRC mismatch stops replay");
	free(s);

	/* damage followed by committed data: readers stop, writers refuse */
	spit(journal, b2, len2);
	q = open_w(spool);
	queue_set_attr(q, c1, 0, "A", "1", &err);
	commit(q);
	queue_close(q);
	size_t len4;
	char *b4 = slurp(journal, &len4);
	b4[len1 + 20] ^= 1;
	spit(journal, b4, len4);
	s = dump(spool);
	is_str(s, s1, "a reader stops at a damaged transaction");
	free(s);
	err.msg[0] = '\0';
	q = queue_open(spool, QUEUE_WRITE, &err);
	ok(q == NULL && strstr(err.msg, "damaged transaction at byte") != NULL,
	   "a writer refuses to truncate committed data: %s", err.msg);
	queue_close(q);
	is_int(file_size(journal), len4, "and leaves the file alone");

	free(b1);
	free(b2);
	free(b3);
	free(b4);
	free(s1);
	free(s2);
	free(journal);
	free(spool);
}

static void
test_values(void)
{
	char *spool = new_spool();
	struct queue *q = open_w(spool);
	int id = queue_new_cluster_id(q);
	struct classad *cad = classad_new();
	classad_set_int(cad, "ClusterId", id);
	static const char *texts[] = {
		"\"it's \\\"quoted\\\" \\\\ back\"",
		"\"caf\xc3\xa9 \xff\x01 tab\tend\"",
		"\"'single' and ''double''\"",
		"\"- not: {yaml} [list] # comment &anchor *alias\"",
		"\"\"",
		"\"   spaces   \"",
		"strcat(\"a\",\"b\") =?= \"ab\"",
	};
	size_t nt = sizeof(texts) / sizeof(texts[0]);
	struct classad *p0 = classad_new();
	classad_set_int(p0, "ProcId", 0);
	char name[16];
	for (size_t i = 0; i < nt; i++) {
		snprintf(name, sizeof(name), "V%zu", i);
		classad_set_text_trusted(p0, name, texts[i]);
	}
	struct error err;
	ok(queue_add_cluster(q, id, cad, &p0, 1, &err) == 0, "add odd values");
	commit(q);
	queue_close(q);
	char *jpath = fileio_join(spool, "job_queue.log");
	char *j = slurp(jpath, NULL);
	free(jpath);
	int ascii = 1;
	for (const unsigned char *c = (const unsigned char *)j; c && *c; c++)
		if (*c > 0x7e || (*c < 0x20 && *c != '\n'))
			ascii = 0;
	ok(ascii, "the journal is plain ASCII");
	free(j);

	q = queue_open(spool, QUEUE_READ, &err);
	struct classad *ad = queue_find(q, id, 0);
	int same = ad != NULL;
	for (size_t i = 0; same && i < nt; i++) {
		snprintf(name, sizeof(name), "V%zu", i);
		const char *t = classad_lookup_text(ad, name);
		if (t == NULL || strcmp(t, texts[i]) != 0) {
			diag("%s: got '%s' want '%s'", name, t ? t : "(null)", texts[i]);
			same = 0;
		}
	}
	ok(same, "quotes, escapes, non-ASCII and control bytes round-trip exactly");
	queue_close(q);

	/* bad input to add_cluster */
	q = open_w(spool);
	cad = classad_new();
	struct classad *p = classad_new();
	classad_set_int(p, "ProcId", 0);
	ok(queue_add_cluster(q, id, cad, &p, 1, &err) == -1, "an existing cluster id is refused");
	cad = classad_new();
	p = classad_new();
	classad_set_text_trusted(p, "Args", "\"x\"");
	ok(queue_add_cluster(q, id + 1, cad, &p, 1, &err) == -1 &&
	   strstr(err.msg, "ProcId") != NULL, "a proc ad without ProcId is refused");
	cad = classad_new();
	struct classad *two[2] = { classad_new(), classad_new() };
	classad_set_int(two[0], "ProcId", 0);
	classad_set_int(two[1], "ProcId", 0);
	ok(queue_add_cluster(q, id + 1, cad, two, 2, &err) == -1, "duplicate ProcId refused");
	ok(queue_commit(q, &err) == 0, "nothing to commit is fine");
	queue_close(q);
	free(spool);
}

static void
test_compaction(void)
{
	char *spool = new_spool();
	struct error err;
	struct queue *q = open_w(spool);
	int c1 = add_cluster(q, 10, "alice");
	int c2 = add_cluster(q, 5, "bob");
	commit(q);
	for (int i = 0; i < 40; i++) {
		char v[32];
		snprintf(v, sizeof(v), "%d", i);
		queue_set_attr(q, c1, i % 10, "Counter", v, &err);
		if (i % 13 == 0)
			queue_delete_attr(q, c1, (i + 3) % 10, "Args", &err);
		commit(q);
	}
	queue_remove_job(q, c2, 4, &err);
	commit(q);
	const char *journal = queue_journal_path(q);
	off_t before_size = file_size(journal);
	char *before = dump(spool);
	ok(queue_compact(q, &err) == 0, "compact");
	off_t after_size = file_size(journal);
	char *after = dump(spool);
	is_str(after, before, "compaction keeps the state identical");
	ok(after_size < before_size, "and shrinks the file (%lld -> %lld)",
	   (long long)before_size, (long long)after_size);
	queue_set_attr(q, c2, 0, "JobStatus", "5", &err);
	ok(commit(q) == 0, "commit after compaction");
	queue_close(q);
	char *later = dump(spool);
	ok(strstr(later, "JobStatus=5") != NULL, "commit after compaction persisted");
	free(later);

	/* automatic compaction once the journal outgrows the state */
	q = open_w(spool);
	struct strbuf big = STRBUF_INIT;
	strbuf_addc(&big, '"');
	strbuf_addchars(&big, 'x', 200000);
	strbuf_addc(&big, '"');
	for (int i = 0; i < 12; i++) {
		big.buf[1] = (char)('a' + i);
		queue_set_attr(q, c1, 0, "Big", big.buf, &err);
		commit(q);
	}
	off_t sz = file_size(queue_journal_path(q));
	ok(sz > 0 && sz < 1 << 20, "journal compacted automatically (%lld bytes)",
	   (long long)sz);
	queue_close(q);
	char *s = dump(spool);
	ok(strstr(s, "Big=\"lxxx") != NULL, "latest value survives compaction");
	free(s);
	strbuf_release(&big);
	free(before);
	free(after);
	free(spool);
}

static void
test_history(void)
{
	char *spool = new_spool();
	struct error err;
	struct queue *q = open_w(spool);
	int c1 = add_cluster(q, 3, "alice");
	commit(q);
	queue_set_attr(q, c1, 1, "CompletionDate", "1700000000", &err);
	queue_remove_job(q, c1, 0, &err);
	queue_remove_job(q, c1, 1, &err);
	ok(commit(q) == 0, "commit removals");
	char *hpath = xstrdup(queue_history_path(q));
	queue_close(q);

	size_t hlen;
	char *h = slurp(hpath, &hlen);
	ok(h != NULL && strncmp(h, "Args = \"0\"\n", 11) == 0, "history starts with sorted lines");
	char want[200];
	snprintf(want, sizeof(want),
		 "*** Offset = 0 ClusterId = %d ProcId = 0 Owner = \"alice\" CompletionDate = 0 CurrentTime = ",
		 c1);
	ok(h && strstr(h, want) != NULL, "first banner");
	char *second = h ? strstr(h, "\nArgs = \"1\"") : NULL;
	snprintf(want, sizeof(want),
		 "*** Offset = %ld ClusterId = %d ProcId = 1 Owner = \"alice\" CompletionDate = 1700000000 ",
		 second ? (long)(second - h + 1) : -1L, c1);
	ok(h && strstr(h, want) != NULL, "second banner has its byte offset");
	ok(h && strstr(h, "cmd = ") == NULL && strstr(h, "Cmd = \"/bin/sleep\"\n"),
	   "history ads are flattened");
	free(h);

	struct history *hi = history_open(hpath, HISTORY_NEWEST_FIRST, &err);
	ok(hi != NULL, "history_open");
	is_int(history_count(hi), 2, "two ads");
	struct classad *ad = NULL;
	long long v = -1;
	ok(history_next(hi, &ad, &err) == 1 && classad_get_int(ad, "ProcId", &v) && v == 1,
	   "newest first: proc 1");
	char *cmd = ad ? classad_get_string(ad, "Cmd") : NULL;
	is_str(cmd, "/bin/sleep", "cluster attributes are in the history ad");
	free(cmd);
	classad_free(ad);
	ok(history_next(hi, &ad, &err) == 1 && classad_get_int(ad, "ProcId", &v) && v == 0,
	   "then proc 0");
	classad_free(ad);
	ok(history_next(hi, &ad, &err) == 0, "then the end");
	history_close(hi);

	/* hand edits and a torn append */
	int fd = open(hpath, O_WRONLY | O_APPEND);
	const char *junk = "garbage line\nGood = 42\nBad = 1 +\n= 3\nAlso = \"ok\"\n"
			   "Esc = \"a\\\"b\"\nOpen = \"abc\nNeg = -7\n"
			   "*** Offset = 1 ClusterId = 9 ProcId = 9\nTorn = 1\n";
	ok(write(fd, junk, strlen(junk)) == (ssize_t)strlen(junk), "append hand edits");
	close(fd);
	hi = history_open(hpath, HISTORY_OLDEST_FIRST, &err);
	is_int(history_count(hi), 3, "a torn ad at the end is not counted");
	for (int i = 0; i < 3; i++) {
		ad = NULL;
		history_next(hi, &ad, &err);
		if (i < 2)
			classad_free(ad);
	}
	ok(ad && classad_size(ad) == 4 && classad_get_int(ad, "Good", &v) && v == 42 &&
	   classad_has_own(ad, "Also") && !classad_has_own(ad, "Open"),
	   "malformed lines are skipped");
	char *esc = ad ? classad_get_string(ad, "Esc") : NULL;
	is_str(esc, "a\"b", "escaped strings are parsed");
	free(esc);
	ok(ad && classad_get_int(ad, "Neg", &v) && v == -7, "negative numbers read");
	classad_free(ad);
	history_close(hi);

	/* the next writer starts on a fresh line after the torn ad */
	q = open_w(spool);
	queue_remove_job(q, c1, 2, &err);
	commit(q);
	queue_close(q);
	hi = history_open(hpath, HISTORY_NEWEST_FIRST, &err);
	ad = NULL;
	ok(history_next(hi, &ad, &err) == 1 && classad_get_int(ad, "ProcId", &v) && v == 2,
	   "newest is proc 2");
	ok(ad && classad_has_own(ad, "Torn"),
	   "the torn lines join the next ad (as HTCondor's reader would)");
	classad_free(ad);
	history_close(hi);

	hi = history_open("/nonexistent/history", HISTORY_NEWEST_FIRST, &err);
	ok(hi != NULL && history_next(hi, &ad, &err) == 0, "a missing history file is empty");
	history_close(hi);

	/* a history file that cannot be written fails the commit, changing nothing */
	q = open_w(spool);
	int c2 = add_cluster(q, 1, "bob");
	commit(q);
	queue_close(q);
	char *before = dump(spool);
	unlink(hpath);
	ok(mkdir(hpath, 0700) == 0, "make the history path a directory");
	q = open_w(spool);
	queue_remove_job(q, c2, 0, &err);
	ok(queue_commit(q, &err) == -1, "commit fails when history cannot be written: %s",
	   err.msg);
	ok(queue_set_attr(q, c2, 0, "A", "1", &err) == -1, "the handle is unusable after");
	queue_close(q);
	char *after = dump(spool);
	is_str(after, before, "and the queue is unchanged");
	rmdir(hpath);
	free(before);
	free(after);
	free(hpath);
	free(spool);
}

static void
test_concurrent(void)
{
	char *spool = new_spool();
	struct queue *q = open_w(spool);	/* create the spool first */
	queue_close(q);
	enum { KIDS = 3, ROUNDS = 15 };
	pid_t kids[KIDS];
	for (int k = 0; k < KIDS; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			for (int r = 0; r < ROUNDS; r++) {
				struct queue *wq = open_w(spool);
				if (wq == NULL || add_cluster(wq, 2, "kid") < 0 || commit(wq) < 0)
					_exit(1);
				queue_close(wq);
			}
			_exit(0);
		}
	}
	int fails = 0;
	for (int k = 0; k < KIDS; k++) {
		int st;
		if (waitpid(kids[k], &st, 0) != kids[k] || !WIFEXITED(st) || WEXITSTATUS(st))
			fails++;
	}
	ok(fails == 0, "concurrent writers all succeeded");
	struct error err;
	q = queue_open(spool, QUEUE_READ, &err);
	is_int(queue_job_count(q), KIDS * ROUNDS * 2, "no job lost");
	int distinct = 1;
	for (int c = 1; c <= KIDS * ROUNDS; c++)
		if (!queue_cluster_exists(q, c))
			distinct = 0;
	ok(distinct, "clusters 1..%d all present, so ids were distinct", KIDS * ROUNDS);
	queue_close(q);
	free(spool);
}

static uint32_t
xorshift(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

/* Frames body (which should start with "---") as a valid transaction. */
static void
frame(struct strbuf *out, const char *body, size_t len, unsigned long long seq)
{
	strbuf_add(out, body, len);
	strbuf_addf(out, "commit: {seq: %llu, crc: %08x}\n...\n", seq,
		    (unsigned)journal_crc32(0, body, len));
}

/*
 * Documents with valid frames but hostile insides: the YAML parser must
 * reject them (or read them) without crashing, leaking or overflowing.
 */
static void
test_hostile_journal(void)
{
	char *spool = new_spool();
	struct error err;
	struct queue *q = open_w(spool);
	int c1 = add_cluster(q, 3, "alice");
	commit(q);
	queue_set_attr(q, c1, 1, "JobStatus", "5", &err);
	queue_remove_job(q, c1, 2, &err);
	commit(q);
	char *journal = xstrdup(queue_journal_path(q));
	queue_close(q);
	size_t len;
	char *orig = slurp(journal, &len);
	struct jframe f1, f2;
	ok(journal_frame(orig, len, 0, &f1) == 1 && journal_frame(orig, len, f1.end, &f2) == 1,
	   "the journal has two framed transactions");

	uint32_t st = 12345;
	static const char specials[] = "{}[]:,'\"-\n #&*!|>%@`\\?x0";
	int opened = 0, runs = 2000;
	struct strbuf body = STRBUF_INIT, file = STRBUF_INIT;
	for (int i = 0; i < runs; i++) {
		const struct jframe *f = i % 2 ? &f2 : &f1;
		strbuf_reset(&body);
		strbuf_add(&body, orig + f->start, f->body_end - f->start);
		for (int m = 0, nm = 1 + (int)(xorshift(&st) % 3); m < nm; m++) {
			size_t at = 4 + xorshift(&st) % (body.len - 4);
			char c = specials[xorshift(&st) % (sizeof(specials) - 1)];
			switch (xorshift(&st) % 3) {
			case 0:
				body.buf[at] = c;
				break;
			case 1:
				memmove(body.buf + at, body.buf + at + 1, body.len - at - 1);
				strbuf_setlen(&body, body.len - 1);
				break;
			default:
				strbuf_addc(&body, ' ');
				memmove(body.buf + at + 1, body.buf + at, body.len - at - 1);
				body.buf[at] = c;
			}
		}
		strbuf_reset(&file);
		if (f == &f2)
			strbuf_add(&file, orig, f1.end);
		frame(&file, body.buf, body.len, f->seq);
		spit(journal, file.buf, file.len);
		char *s = dump(spool);
		opened += strncmp(s, "ERROR", 5) != 0;
		free(s);
	}
	is_int(opened, runs, "%d mutated transactions read without error or crash", runs);

	/* deep nesting in an unknown key, and a huge range */
	strbuf_reset(&body);
	strbuf_adds(&body, "---\nseq: 1\nops:\n- {op: set, cluster: 1, procs: '0', x: ");
	strbuf_addchars(&body, '[', 100000);
	strbuf_addchars(&body, ']', 100000);
	strbuf_adds(&body, ", attrs: {A: '1'}}\n- {op: remove, cluster: 1, procs: '0-2147483646'}\n"
		    "- op: cluster\n  id: 5\n  ad: {}\n  procs: '0-2147483646'\n  ads: [{}]\n");
	strbuf_reset(&file);
	frame(&file, body.buf, body.len, 1);
	spit(journal, file.buf, file.len);
	char *s = dump(spool);
	is_str(s, "jobs 0\n", "deep nesting and huge ranges are harmless");
	free(s);
	static const char *const deep_at[] = { "---\n", "---\nseq: 1\nops: ",
		"---\nseq: 1\nops:\n- op: cluster\n  ads: ", "---\nseq: 1\n? " };
	double t0 = now_s();
	for (size_t i = 0; i < sizeof(deep_at) / sizeof(deep_at[0]); i++) {
		strbuf_reset(&body);
		strbuf_adds(&body, deep_at[i]);
		strbuf_addchars(&body, i % 2 ? '[' : '{', 200000);
		strbuf_addc(&body, '\n');
		strbuf_reset(&file);
		frame(&file, body.buf, body.len, 1);
		spit(journal, file.buf, file.len);
		s = dump(spool);
		opened += strcmp(s, "jobs 0\n") != 0;
		free(s);
	}
	ok(now_s() - t0 < 2.0, "deep nesting anywhere is rejected quickly (%.3f s)",
	   now_s() - t0);

	/* a huge but valid range on a real cluster */
	strbuf_reset(&file);
	strbuf_add(&file, orig, f1.end);
	strbuf_reset(&body);
	strbuf_adds(&body, "---\nseq: 2\nops:\n- {op: remove, cluster: 1, procs: '1-2147483646'}\n");
	frame(&file, body.buf, body.len, 2);
	spit(journal, file.buf, file.len);
	s = dump(spool);
	ok(strstr(s, "1.0:") && !strstr(s, "1.1:") && strstr(s, "jobs 1\n"),
	   "a range wider than the cluster removes what exists");
	free(s);

	strbuf_release(&body);
	strbuf_release(&file);
	free(orig);
	free(journal);
	free(spool);
}

static long
peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void
test_big(void)
{
	enum { N = 100000 };
	char *spool = new_spool();
	struct queue *q = open_w(spool);
	double t0 = now_s();
	int c = add_cluster(q, N, "alice");
	int rc = commit(q);
	double t_add = now_s() - t0;
	ok(c > 0 && rc == 0, "add and commit a %d-proc cluster", N);
	diag("add %d procs + commit: %.3f s", N, t_add);
	queue_close(q);

	/* read in a child so its peak memory is measured alone */
	int pfd[2];
	if (pipe(pfd) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		double t1 = now_s();
		struct error err;
		struct queue *rq = queue_open(spool, QUEUE_READ, &err);
		struct queue_iter it = { 0, 0 };
		size_t n = 0;
		int cl, pr, good = 1;
		struct classad *ad;
		while ((ad = queue_next(rq, &it, &cl, &pr)) != NULL) {
			if (pr != (int)n)
				good = 0;
			n++;
		}
		double t_read = now_s() - t1;
		const char *args = classad_lookup_text(queue_find(rq, cl, N - 1), "Args");
		good = good && args && strcmp(args, "\"99999\"") == 0;
		queue_close(rq);
		char msg[200];
		int len = snprintf(msg, sizeof(msg), "%zu %d %.3f %ld", n, good, t_read,
				   peak_rss_kb());
		if (write(pfd[1], msg, (size_t)len) != len)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	char buf[200] = "";
	ssize_t got = read(pfd[0], buf, sizeof(buf) - 1);
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	buf[got > 0 ? got : 0] = '\0';
	size_t n = 0;
	int good = 0;
	double t_read = 0;
	long rss = 0;
	int fields = sscanf(buf, "%zu %d %lf %ld", &n, &good, &t_read, &rss);
	ok(fields == 4 && n == N && good, "read back %zu jobs in order", n);
	diag("open read-only + iterate %d jobs: %.3f s, peak RSS %.1f MB", N, t_read,
	     (double)rss / 1024);

	/* condor_hold -all: one range record, well under a second */
	struct error err;
	t0 = now_s();
	q = open_w(spool);
	double t_open = now_s() - t0;
	const char *journal = queue_journal_path(q);
	off_t before = file_size(journal);
	double t1 = now_s();
	struct queue_iter it = { 0, 0 };
	int cl, pr, fails = 0;
	while (queue_next(q, &it, &cl, &pr)) {
		fails += queue_set_attr(q, cl, pr, "JobStatus", "5", &err) < 0;
		fails += queue_set_attr(q, cl, pr, "HoldReason",
					"\"via condor_hold (by user alice)\"", &err) < 0;
		fails += queue_set_attr(q, cl, pr, "HoldReasonCode", "1", &err) < 0;
		fails += queue_set_attr(q, cl, pr, "EnteredCurrentStatus", "1732200000", &err) < 0;
	}
	rc = commit(q);
	double t_hold = now_s() - t1;
	off_t grown = file_size(journal) - before;
	ok(fails == 0 && rc == 0, "hold all %d jobs", N);
	ok(grown < 400, "as one range record (%lld bytes)", (long long)grown);
	diag("open for writing: %.3f s; set 4 attrs on %d jobs + commit: %.3f s",
	     t_open, N, t_hold);

	/* condor_rm -all: history for every job, then one removal record */
	t1 = now_s();
	it = (struct queue_iter){ 0, 0 };
	while (queue_next(q, &it, &cl, &pr))
		queue_remove_job(q, cl, pr, &err);
	rc = commit(q);
	double t_rm = now_s() - t1;
	ok(rc == 0 && queue_job_count(q) == 0, "remove all %d jobs", N);
	diag("remove %d jobs (history + commit): %.3f s", N, t_rm);
	char *hpath = xstrdup(queue_history_path(q));
	queue_close(q);
	t1 = now_s();
	struct history *h = history_open(hpath, HISTORY_NEWEST_FIRST, &err);
	struct classad *ad = NULL;
	long long v = -1;
	ok(history_count(h) == N && history_next(h, &ad, &err) == 1 &&
	   classad_get_int(ad, "ProcId", &v) && v == N - 1, "history holds all, newest first");
	classad_free(ad);
	history_close(h);
	diag("index history of %d ads: %.3f s", N, now_s() - t1);
	free(hpath);
	free(spool);
}

int
main(void)
{
	plan_lazy();
	const char *tmp = getenv("TMPDIR");
	topdir = xasprintf("%s/test_queue.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(topdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_basic();
	test_changes();
	test_iterate_while_committing();
	test_uncommitted();
	test_ids_never_reused();
	test_torn_tail();
	test_values();
	test_compaction();
	test_history();
	test_hostile_journal();
	test_concurrent();
	test_big();
	char *cmd[] = { "rm", "-rf", topdir, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	free(topdir);
	return tap_done();
}
