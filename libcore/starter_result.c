/*
 * starter_result.c - the files of the daemon/starter protocol (starter.h):
 * .job.ad, .starter.pid and .starter.result.
 *
 * Every one of them lives in a directory the job can write, so reading is
 * bounded and range-checked, and writing never follows a name the job may
 * have planted: the temporary file is created with O_EXCL|O_NOFOLLOW, and
 * whatever sits at the final name is renamed away or replaced, never
 * opened.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "num.h"
#include "starter_int.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

#define RESULT_MAX 8192
#define PID_MAX_TEXT 128
#define REASON_MAX (sizeof(((struct starter_result *)0)->hold_reason) - 1)

static const char *const outcome_names[] = {
	[STARTER_EXITED] = "EXITED",
	[STARTER_EVICTED] = "EVICTED",
	[STARTER_CHECKPOINT_FAILED] = "CHECKPOINT_FAILED",
	[STARTER_START_FAILED] = "START_FAILED",
};
#define N_OUTCOMES (sizeof(outcome_names) / sizeof(outcome_names[0]))

const char *
starter_outcome_name(enum starter_outcome o)
{
	return (size_t)o < N_OUTCOMES && outcome_names[o] ? outcome_names[o] : "?";
}

/* ---- writing a small file the job cannot redirect ----
 *
 * Atomic (write, rename) but deliberately not fsync'ed: these files only
 * matter while the machine stays up.  After a power loss every run is
 * over anyway, and a sandbox whose files did not reach the disk is a run
 * the daemon counts as lost: the job goes back to Idle and restarts from
 * its last checkpoint, which spool_commit did make durable.  Skipping the
 * six fsyncs per run is most of what a trivial job costs.
 */

static int
write_private(const char *dir, const char *name, const char *data,
	      mode_t mode, struct error *err)
{
	char *path = fileio_join(dir, name);
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int rc = -1;
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      mode);
	if (fd < 0) {
		error_errno(err, "create '%s'", tmp);
		goto out;
	}
	int wrc = fileio_write_all(fd, data, strlen(data), tmp, err);
	close(fd);
	if (wrc < 0) {
		unlink(tmp);
		goto out;
	}
	struct stat st;
	/* A directory planted at the name would make rename fail. */
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		char *aside = xasprintf("%s.junk.%ld", path, (long)getpid());
		rename(path, aside);
		free(aside);
	}
	if (rename(tmp, path) < 0) {
		error_errno(err, "rename '%s'", tmp);
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return rc;
}

/* ---- .starter.result ---- */

/* HTCondor maps newlines in reasons to '|' (condor_event.cpp). */
static void
add_reason(struct strbuf *sb, const char *s)
{
	for (size_t i = 0; s[i] && i < REASON_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			c = '|';
		else if (c < 0x20 || c == 0x7f)
			c = ' ';
		strbuf_addc(sb, (char)c);
	}
}

int
starter_result_write(const char *sandbox, const struct starter_result *r,
		     struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "outcome = %s\n", starter_outcome_name(r->outcome));
	strbuf_addf(&sb, "wait_status = %d\n", r->wait_status);
	strbuf_addf(&sb, "output_transferred = %s\n",
		    r->output_transferred ? "true" : "false");
	strbuf_addf(&sb, "hold_code = %d\n", r->hold_code);
	strbuf_addf(&sb, "hold_subcode = %d\n", r->hold_subcode);
	strbuf_adds(&sb, "hold_reason = ");
	add_reason(&sb, r->hold_reason);
	strbuf_addf(&sb, "\nusr_sec = %lld\n", r->usr_sec);
	strbuf_addf(&sb, "sys_sec = %lld\n", r->sys_sec);
	strbuf_addf(&sb, "bytes_sent = %lld\n", r->bytes_sent);
	strbuf_addf(&sb, "bytes_received = %lld\n", r->bytes_received);
	strbuf_addf(&sb, "checkpoints = %lld\n", r->checkpoints);
	int rc = write_private(sandbox, STARTER_RESULT_FILE, sb.buf, 0600, err);
	strbuf_release(&sb);
	return rc;
}

static int
set_field(struct starter_result *r, const char *name, const char *value,
	  unsigned *seen)
{
#define LL_FIELD(f) { #f, offsetof(struct starter_result, f) }
	static const struct {
		const char *name;
		size_t off;
	} ll_fields[] = {	/* each 0..LLONG_MAX */
		LL_FIELD(usr_sec), LL_FIELD(sys_sec), LL_FIELD(bytes_sent),
		LL_FIELD(bytes_received), LL_FIELD(checkpoints),
	};
#undef LL_FIELD
	if (strcmp(name, "outcome") == 0) {
		for (size_t i = 1; i < N_OUTCOMES; i++)
			if (outcome_names[i] && strcmp(value, outcome_names[i]) == 0) {
				r->outcome = (enum starter_outcome)i;
				*seen |= 1;
				return 0;
			}
		return -1;
	}
	if (strcmp(name, "wait_status") == 0) {
		*seen |= 2;
		return num_parse_int(value, 0, 0xffff, &r->wait_status);
	}
	if (strcmp(name, "output_transferred") == 0) {
		r->output_transferred = strcmp(value, "true") == 0;
		return r->output_transferred || strcmp(value, "false") == 0 ? 0 : -1;
	}
	if (strcmp(name, "hold_code") == 0)
		return num_parse_int(value, 0, 100000, &r->hold_code);
	if (strcmp(name, "hold_subcode") == 0)
		return num_parse_int(value, INT_MIN, INT_MAX, &r->hold_subcode);
	if (strcmp(name, "hold_reason") == 0) {
		snprintf(r->hold_reason, sizeof(r->hold_reason), "%s", value);
		return 0;
	}
	for (size_t i = 0; i < sizeof(ll_fields) / sizeof(ll_fields[0]); i++)
		if (strcmp(name, ll_fields[i].name) == 0)
			return num_parse_ll(value, 0, LLONG_MAX, (long long *)
					    ((char *)r + ll_fields[i].off));
	return 0;	/* a field from a later version */
}

