/*
 * transfer.c - see transfer.h.
 *
 * Deliberate choices:
 * - The copy engine is libarchive's disk reader feeding its disk writer.  The
 *   reader reports the data blocks of sparse files (SEEK_DATA/SEEK_HOLE), so
 *   holes stay holes without the writer's zero-scanning ARCHIVE_EXTRACT_SPARSE,
 *   which would cost a memcmp over every byte.
 * - The writer gets absolute destination paths that we built from a
 *   realpath'd directory plus a validated relative name, so
 *   ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS cannot be used; SECURE_SYMLINKS
 *   (no symlink in any component) and SECURE_NODOTDOT still guard the write,
 *   and transfer_name_ok() refuses absolute and ".." names before that.
 * - libcore must not chdir, so nothing here depends on the working directory.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "strbuf.h"
#include "transfer.h"
#include "transfer_int.h"
#include "xalloc.h"
#include "banned.h"

/* ================================================================ names */

int
transfer_name_ok(const char *name)
{
	if (name == NULL || name[0] == '\0' || name[0] == '/')
		return 0;
	if (strlen(name) >= PATH_MAX / 2)
		return 0;
	int depth = 0;
	for (const char *p = name; ; ) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0 && e != NULL)
			return 0;		/* "a//b" */
		if ((len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (++depth > XFER_MAX_DEPTH)
			return 0;
		if (e == NULL)
			break;
		p = e + 1;
		if (*p == '\0')
			break;			/* a trailing slash is allowed */
	}
	return 1;
}

/* The names HTCondor's starter keeps to itself (see runtime reference 2.3). */
static const char *const private_names[] = {
	".job.ad", ".machine.ad", ".execution_overlay.ad", ".update.ad",
	".update.ad.tmp", ".chirp.config", ".docker_sock", ".docker_stdout",
	".docker_stderror", ".condor_container_launched",
	"_condor_stdout", "_condor_stderr",
	/* the starter's own files (starter.h) */
	".starter.pid", ".starter.result", ".starter.result.tmp",
	".job.env",
};

int
transfer_name_is_private(const char *name)
{
	for (size_t i = 0; i < sizeof(private_names) / sizeof(*private_names); i++)
		if (strcmp(name, private_names[i]) == 0)
			return 1;
	return 0;
}

void
transfer_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

char *
xfer_realpath(const char *path, struct error *err)
{
	char *r = realpath(path, NULL);
	if (r == NULL)
		error_errno(err, "'%s'", path);
	return r;
}

int
xfer_lstat_inside(const char *dir, const char *name, struct stat *st,
		  const char *what, struct error *err)
{
	if (!transfer_name_ok(name))
		return error_set(err, "%s '%s': not a relative path inside the "
				 "job's directory", what, name);
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, dir);
	int rc = 0;
	for (const char *p = name; *p != '\0'; ) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		strbuf_addc(&sb, '/');
		strbuf_add(&sb, p, len);
		if (lstat(sb.buf, st) < 0) {
			rc = error_errno(err, "%s '%s'", what, name);
			break;
		}
		if (S_ISLNK(st->st_mode)) {
			rc = error_set(err, "%s '%s': is a symbolic link%s", what,
				       name, e && e[1] ? " in its path" : "");
			break;
		}
		if (e == NULL || e[1] == '\0')
			break;
		if (!S_ISDIR(st->st_mode)) {
			errno = ENOTDIR;
			rc = error_errno(err, "%s '%s'", what, name);
			break;
		}
		p = e + 1;
	}
	strbuf_release(&sb);
	return rc;
}

int
xfer_mkparents_at(int dirfd, const char *name, struct error *err)
{
	char *p = xstrdup(name);
	int rc = 0;
	for (char *s = strchr(p, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdirat(dirfd, p, 0700) < 0 && errno != EEXIST)
			rc = error_errno(err, "mkdir '%s'", p);
		*s = '/';
		if (rc < 0 || s[1] == '\0')
			break;
	}
	free(p);
	return rc;
}

