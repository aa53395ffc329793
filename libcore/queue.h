/*
 * queue.h - the job queue on disk.
 *
 * Owns SPOOL/job_queue.log (the journal), SPOOL/job_queue.lock, and the
 * history file SPOOL/history (see history.h; written from queue_commit).
 * A process must not open the queue for writing twice: the second open
 * would wait forever for the first one's lock.  Nothing else
 * opens those files.
 *
 * The journal is a sequence of YAML documents.  Each is one transaction
 * and ends with a commit record holding a sequence number and a CRC-32 of
 * the document's bytes; a reader replays documents up to the first one
 * without a valid commit record, so a torn tail (a writer killed mid-append,
 * a power cut) is simply not there.  The first document may be a snapshot
 * (written by compaction, which rewrites the live state to a new file and
 * renames it over the journal), so the file stays proportional to the live
 * queue.  Cluster ads hold what all procs of the cluster share; proc ads
 * hold only what differs, and their parent is the cluster ad.
 *
 * Invariants:
 *   - queue_commit returns 0 only after the transaction is fdatasync'ed;
 *     until then nothing is visible to any reader.  A failed or abandoned
 *     transaction changes nothing, on disk or in memory for other handles.
 *   - Writers hold an exclusive flock on job_queue.lock from queue_open
 *     until queue_close, so transactions are serialised and cluster ids are
 *     never handed out twice.  Readers take no lock (they see a committed
 *     prefix of the journal, or the old file across a compaction rename).
 *   - Cluster ids are never reused, even after the cluster leaves the queue.
 */
#ifndef CONDORLET_QUEUE_H
#define CONDORLET_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct classad;
struct error;
struct queue;

enum queue_mode {
	QUEUE_READ,	/* a consistent read-only view, no lock */
	QUEUE_WRITE,	/* exclusive; allows one transaction at a time */
	QUEUE_DAEMON,	/* long-lived: no lock while idle; queue_lock to write */
};

/*
 * Opens the queue in spool_dir (created 0700 if missing, in write mode).
 * Returns NULL with err set on failure.
 */
struct queue *queue_open(const char *spool_dir, enum queue_mode mode,
			 struct error *err);
/* Drops any uncommitted changes, releases the lock, frees everything
 * (every classad obtained from the queue becomes invalid). */
void queue_close(struct queue *q);

/* ---- reading: jobs in (cluster, proc) order ---- */

struct queue_iter {
	size_t ci, pi;	/* opaque position; zero-initialise to start */
};
/*
 * Returns the next job's proc ad (its parent is the cluster ad), or NULL
 * at the end; *cluster and *proc get its id.  Borrowed: valid until the
 * queue is closed or the job is deleted in an uncommitted transaction.
 * Iteration sees the handle's own uncommitted changes.
 */
struct classad *queue_next(struct queue *q, struct queue_iter *it,
			   int *cluster, int *proc);
struct classad *queue_find(struct queue *q, int cluster, int proc);
const struct classad *queue_cluster_ad(struct queue *q, int cluster);
/* Number of jobs (procs) in the queue, and clusters. */
size_t queue_job_count(const struct queue *q);
bool queue_cluster_exists(const struct queue *q, int cluster);

/* ---- writing (QUEUE_WRITE only); changes are buffered until commit ---- */

/* Reserves and returns the next cluster id (>= 1). */
int queue_new_cluster_id(struct queue *q);
/*
 * Adds a cluster and its procs.  Takes ownership of cluster_ad and of each
 * procs[i], even on failure, and sets every procs[i] to NULL (the array
 * itself stays the caller's; use queue_find to reach a proc afterwards);
 * sets each proc ad's parent to cluster_ad.  Each proc ad must hold its
 * ProcId (unique within the cluster), and cluster must not be below an id
 * already used.
 */
int queue_add_cluster(struct queue *q, int cluster, struct classad *cluster_ad,
		      struct classad **procs, size_t nprocs, struct error *err);
