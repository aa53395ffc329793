/*
 * ulog.c - the job event log writer; see ulog.h.
 *
 * A batch keeps one text buffer per log path, so every event for a file is
 * formatted in memory and the file is touched once at flush time: one
 * O_APPEND write (a concurrent writer cannot land inside our events) and
 * one fsync.  Paths are found through a small open-addressing hash table,
 * because condor_hold -all may queue 100,000 events for one file (the
 * common case, served by the "last file" shortcut) or for 100,000 files.
 *
 * A write that fails half-way is cut back to the size the file had before
 * it, so a reader never sees a torn event; the log is advisory (the queue
 * already holds the truth), which is why one bad file never stops the
 * others.
 *
 * The path comes from the job ad, that is from its owner.  When root (a
 * queue super user) writes another user's log, a symlink or a file of
 * someone else's at that path must not turn into root appending to it:
 * then only an existing regular file owned by the job's owner, reached
 * without following a final symlink, is written.  Opening never blocks (a
 * FIFO without a reader is an error, not a hang).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "strbuf.h"
#include "ulog.h"
#include "xalloc.h"
#include "banned.h"

#define ULOG_DATE_MAX 32

struct ulog_file {
	char *path;
	struct strbuf text;
	bool have_owner;	/* owner_uid is the owner of every event's job */
	uid_t owner_uid;
};

struct ulog_batch {
	struct ulog_file *files;
	size_t nfiles, alloc;
	size_t *slots;		/* index + 1 into files; 0 = empty */
	size_t nslots;		/* a power of two, or 0 */
	size_t last;		/* index + 1 of the file used last; 0 = none */
	/* localtime_r for every one of 100,000 events stamped with the same
	 * second would be wasted work: remember the last formatted date. */
	bool have_date;
	time_t date_when;
	char date[ULOG_DATE_MAX];
	/* The last Owner looked up in the password database. */
	char *owner_name;
	bool owner_known;
	uid_t owner_uid;
};

struct ulog_batch *
ulog_batch_new(void)
{
	return xcalloc(1, sizeof(struct ulog_batch));
}

void
ulog_batch_free(struct ulog_batch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nfiles; i++) {
		free(b->files[i].path);
		strbuf_release(&b->files[i].text);
	}
	free(b->files);
	free(b->slots);
	free(b->owner_name);
	free(b);
}

/* ---- finding a path's buffer ---- */

