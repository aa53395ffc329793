/*
 * queue_commit.c - changing the queue: new clusters, attribute changes,
 * removals, and the transaction that makes them durable (see queue.h).
 *
 * A change is applied to the in-memory state at once (the handle sees its
 * own changes) and remembered just enough to write itself at commit:
 *   - a cluster added in the transaction is written whole, from its state
 *     at commit;
 *   - for other jobs, which attribute names were touched (interned, a few
 *     indexes per job); at commit each touched name is written with its
 *     final value or as unset, and runs of jobs of one cluster with the
 *     same changes share one record ("procs: '0-99999'"), so condor_hold
 *     -all is one short record whatever the number of jobs;
 *   - removed jobs are tombstones (queue_int.h) until commit.
 * Nothing can be rolled back in memory: after a failed commit the handle
 * refuses everything but queue_close, as queue.h says.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "history.h"
#include "journal.h"
#include "num.h"
#include "queue.h"
#include "queue_int.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* Compact once the journal exceeds this and COMPACT_RATIO times the size
 * a snapshot would have. */
#define COMPACT_MIN ((size_t)1 << 20)
#define COMPACT_RATIO 4

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */

static int
check_writable(const struct queue *q, struct error *err)
{
	if (!qstate_writer(q))
		return error_set(err, "'%s' is open read-only", q->journal);
	if (q->broken)
		return error_set(err, "'%s': an earlier commit failed; reopen the queue",
				 q->journal);
	return 0;
}

int
queue_new_cluster_id(struct queue *q)
{
	if (check_writable(q, NULL) < 0 || q->next_cluster >= INT_MAX)
		return -1;
	return q->next_cluster++;
}

static int
check_names(const struct classad *ad, const char *what, struct error *err)
{
	for (size_t i = 0, n = classad_size(ad); i < n; i++) {
		const char *name = classad_name_at(ad, i);
		if (!journal_name_ok(name))
			return error_set(err, "%s: invalid attribute name '%.64s'", what, name);
	}
	return 0;
}

/* The proc id an ad says it has: its ProcId, read without evaluating
 * when it is a plain number (it always is, from condor_submit). */
