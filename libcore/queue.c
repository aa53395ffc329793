/*
 * queue.c - see queue.h; the private state is described in queue_int.h,
 * the record format in journal.h, and changes and commits are in
 * queue_commit.c.
 *
 * Opening replays the journal: each framed, CRC-checked document is parsed
 * whole and only then applied, so a transaction is seen entirely or not
 * at all.  Applying is lenient (a record naming a job that is gone is a
 * no-op), because every record that reaches it was written by us.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "journal.h"
#include "queue.h"
#include "queue_int.h"
#include "arena.h"
#include "xalloc.h"
#include "banned.h"

/* A journal larger than this is refused rather than read into memory. */
#define JOURNAL_MAX ((size_t)2 << 30)

/* ------------------------------------------------------------------ */
/* In-memory state                                                      */
/* ------------------------------------------------------------------ */

struct qcluster *
qstate_cluster_at(const struct queue *q, int id, size_t *pos)
{
	size_t lo = 0, hi = q->ncl;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (q->cl[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return lo < q->ncl && q->cl[lo]->id == id ? q->cl[lo] : NULL;
}

/* Index of the first proc with id >= id. */
static size_t
proc_lower(const struct qcluster *c, int id)
{
	size_t lo = 0, hi = c->nprocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->procs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct qproc *
qstate_job_at(const struct queue *q, int cluster, int proc, struct qcluster **cp)
{
	struct qcluster *c = qstate_cluster_at(q, cluster, NULL);
	if (c == NULL)
		return NULL;
	size_t i = proc_lower(c, proc);
	if (i == c->nprocs || c->procs[i].id != proc || c->procs[i].removed)
		return NULL;
	if (cp)
		*cp = c;
	return &c->procs[i];
}

void
qstate_ad_free(struct classad *ad)
{
	if (ad != NULL)
		classad_free(ad);
}

void
qstate_cluster_free(struct qcluster *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		qstate_ad_free(c->procs[i].ad);
	free(c->procs);
	qstate_ad_free(c->ad);
	free(c);
}

void
qstate_cluster_insert(struct queue *q, struct qcluster *c)
{
	size_t pos;
	qstate_cluster_at(q, c->id, &pos);
	XGROW(q->cl, q->ncl + 1, q->acl);
	memmove(q->cl + pos + 1, q->cl + pos, (q->ncl - pos) * sizeof(*q->cl));
	q->cl[pos] = c;
	q->ncl++;
	q->njobs += c->nlive;
	if (c->id >= q->next_cluster)
		q->next_cluster = c->id + 1;
}

bool
qstate_cluster_sweep(struct queue *q, size_t pos)
{
	struct qcluster *c = q->cl[pos];
	size_t o = 0;
	for (size_t i = 0; i < c->nprocs; i++) {
		if (c->procs[i].removed)
			qstate_ad_free(c->procs[i].ad);
		else
			c->procs[o++] = c->procs[i];
	}
	c->nprocs = o;
	if (o > 0)
		return true;
	qstate_cluster_free(c);
	memmove(q->cl + pos, q->cl + pos + 1, (q->ncl - pos - 1) * sizeof(*q->cl));
	q->ncl--;
	return false;
}

/* Remembers, for the watcher, that procs lo..hi of cluster changed. */
static void
note(struct queue *q, enum queue_change what, int cluster, int lo, int hi)
{
	if (!q->notify)
		return;
	if (q->nnotes > 0) {
		struct qnote *n = &q->notes[q->nnotes - 1];
		if (n->what == what && n->cluster == cluster && n->lo == lo &&
		    n->hi == hi)
			return;
	}
	XGROW(q->notes, q->nnotes + 1, q->anotes);
	q->notes[q->nnotes++] = (struct qnote){ what, cluster, lo, hi };
}

static void
clear_all(struct queue *q)
{
	for (size_t i = 0; i < q->ncl; i++)
		qstate_cluster_free(q->cl[i]);
	q->ncl = 0;
	q->njobs = 0;
}

/* ------------------------------------------------------------------ */
/* Replay                                                               */
/* ------------------------------------------------------------------ */

static void
apply_cluster(struct queue *q, struct jop *op)
{
	size_t pos;
	if (qstate_cluster_at(q, op->cluster, &pos) != NULL) {
		/* only a hand-made journal says this twice: the later wins */
		q->njobs -= q->cl[pos]->nlive;
		qstate_cluster_free(q->cl[pos]);
		memmove(q->cl + pos, q->cl + pos + 1, (q->ncl - pos - 1) * sizeof(*q->cl));
		q->ncl--;
	}
	struct qcluster *c = xcalloc(1, sizeof(*c));
	c->id = op->cluster;
	c->ad = op->ad;
	op->ad = NULL;
	c->procs = xreallocarray(NULL, op->nads, sizeof(*c->procs));
	c->nprocs = c->alloc = c->nlive = op->nads;
	for (size_t i = 0; i < op->nads; i++) {
		c->procs[i] = (struct qproc){ .ad = op->ads[i], .id = op->ids[i] };
		classad_set_parent(op->ads[i], c->ad);
		op->ads[i] = NULL;
	}
	op->nads = 0;
	qstate_cluster_insert(q, c);
	note(q, QUEUE_CHANGED, c->id, 0, INT_MAX);
}

/* Keeps a set record's strings for the life of q (see queue_int.h). */
static void
keep_lent(struct queue *q, struct jop *op)
{
	XGROW(q->lent, q->nlent + 2 * op->nattrs, q->alent);
	for (size_t k = 0; k < op->nattrs; k++) {
		q->lent[q->nlent++] = op->names[k];
		q->lent[q->nlent++] = op->texts[k];
		op->names[k] = op->texts[k] = NULL;
	}
}

/* set, unset or remove over the procs in op->ranges that exist. */
static void
apply_attrs(struct queue *q, struct jop *op)
{
	size_t pos;
	struct qcluster *c = qstate_cluster_at(q, op->cluster, &pos);
	if (c == NULL)
		return;
	for (size_t r = 0; r < op->nranges; r++) {
		note(q, op->type == JOP_REMOVE ? QUEUE_REMOVED : QUEUE_CHANGED,
		     op->cluster, op->ranges[r].lo, op->ranges[r].hi);
		for (size_t i = proc_lower(c, op->ranges[r].lo);
		     i < c->nprocs && c->procs[i].id <= op->ranges[r].hi; i++) {
			struct qproc *p = &c->procs[i];
			if (op->type == JOP_REMOVE) {
				p->removed = true;
				c->nlive--;
				q->njobs--;
				continue;
			}
			for (size_t k = 0; k < op->nattrs; k++) {
				if (op->type == JOP_SET)
					classad_set_text_borrowed(p->ad, op->names[k], op->texts[k]);
				else
					classad_delete(p->ad, op->names[k]);
			}
		}
	}
	if (op->type == JOP_REMOVE)
		qstate_cluster_sweep(q, pos);
	if (op->type == JOP_SET)
		keep_lent(q, op);
}

static void
apply_op(struct queue *q, struct jop *op)
{
	switch (op->type) {
	case JOP_SNAPSHOT:
		clear_all(q);
		q->next_cluster = op->next;
		note(q, QUEUE_RELOADED, 0, 0, 0);
		break;
	case JOP_NEXT_CLUSTER:
		if (op->next > q->next_cluster)
			q->next_cluster = op->next;
		break;
	case JOP_CLUSTER:
		apply_cluster(q, op);
		break;
	case JOP_SET:
	case JOP_UNSET:
	case JOP_REMOVE:
		apply_attrs(q, op);
		break;
	}
}

/*
 * Applies every valid transaction in buf; *valid_end gets the offset just
 * past the last one.  What follows is a torn tail unless it holds another
 * valid transaction: a writer then refuses, since truncating would throw
 * away committed work.
 */
static int
replay(struct queue *q, const char *buf, size_t len, bool first,
       size_t *valid_end, struct error *err)
{
	size_t pos = 0;
	struct error perr = { "" };
	for (;;) {
		struct jframe f;
		struct jdoc doc;
		int r = journal_frame(buf, len, pos, &f);
		if (r == 0)
			break;
		if (r < 0)
			break;
		if (!first && f.seq != q->seq + 1) {
			error_set(&perr, "sequence number %llu after %llu", f.seq, q->seq);
			break;
		}
		if (journal_parse(buf, &f, &q->arena, &doc, &perr) < 0)
			break;
		for (size_t i = 0; i < doc.nops; i++)
			apply_op(q, &doc.ops[i]);
		journal_doc_release(&doc);
		q->seq = f.seq;
		first = false;
		pos = f.end;
	}
	*valid_end = pos;
	q->disk_next = q->next_cluster;
	if (pos < len && qstate_writer(q) && journal_valid_after(buf, len, pos))
		return error_set(err, "'%s': damaged transaction at byte %zu%s%s is "
				 "followed by committed data; not truncating it "
				 "(move the file aside to start an empty queue)",
				 q->journal, pos, perr.msg[0] ? ": " : "", perr.msg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Opening and closing                                                  */
/* ------------------------------------------------------------------ */

/* Reads fd from byte offset base to its end. */
static int
read_fd(int fd, const char *path, size_t base, char **out, size_t *lenp,
	struct error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat '%s'", path);
	if ((size_t)st.st_size > JOURNAL_MAX)
		return error_set(err, "'%s' is too large (%lld bytes)", path,
				 (long long)st.st_size);
	size_t cap = (size_t)st.st_size > base ? (size_t)st.st_size - base + 1 : 1;
	size_t len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap > JOURNAL_MAX) {
				free(buf);
				return error_set(err, "'%s' is too large", path);
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t n = pread(fd, buf + len, cap - len, (off_t)(base + len));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno(err, "read '%s'", path);
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*lenp = len;
	return 0;
}

static int
take_lock(struct queue *q, struct error *err)
{
	while (flock(q->lockfd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return error_errno(err, "lock '%s'", q->lockpath);
	}
	q->locked = true;
	return 0;
}

static int
lock_queue(struct queue *q, struct error *err)
{
	if (fileio_mkdirs(q->spool, 0700, err) < 0)
		return -1;
	q->lockfd = open(q->lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (q->lockfd < 0)
		return error_errno(err, "open '%s'", q->lockpath);
	return take_lock(q, err);
}

bool
qstate_writer(const struct queue *q)
{
	return q->mode == QUEUE_WRITE || (q->mode == QUEUE_DAEMON && q->locked);
}

/* Remembers which file the state comes from. */
static int
remember_file(struct queue *q, int fd, struct error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat '%s'", q->journal);
	q->dev = st.st_dev;
	q->ino = st.st_ino;
	q->have_file = true;
	return 0;
}

static int
open_journal_rw(struct queue *q, struct error *err)
{
	q->jfd = open(q->journal, O_RDWR | O_APPEND | O_CLOEXEC);
	if (q->jfd >= 0)
		return 0;
	if (errno != ENOENT)
		return error_errno(err, "open '%s'", q->journal);
	q->jfd = open(q->journal, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (q->jfd < 0)
		return error_errno(err, "create '%s'", q->journal);
	return fileio_fsync_dir(q->spool, err);
}

/* Reads and replays the journal; a writer cuts off a torn tail. */
/* A writer cuts a torn tail off at valid, where the journal's state ends. */
static int
cut_tail(struct queue *q, size_t valid, size_t len, struct error *err)
{
	if (!qstate_writer(q) || valid == len)
		return 0;
	if (ftruncate(q->jfd, (off_t)valid) < 0)
		return error_errno(err, "truncate '%s'", q->journal);
	if (fsync(q->jfd) < 0)
		return error_errno(err, "fsync '%s'", q->journal);
	return 0;
}

/* Reads and replays the journal; a writer cuts off a torn tail. */
static int
load(struct queue *q, struct error *err)
{
	char *buf = NULL;
	size_t len = 0, valid = 0;
	if (remember_file(q, q->jfd, err) < 0 ||
	    read_fd(q->jfd, q->journal, 0, &buf, &len, err) < 0)
		return -1;
	int rc = replay(q, buf, len, true, &valid, err);
	free(buf);
	q->jsize = valid;
	q->loaded = valid;
	q->replayed = 0;
	if (rc < 0)
		return rc;
	return cut_tail(q, valid, len, err);
}

struct queue *
queue_open(const char *spool_dir, enum queue_mode mode, struct error *err)
{
	struct queue *q = xcalloc(1, sizeof(*q));
	q->mode = mode;
	q->spool = xstrdup(spool_dir);
	q->journal = fileio_join(spool_dir, "job_queue.log");
	q->lockpath = fileio_join(spool_dir, "job_queue.lock");
	q->history = fileio_join(spool_dir, "history");
	q->lockfd = q->jfd = -1;
	q->next_cluster = q->disk_next = 1;
	if (mode == QUEUE_WRITE || mode == QUEUE_DAEMON) {
		if (lock_queue(q, err) < 0 || open_journal_rw(q, err) < 0)
			goto fail;
	} else {
		q->jfd = open(q->journal, O_RDONLY | O_CLOEXEC);
		if (q->jfd < 0 && errno == ENOENT)
			return q;	/* no queue yet: an empty one */
		if (q->jfd < 0) {
			error_errno(err, "open '%s'", q->journal);
			goto fail;
		}
	}
	if (load(q, err) < 0)
		goto fail;
	if (mode == QUEUE_READ) {
		close(q->jfd);
		q->jfd = -1;
	}
	if (mode == QUEUE_DAEMON)
		queue_unlock(q);
	return q;
fail:
	queue_close(q);
	return NULL;
}

void
qstate_tx_clear(struct queue *q)
{
	for (size_t i = 0; i < q->ndirty; i++)
		free(q->dirty[i].names);
	q->ndirty = 0;
	for (size_t i = 0; i < q->nnames; i++)
		free(q->names[i]);
	q->nnames = 0;
	q->tx = false;
}

void
queue_close(struct queue *q)
{
	if (q == NULL)
		return;
	qstate_tx_clear(q);
	free(q->dirty);
	free(q->names);
	free(q->notes);
	for (size_t i = 0; i < CANON_SLOTS; i++) {
		free(q->canon[i].text);
		free(q->canon[i].canonical);
	}
	clear_all(q);
	free(q->cl);
	for (size_t i = 0; i < q->nlent; i++)
		free(q->lent[i]);
	free(q->lent);
	arena_free(&q->arena);
	if (q->jfd >= 0)
		close(q->jfd);
	if (q->lockfd >= 0)
		close(q->lockfd);	/* releases the flock */
	free(q->spool);
	free(q->journal);
	free(q->lockpath);
	free(q->history);
	free(q);
}

/* ------------------------------------------------------------------ */
/* Reading                                                              */
/* ------------------------------------------------------------------ */

/*
 * The iterator holds ids, not array indexes: ci is the cluster id to look
 * at next and pi the lowest proc id wanted in it.  Each step is a binary
 * search, so iteration stays correct across removals, additions and
 * commits made while it is under way.
 */
struct classad *
queue_next(struct queue *q, struct queue_iter *it, int *cluster, int *proc)
{
	size_t pos;
	if (it->ci > INT_MAX)
		return NULL;
	qstate_cluster_at(q, (int)it->ci, &pos);
	for (; pos < q->ncl; pos++) {
		struct qcluster *c = q->cl[pos];
		size_t i = (size_t)c->id == it->ci && it->pi <= INT_MAX
				   ? proc_lower(c, (int)it->pi)
				   : (size_t)c->id == it->ci ? c->nprocs : 0;
		while (i < c->nprocs && c->procs[i].removed)
			i++;
		if (i == c->nprocs)
			continue;
		it->ci = (size_t)c->id;
		it->pi = (size_t)c->procs[i].id + 1;
		if (cluster)
			*cluster = c->id;
		if (proc)
			*proc = c->procs[i].id;
		return c->procs[i].ad;
	}
	it->ci = (size_t)INT_MAX + 1;
	return NULL;
}

struct classad *
queue_find(struct queue *q, int cluster, int proc)
{
	struct qproc *p = qstate_job_at(q, cluster, proc, NULL);
	return p ? p->ad : NULL;
}

const struct classad *
queue_cluster_ad(struct queue *q, int cluster)
{
	struct qcluster *c = qstate_cluster_at(q, cluster, NULL);
	return c && c->nlive > 0 ? c->ad : NULL;
}

size_t
queue_job_count(const struct queue *q)
{
	return q->njobs;
}

bool
queue_cluster_exists(const struct queue *q, int cluster)
{
	struct qcluster *c = qstate_cluster_at(q, cluster, NULL);
	return c != NULL && c->nlive > 0;
}

const char *
queue_journal_path(const struct queue *q)
{
	return q->journal;
}

const char *
queue_history_path(const struct queue *q)
{
	return q->history;
}

/* ------------------------------------------------------------------ */
/* Long-lived handles                                                   */
/* ------------------------------------------------------------------ */

/* Replayed tails keep their texts until the next full load; load afresh
 * once they outgrow the loaded state by this much. */
#define RELOAD_SLACK ((size_t)16 << 20)

void
queue_watch(struct queue *q, queue_watch_fn *fn, void *arg)
{
	q->watch = fn;
	q->watch_arg = arg;
}

/* Forgets the whole state, and every text the replays lent to it. */
static void
reset_state(struct queue *q)
{
	clear_all(q);
	for (size_t i = 0; i < q->nlent; i++)
		free(q->lent[i]);
	q->nlent = 0;
	arena_free(&q->arena);
	q->seq = 0;
	q->next_cluster = q->disk_next = 1;
	q->jsize = q->loaded = q->replayed = 0;
	q->have_file = false;
	q->compact_next = 0;
}

/* Loads the state afresh from fd (-1: there is no journal, the queue is
 * empty), which becomes the handle's journal descriptor. */
static int
reload(struct queue *q, int fd, struct error *err)
{
	reset_state(q);
	if (q->jfd >= 0 && q->jfd != fd)
		close(q->jfd);
	q->jfd = fd;
	int rc = fd >= 0 ? load(q, err) : 0;
	if (rc < 0)
		reset_state(q);
	if (q->mode == QUEUE_READ && q->jfd >= 0) {
		close(q->jfd);
		q->jfd = -1;
	}
	q->nnotes = 0;
	bool was = q->notify;
	q->notify = true;
	note(q, QUEUE_RELOADED, 0, 0, 0);
	q->notify = was;
	return rc;
}

/* The journal as it is named now; -1 with errno ENOENT if there is none
 * (a locked daemon handle then creates it). */
static int
open_current(struct queue *q, struct error *err)
{
	if (q->mode == QUEUE_DAEMON && q->locked) {
		int keep = q->jfd;
		q->jfd = -1;
		if (open_journal_rw(q, err) < 0) {
			q->jfd = keep;
			return -2;
		}
		int fd = q->jfd;
		q->jfd = keep;
		return fd;
	}
	int flags = q->mode == QUEUE_DAEMON ? O_RDWR | O_APPEND : O_RDONLY;
	int fd = open(q->journal, flags | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		error_errno(err, "open '%s'", q->journal);
		return -2;
	}
	return fd;
}

/*
 * Replays what was appended to fd since the handle last read it.  Returns
 * 1 if the tail cannot follow the state (a complete transaction out of
 * sequence): the caller loads afresh.
 */
static int
replay_tail(struct queue *q, int fd, struct error *err)
{
	char *buf = NULL;
	size_t len = 0, valid = 0;
	if (read_fd(fd, q->journal, q->jsize, &buf, &len, err) < 0)
		return -1;
	if (len == 0) {
		free(buf);
		return 0;
	}
	q->notify = true;
	int rc = replay(q, buf, len, false, &valid, err);
	q->notify = false;
	struct jframe f;
	/* loading afresh helps unless this is where a fresh load stopped */
	bool stuck = valid < len && journal_frame(buf, len, valid, &f) == 1 &&
		     !(valid == 0 && q->replayed == 0);
	free(buf);
	q->jsize += valid;
	q->replayed += valid;
	if (rc < 0)
		return -1;
	if (stuck)
		return 1;
	/* Locked, nobody is writing: what does not parse is a torn tail. */
	return cut_tail(q, q->jsize, q->jsize + (len - valid), err);
}

static int
refresh(struct queue *q, struct error *err)
{
	struct stat st;
	bool same = false;
	if (stat(q->journal, &st) == 0)
		same = q->have_file && st.st_dev == q->dev && st.st_ino == q->ino;
	else if (errno != ENOENT)
		return error_errno(err, "stat '%s'", q->journal);
	else if (!q->have_file && !(q->mode == QUEUE_DAEMON && q->locked))
		return 0;	/* there was no queue, and there is none */
	if (same && q->replayed <= q->loaded + RELOAD_SLACK) {
		int fd = q->jfd;
		if (fd < 0 && (fd = open_current(q, err)) < -1)
			return -1;
		int rc = fd < 0 ? 1 : 0;
		if (fd >= 0 && fd != q->jfd) {
			/* renamed over between the stat and the open? */
			struct stat now;
			if (fstat(fd, &now) < 0 || now.st_dev != q->dev ||
			    now.st_ino != q->ino)
				rc = 1;
		}
		if (rc == 0)
			rc = replay_tail(q, fd, err);
		if (fd >= 0 && fd != q->jfd)
			close(fd);
		if (rc <= 0)
			return rc;
	}
	int fd = open_current(q, err);
	if (fd < -1)
		return -1;
	return reload(q, fd, err);
}

/* Hands the notes of a refresh to the watcher: a reload alone if there
 * was one, since it makes every other note moot. */
static void
deliver(struct queue *q)
{
	size_t n = q->nnotes;
	q->nnotes = 0;
	if (q->watch == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		if (q->notes[i].what == QUEUE_RELOADED) {
			q->watch(q->watch_arg, QUEUE_RELOADED, 0, 0, 0);
			return;
		}
	}
	for (size_t i = 0; i < n; i++)
		q->watch(q->watch_arg, q->notes[i].what, q->notes[i].cluster,
			 q->notes[i].lo, q->notes[i].hi);
}

int
queue_refresh(struct queue *q, struct error *err)
{
	if (q->mode == QUEUE_WRITE)
		return 0;
	if (q->broken)
		return error_set(err, "'%s': an earlier commit failed; reopen the queue",
				 q->journal);
	if (q->tx)
		return error_set(err, "'%s': cannot refresh with uncommitted changes",
				 q->journal);
	q->nnotes = 0;
	if (refresh(q, err) < 0) {
		q->nnotes = 0;
		return -1;
	}
	deliver(q);
	return 0;
}

int
queue_lock(struct queue *q, struct error *err)
{
	if (q->mode != QUEUE_DAEMON)
		return error_set(err, "'%s': queue_lock needs a daemon handle",
				 q->journal);
	if (q->locked)
		return error_set(err, "'%s': already locked", q->journal);
	if (q->broken)
		return error_set(err, "'%s': an earlier commit failed; reopen the queue",
				 q->journal);
	if (take_lock(q, err) < 0)
		return -1;
	if (queue_refresh(q, err) < 0) {
		queue_unlock(q);
		return -1;
	}
	return 0;
}

void
queue_unlock(struct queue *q)
{
	if (q == NULL || q->mode != QUEUE_DAEMON || !q->locked)
		return;
	if (q->tx)
		q->broken = true;
	flock(q->lockfd, LOCK_UN);
	q->locked = false;
}