static uint64_t
hash_path(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static void
slot_insert(size_t *slots, size_t nslots, const char *path, size_t value)
{
	size_t i = (size_t)hash_path(path) & (nslots - 1);
	while (slots[i] != 0)
		i = (i + 1) & (nslots - 1);
	slots[i] = value;
}

static void
rehash(struct ulog_batch *b)
{
	size_t n = b->nslots ? b->nslots * 2 : 16;
	size_t *slots = xcalloc(n, sizeof(*slots));
	for (size_t i = 0; i < b->nfiles; i++)
		slot_insert(slots, n, b->files[i].path, i + 1);
	free(b->slots);
	b->slots = slots;
	b->nslots = n;
}

static struct ulog_file *
file_for(struct ulog_batch *b, const char *path)
{
	if (b->last != 0 && strcmp(b->files[b->last - 1].path, path) == 0)
		return &b->files[b->last - 1];
	if (b->nslots != 0) {
		size_t i = (size_t)hash_path(path) & (b->nslots - 1);
		for (; b->slots[i] != 0; i = (i + 1) & (b->nslots - 1)) {
			if (strcmp(b->files[b->slots[i] - 1].path, path) == 0) {
				b->last = b->slots[i];
				return &b->files[b->last - 1];
			}
		}
	}
	if ((b->nfiles + 1) * 2 > b->nslots)
		rehash(b);
	XGROW(b->files, b->nfiles + 1, b->alloc);
	struct ulog_file *f = &b->files[b->nfiles++];
	f->path = xstrdup(path);
	strbuf_init(&f->text);
	f->have_owner = false;
	slot_insert(b->slots, b->nslots, path, b->nfiles);
	b->last = b->nfiles;
	return f;
}

/* ---- formatting ---- */

static const char *
format_date(struct ulog_batch *b, time_t when)
{
	if (b->have_date && b->date_when == when)
		return b->date;
	struct tm tm;
	if (localtime_r(&when, &tm) == NULL ||
	    strftime(b->date, sizeof(b->date), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(b->date, sizeof(b->date), "0000-00-00 00:00:00");
	b->have_date = true;
	b->date_when = when;
	return b->date;
}

static struct ulog_file *
add_event(struct ulog_batch *b, const char *path, enum ulog_event event,
	  int cluster, int proc, time_t when, const char *body)
{
	struct ulog_file *f = file_for(b, path);
	strbuf_addf(&f->text, "%03d (%03d.%03d.000) %s ", (int)event, cluster,
		    proc, format_date(b, when));
	if (body != NULL && *body != '\0') {
		size_t len = strlen(body);
		strbuf_add(&f->text, body, len);
		if (body[len - 1] != '\n')
			strbuf_addc(&f->text, '\n');
	} else {
		strbuf_addc(&f->text, '\n');
	}
	strbuf_adds(&f->text, "...\n");
	return f;
}

void
ulog_add(struct ulog_batch *b, const char *path, enum ulog_event event,
	 int cluster, int proc, time_t when, const char *body)
{
	add_event(b, path, event, cluster, proc, when, body);
}

/* No account has this uid: a log that must be owned by it is never written. */
#define ULOG_NO_UID ((uid_t)-1)

/* The uid of the job's Owner: 0 if the job has no Owner, 1 with *uid set
 * if it names a local user, -1 if it names no one we know. */
static int
owner_uid(struct ulog_batch *b, const struct classad *job, uid_t *uid)
{
	char *name = classad_get_string(job, "Owner");
	if (name == NULL)
		return 0;
	if (b->owner_name == NULL || strcmp(b->owner_name, name) != 0) {
		struct passwd *pw = getpwnam(name);
		free(b->owner_name);
		b->owner_name = name;
		b->owner_known = pw != NULL;
		b->owner_uid = pw ? pw->pw_uid : ULOG_NO_UID;
	} else {
		free(name);
	}
	*uid = b->owner_uid;
	return b->owner_known ? 1 : -1;
}

void
ulog_add_job(struct ulog_batch *b, const struct classad *job,
	     enum ulog_event event, time_t when, const char *body)
{
	long long cluster, proc;
	char *path = classad_get_string(job, "UserLog");
	if (path == NULL || *path == '\0' ||
	    !classad_get_int(job, "ClusterId", &cluster) ||
	    !classad_get_int(job, "ProcId", &proc) ||
	    cluster < 0 || cluster > INT32_MAX || proc < 0 || proc > INT32_MAX) {
		free(path);
		return;
	}
	/* condor_submit stores an absolute path; a relative one is taken
	 * from the job's initial directory, as HTCondor's shadow does. */
	if (path[0] != '/') {
		char *iwd = classad_get_string(job, "Iwd");
		if (iwd != NULL && *iwd != '\0') {
			char *full = fileio_join(iwd, path);
			free(path);
			path = full;
		}
		free(iwd);
	}
	struct ulog_file *f = add_event(b, path, event, (int)cluster, (int)proc,
					when, body);
	free(path);
	uid_t uid;
	int known;
	if (geteuid() == 0 && (known = owner_uid(b, job, &uid)) != 0) {
		if (known < 0 || (f->have_owner && f->owner_uid != uid))
			uid = ULOG_NO_UID;	/* a stranger, or owners disagree */
		f->have_owner = true;
		f->owner_uid = uid;
	}
}

/* ---- writing ---- */

/* Opens path for appending, creating it if needed. */
static int
try_open(const char *path, int flags, bool *created)
{
	for (int tries = 0; tries < 3; tries++) {
		int fd = open(path, flags);
		if (fd >= 0 || errno != ENOENT)
			return fd;
		fd = open(path, flags | O_CREAT | O_EXCL, 0664);
		if (fd >= 0) {
			*created = true;
			return fd;
		}
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

/* Opens f's path for appending; *created tells whether this call made
 * it.  -1 with err set on failure. */
static int
open_log(const struct ulog_file *f, bool *created, struct error *err)
{
	int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	*created = false;
	if (f->have_owner && f->owner_uid != 0) {
		int fd = open(f->path, flags | O_NOFOLLOW);
		struct stat st;
		if (fd < 0)
			return error_errno(err, "cannot open event log '%s'", f->path);
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != f->owner_uid) {
			close(fd);
			return error_set(err, "event log '%s' is not a file of the "
					 "job's owner; not written", f->path);
		}
		return fd;
	}
	int fd = try_open(f->path, flags, created);
	if (fd < 0)
		return error_errno(err, "cannot open event log '%s'", f->path);
	return fd;
}

static int
write_file(const struct ulog_file *f, bool sync, struct error *err)
{
	bool created;
	int fd = open_log(f, &created, err);
	if (fd < 0)
		return -1;
	/* Non-blocking was for the open only. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	struct stat st;
	off_t before = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
	if (fileio_write_all(fd, f->text.buf, f->text.len, f->path, err) < 0) {
		/* Cut off a partial event rather than leave a torn one. */
		if (before >= 0 && fstat(fd, &st) == 0 && st.st_size > before)
			(void)!ftruncate(fd, before);
		close(fd);
		return -1;
	}
	if (sync && fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
		error_errno(err, "fsync '%s'", f->path);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return error_errno(err, "close '%s'", f->path);
	if (sync && created) {
		char *dir = fileio_dirname(f->path);
		int rc = fileio_fsync_dir(dir, err);
		free(dir);
		return rc;
	}
	return 0;
}

struct ulog_pending {
	char **paths;		/* distinct; few at a time (one delay's worth) */
	size_t n, alloc;
};

struct ulog_pending *
ulog_pending_new(void)
{
	return xcalloc(1, sizeof(struct ulog_pending));
}

static void
pending_add(struct ulog_pending *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->paths[i], path) == 0)
			return;
	XGROW(p->paths, p->n + 1, p->alloc);
	p->paths[p->n++] = xstrdup(path);
}

static void
pending_clear(struct ulog_pending *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->paths[i]);
	p->n = 0;
}

void
ulog_pending_free(struct ulog_pending *p)
{
	if (p == NULL)
		return;
	pending_clear(p);
	free(p->paths);
	free(p);
}

bool
ulog_pending_any(const struct ulog_pending *p)
{
	return p != NULL && p->n > 0;
}

/* fsyncs path and its directory (a log created since the last sync needs
 * its name made durable too; syncing the directory is cheap otherwise). */
static int
sync_path(const char *path, struct error *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : error_errno(err, "open '%s'", path);
	int rc = 0;
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		rc = error_errno(err, "fsync '%s'", path);
	close(fd);
	if (rc == 0) {
		char *dir = fileio_dirname(path);
		rc = fileio_fsync_dir(dir, err);
		free(dir);
	}
	return rc;
}

int
ulog_pending_sync(struct ulog_pending *p, struct error *err)
{
	if (p == NULL)
		return 0;
	size_t failed = 0;
	struct error first, tmp;
	error_clear(&first);
	for (size_t i = 0; i < p->n; i++)
		if (sync_path(p->paths[i], &tmp) < 0 && failed++ == 0)
			first = tmp;
	pending_clear(p);
	if (failed == 0)
		return 0;
	return error_set(err, "%s", first.msg);
}

static int
flush(struct ulog_batch *b, bool sync, struct ulog_pending *pending,
      struct error *err)
{
	size_t failed = 0;
	struct error first, tmp;
	error_clear(&first);
	for (size_t i = 0; i < b->nfiles; i++) {
		struct ulog_file *f = &b->files[i];
		if (f->text.len == 0)
			continue;
		error_clear(&tmp);
		if (write_file(f, sync, &tmp) < 0) {
			if (failed++ == 0)
				first = tmp;
		} else if (!sync && pending != NULL) {
			pending_add(pending, f->path);
		}
		strbuf_release(&f->text);
	}
	if (failed == 0)
		return 0;
	if (failed > 1)
		return error_set(err, "%s (and %zu more event logs)", first.msg,
				 failed - 1);
	return error_set(err, "%s", first.msg);
}

int
ulog_flush(struct ulog_batch *b, struct error *err)
{
	return flush(b, true, NULL, err);
}

int
ulog_flush_deferred(struct ulog_batch *b, struct ulog_pending *pending,
		    struct error *err)
{
	return flush(b, false, pending, err);
}

/* ---- bodies ---- */

/* Appends "\t<reason>" with line breaks flattened, so a reason can never
 * end an event early or forge one ("\n...\n000 (...)"). */
static void
add_reason_line(struct strbuf *sb, const char *reason)
{
	strbuf_adds(sb, "\n\t");
	for (const char *p = reason; *p; p++) {
		if (*p == '\n')
			strbuf_addc(sb, '|');
		else if (*p == '\r')
			strbuf_addc(sb, ' ');
		else
			strbuf_addc(sb, *p);
	}
}

char *
ulog_local_address(void)
{
	char host[256];
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	/* The host name goes inside a <...> token: keep it one harmless word. */
	for (char *p = host; *p; p++)
		if (!(*p == '-' || *p == '.' || *p == '_' ||
		      (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z')))
			*p = '_';
	return xasprintf("<127.0.0.1:0?addrs=127.0.0.1-0&alias=%s>",
			 host[0] ? host : "localhost");
}

char *
ulog_body_submit(void)
{
	char *addr = ulog_local_address();
	char *body = xasprintf("Job submitted from host: %s", addr);
	free(addr);
	return body;
}

char *
ulog_body_held(const char *reason, int code, int subcode)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "Job was held.");
	add_reason_line(&sb, reason != NULL && *reason ? reason
						      : "Reason unspecified");
	strbuf_addf(&sb, "\n\tCode %d Subcode %d", code, subcode);
	return strbuf_detach(&sb, NULL);
}

static char *
body_with_reason(const char *head, const char *reason)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, head);
	if (reason != NULL && *reason)
		add_reason_line(&sb, reason);
	return strbuf_detach(&sb, NULL);
}

char *
ulog_body_released(const char *reason)
{
	return body_with_reason("Job was released.", reason);
}

char *
ulog_body_aborted(const char *reason)
{
	return body_with_reason("Job was aborted.", reason);
}
