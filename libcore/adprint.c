/*
 * adprint.c - see adprint.h.
 *
 * The print mask follows HTCondor's AttrListPrintMask closely, because its
 * quirks are visible in every script that parses condor_q output: a column
 * has a width that may grow with the data (AUTOWIDTH), is padded on the
 * left unless left-aligned, is cut to its width unless NOTRUNC, and an
 * invalid value prints an alternate text (often nothing, which is how
 * "-format '%d' Attr" drops a whole item).  Separators live on the mask:
 * a column prefix before every column but the first, a column suffix after
 * every column but the last, and a row prefix and suffix.
 *
 * printf conversions are rebuilt from the parsed pieces of the user's
 * format (flags, width, precision, our own length modifier) and passed to
 * snprintf; the format is therefore not a literal, and the warning about
 * that is silenced in the three small functions that call snprintf.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "adprint.h"
#include "classad.h"
#include "error.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* A width or precision beyond this in a user's format is refused: it would
 * only serve to make us allocate a lot of spaces. */
#define FMT_MAX_WIDTH 4096

/* ------------------------------------------------------------------ */
/* Shared small formats                                                */
/* ------------------------------------------------------------------ */

void
adprint_date(long long t, struct strbuf *out)
{
	if (t < 0) {
		strbuf_adds(out, "    ???    ");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	if (localtime_r(&tt, &tm) == NULL) {
		strbuf_adds(out, "    ???    ");
		return;
	}
	strbuf_addf(out, "%2d/%-2d %02d:%02d", tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min);
}

void
adprint_duration(long long secs, struct strbuf *out)
{
	long long days = secs / 86400;
	secs %= 86400;
	strbuf_addf(out, "%3lld+%02lld:%02lld:%02lld", days, secs / 3600,
		    secs % 3600 / 60, secs % 60);
}

char
adprint_status_letter(long long status)
{
	static const char letters[] = " IRXCH>SFBP";
	if (status < 1 || status > 10)
		return ' ';
	return letters[status];
}

/* ------------------------------------------------------------------ */
/* -attributes lists                                                   */
/* ------------------------------------------------------------------ */

static bool
is_attr_name(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

int
adprint_attrs_parse(struct adprint_attrs *a, const char *list,
		    struct error *err)
{
	size_t alloc = 0;
	a->names = NULL;
	a->n = 0;
	for (const char *p = list; *p;) {
		size_t skip = strspn(p, ", \t");
		p += skip;
		size_t len = strcspn(p, ", \t");
		if (len == 0)
			break;
		if (!is_attr_name(p, len)) {
			error_set(err, "'%.*s' is not an attribute name",
				  (int)(len > 200 ? 200 : len), p);
			adprint_attrs_release(a);
			return -1;
		}
		XGROW(a->names, a->n + 1, alloc);
		a->names[a->n++] = xstrndup(p, len);
		p += len;
	}
	if (a->n == 0)
		return error_set(err, "no attribute names in '%s'", list);
	return 0;
}

void
adprint_attrs_release(struct adprint_attrs *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->names[i]);
	free(a->names);
	a->names = NULL;
	a->n = 0;
}

static bool
attrs_want(const struct adprint_attrs *only, const char *name)
{
	if (only == NULL)
		return true;
	for (size_t i = 0; i < only->n; i++)
		if (strcasecmp(only->names[i], name) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Whole ads: the attributes visible through an ad, sorted             */
/* ------------------------------------------------------------------ */

struct shown {
	const char *name;
	const char *text;
	size_t level;	/* 0 = the ad itself, 1 = its parent, ... */
};

static int
shown_cmp(const void *a, const void *b)
{
	const struct shown *x = a, *y = b;
	int c = classad_name_cmp(x->name, y->name);
	if (c != 0)
		return c;
	return (x->level > y->level) - (x->level < y->level);
}

/* Collects the visible attributes in print order; an attribute an ad
 * overrides is dropped from its parents.  Returns the count; *out is the
 * caller's to free. */
static size_t
collect_shown(const struct classad *ad, const struct adprint_attrs *only,
	      struct shown **out)
{
	struct shown *v = NULL;
	size_t n = 0, alloc = 0, level = 0;
	for (const struct classad *a = ad; a != NULL && level < 64;
	     a = classad_parent(a), level++) {
		size_t sz = classad_size(a);
		for (size_t i = 0; i < sz; i++) {
			const char *name = classad_name_at(a, i);
			if (!attrs_want(only, name))
				continue;
			XGROW(v, n + 1, alloc);
			v[n].name = name;
			v[n].text = classad_text_at(a, i);
			v[n].level = level;
			n++;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), shown_cmp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && classad_name_cmp(v[k - 1].name, v[i].name) == 0)
			continue;
		v[k++] = v[i];
	}
	*out = v;
	return k;
}

void
adprint_long(const struct classad *ad, const struct adprint_attrs *only,
	     struct strbuf *out)
{
	struct shown *v;
	size_t n = collect_shown(ad, only, &v);
	for (size_t i = 0; i < n; i++) {
		strbuf_adds(out, v[i].name);
		strbuf_adds(out, " = ");
		strbuf_adds(out, v[i].text);
		strbuf_addc(out, '\n');
	}
	if (n > 0)
		strbuf_addc(out, '\n');
	free(v);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

void
adprint_json_escape(const char *s, struct strbuf *out)
{
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '"': strbuf_adds(out, "\\\""); break;
		case '\\': strbuf_adds(out, "\\\\"); break;
		case '\b': strbuf_adds(out, "\\b"); break;
		case '\f': strbuf_adds(out, "\\f"); break;
		case '\n': strbuf_adds(out, "\\n"); break;
		case '\r': strbuf_adds(out, "\\r"); break;
		case '\t': strbuf_adds(out, "\\t"); break;
		default:
			if ((unsigned char)*p < 0x20)
				strbuf_addf(out, "\\u00%02X", (unsigned)*p);
			else
				strbuf_addc(out, *p);
		}
	}
}

static void
json_expr_string(const char *text, struct strbuf *out)
{
	strbuf_adds(out, "\"\\/Expr(");
	adprint_json_escape(text, out);
	strbuf_adds(out, ")\\/\"");
}

static void
json_real(double r, struct strbuf *out)
{
	if (r == 0.0) {
		strbuf_adds(out, signbit(r) ? "-0.0" : "0.0");
	} else if (isnan(r)) {
		json_expr_string("real(\"NaN\")", out);
	} else if (isinf(r)) {
		json_expr_string(r < 0 ? "real(\"-INF\")" : "real(\"INF\")", out);
	} else {
		char buf[64];
		snprintf(buf, sizeof(buf), "%.16G", r);
		strbuf_adds(out, buf);
		if (buf[strcspn(buf, ".Ee")] == '\0')
			strbuf_adds(out, ".0");
	}
}

static void
json_value(const struct cval *v, size_t indent, struct strbuf *out)
{
	switch (v->type) {
	case CVAL_UNDEFINED: strbuf_adds(out, "null"); break;
	case CVAL_ERROR: json_expr_string("error", out); break;
	case CVAL_BOOL: strbuf_adds(out, v->u.b ? "true" : "false"); break;
	case CVAL_INT: strbuf_addf(out, "%lld", v->u.i); break;
	case CVAL_REAL: json_real(v->u.r, out); break;
	case CVAL_STRING:
		strbuf_addc(out, '"');
		adprint_json_escape(v->u.s, out);
		strbuf_addc(out, '"');
		break;
	case CVAL_LIST:
		strbuf_addc(out, '[');
		for (size_t i = 0; i < v->u.list.n; i++) {
			if (i)
				strbuf_addc(out, ',');
			strbuf_addc(out, '\n');
			strbuf_addchars(out, ' ', indent + 2);
			json_value(&v->u.list.items[i], indent + 2, out);
		}
		strbuf_addc(out, '\n');
		strbuf_addchars(out, ' ', indent);
		strbuf_addc(out, ']');
		break;
	}
}

bool
adprint_json(const struct classad *ad, const struct adprint_attrs *only,
	     size_t index, struct strbuf *out)
{
	struct shown *v;
	size_t n = collect_shown(ad, only, &v);
	if (n == 0) {
		free(v);
		return false;
	}
	strbuf_adds(out, index == 0 ? "[\n{" : ",\n{");
	for (size_t i = 0; i < n; i++) {
		strbuf_adds(out, i ? ",\n  \"" : "\n  \"");
		adprint_json_escape(v[i].name, out);
		strbuf_adds(out, "\": ");
		const struct cexpr *e = classad_lookup_expr(ad, v[i].name);
		struct cval lit = {0};
		if (e != NULL && cexpr_is_literal(e, &lit))
			json_value(&lit, 2, out);
		else
			json_expr_string(v[i].text, out);
		cval_release(&lit);
	}
	strbuf_adds(out, "\n}\n");
	free(v);
	return true;
}

void
adprint_json_end(size_t count, struct strbuf *out)
{
	if (count > 0)
		strbuf_adds(out, "]\n");
}

/* ------------------------------------------------------------------ */
/* printf-style conversions                                            */
/* ------------------------------------------------------------------ */

enum conv {
	CONV_NONE,	/* literal text only */
	CONV_INT,	/* d i */
	CONV_UINT,	/* u x X o */
	CONV_CHAR,	/* c */
	CONV_FLOAT,	/* f F e E g G a A */
	CONV_STRING,	/* s */
	CONV_VALUE,	/* v: strings bare, the rest unparsed */
	CONV_QVALUE,	/* V: everything unparsed */
	CONV_RAW,	/* r: the expression, not its value */
	CONV_TIME,	/* T: days+hh:mm:ss */
	CONV_DATE,	/* Y: mm/dd hh:mm */
};

struct fmtspec {
	char *pre;		/* literal text before the conversion (owned) */
	char *post;		/* and after it (owned) */
	char spec[48];		/* the conversion as snprintf will see it */
	enum conv conv;
};

/* Interprets the backslash escapes a shell leaves in a -format string. */
static char *
collapse_escapes(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = s; *p; p++) {
		if (*p != '\\' || p[1] == '\0') {
			strbuf_addc(&sb, *p);
			continue;
		}
		p++;
		switch (*p) {
		case 'n': strbuf_addc(&sb, '\n'); break;
		case 't': strbuf_addc(&sb, '\t'); break;
		case 'r': strbuf_addc(&sb, '\r'); break;
		case 'a': strbuf_addc(&sb, '\a'); break;
		case 'b': strbuf_addc(&sb, '\b'); break;
		case 'f': strbuf_addc(&sb, '\f'); break;
		case 'v': strbuf_addc(&sb, '\v'); break;
		default:
			if (*p >= '0' && *p <= '7') {
				int c = 0;
				for (int i = 0; i < 3 && *p >= '0' && *p <= '7'; i++, p++)
					c = c * 8 + (*p - '0');
				p--;
				if (c != 0)	/* a NUL would end the string */
					strbuf_addc(&sb, (char)c);
			} else {
				strbuf_addc(&sb, *p);	/* \\ \" \' \? and the rest */
			}
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* Literal text with "%%" turned into "%". */
static char *
literal_text(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		strbuf_addc(&sb, s[i]);
		if (s[i] == '%' && i + 1 < n && s[i + 1] == '%')
			i++;
	}
	return strbuf_detach(&sb, NULL);
}

static enum conv
conv_of(char c)
{
	switch (c) {
	case 'd': case 'i': return CONV_INT;
	case 'u': case 'x': case 'X': case 'o': return CONV_UINT;
	case 'c': return CONV_CHAR;
	case 'f': case 'F': case 'e': case 'E':
	case 'g': case 'G': case 'a': case 'A': return CONV_FLOAT;
	case 's': return CONV_STRING;
	case 'v': return CONV_VALUE;
	case 'V': return CONV_QVALUE;
	case 'r': case 'R': return CONV_RAW;
	case 'T': return CONV_TIME;
	case 'Y': return CONV_DATE;
	default: return CONV_NONE;
	}
}

/* Reads a decimal field of at most FMT_MAX_WIDTH; -1 if larger. */
static int
read_count(const char **pp)
{
	long v = 0;
	const char *p = *pp;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		if (v > FMT_MAX_WIDTH)
			return -1;
		p++;
	}
	*pp = p;
	return (int)v;
}

/*
 * Parses the conversion starting at p (just after '%').  On success fills
 * f->spec and f->conv and returns the end of the conversion; returns
 * NULL if this is not a conversion we know (the text then stays literal),
 * and sets *toobig for an absurd width or precision.
 */
static const char *
parse_conversion(const char *p, struct fmtspec *f, bool *toobig)
{
	char flags[8] = "";
	size_t nf = 0;
	while (*p && strchr("-+ #0", *p) != NULL) {
		if (strchr(flags, *p) == NULL && nf < sizeof(flags) - 1)
			flags[nf++] = *p;
		p++;
	}
	int width = read_count(&p), prec = -1;
	if (width < 0) {
		*toobig = true;
		return NULL;
	}
	if (*p == '.') {
		p++;
		prec = read_count(&p);
		if (prec < 0) {
			*toobig = true;
			return NULL;
		}
	}
	while (*p && strchr("hlLqjzt", *p) != NULL)
		p++;
	enum conv conv = conv_of(*p);
	if (conv == CONV_NONE)
		return NULL;
	/* Keep only the flags the rebuilt conversion is defined for. */
	const char *allowed = "-";
	if (conv == CONV_INT)
		allowed = "-+ 0";
	else if (conv == CONV_UINT || conv == CONV_FLOAT)
		allowed = "-+ #0";
	char kept[8];
	size_t nk = 0;
	for (size_t i = 0; i < nf; i++)
		if (strchr(allowed, flags[i]) != NULL)
			kept[nk++] = flags[i];
	kept[nk] = '\0';
	const char *len = "";
	char letter = *p;
	if (conv == CONV_INT || conv == CONV_UINT)
		len = "ll";
	else if (conv != CONV_FLOAT && conv != CONV_CHAR)
		letter = 's';
	char w[16] = "", pr[16] = "";
	if (width > 0)
		snprintf(w, sizeof(w), "%d", width);
	if (prec >= 0 && conv != CONV_CHAR)
		snprintf(pr, sizeof(pr), ".%d", prec);
	/* At most 1+5+4+5+2+1 characters: spec cannot be truncated. */
	snprintf(f->spec, sizeof(f->spec), "%%%s%s%s%s%c", kept, w, pr, len,
		 letter);
	f->conv = conv;
	return p + 1;
}

/* Splits an (escape-collapsed) format into text, one conversion, text. */
static int
fmtspec_parse(struct fmtspec *f, const char *fmt, struct error *err)
{
	memset(f, 0, sizeof(*f));
	const char *p = fmt;
	for (;;) {
		p = strchr(p, '%');
		if (p == NULL || p[1] == '\0')
			break;
		if (p[1] == '%') {
			p += 2;
			continue;
		}
		bool toobig = false;
		const char *end = parse_conversion(p + 1, f, &toobig);
		if (toobig)
			return error_set(err, "format width or precision too large in '%s'",
					 fmt);
		if (end != NULL) {
			f->pre = literal_text(fmt, (size_t)(p - fmt));
			f->post = literal_text(end, strlen(end));
			return 0;
		}
		p++;
	}
	f->conv = CONV_NONE;
	f->pre = literal_text(fmt, strlen(fmt));
	f->post = xstrdup("");
	return 0;
}

static void
fmtspec_release(struct fmtspec *f)
{
	free(f->pre);
	free(f->post);
	f->pre = f->post = NULL;
}

/*
 * Appends one value formatted by spec, which parse_conversion built from
 * checked pieces (see the top), so it cannot be a literal.  One macro
 * instead of a function per type keeps snprintf's own type handling.
 */
#define ADD_FORMATTED(sb, spec, v)                                          \
	do {                                                                \
		_Pragma("GCC diagnostic push")                               \
		_Pragma("GCC diagnostic ignored \"-Wformat-nonliteral\"")   \
		int n_ = snprintf(NULL, 0, (spec), (v));                     \
		if (n_ >= 0) {                                               \
			strbuf_grow((sb), (size_t)n_);                       \
			snprintf((sb)->buf + (sb)->len, (size_t)n_ + 1, (spec), (v)); \
			strbuf_setlen((sb), (sb)->len + (size_t)n_);         \
		}                                                            \
		_Pragma("GCC diagnostic pop")                                \
	} while (0)

/* ------------------------------------------------------------------ */
/* Print masks                                                         */
/* ------------------------------------------------------------------ */

enum col_opt {
	COL_LEFT = 1u << 0,	/* pad on the right */
	COL_AUTOWIDTH = 1u << 1,	/* the width grows to the widest value */
	COL_NOTRUNC = 1u << 2,	/* a longer value is printed whole */
	COL_NOPREFIX = 1u << 3,	/* no column separator before */
	COL_NOSUFFIX = 1u << 4,	/* no column suffix after */
};

struct column;
typedef bool (*render_fn)(const struct adprint *pm, const struct column *c,
			  const struct classad *ad, struct strbuf *cell);

struct column {
	char *heading;		/* NULL: no heading (headings stop here) */
	size_t width;
	unsigned opts;
	char alt;		/* shown for an invalid value; 0: nothing */
	bool alt_wide;		/* ...as "[???]" filling the width */
	render_fn render;	/* standard views; NULL: the printf item */
	struct fmtspec fmt;
	struct cexpr *expr;	/* owned; NULL for literal-only items */
	char *attr;		/* the argument, when it is a bare name */
};

/* A kept row's cell: its text follows the previous cell's in the store. */
struct cell {
	uint32_t len;
	bool valid;
};

struct adprint {
	struct column *cols;
	size_t ncols, alloc;
	const char *row_prefix, *col_prefix, *col_suffix, *row_suffix;
	bool buffered, trim;
	size_t max_width;
	long long now;
	/* buffered rows */
	struct strbuf store;
	struct cell *cells;
	size_t ncells, cells_alloc;
	struct strbuf scratch;	/* alternate texts */
	struct strbuf tmp;	/* values being formatted */
	struct strbuf cell;	/* the cell being rendered (streaming) */
};

struct adprint *
adprint_new(void)
{
	struct adprint *pm = xcalloc(1, sizeof(*pm));
	strbuf_init(&pm->store);
	strbuf_init(&pm->scratch);
	strbuf_init(&pm->tmp);
	strbuf_init(&pm->cell);
	pm->now = (long long)time(NULL);
	return pm;
}

void
adprint_free(struct adprint *pm)
{
	if (pm == NULL)
		return;
	for (size_t i = 0; i < pm->ncols; i++) {
		struct column *c = &pm->cols[i];
		free(c->heading);
		fmtspec_release(&c->fmt);
		if (c->expr)
			cexpr_free(c->expr);
		free(c->attr);
	}
	free(pm->cols);
	free(pm->cells);
	strbuf_release(&pm->store);
	strbuf_release(&pm->scratch);
	strbuf_release(&pm->tmp);
	strbuf_release(&pm->cell);
	free(pm);
}

size_t
adprint_columns(const struct adprint *pm)
{
	return pm->ncols;
}

bool
adprint_has_headings(const struct adprint *pm)
{
	return pm->ncols > 0 && pm->cols[0].heading != NULL;
}

void
adprint_set_buffered(struct adprint *pm, bool on)
{
	pm->buffered = on;
}

void
adprint_set_trim(struct adprint *pm, bool on)
{
	pm->trim = on;
}

void
adprint_set_max_width(struct adprint *pm, size_t width)
{
	pm->max_width = width;
}

static struct column *
add_column(struct adprint *pm, const char *heading, size_t width,
	   unsigned opts)
{
	XGROW(pm->cols, pm->ncols + 1, pm->alloc);
	struct column *c = &pm->cols[pm->ncols++];
	memset(c, 0, sizeof(*c));
	c->heading = heading ? xstrdup(heading) : NULL;
	c->width = width;
	c->opts = opts;
	return c;
}

static bool
is_bare_name(const char *s)
{
	static const char *const keywords[] = {
		"true", "false", "undefined", "error", "is", "isnt",
		"parent", "my", "target",
	};
	if (!is_attr_name(s, strlen(s)))
		return false;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcasecmp(s, keywords[i]) == 0)
			return false;
	return true;
}