/* Sets an attribute of one job (in its proc ad) from canonical ClassAd
 * text.  Returns -1 if the job does not exist or text does not parse. */
int queue_set_attr(struct queue *q, int cluster, int proc, const char *name,
		   const char *text, struct error *err);
/* Deletes name from the job's proc ad only; a value the job inherits from
 * its cluster ad stays visible (callers that must hide it set it to
 * undefined instead). */
int queue_delete_attr(struct queue *q, int cluster, int proc, const char *name,
		      struct error *err);
/* Removes a job from the queue; at commit its full (flattened) ad is
 * appended to the history file before the journal records the removal.
 * A cluster whose last proc leaves is removed too. */
int queue_remove_job(struct queue *q, int cluster, int proc, struct error *err);
/* Makes every buffered change durable, in one transaction.  On failure
 * nothing was committed and the handle must be closed. */
int queue_commit(struct queue *q, struct error *err);

/* Rewrites the journal as a snapshot of the live queue (also done
 * automatically by queue_commit once the journal has grown well past the
 * live state).  Requires QUEUE_WRITE. */
int queue_compact(struct queue *q, struct error *err);

/* ---- long-lived handles (the daemon) ---- */

/*
 * A long-lived handle keeps its state current by replaying only what other
 * processes committed since it last looked: queue_refresh reads the journal
 * from the offset it had reached.  When the journal file was replaced (a
 * compaction by another process: its device/inode changed) or the replayed
 * tail has grown large compared with the state, it loads afresh instead,
 * which also returns the memory the replayed texts held.
 *
 * A QUEUE_DAEMON handle holds no lock while idle.  queue_lock takes the
 * queue lock and refreshes; until queue_unlock the handle writes exactly as
 * a QUEUE_WRITE one does (queue_set_attr ... queue_commit).  The lock must
 * never be held while waiting for anything else.
 */

/* What a refresh replayed, as queue_watch reports it. */
enum queue_change {
	QUEUE_CHANGED,		/* procs were added or had attributes changed */
	QUEUE_REMOVED,		/* procs left the queue (to the history) */
	QUEUE_RELOADED,		/* everything: the state was loaded afresh */
};

/*
 * Called by queue_refresh for what it replays: procs lo..hi of cluster
 * (hi may be INT_MAX for "every proc") changed or were removed.  After
 * QUEUE_RELOADED (cluster, lo and hi are then 0) every borrowed pointer is
 * invalid and anything derived from the queue must be rebuilt.  Called
 * after the replay, never in the middle of a transaction; the handle's own
 * changes are never reported.
 */
typedef void queue_watch_fn(void *arg, enum queue_change what, int cluster,
			    int lo, int hi);
void queue_watch(struct queue *q, queue_watch_fn *fn, void *arg);

/*
 * Brings a QUEUE_READ or QUEUE_DAEMON handle up to date with the journal
 * (a QUEUE_WRITE handle is always current: it returns 0).  A transaction
 * still being written by another process is left for the next call.
 * Borrowed ads of jobs that changed may be invalid afterwards.  -1 with err
 * set if the journal cannot be read; the state is then unchanged, or empty
 * after a failed reload.  Refused while the handle has uncommitted changes.
 */
int queue_refresh(struct queue *q, struct error *err);
/* QUEUE_DAEMON only: takes the queue lock (waiting for other writers) and
 * refreshes.  -1 with err set, and no lock held, on failure. */
int queue_lock(struct queue *q, struct error *err);
/* Releases the lock.  Changes not committed by then cannot be undone in
 * memory: the handle is then refused everything but queue_close. */
void queue_unlock(struct queue *q);

/* Paths, for tools and tests: borrowed, valid while q is open. */
const char *queue_journal_path(const struct queue *q);
const char *queue_history_path(const struct queue *q);

#endif
