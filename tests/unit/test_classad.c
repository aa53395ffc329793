/*
 * test_classad.c - unit tests of the ClassAd module: every case of the
 * data-driven file classad_cases.txt (format described at its top), then
 * the C API of values, expressions and ads.
 *
 * The case file is argv[1], else $CONDORLET_SRCDIR/tests/unit/classad_cases.txt.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classad.h"
#include "error.h"
#include "strbuf.h"
#include "xalloc.h"
#include "tap.h"

/* ------------------------------------------------------------------ */
/* The case file                                                       */
/* ------------------------------------------------------------------ */

struct ads {
	struct classad *my, *parent, *target;
};

static void
ads_reset(struct ads *a)
{
	classad_free(a->my);
	classad_free(a->parent);
	classad_free(a->target);
	a->my = classad_new();
	a->parent = classad_new();
	a->target = classad_new();
	classad_set_parent(a->my, a->parent);
}

/* "@my Name = expr" */
static void
case_attr(struct classad *ad, const char *spec, int lineno)
{
	const char *eq = strchr(spec, '=');
	struct error err = { { 0 } };
	if (eq == NULL) {
		ok(0, "line %d: attribute line needs 'Name = expr'", lineno);
		return;
	}
	size_t n = (size_t)(eq - spec);
	while (n && spec[n - 1] == ' ')
		n--;
	char *name = xstrndup(spec, n);
	if (classad_set_text(ad, name, eq + 1, &err) != 0)
		ok(0, "line %d: attribute %s does not parse: %s", lineno, name, err.msg);
	free(name);
}

static void
case_eval(const struct ads *a, const char *expr, const char *want, int lineno)
{
	struct error err = { { 0 } };
	struct cexpr *e = cexpr_parse(expr, &err);
	if (e == NULL) {
		ok(0, "line %d: %s => %s", lineno, expr, want);
		diag("  does not parse: %s", err.msg);
		return;
	}
	struct cval v = { 0 };
	struct strbuf sb = STRBUF_INIT;
	cexpr_eval(e, a->my, a->target, &v);
	cval_unparse(&v, &sb);
	is_str(sb.buf, want, "line %d: %s", lineno, expr);
	strbuf_release(&sb);
	cval_release(&v);
	cexpr_free(e);
}

static void
case_unparse(const char *text, const char *want, int lineno)
{
	struct error err = { { 0 } };
	struct cexpr *e = cexpr_parse(text, &err);
	if (e == NULL) {
		ok(0, "line %d: unparse %s", lineno, text);
		diag("  does not parse: %s", err.msg);
		return;
	}
	char *got = cexpr_to_text(e);
	is_str(got, want, "line %d: unparse %s", lineno, text);
	/* the canonical text must itself parse back to the same text */
	struct cexpr *again = cexpr_parse(got, NULL);
	char *got2 = again ? cexpr_to_text(again) : NULL;
	if (got2 == NULL || strcmp(got, got2) != 0)
		diag("  canonical text does not round-trip: %s", got2 ? got2 : "(no parse)");
	free(got2);
	cexpr_free(again);
	free(got);
	cexpr_free(e);
}

static void
case_error(const char *text, int lineno)
{
	struct error err = { { 0 } };
	struct cexpr *e = cexpr_parse(text, &err);
	ok(e == NULL && strstr(err.msg, "offset") != NULL,
	   "line %d: %s does not parse", lineno, text);
	if (e) {
		char *t = cexpr_to_text(e);
		diag("  parsed as: %s", t);
		free(t);
	}
	cexpr_free(e);
}

static void
run_line(struct ads *a, char *line, int lineno)
{
	char *tab = strchr(line, '\t');
	if (strcmp(line, "@reset") == 0)
		ads_reset(a);
	else if (strncmp(line, "@my ", 4) == 0)
		case_attr(a->my, line + 4, lineno);
	else if (strncmp(line, "@parent ", 8) == 0)
		case_attr(a->parent, line + 8, lineno);
	else if (strncmp(line, "@target ", 8) == 0)
		case_attr(a->target, line + 8, lineno);
	else if (strncmp(line, "error: ", 7) == 0)
		case_error(line + 7, lineno);
	else if (tab == NULL || strncmp(tab, "\t=> ", 4) != 0)
		ok(0, "line %d: not a case: %s", lineno, line);
	else {
		*tab = '\0';
		if (strncmp(line, "unparse: ", 9) == 0)
			case_unparse(line + 9, tab + 4, lineno);
		else
			case_eval(a, line, tab + 4, lineno);
	}
}