/* Adds a printf column for expr with format fmt (not escape-collapsed:
 * callers pass our own formats or already collapsed text). */
static int
add_printf_column(struct adprint *pm, const char *heading, size_t width,
		  unsigned opts, const char *fmt, const char *expr,
		  struct error *err)
{
	struct fmtspec f;
	if (fmtspec_parse(&f, fmt, err) < 0)
		return -1;
	struct cexpr *e = NULL;
	if (expr != NULL && f.conv != CONV_NONE) {
		struct error perr;
		e = cexpr_parse(expr, &perr);
		if (e == NULL) {
			fmtspec_release(&f);
			return error_set(err, "invalid expression : %s", expr);
		}
	}
	struct column *c = add_column(pm, heading, width, opts);
	c->fmt = f;
	c->expr = e;
	if (e != NULL && is_bare_name(expr))
		c->attr = xstrdup(expr);
	return 0;
}

/* ---- evaluating and formatting a printf column ---- */

static void
col_eval(const struct column *c, const struct classad *ad, struct cval *v)
{
	if (c->attr != NULL)
		classad_eval_attr(ad, c->attr, v);
	else
		cexpr_eval(c->expr, ad, NULL, v);
}

static bool
cval_number(const struct cval *v, double *d)
{
	switch (v->type) {
	case CVAL_INT: *d = (double)v->u.i; return true;
	case CVAL_REAL: *d = v->u.r; return true;
	case CVAL_BOOL: *d = v->u.b ? 1.0 : 0.0; return true;
	default: return false;
	}
}

