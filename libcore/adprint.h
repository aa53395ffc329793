/*
 * adprint.h - printing job ads the ways condor_q and condor_history share.
 *
 * Owns the text forms of ads that users and scripts read:
 *   - whole ads: -long ("Name = value", attributes sorted without regard
 *     to case, a blank line after each ad) and -json (HTCondor's exact
 *     layout: "[", ads separated by a line holding ",", "]");
 *   - print masks: the columns of -af[:jlhVr,tng], the printf-style items
 *     of -format, and the fixed column sets of the standard views
 *     (condor_q -nobatch, -hold, -run; condor_history's default);
 *   - the small shared formats: "%2d/%-2d %02d:%02d" dates,
 *     "%3d+%02d:%02d:%02d" durations and the status letters.
 *
 * Everything is appended to a caller's struct strbuf: this module never
 * touches stdio, so a tool builds its whole output in memory and writes it
 * once.  Ads are only read: a proc ad's parent (its cluster ad) is searched
 * the way classad lookups search it, and nothing is flattened or copied.
 *
 * A print mask keeps per-column state (widths that grow with the data), so
 * one mask serves one output stream.  Rows are either appended as they come
 * (streaming, as condor_history prints) or kept until adprint_finish so the
 * column widths fit every row (buffered, as condor_q prints).
 */
#ifndef CONDORLET_ADPRINT_H
#define CONDORLET_ADPRINT_H

#include <stdbool.h>
#include <stddef.h>

struct classad;
struct error;
struct strbuf;

/* ------------------------------------------------------------------ */
/* Shared small formats                                                */
/* ------------------------------------------------------------------ */

/* Appends t (seconds since the epoch, local time) as "%2d/%-2d %02d:%02d",
 * e.g. " 8/21 15:16"; a negative t gives "    ???    ". */
void adprint_date(long long t, struct strbuf *out);
/* Appends secs as "%3d+%02d:%02d:%02d" (days+hh:mm:ss). */
void adprint_duration(long long secs, struct strbuf *out);
/* The condor_q ST letter of a JobStatus value (I R X C H > S F B P), or
 * ' ' for an unknown value. */
char adprint_status_letter(long long status);

/* ------------------------------------------------------------------ */
/* Whole ads                                                           */
/* ------------------------------------------------------------------ */

/* An -attributes list: which attributes -long and -json show. */
struct adprint_attrs {
	char **names;	/* owned */
	size_t n;
};

/* Parses "A,B C" (commas and/or blanks); -1 with err set if it names no
 * attribute or a name that is not an attribute name. */
int adprint_attrs_parse(struct adprint_attrs *a, const char *list,
			struct error *err);
void adprint_attrs_release(struct adprint_attrs *a);

/* Appends every attribute visible through ad (its own, then its parents'
 * it does not override) as "Name = expression" lines sorted case-
 * insensitively, then one empty line.  only may be NULL (all attributes).
 * An ad with nothing to show appends nothing. */
void adprint_long(const struct classad *ad, const struct adprint_attrs *only,
		  struct strbuf *out);

/* Appends ad as one element of a -json array: "[\n" before the first
 * (index 0), ",\n" before the others, then the object and "\n".  Literal
 * values become JSON values (undefined is null); any other expression is
 * the string "\/Expr(<expression>)\/".  An ad with nothing to show is
 * skipped: returns true only if something was appended, and index counts
 * only those.  adprint_json_end appends the closing "]\n" when count (the
 * number of ads printed) is not 0: with no ads, -json prints nothing. */
bool adprint_json(const struct classad *ad, const struct adprint_attrs *only,
		  size_t index, struct strbuf *out);
void adprint_json_end(size_t count, struct strbuf *out);
/* Appends s as a JSON string body (no quotes), escaped as HTCondor does. */
void adprint_json_escape(const char *s, struct strbuf *out);

/* ------------------------------------------------------------------ */
/* Print masks: -af, -format and the standard views                    */
/* ------------------------------------------------------------------ */

struct adprint;

enum adprint_view {
	ADPRINT_VIEW_JOBS,	/* condor_q -nobatch */
	ADPRINT_VIEW_HOLD,	/* condor_q -hold */
	ADPRINT_VIEW_RUN,	/* condor_q -run */
	ADPRINT_VIEW_HISTORY,	/* condor_history without -af/-format/-l */
};

/* An empty mask, to be filled with -af and -format items. */
struct adprint *adprint_new(void);
/* A standard view.  now is the time running jobs' RUN_TIME is counted to. */
struct adprint *adprint_new_view(enum adprint_view view, long long now);
void adprint_free(struct adprint *pm);

/*
 * The attribute arguments of "-af ATTR ...", as HTCondor's tools read
 * them: argv[i + 1] up to the next argument that starts with '-'; a lone
 * "-" ends the list and is consumed with it.  Sets *n to the number of
 * attributes (0 is the caller's error to report) and returns the index of
 * the last argument consumed.
 */
int adprint_af_span(int argc, char *const *argv, int i, size_t *n);

/*
 * Adds one -af group: opts is the text after "-af:" (NULL or "" for none),
 * exprs the n attribute names or expressions that followed.  Options as in
 * HTCondor: j job id first, l "Name = " labels, h headings with columns
 * fitted to the data, V %V, r %r (raw), "," a comma after each field, t a
 * tab instead of the space, n a newline after each field, g a newline
 * before each ad and no space.  Where options conflict (h with l, n with
 * ","), the one HTCondor lets win wins: h over l, the later of n and ",".
 * Returns -1 with err "invalid expression : X" (the mask unchanged) if an
 * expression does not parse, or "-af needs at least one attribute".
 */
int adprint_add_autoformat(struct adprint *pm, const char *opts,
			   const char *const *exprs, size_t n,
			   struct error *err);
/*
 * Adds one -format item: fmt holds one printf conversion (%d %i %u %x %o
 * %c, %f %e %g, %s, %v %V, %r, %T duration, %Y date; flags, width and
 * precision allowed) plus literal text, with backslash escapes (\n \t ...)
 * interpreted.  A value the conversion cannot print (%d of a string or of
 * a missing attribute) drops the whole item, literal text included; %s of
 * an attribute the ad lacks prints "undefined".  -1 with err set if expr
 * does not parse or a width/precision is absurdly large.
 */
int adprint_add_format(struct adprint *pm, const char *fmt, const char *expr,
		       struct error *err);

size_t adprint_columns(const struct adprint *pm);
bool adprint_has_headings(const struct adprint *pm);

/* Keep rows until adprint_finish so every column fits its widest value
 * (condor_q).  Default: rows are appended by adprint_row at once. */
void adprint_set_buffered(struct adprint *pm, bool on);
/* Drop trailing blanks from each row (condor_q's views when the output is
 * not a terminal). */
void adprint_set_trim(struct adprint *pm, bool on);
/* Cut rows longer than width characters (0: never). */
void adprint_set_max_width(struct adprint *pm, size_t width);

/* Appends the heading line (nothing if the mask has no headings). */
void adprint_headings(struct adprint *pm, struct strbuf *out);
/* Formats one ad: appended to out, or kept if the mask is buffered. */
void adprint_row(struct adprint *pm, const struct classad *ad,
		 struct strbuf *out);
/* Buffered masks: appends the heading line if headings is true, then
 * every kept row, and forgets them.  Streaming masks: appends nothing. */
void adprint_finish(struct adprint *pm, bool headings, struct strbuf *out);

#endif
