/*
 * test_adprint.c - the ad printing forms condor_q and condor_history share
 * (adprint) and condor_q's totals and batch view (qsummary).
 *
 * Expected strings are HTCondor's byte for byte (see
 * shared/reference/htcondor-cli.md sections 5 and 8.2).  Times are printed
 * in UTC here so the dates are fixed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adprint.h"
#include "classad.h"
#include "error.h"
#include "fileio.h"
#include "qsummary.h"
#include "queue.h"
#include "select.h"
#include "strbuf.h"
#include "tap.h"
#include "banned.h"

#define QDATE 1755789360LL	/* 08/21/25 15:16:00 UTC */

/* A cluster ad and one proc ad, as the queue keeps them. */
struct job {
	struct classad *cluster, *proc;
};

static void
job_init(struct job *j, int cluster, int proc, const char *owner)
{
	struct error err;
	j->cluster = classad_new();
	j->proc = classad_new();
	classad_set_parent(j->proc, j->cluster);
	classad_set_int(j->cluster, "ClusterId", cluster);
	classad_set_string(j->cluster, "Owner", owner);
	classad_set_int(j->cluster, "QDate", QDATE);
	classad_set_string(j->cluster, "Cmd", "/bin/sleep");
	classad_set_string(j->cluster, "Args", "60");
	classad_set_real(j->cluster, "RemoteUserCpu", 0.0);
	classad_set_real(j->cluster, "RemoteWallClockTime", 0.0);
	classad_set_int(j->cluster, "JobPrio", 0);
	classad_set_int(j->cluster, "ImageSize", 2500);
	classad_set_int(j->cluster, "TotalSubmitProcs", 3);
	if (classad_set_text(j->cluster, "Requirements",
			     "(TARGET.Arch == \"X86_64\") && (TARGET.Memory >= RequestMemory)",
			     &err) < 0)
		diag("set_text: %s", err.msg);
	classad_set_int(j->proc, "ProcId", proc);
	classad_set_int(j->proc, "JobStatus", 1);
}

static void
job_release(struct job *j)
{
	classad_free(j->proc);
	classad_free(j->cluster);
}

/* Runs one -af group over ads and returns the output (caller frees). */
static char *
af(const char *opts, const char *const *exprs, size_t n,
   struct classad *const *ads, size_t nads, bool buffered)
{
	struct error err;
	struct strbuf out = STRBUF_INIT;
	struct adprint *pm = adprint_new();
	if (adprint_add_autoformat(pm, opts, exprs, n, &err) < 0) {
		diag("af: %s", err.msg);
		adprint_free(pm);
		return strbuf_detach(&out, NULL);
	}
	adprint_set_buffered(pm, buffered);
	for (size_t i = 0; i < nads; i++)
		adprint_row(pm, ads[i], &out);
	adprint_finish(pm, true, &out);
	adprint_free(pm);
	return strbuf_detach(&out, NULL);
}

/* Runs -format items (fmt, expr pairs) over one ad. */
static char *
fmt(const char *const *pairs, size_t npairs, const struct classad *ad)
{
	struct error err;
	struct strbuf out = STRBUF_INIT;
	struct adprint *pm = adprint_new();
	for (size_t i = 0; i < npairs; i++)
		if (adprint_add_format(pm, pairs[2 * i], pairs[2 * i + 1], &err) < 0)
			diag("format: %s", err.msg);
	adprint_row(pm, ad, &out);
	adprint_free(pm);
	return strbuf_detach(&out, NULL);
}

#define IS_AND_FREE(expr, want, name)                                          \
	do {                                                                   \
		char *got_ = (expr);                                           \
		is_str(got_, want, name);                                      \
		free(got_);                                                    \
	} while (0)