static void
run_case_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (fp == NULL) {
		ok(0, "open case file %s", path);
		return;
	}
	struct ads a = { 0 };
	ads_reset(&a);
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, before = tap_count_;
	while (getline(&line, &cap, fp) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		run_line(&a, line, lineno);
	}
	free(line);
	fclose(fp);
	classad_free(a.my);
	classad_free(a.parent);
	classad_free(a.target);
	ok(tap_count_ - before >= 170, "the case file has at least 170 cases (%d)",
	   tap_count_ - before);
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

static char *
unparsed(const struct cval *v)
{
	struct strbuf sb = STRBUF_INIT;
	cval_unparse(v, &sb);
	return strbuf_detach(&sb, NULL);
}

static char *
plain(const struct cval *v)
{
	struct strbuf sb = STRBUF_INIT;
	cval_format_plain(v, &sb);
	return strbuf_detach(&sb, NULL);
}

static char *
real_text(double r)
{
	struct strbuf sb = STRBUF_INIT;
	cval_format_real(r, &sb);
	return strbuf_detach(&sb, NULL);
}

static void
check_str(char *got, const char *want, const char *name)
{
	is_str(got, want, "%s", name);
	free(got);
}

static void
test_values(void)
{
	struct cval v = { 0 }, c = { 0 };
	check_str(unparsed(&v), "undefined", "zeroed value is undefined");
	cval_set_string(&v, "say \"hi\"");
	check_str(unparsed(&v), "\"say \\\"hi\\\"\"", "strings are quoted, quotes escaped");
	check_str(plain(&v), "say \"hi\"", "%v shows strings bare");
	cval_copy(&c, &v);
	cval_release(&v);
	check_str(plain(&c), "say \"hi\"", "a copy outlives the original");
	cval_release(&c);
	cval_set_int(&v, -42);
	check_str(plain(&v), "-42", "%v of an integer");
	cval_set_bool(&v, true);
	check_str(plain(&v), "true", "%v of a boolean");
	cval_set_error(&v);
	check_str(plain(&v), "error", "%v of error");
	cval_set_undefined(&v);
	check_str(plain(&v), "undefined", "%v of undefined");

	check_str(real_text(0.0), "0.0", "real zero");
	check_str(real_text(-0.0), "-0.0", "real negative zero");
	check_str(real_text(3.0), "3.0", "integral real gets .0");
	check_str(real_text(0.1), "0.1", "0.1 prints short");
	check_str(real_text(1.0 / 3.0), "0.3333333333333333", "16 significant digits");
	check_str(real_text(1e-7), "1E-07", "small reals use an exponent");
	check_str(real_text(-2.5e100), "-2.5E+100", "large reals use an exponent");
	check_str(real_text(INFINITY), "real(\"INF\")", "infinity");
	check_str(real_text(-INFINITY), "real(\"-INF\")", "minus infinity");
	check_str(real_text(NAN), "real(\"NaN\")", "NaN");

	struct strbuf sb = STRBUF_INIT;
	cval_quote_string("C:\\dir \"x\"", &sb);
	is_str(sb.buf, "\"C:\\dir \\\"x\\\"\"", "quote_string escapes only quotes");
	strbuf_release(&sb);

	/* a list value built from C, copied, printed and released */
	struct cval items[2] = { { 0 } };
	cval_set_int(&items[0], 1);
	cval_set_string(&items[1], "a");
	struct cval list = { .type = CVAL_LIST, .u.list = { items, 2 } };
	cval_copy(&c, &list);
	cval_release(&items[1]);
	check_str(unparsed(&c), "{ 1,\"a\" }", "list values print like HTCondor");
	check_str(plain(&c), "{ 1,\"a\" }", "%v of a list is its unparsed form");
	struct cexpr *e = cexpr_literal(&c);
	check_str(cexpr_to_text(e), "{ 1,\"a\" }", "literal from a list value");
	cexpr_free(e);
	cval_release(&c);
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */

static void
test_literals(void)
{
	struct cval v = { 0 }, got = { 0 };
	cval_set_real(&v, 0.1 + 0.2);
	struct cexpr *e = cexpr_literal(&v);
	ok(cexpr_is_literal(e, &got) && got.type == CVAL_REAL && got.u.r == 0.1 + 0.2,
	   "a real literal keeps every bit");
	cexpr_free(e);
	e = cexpr_parse("-5", NULL);
	cval_release(&got);
	ok(e && cexpr_is_literal(e, &got) && got.type == CVAL_INT && got.u.i == -5,
	   "-5 counts as a literal");
	cexpr_free(e);
	e = cexpr_parse("A + 1", NULL);
	ok(e && !cexpr_is_literal(e, NULL), "A + 1 is not a literal");
	cexpr_free(e);
	e = cexpr_parse("\"s\"", NULL);
	cval_release(&got);
	ok(e && cexpr_is_literal(e, &got) && got.type == CVAL_STRING &&
	   strcmp(got.u.s, "s") == 0, "a string literal");
	cval_release(&got);
	cexpr_free(e);

	struct error err = { { 0 } };
	int rc = cexpr_eval_text("2 + 3", NULL, &got, &err);
	ok(rc == 0 && got.type == CVAL_INT && got.u.i == 5, "cexpr_eval_text");
	cval_release(&got);
	rc = cexpr_eval_text("2 +", NULL, &got, &err);
	ok(rc == -1 && strstr(err.msg, "syntax error at offset 3 in '2 +'"),
	   "cexpr_eval_text reports the parse error: %s", err.msg);
	e = cexpr_parse("a + * b", &err);
	is_str(err.msg, "syntax error at offset 4 in 'a + * b'", "error names the offset");
	ok(e == NULL, "a + * b does not parse");
	e = cexpr_parse("", &err);
	ok(e == NULL, "the empty text is not an expression");
	e = cexpr_parse("   ", &err);
	ok(e == NULL, "blank text is not an expression");
}

static char *
repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, head);
	for (size_t i = 0; i < n; i++)
		strbuf_adds(&sb, unit);
	strbuf_adds(&sb, tail);
	return strbuf_detach(&sb, NULL);
}

