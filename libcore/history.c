/*
 * history.c - see history.h.
 *
 * The reader indexes the file in one forward pass that only looks for
 * banner lines (so a huge line costs nothing but the read), keeping the
 * start and end offset of each complete ad; ads are then read one at a
 * time with pread, in either direction.  Values are parsed with
 * classad_set_text, not trusted, since the file may have been edited by
 * hand; only integers and escape-free strings, recognised by a plain
 * scan, skip the parser.
 *
 * The writer walks the job's parent chain instead of flattening (no
 * copies), buffers formatted ads and writes them in pieces of about
 * HISTORY_CHUNK; the queue holds its lock while writing, so the offsets
 * written into the banners are exact.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "history.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

#define HISTORY_CHUNK (1u << 20)

static const char banner[] = "*** ";

/* ------------------------------------------------------------------ */
/* Reading                                                              */
/* ------------------------------------------------------------------ */

struct hist_span {
	off_t start, end;
};

struct history {
	char *path;
	int fd;
	enum history_order order;
	struct hist_span *spans;
	size_t n, alloc;
	size_t next;		/* spans consumed so far */
	struct strbuf buf;
};

/* The forward pass: an ad ends with the newline of a line that starts
 * with the banner.  A state machine over blocks, so lines of any length
 * are fine. */
static int
hist_index(struct history *h, struct error *err)
{
	enum { LINE_START, IN_LINE, IN_BANNER } state = LINE_START;
	size_t m = 0;
	off_t off = 0, ad_start = 0;
	char *blk = xmalloc(HISTORY_CHUNK);
	int rc = 0;
	for (;;) {
		ssize_t got = read(h->fd, blk, HISTORY_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = error_errno(err, "read '%s'", h->path);
			break;
		}
		if (got == 0)
			break;
		for (ssize_t i = 0; i < got; i++, off++) {
			char c = blk[i];
			if (c == '\n') {
				if (state == IN_BANNER) {
					XGROW(h->spans, h->n + 1, h->alloc);
					h->spans[h->n++] = (struct hist_span){ ad_start, off + 1 };
					ad_start = off + 1;
				}
				state = LINE_START;
				m = 0;
			} else if (state == LINE_START) {
				if (c != banner[m])
					state = IN_LINE;
				else if (++m == sizeof(banner) - 1)
					state = IN_BANNER;
			}
		}
	}
	if (rc == 0 && state == IN_BANNER) {	/* a last banner without its newline */
		XGROW(h->spans, h->n + 1, h->alloc);
		h->spans[h->n++] = (struct hist_span){ ad_start, off };
	}
	free(blk);
	return rc;
}

struct history *
history_open(const char *path, enum history_order order, struct error *err)
{
	struct history *h = xcalloc(1, sizeof(*h));
	h->path = xstrdup(path);
	h->order = order;
	strbuf_init(&h->buf);
	h->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (h->fd < 0 && errno != ENOENT) {
		error_errno(err, "open '%s'", path);
		history_close(h);
		return NULL;
	}
	if (h->fd >= 0 && hist_index(h, err) < 0) {
		history_close(h);
		return NULL;
	}
	return h;
}

size_t
history_count(const struct history *h)
{
	return h->n;
}

void
history_close(struct history *h)
{
	if (h == NULL)
		return;
	if (h->fd >= 0)
		close(h->fd);
	free(h->spans);
	free(h->path);
	strbuf_release(&h->buf);
	free(h);
}

static bool
name_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * true if text is obviously a valid literal (an integer, or a string with
 * no escapes), so it can be stored without the parser: most history lines
 * are such, and parsing every line of a large file is what would be slow.
 */
static bool
plain_literal(const char *t, size_t len)
{
	size_t i = t[0] == '-';
	if (i < len && len - i <= 18 && strspn(t + i, "0123456789") == len - i &&
	    (t[i] != '0' || len - i == 1))
		return true;
	return len >= 2 && t[0] == '"' && t[len - 1] == '"' &&
	       memchr(t + 1, '"', len - 2) == NULL && memchr(t, '\\', len) == NULL;
}

/* One "Name = value" line (no newline) into ad; anything else is skipped. */
static void
hist_line(struct classad *ad, char *line, size_t len)
{
	if (len > HISTORY_LINE_MAX || strncmp(line, banner, sizeof(banner) - 1) == 0)
		return;
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
			   line[len - 1] == '\t'))
		len--;
	line[len] = '\0';
	size_t i = 0;
	while (i < len && name_char(line[i], i == 0))
		i++;
	size_t name_end = i;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (name_end == 0 || i >= len || line[i] != '=')
		return;
	i++;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= len)
		return;
	line[name_end] = '\0';
	if (plain_literal(line + i, len - i))
		classad_set_text_trusted(ad, line, line + i);
	else
		classad_set_text(ad, line, line + i, NULL);
}

static int
hist_read_span(struct history *h, const struct hist_span *s, struct error *err)
{
	size_t len = (size_t)(s->end - s->start);
	strbuf_reset(&h->buf);
	strbuf_grow(&h->buf, len);
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(h->fd, h->buf.buf + got, len - got,
				  s->start + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_errno(err, "read '%s'", h->path);
		if (r == 0)
			return error_set(err, "'%s' shrank while being read", h->path);
		got += (size_t)r;
	}
	strbuf_setlen(&h->buf, len);
	return 0;
}

