/*
 * submit_parse.c - submit description text to a list of statements.
 *
 * The line rules are HTCondor's configuration syntax as condor_submit uses
 * it: trailing whitespace is dropped, a trailing backslash joins the next
 * line (whose leading whitespace is dropped, nothing inserted), blank
 * lines and lines starting with '#' are ignored (a comment ending in '\'
 * does not continue), there are no trailing comments.  A line is
 * "name = value", "name += value", "name @=TAG" ... "@TAG", a directive
 * ("include : file", "error : msg", "warning : msg"), if/elif/else/endif,
 * or a queue statement (any line whose first word is queue, iterate or
 * iter and that is not an assignment).  Values are not expanded here:
 * statements run in order at build time, when macros have their values.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "strbuf.h"
#include "submit_int.h"
#include "xalloc.h"
#include "banned.h"

/* The reader walks physical lines of one text. */
struct reader {
	const char *p, *end;
	int line;		/* number of the last physical line read */
	const char *file;
};

/* Next physical line with trailing whitespace (and \r) removed. */
static bool
next_physical(struct reader *r, const char **start, size_t *len)
{
	if (r->p >= r->end)
		return false;
	const char *s = r->p;
	const char *nl = memchr(s, '\n', (size_t)(r->end - s));
	const char *e = nl ? nl : r->end;
	r->p = nl ? nl + 1 : r->end;
	r->line++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*start = s;
	*len = (size_t)(e - s);
	return true;
}