static void
test_small_formats(void)
{
	struct strbuf sb = STRBUF_INIT;
	adprint_date(QDATE, &sb);
	is_str(sb.buf, " 8/21 15:16", "date: month padded left, day right");
	strbuf_reset(&sb);
	adprint_date(1751447100LL, &sb);
	is_str(sb.buf, " 7/2  09:05", "date: one-digit day padded right");
	strbuf_reset(&sb);
	adprint_date(-1, &sb);
	is_str(sb.buf, "    ???    ", "date: negative is ???");
	strbuf_reset(&sb);
	adprint_duration(0, &sb);
	is_str(sb.buf, "  0+00:00:00", "duration zero");
	strbuf_reset(&sb);
	adprint_duration(3 * 86400 + 3600 + 61, &sb);
	is_str(sb.buf, "  3+01:01:01", "duration days+hh:mm:ss");
	strbuf_release(&sb);
	ok(adprint_status_letter(1) == 'I' && adprint_status_letter(2) == 'R' &&
	   adprint_status_letter(3) == 'X' && adprint_status_letter(4) == 'C' &&
	   adprint_status_letter(5) == 'H' && adprint_status_letter(6) == '>' &&
	   adprint_status_letter(7) == 'S' && adprint_status_letter(10) == 'P',
	   "status letters");
	ok(adprint_status_letter(0) == ' ' && adprint_status_letter(99) == ' ',
	   "unknown status is a blank");
}

static void
test_long(void)
{
	struct job j;
	job_init(&j, 635, 0, "alice");
	classad_set_string(j.proc, "args", "override");	/* proc wins */
	classad_set_bool(j.proc, "zeta", true);
	classad_set_string(j.proc, "Alpha", "a\"b");
	struct strbuf sb = STRBUF_INIT;
	adprint_long(j.proc, NULL, &sb);
	is_str(sb.buf,
	       "Alpha = \"a\\\"b\"\n"
	       "args = \"override\"\n"
	       "ClusterId = 635\n"
	       "Cmd = \"/bin/sleep\"\n"
	       "ImageSize = 2500\n"
	       "JobPrio = 0\n"
	       "JobStatus = 1\n"
	       "Owner = \"alice\"\n"
	       "ProcId = 0\n"
	       "QDate = 1755789360\n"
	       "RemoteUserCpu = 0.0\n"
	       "RemoteWallClockTime = 0.0\n"
	       "Requirements = (TARGET.Arch == \"X86_64\") && (TARGET.Memory >= RequestMemory)\n"
	       "TotalSubmitProcs = 3\n"
	       "zeta = true\n"
	       "\n",
	       "-long: sorted without case, cluster attributes included once");

	struct adprint_attrs only;
	struct error err;
	ok(adprint_attrs_parse(&only, "owner, ProcId zeta", &err) == 0,
	   "-attributes list parses");
	strbuf_reset(&sb);
	adprint_long(j.proc, &only, &sb);
	is_str(sb.buf, "Owner = \"alice\"\nProcId = 0\nzeta = true\n\n",
	       "-long -attributes shows only those");
	adprint_attrs_release(&only);
	ok(adprint_attrs_parse(&only, "a,b-c", &err) < 0 &&
	   strstr(err.msg, "b-c") != NULL, "-attributes rejects a bad name");
	ok(adprint_attrs_parse(&only, " , ", &err) < 0, "-attributes rejects nothing");

	struct classad *empty = classad_new();
	strbuf_reset(&sb);
	adprint_long(empty, NULL, &sb);
	is_str(sb.buf, "", "-long of an empty ad prints nothing");
	classad_free(empty);
	strbuf_release(&sb);
	job_release(&j);
}

