/*
 * ulogread.c - the event log reader and the job tracker; see ulogread.h.
 *
 * The reader is a line-at-a-time state machine fed from a fixed chunk, so
 * it never rewinds: bytes already read stay in the partial line or the
 * partial event until the rest arrives, which is what lets it follow a
 * growing file and never return half an event.  Sizes are capped so a
 * hostile file (a gigabyte without a newline) costs bounded memory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "error.h"
#include "strbuf.h"
#include "ulogread.h"
#include "xalloc.h"
#include "banned.h"

struct header {
	int code, cluster, proc, subproc;
	time_t when;
	size_t body_off;	/* where the first body line starts */
};

struct ulogread {
	int fd, ifd;		/* ifd: inotify, or -1 */
	char *path;
	off_t off;		/* bytes taken from the file so far */
	char chunk[65536];
	size_t cpos, clen;
	struct strbuf line;
	bool line_cut;
	/* The event being assembled. */
	bool in_event, ev_cut;
	struct header hdr;
	struct strbuf ev;
	/* The event last handed out. */
	struct strbuf out;
};

/* ---- header parsing ---- */

/* Reads exactly n digits at *p. */
static bool
digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* Reads 1 to 10 digits as a non-negative int. */
static bool
number(const char **p, int *out)
{
	long long v = 0;
	const char *s = *p;
	while (*s >= '0' && *s <= '9' && s - *p < 10)
		v = v * 10 + (*s++ - '0');
	if (s == *p || (*s >= '0' && *s <= '9') || v > INT32_MAX)
		return false;
	*p = s;
	*out = (int)v;
	return true;
}

static bool
lit(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

/* The legacy date has no year: take the one that puts it at most a day
 * in the future. */
static time_t
legacy_time(struct tm *tm)
{
	time_t now = time(NULL);
	struct tm nt;
	if (localtime_r(&now, &nt) == NULL)
		return 0;
	tm->tm_year = nt.tm_year;
	struct tm copy = *tm;
	time_t t = mktime(&copy);
	if (t != (time_t)-1 && t > now + 86400) {
		copy = *tm;
		copy.tm_year--;
		t = mktime(&copy);
	}
	return t == (time_t)-1 ? 0 : t;
}

static bool
parse_date(const char **p, time_t *when)
{
	struct tm tm = { .tm_isdst = -1 };
	const char *s = *p;
	bool iso = s[0] >= '0' && s[0] <= '9' && s[4] == '-';
	if (iso) {
		if (!digits(&s, 4, &tm.tm_year) || !lit(&s, '-') ||
		    !digits(&s, 2, &tm.tm_mon) || !lit(&s, '-') ||
		    !digits(&s, 2, &tm.tm_mday))
			return false;
		tm.tm_year -= 1900;
	} else if (!digits(&s, 2, &tm.tm_mon) || !lit(&s, '/') ||
		   !digits(&s, 2, &tm.tm_mday)) {
		return false;
	}
	tm.tm_mon--;
	if (!lit(&s, ' ') || !digits(&s, 2, &tm.tm_hour) || !lit(&s, ':') ||
	    !digits(&s, 2, &tm.tm_min) || !lit(&s, ':') || !digits(&s, 2, &tm.tm_sec))
		return false;
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	bool utc = false;
	if (iso && *s == '.') {
		s++;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (iso && *s == 'Z') {
		s++;
		utc = true;
	}
	time_t t;
	if (!iso)
		t = legacy_time(&tm);
	else if (utc)
		t = timegm(&tm);
	else
		t = mktime(&tm);
	*when = t == (time_t)-1 ? 0 : t;
	*p = s;
	return true;
}

/* "NNN (C.P.S) <date>[ <text>]" */
static bool
parse_header(const char *line, struct header *h)
{
	const char *s = line;
	int ndig = 0;
	while (s[ndig] >= '0' && s[ndig] <= '9')
		ndig++;
	if (ndig < 3 || !number(&s, &h->code) || !lit(&s, ' ') ||
	    !lit(&s, '(') || !number(&s, &h->cluster) || !lit(&s, '.') ||
	    !number(&s, &h->proc) || !lit(&s, '.') ||
	    !number(&s, &h->subproc) || !lit(&s, ')') || !lit(&s, ' ') ||
	    !parse_date(&s, &h->when))
		return false;
	if (*s != '\0' && !lit(&s, ' '))
		return false;
	h->body_off = (size_t)(s - line);
	return true;
}

/* ---- the reader ---- */

struct ulogread *
ulogread_open(const char *path, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		error_errno(err, "%s", path);
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		errno = e;
		error_errno(err, "%s", path);
		errno = e;
		return NULL;
	}
	struct ulogread *r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->ifd = -1;
	r->path = xstrdup(path);
	strbuf_init(&r->line);
	strbuf_init(&r->ev);
	strbuf_init(&r->out);
#ifdef __linux__
	r->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->ifd >= 0 &&
	    inotify_add_watch(r->ifd, path, IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |
			      IN_MOVE_SELF | IN_DELETE_SELF) < 0) {
		close(r->ifd);
		r->ifd = -1;
	}
#endif
	return r;
}