static int
rfail(struct reader *r, int line, struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
rfail(struct reader *r, int line, struct error *err, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	submit_where(&sb, r->file, line);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_set(err, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* Next logical line (continuations joined, leading whitespace dropped);
 * 0 at end, -1 on an oversized line.  *first is its first line number. */
static int
next_logical(struct reader *r, struct strbuf *out, int *first, struct error *err)
{
	const char *s;
	size_t n;
	strbuf_reset(out);
	if (!next_physical(r, &s, &n))
		return 0;
	*first = r->line;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	bool comment = n > 0 && *s == '#';
	strbuf_add(out, s, n);
	while (!comment && out->len > 0 && out->buf[out->len - 1] == '\\') {
		strbuf_setlen(out, out->len - 1);
		if (!next_physical(r, &s, &n))
			break;
		while (n && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		strbuf_add(out, s, n);
		if (out->len > SUBMIT_MAX_LINE)
			break;
	}
	if (out->len > SUBMIT_MAX_LINE)
		return rfail(r, *first, err, "line is longer than %u bytes",
			     SUBMIT_MAX_LINE);
	return 1;
}

void
stmt_release(struct stmt *st)
{
	free(st->name);
	free(st->value);
	for (size_t i = 0; i < st->nlines; i++)
		free(st->lines[i]);
	free(st->lines);
	memset(st, 0, sizeof(*st));
}

static struct stmt *
add_stmt(struct submit *s, enum stmt_kind kind, const char *file, int line)
{
	XGROW(s->stmts, s->nstmts + 1, s->astmts);
	struct stmt *st = &s->stmts[s->nstmts++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->file = file;
	st->line = line;
	return st;
}

char *
submit_macro_name(const char *name)
{
	if (name[0] == '+' || name[0] == '-')
		return xasprintf("MY.%s", name + 1);
	if (strncasecmp(name, "MY.", 3) == 0)
		return xasprintf("MY.%s", name + 3);
	return xstrdup(name);
}

static bool
is_id_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '/';
}

static bool
word_is(const char *w, size_t n, const char *kw)
{
	return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

bool
submit_is_queue_line(const char *line, const char **args)
{
	while (isspace((unsigned char)*line))
		line++;
	size_t n = 0;
	while (isalpha((unsigned char)line[n]))
		n++;
	if (!(word_is(line, n, "queue") || word_is(line, n, "iterate") ||
	      word_is(line, n, "iter")))
		return false;
	if (line[n] != '\0' && !isspace((unsigned char)line[n]))
		return false;
	const char *a = line + n;
	while (isspace((unsigned char)*a))
		a++;
	if (*a == '=' || (a[0] == '+' && a[1] == '=') || (a[0] == '@' && a[1] == '='))
		return false;
	if (args)
		*args = a;
	return true;
}

int
submit_split_assignment(const char *line, char **name, char **value,
			enum stmt_kind *kind, const char **why)
{
	const char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	const char *ns = p;
	if (*p == '+' || *p == '-')
		p++;
	while (is_id_char((unsigned char)*p))
		p++;
	const char *ne = p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '=') {
		*kind = ST_SET;
		p++;
	} else if (p[0] == '+' && p[1] == '=') {
		*kind = ST_APPEND;
		p += 2;
	} else {
		*why = "expected 'name = value'";
		return -1;
	}
	if (ne == ns || ((*ns == '+' || *ns == '-') && ne == ns + 1)) {
		*why = "missing a name before '='";
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	char *raw = xstrndup(ns, (size_t)(ne - ns));
	*name = submit_macro_name(raw);
	/* "-Attr = x" defines the attribute as undefined (an empty value). */
	*value = xstrdup(*ns == '-' ? "" : p);
	free(raw);
	return 0;
}

/* Reads a whole file (or stdin for "-"), refusing more than max bytes. */
static int
read_source(const char *path, char **text, size_t *len, struct error *err)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO :
		 open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, "Failed to open command file (%s) (%s)",
				 path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return error_set(err, "Failed to open command file (%s) (%s)",
				 path, strerror(EISDIR));
	}
	struct strbuf sb = STRBUF_INIT;
	for (;;) {
		strbuf_grow(&sb, 65536);
		ssize_t r = read(fd, sb.buf + sb.len, 65536);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			if (fd != STDIN_FILENO)
				close(fd);
			strbuf_release(&sb);
			return error_set(err, "Failed to read command file (%s) (%s)",
					 path, strerror(e));
		}
		if (r == 0)
			break;
		strbuf_setlen(&sb, sb.len + (size_t)r);
		if (sb.len > SUBMIT_MAX_FILE_SIZE) {
			if (fd != STDIN_FILENO)
				close(fd);
			strbuf_release(&sb);
			return error_set(err, "%s: submit description is larger than %u bytes",
					 path, SUBMIT_MAX_FILE_SIZE);
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	*text = strbuf_detach(&sb, len);
	return 0;
}

/* Collects the lines of a multi-line "(" item list up to a ")" line. */
static int
read_item_lines(struct reader *r, struct stmt *st, struct error *err)
{
	const char *s;
	size_t n;
	size_t alloc = 0;
	st->has_lines = true;
	while (next_physical(r, &s, &n)) {
		while (n && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		if (n > 0 && *s == '#')
			continue;
		if (n > 0 && *s == ')')
			return 0;
		if (n > SUBMIT_MAX_LINE)
			return rfail(r, r->line, err, "line is longer than %u bytes",
				     SUBMIT_MAX_LINE);
		XGROW(st->lines, st->nlines + 1, alloc);
		st->lines[st->nlines++] = xstrndup(s, n);
	}
	return rfail(r, st->line, err,
		     "Reached end of file without finding closing brace ')' "
		     "for Queue command on line %d", st->line);
}

/* name @=TAG: the following lines up to "@TAG" form the value. */
static int
read_block(struct reader *r, struct stmt *st, const char *tag, struct error *err)
{
	struct strbuf v = STRBUF_INIT;
	const char *s;
	size_t n, tl = strlen(tag);
	while (next_physical(r, &s, &n)) {
		const char *t = s;
		size_t tn = n;
		while (tn && isspace((unsigned char)*t)) {
			t++;
			tn--;
		}
		if (tn == tl + 1 && *t == '@' && memcmp(t + 1, tag, tl) == 0) {
			st->value = strbuf_detach(&v, NULL);
			return 0;
		}
		if (v.len)
			strbuf_addc(&v, '\n');
		strbuf_add(&v, s, n);
		if (v.len > SUBMIT_MAX_LINE) {
			strbuf_release(&v);
			return rfail(r, st->line, err, "value is longer than %u bytes",
				     SUBMIT_MAX_LINE);
		}
	}
	strbuf_release(&v);
	return rfail(r, st->line, err, "no closing '@%s' for the value of %s",
		     tag, st->name);
}

static int parse_text(struct submit *s, struct reader *r, int depth,
		      struct error *err);

static int
do_include(struct submit *s, struct reader *r, int line, const char *arg,
	   int depth, struct error *err)
{
	size_t n = strlen(arg);
	if (n == 0)
		return rfail(r, line, err, "include needs a file name");
	if (arg[n - 1] == '|')
		return rfail(r, line, err, "include of a command's output is not supported");
	if (depth >= SUBMIT_MAX_DEPTH)
		return rfail(r, line, err, "includes nested more than %d deep",
			     SUBMIT_MAX_DEPTH);
	char *path = arg[0] == '/' ? xstrdup(arg) : xasprintf("%s/%s", s->cwd, arg);
	char *text = NULL;
	size_t len = 0;
	struct error e;
	if (read_source(path, &text, &len, &e) < 0) {
		free(path);
		return rfail(r, line, err, "%s", e.msg);
	}
	free(path);
	int rc = submit_parse_into(s, arg, text, len, depth + 1, err);
	free(text);
	return rc;
}

/* A line that is not an assignment: a keyword statement or an error. */
static int
parse_word_line(struct submit *s, struct reader *r, const char *line, int lno,
		int depth, struct error *err)
{
	const char *args;
	if (submit_is_queue_line(line, &args)) {
		struct stmt *st = add_stmt(s, ST_QUEUE, r->file, lno);
		st->value = xstrdup(args);
		if (submit_queue_wants_lines(args))
			return read_item_lines(r, st, err);
		return 0;
	}
	size_t n = 0;
	while (isalpha((unsigned char)line[n]))
		n++;
	const char *rest = line + n;
	while (isspace((unsigned char)*rest))
		rest++;
	bool word_end = line[n] == '\0' || isspace((unsigned char)line[n]) ||
			line[n] == ':';
	if (word_end && (word_is(line, n, "if") || word_is(line, n, "elif"))) {
		if (*rest == '\0')
			return rfail(r, lno, err, "%.*s without a condition", (int)n, line);
		struct stmt *st = add_stmt(s, word_is(line, n, "if") ? ST_IF : ST_ELIF,
					   r->file, lno);
		st->value = xstrdup(rest);
		return 0;
	}
	if (word_end && (word_is(line, n, "else") || word_is(line, n, "endif"))) {
		add_stmt(s, word_is(line, n, "else") ? ST_ELSE : ST_ENDIF, r->file, lno);
		return 0;
	}
	if (word_end && *rest == ':') {
		rest++;
		while (isspace((unsigned char)*rest))
			rest++;
		if (word_is(line, n, "include"))
			return do_include(s, r, lno, rest, depth, err);
		if (word_is(line, n, "error") || word_is(line, n, "warning")) {
			struct stmt *st = add_stmt(s, word_is(line, n, "error") ?
						   ST_ERROR : ST_WARNING, r->file, lno);
			st->value = xstrdup(rest);
			return 0;
		}
	}
	const char *why = NULL;
	char *name = NULL, *value = NULL;
	enum stmt_kind kind;
	if (submit_split_assignment(line, &name, &value, &kind, &why) == 0) {
		free(name);
		free(value);
		return rfail(r, lno, err, "syntax error");
	}
	if (strcmp(why, "expected 'name = value'") != 0)
		return rfail(r, lno, err, "syntax error: %s", why);
	if (strchr(line, '=') != NULL) {
		size_t k = strcspn(line, " \t=");
		return rfail(r, lno, err, "Illegal Identifier: %.*s", (int)k, line);
	}
	return rfail(r, lno, err, "syntax error: '%.60s' is neither 'name = value' "
		     "nor a queue statement", line);
}

static int
parse_line(struct submit *s, struct reader *r, const char *line, int lno,
	   int depth, struct error *err)
{
	/* name @=TAG starts a multi-line value. */
	const char *at = strstr(line, "@=");
	if (at != NULL) {
		const char *p = line;
		if (*p == '+' || *p == '-')
			p++;
		while (is_id_char((unsigned char)*p))
			p++;
		const char *ne = p;
		while (*p == ' ' || *p == '\t')
			p++;
		if (p == at && ne > line) {
			const char *tag = at + 2;
			while (*tag == ' ' || *tag == '\t')
				tag++;
			if (*tag == '\0')
				return rfail(r, lno, err, "'@=' needs a tag");
			char *raw = xstrndup(line, (size_t)(ne - line));
			struct stmt *st = add_stmt(s, ST_SET, r->file, lno);
			st->name = submit_macro_name(raw);
			free(raw);
			return read_block(r, st, tag, err);
		}
	}
	char *name, *value;
	enum stmt_kind kind;
	const char *why;
	if (!submit_is_queue_line(line, NULL) &&
	    submit_split_assignment(line, &name, &value, &kind, &why) == 0) {
		struct stmt *st = add_stmt(s, kind, r->file, lno);
		st->name = name;
		st->value = value;
		return 0;
	}
	return parse_word_line(s, r, line, lno, depth, err);
}

static int
parse_text(struct submit *s, struct reader *r, int depth, struct error *err)
{
	struct strbuf line = STRBUF_INIT;
	int lno = 0, rc;
	while ((rc = next_logical(r, &line, &lno, err)) > 0) {
		if (line.len == 0 || line.buf[0] == '#')
			continue;
		if ((rc = parse_line(s, r, line.buf, lno, depth, err)) < 0)
			break;
	}
	strbuf_release(&line);
	return rc < 0 ? -1 : 0;
}

int
submit_parse_into(struct submit *s, const char *name, const char *text,
		  size_t len, int depth, struct error *err)
{
	strvec_push(&s->files, name);
	struct reader r = { .p = text, .end = text + len, .line = 0,
			    .file = s->files.v[s->files.n - 1] };
	const char *nul = memchr(text, '\0', len);
	if (nul != NULL) {
		int line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		return rfail(&r, line, err, "NUL byte in the submit description "
			     "(is it a binary file?)");
	}
	/* A UTF-8 byte order mark from some editors is not part of a name. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		r.p += 3;
	return parse_text(s, &r, depth, err);
}

int
submit_parse_file(struct submit *s, const char *path, struct error *err)
{
	char *text = NULL;
	size_t len = 0;
	if (read_source(path, &text, &len, err) < 0)
		return -1;
	bool stdin_ = strcmp(path, "-") == 0;
	int rc = submit_parse_text(s, stdin_ ? "<stdin>" : path, text, len, err);
	if (stdin_) {
		s->from_stdin = true;
		s->file_name = "-";
	}
	free(text);
	return rc;
}

int
submit_parse_text(struct submit *s, const char *name, const char *text,
		  size_t len, struct error *err)
{
	if (s->parsed)
		return error_set(err, "only one submit description may be given");
	s->parsed = true;
	int rc = submit_parse_into(s, name, text, len, 0, err);
	/* The first file name pushed is the description's own. */
	for (size_t i = 0; i < s->files.n; i++)
		if (strcmp(s->files.v[i], name) == 0) {
			s->file_name = s->files.v[i];
			break;
		}
	return rc;
}