static void
test_limits(void)
{
	struct error err = { { 0 } };
	char *s = repeat("", "(", 150, "1");
	char *t = repeat(s, ")", 150, "");
	struct cexpr *e = cexpr_parse(t, &err);
	ok(e != NULL, "150 nested parentheses parse");
	cexpr_free(e);
	free(s);
	free(t);

	s = repeat("", "(", 100000, "1");
	t = repeat(s, ")", 100000, "");
	e = cexpr_parse(t, &err);
	ok(e == NULL && strstr(err.msg, "nested too deeply"),
	   "100000 nested parentheses are refused: %.60s", err.msg);
	free(s);
	free(t);

	s = repeat("", "-", 100000, "1");
	e = cexpr_parse(s, &err);
	ok(e == NULL && strstr(err.msg, "nested too deeply"), "a long unary chain is refused");
	free(s);

	s = repeat("1", " + 1", 100000, "");
	e = cexpr_parse(s, &err);
	ok(e == NULL && strstr(err.msg, "nested too deeply"),
	   "a 100000-term sum (a tree 100000 deep) is refused");
	free(s);

	s = repeat("1", " + 1", 150, "");
	e = cexpr_parse(s, &err);
	struct cval v = { 0 };
	if (e)
		cexpr_eval(e, NULL, NULL, &v);
	ok(e && v.type == CVAL_INT && v.u.i == 151, "a 151-term sum evaluates");
	cexpr_free(e);
	free(s);

	s = xmalloc((size_t)CEXPR_MAX_TEXT + 2);
	memset(s, '1', (size_t)CEXPR_MAX_TEXT + 1);
	s[CEXPR_MAX_TEXT + 1] = '\0';
	e = cexpr_parse(s, &err);
	ok(e == NULL && strstr(err.msg, "longer than"), "huge text is refused: %s", err.msg);
	s[CEXPR_MAX_TEXT - 1] = '\0';
	e = cexpr_parse(s, &err);
	ok(e != NULL, "text just under the limit parses");
	cexpr_free(e);
	free(s);

	s = repeat("{", "1,", 1000, "1}");
	e = cexpr_parse(s, &err);
	ok(e != NULL, "a wide list parses");
	cexpr_free(e);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Ads                                                                 */
/* ------------------------------------------------------------------ */

static void
test_ad_basics(void)
{
	struct classad *ad = classad_new();
	struct error err = { { 0 } };
	ok(classad_set_text(ad, "Cmd", "\"/bin/sleep\"", &err) == 0, "set_text");
	ok(classad_set_text(ad, "Req", "(a+b)>3&&x", &err) == 0, "set_text of an expression");
	is_str(classad_lookup_text(ad, "REQ"), "(a + b) > 3 && x", "canonical text is stored");
	classad_set_int(ad, "JobStatus", 1);
	classad_set_real(ad, "Rate", 0.5);
	classad_set_bool(ad, "Flag", true);
	classad_set_string(ad, "Owner", "alice");
	is_int(classad_size(ad), 6, "six attributes");
	is_str(classad_name_at(ad, 2), "JobStatus", "insertion order");
	is_str(classad_text_at(ad, 3), "0.5", "text of a real");
	is_str(classad_text_at(ad, 5), "\"alice\"", "text of a string");

	classad_set_int(ad, "JOBSTATUS", 2);
	is_int(classad_size(ad), 6, "replacing keeps the count");
	is_str(classad_name_at(ad, 2), "JobStatus", "replacing keeps the first spelling");
	is_str(classad_text_at(ad, 2), "2", "replacing changes the value");

	ok(classad_set_text(ad, "JobStatus", "1 +", &err) == -1, "bad text is refused");
	ok(strstr(err.msg, "syntax error") != NULL, "with a message: %s", err.msg);
	is_str(classad_lookup_text(ad, "JobStatus"), "2", "a refused set leaves the ad unchanged");
	is_int(classad_size(ad), 6, "and adds nothing");
	ok(classad_set_text(ad, "New", "(", &err) == -1 && !classad_has(ad, "New"),
	   "a refused new attribute is not added");

	long long i = 0;
	double r = 0;
	bool b = false;
	ok(classad_get_int(ad, "jobstatus", &i) && i == 2, "get_int, any case");
	ok(classad_get_real(ad, "JobStatus", &r) && r == 2.0, "get_real accepts an int");
	ok(classad_get_int(ad, "Rate", &i) && i == 0, "get_int truncates a real");
	ok(classad_get_bool(ad, "Flag", &b) && b, "get_bool");
	ok(!classad_get_int(ad, "Owner", &i), "get_int of a string fails");
	ok(!classad_get_int(ad, "Nope", &i), "get_int of a missing attribute fails");
	char *s = classad_get_string(ad, "Owner");
	is_str(s, "alice", "get_string");
	free(s);
	ok(classad_get_string(ad, "JobStatus") == NULL, "get_string of an int is NULL");

	ok(classad_delete(ad, "flag"), "delete");
	ok(!classad_delete(ad, "flag"), "delete twice");
	ok(!classad_has(ad, "Flag"), "deleted attribute is gone");
	is_int(classad_size(ad), 5, "five left");
	is_str(classad_name_at(ad, 4), "Owner", "order kept after delete");
	ok(classad_name_at(ad, 5) == NULL, "name_at past the end is NULL");
	ok(classad_lookup_expr(ad, "Missing") == NULL, "lookup_expr of a missing attribute");
	ok(classad_lookup_expr(ad, "Req") != NULL, "lookup_expr");

	struct cval v = { 0 };
	classad_eval_attr(ad, "Missing", &v);
	ok(v.type == CVAL_UNDEFINED, "eval_attr of a missing attribute is undefined");
	classad_free(ad);
	classad_free(NULL);
}

static void
test_ad_chain(void)
{
	struct classad *cluster = classad_new(), *proc = classad_new();
	struct error err = { { 0 } };
	classad_set_int(cluster, "ClusterId", 7);
	classad_set_int(cluster, "JobStatus", 1);
	classad_set_text(cluster, "Desc", "strcat(\"job \", ClusterId, \".\", ProcId)", &err);
	classad_set_int(proc, "ProcId", 3);
	classad_set_int(proc, "JobStatus", 2);
	classad_set_parent(proc, cluster);
	ok(classad_parent(proc) == cluster, "parent is set");

	long long i = 0;
	ok(classad_get_int(proc, "ClusterId", &i) && i == 7, "lookup falls through to the parent");
	ok(classad_get_int(proc, "JobStatus", &i) && i == 2, "own attribute wins");
	char *s = classad_get_string(proc, "Desc");
	is_str(s, "job 7.3", "a parent's expression sees the child's attributes");
	free(s);
	ok(classad_has(proc, "ClusterId") && !classad_has_own(proc, "ClusterId"),
	   "has vs has_own");
	ok(!classad_delete(proc, "ClusterId"), "delete does not reach the parent");
	is_str(classad_lookup_text(proc, "clusterid"), "7", "lookup_text through the chain");

	struct classad *flat = classad_flatten(proc);
	ok(classad_parent(flat) == NULL, "flatten has no parent");
	is_int(classad_size(flat), 4, "flatten holds every visible attribute");
	is_str(classad_name_at(flat, 0), "ProcId", "own attributes first");
	ok(classad_get_int(flat, "JobStatus", &i) && i == 2, "flatten keeps the override");
	s = classad_get_string(flat, "Desc");
	is_str(s, "job 7.3", "flattened ad evaluates alone");
	free(s);
	classad_free(flat);

	struct classad *copy = classad_copy(proc);
	ok(classad_parent(copy) == cluster, "copy keeps the parent");
	is_int(classad_size(copy), 2, "copy holds own attributes only");
	classad_set_int(copy, "ProcId", 9);
	ok(classad_get_int(proc, "ProcId", &i) && i == 3, "copy is deep");
	classad_free(copy);

	/* a constraint over the chain */
	struct cexpr *c = cexpr_parse("JobStatus == 2 && ClusterId == 7", &err);
	ok(classad_matches(c, proc), "constraint matches");
	cexpr_free(c);
	c = cexpr_parse("Missing == 1", &err);
	ok(!classad_matches(c, proc), "undefined does not match");
	cexpr_free(c);
	c = cexpr_parse("ProcId", &err);
	ok(classad_matches(c, proc), "a non-zero number matches");
	cexpr_free(c);
	c = cexpr_parse("\"yes\"", &err);
	ok(!classad_matches(c, proc), "a string does not match");
	cexpr_free(c);

	/* a parent cycle made by mistake must not hang */
	classad_set_parent(cluster, proc);
	ok(!classad_has(proc, "Nothing"), "lookup in a parent cycle terminates");
	classad_set_parent(cluster, NULL);

	classad_free(proc);
	classad_free(cluster);
}

static void
test_ad_many(void)
{
	struct classad *ad = classad_new();
	char name[32];
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "Attr%d", i);
		classad_set_int(ad, name, i);
	}
	int good = 0;
	for (int i = 0; i < 500; i++) {
		long long v = -1;
		snprintf(name, sizeof(name), "ATTR%d", i);
		good += classad_get_int(ad, name, &v) && v == i;
	}
	is_int(good, 500, "500 attributes found through the index, any case");
	for (int i = 0; i < 500; i += 2) {
		snprintf(name, sizeof(name), "attr%d", i);
		classad_delete(ad, name);
	}
	is_int(classad_size(ad), 250, "half deleted");
	good = 0;
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "Attr%d", i);
		good += classad_has(ad, name) == (i % 2 == 1);
	}
	is_int(good, 500, "the index agrees after deletes");
	is_str(classad_name_at(ad, 0), "Attr1", "order survives deletes");
	for (int i = 0; i < 245; i++) {
		snprintf(name, sizeof(name), "Attr%d", 2 * i + 1);
		classad_delete(ad, name);
	}
	ok(classad_has(ad, "Attr499") && !classad_has(ad, "Attr1"),
	   "small again: linear lookups");
	classad_free(ad);
}

