/*
 * queue_int.h - the queue module's private state, shared by queue.c
 * (state, replay, opening, reading) and queue_commit.c (changes,
 * transactions, compaction).  Nothing outside libcore/queue*.c may
 * include this file.
 *
 * In memory, clusters sit in an array sorted by id and each cluster's procs
 * in an array sorted by proc id: iteration is in (cluster, proc) order and
 * lookups are binary searches, with no per-job hashing.  A job removed in
 * the open transaction stays as a tombstone (removed == true, ad intact)
 * until commit, so iterators and borrowed pointers stay valid and its ad
 * can still go to the history file.
 */
#ifndef CONDORLET_QUEUE_INT_H
#define CONDORLET_QUEUE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arena.h"
#include "queue.h"

struct qproc {
	struct classad *ad;
	int id;
	bool removed;		/* tombstone, until commit */
	uint32_t dirty;		/* 1 + index into queue.dirty; 0 if untouched */
};

struct qcluster {
	int id;
	bool added;		/* created by the open transaction */
	struct classad *ad;
	struct qproc *procs;	/* sorted by id */
	size_t nprocs, alloc;
	size_t nlive;		/* procs that are not tombstones */
};

/* The attribute names one job had touched in the open transaction. */
struct qdirty {
	uint32_t *names;	/* indexes into queue.names */
	size_t n, alloc;
};

/* The canonical form of a recently set text, so a value set on 100,000
 * jobs is parsed once. */
#define CANON_SLOTS 8
struct canon {
	char *text, *canonical;
};

struct queue {
	enum queue_mode mode;
	char *spool, *journal, *lockpath, *history;
	int lockfd;		/* holds the flock; -1 when reading */
	int jfd;		/* the journal, O_APPEND; -1 when reading */
	struct qcluster **cl;	/* sorted by id */
	size_t ncl, acl;
	size_t njobs;		/* live procs */
	int next_cluster;	/* lowest id never handed out */
	int disk_next;		/* the same, as the journal on disk says */
	unsigned long long seq;	/* of the last committed transaction */
	size_t jsize;		/* bytes of valid journal */
	bool broken;		/* a commit failed: only queue_close is allowed */
	/* the open transaction */
	bool tx;		/* something to commit */
	struct qdirty *dirty;
	size_t ndirty, adirty;
	char **names;		/* interned attribute names, any case */
	size_t nnames, anames, name_hint;
	struct canon canon[CANON_SLOTS];
	size_t canon_next;
	/* Names and texts of replayed set records, lent to every proc ad the
	 * record touched (classad_set_text_borrowed): one copy of a value
	 * set on 100,000 jobs, not 100,000.  Freed after the ads. */
	char **lent;
	size_t nlent, alent;
	/* The names and texts of every ad replayed from the journal. */
	struct arena arena;
	/* A long-lived handle (queue_refresh, QUEUE_DAEMON): which file the
	 * state was loaded from, so a journal replaced by another process's
	 * compaction is noticed and loaded afresh. */
	dev_t dev;
	ino_t ino;
	bool have_file;		/* dev/ino are known */
	bool locked;		/* QUEUE_DAEMON between queue_lock and queue_unlock */
	size_t loaded;		/* bytes replayed by the last full load */
	size_t replayed;	/* bytes replayed since, by queue_refresh */
	queue_watch_fn *watch;	/* told about what queue_refresh replays */
	void *watch_arg;
	bool notify;		/* replaying a tail: note what changes */
	struct qnote {
		enum queue_change what;
		int cluster, lo, hi;
	} *notes;		/* for watch, delivered after the replay */
	size_t nnotes, anotes;
	size_t compact_next;	/* journal size at which to look again */
};

/* true if q may write: QUEUE_WRITE, or QUEUE_DAEMON while locked. */
bool qstate_writer(const struct queue *q);

/* The cluster with this id (tombstoned or not), or NULL; *pos (if not
 * NULL) gets its index, or where it would be inserted. */
struct qcluster *qstate_cluster_at(const struct queue *q, int id, size_t *pos);
/* A live (not removed) job, or NULL; *cp gets its cluster. */
struct qproc *qstate_job_at(const struct queue *q, int cluster, int proc,
			    struct qcluster **cp);
void qstate_ad_free(struct classad *ad);
/* Frees c, its ad and every proc ad. */
void qstate_cluster_free(struct qcluster *c);
/* Inserts c (an id not present) and counts its live procs. */
void qstate_cluster_insert(struct queue *q, struct qcluster *c);
/* Frees the tombstones of q->cl[pos] and closes the gaps; a cluster left
 * without procs is dropped.  Returns false if it was dropped. */
bool qstate_cluster_sweep(struct queue *q, size_t pos);
/* Forgets the open transaction's bookkeeping (not its effects). */
void qstate_tx_clear(struct queue *q);

#endif