static void
test_json(void)
{
	struct error err;
	struct classad *a = classad_new();
	classad_set_int(a, "ClusterId", 635);
	classad_set_string(a, "Args", "10s \"quoted\"\\\n\t\x01/");
	classad_set_real(a, "RemoteWallClockTime", 0.0);
	classad_set_real(a, "Rate", 1.5);
	classad_set_real(a, "Whole", 1e20);
	classad_set_bool(a, "Done", false);
	classad_set_int(a, "Neg", -5);
	ok(classad_set_text(a, "Nothing", "undefined", &err) == 0, "set undefined");
	ok(classad_set_text(a, "Req", "TARGET.Memory >= \"x\"", &err) == 0,
	   "set expression");
	struct classad *b = classad_new();
	classad_set_int(b, "ClusterId", 636);

	struct strbuf sb = STRBUF_INIT;
	adprint_json(a, NULL, 0, &sb);
	adprint_json(b, NULL, 1, &sb);
	adprint_json_end(2, &sb);
	is_str(sb.buf,
	       "[\n"
	       "{\n"
	       "  \"Args\": \"10s \\\"quoted\\\"\\\\\\n\\t\\u0001/\",\n"
	       "  \"ClusterId\": 635,\n"
	       "  \"Done\": false,\n"
	       "  \"Neg\": -5,\n"
	       "  \"Nothing\": null,\n"
	       "  \"Rate\": 1.5,\n"
	       "  \"RemoteWallClockTime\": 0.0,\n"
	       "  \"Req\": \"\\/Expr(TARGET.Memory >= \\\"x\\\")\\/\",\n"
	       "  \"Whole\": 1E+20\n"
	       "}\n"
	       ",\n"
	       "{\n"
	       "  \"ClusterId\": 636\n"
	       "}\n"
	       "]\n",
	       "-json layout, literals, escaping and expressions");
	strbuf_reset(&sb);
	adprint_json_end(0, &sb);
	is_str(sb.buf, "", "-json with no ads prints nothing");
	struct adprint_attrs only;
	ok(adprint_attrs_parse(&only, "NoSuchAttr", &err) == 0, "attrs");
	ok(!adprint_json(a, &only, 0, &sb) && sb.len == 0,
	   "-json skips an ad with nothing to show");
	adprint_attrs_release(&only);
	strbuf_release(&sb);
	classad_free(a);
	classad_free(b);
}

static void
test_autoformat(void)
{
	struct job j1, j2;
	job_init(&j1, 7, 0, "alice");
	job_init(&j2, 12, 10, "bob");
	classad_set_string(j2.proc, "Args", "with space");
	struct classad *ads[] = { j1.proc, j2.proc };

	const char *e1[] = { "ClusterId", "ProcId", "Owner", "NoSuchAttr" };
	IS_AND_FREE(af(NULL, e1, 4, ads, 2, false),
		    "7 0 alice undefined\n12 10 bob undefined\n",
		    "-af: space separated, strings bare, missing is undefined");
	const char *e2[] = { "Owner", "ClusterId * 2", "JobStatus == 1" };
	IS_AND_FREE(af("V", e2, 3, ads, 1, false), "\"alice\" 14 true\n",
		    "-af:V quotes strings; expressions are evaluated");
	const char *e3[] = { "Requirements", "NoSuch", "1 + 2" };
	IS_AND_FREE(af("r", e3, 3, ads, 1, false),
		    "(TARGET.Arch == \"X86_64\") && (TARGET.Memory >= RequestMemory) undefined 1 + 2\n",
		    "-af:r prints expressions unevaluated");
	const char *e4[] = { "Owner", "Args" };
	IS_AND_FREE(af("j", e4, 2, ads, 2, false),
		    "7.0 alice 60\n12.10 bob with space\n", "-af:j prefixes the job id");
	IS_AND_FREE(af("l", e4, 2, ads, 1, false), "Owner = alice Args = 60\n",
		    "-af:l labels each value");
	IS_AND_FREE(af("jl", e4, 2, ads, 1, false),
		    "ID = 7.0 Owner = alice Args = 60\n", "-af:jl labels the id too");
	IS_AND_FREE(af(",", e4, 2, ads, 1, false), "alice, 60\n",
		    "-af:, puts a comma after each field but the last");
	IS_AND_FREE(af("t", e4, 2, ads, 1, false), "alice\t60\n",
		    "-af:t separates with tabs");
	IS_AND_FREE(af("n", e4, 2, ads, 1, false), "alice\n 60\n",
		    "-af:n puts a newline after each field");
	IS_AND_FREE(af("ng", e4, 2, ads, 2, false), "\nalice\n60\n\nbob\nwith space\n",
		    "-af:ng: a newline before each ad and no spaces");
	IS_AND_FREE(af("lrng", e4, 2, ads, 1, false),
		    "\nOwner = \"alice\"\nArgs = \"60\"\n",
		    "-af:lrng is the -long equivalent");
	IS_AND_FREE(af("n,", e4, 2, ads, 1, false), "alice, 60\n",
		    "-af:n, - the later of n and , wins");
	const char *e5[] = { "ClusterId", "Owner", "Args" };
	IS_AND_FREE(af("h", e5, 3, ads, 2, true),
		    "ClusterId Owner Args      \n"
		    "7         alice 60        \n"
		    "12        bob   with space\n",
		    "-af:h: headings, columns fitted to every row");
	IS_AND_FREE(af("hl", e5, 3, ads, 1, true),
		    "ClusterId Owner Args\n"
		    "7         alice 60  \n",
		    "-af:hl: h wins over l");
	IS_AND_FREE(af("jh", e4, 2, ads, 2, true),
		    " ID      Owner Args      \n"
		    "   7.0   alice 60        \n"
		    "  12.10  bob   with space\n",
		    "-af:jh: the id columns of condor_q");
	IS_AND_FREE(af("x?", e4, 2, ads, 1, false), "alice 60\n",
		    "-af ignores option letters it does not know");

	struct error err;
	struct adprint *pm = adprint_new();
	const char *bad[] = { "Owner", "1 +* 2" };
	ok(adprint_add_autoformat(pm, NULL, bad, 2, &err) < 0 &&
	   strcmp(err.msg, "invalid expression : 1 +* 2") == 0,
	   "-af rejects an invalid expression: %s", err.msg);
	ok(adprint_columns(pm) == 0, "...and adds nothing");
	ok(adprint_add_autoformat(pm, NULL, bad, 0, &err) < 0,
	   "-af with no attributes is an error");
	adprint_free(pm);
	job_release(&j1);
	job_release(&j2);
}