static void
test_ad_lazy(void)
{
	struct classad *ad = classad_new();
	classad_set_text_trusted(ad, "A", "1 + 2");
	classad_set_text_trusted(ad, "Broken", "1 + + (");
	classad_set_text_trusted(ad, "UsesBroken", "Broken + 1");
	is_str(classad_text_at(ad, 0), "1 + 2", "trusted text is stored as given");
	long long i = 0;
	ok(classad_get_int(ad, "A", &i) && i == 3, "trusted text is parsed on use");
	struct cval v = { 0 };
	classad_eval_attr(ad, "Broken", &v);
	ok(v.type == CVAL_ERROR, "trusted text that does not parse is ERROR");
	classad_eval_attr(ad, "UsesBroken", &v);
	ok(v.type == CVAL_ERROR, "and so is what uses it");
	ok(classad_lookup_expr(ad, "Broken") != NULL, "its expression is an ERROR literal");
	is_str(classad_lookup_text(ad, "Broken"), "1 + + (", "its text is kept");

	/* exotic values survive the trip through text */
	classad_set_real(ad, "R", 0.1 + 0.2);
	double r = 0;
	ok(classad_get_real(ad, "R", &r) && r == 0.1 + 0.2, "a real set from C keeps its bits");
	classad_set_string(ad, "Path", "C:\\dir\\");
	char *s = classad_get_string(ad, "Path");
	is_str(s, "C:\\dir\\", "a string ending in a backslash");
	free(s);
	is_str(classad_lookup_text(ad, "Path"), "\"C:\\dir\\\"", "prints the old-syntax way");
	classad_set_string(ad, "Q", "a\\\"\nb");
	s = classad_get_string(ad, "Q");
	is_str(s, "a\\\"\nb", "backslash, quote and newline");
	free(s);

	struct error err = { { 0 } };
	struct cexpr *e = cexpr_parse("A * 2", &err);
	classad_set_expr(ad, "E", e);
	is_str(classad_lookup_text(ad, "E"), "A * 2", "set_expr stores canonical text");
	ok(classad_get_int(ad, "E", &i) && i == 6, "set_expr evaluates");
	struct cval lst = { 0 };
	cexpr_eval_text("{ 1, \"x\" }", NULL, &lst, &err);
	classad_set_value(ad, "L", &lst);
	cval_release(&lst);
	is_str(classad_lookup_text(ad, "L"), "{ 1,\"x\" }", "set_value of a list");
	classad_free(ad);
}