static int
ad_proc_id(const struct classad *ad, int *out)
{
	if (!classad_has_own(ad, "ProcId"))
		return -1;
	const char *t = classad_lookup_text(ad, "ProcId");
	long long v;
	if (t != NULL && num_is_digits(t))
		return num_parse_int(t, 0, INT_MAX, out);
	if (!classad_get_int(ad, "ProcId", &v) || v < 0 || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

static int
qproc_cmp(const void *a, const void *b)
{
	int x = ((const struct qproc *)a)->id, y = ((const struct qproc *)b)->id;
	return (x > y) - (x < y);
}

/* Builds the procs array, sorted and checked; -1 (err set) on bad ads. */
static int
build_procs(struct qcluster *c, struct classad **procs, size_t n, struct error *err)
{
	c->procs = xreallocarray(NULL, n, sizeof(*c->procs));
	for (size_t i = 0; i < n; i++) {
		c->procs[i] = (struct qproc){ .ad = procs[i] };
		procs[i] = NULL;
		c->nprocs++;
		if (ad_proc_id(c->procs[i].ad, &c->procs[i].id) < 0)
			return error_set(err, "cluster %d: proc ad %zu has no valid ProcId",
					 c->id, i);
		if (check_names(c->procs[i].ad, "proc ad", err) < 0)
			return -1;
	}
	bool sorted = true;
	for (size_t i = 1; i < n; i++)
		if (c->procs[i].id <= c->procs[i - 1].id)
			sorted = false;
	if (!sorted)
		qsort(c->procs, n, sizeof(*c->procs), qproc_cmp);
	for (size_t i = 1; i < n; i++)
		if (c->procs[i].id == c->procs[i - 1].id)
			return error_set(err, "job %d.%d is given twice", c->id, c->procs[i].id);
	return 0;
}

int
queue_add_cluster(struct queue *q, int cluster, struct classad *cluster_ad,
		  struct classad **procs, size_t nprocs, struct error *err)
{
	struct qcluster *c = xcalloc(1, sizeof(*c));
	c->id = cluster;
	c->ad = cluster_ad;
	c->added = true;
	int rc = -1;
	if (check_writable(q, err) < 0)
		goto out;
	if (cluster <= 0 || cluster == INT_MAX || cluster_ad == NULL) {
		error_set(err, "invalid cluster id %d", cluster);
		goto out;
	}
	if (qstate_cluster_at(q, cluster, NULL) != NULL || cluster < q->disk_next) {
		error_set(err, "cluster %d already exists or existed", cluster);
		goto out;
	}
	if (nprocs == 0 || nprocs > INT_MAX) {
		error_set(err, "cluster %d: invalid number of jobs %zu", cluster, nprocs);
		goto out;
	}
	if (check_names(cluster_ad, "cluster ad", err) < 0 ||
	    build_procs(c, procs, nprocs, err) < 0)
		goto out;
	for (size_t i = 0; i < c->nprocs; i++)
		classad_set_parent(c->procs[i].ad, c->ad);
	c->alloc = c->nlive = c->nprocs;
	qstate_cluster_insert(q, c);
	q->tx = true;
	return 0;
out:
	for (size_t i = 0; i < nprocs; i++)
		qstate_ad_free(procs[i]);
	qstate_cluster_free(c);
	return rc;
}

/* Callers set the same few names in the same order on job after job, so
 * the name after the last one found is tried first. */
static uint32_t
intern_name(struct queue *q, const char *name)
{
	size_t guess = q->name_hint + 1 < q->nnames ? q->name_hint + 1 : 0;
	if (guess < q->nnames && strcmp(q->names[guess], name) == 0)
		return (uint32_t)(q->name_hint = guess);
	for (size_t i = q->nnames; i-- > 0;)
		if (strcasecmp(q->names[i], name) == 0)
			return (uint32_t)(q->name_hint = i);
	XGROW(q->names, q->nnames + 1, q->anames);
	q->names[q->nnames] = xstrdup(name);
	q->name_hint = q->nnames;
	return (uint32_t)q->nnames++;
}

/* Remembers that name changed on a job that existed before this
 * transaction (a new cluster is written whole at commit). */
static void
mark_dirty(struct queue *q, struct qcluster *c, struct qproc *p, const char *name)
{
	q->tx = true;
	if (c->added)
		return;
	if (p->dirty == 0) {
		XGROW(q->dirty, q->ndirty + 1, q->adirty);
		q->dirty[q->ndirty] = (struct qdirty){ 0 };
		p->dirty = (uint32_t)++q->ndirty;
	}
	struct qdirty *d = &q->dirty[p->dirty - 1];
	uint32_t k = intern_name(q, name);
	for (size_t i = 0; i < d->n; i++)
		if (d->names[i] == k)
			return;
	XGROW(d->names, d->n + 1, d->alloc);
	d->names[d->n++] = k;
}

/* Sets name from text, parsing each distinct text only once. */
static int
set_parsed(struct queue *q, struct classad *ad, const char *name,
	   const char *text, struct error *err)
{
	for (size_t i = 0; i < CANON_SLOTS; i++) {
		if (q->canon[i].text && strcmp(q->canon[i].text, text) == 0) {
			classad_set_text_trusted(ad, name, q->canon[i].canonical);
			return 0;
		}
	}
	if (classad_set_text(ad, name, text, err) < 0)
		return -1;
	const char *canonical = classad_lookup_text(ad, name);
	if (canonical == NULL)
		return 0;
	struct canon *slot = &q->canon[q->canon_next++ % CANON_SLOTS];
	free(slot->text);
	free(slot->canonical);
	slot->text = xstrdup(text);
	slot->canonical = xstrdup(canonical);
	return 0;
}

int
queue_set_attr(struct queue *q, int cluster, int proc, const char *name,
	       const char *text, struct error *err)
{
	struct qcluster *c;
	struct qproc *p;
	if (check_writable(q, err) < 0)
		return -1;
	if (!journal_name_ok(name))
		return error_set(err, "invalid attribute name '%.64s'", name);
	if ((p = qstate_job_at(q, cluster, proc, &c)) == NULL)
		return error_set(err, "job %d.%d not found", cluster, proc);
	if (set_parsed(q, p->ad, name, text, err) < 0)
		return error_prefix(err, "job %d.%d: %s", cluster, proc, name);
	mark_dirty(q, c, p, name);
	return 0;
}

int
queue_delete_attr(struct queue *q, int cluster, int proc, const char *name,
		  struct error *err)
{
	struct qcluster *c;
	struct qproc *p;
	if (check_writable(q, err) < 0)
		return -1;
	if ((p = qstate_job_at(q, cluster, proc, &c)) == NULL)
		return error_set(err, "job %d.%d not found", cluster, proc);
	if (journal_name_ok(name) && classad_delete(p->ad, name))
		mark_dirty(q, c, p, name);
	return 0;
}

int
queue_remove_job(struct queue *q, int cluster, int proc, struct error *err)
{
	struct qcluster *c;
	struct qproc *p;
	if (check_writable(q, err) < 0)
		return -1;
	if ((p = qstate_job_at(q, cluster, proc, &c)) == NULL)
		return error_set(err, "job %d.%d not found", cluster, proc);
	p->removed = true;
	c->nlive--;
	q->njobs--;
	q->tx = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Serialising a transaction                                            */
/* ------------------------------------------------------------------ */

/* The ids of c's procs that are live (removed == false) or tombstones. */
static void
ranges_of(const struct qcluster *c, bool removed, struct strbuf *out)
{
	int *ids = xreallocarray(NULL, c->nprocs ? c->nprocs : 1, sizeof(*ids));
	size_t n = 0;
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].removed == removed)
			ids[n++] = c->procs[i].id;
	strbuf_reset(out);
	journal_add_ranges(out, ids, n);
	free(ids);
}

/* "- op: cluster" for c's live procs. */
static void
put_cluster(struct strbuf *sb, const struct qcluster *c, struct strbuf *tmp)
{
	ranges_of(c, false, tmp);
	journal_op_cluster(sb, c->id, c->ad, tmp->buf);
	for (size_t i = 0; i < c->nprocs; i++)
		if (!c->procs[i].removed)
			journal_op_proc(sb, c->procs[i].ad);
}

static const char *
own_text(const struct classad *ad, const char *name)
{
	return classad_has_own(ad, name) ? classad_lookup_text(ad, name) : NULL;
}

/* true if jobs a and b had the same names changed to the same values. */
static bool
same_changes(const struct queue *q, const struct qproc *a, const struct qproc *b)
{
	const struct qdirty *da = &q->dirty[a->dirty - 1], *db = &q->dirty[b->dirty - 1];
	if (da->n != db->n)
		return false;
	for (size_t i = 0; i < da->n; i++) {
		if (da->names[i] != db->names[i])
			return false;
		const char *name = q->names[da->names[i]];
		const char *ta = own_text(a->ad, name), *tb = own_text(b->ad, name);
		if ((ta == NULL) != (tb == NULL) || (ta && strcmp(ta, tb) != 0))
			return false;
	}
	return true;
}

/* Writes the set/unset records for a group of jobs with rep's changes. */
static void
put_group(struct strbuf *sb, const struct queue *q, int cluster,
	  const struct qproc *rep, const int *ids, size_t n)
{
	const struct qdirty *d = &q->dirty[rep->dirty - 1];
	const char **set = xreallocarray(NULL, d->n, sizeof(*set));
	const char **texts = xreallocarray(NULL, d->n, sizeof(*texts));
	const char **unset = xreallocarray(NULL, d->n, sizeof(*unset));
	size_t nset = 0, nunset = 0;
	for (size_t i = 0; i < d->n; i++) {
		const char *name = q->names[d->names[i]];
		const char *t = own_text(rep->ad, name);
		if (t != NULL) {
			set[nset] = name;
			texts[nset++] = t;
		} else {
			unset[nunset++] = name;
		}
	}
	struct strbuf procs = STRBUF_INIT;
	journal_add_ranges(&procs, ids, n);
	if (nset)
		journal_op_attrs(sb, true, cluster, procs.buf, set, texts, nset);
	if (nunset)
		journal_op_attrs(sb, false, cluster, procs.buf, unset, NULL, nunset);
	strbuf_release(&procs);
	free(set);
	free(texts);
	free(unset);
}

/* Attribute changes and removals of an existing cluster. */
static void
put_changes(struct strbuf *sb, const struct queue *q, const struct qcluster *c,
	    struct strbuf *tmp)
{
	int *ids = xreallocarray(NULL, c->nprocs, sizeof(*ids));
	size_t n = 0, nremoved = 0;
	const struct qproc *rep = NULL;
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct qproc *p = &c->procs[i];
		nremoved += p->removed;
		if (p->removed || p->dirty == 0)
			continue;
		if (rep != NULL && !same_changes(q, rep, p)) {
			put_group(sb, q, c->id, rep, ids, n);
			n = 0;
		}
		if (n == 0)
			rep = p;
		ids[n++] = p->id;
	}
	if (n > 0)
		put_group(sb, q, c->id, rep, ids, n);
	free(ids);
	if (nremoved > 0) {
		ranges_of(c, true, tmp);
		journal_op_remove(sb, c->id, tmp->buf);
	}
}