/* ================================================================ trees */

static int
rmtree_depth(int dirfd, const char *name, int depth, struct error *err)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return error_errno(err, "unlink '%s'", name);
	if (depth > XFER_MAX_DEPTH + 2)
		return error_set(err, "remove '%s': tree too deep", name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open '%s'", name);
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return error_errno(err, "opendir '%s'", name);
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = rmtree_depth(fd, de->d_name, depth + 1, err);
	}
	closedir(d);
	if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = error_errno(err, "rmdir '%s'", name);
	return rc;
}

int
xfer_rmtree_at(int dirfd, const char *name, struct error *err)
{
	return rmtree_depth(dirfd, name, 0, err);
}

static int
fsync_at(int dirfd, const char *name, int depth, struct error *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			return 0;	/* a symlink: its directory entry is enough */
		return error_errno(err, "open '%s'", name);
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = error_errno(err, "stat '%s'", name);
	if (rc == 0 && S_ISDIR(st.st_mode)) {
		if (depth > XFER_MAX_DEPTH + 2) {
			close(fd);
			return error_set(err, "fsync '%s': tree too deep", name);
		}
		int dfd = dup(fd);
		DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
		if (d == NULL) {
			if (dfd >= 0)
				close(dfd);
			close(fd);
			return error_errno(err, "opendir '%s'", name);
		}
		struct dirent *de;
		while (rc == 0 && (de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			rc = fsync_at(fd, de->d_name, depth + 1, err);
		}
		closedir(d);
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = error_errno(err, "fsync '%s'", name);
	close(fd);
	return rc;
}

int
xfer_fsync_tree(const char *path, struct error *err)
{
	return fsync_at(AT_FDCWD, path, 0, err);
}

/* ================================================================ copy */

static int
ar_fail(struct archive *a, const char *what, const char *name,
	struct error *err)
{
	int e = archive_errno(a);
	const char *s = archive_error_string(a);
	if (e > 0)
		return error_set(err, "%s '%s': %s", what, name, strerror(e));
	return error_set(err, "%s '%s': %s", what, name, s ? s : "copy failed");
}

static struct archive *
reader_new(const char *src, unsigned flags)
{
	struct archive *rd = archive_read_disk_new();
	if (rd == NULL)
		return NULL;
	int behave = 0;
#ifdef ARCHIVE_READDISK_NO_XATTR
	behave |= ARCHIVE_READDISK_NO_XATTR;
#endif
#ifdef ARCHIVE_READDISK_NO_ACL
	behave |= ARCHIVE_READDISK_NO_ACL;
#endif
#ifdef ARCHIVE_READDISK_NO_FFLAGS
	behave |= ARCHIVE_READDISK_NO_FFLAGS;
#endif
	archive_read_disk_set_behavior(rd, behave);
	if (flags & XFER_FOLLOW_ROOT)
		archive_read_disk_set_symlink_hybrid(rd);
	else
		archive_read_disk_set_symlink_physical(rd);
	if (archive_read_disk_open(rd, src) != ARCHIVE_OK)
		return rd;	/* the caller reports the error from rd */
	return rd;
}

static struct archive *
writer_new(void)
{
	struct archive *wr = archive_write_disk_new();
	if (wr == NULL)
		return NULL;
	archive_write_disk_set_options(wr, ARCHIVE_EXTRACT_SECURE_SYMLINKS |
				       ARCHIVE_EXTRACT_SECURE_NODOTDOT |
				       ARCHIVE_EXTRACT_TIME |
				       ARCHIVE_EXTRACT_PERM);
	return wr;
}

static int
copy_data(struct archive *rd, struct archive *wr, const char *what,
	  const char *name, struct error *err)
{
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(rd, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return ar_fail(rd, what, name, err);
		if (archive_write_data_block(wr, buf, size, off) < ARCHIVE_WARN)
			return ar_fail(wr, what, name, err);
	}
}

/* Checks an entry's type and rewrites its destination path and mode. */
static int
prepare_entry(struct archive_entry *e, const char *src, const char *dst,
	      unsigned flags, const char *what, const char *name,
	      struct strbuf *path, struct error *err)
{
	const char *p = archive_entry_pathname(e);
	size_t sl = strlen(src);
	if (p == NULL || strncmp(p, src, sl) != 0 || (p[sl] != '\0' && p[sl] != '/'))
		return error_set(err, "%s '%s': unexpected entry '%s'", what,
				 name, p ? p : "");
	const char *rel = p + sl;
	int depth = 0;
	for (const char *s = rel; *s; s++)
		depth += *s == '/';
	if (depth > XFER_MAX_DEPTH)
		return error_set(err, "%s '%s': directory tree too deep", what, name);
	mode_t type = archive_entry_filetype(e);
	if (type == AE_IFLNK && (flags & XFER_NO_SYMLINKS))
		return error_set(err, "%s '%s%s': is a symbolic link", what, name,
				 rel);
	if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
		return error_set(err, "%s '%s%s': not a regular file or "
				 "directory", what, name, rel);
	strbuf_reset(path);
	strbuf_adds(path, dst);
	strbuf_adds(path, rel);
	archive_entry_set_pathname(e, path->buf);
	if (type == AE_IFDIR)
		archive_entry_set_perm(e, 0700);
	else if (type == AE_IFREG && (flags & XFER_EXEC_MODE))
		archive_entry_set_perm(e, 0700);
	else
		archive_entry_set_perm(e, archive_entry_perm(e) & 0755);
	return 0;
}

int
xfer_copy(const char *src, const char *dst, unsigned flags, const char *what,
	  const char *name, struct error *err)
{
	struct archive *rd = reader_new(src, flags);
	struct archive *wr = writer_new();
	struct archive_entry *e = archive_entry_new();
	struct strbuf path = STRBUF_INIT;
	int rc = 0;
	if (rd == NULL || wr == NULL || e == NULL) {
		rc = error_set(err, "%s '%s': out of memory", what, name);
		goto out;
	}
	for (size_t count = 0; ; count++) {
		archive_entry_clear(e);
		int r = archive_read_next_header2(rd, e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			rc = ar_fail(rd, what, name, err);
			break;
		}
		if (count >= XFER_MAX_ENTRIES) {
			rc = error_set(err, "%s '%s': too many files", what, name);
			break;
		}
		if (archive_read_disk_can_descend(rd))
			archive_read_disk_descend(rd);
		rc = prepare_entry(e, src, dst, flags, what, name, &path, err);
		if (rc < 0)
			break;
		if (archive_write_header(wr, e) < ARCHIVE_WARN) {
			rc = ar_fail(wr, what, name, err);
			break;
		}
		if (archive_entry_filetype(e) == AE_IFREG &&
		    archive_entry_size(e) > 0)
			rc = copy_data(rd, wr, what, name, err);
		if (rc == 0 && archive_write_finish_entry(wr) < ARCHIVE_WARN)
			rc = ar_fail(wr, what, name, err);
		if (rc < 0)
			break;
	}
	/* Directory modes and times are applied at close. */
	if (archive_write_close(wr) < ARCHIVE_WARN && rc == 0)
		rc = ar_fail(wr, what, name, err);
out:
	strbuf_release(&path);
	if (e)
		archive_entry_free(e);
	if (rd)
		archive_read_free(rd);
	if (wr)
		archive_write_free(wr);
	return rc;
}

/* ================================================================ snapshot */

static void
snap_add(struct transfer_snapshot *s, const char *name, const struct stat *st)
{
	XGROW(s->v, s->n + 1, s->alloc_);
	struct transfer_entry *e = &s->v[s->n++];
	e->name = xstrdup(name);
	e->type = S_ISREG(st->st_mode) ? TRANSFER_FILE :
		  S_ISDIR(st->st_mode) ? TRANSFER_DIR :
		  S_ISLNK(st->st_mode) ? TRANSFER_SYMLINK : TRANSFER_OTHER;
	e->size = (int64_t)st->st_size;
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 +
		      st->st_mtim.tv_nsec;
	e->mode = (unsigned)(st->st_mode & 07777);
}

static int
snap_walk(struct transfer_snapshot *s, int dirfd, const char *prefix,
	  int depth, struct error *err)
{
	int fd = openat(dirfd, prefix[0] ? prefix : ".", O_RDONLY | O_DIRECTORY |
			O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open '%s'", prefix[0] ? prefix : ".");
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return error_errno(err, "opendir '%s'", prefix);
	}
	int rc = 0;
	struct dirent *de;
	struct strbuf name = STRBUF_INIT;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (depth == 0 && transfer_name_is_private(de->d_name))
			continue;
		struct stat st;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;	/* removed while we looked */
			rc = error_errno(err, "stat '%s/%s'", prefix, de->d_name);
			break;
		}
		strbuf_reset(&name);
		if (prefix[0])
			strbuf_addf(&name, "%s/", prefix);
		strbuf_adds(&name, de->d_name);
		if (s->n >= XFER_MAX_ENTRIES) {
			rc = error_set(err, "too many files in the sandbox");
			break;
		}
		snap_add(s, name.buf, &st);
		if (S_ISDIR(st.st_mode)) {
			if (depth + 1 >= XFER_MAX_DEPTH)
				rc = error_set(err, "'%s': directory tree too deep",
					       name.buf);
			else
				rc = snap_walk(s, dirfd, name.buf, depth + 1, err);
		}
	}
	strbuf_release(&name);
	closedir(d);
	return rc;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct transfer_entry *)a)->name,
		      ((const struct transfer_entry *)b)->name);
}

