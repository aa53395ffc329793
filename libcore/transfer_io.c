/*
 * transfer_io.c - input transfer into a sandbox and output transfer back to
 * the submit directory; see transfer.h.
 *
 * Inputs are the user's own files named in the submit description, so a
 * symlink given as an input is followed (as cp would); symlinks inside an
 * input directory are copied as symlinks.  Outputs come from the sandbox,
 * which the job controls, so there a symlink is always refused.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "error.h"
#include "fileio.h"
#include "strbuf.h"
#include "transfer.h"
#include "transfer_int.h"
#include "xalloc.h"
#include "banned.h"

/* ================================================================ executable */

int
transfer_executable(const char *src, const char *sandbox, const char *name,
		    struct error *err)
{
	struct stat st;
	if (!transfer_name_ok(name) || strchr(name, '/') != NULL)
		return error_set(err, "executable name '%s' is not a plain file "
				 "name", name);
	if (stat(src, &st) < 0)
		return error_errno(err, "executable '%s'", src);
	if (!S_ISREG(st.st_mode))
		return error_set(err, "executable '%s': not a regular file", src);
	char *sb = xfer_realpath(sandbox, err);
	if (sb == NULL)
		return -1;
	char *dst = fileio_join(sb, name);
	int rc = xfer_copy(src, dst, XFER_FOLLOW_ROOT | XFER_EXEC_MODE,
			   "executable", src, err);
	free(dst);
	free(sb);
	return rc;
}

/* ================================================================ inputs */

/* Last path component of s (s has no trailing slash). */
static const char *
last_component(const char *s)
{
	const char *slash = strrchr(s, '/');
	return slash ? slash + 1 : s;
}

/* Copies every entry of directory src into sandbox (the "d/" form). */
static int
input_contents(const char *src, const char *sb, const char *item,
	       struct error *err)
{
	DIR *d = opendir(src);
	if (d == NULL)
		return error_errno(err, "input file '%s'", item);
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *from = fileio_join(src, de->d_name);
		char *to = fileio_join(sb, de->d_name);
		rc = xfer_copy(from, to, 0, "input file", item, err);
		free(from);
		free(to);
	}
	closedir(d);
	return rc;
}

static int
input_one(const char *iwd, const char *item, const char *sb,
	  struct error *err)
{
	if (strstr(item, "://") != NULL)
		return error_set(err, "input file '%s': URL transfers are not "
				 "supported", item);
	char *path = item[0] == '/' ? xstrdup(item) : fileio_join(iwd, item);
	size_t len = strlen(path);
	int contents = len > 1 && path[len - 1] == '/';
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	const char *base = last_component(path);
	int rc;
	struct stat st;
	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		rc = error_set(err, "input file '%s': cannot name a file in "
			       "the sandbox after it", item);
	else if (stat(path, &st) < 0)
		rc = error_errno(err, "input file '%s'", item);
	else if (S_ISDIR(st.st_mode) && contents)
		rc = input_contents(path, sb, item, err);
	else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
		char *dst = fileio_join(sb, base);
		rc = xfer_copy(path, dst, XFER_FOLLOW_ROOT, "input file", item,
			       err);
		free(dst);
	} else
		rc = error_set(err, "input file '%s': not a regular file or "
			       "directory", item);
	free(path);
	return rc;
}

int
transfer_inputs(const char *iwd, const char *list, const char *sandbox,
		struct error *err)
{
	if (list == NULL)
		return 0;
	char *sb = xfer_realpath(sandbox, err);
	if (sb == NULL)
		return -1;
	struct error one;
	int rc = 0;
	const char *p = list;
	while (*p) {
		size_t skip = strspn(p, ", \t\n\r");
		p += skip;
		size_t len = strcspn(p, ", \t\n\r");
		if (len == 0)
			break;
		char *item = xstrndup(p, len);
		p += len;
		if (input_one(iwd, item, sb, &one) < 0 && rc == 0) {
			rc = -1;
			error_set(err, "%s", one.msg);
		}
		free(item);
	}
	free(sb);
	return rc;
}

/* ================================================================ outputs */

/* Puts the finished copy tmp at final: a plain rename, or an exchange when
 * final exists (so a directory is replaced whole); the old one ends at tmp. */
static int
install(const char *tmp, const char *final, struct error *err)
{
	struct stat st;
	unsigned flags = lstat(final, &st) == 0 ? RENAME_EXCHANGE : RENAME_NOREPLACE;
	if (flags == RENAME_EXCHANGE && !S_ISDIR(st.st_mode)) {
		struct stat nst;
		if (lstat(tmp, &nst) == 0 && !S_ISDIR(nst.st_mode))
			flags = 0;	/* file over file: rename replaces */
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, flags) < 0)
		return error_errno(err, "rename to '%s'", final);
	return 0;
}

int
transfer_output_to(const char *sandbox, const char *name, const char *dest,
		   struct error *err)
{
	struct stat st;
	if (xfer_lstat_inside(sandbox, name, &st, "output file", err) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return error_set(err, "output file '%s': not a regular file or "
				 "directory", name);
	char *dir = fileio_dirname(dest);
	char *rdir = xfer_realpath(dir, err);
	free(dir);
	if (rdir == NULL)
		return error_prefix(err, "output file '%s'", name);
	const char *base = last_component(dest);
	char *tmpdir = xasprintf("%s/.condorlet_out.XXXXXX", rdir);
	char *src = fileio_join(sandbox, name);
	char *tmp = NULL, *final = fileio_join(rdir, base);
	int rc = 0;
	if (mkdtemp(tmpdir) == NULL) {
		rc = error_errno(err, "output file '%s': mkdtemp in '%s'", name,
				 rdir);
		goto out;
	}
	tmp = fileio_join(tmpdir, base);
	rc = xfer_copy(src, tmp, XFER_NO_SYMLINKS, "output file", name, err);
	if (rc == 0)
		rc = xfer_fsync_tree(tmp, err);
	if (rc == 0)
		rc = install(tmp, final, err);
	if (rc == 0)
		rc = fileio_fsync_dir(rdir, err);
	struct error ignored;
	xfer_rmtree_at(AT_FDCWD, tmpdir, &ignored);
out:
	free(tmp);
	free(final);
	free(src);
	free(tmpdir);
	free(rdir);
	return rc;
}

int
transfer_outputs(const char *sandbox, const char *const *names, size_t n,
		 const char *iwd, struct error *err)
{
	int rc = 0;
	struct error one;
	for (size_t i = 0; i < n; i++) {
		char *name = xstrdup(names[i]);
		size_t len = strlen(name);
		while (len > 1 && name[len - 1] == '/')
			name[--len] = '\0';
		char *dest = fileio_join(iwd, last_component(name));
		if (transfer_output_to(sandbox, name, dest, &one) < 0 && rc == 0) {
			rc = -1;
			error_set(err, "%s", one.msg);
		}
		free(dest);
		free(name);
	}
	return rc;
}