static void
test_format(void)
{
	struct job j;
	job_init(&j, 635, 2, "alice");
	classad_set_real(j.proc, "Ratio", 2.5);
	classad_set_int(j.proc, "Letter", 65);
	classad_set_int(j.proc, "Negative", -1);
	const struct classad *ad = j.proc;

	const char *p1[] = { "%d.", "ClusterId", "%d\\n", "ProcId" };
	IS_AND_FREE(fmt(p1, 2, ad), "635.2\n",
		    "-format items concatenate; \\n is a newline");
	const char *p2[] = { "Owner=%s ", "Owner", "Q=%s ", "QDate",
			     "M=%s ", "Missing", "R=%s", "Requirements" };
	IS_AND_FREE(fmt(p2, 4, ad),
		    "Owner=alice Q=1755789360 M=undefined R=(TARGET.Arch == \"X86_64\") && (TARGET.Memory >= RequestMemory)",
		    "-format s: strings bare, others as their expression, missing undefined");
	const char *p3[] = { "[%d]", "Owner", "[%d]", "Missing", "[%f]", "Owner",
			     "<%d>", "JobStatus" };
	IS_AND_FREE(fmt(p3, 4, ad), "<1>",
		    "-format d or f of a non-number drops the whole item");
	const char *p4[] = { "%5.2f|", "Ratio", "%-4d|", "ProcId", "%04d|",
			     "ProcId", "%x|", "ClusterId", "%c|", "Letter",
			     "%d|", "Ratio", "%.1f|", "ClusterId", "%d", "true" };
	IS_AND_FREE(fmt(p4, 8, ad), " 2.50|2   |0002|27b|A|2|635.0|1",
		    "flags, width, precision, x, c; reals truncate for d");
	const char *p5[] = { "%v ", "Owner", "%V ", "Owner", "%r ", "ClusterId + 1",
			     "%10s|", "Owner", "%-6v|", "ProcId" };
	IS_AND_FREE(fmt(p5, 5, ad),
		    "alice \"alice\" ClusterId + 1      alice|2     |",
		    "v V r conversions and widths on them");
	const char *p6[] = { "100%% ", "ProcId", "%T ", "QDate", "%Y", "QDate" };
	IS_AND_FREE(fmt(p6, 3, ad), "100% 20321+15:16:00  8/21 15:16",
		    "double percent is a percent; T duration; Y date");
	const char *p7[] = { "%s\\t%u\\101\\\\", "Negative" };
	IS_AND_FREE(fmt(p7, 1, ad), "-1\t%uA\\",
		    "only the first conversion converts; escapes");
	const char *p8[] = { "plain text\\n", "Owner", "%q%d", "ProcId" };
	IS_AND_FREE(fmt(p8, 2, ad), "plain text\n%q2",
		    "literal-only items print as text; unknown conversions stay");

	struct error err;
	struct adprint *pm = adprint_new();
	ok(adprint_add_format(pm, "%99999d", "ProcId", &err) < 0,
	   "an absurd width is refused: %s", err.msg);
	ok(adprint_add_format(pm, "%d", "ProcId ==", &err) < 0 &&
	   strstr(err.msg, "ProcId ==") != NULL, "a bad expression is refused");
	adprint_free(pm);
	job_release(&j);
}