static bool
cval_integer(const struct cval *v, long long *i)
{
	if (v->type == CVAL_INT) {
		*i = v->u.i;
		return true;
	}
	double d;
	if (!cval_number(v, &d) || !(d > -9.2e18 && d < 9.2e18))
		return false;
	*i = (long long)d;
	return true;
}

/* %s: the string value; an attribute that is not a string prints as its
 * expression, a missing one as "undefined"; an expression that is not a
 * string is not printable. */
static bool
string_text(const struct column *c, const struct classad *ad,
	    struct cval *v, struct strbuf *tmp)
{
	if (c->attr != NULL && !classad_has(ad, c->attr)) {
		strbuf_adds(tmp, "undefined");
		return true;
	}
	col_eval(c, ad, v);
	if (v->type == CVAL_STRING) {
		strbuf_adds(tmp, v->u.s);
		return true;
	}
	if (c->attr == NULL)
		return false;
	const char *text = classad_lookup_text(ad, c->attr);
	strbuf_adds(tmp, text ? text : "undefined");
	return true;
}

static void
raw_text(const struct column *c, const struct classad *ad, struct strbuf *tmp)
{
	if (c->attr != NULL) {
		const char *text = classad_lookup_text(ad, c->attr);
		strbuf_adds(tmp, text ? text : "undefined");
	} else {
		cexpr_unparse(c->expr, tmp);
	}
}

