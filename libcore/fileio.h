/*
 * fileio.h - the durable-write primitives every on-disk change goes through.
 *
 * "Durable" here means: the data is fsync'ed, and so is the directory entry
 * that names it.  Anything a reader may see while it is being written is
 * written to a temporary name in the same directory and renamed into place
 * (fileio_replace), so a reader sees the old file or the new one, never a
 * torn one.  All functions return 0 on success, -1 with err filled.
 */
#ifndef CONDORLET_FILEIO_H
#define CONDORLET_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all len bytes, retrying on EINTR and short writes. */
int fileio_write_all(int fd, const void *buf, size_t len, const char *what,
		     struct error *err);
/* Reads the whole file at path into *out (NUL-terminated, caller frees).
 * A file larger than max bytes is refused (hostile input). */
int fileio_read_all(const char *path, size_t max, char **out, size_t *len,
		    struct error *err);
/* fsync(2) of the directory dirpath itself (callers pass the parent of a
 * file whose name they just created or renamed). */
int fileio_fsync_dir(const char *dirpath, struct error *err);
/* Writes data to path atomically and durably, with the given mode. */
int fileio_replace(const char *path, const void *data, size_t len, mode_t mode,
		   struct error *err);
/* mkdir -p with mode for every directory it creates. */
int fileio_mkdirs(const char *path, mode_t mode, struct error *err);
/* Returns the directory part of path (caller frees); "." if none. */
char *fileio_dirname(const char *path);
/* Joins dir and name with one '/' (caller frees); name absolute -> copy. */
char *fileio_join(const char *dir, const char *name);

#endif
