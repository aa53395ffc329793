/* fileio.c - see fileio.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "xalloc.h"
#include "banned.h"

int
fileio_write_all(int fd, const void *buf, size_t len, const char *what,
		 struct error *err)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_errno(err, "write '%s'", what);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fileio_read_all(const char *path, size_t max, char **out, size_t *lenp,
		struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open '%s'", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		error_errno(err, "stat '%s'", path);
		close(fd);
		return -1;
	}
	size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	char *buf = xmalloc(cap + 1);
	size_t len = 0;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				free(buf);
				close(fd);
				return error_set(err, "'%s' is too large (more than %zu bytes)",
						 path, max);
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error_errno(err, "read '%s'", path);
			free(buf);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > max) {
		free(buf);
		return error_set(err, "'%s' is too large (more than %zu bytes)", path, max);
	}
	buf[len] = '\0';
	*out = buf;
	if (lenp)
		*lenp = len;
	return 0;
}

int
fileio_fsync_dir(const char *dirpath, struct error *err)
{
	int fd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open directory '%s'", dirpath);
	if (fsync(fd) < 0) {
		error_errno(err, "fsync '%s'", dirpath);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

char *
fileio_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

char *
fileio_join(const char *dir, const char *name)
{
	if (name[0] == '/' || dir == NULL || dir[0] == '\0')
		return xstrdup(name);
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	return xasprintf("%.*s/%s", (int)dl, dir, name);
}

int
fileio_replace(const char *path, const void *data, size_t len, mode_t mode,
	       struct error *err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		error_errno(err, "create '%s'", tmp);
		free(tmp);
		return -1;
	}
	if (fileio_write_all(fd, data, len, tmp, err) < 0)
		goto fail;
	if (fsync(fd) < 0) {
		error_errno(err, "fsync '%s'", tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		error_errno(err, "close '%s'", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		error_errno(err, "rename '%s' to '%s'", tmp, path);
		goto fail;
	}
	free(tmp);
	char *dir = fileio_dirname(path);
	int rc = fileio_fsync_dir(dir, err);
	free(dir);
	return rc;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int
fileio_mkdirs(const char *path, mode_t mode, struct error *err)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			error_errno(err, "mkdir '%s'", p);
			free(p);
			return -1;
		}
		*s = saved;
		if (saved == '\0')
			break;
	}
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(p);
		return error_set(err, "'%s' is not a directory", path);
	}
	free(p);
	return 0;
}