/* The whole open transaction as one document. */
static void
put_transaction(struct strbuf *sb, const struct queue *q)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t start = journal_begin(sb, q->seq + 1);
	int written = q->disk_next, used = q->disk_next;
	for (size_t i = 0; i < q->ncl; i++) {
		const struct qcluster *c = q->cl[i];
		if (!c->added) {
			put_changes(sb, q, c, &tmp);
			continue;
		}
		if (c->id >= used)
			used = c->id + 1;
		if (c->nlive > 0) {
			put_cluster(sb, c, &tmp);
			if (c->id >= written)
				written = c->id + 1;
		}
	}
	/* a cluster added and emptied in one transaction still used its id */
	if (used > written)
		journal_op_next(sb, false, used);
	journal_end(sb, start, q->seq + 1);
	strbuf_release(&tmp);
}

/* ------------------------------------------------------------------ */
/* Commit                                                               */
/* ------------------------------------------------------------------ */

static size_t
count_removed(const struct queue *q)
{
	size_t n = 0;
	for (size_t i = 0; i < q->ncl; i++)
		n += q->cl[i]->nprocs - q->cl[i]->nlive;
	return n;
}

/* Appends the removed jobs to the history file, durably. */
static struct history_writer *
write_history(struct queue *q, struct error *err)
{
	struct history_writer *w = history_writer_open(q->history, err);
	if (w == NULL)
		return NULL;
	time_t now = time(NULL);
	for (size_t i = 0; i < q->ncl; i++) {
		const struct qcluster *c = q->cl[i];
		for (size_t k = 0; c->nlive < c->nprocs && k < c->nprocs; k++)
			if (c->procs[k].removed)
				history_writer_add(w, c->procs[k].ad, c->id,
						   c->procs[k].id, now);
	}
	if (history_writer_commit(w, err) < 0) {
		history_writer_undo(w, NULL);
		history_writer_free(w);
		return NULL;
	}
	return w;
}