int
starter_result_read(const char *sandbox, struct starter_result *r,
		    struct error *err)
{
	char *path = fileio_join(sandbox, STARTER_RESULT_FILE);
	char *text = NULL;
	size_t len;
	unsigned seen = 0;
	int rc = fileio_read_all(path, RESULT_MAX, &text, &len, err);
	memset(r, 0, sizeof(*r));
	if (rc == 0 && strlen(text) != len)
		rc = error_set(err, "%s: holds a NUL byte", path);
	int line = 0;
	for (char *p = rc == 0 ? text : NULL; p && *p && rc == 0;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line++;
		char *eq = strstr(p, " = ");
		if (eq == NULL) {
			rc = error_set(err, "%s:%d: malformed line", path, line);
			break;
		}
		*eq = '\0';
		if (set_field(r, p, eq + 3, &seen) < 0)
			rc = error_set(err, "%s:%d: bad value for %s", path, line, p);
		p = nl ? nl + 1 : NULL;
	}
	if (rc == 0 && seen != 3)
		rc = error_set(err, "%s: no outcome or wait_status", path);
	if (rc < 0)
		memset(r, 0, sizeof(*r));
	free(text);
	free(path);
	return rc;
}

/* ---- .starter.pid ---- */

/* Field 22 (starttime) of /proc/<pid>/stat, and whether it is a zombie;
 * -1 if there is no such process. */
static long long
proc_starttime(pid_t pid, bool *zombie)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and parentheses. */
	char *p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return -1;
	p += 2;
	*zombie = *p == 'Z' || *p == 'X';
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return -1;
		p++;
	}
	char *end = strchr(p, ' ');
	if (end)
		*end = '\0';
	long long t;
	return num_parse_ll(p, 0, LLONG_MAX, &t) == 0 ? t : -1;
}

int
starter_pid_write(const char *sandbox, struct error *err)
{
	bool zombie;
	long long t = proc_starttime(getpid(), &zombie);
	if (t < 0)
		return error_set(err, "cannot read /proc/%ld/stat", (long)getpid());
	char text[64];
	snprintf(text, sizeof(text), "%ld %lld\n", (long)getpid(), t);
	return write_private(sandbox, STARTER_PID_FILE, text, 0644, err);
}

pid_t
starter_alive(const char *sandbox)
{
	char *path = fileio_join(sandbox, STARTER_PID_FILE);
	char *text = NULL;
	size_t len;
	pid_t alive = 0;
	if (fileio_read_all(path, PID_MAX_TEXT, &text, &len, NULL) == 0) {
		char *sp = strchr(text, ' ');
		int pid;
		long long want, got;
		bool zombie = false;
		if (sp != NULL) {
			*sp = '\0';
			if (num_parse_int(text, 1, INT_MAX, &pid) == 0 &&
			    num_parse_ll(sp + 1, 0, LLONG_MAX, &want) == 0 &&
			    (got = proc_starttime(pid, &zombie)) == want && !zombie)
				alive = pid;
		}
	}
	free(text);
	free(path);
	return alive;
}

/* ---- .job.ad ---- */

int
starter_job_ad_write(const char *sandbox, const struct classad *job,
		     struct error *err)
{
	struct classad *flat = classad_flatten(job);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < classad_size(flat); i++)
		strbuf_addf(&sb, "%s = %s\n", classad_name_at(flat, i),
			    classad_text_at(flat, i));
	int rc = write_private(sandbox, STARTER_JOB_AD, sb.buf, 0644, err);
	strbuf_release(&sb);
	classad_free(flat);
	return rc;
}

static bool
name_ok(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

static int
ad_line(struct classad *ad, char *p, const char *path, int line,
	struct error *err)
{
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	char *eq = strchr(p, '=');
	size_t n = eq ? (size_t)(eq - p) : 0;
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (eq == NULL || !name_ok(p, n))
		return error_set(err, "%s:%d: expected 'Name = value'", path, line);
	p[n] = '\0';
	if (classad_set_text(ad, p, eq + 1, err) < 0)
		return error_prefix(err, "%s:%d: %s", path, line, p);
	return 0;
}

struct classad *
starter_job_ad_read(const char *path, struct error *err)
{
	char *text = NULL;
	size_t len;
	if (fileio_read_all(path, STARTER_JOB_AD_MAX, &text, &len, err) < 0)
		return NULL;
	if (strlen(text) != len) {
		error_set(err, "%s: holds a NUL byte", path);
		free(text);
		return NULL;
	}
	struct classad *ad = classad_new();
	int line = 0, rc = 0;
	for (char *p = text; p && *p && rc == 0;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		rc = ad_line(ad, p, path, ++line, err);
		p = nl ? nl + 1 : NULL;
	}
	free(text);
	if (rc < 0) {
		classad_free(ad);
		return NULL;
	}
	return ad;
}
