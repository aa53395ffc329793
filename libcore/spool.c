/*
 * spool.c - see spool.h.
 *
 * The commit protocol, and why each step is there:
 *   1. remove a stale "<jobspool>.new" (a crash left it; it is never live);
 *   2. build the new set in ".new": listed files copied (or hard-linked when
 *      identical to the live copy), then every live entry not replaced
 *      hard-linked in, so the spool stays additive;
 *   3. fsync every file and directory of ".new" - the exchange below must
 *      never make visible a set whose data could still be lost;
 *   4. renameat2(RENAME_EXCHANGE) ".new" and the live name (the first
 *      commit renames with RENAME_NOREPLACE); one atomic step;
 *   5. fsync the parent so the exchange itself is durable;
 *   6. remove ".new", which now holds the old set.  A crash here leaves only
 *      debris that spool_recover() deletes.
 * A filesystem without RENAME_EXCHANGE gets "live -> .old, .new -> live";
 * recovery puts ".old" back when the live name is missing.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "num.h"
#include "spool.h"
#include "strbuf.h"
#include "transfer.h"
#include "transfer_int.h"
#include "xalloc.h"
#include "banned.h"

char *
spool_job_dir(const char *spool, int cluster, int proc)
{
	return xasprintf("%s/%d/%d/cluster%d.proc%d.subproc0", spool,
			 cluster % 10000, proc % 10000, cluster, proc);
}

/* ================================================================ recovery */

int
spool_recover(const char *jobspool, struct error *err)
{
	char *nw = xasprintf("%s.new", jobspool);
	char *old = xasprintf("%s.old", jobspool);
	struct stat st;
	int rc = 0;
	if (lstat(jobspool, &st) < 0 && errno == ENOENT &&
	    lstat(old, &st) == 0) {
		/* Died between the two renames of the fallback path. */
		if (rename(old, jobspool) < 0)
			rc = error_errno(err, "rename '%s'", old);
		else {
			char *parent = fileio_dirname(jobspool);
			rc = fileio_fsync_dir(parent, err);
			free(parent);
		}
	}
	if (rc == 0)
		rc = xfer_rmtree_at(AT_FDCWD, nw, err);
	if (rc == 0)
		rc = xfer_rmtree_at(AT_FDCWD, old, err);
	free(nw);
	free(old);
	return rc;
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a > b && strcmp(s + a - b, suf) == 0;
}

/* Recovers every cluster*.proc*.subproc0 debris in one <C>/<P> directory. */
static int
recover_dir(const char *pdir, struct error *err)
{
	DIR *d = opendir(pdir);
	if (d == NULL)
		return errno == ENOENT || errno == ENOTDIR ? 0 :
		       error_errno(err, "opendir '%s'", pdir);
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "cluster", 7) != 0)
			continue;
		int n = has_suffix(de->d_name, ".new") ? 4 :
			has_suffix(de->d_name, ".old") ? 4 : 0;
		if (n == 0)
			continue;
		char *base = xstrndup(de->d_name, strlen(de->d_name) - (size_t)n);
		char *job = fileio_join(pdir, base);
		rc = spool_recover(job, err);
		free(job);
		free(base);
	}
	closedir(d);
	return rc;
}

int
spool_recover_all(const char *spool, struct error *err)
{
	DIR *d = opendir(spool);
	if (d == NULL)
		return errno == ENOENT ? 0 : error_errno(err, "opendir '%s'", spool);
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!num_is_digits(de->d_name))
			continue;
		char *cdir = fileio_join(spool, de->d_name);
		DIR *c = opendir(cdir);
		struct dirent *pe;
		while (c && rc == 0 && (pe = readdir(c)) != NULL) {
			if (!num_is_digits(pe->d_name))
				continue;
			char *pdir = fileio_join(cdir, pe->d_name);
			rc = recover_dir(pdir, err);
			free(pdir);
		}
		if (c)
			closedir(c);
		free(cdir);
	}
	closedir(d);
	return rc;
}

