/*
 * spool.h - a job's spooled files: where they live and the all-or-nothing
 * commit of a checkpoint.
 *
 * A job's spool directory is HTCondor's
 *   SPOOL/<cluster % 10000>/<proc % 10000>/cluster<C>.proc<P>.subproc0
 * (the "jobspool").  It holds the last committed set of files.  A commit
 * builds the next set in the sibling "<jobspool>.new", makes it durable, and
 * exchanges the two names in one renameat2(RENAME_EXCHANGE); the old set is
 * then removed from ".new".  So at every instant, also after SIGKILL or power
 * loss, <jobspool> is either the previous complete set or the new complete
 * set, and the only possible debris is "<jobspool>.new", which
 * spool_recover() removes.
 *
 * The spool is additive, as in HTCondor: entries of the live set that the
 * commit does not name are kept (hard-linked into the new set, never copied).
 * Sets are never modified in place once committed, which is what makes
 * sharing inodes between the old and the new set safe.
 *
 * The jobspool directory is 0700 (private to the job's owner); the shared
 * <C%10000> and <P%10000> parents are 0755 like HTCondor's, since they hold
 * nothing but directories.
 */
#ifndef CONDORLET_SPOOL_H
#define CONDORLET_SPOOL_H

#include <stddef.h>

struct error;

/* The jobspool path for cluster.proc under spool (caller frees). */
char *spool_job_dir(const char *spool, int cluster, int proc);

/*
 * Commits sandbox/names[0..n) into jobspool as one new checkpoint.  Each
 * name is a regular file or a directory (copied recursively) inside the
 * sandbox; a name that is missing, unsafe (see transfer.h), a symlink, or a
 * directory holding a symlink or a special file fails the commit, as does
 * any I/O error (ENOSPC included).  On failure the live set is untouched and
 * no ".new" is left behind; err names the file and the reason.  A listed
 * file identical (type, size, mtime, mode) to the live copy is hard-linked
 * rather than copied.
 */
int spool_commit(const char *sandbox, const char *const *names, size_t n,
		 const char *jobspool, struct error *err);

/*
 * Copies every entry of jobspool into sandbox, replacing same-named entries
 * there (spooled files win over inputs).  A missing jobspool is not an
 * error: the job has never checkpointed.
 */
int spool_restore(const char *jobspool, const char *sandbox, struct error *err);

/* Removes the debris of an interrupted commit of jobspool (its ".new" and
 * ".old" siblings).  Idempotent; 0 if there was nothing to do. */
int spool_recover(const char *jobspool, struct error *err);
/* spool_recover for every job under spool: run once at daemon start-up. */
int spool_recover_all(const char *spool, struct error *err);

/*
 * Removes the job's spool directory with its siblings, then the
 * <C%10000>/<P%10000> and <C%10000> parents if that left them empty.
 * A job without a spool directory is not an error.
 */
int spool_remove_job(const char *spool, int cluster, int proc,
		     struct error *err);

/* The brief's names for the same operations. */
#define transfer_commit_to_spool spool_commit
#define transfer_restore_spool spool_restore

#endif