struct transfer_snapshot *
transfer_snapshot_take(const char *dir, struct error *err)
{
	struct transfer_snapshot *s = xcalloc(1, sizeof(*s));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		error_errno(err, "open '%s'", dir);
		free(s);
		return NULL;
	}
	int rc = snap_walk(s, dfd, "", 0, err);
	close(dfd);
	if (rc < 0) {
		error_prefix(err, "%s", dir);
		transfer_snapshot_free(s);
		return NULL;
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), entry_cmp);
	return s;
}

void
transfer_snapshot_free(struct transfer_snapshot *snap)
{
	if (snap == NULL)
		return;
	for (size_t i = 0; i < snap->n; i++)
		free(snap->v[i].name);
	free(snap->v);
	free(snap);
}

static const struct transfer_entry *
snap_find(const struct transfer_snapshot *s, const char *name)
{
	if (s == NULL || s->n == 0)
		return NULL;
	struct transfer_entry key = { .name = (char *)name };
	return bsearch(&key, s->v, s->n, sizeof(*s->v), entry_cmp);
}

int
transfer_changed_files(const struct transfer_snapshot *snap, const char *dir,
		       char ***names, size_t *n, struct error *err)
{
	*names = NULL;
	*n = 0;
	struct transfer_snapshot *now = transfer_snapshot_take(dir, err);
	if (now == NULL)
		return -1;
	size_t alloc = 0;
	for (size_t i = 0; i < now->n; i++) {
		const struct transfer_entry *e = &now->v[i];
		if (e->type != TRANSFER_FILE)
			continue;
		const struct transfer_entry *o = snap_find(snap, e->name);
		if (o && o->type == e->type && o->size == e->size &&
		    o->mtime_ns == e->mtime_ns && o->mode == e->mode)
			continue;
		XGROW(*names, *n + 1, alloc);
		(*names)[(*n)++] = xstrdup(e->name);
	}
	transfer_snapshot_free(now);
	return 0;
}