/* ================================================================ removal */

int
spool_remove_job(const char *spool, int cluster, int proc, struct error *err)
{
	char *job = spool_job_dir(spool, cluster, proc);
	char *nw = xasprintf("%s.new", job);
	char *old = xasprintf("%s.old", job);
	int rc = xfer_rmtree_at(AT_FDCWD, job, err);
	if (rc == 0)
		rc = xfer_rmtree_at(AT_FDCWD, nw, err);
	if (rc == 0)
		rc = xfer_rmtree_at(AT_FDCWD, old, err);
	if (rc == 0) {
		/* The shared parents go only when empty; another job may own
		 * the same <C%10000>/<P%10000>. */
		char *pdir = fileio_dirname(job);
		char *cdir = fileio_dirname(pdir);
		if (rmdir(pdir) < 0 && errno != ENOENT && errno != ENOTEMPTY &&
		    errno != EEXIST)
			rc = error_errno(err, "rmdir '%s'", pdir);
		if (rc == 0 && rmdir(cdir) < 0 && errno != ENOENT &&
		    errno != ENOTEMPTY && errno != EEXIST)
			rc = error_errno(err, "rmdir '%s'", cdir);
		free(pdir);
		free(cdir);
	}
	if (rc == 0 && access(spool, F_OK) == 0)
		rc = fileio_fsync_dir(spool, err);
	free(old);
	free(nw);
	free(job);
	return rc;
}

/* ================================================================ commit */

struct commit {
	char *sandbox;		/* canonical */
	char *live;		/* canonical jobspool */
	char *nw;		/* live + ".new" */
	int live_fd;		/* -1 on the first commit */
	int new_fd;
	const char *const *names;
	size_t n;
};

static int
is_listed(const struct commit *c, const char *rel)
{
	size_t rl = strlen(rel);
	for (size_t i = 0; i < c->n; i++) {
		size_t l = strlen(c->names[i]);
		while (l > 1 && c->names[i][l - 1] == '/')
			l--;
		if (l == rl && strncmp(c->names[i], rel, l) == 0)
			return 1;
	}
	return 0;
}