static void
test_hostile_eval(void)
{
	struct classad *ad = classad_new();
	char name[16], text[64];
	/* A0 = A1 + A1, A1 = A2 + A2 ...: exponential work */
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "A%d", i);
		snprintf(text, sizeof(text), "A%d + A%d", i + 1, i + 1);
		classad_set_text_trusted(ad, name, text);
	}
	classad_set_text_trusted(ad, "A60", "1");
	struct cval v = { 0 };
	clock_t t0 = clock();
	classad_eval_attr(ad, "A0", &v);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(v.type == CVAL_ERROR, "exponential evaluation gives up with ERROR");
	ok(secs < 10.0, "and gives up quickly (%.2fs)", secs);

	/* a long chain of attribute references */
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "C%d", i);
		snprintf(text, sizeof(text), "C%d + 1", i + 1);
		classad_set_text_trusted(ad, name, text);
	}
	classad_eval_attr(ad, "C0", &v);
	ok(v.type == CVAL_ERROR, "a 3000-deep reference chain is ERROR, not a crash");

	/* doubling strings */
	classad_set_text_trusted(ad, "S0", "\"xxxxxxxxxxxxxxxx\"");
	for (int i = 1; i < 40; i++) {
		snprintf(name, sizeof(name), "S%d", i);
		snprintf(text, sizeof(text), "strcat(S%d, S%d)", i - 1, i - 1);
		classad_set_text_trusted(ad, name, text);
	}
	classad_eval_attr(ad, "S39", &v);
	ok(v.type == CVAL_ERROR, "a string that doubles 39 times is ERROR");
	cval_release(&v);
	classad_free(ad);
}

