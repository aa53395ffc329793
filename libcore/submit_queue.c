/*
 * submit_queue.c - the queue statement:
 *
 *   queue [count] [var[,var...]] [in|from|matching [files|dirs|any]
 *         [slice] items]
 *
 * parsed as HTCondor does it: the first in/from/matching word anchors the
 * parse; the words just before it that look like names are the loop
 * variables, what precedes them is the count (an integer or a ClassAd
 * expression), and what follows is the item list - inline, in "( ... )"
 * on one or several lines, in a file, on standard input ("from -") or a
 * set of glob patterns.  The slice is Python's [start:end:step].
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classad.h"
#include "error.h"
#include "num.h"
#include "strbuf.h"
#include "submit_int.h"
#include "xalloc.h"
#include "banned.h"

static int
qfail(const struct stmt *st, struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
qfail(const struct stmt *st, struct error *err, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	submit_where(&sb, st->file, st->line);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_set(err, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* Finds the first in/from/matching word (delimited by space or '('). */
static enum qmode
find_keyword(const char *args, const char **kw, const char **after)
{
	const char *p = args;
	while (*p) {
		while (*p && (isspace((unsigned char)*p) || *p == '('))
			p++;
		const char *w = p;
		while (*p && !isspace((unsigned char)*p) && *p != '(')
			p++;
		size_t n = (size_t)(p - w);
		enum qmode m = QM_NONE;
		if (n == 2 && strncasecmp(w, "in", 2) == 0)
			m = QM_IN;
		else if (n == 4 && strncasecmp(w, "from", 4) == 0)
			m = QM_FROM;
		else if (n == 8 && strncasecmp(w, "matching", 8) == 0)
			m = QM_MATCHING;
		if (m != QM_NONE) {
			*kw = w;
			*after = p;
			return m;
		}
	}
	return QM_NONE;
}

static int
parse_slice(const char *s, const char **end, struct qspec *q)
{
	long long *vals[3] = { &q->start, &q->end, &q->step };
	bool *has[3] = { &q->has_start, &q->has_end, &q->has_step };
	const char *p = s + 1;
	for (int i = 0; i < 3; i++) {
		char *e;
		errno = 0;
		long long v = strtoll(p, &e, 10);
		if (e != p) {
			if (errno || v < INT_MIN || v > INT_MAX)
				return -1;
			*vals[i] = v;
			*has[i] = true;
		}
		p = e;
		if (*p == ']') {
			*end = p + 1;
			q->slice = true;
			return (q->has_step && q->step <= 0) ? -1 : 0;
		}
		if (*p != ':')
			return -1;
		p++;
	}
	return -1;
}

/* Skips files/dirs/any and a slice after the keyword. */
static int
parse_qualifiers(const char **pp, struct qspec *q, bool *bad_word)
{
	const char *p = *pp;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '(' || *p == '\0')
			break;
		if (*p == '[') {
			if (parse_slice(p, &p, q) < 0)
				return -1;
			continue;
		}
		const char *w = p;
		while (*p && !isspace((unsigned char)*p) && *p != '(')
			p++;
		size_t n = (size_t)(p - w);
		enum qmatch m = QMATCH_DEFAULT;
		if (n == 5 && strncasecmp(w, "files", 5) == 0)
			m = QMATCH_FILES;
		else if (n == 4 && strncasecmp(w, "dirs", 4) == 0)
			m = QMATCH_DIRS;
		else if (n == 3 && strncasecmp(w, "any", 3) == 0)
			m = QMATCH_ANY;
		if (m == QMATCH_DEFAULT) {
			p = w;
			break;
		}
		if (q->mode != QM_MATCHING) {
			*bad_word = true;
			return -1;
		}
		q->match = m;
	}
	*pp = p;
	return 0;
}

bool
submit_queue_wants_lines(const char *args)
{
	const char *kw, *after;
	struct qspec q;
	bool bad = false;
	memset(&q, 0, sizeof(q));
	q.mode = find_keyword(args, &kw, &after);
	if (q.mode == QM_NONE)
		return false;
	const char *p = after;
	if (parse_qualifiers(&p, &q, &bad) < 0 || *p != '(')
		return false;
	size_t n = strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	return !(n > 1 && p[n - 1] == ')');
}