static void
test_views(void)
{
	struct job j1, j2;
	job_init(&j1, 635, 0, "alice");
	job_init(&j2, 12345, 1000, "averyveryverylongname");
	classad_set_int(j2.proc, "JobStatus", 5);
	classad_set_int(j2.proc, "EnteredCurrentStatus", QDATE + 240);
	classad_set_int(j2.proc, "HoldReasonCode", 1);
	classad_set_int(j2.proc, "HoldReasonSubCode", 0);
	classad_set_string(j2.proc, "HoldReason", "via condor_hold (by user alice)");
	classad_set_int(j2.proc, "MemoryUsage", 3);
	classad_set_string(j2.proc, "JobDescription", "my job");

	struct strbuf sb = STRBUF_INIT;
	struct adprint *pm = adprint_new_view(ADPRINT_VIEW_JOBS, QDATE + 100);
	adprint_set_buffered(pm, true);
	adprint_set_trim(pm, true);
	adprint_row(pm, j1.proc, &sb);
	adprint_finish(pm, true, &sb);
	is_str(sb.buf,
	       " ID      OWNER            SUBMITTED     RUN_TIME ST PRI SIZE CMD\n"
	       " 635.0   alice           8/21 15:16   0+00:00:00 I  0    2.4 sleep 60\n",
	       "-nobatch heading and an idle job");
	adprint_free(pm);

	strbuf_reset(&sb);
	pm = adprint_new_view(ADPRINT_VIEW_JOBS, QDATE + 100);
	adprint_set_buffered(pm, true);
	adprint_set_trim(pm, true);
	adprint_row(pm, j1.proc, &sb);
	adprint_row(pm, j2.proc, &sb);
	adprint_finish(pm, true, &sb);
	is_str(sb.buf,
	       " ID        OWNER            SUBMITTED     RUN_TIME ST PRI SIZE CMD\n"
	       "  635.0    alice           8/21 15:16   0+00:00:00 I  0    2.4 sleep 60\n"
	       "12345.1000 averyveryveryl  8/21 15:16   0+00:00:00 H  0    3.0 (my job)\n",
	       "-nobatch widens the id columns, cuts long owners");
	adprint_free(pm);

	strbuf_reset(&sb);
	pm = adprint_new_view(ADPRINT_VIEW_HOLD, QDATE);
	adprint_set_buffered(pm, true);
	adprint_set_trim(pm, true);
	classad_set_string(j2.cluster, "Owner", "alice");
	classad_set_int(j2.cluster, "ClusterId", 635);
	classad_set_int(j2.proc, "ProcId", 0);
	adprint_row(pm, j2.proc, &sb);
	adprint_finish(pm, true, &sb);
	is_str(sb.buf,
	       " ID      OWNER          HELD_SINCE  CODE/SUB HOLD_REASON\n"
	       " 635.0   alice           8/21 15:20    1/0   via condor_hold (by user alice)\n",
	       "-hold heading and a held job");
	adprint_free(pm);

	strbuf_reset(&sb);
	pm = adprint_new_view(ADPRINT_VIEW_RUN, QDATE + 3725);
	adprint_set_buffered(pm, true);
	adprint_set_trim(pm, true);
	classad_set_int(j1.proc, "JobStatus", 2);
	classad_set_int(j1.proc, "ShadowBday", QDATE + 5);
	classad_set_real(j1.proc, "RemoteWallClockTime", 100.0);
	classad_set_string(j1.proc, "RemoteHost", "slot1@host");
	adprint_row(pm, j1.proc, &sb);
	adprint_finish(pm, true, &sb);
	is_str(sb.buf,
	       " ID      OWNER            SUBMITTED     RUN_TIME HOST(S)\n"
	       " 635.0   alice           8/21 15:16   0+01:03:40 slot1@host\n",
	       "-run: RUN_TIME counts the current run");
	adprint_free(pm);

	strbuf_reset(&sb);
	pm = adprint_new_view(ADPRINT_VIEW_HISTORY, QDATE);
	adprint_headings(pm, &sb);
	classad_set_int(j1.proc, "JobStatus", 3);
	classad_set_int(j1.proc, "CompletionDate", QDATE + 60);
	adprint_row(pm, j1.proc, &sb);
	classad_set_int(j1.proc, "JobStatus", 4);
	classad_set_real(j1.proc, "RemoteWallClockTime", 0.0);
	adprint_row(pm, j1.proc, &sb);
	is_str(sb.buf,
	       " ID     OWNER          SUBMITTED   RUN_TIME     ST COMPLETED   CMD            \n"
	       "635.0   alice           8/21 15:16   0+00:01:40 X   8/21 15:17 /bin/sleep 60  \n"
	       "635.0   alice           8/21 15:16              C   8/21 15:17 /bin/sleep 60  \n",
	       "condor_history's default columns");
	adprint_free(pm);
	strbuf_release(&sb);
	job_release(&j1);
	job_release(&j2);
}