static void
test_target_swap(void)
{
	struct classad *job = classad_new(), *machine = classad_new();
	struct error err = { { 0 } };
	classad_set_int(job, "RequestMemory", 2048);
	classad_set_text(job, "Requirements", "TARGET.Memory >= MY.RequestMemory", &err);
	classad_set_int(machine, "Memory", 4096);
	classad_set_text(machine, "Start", "TARGET.RequestMemory < Memory", &err);
	const struct cexpr *req = classad_lookup_expr(job, "Requirements");
	struct cval v = { 0 };
	cexpr_eval(req, job, machine, &v);
	ok(v.type == CVAL_BOOL && v.u.b, "job requirements against a machine");
	cexpr_eval(classad_lookup_expr(machine, "Start"), machine, job, &v);
	ok(v.type == CVAL_BOOL && v.u.b, "machine start against the job");
	cexpr_eval(req, job, NULL, &v);
	ok(v.type == CVAL_UNDEFINED, "without a target, TARGET.x is undefined");
	cexpr_eval(req, NULL, NULL, &v);
	ok(v.type == CVAL_UNDEFINED, "without any ad, references are undefined");
	classad_free(job);
	classad_free(machine);
}

int
main(int argc, char **argv)
{
	plan_lazy();
	setenv("TZ", "UTC", 1);
	tzset();
	char *path = NULL;
	if (argc > 1) {
		path = xstrdup(argv[1]);
	} else {
		const char *src = getenv("CONDORLET_SRCDIR");
		path = xasprintf("%s/tests/unit/classad_cases.txt", src ? src : ".");
	}
	run_case_file(path);
	free(path);
	test_values();
	test_literals();
	test_limits();
	test_ad_basics();
	test_ad_chain();
	test_ad_many();
	test_ad_lazy();
	test_hostile_eval();
	test_target_swap();
	return tap_done();
}