/* Appends s through the column's conversion; a bare "%s" (the -af case)
 * is a plain append. */
static void
add_converted(const struct fmtspec *f, const char *s, struct strbuf *cell)
{
	if (f->spec[1] == 's' && f->spec[2] == '\0')
		strbuf_adds(cell, s);
	else
		ADD_FORMATTED(cell, f->spec, s);
}

/* Formats the value of c into cell (pre + value + post); false if the
 * value cannot be shown by this conversion.  tmp is scratch space. */
static bool
format_value(const struct column *c, const struct classad *ad,
	     struct strbuf *cell, struct strbuf *tmp)
{
	const struct fmtspec *f = &c->fmt;
	struct cval v = {0};
	bool ok = true;
	long long i = 0;
	double d = 0;

	strbuf_reset(tmp);
	strbuf_adds(cell, f->pre);
	switch (f->conv) {
	case CONV_NONE:
		break;
	case CONV_INT:
	case CONV_UINT:
	case CONV_CHAR:
	case CONV_TIME:
	case CONV_DATE:
		col_eval(c, ad, &v);
		ok = cval_integer(&v, &i);
		if (!ok)
			break;
		if (f->conv == CONV_INT)
			ADD_FORMATTED(cell, f->spec, i);
		else if (f->conv == CONV_UINT)
			ADD_FORMATTED(cell, f->spec, (unsigned long long)i);
		else if (f->conv == CONV_CHAR)
			ADD_FORMATTED(cell, f->spec, (int)(unsigned char)i);
		else {
			if (f->conv == CONV_TIME)
				adprint_duration(i, tmp);
			else
				adprint_date(i, tmp);
			add_converted(f, tmp->buf, cell);
		}
		break;
	case CONV_FLOAT:
		col_eval(c, ad, &v);
		ok = cval_number(&v, &d);
		if (ok)
			ADD_FORMATTED(cell, f->spec, d);
		break;
	case CONV_STRING:
		ok = string_text(c, ad, &v, tmp);
		if (ok)
			add_converted(f, tmp->buf, cell);
		break;
	case CONV_VALUE:
		col_eval(c, ad, &v);
		if (v.type == CVAL_STRING) {
			add_converted(f, v.u.s, cell);
			break;
		}
		/* fall through */
	case CONV_QVALUE:
		if (f->conv == CONV_QVALUE)
			col_eval(c, ad, &v);
		cval_unparse(&v, tmp);
		add_converted(f, tmp->buf, cell);
		break;
	case CONV_RAW:
		raw_text(c, ad, tmp);
		add_converted(f, tmp->buf, cell);
		break;
	}
	if (ok)
		strbuf_adds(cell, f->post);
	cval_release(&v);
	return ok;
}

