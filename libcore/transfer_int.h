/*
 * transfer_int.h - the copy engine and tree helpers shared by transfer.c and
 * spool.c.  Not installed.
 */
#ifndef CONDORLET_TRANSFER_INT_H
#define CONDORLET_TRANSFER_INT_H

#include <sys/stat.h>

struct error;

/* Deepest tree (in path components) we copy, list or remove. */
#define XFER_MAX_DEPTH 64
/* Most entries one copy or snapshot handles (hostile sandboxes). */
#define XFER_MAX_ENTRIES (1u << 20)

enum {
	XFER_NO_SYMLINKS = 1 << 0,	/* a symlink anywhere is an error */
	XFER_FOLLOW_ROOT = 1 << 1,	/* src itself may be a symlink */
	XFER_EXEC_MODE = 1 << 2,	/* a file gets mode 0700 */
};

/*
 * Copies the file or tree src to dst (which must not name an existing
 * directory of another type) with libarchive.  dst's parent must exist and
 * should be a canonical path (secure-symlink checks see every component).
 * what ("checkpoint file", "input file" ...) and name start the message.
 */
int xfer_copy(const char *src, const char *dst, unsigned flags,
	      const char *what, const char *name, struct error *err);
/* Removes name under dirfd (file or tree, never following symlinks);
 * a missing name is not an error. */
int xfer_rmtree_at(int dirfd, const char *name, struct error *err);
/* fsyncs every file and directory of the tree at path, then path itself. */
int xfer_fsync_tree(const char *path, struct error *err);
/* lstats every component of dir/name, refusing a symlink or a missing one. */
int xfer_lstat_inside(const char *dir, const char *name, struct stat *st,
		      const char *what, struct error *err);
/* Creates the parent directories of name inside dirfd (mode 0700). */
int xfer_mkparents_at(int dirfd, const char *name, struct error *err);
/* realpath(3) with an error message; caller frees. */
char *xfer_realpath(const char *path, struct error *err);

#endif