void
ulogread_close(struct ulogread *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	if (r->ifd >= 0)
		close(r->ifd);
	free(r->path);
	strbuf_release(&r->line);
	strbuf_release(&r->ev);
	strbuf_release(&r->out);
	free(r);
}

static void
reset(struct ulogread *r)
{
	r->off = 0;
	r->cpos = r->clen = 0;
	strbuf_reset(&r->line);
	strbuf_reset(&r->ev);
	r->line_cut = r->in_event = r->ev_cut = false;
	(void)lseek(r->fd, 0, SEEK_SET);
}

/* Hands the assembled event out through ev. */
static void
emit(struct ulogread *r, struct ulogread_event *ev)
{
	strbuf_reset(&r->out);
	strbuf_add(&r->out, r->ev.buf, r->ev.len);
	strbuf_reset(&r->ev);
	ev->code = r->hdr.code;
	ev->cluster = r->hdr.cluster;
	ev->proc = r->hdr.proc;
	ev->subproc = r->hdr.subproc;
	ev->when = r->hdr.when;
	ev->text = r->out.buf;
	ev->body = r->out.buf + r->hdr.body_off;
	ev->truncated = r->ev_cut;
	r->in_event = false;
	r->ev_cut = false;
}

static void
ev_append(struct ulogread *r, const char *line, size_t len)
{
	if (r->ev.len + len + 1 > ULOGREAD_EVENT_MAX) {
		r->ev_cut = true;
		return;
	}
	strbuf_add(&r->ev, line, len);
	strbuf_addc(&r->ev, '\n');
}

/* Takes one complete line; returns true when it finished an event. */
static bool
take_line(struct ulogread *r, struct ulogread_event *ev)
{
	char *line = r->line.buf;
	size_t len = r->line.len;
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	struct header h;
	bool done = false;
	if (parse_header(line, &h)) {
		if (r->in_event) {
			emit(r, ev);	/* its writer never finished it */
			done = true;
		}
		r->in_event = true;
		r->ev_cut = r->line_cut;
		r->hdr = h;
		ev_append(r, line, len);
	} else if (r->in_event) {
		if (len == 3 && memcmp(line, "...", 3) == 0) {
			emit(r, ev);
			done = true;
		} else {
			ev_append(r, line, len);
			r->ev_cut |= r->line_cut;
		}
	}
	strbuf_reset(&r->line);
	r->line_cut = false;
	return done;
}

/* Consumes buffered bytes up to the end of the next finished event. */
static bool
scan(struct ulogread *r, struct ulogread_event *ev)
{
	while (r->cpos < r->clen) {
		const char *start = r->chunk + r->cpos;
		size_t avail = r->clen - r->cpos;
		const char *nl = memchr(start, '\n', avail);
		size_t n = nl ? (size_t)(nl - start) : avail;
		size_t room = ULOGREAD_LINE_MAX - r->line.len;
		if (n > room) {
			r->line_cut = true;
			strbuf_add(&r->line, start, room);
		} else {
			strbuf_add(&r->line, start, n);
		}
		r->cpos += n;
		if (nl == NULL)
			break;
		r->cpos++;
		if (take_line(r, ev))
			return true;
	}
	return false;
}