static bool
render_cell(struct adprint *pm, const struct column *c,
	    const struct classad *ad, struct strbuf *cell)
{
	if (c->render != NULL)
		return c->render(pm, c, ad, cell);
	return format_value(c, ad, cell, &pm->tmp);
}

/* ---- laying out a row ---- */

static void
add_alt(const struct column *c, struct strbuf *out)
{
	if (c->alt == 0)
		return;
	if (!c->alt_wide || c->width < 3) {
		if (!c->alt_wide || c->width > 0)
			strbuf_addc(out, c->alt);
		return;
	}
	strbuf_addc(out, '[');
	strbuf_addchars(out, c->alt, c->width - 2);
	strbuf_addc(out, ']');
}

static void
add_aligned(const struct column *c, const char *text, size_t len,
	    struct strbuf *out)
{
	size_t w = c->width;
	if (w == 0) {
		strbuf_add(out, text, len);
	} else if (len > w) {
		strbuf_add(out, text, (c->opts & COL_NOTRUNC) ? len : w);
	} else if (c->opts & COL_LEFT) {
		strbuf_add(out, text, len);
		strbuf_addchars(out, ' ', w - len);
	} else {
		strbuf_addchars(out, ' ', w - len);
		strbuf_add(out, text, len);
	}
}

static void
row_begin(const struct adprint *pm, struct strbuf *out)
{
	if (pm->row_prefix)
		strbuf_adds(out, pm->row_prefix);
}

static void
col_before(const struct adprint *pm, size_t i, struct strbuf *out)
{
	if (pm->col_prefix && i > 0 && !(pm->cols[i].opts & COL_NOPREFIX))
		strbuf_adds(out, pm->col_prefix);
}

static void
col_after(const struct adprint *pm, size_t i, struct strbuf *out)
{
	if (pm->col_suffix && i + 1 < pm->ncols &&
	    !(pm->cols[i].opts & COL_NOSUFFIX))
		strbuf_adds(out, pm->col_suffix);
}

static void
row_end(const struct adprint *pm, size_t start, struct strbuf *out)
{
	if (pm->max_width && out->len - start > pm->max_width)
		strbuf_setlen(out, start + pm->max_width);
	if (pm->trim) {
		size_t n = out->len;
		while (n > start && isspace((unsigned char)out->buf[n - 1]))
			n--;
		strbuf_setlen(out, n);
	}
	if (pm->row_suffix)
		strbuf_adds(out, pm->row_suffix);
}

/* Appends cell i of a row: text (if valid) or the alternate, aligned. */
static void
emit_cell(struct adprint *pm, size_t i, bool valid, const char *text,
	  size_t len, struct strbuf *out)
{
	struct column *c = &pm->cols[i];
	if (!valid) {
		strbuf_reset(&pm->scratch);
		add_alt(c, &pm->scratch);
		text = pm->scratch.buf;
		len = pm->scratch.len;
	}
	if ((c->opts & COL_AUTOWIDTH) && len > c->width)
		c->width = len;
	add_aligned(c, text, len, out);
}