static bool
is_var_char(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

/* Takes loop variable names from the end of [start, end); returns where
 * the count expression ends. */
static const char *
take_vars(const char *start, const char *end, struct strvec *vars)
{
	struct strvec rev = { 0 };
	const char *p = end;
	for (;;) {
		const char *q = p;
		while (q > start && (isspace((unsigned char)q[-1]) || q[-1] == ','))
			q--;
		const char *we = q;
		while (q > start && is_var_char((unsigned char)q[-1]))
			q--;
		if (q == we || isdigit((unsigned char)*q) || *q == '.')
			break;
		strvec_push_n(&rev, q, (size_t)(we - q));
		p = q;
	}
	for (size_t i = rev.n; i-- > 0;)
		strvec_push(vars, rev.v[i]);
	strvec_clear(&rev);
	return p;
}

static int
parse_count(const struct stmt *st, const char *s, size_t n, long long *out,
	    struct error *err)
{
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	if (n == 0) {
		*out = 1;
		return 0;
	}
	char *t = xstrndup(s, n);
	long long v = 0;
	int rc = 0;
	if (num_parse_ll(t, LLONG_MIN, LLONG_MAX, &v) < 0) {
		struct cval cv = { 0 };
		if (cexpr_eval_text(t, NULL, &cv, NULL) < 0 || cv.type != CVAL_INT)
			rc = qfail(st, err, "Invalid Queue count expression: %s", t);
		else
			v = cv.u.i;
		cval_release(&cv);
	}
	if (rc == 0 && (v < 0 || v >= INT_MAX))
		rc = qfail(st, err, "Queue count out of range: %s", t);
	free(t);
	*out = v;
	return rc;
}

/* Adds the words of text (split on commas and whitespace) as items. */
static void
add_words(struct strvec *items, const char *text)
{
	const char *p = text;
	for (;;) {
		while (*p && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (*p == '\0')
			break;
		const char *w = p;
		while (*p && !isspace((unsigned char)*p) && *p != ',')
			p++;
		strvec_push_n(items, w, (size_t)(p - w));
	}
}

static void
add_line(struct strvec *items, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n > 0)
		strvec_push_n(items, s, n);
}

static int
read_all_fd(int fd, struct strbuf *sb)
{
	for (;;) {
		strbuf_grow(sb, 65536);
		ssize_t r = read(fd, sb->buf + sb->len, 65536);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		strbuf_setlen(sb, sb->len + (size_t)r);
		if (sb->len > SUBMIT_MAX_FILE_SIZE) {
			errno = EFBIG;
			return -1;
		}
	}
}

static int
load_from(struct submit *s, const struct stmt *st, const char *name,
	  struct strvec *items, struct error *err)
{
	size_t n = strlen(name);
	if (n == 0)
		return qfail(st, err, "queue ... from needs a file name");
	if (name[n - 1] == '|')
		return qfail(st, err, "queue ... from a command ('%s') is not supported",
			     name);
	struct strbuf sb = STRBUF_INIT;
	int fd, rc = 0;
	if (strcmp(name, "-") == 0) {
		if (!s->cfg.allow_stdin_items || s->from_stdin) {
			strbuf_release(&sb);
			return qfail(st, err, "QUEUE FROM - (read from stdin) is not "
				     "allowed in this context");
		}
		fd = STDIN_FILENO;
	} else {
		char *path = name[0] == '/' ? xstrdup(name) :
			     xasprintf("%s/%s", s->cwd, name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		free(path);
		if (fd < 0)
			return qfail(st, err, "can't open queue items file %s: %s",
				     name, strerror(errno));
	}
	if (read_all_fd(fd, &sb) < 0)
		rc = qfail(st, err, "can't read queue items from %s: %s", name,
			   strerror(errno));
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc == 0 && memchr(sb.buf, '\0', sb.len) != NULL)
		rc = qfail(st, err, "queue items file %s holds a NUL byte", name);
	for (const char *p = sb.buf; rc == 0 && p < sb.buf + sb.len;) {
		const char *nl = memchr(p, '\n', (size_t)(sb.buf + sb.len - p));
		const char *e = nl ? nl : sb.buf + sb.len;
		add_line(items, p, (size_t)(e - p));
		p = e + 1;
	}
	strbuf_release(&sb);
	return rc;
}

static bool
kind_ok(const char *path, enum qmatch m)
{
	struct stat st;
	if (m == QMATCH_ANY)
		return true;
	if (stat(path, &st) < 0)
		return false;
	if (m == QMATCH_FILES)
		return !S_ISDIR(st.st_mode);
	if (m == QMATCH_DIRS)
		return S_ISDIR(st.st_mode);
	return true;
}

static int
load_matching(struct submit *s, const struct stmt *st, struct qspec *q,
	      const struct strvec *patterns, struct strvec *items,
	      struct error *err)
{
	for (size_t i = 0; i < patterns->n; i++) {
		const char *pat = patterns->v[i];
		bool rel = pat[0] != '/';
		char *full = rel ? xasprintf("%s/%s", s->cwd, pat) : xstrdup(pat);
		size_t skip = rel ? strlen(s->cwd) + 1 : 0;
		glob_t g;
		memset(&g, 0, sizeof(g));
		int rc = glob(full, 0, NULL, &g);
		size_t found = 0;
		if (rc == 0) {
			for (size_t k = 0; k < g.gl_pathc; k++) {
				const char *path = g.gl_pathv[k];
				if (!kind_ok(path, q->match))
					continue;
				const char *item = strlen(path) >= skip ? path + skip : path;
				bool dup = false;
				for (size_t j = 0; patterns->n > 1 && j < items->n && !dup; j++)
					dup = strcmp(items->v[j], item) == 0;
				if (!dup)
					strvec_push(items, item);
				found++;
				if (items->n > (size_t)s->cfg.max_procs) {
					globfree(&g);
					free(full);
					return qfail(st, err, "more than %ld queue items",
						     s->cfg.max_procs);
				}
			}
		} else if (rc != GLOB_NOMATCH) {
			globfree(&g);
			free(full);
			return qfail(st, err, "can't expand the pattern '%s'", pat);
		}
		if (found == 0)
			submit_warn(s, "%s:%d: no files match the pattern '%s'",
				    st->file, st->line, pat);
		globfree(&g);
		free(full);
	}
	return 0;
}

static int
load_items(struct submit *s, const struct stmt *st, struct qspec *q,
	   const char *p, struct strvec *items, struct error *err)
{
	size_t n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	char *text = xstrndup(p, n);
	bool paren = text[0] == '(';
	bool one_line = paren && n > 1 && text[n - 1] == ')';
	int rc = 0;
	if (one_line) {
		text[n - 1] = '\0';
		memmove(text, text + 1, n - 1);
	} else if (paren) {
		memmove(text, text + 1, n);
	}
	if (paren && !one_line && !st->has_lines) {
		free(text);
		return qfail(st, err, "Reached end of file without finding closing "
			     "brace ')' for Queue command on line %d", st->line);
	}
	struct strvec words = { 0 };
	if (q->mode == QM_FROM) {
		if (paren) {
			add_line(items, text, strlen(text));
			for (size_t i = 0; i < st->nlines; i++)
				add_line(items, st->lines[i], strlen(st->lines[i]));
		} else {
			char *t = text;
			while (isspace((unsigned char)*t))
				t++;
			rc = load_from(s, st, t, items, err);
		}
	} else {
		struct strvec *dst = q->mode == QM_IN ? items : &words;
		add_words(dst, text);
		for (size_t i = 0; paren && i < st->nlines; i++)
			add_words(dst, st->lines[i]);
		if (q->mode == QM_MATCHING)
			rc = load_matching(s, st, q, &words, items, err);
	}
	strvec_clear(&words);
	free(text);
	if (rc == 0 && items->n > (size_t)s->cfg.max_procs)
		rc = qfail(st, err, "more than %ld queue items", s->cfg.max_procs);
	return rc;
}

int
qspec_load(struct submit *s, const struct stmt *st, const char *args,
	   struct qspec *q, struct error *err)
{
	memset(q, 0, sizeof(*q));
	const char *kw = NULL, *after = NULL;
	struct strvec vars = { 0 }, items = { 0 };
	q->mode = find_keyword(args, &kw, &after);
	const char *count_end = args + strlen(args);
	int rc = 0;
	if (q->mode != QM_NONE) {
		bool bad = false;
		const char *p = after;
		if (parse_qualifiers(&p, q, &bad) < 0) {
			rc = qfail(st, err, bad ? "invalid Queue statement: "
				   "files/dirs/any only go with matching" :
				   "invalid Queue statement: bad slice");
			goto out;
		}
		count_end = take_vars(args, kw, &vars);
		if (vars.n == 0)
			strvec_push(&vars, "Item");
		rc = load_items(s, st, q, p, &items, err);
	}
	if (rc == 0)
		rc = parse_count(st, args, (size_t)(count_end - args), &q->count, err);
	for (size_t i = 0; rc == 0 && i < vars.n; i++)
		for (size_t k = 0; k < i; k++)
			if (strcasecmp(vars.v[i], vars.v[k]) == 0)
				rc = qfail(st, err, "queue variable %s is listed twice",
					   vars.v[i]);
out:
	q->vars = vars.v;
	q->nvars = vars.n;
	q->items = items.v;
	q->nitems = items.n;
	if (rc < 0)
		qspec_release(q);
	return rc;
}

void
qspec_release(struct qspec *q)
{
	for (size_t i = 0; i < q->nvars; i++)
		free(q->vars[i]);
	free(q->vars);
	for (size_t i = 0; i < q->nitems; i++)
		free(q->items[i]);
	free(q->items);
	memset(q, 0, sizeof(*q));
}

bool
qspec_selected(const struct qspec *q, size_t ix)
{
	long long len = (long long)q->nitems, i = (long long)ix;
	if (!q->slice)
		return i < len;
	long long s = q->has_start ? (q->start < 0 ? q->start + len : q->start) : 0;
	long long e = q->has_end ? (q->end < 0 ? q->end + len : q->end) : len;
	if (s < 0)
		s = 0;
	return i >= s && i < e && (!q->has_step || (i - s) % q->step == 0);
}

unsigned long long
qspec_procs(const struct qspec *q)
{
	if (q->mode == QM_NONE)
		return (unsigned long long)q->count;
	unsigned long long n = 0;
	for (size_t i = 0; i < q->nitems; i++)
		n += qspec_selected(q, i);
	return n * (unsigned long long)q->count;
}

void
qspec_split_item(const struct qspec *q, const char *item, struct strbuf *buf,
		 size_t *offsets)
{
	strbuf_reset(buf);
	strbuf_adds(buf, item ? item : "");
	strbuf_addc(buf, '\0');		/* an empty string for missing fields */
	size_t empty = buf->len - 1;
	char *b = buf->buf;
	size_t i = 0;
	while (b[i] == ' ' || b[i] == '\t')
		i++;
	offsets[0] = i;
	const char *seps = strchr(b, '\x1f') ? "\x1f" : ", \t";
	for (size_t v = 1; v < q->nvars; v++) {
		while (i < empty && strchr(seps, b[i]) == NULL)
			i++;
		if (i >= empty) {
			offsets[v] = empty;
			continue;
		}
		size_t cut = i;
		b[i++] = '\0';
		/* trim the field just ended */
		while (cut > offsets[v - 1] && (b[cut - 1] == ' ' || b[cut - 1] == '\t'))
			b[--cut] = '\0';
		while (i < empty && (b[i] == ' ' || b[i] == '\t'))
			i++;
		offsets[v] = i;
	}
}