int
ulogread_next(struct ulogread *r, struct ulogread_event *ev, struct error *err)
{
	for (;;) {
		if (scan(r, ev))
			return 1;
		struct stat st;
		if (fstat(r->fd, &st) == 0 && st.st_size < r->off)
			reset(r);	/* truncated under us: start over */
		ssize_t n = read(r->fd, r->chunk, sizeof(r->chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return error_errno(err, "read '%s'", r->path);
		if (n == 0)
			return 0;
		r->cpos = 0;
		r->clen = (size_t)n;
		r->off += n;
	}
}

void
ulogread_wait(struct ulogread *r, int timeout_ms)
{
	if (timeout_ms < 0 || timeout_ms > 1000)
		timeout_ms = 1000;	/* look again now and then regardless */
	if (r->ifd >= 0) {
		struct pollfd pfd = { .fd = r->ifd, .events = POLLIN };
		if (poll(&pfd, 1, timeout_ms) > 0) {
			char buf[4096];
			while (read(r->ifd, buf, sizeof(buf)) > 0)
				;
		}
		return;
	}
	if (timeout_ms > 100)
		timeout_ms = 100;
	struct timespec ts = { 0, (long)timeout_ms * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

char *
ulogread_execute_host(const struct ulogread_event *ev)
{
	const char *p = strstr(ev->body, "host: ");
	const char *eol = strchr(ev->body, '\n');
	if (p == NULL || (eol != NULL && p > eol))
		return xstrdup("");
	p += strlen("host: ");
	return xstrndup(p, eol ? (size_t)(eol - p) : strlen(p));
}

/* ---- tracking jobs ---- */

struct ulogwait_job {
	int cluster, proc, subproc;
	bool used, pending;
};

struct ulogwait {
	int cluster, proc, subproc;
	struct ulogwait_job *tab;
	size_t ntab, nused;
	long long submitted, ended, pending;
};

struct ulogwait *
ulogwait_new(int cluster, int proc, int subproc)
{
	struct ulogwait *w = xcalloc(1, sizeof(*w));
	w->cluster = cluster;
	w->proc = proc;
	w->subproc = subproc;
	return w;
}

void
ulogwait_free(struct ulogwait *w)
{
	if (w == NULL)
		return;
	free(w->tab);
	free(w);
}

static size_t
job_hash(int c, int p, int s)
{
	uint64_t h = (uint64_t)(uint32_t)c * 0x9E3779B97F4A7C15ull;
	h ^= (uint64_t)(uint32_t)p * 0xC2B2AE3D27D4EB4Full;
	h ^= (uint64_t)(uint32_t)s * 0x165667B19E3779F9ull;
	return (size_t)(h ^ (h >> 29));
}

static struct ulogwait_job *
slot_of(struct ulogwait_job *tab, size_t ntab, int c, int p, int s)
{
	size_t i = job_hash(c, p, s) & (ntab - 1);
	while (tab[i].used &&
	       !(tab[i].cluster == c && tab[i].proc == p && tab[i].subproc == s))
		i = (i + 1) & (ntab - 1);
	return &tab[i];
}

/* The job's entry, made if needed. */
static struct ulogwait_job *
job_entry(struct ulogwait *w, int c, int p, int s)
{
	if ((w->nused + 1) * 2 > w->ntab) {
		size_t n = w->ntab ? w->ntab * 2 : 64;
		struct ulogwait_job *tab = xcalloc(n, sizeof(*tab));
		for (size_t i = 0; i < w->ntab; i++)
			if (w->tab[i].used)
				*slot_of(tab, n, w->tab[i].cluster, w->tab[i].proc,
					 w->tab[i].subproc) = w->tab[i];
		free(w->tab);
		w->tab = tab;
		w->ntab = n;
	}
	struct ulogwait_job *j = slot_of(w->tab, w->ntab, c, p, s);
	if (!j->used) {
		*j = (struct ulogwait_job){ c, p, s, true, false };
		w->nused++;
	}
	return j;
}

bool
ulogwait_matches(const struct ulogwait *w, const struct ulogread_event *ev)
{
	return (w->cluster < 0 || w->cluster == ev->cluster) &&
	       (w->proc < 0 || w->proc == ev->proc) &&
	       (w->subproc < 0 || w->subproc == ev->subproc);
}

enum ulogwait_what
ulogwait_feed(struct ulogwait *w, const struct ulogread_event *ev)
{
	if (!ulogwait_matches(w, ev))
		return ULOGWAIT_IGNORED;
	struct ulogwait_job *j;
	switch (ev->code) {
	case 0:
		j = job_entry(w, ev->cluster, ev->proc, ev->subproc);
		w->pending += !j->pending;
		j->pending = true;
		w->submitted++;
		return ULOGWAIT_SUBMITTED;
	case 1:
		return ULOGWAIT_EXECUTING;
	case 5:
	case 9:
		j = job_entry(w, ev->cluster, ev->proc, ev->subproc);
		w->pending -= j->pending;
		j->pending = false;
		w->ended++;
		return ev->code == 5 ? ULOGWAIT_COMPLETED : ULOGWAIT_ABORTED;
	default:
		return ULOGWAIT_OTHER;
	}
}

long long
ulogwait_submitted(const struct ulogwait *w)
{
	return w->submitted;
}

long long
ulogwait_ended(const struct ulogwait *w)
{
	return w->ended;
}

bool
ulogwait_all_done(const struct ulogwait *w)
{
	return w->submitted > 0 && w->pending == 0;
}