void
adprint_headings(struct adprint *pm, struct strbuf *out)
{
	if (!adprint_has_headings(pm))
		return;
	row_begin(pm, out);
	for (size_t i = 0; i < pm->ncols && pm->cols[i].heading; i++) {
		const struct column *c = &pm->cols[i];
		col_before(pm, i, out);
		size_t len = strlen(c->heading);
		strbuf_adds(out, c->heading);
		if (c->width > len)
			strbuf_addchars(out, ' ', c->width - len);
		col_after(pm, i, out);
	}
	/* Headings are never cut or trimmed, as HTCondor prints them. */
	if (pm->row_suffix)
		strbuf_adds(out, pm->row_suffix);
}

static void
keep_row(struct adprint *pm, const struct classad *ad)
{
	XGROW(pm->cells, pm->ncells + pm->ncols, pm->cells_alloc);
	for (size_t i = 0; i < pm->ncols; i++) {
		struct column *c = &pm->cols[i];
		size_t before = pm->store.len;
		bool valid = render_cell(pm, c, ad, &pm->store);
		size_t len = pm->store.len - before;
		if (!valid || len > UINT32_MAX) {
			strbuf_setlen(&pm->store, before);
			len = 0;
			valid = false;
		}
		if (valid && (c->opts & COL_AUTOWIDTH) && len > c->width)
			c->width = len;
		pm->cells[pm->ncells].len = (uint32_t)len;
		pm->cells[pm->ncells].valid = valid;
		pm->ncells++;
	}
}

void
adprint_row(struct adprint *pm, const struct classad *ad, struct strbuf *out)
{
	if (pm->ncols == 0)
		return;
	if (pm->buffered) {
		keep_row(pm, ad);
		return;
	}
	size_t start = out->len;
	row_begin(pm, out);
	for (size_t i = 0; i < pm->ncols; i++) {
		strbuf_reset(&pm->cell);
		bool valid = render_cell(pm, &pm->cols[i], ad, &pm->cell);
		col_before(pm, i, out);
		emit_cell(pm, i, valid, pm->cell.buf, pm->cell.len, out);
		col_after(pm, i, out);
	}
	row_end(pm, start, out);
}

void
adprint_finish(struct adprint *pm, bool headings, struct strbuf *out)
{
	if (!pm->buffered)
		return;
	if (headings)
		adprint_headings(pm, out);
	const char *text = pm->store.buf;
	for (size_t k = 0; k < pm->ncells;) {
		size_t start = out->len;
		row_begin(pm, out);
		for (size_t i = 0; i < pm->ncols; i++, k++) {
			col_before(pm, i, out);
			emit_cell(pm, i, pm->cells[k].valid, text,
				  pm->cells[k].len, out);
			text += pm->cells[k].len;
			col_after(pm, i, out);
		}
		row_end(pm, start, out);
	}
	pm->ncells = 0;
	strbuf_reset(&pm->store);
}

/* ------------------------------------------------------------------ */
/* -af and -format                                                     */
/* ------------------------------------------------------------------ */

struct af_opts {
	bool label, quote, raw, headings, jobid;
};

static void
parse_af_opts(struct adprint *pm, const char *opts, struct af_opts *o)
{
	const char *rowpre = NULL, *colpre = " ", *colsuf = NULL;
	memset(o, 0, sizeof(*o));
	for (const char *p = opts ? opts : ""; *p; p++) {
		switch (*p) {
		case ',': colsuf = ","; break;
		case 'n': colsuf = "\n"; break;
		case 'g': colpre = NULL; rowpre = "\n"; break;
		case 't': colpre = "\t"; break;
		case 'l': o->label = true; break;
		case 'V': o->quote = true; break;
		case 'r': case 'o': o->raw = true; break;
		case 'h': o->headings = true; break;
		case 'j': o->jobid = true; break;
		default: break;	/* HTCondor ignores letters it does not know */
		}
	}
	pm->row_prefix = rowpre;
	pm->col_prefix = colpre;
	pm->col_suffix = colsuf;
	pm->row_suffix = "\n";
}

static int
add_af_jobid(struct adprint *pm, bool heads, bool label, struct error *err)
{
	if (heads) {
		if (add_printf_column(pm, " ID", 5, COL_AUTOWIDTH | COL_NOSUFFIX,
				      label ? "ID = %4d." : "%4d.", "ClusterId",
				      err) < 0)
			return -1;
		return add_printf_column(pm, " ", 3,
					 COL_AUTOWIDTH | COL_NOPREFIX, "%-3d",
					 "ProcId", err);
	}
	if (add_printf_column(pm, NULL, 0, COL_NOSUFFIX,
			      label ? "ID = %d." : "%d.", "ClusterId", err) < 0)
		return -1;
	return add_printf_column(pm, NULL, 0, COL_NOPREFIX, "%d", "ProcId", err);
}

int
adprint_af_span(int argc, char *const *argv, int i, size_t *n)
{
	int end = i + 1;
	while (end < argc && argv[end][0] != '-')
		end++;
	*n = (size_t)(end - (i + 1));
	if (end < argc && strcmp(argv[end], "-") == 0)
		return end;
	return end - 1;
}