static void
test_footer(void)
{
	struct qtotals t;
	memset(&t, 0, sizeof(t));
	qcounts_add(&t.query, 1);
	for (int s = 1; s <= 7; s++)
		qcounts_add(&t.all, s);
	qcounts_add(&t.all, 10);
	qcounts_add(&t.mine, 5);
	ok(t.all.jobs == 8 && t.all.running == 2 && t.all.suspended == 1 &&
	   t.all.idle == 1 && t.all.removed == 1 && t.all.completed == 1 &&
	   t.all.held == 1, "status counts (transferring output is running)");

	struct strbuf sb = STRBUF_INIT;
	qsummary_footer(&t, "alice", false, &sb);
	is_str(sb.buf,
	       "\n"
	       "Total for query: 1 jobs; 0 completed, 0 removed, 1 idle, 0 running, 0 held, 0 suspended \n"
	       "Total for alice: 1 jobs; 0 completed, 0 removed, 0 idle, 0 running, 1 held, 0 suspended \n"
	       "Total for all users: 8 jobs; 1 completed, 1 removed, 1 idle, 2 running, 1 held, 1 suspended\n"
	       "\n",
	       "footer of an only-my-jobs query");
	strbuf_reset(&sb);
	qsummary_footer(&t, NULL, true, &sb);
	is_str(sb.buf,
	       "Total for query: 1 jobs; 0 completed, 0 removed, 1 idle, 0 running, 0 held, 0 suspended \n"
	       "Total for all users: 8 jobs; 1 completed, 1 removed, 1 idle, 2 running, 1 held, 1 suspended\n"
	       "\n",
	       "-totals footer of an all-users query");
	strbuf_reset(&sb);
	qsummary_title("host.example", QDATE + 39, &sb);
	is_str(sb.buf, "\n\n-- Schedd: host.example : <127.0.0.1:0?... @ 08/21/25 15:16:39\n",
	       "title line");
	strbuf_release(&sb);
}