int
history_next(struct history *h, struct classad **out, struct error *err)
{
	while (h->next < h->n) {
		size_t k = h->order == HISTORY_NEWEST_FIRST ? h->n - 1 - h->next : h->next;
		const struct hist_span *s = &h->spans[k];
		h->next++;
		if (s->end - s->start > (off_t)HISTORY_AD_MAX)
			continue;
		if (hist_read_span(h, s, err) < 0)
			return -1;
		struct classad *ad = classad_new();
		char *p = h->buf.buf, *end = p + h->buf.len;
		while (p < end) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
			hist_line(ad, p, l);
			p += l + 1;
		}
		*out = ad;
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */

struct history_writer {
	char *path;
	int fd;
	off_t start;		/* size at open: what undo cuts back to */
	off_t written;		/* bytes appended so far */
	struct strbuf buf;
	bool failed;
	struct error ferr;
};

struct history_writer *
history_writer_open(const char *path, struct error *err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		error_errno(err, "open '%s'", path);
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		error_errno(err, "stat '%s'", path);
		close(fd);
		return NULL;
	}
	struct history_writer *w = xcalloc(1, sizeof(*w));
	w->path = xstrdup(path);
	w->fd = fd;
	w->start = st.st_size;
	strbuf_init(&w->buf);
	/* A torn earlier append must not run into our first line. */
	char last;
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
		strbuf_addc(&w->buf, '\n');
	return w;
}

static void
hist_flush(struct history_writer *w)
{
	if (!w->failed && w->buf.len > 0 &&
	    fileio_write_all(w->fd, w->buf.buf, w->buf.len, w->path, &w->ferr) < 0)
		w->failed = true;
	w->written += (off_t)w->buf.len;
	strbuf_reset(&w->buf);
}

struct hist_attr {
	const char *name, *text;
};

static int
hist_attr_cmp(const void *a, const void *b)
{
	return classad_name_cmp(((const struct hist_attr *)a)->name,
				((const struct hist_attr *)b)->name);
}

/* Appends s with newlines turned into spaces: one attribute, one line. */
static void
add_oneline(struct strbuf *sb, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "\r\n");
		strbuf_add(sb, s, n);
		if (s[n] == '\0')
			return;
		strbuf_addc(sb, ' ');
		s += n + 1;
	}
}

/* How deep a parent chain is followed (proc -> cluster is 2). */
#define HISTORY_CHAIN_MAX 8

/* Every attribute visible through job, without copying any: its own,
 * then each ancestor's that no nearer ad overrides.  Caller frees. */
static struct hist_attr *
visible_attrs(const struct classad *job, size_t *np)
{
	const struct classad *chain[HISTORY_CHAIN_MAX];
	size_t depth = 0, total = 0;
	for (const struct classad *a = job; a && depth < HISTORY_CHAIN_MAX;
	     a = classad_parent(a)) {
		chain[depth++] = a;
		total += classad_size(a);
	}
	struct hist_attr *v = xreallocarray(NULL, total ? total : 1, sizeof(*v));
	size_t n = 0;
	for (size_t d = 0; d < depth; d++) {
		for (size_t i = 0, k = classad_size(chain[d]); i < k; i++) {
			const char *name = classad_name_at(chain[d], i);
			bool hidden = false;
			for (size_t e = 0; e < d && !hidden; e++)
				hidden = classad_has_own(chain[e], name);
			if (!hidden)
				v[n++] = (struct hist_attr){ name, classad_text_at(chain[d], i) };
		}
	}
	*np = n;
	return v;
}

void
history_writer_add(struct history_writer *w, const struct classad *job,
		   int cluster, int proc, time_t now)
{
	size_t n;
	struct hist_attr *a = visible_attrs(job, &n);
	qsort(a, n, sizeof(*a), hist_attr_cmp);
	off_t offset = w->start + w->written + (off_t)w->buf.len;
	for (size_t i = 0; i < n; i++) {
		strbuf_adds(&w->buf, a[i].name);
		strbuf_add(&w->buf, " = ", 3);
		add_oneline(&w->buf, a[i].text);
		strbuf_addc(&w->buf, '\n');
	}
	free(a);
	long long completion = 0;
	classad_get_int(job, "CompletionDate", &completion);
	char *owner = classad_get_string(job, "Owner");
	strbuf_addf(&w->buf, "*** Offset = %lld ClusterId = %d ProcId = %d Owner = \"",
		    (long long)offset, cluster, proc);
	for (const char *o = owner ? owner : ""; *o; o++)
		if (*o != '"' && *o != '\n' && *o != '\r')
			strbuf_addc(&w->buf, *o);
	strbuf_addf(&w->buf, "\" CompletionDate = %lld CurrentTime = %lld\n",
		    completion, (long long)now);
	free(owner);
	if (w->buf.len >= HISTORY_CHUNK)
		hist_flush(w);
}

int
history_writer_commit(struct history_writer *w, struct error *err)
{
	hist_flush(w);
	if (w->failed) {
		if (err)
			*err = w->ferr;
		return -1;
	}
	if (fdatasync(w->fd) < 0)
		return error_errno(err, "fdatasync '%s'", w->path);
	return 0;
}

int
history_writer_undo(struct history_writer *w, struct error *err)
{
	strbuf_reset(&w->buf);
	if (ftruncate(w->fd, w->start) < 0)
		return error_errno(err, "truncate '%s'", w->path);
	if (fdatasync(w->fd) < 0)
		return error_errno(err, "fdatasync '%s'", w->path);
	return 0;
}

void
history_writer_free(struct history_writer *w)
{
	if (w == NULL)
		return;
	close(w->fd);
	free(w->path);
	strbuf_release(&w->buf);
	free(w);
}