int
adprint_add_autoformat(struct adprint *pm, const char *opts,
		       const char *const *exprs, size_t n, struct error *err)
{
	if (n == 0)
		return error_set(err, "-af needs at least one attribute");
	/* Check every expression first so a failure leaves the mask as it was. */
	for (size_t i = 0; i < n; i++) {
		struct error perr;
		struct cexpr *e = cexpr_parse(exprs[i], &perr);
		if (e == NULL)
			return error_set(err, "invalid expression : %s", exprs[i]);
		cexpr_free(e);
	}
	struct af_opts o;
	parse_af_opts(pm, opts, &o);
	bool heads = o.headings || adprint_has_headings(pm);
	if (o.jobid && add_af_jobid(pm, heads, o.label, err) < 0)
		return -1;
	const char *conv = o.raw ? "%r" : o.quote ? "%V" : "%v";
	for (size_t i = 0; i < n; i++) {
		if (heads) {
			const char *hd = o.headings ? exprs[i] : "(expr)";
			if (add_printf_column(pm, hd, strlen(hd),
					      COL_LEFT | COL_AUTOWIDTH | COL_NOTRUNC,
					      conv, exprs[i], err) < 0)
				return -1;
			continue;
		}
		if (add_printf_column(pm, NULL, 0, COL_NOTRUNC, conv, exprs[i],
				      err) < 0)
			return -1;
		if (o.label) {
			/* The label is literal: an expression may hold a '%'. */
			struct column *c = &pm->cols[pm->ncols - 1];
			free(c->fmt.pre);
			c->fmt.pre = xasprintf("%s = ", exprs[i]);
		}
	}
	return 0;
}