/* Appends doc durably, or leaves the journal as it was. */
static int
append_journal(struct queue *q, const struct strbuf *doc, struct error *err)
{
	if (fileio_write_all(q->jfd, doc->buf, doc->len, q->journal, err) == 0) {
		if (fdatasync(q->jfd) == 0) {
			q->jsize += doc->len;
			return 0;
		}
		error_errno(err, "fdatasync '%s'", q->journal);
	}
	if (ftruncate(q->jfd, (off_t)q->jsize) == 0)
		fdatasync(q->jfd);
	return -1;
}

/* The committed transaction becomes the plain state. */
static void
tx_finish(struct queue *q)
{
	for (size_t i = q->ncl; i-- > 0;) {
		struct qcluster *c = q->cl[i];
		c->added = false;
		for (size_t k = 0; k < c->nprocs; k++)
			c->procs[k].dirty = 0;
		if (c->nlive < c->nprocs)
			qstate_cluster_sweep(q, i);
	}
	qstate_tx_clear(q);
}

static void maybe_compact(struct queue *q);

int
queue_commit(struct queue *q, struct error *err)
{
	if (check_writable(q, err) < 0)
		return -1;
	if (!q->tx)
		return 0;
	struct history_writer *hw = NULL;
	if (count_removed(q) > 0 && (hw = write_history(q, err)) == NULL) {
		q->broken = true;
		return -1;
	}
	struct strbuf doc = STRBUF_INIT;
	put_transaction(&doc, q);
	int rc = append_journal(q, &doc, err);
	strbuf_release(&doc);
	if (hw != NULL) {
		if (rc < 0)
			history_writer_undo(hw, NULL);
		history_writer_free(hw);
	}
	if (rc < 0) {
		q->broken = true;
		return -1;
	}
	q->seq++;
	for (size_t i = 0; i < q->ncl; i++)
		if (q->cl[i]->added && q->cl[i]->id >= q->disk_next)
			q->disk_next = q->cl[i]->id + 1;
	tx_finish(q);
	maybe_compact(q);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Compaction                                                           */
/* ------------------------------------------------------------------ */

static size_t
ad_bytes(const struct classad *ad)
{
	size_t n = 8;
	for (size_t i = 0, k = classad_size(ad); i < k; i++)
		n += strlen(classad_name_at(ad, i)) + strlen(classad_text_at(ad, i)) + 6;
	return n;
}

/* Roughly how large a snapshot of the live queue would be. */
static size_t
snapshot_estimate(const struct queue *q)
{
	size_t n = 64;
	for (size_t i = 0; i < q->ncl; i++) {
		const struct qcluster *c = q->cl[i];
		n += ad_bytes(c->ad) + 64;
		for (size_t k = 0; k < c->nprocs; k++)
			n += ad_bytes(c->procs[k].ad);
	}
	return n;
}

/*
 * The estimate walks every ad, so a long-lived writer with a large queue
 * (the daemon commits many times a second) looks again only after the
 * journal has grown by an eighth since a look that found nothing to do.
 */
static void
maybe_compact(struct queue *q)
{
	if (q->jsize <= COMPACT_MIN || q->jsize < q->compact_next)
		return;
	if (q->jsize / COMPACT_RATIO <= snapshot_estimate(q)) {
		q->compact_next = q->jsize + q->jsize / 8;
		return;
	}
	/* the commit is durable already; a failed compaction leaves the
	 * journal as it was, and the next commit tries again */
	queue_compact(q, NULL);
}

int
queue_compact(struct queue *q, struct error *err)
{
	if (check_writable(q, err) < 0)
		return -1;
	if (q->tx)
		return error_set(err, "'%s': cannot compact with uncommitted changes",
				 q->journal);
	struct strbuf doc = STRBUF_INIT, tmp = STRBUF_INIT;
	size_t start = journal_begin(&doc, q->seq + 1);
	journal_op_next(&doc, true, q->next_cluster);
	for (size_t i = 0; i < q->ncl; i++)
		put_cluster(&doc, q->cl[i], &tmp);
	journal_end(&doc, start, q->seq + 1);
	strbuf_release(&tmp);

	char *tmppath = xasprintf("%s.tmp", q->journal);
	int fd = open(tmppath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = -1;
	if (fd < 0) {
		error_errno(err, "create '%s'", tmppath);
		goto out;
	}
	if (fileio_write_all(fd, doc.buf, doc.len, tmppath, err) < 0)
		goto out;
	if (fsync(fd) < 0) {
		error_errno(err, "fsync '%s'", tmppath);
		goto out;
	}
	if (rename(tmppath, q->journal) < 0) {
		error_errno(err, "rename '%s' to '%s'", tmppath, q->journal);
		goto out;
	}
	/* From here the new file is the journal.  fd is it, but opened
	 * without O_APPEND; reopen so later commits append. */
	rc = 0;
	int nfd = open(q->journal, O_RDWR | O_APPEND | O_CLOEXEC);
	if (nfd < 0 || fileio_fsync_dir(q->spool, err) < 0) {
		if (nfd < 0)
			error_errno(err, "open '%s'", q->journal);
		else
			close(nfd);
		q->broken = true;
		rc = -1;
		nfd = -1;
	}
	close(q->jfd);
	q->jfd = nfd;
	q->jsize = doc.len;
	q->seq++;
	q->disk_next = q->next_cluster;
	q->compact_next = 0;
	if (nfd >= 0) {
		/* the journal is a new file now: remember it, so a refresh
		 * of this handle does not take its own compaction for a
		 * stranger's and load afresh */
		struct stat st;
		if (fstat(nfd, &st) == 0) {
			q->dev = st.st_dev;
			q->ino = st.st_ino;
		} else {
			q->have_file = false;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && !q->broken)
		unlink(tmppath);
	free(tmppath);
	strbuf_release(&doc);
	return rc;
}