/* true if the live copy of name is the file st describes, as committed. */
static int
same_as_live(const struct commit *c, const char *name, const struct stat *st)
{
	struct stat ls;
	if (c->live_fd < 0 ||
	    fstatat(c->live_fd, name, &ls, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return S_ISREG(ls.st_mode) && ls.st_size == st->st_size &&
	       ls.st_mtim.tv_sec == st->st_mtim.tv_sec &&
	       ls.st_mtim.tv_nsec == st->st_mtim.tv_nsec &&
	       (ls.st_mode & 07777) == (st->st_mode & 0755);
}

static int
add_listed(const struct commit *c, const char *name, struct error *err)
{
	struct stat st;
	if (xfer_lstat_inside(c->sandbox, name, &st, "checkpoint file", err) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return error_set(err, "checkpoint file '%s': not a regular file "
				 "or directory", name);
	if (xfer_mkparents_at(c->new_fd, name, err) < 0)
		return -1;
	if (S_ISREG(st.st_mode)) {
		/* Never write into an inode the live set may share. */
		if (unlinkat(c->new_fd, name, 0) < 0 && errno != ENOENT &&
		    errno != EISDIR)
			return error_errno(err, "unlink '%s'", name);
		if (same_as_live(c, name, &st) &&
		    linkat(c->live_fd, name, c->new_fd, name, 0) == 0)
			return 0;
	}
	char *src = fileio_join(c->sandbox, name);
	char *dst = fileio_join(c->nw, name);
	int rc = xfer_copy(src, dst, XFER_NO_SYMLINKS, "checkpoint file", name,
			   err);
	free(src);
	free(dst);
	return rc;
}

/* Hard-links (or, where linking is refused, copies) a live file into .new. */
static int
keep_file(const struct commit *c, int lfd, int nfd, const char *name,
	  const char *rel, struct error *err)
{
	if (linkat(lfd, name, nfd, name, 0) == 0)
		return 0;
	if (errno != EPERM && errno != EMLINK && errno != EXDEV)
		return error_errno(err, "spooled file '%s': link", rel);
	char *src = fileio_join(c->live, rel);
	char *dst = fileio_join(c->nw, rel);
	int rc = xfer_copy(src, dst, XFER_NO_SYMLINKS, "spooled file", rel, err);
	free(src);
	free(dst);
	return rc;
}

/* Brings every live entry under rel that the commit did not replace into
 * the new set (the spool is additive). */
static int
merge(const struct commit *c, int lfd, int nfd, struct strbuf *rel, int depth,
      struct error *err)
{
	if (depth > XFER_MAX_DEPTH)
		return error_set(err, "spool '%s': tree too deep", c->live);
	int dfd = dup(lfd);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (d == NULL) {
		if (dfd >= 0)
			close(dfd);
		return error_errno(err, "opendir '%s/%s'", c->live, rel->buf);
	}
	int rc = 0;
	size_t keep = rel->len;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		strbuf_setlen(rel, keep);
		if (keep)
			strbuf_addc(rel, '/');
		strbuf_adds(rel, de->d_name);
		struct stat ls, ns;
		if (is_listed(c, rel->buf) ||
		    fstatat(lfd, de->d_name, &ls, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		int have = fstatat(nfd, de->d_name, &ns, AT_SYMLINK_NOFOLLOW) == 0;
		if (S_ISREG(ls.st_mode) && !have) {
			rc = keep_file(c, lfd, nfd, de->d_name, rel->buf, err);
		} else if (S_ISDIR(ls.st_mode) && (!have || S_ISDIR(ns.st_mode))) {
			if (!have && mkdirat(nfd, de->d_name, 0700) < 0) {
				rc = error_errno(err, "mkdir '%s'", rel->buf);
				break;
			}
			int l2 = openat(lfd, de->d_name, O_RDONLY | O_DIRECTORY |
					O_NOFOLLOW | O_CLOEXEC);
			int n2 = openat(nfd, de->d_name, O_RDONLY | O_DIRECTORY |
					O_NOFOLLOW | O_CLOEXEC);
			if (l2 < 0 || n2 < 0)
				rc = error_errno(err, "open '%s'", rel->buf);
			else
				rc = merge(c, l2, n2, rel, depth + 1, err);
			if (l2 >= 0)
				close(l2);
			if (n2 >= 0)
				close(n2);
		}
	}
	strbuf_setlen(rel, keep);
	closedir(d);
	return rc;
}

/* Makes the (possibly new) parents of the jobspool durable. */
static int
make_parents(const char *live, struct error *err)
{
	char *p = fileio_dirname(live);
	int rc = fileio_mkdirs(p, 0755, err);
	for (int i = 0; rc == 0 && i < 3; i++) {
		rc = fileio_fsync_dir(p, err);
		char *up = fileio_dirname(p);
		free(p);
		p = up;
	}
	free(p);
	return rc;
}

static int
commit_open(struct commit *c, const char *sandbox, const char *jobspool,
	    struct error *err)
{
	c->live_fd = c->new_fd = -1;
	if (make_parents(jobspool, err) < 0)
		return -1;
	c->sandbox = xfer_realpath(sandbox, err);
	char *dir = fileio_dirname(jobspool);
	char *rdir = c->sandbox ? xfer_realpath(dir, err) : NULL;
	free(dir);
	if (rdir == NULL)
		return -1;
	const char *slash = strrchr(jobspool, '/');
	c->live = fileio_join(rdir, slash ? slash + 1 : jobspool);
	c->nw = xasprintf("%s.new", c->live);
	free(rdir);
	if (spool_recover(c->live, err) < 0)
		return -1;
	c->live_fd = open(c->live, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			  O_CLOEXEC);
	if (c->live_fd < 0 && errno != ENOENT)
		return error_errno(err, "open '%s'", c->live);
	if (mkdir(c->nw, 0700) < 0)
		return error_errno(err, "mkdir '%s'", c->nw);
	c->new_fd = open(c->nw, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->new_fd < 0)
		return error_errno(err, "open '%s'", c->nw);
	return 0;
}

static void
commit_close(struct commit *c)
{
	if (c->live_fd >= 0)
		close(c->live_fd);
	if (c->new_fd >= 0)
		close(c->new_fd);
	free(c->sandbox);
	free(c->live);
	free(c->nw);
}

/* Steps 4-6 of the protocol at the top of the file. */
static int
commit_swap(const struct commit *c, struct error *err)
{
	char *old = xasprintf("%s.old", c->live);
	char *parent = fileio_dirname(c->live);
	const char *gone = c->nw;
	int rc = 0;
	if (c->live_fd < 0) {
		if (renameat2(AT_FDCWD, c->nw, AT_FDCWD, c->live, RENAME_NOREPLACE) < 0 &&
		    (errno != EINVAL || rename(c->nw, c->live) < 0))
			rc = error_errno(err, "rename '%s'", c->nw);
	} else if (renameat2(AT_FDCWD, c->nw, AT_FDCWD, c->live,
			     RENAME_EXCHANGE) < 0) {
		if (errno != EINVAL)
			rc = error_errno(err, "exchange '%s'", c->nw);
		else if (rename(c->live, old) < 0 || rename(c->nw, c->live) < 0)
			rc = error_errno(err, "rename '%s'", c->nw);
		gone = old;
	}
	if (rc == 0)
		rc = fileio_fsync_dir(parent, err);
	if (rc == 0) {
		struct error ignored;	/* debris only; recovery removes it */
		xfer_rmtree_at(AT_FDCWD, gone, &ignored);
	}
	free(parent);
	free(old);
	return rc;
}

int
spool_commit(const char *sandbox, const char *const *names, size_t n,
	     const char *jobspool, struct error *err)
{
	struct commit c = { .names = names, .n = n };
	int rc = commit_open(&c, sandbox, jobspool, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_listed(&c, names[i], err);
	if (rc == 0 && c.live_fd >= 0) {
		struct strbuf rel = STRBUF_INIT;
		rc = merge(&c, c.live_fd, c.new_fd, &rel, 0, err);
		strbuf_release(&rel);
	}
	if (rc == 0)
		rc = xfer_fsync_tree(c.nw, err);
	if (rc == 0)
		rc = commit_swap(&c, err);
	if (rc < 0 && c.nw != NULL) {
		struct error ignored;
		xfer_rmtree_at(AT_FDCWD, c.nw, &ignored);
	}
	commit_close(&c);
	return rc;
}

/* ================================================================ restore */

int
spool_restore(const char *jobspool, const char *sandbox, struct error *err)
{
	DIR *d = opendir(jobspool);
	if (d == NULL)
		return errno == ENOENT ? 0 : error_errno(err, "opendir '%s'",
							 jobspool);
	char *sb = xfer_realpath(sandbox, err);
	int rc = sb ? 0 : -1;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *src = fileio_join(jobspool, de->d_name);
		char *dst = fileio_join(sb, de->d_name);
		struct stat ss, ds;
		/* A spooled file replaces an input of another type whole. */
		if (lstat(src, &ss) == 0 && lstat(dst, &ds) == 0 &&
		    (S_ISDIR(ss.st_mode) != S_ISDIR(ds.st_mode) ||
		     S_ISLNK(ds.st_mode)))
			rc = xfer_rmtree_at(AT_FDCWD, dst, err);
		if (rc == 0)
			rc = xfer_copy(src, dst, XFER_NO_SYMLINKS, "spooled file",
				       de->d_name, err);
		free(src);
		free(dst);
	}
	closedir(d);
	free(sb);
	return rc;
}