static void
test_batch(void)
{
	struct job j[6];
	job_init(&j[0], 635, 0, "alice");
	job_init(&j[1], 635, 1, "alice");
	job_init(&j[2], 635, 2, "alice");
	job_init(&j[3], 640, 0, "bob");
	job_init(&j[4], 641, 0, "alice");
	job_init(&j[5], 642, 3, "alice");
	classad_set_int(j[1].proc, "JobStatus", 2);
	classad_set_int(j[3].cluster, "TotalSubmitProcs", 1);
	classad_set_string(j[4].cluster, "JobBatchName", "nightly");
	classad_set_string(j[5].cluster, "JobBatchName", "nightly");
	classad_set_int(j[4].cluster, "TotalSubmitProcs", 1);
	classad_set_int(j[5].cluster, "TotalSubmitProcs", 4);
	classad_set_int(j[5].proc, "JobStatus", 5);
	classad_set_int(j[5].cluster, "QDate", QDATE - 86400);

	struct strbuf sb = STRBUF_INIT;
	struct qbatch *b = qbatch_new(false);
	for (int i = 0; i < 4; i++) {
		long long st = 0;
		classad_get_int(j[i].proc, "JobStatus", &st);
		qbatch_add(b, (int)(i < 3 ? 635 : 640), i < 3 ? i : 0, j[i].proc, st);
	}
	qbatch_render(b, &sb);
	is_str(sb.buf,
	       "OWNER BATCH_NAME    SUBMITTED   DONE   RUN    IDLE  TOTAL JOB_IDS\n"
	       "alice ID: 635      8/21 15:16      _      1      2      3 635.0-2\n"
	       "bob   ID: 640      8/21 15:16      _      _      1      1 640.0\n",
	       "batch view: one row per cluster, no HOLD column");
	ok(qbatch_rows(b) == 2, "two rows");
	qbatch_free(b);

	strbuf_reset(&sb);
	b = qbatch_new(false);
	qbatch_add(b, 635, 1, j[1].proc, 2);
	qbatch_add(b, 641, 0, j[4].proc, 1);
	qbatch_add(b, 642, 3, j[5].proc, 5);
	qbatch_render(b, &sb);
	is_str(sb.buf,
	       "OWNER BATCH_NAME    SUBMITTED   DONE   RUN    IDLE   HOLD  TOTAL JOB_IDS\n"
	       "alice ID: 635      8/21 15:16      2      1      _      _      3 635.1\n"
	       "alice nightly      8/20 15:16      3      _      1      1      5 641.0 ... 642.3\n",
	       "batch view: batch names span clusters; DONE from TotalSubmitProcs; HOLD");
	qbatch_free(b);

	strbuf_reset(&sb);
	b = qbatch_new(true);
	classad_set_string(j[1].cluster, "Owner", "al");
	classad_delete(j[1].cluster, "TotalSubmitProcs");
	qbatch_add(b, 635, 1, j[1].proc, 2);
	qbatch_render(b, &sb);
	is_str(sb.buf,
	       "OWNER    BATCH_NAME    SUBMITTED   DONE   RUN    IDLE  TOTAL JOB_IDS\n"
	       "al       ID: 635      8/21 15:16      _      1      _      _ 635.1\n",
	       "batch view: short owners get width 8; unknown totals are _");
	qbatch_free(b);

	strbuf_reset(&sb);
	b = qbatch_new(false);
	qbatch_render(b, &sb);
	is_str(sb.buf,
	       "OWNER    BATCH_NAME    SUBMITTED   DONE   RUN    IDLE   HOLD  TOTAL JOB_IDS\n",
	       "batch view with no rows shows HOLD");
	qbatch_free(b);
	strbuf_release(&sb);
	for (int i = 0; i < 6; i++)
		job_release(&j[i]);
}


/* qscan over a real queue: who is counted where, and what is shown. */
struct seen {
	struct strbuf ids;
};