int
adprint_add_format(struct adprint *pm, const char *fmt, const char *expr,
		   struct error *err)
{
	char *text = collapse_escapes(fmt);
	int rc = add_printf_column(pm, NULL, 0, COL_NOTRUNC, text, expr, err);
	free(text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The standard views                                                  */
/* ------------------------------------------------------------------ */

static bool
get_number(const struct classad *ad, const char *name, double *d)
{
	return classad_get_real(ad, name, d) && isfinite(*d) &&
	       *d > -9.2e18 && *d < 9.2e18;
}

static bool
render_string(const struct adprint *pm, const struct column *c,
	      const struct classad *ad, struct strbuf *cell)
{
	(void)pm;
	char *s = classad_get_string(ad, c->attr);
	if (s == NULL)
		return false;
	strbuf_adds(cell, s);
	free(s);
	return true;
}

static bool
render_date(const struct adprint *pm, const struct column *c,
	    const struct classad *ad, struct strbuf *cell)
{
	(void)pm;
	double t;
	if (!get_number(ad, c->attr, &t))
		return false;
	adprint_date((long long)t, cell);
	return true;
}

/* condor_q's RUN_TIME: wall clock of earlier runs plus the current one. */
static bool
render_run_time(const struct adprint *pm, const struct column *c,
		const struct classad *ad, struct strbuf *cell)
{
	(void)c;
	double cpu, wall = 0, start = 0;
	long long status = 0;
	if (!get_number(ad, "RemoteUserCpu", &cpu))
		return false;
	(void)get_number(ad, "RemoteWallClockTime", &wall);
	(void)classad_get_int(ad, "JobStatus", &status);
	if ((status == 2 || status == 6 || status == 7) &&
	    (get_number(ad, "ShadowBday", &start) ||
	     get_number(ad, "JobCurrentStartDate", &start)) && start > 0)
		wall += (double)pm->now - start;
	if (wall < 0)
		wall = 0;
	adprint_duration((long long)wall, cell);
	return true;
}

/* condor_history's RUN_TIME: blank for a job that never ran. */
static bool
render_hist_run_time(const struct adprint *pm, const struct column *c,
		     const struct classad *ad, struct strbuf *cell)
{
	(void)pm;
	(void)c;
	double t = 0;
	if (!get_number(ad, "RemoteWallClockTime", &t) &&
	    !get_number(ad, "RemoteUserCpu", &t))
		t = 0;
	adprint_duration((long long)t, cell);
	return (long long)t != 0;
}

static bool
render_q_status(const struct adprint *pm, const struct column *c,
		const struct classad *ad, struct strbuf *cell)
{
	(void)pm;
	(void)c;
	long long status;
	if (!classad_get_int(ad, "JobStatus", &status))
		return false;
	char st[3] = { adprint_status_letter(status), ' ', '\0' };
	bool in = false, out = false, queued = false;
	(void)classad_get_bool(ad, "TransferringInput", &in);
	(void)classad_get_bool(ad, "TransferringOutput", &out);
	(void)classad_get_bool(ad, "TransferQueued", &queued);
	if (in) {
		st[0] = '<';
		st[1] = queued ? 'q' : ' ';
	}
	if (out || status == 6) {
		st[0] = queued ? 'q' : ' ';
		st[1] = '>';
	}
	strbuf_adds(cell, st);
	return true;
}

/* condor_history's ST: its table knows fewer letters than condor_q's. */
static bool
render_hist_status(const struct adprint *pm, const struct column *c,
		   const struct classad *ad, struct strbuf *cell)
{
	(void)pm;
	(void)c;
	long long status;
	if (!classad_get_int(ad, "JobStatus", &status))
		return false;
	char ch = adprint_status_letter(status);
	if (status == 5 || status == 7 || status == 10)
		ch = ' ';
	strbuf_addc(cell, ch);
	return true;
}

static bool
render_memory(const struct adprint *pm, const struct column *c,
	      const struct classad *ad, struct strbuf *cell)
{
	(void)pm;
	(void)c;
	double mb;
	if (get_number(ad, "MemoryUsage", &mb))
		mb = (double)(long long)mb;
	else if (get_number(ad, "ImageSize", &mb))
		mb = (double)(long long)mb / 1024.0;
	else
		return false;
	strbuf_addf(cell, "%.1f", mb);
	return true;
}

static char *
job_args(const struct classad *ad)
{
	char *args = classad_get_string(ad, "Arguments");
	if (args != NULL && *args == '\0') {
		free(args);
		args = NULL;
	}
	return args ? args : classad_get_string(ad, "Args");
}

/* condor_q's CMD: "(JobDescription)", else the program's base name and
 * its arguments. */
static bool
render_description(const struct adprint *pm, const struct column *c,
		   const struct classad *ad, struct strbuf *cell)
{
	(void)pm;
	(void)c;
	char *cmd = classad_get_string(ad, "Cmd");
	if (cmd == NULL)
		return false;
	char *desc = classad_get_string(ad, "JobDescription");
	if (desc != NULL && *desc) {
		strbuf_addf(cell, "(%s)", desc);
	} else {
		const char *slash = strrchr(cmd, '/');
		strbuf_adds(cell, slash ? slash + 1 : cmd);
		char *args = job_args(ad);
		if (args != NULL && *args)
			strbuf_addf(cell, " %s", args);
		free(args);
	}
	free(desc);
	free(cmd);
	return true;
}

/* condor_history's CMD: the full path and the old-style arguments. */
static bool
render_cmd_args(const struct adprint *pm, const struct column *c,
		const struct classad *ad, struct strbuf *cell)
{
	(void)pm;
	(void)c;
	char *cmd = classad_get_string(ad, "Cmd");
	if (cmd == NULL)
		return false;
	strbuf_adds(cell, cmd);
	char *args = classad_get_string(ad, "Args");
	if (args == NULL)
		args = classad_get_string(ad, "Arguments");
	if (args != NULL)
		strbuf_addf(cell, " %s", args);
	free(args);
	free(cmd);
	return true;
}

static bool
render_job_id(const struct adprint *pm, const struct column *c,
	      const struct classad *ad, struct strbuf *cell)
{
	(void)pm;
	(void)c;
	long long cluster, proc = 0;
	if (!classad_get_int(ad, "ClusterId", &cluster))
		return false;
	(void)classad_get_int(ad, "ProcId", &proc);
	strbuf_addf(cell, "%lld.%lld", cluster, proc);
	return true;
}

static struct column *
add_render_column(struct adprint *pm, const char *heading, size_t width,
		  unsigned opts, render_fn fn, const char *attr)
{
	struct column *c = add_column(pm, heading, width, opts);
	c->render = fn;
	c->attr = attr ? xstrdup(attr) : NULL;
	c->fmt.pre = xstrdup("");
	c->fmt.post = xstrdup("");
	return c;
}

/* " ID" and its ProcId partner, the first two columns of condor_q's
 * tables; they widen for long ids as HTCondor's do. */
static void
add_q_id_columns(struct adprint *pm)
{
	(void)add_printf_column(pm, " ID", 5, COL_AUTOWIDTH | COL_NOSUFFIX,
				"%4d.", "ClusterId", NULL);
	(void)add_printf_column(pm, " ", 3,
				COL_LEFT | COL_AUTOWIDTH | COL_NOPREFIX, "%-3d",
				"ProcId", NULL);
	struct column *c = add_render_column(pm, "OWNER", 14, COL_LEFT,
					     render_string, "Owner");
	c->alt = '?';
	c->alt_wide = true;
}

static void
view_jobs(struct adprint *pm)
{
	add_q_id_columns(pm);
	add_render_column(pm, "  SUBMITTED", 11, 0, render_date, "QDate");
	add_render_column(pm, "    RUN_TIME", 12, 0, render_run_time, NULL);
	add_render_column(pm, "ST", 0, 0, render_q_status, NULL);
	(void)add_printf_column(pm, "PRI", 3, COL_LEFT | COL_AUTOWIDTH, "%v",
				"JobPrio", NULL);
	add_render_column(pm, "SIZE", 4, 0, render_memory, NULL);
	add_render_column(pm, "CMD", 0, 0, render_description, NULL);
}

static void
view_hold(struct adprint *pm)
{
	add_q_id_columns(pm);
	struct column *c = add_render_column(pm, "HELD_SINCE", 11, 0,
					     render_date, "EnteredCurrentStatus");
	c->alt = '?';
	c->alt_wide = true;
	(void)add_printf_column(pm, "CODE", 4, COL_NOSUFFIX, "%4d",
				"HoldReasonCode", NULL);
	(void)add_printf_column(pm, "/SUB", 0, COL_NOPREFIX, "/%-3d",
				"HoldReasonSubCode", NULL);
	(void)add_printf_column(pm, "HOLD_REASON", 0, 0, "%v", "HoldReason",
				NULL);
}

static void
view_run(struct adprint *pm)
{
	add_q_id_columns(pm);
	struct column *c;
	c = add_render_column(pm, "  SUBMITTED", 11, 0, render_date, "QDate");
	c->alt = '?';
	c->alt_wide = true;
	c = add_render_column(pm, "    RUN_TIME", 12, 0, render_run_time, NULL);
	c->alt = '?';
	c->alt_wide = true;
	c = add_render_column(pm, "HOST(S)", 0, 0, render_string, "RemoteHost");
	c->alt = '?';
	c->alt_wide = true;
}

static void
view_history(struct adprint *pm)
{
	add_render_column(pm, " ID", 7, COL_LEFT | COL_AUTOWIDTH | COL_NOTRUNC,
			  render_job_id, NULL);
	(void)add_printf_column(pm, "OWNER", 14, COL_LEFT | COL_AUTOWIDTH, "%v",
				"Owner", NULL);
	add_render_column(pm, "SUBMITTED", 11, 0, render_date, "QDate");
	add_render_column(pm, "RUN_TIME", 12, 0, render_hist_run_time, NULL);
	add_render_column(pm, "ST", 2, COL_LEFT, render_hist_status, NULL);
	add_render_column(pm, "COMPLETED", 11, 0, render_date, "CompletionDate");
	add_render_column(pm, "CMD", 15, COL_LEFT | COL_NOTRUNC,
			  render_cmd_args, NULL);
}

struct adprint *
adprint_new_view(enum adprint_view view, long long now)
{
	struct adprint *pm = adprint_new();
	pm->now = now;
	pm->col_prefix = " ";
	pm->row_suffix = "\n";
	switch (view) {
	case ADPRINT_VIEW_JOBS: view_jobs(pm); break;
	case ADPRINT_VIEW_HOLD: view_hold(pm); break;
	case ADPRINT_VIEW_RUN: view_run(pm); break;
	case ADPRINT_VIEW_HISTORY: view_history(pm); break;
	}
	return pm;
}
