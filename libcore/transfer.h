/*
 * transfer.h - moving a job's files between the submit directory (Iwd), the
 * execute sandbox and the spool.
 *
 * Every copy goes through libarchive (archive_read_disk into
 * archive_write_disk), so modes, timestamps, directories and holes of sparse
 * files survive, and the writer's secure-extraction checks refuse to write
 * through a symlink or a ".." component.  Symlinks are never followed out of
 * a sandbox: a symlink anywhere in a set of files taken from a sandbox is an
 * error, not something to copy.  Directories this module creates are 0700;
 * files keep the job's mode bits minus group/other write.
 *
 * Names given to this module ("names" arrays, snapshot names) are relative
 * paths inside a directory: never absolute, never containing a ".." or "."
 * component or an empty one.  Anything else is refused with a message naming
 * the file.
 *
 * All functions return 0 (or a pointer) on success and -1 (or NULL) with err
 * filled on failure; err->msg names the file and the reason, e.g.
 * "checkpoint file 'out.dat': No such file or directory", which the caller
 * turns into a hold (HoldReasonCode 36 for a checkpoint).  Nothing prints.
 *
 * The spool side (spool.h) builds on the copy engine here.
 */
#ifndef CONDORLET_TRANSFER_H
#define CONDORLET_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

struct error;

/* ---- snapshots: what the sandbox looked like after input transfer ---- */

enum transfer_type {
	TRANSFER_FILE,
	TRANSFER_DIR,
	TRANSFER_SYMLINK,
	TRANSFER_OTHER,
};

struct transfer_entry {
	char *name;		/* relative path, '/'-separated */
	enum transfer_type type;
	int64_t size;
	int64_t mtime_ns;
	unsigned mode;		/* permission bits */
};

/*
 * A recursive listing of a sandbox, sorted by name.  The files HTCondor never
 * transfers back (.job.ad, .machine.ad, _condor_stdout, _condor_stderr and
 * the other starter-private names) are left out at the top level.  Symlinks
 * are recorded, not followed.  Owned by the caller: transfer_snapshot_free.
 */
struct transfer_snapshot {
	struct transfer_entry *v;
	size_t n;
	size_t alloc_;
};

/* Lists dir recursively (bounded depth and entry count); NULL on error. */
struct transfer_snapshot *transfer_snapshot_take(const char *dir,
						 struct error *err);
void transfer_snapshot_free(struct transfer_snapshot *snap);
/* true if name is one of the starter-private files never transferred out. */
int transfer_name_is_private(const char *name);

/*
 * Sets *names and *n to the regular files under dir that are new since snap or
 * whose type, size, mtime or mode changed (symlinks and other non-files are
 * not "files to transfer" and are left out).  The array and its strings are
 * the caller's: free with transfer_names_free.  snap may be NULL (everything
 * is new).  Returns 0 or -1.
 */
int transfer_changed_files(const struct transfer_snapshot *snap,
			   const char *dir, char ***names, size_t *n,
			   struct error *err);
void transfer_names_free(char **names, size_t n);

/* true if name is a safe relative name as described at the top. */
int transfer_name_ok(const char *name);

/* ---- into the sandbox ---- */

/*
 * Copies the executable src into sandbox/name with mode 0700.  Refuses a
 * src that is not a regular file (it may be a symlink to one: it is the
 * user's own file, named in the submit description).
 */
int transfer_executable(const char *src, const char *sandbox,
			const char *name, struct error *err);

/*
 * Copies each entry of list (TransferInput syntax: comma- or
 * whitespace-separated; relative to iwd unless absolute) into sandbox.  A
 * file lands at the top of the sandbox under its last path component; a
 * directory "d" is copied recursively as sandbox/d, and "d/" (trailing slash)
 * copies d's contents.  URLs are refused.  Keeps going past a bad entry and
 * reports the first failure at the end.
 */
int transfer_inputs(const char *iwd, const char *list, const char *sandbox,
		    struct error *err);

/* ---- back to the submit directory ---- */

/*
 * Copies each sandbox entry names[i] to iwd/<last component of names[i]>,
 * each through a temporary name beside the destination that is then renamed
 * over it (a directory is swapped in whole), so a reader of iwd never sees a
 * partial file.  Symlinks in the sandbox are refused.  Keeps going past a
 * bad entry and reports the first failure.
 */
int transfer_outputs(const char *sandbox, const char *const *names, size_t n,
		     const char *iwd, struct error *err);
/* One output: sandbox/name to the exact path dest (remaps, _condor_stdout). */
int transfer_output_to(const char *sandbox, const char *name, const char *dest,
		       struct error *err);

#endif