static void
note_job(void *arg, int cluster, int proc, const struct classad *job,
	 long long status)
{
	struct seen *s = arg;
	(void)job;
	strbuf_addf(&s->ids, "%d.%d:%lld ", cluster, proc, status);
}

static void
add_cluster(struct queue *q, const char *owner, int nprocs, int held_proc)
{
	struct error err;
	int id = queue_new_cluster_id(q);
	struct classad *ca = classad_new();
	classad_set_int(ca, "ClusterId", id);
	classad_set_string(ca, "Owner", owner);
	struct classad *procs[8];
	for (int p = 0; p < nprocs; p++) {
		procs[p] = classad_new();
		classad_set_int(procs[p], "ClusterId", id);
		classad_set_int(procs[p], "ProcId", p);
		classad_set_int(procs[p], "JobStatus", p == held_proc ? 5 : 1);
	}
	if (queue_add_cluster(q, id, ca, procs, (size_t)nprocs, &err) < 0)
		diag("add_cluster: %s", err.msg);
}

static char *
scan(struct queue *q, struct qscan *sc, struct qtotals *t)
{
	struct seen s = { STRBUF_INIT };
	qscan_run(q, sc, note_job, &s, t);
	return strbuf_detach(&s.ids, NULL);
}

static void
test_scan(void)
{
	char dir[] = "/tmp/test_adprint.XXXXXX";
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	struct error err;
	struct queue *q = queue_open(dir, QUEUE_WRITE, &err);
	ok(q != NULL, "queue opens");
	if (q == NULL)
		return;
	add_cluster(q, "alice", 3, 1);	/* 1.0 1.1(held) 1.2 */
	add_cluster(q, "bob", 2, -1);	/* 2.0 2.1 */
	struct classad *own = queue_find(q, 2, 1);
	if (own)
		classad_set_string(own, "Owner", "alice");	/* a proc's own Owner */
	ok(queue_commit(q, &err) == 0, "queue commits");

	struct qtotals t;
	struct qscan sc = { .me = "alice", .limit = -1 };
	IS_AND_FREE(scan(q, &sc, &t), "1.0:1 1.1:5 1.2:1 2.0:1 2.1:1 ",
		    "scan shows every job in order");
	ok(t.all.jobs == 5 && t.all.held == 1 && t.all.idle == 4 &&
	   t.mine.jobs == 4 && t.query.jobs == 5, "totals: all, mine, query");

	sc.only_mine = true;
	IS_AND_FREE(scan(q, &sc, &t), "1.0:1 1.1:5 1.2:1 2.1:1 ",
		    "only my jobs, a proc's own Owner honoured");
	ok(t.query.jobs == 4 && t.all.jobs == 5, "query totals follow the query");

	sc.status_mask = 1u << 5;
	IS_AND_FREE(scan(q, &sc, &t), "1.1:5 ", "status mask (-hold)");
	sc.status_mask = 0;
	sc.only_mine = false;
	sc.limit = 2;
	IS_AND_FREE(scan(q, &sc, &t), "1.0:1 1.1:5 ", "limit");
	ok(t.query.jobs == 2 && t.all.jobs == 5, "limit counts only what it shows");

	struct job_select *sel = select_new(SELECT_QUERY);
	ok(select_add_arg(sel, "2", &err) == 0 &&
	   select_add_constraint(sel, "ProcId == 1", &err) == 0, "selection");
	sc.sel = sel;
	sc.limit = -1;
	IS_AND_FREE(scan(q, &sc, &t), "2.1:1 ", "selection: cluster AND constraint");
	select_free(sel);

	queue_close(q);
	char *path = fileio_join(dir, "job_queue.log");
	unlink(path);
	free(path);
	path = fileio_join(dir, "job_queue.lock");
	unlink(path);
	free(path);
	rmdir(dir);
}

int
main(void)
{
	plan_lazy();
	setenv("TZ", "UTC", 1);
	tzset();
	test_small_formats();
	test_long();
	test_json();
	test_autoformat();
	test_format();
	test_views();
	test_footer();
	test_batch();
	test_scan();
	return tap_done();
}
