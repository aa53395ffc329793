/*
 * submit_transfer.c - the commands about files and resources: file
 * transfer (should_transfer_files, when_to_transfer_output and their
 * consistency rules, the file lists), checkpoint files, sizes and
 * resource requests with HTCondor's units, and the Requirements
 * expression condor_submit builds from them.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "classad.h"
#include "error.h"
#include "strbuf.h"
#include "submit_int.h"
#include "xalloc.h"
#include "banned.h"

#define NULL_FILE "/dev/null"

/* ------------------------------------------------------------------ */
/* File transfer                                                       */
/* ------------------------------------------------------------------ */

enum stf { STF_YES, STF_NO, STF_IF_NEEDED };
enum wtto { WT_ON_EXIT, WT_ON_EXIT_OR_EVICT, WT_ON_SUCCESS, WT_NEVER };
static const char *const stf_names[] = { "YES", "NO", "IF_NEEDED" };
static const char *const wtto_names[] = { "ON_EXIT", "ON_EXIT_OR_EVICT",
					  "ON_SUCCESS", "NEVER" };

static int
parse_stf(const char *v)
{
	static const struct { const char *w; enum stf s; } words[] = {
		{ "YES", STF_YES }, { "TRUE", STF_YES }, { "ALWAYS", STF_YES },
		{ "NO", STF_NO }, { "FALSE", STF_NO }, { "NEVER", STF_NO },
		{ "IF_NEEDED", STF_IF_NEEDED }, { "AUTO", STF_IF_NEEDED },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(v, words[i].w) == 0)
			return (int)words[i].s;
	return -1;
}

static int
parse_wtto(const char *v)
{
	for (int i = 0; i < 4; i++)
		if (strcasecmp(v, wtto_names[i]) == 0)
			return i;
	return -1;
}

/* should_transfer_files and when_to_transfer_output after HTCondor's
 * defaulting and consistency rules. */
static int
transfer_mode(struct sjob *j, enum stf *stf, enum wtto *when)
{
	char *s = sj_param(j, "should_transfer_files|ShouldTransferFiles");
	char *w = sj_param(j, "when_to_transfer_output|WhenToTransferOutput");
	int rc = 0, si = s ? parse_stf(s) : (int)STF_IF_NEEDED;
	int wi = w ? parse_wtto(w) : (int)WT_ON_EXIT;
	if (si < 0)
		rc = sj_fail(j, "invalid value (\"%s\") for ShouldTransferFiles.  "
			     "Please either specify \"YES\", \"NO\", or \"IF_NEEDED\" "
			     "and try again.", s);
	else if (wi < 0)
		rc = sj_fail(j, "invalid value (\"%s\") for WhenToTransferOutput.  "
			     "Please either specify \"ON_EXIT\", or \"ON_EXIT_OR_EVICT\" "
			     "and try again.", w);
	if (rc == 0 && s && !w && si == STF_NO)
		wi = WT_NEVER;
	if (rc == 0 && ((si == STF_NO) != (wi == WT_NEVER)))
		rc = sj_fail(j, "WhenToTransferOutput specified as \"%s\" yet "
			     "ShouldTransferFiles defined as \"%s\".  Please remove "
			     "this contradiction from your submit file and try again.",
			     wtto_names[wi], s ? s : "IF_NEEDED");
	if (rc == 0 && !s && wi == WT_ON_EXIT_OR_EVICT)
		si = STF_YES;
	if (rc == 0 && wi == WT_ON_EXIT_OR_EVICT && si == STF_IF_NEEDED)
		rc = sj_fail(j, "\"when_to_transfer_output = ON_EXIT_OR_EVICT\" and "
			     "\"should_transfer_files = IF_NEEDED\" are incompatible.  "
			     "The behavior of these two settings together would produce "
			     "incorrect file access in some cases.  Please decide which "
			     "one of those two settings you're more interested in. If you "
			     "really want \"IF_NEEDED\", set \"when_to_transfer_output = "
			     "ON_EXIT\".  If you really want \"ON_EXIT_OR_EVICT\", please "
			     "set \"should_transfer_files = YES\".  After you have "
			     "corrected this incompatibility, please try running "
			     "condor_submit again.");
	free(s);
	free(w);
	*stf = si < 0 ? STF_IF_NEEDED : (enum stf)si;
	*when = wi < 0 ? WT_ON_EXIT : (enum wtto)wi;
	return rc;
}

/* A comma-separated file list, items trimmed, rejoined with ','. */
static size_t
file_list(const char *v, struct strbuf *out)
{
	size_t n = 0;
	for (const char *p = v; p && *p;) {
		const char *c = strchr(p, ',');
		const char *e = c ? c : p + strlen(p);
		const char *s = p;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s) {
			if (n++)
				strbuf_addc(out, ',');
			strbuf_add(out, s, (size_t)(e - s));
		}
		if (!c)
			break;
		p = c + 1;
	}
	return n;
}

int
submit_h_transfer(struct sjob *j, const void *arg)
{
	(void)arg;
	enum stf stf;
	enum wtto when;
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	char *iv = sj_param(j, "transfer_input_files|TransferInputFiles");
	char *ov = sj_param(j, "transfer_output_files|TransferOutputFiles");
	char *remaps = sj_param(j, "transfer_output_remaps|TransferOutputRemaps");
	char *xin = sj_param(j, "max_transfer_input_mb|MaxTransferInputMB");
	char *xout = sj_param(j, "max_transfer_output_mb|MaxTransferOutputMB");
	char *texe = sj_param(j, "transfer_executable|TransferExecutable");
	bool in_files = iv && strcmp(iv, "\"\"") != 0 && file_list(iv, &in) > 0;
	bool out_files = ov && (strcmp(ov, "\"\"") == 0 || file_list(ov, &out) > 0);
	int rc = j->failed ? -1 : transfer_mode(j, &stf, &when);
	if (rc == 0 && stf == STF_NO && (in_files || out_files))
		rc = sj_fail(j, "you specified files you want Condor to transfer via "
			     "\"%s\", but you disabled should_transfer_files.",
			     in_files && out_files ? "transfer_input_files\" and "
			     "\"transfer_output_files" : in_files ?
			     "transfer_input_files" : "transfer_output_files");
	if (rc == 0 && stf == STF_NO && texe && submit_is_true(texe))
		rc = sj_fail(j, "You explicitly requested that the executable be "
			     "transfered, but for this to work, you must enable "
			     "Condor's file transfer functionality.  You need to define "
			     "either: \"when_to_transfer_output = ON_EXIT\" or "
			     "\"when_to_transfer_output = ON_EXIT_OR_EVICT\".");
	if (rc == 0 && remaps && (remaps[0] != '"' || strlen(remaps) < 2 ||
				  remaps[strlen(remaps) - 1] != '"'))
		rc = sj_fail(j, "transfer_output_remaps must be a quoted string, "
			     "not: %s", remaps);
	if (rc == 0) {
		sj_set_string(j, "ShouldTransferFiles", stf_names[stf]);
		if (stf != STF_NO)
			sj_set_string(j, "WhenToTransferOutput", wtto_names[when]);
		if (stf != STF_YES)
			sj_set_string(j, "FileSystemDomain", j->s->fs_domain);
		if (stf != STF_NO && in_files)
			sj_set_string(j, "TransferInput", in.buf);
		if (stf != STF_NO && out_files)
			sj_set_string(j, "TransferOutput", out.buf);
		if (remaps) {
			remaps[strlen(remaps) - 1] = '\0';
			sj_set_string(j, "TransferOutputRemaps", remaps + 1);
		}
		if (xin)
			rc = sj_set_expr(j, "MaxTransferInputMB", xin);
		if (rc == 0 && xout)
			rc = sj_set_expr(j, "MaxTransferOutputMB", xout);
	}
	free(iv);
	free(ov);
	free(remaps);
	free(xin);
	free(xout);
	free(texe);
	strbuf_release(&in);
	strbuf_release(&out);
	return rc;
}

int
submit_h_checkpoint(struct sjob *j, const void *arg)
{
	(void)arg;
	long long code = 0;
	bool exists = false;
	/* CheckpointExitCode: the spelling an 8.7-era HOWTO used. */
	if (sj_param_int(j, "checkpoint_exit_code|SuccessCheckpointExitCode|"
			 "CheckpointExitCode", 0, &code, &exists) < 0)
		return -1;
	if (exists) {
		sj_set_int(j, "SuccessCheckpointExitCode", code);
		sj_set_bool(j, "WantFTOnCheckpoint", true);
	}
	char *files = sj_param(j, "transfer_checkpoint_files|TransferCheckpoint");
	if (files != NULL)
		sj_set_string(j, "TransferCheckpoint", files);
	free(files);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sizes and resource requests                                         */
/* ------------------------------------------------------------------ */

/*
 * HTCondor's reading of "1.5G" etc.: a number with up to three decimals,
 * an optional K/M/G/T (and B) unit, rounded up to a multiple of base
 * bytes; a bare number is already in base units.  Returns false for
 * anything else (then the value is an expression).
 */
static bool
parse_bytes(const char *in, long long base, long long *out)
{
	const char *p = in;
	while (isspace((unsigned char)*p))
		p++;
	const char *digits = p;
	double v = 0;
	while (isdigit((unsigned char)*p) && p - digits < 18)
		v = v * 10 + (*p++ - '0');
	if (p == digits || isdigit((unsigned char)*p))
		return false;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			v += (*p - '0') * scale;
	}
	while (isspace((unsigned char)*p))
		p++;
	double mult = (double)base;
	switch (toupper((unsigned char)*p)) {
	case '\0': break;
	case 'K': mult = 1024.0; p++; break;
	case 'M': mult = 1024.0 * 1024; p++; break;
	case 'G': mult = 1024.0 * 1024 * 1024; p++; break;
	case 'T': mult = 1024.0 * 1024 * 1024 * 1024; p++; break;
	default: return false;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		return false;
	double r = ceil(v * mult / (double)base);
	if (r > 9.0e15)
		return false;
	*out = (long long)r;
	return true;
}

/* Adds up the sizes (KiB) of the input files that exist. */
static long long
input_kb(struct sjob *j)
{
	long long kb = 0;
	struct strbuf list = STRBUF_INIT;
	char *iv = sj_param(j, "transfer_input_files|TransferInputFiles");
	char *in = sj_param(j, "input|stdin");
	if (iv && strcmp(iv, "\"\"") != 0)
		file_list(iv, &list);
	if (in && strcmp(in, NULL_FILE) != 0)
		strbuf_addf(&list, "%s%s", list.len ? "," : "", in);
	for (char *p = list.len ? list.buf : NULL; p;) {
		char *c = strchr(p, ',');
		if (c)
			*c = '\0';
		if (strstr(p, "://") == NULL) {
			char *path = submit_full_path(sj_iwd(j), p);
			struct stat st;
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				kb += ((long long)st.st_size + 1023) / 1024;
			free(path);
		}
		p = c ? c + 1 : NULL;
	}
	free(iv);
	free(in);
	strbuf_release(&list);
	return kb;
}

/* RequestMemory / RequestDisk: a size in units, an expression, or unset. */
static int
set_request(struct sjob *j, const char *names, const char *attr, long long base,
	    const char *dflt)
{
	char *v = sj_param(j, names);
	long long n;
	int rc = 0;
	if (v == NULL)
		rc = sj_set_expr(j, attr, dflt);
	else if (parse_bytes(v, base, &n))
		sj_set_int(j, attr, n);
	else if (strcasecmp(v, "undefined") != 0)
		rc = sj_set_expr(j, attr, v);
	free(v);
	return rc;
}

int
submit_h_sizes(struct sjob *j, const void *arg)
{
	(void)arg;
	if (j->exe_varying)
		j->touched = true;
	long long exe = j->exe_kb, image = exe, in = input_kb(j), n;
	char *v = sj_param(j, "image_size|ImageSize");
	int rc = 0;
	if (v != NULL && (!parse_bytes(v, 1024, &image) || image < 1))
		rc = sj_fail(j, "Image Size must be positive");
	free(v);
	sj_set_int(j, "ImageSize", image);
	sj_set_int(j, "ExecutableSize", exe);
	v = sj_param(j, "memory_usage|MemoryUsage");
	if (rc == 0 && v != NULL) {
		if (!parse_bytes(v, 1024 * 1024, &n))
			rc = sj_fail(j, "'%s' is not valid for Memory Usage", v);
		else
			sj_set_int(j, "MemoryUsage", n);
	}
	free(v);
	long long disk = exe + in;
	v = sj_param(j, "disk_usage|DiskUsage");
	if (rc == 0 && v != NULL && (!parse_bytes(v, 1024, &disk) || disk < 1))
		rc = sj_fail(j, "'%s' is not valid for disk_usage. It must be >= 1", v);
	free(v);
	sj_set_int(j, "DiskUsage", disk);
	sj_set_int(j, "TransferInputSizeMB", (exe + in) / 1024);
	if (rc == 0)
		rc = set_request(j, "request_memory|RequestMemory", "RequestMemory",
				 1024 * 1024, "128");
	if (rc == 0)
		rc = set_request(j, "request_disk|RequestDisk", "RequestDisk", 1024,
				 "MAX({ 1024,(TransferInputSizeMB + 1) * 1.25 }) * 1024");
	return rc;
}

static bool
is_builtin_request(const char *rname)
{
	return strcasecmp(rname, "cpus") == 0 || strcasecmp(rname, "memory") == 0 ||
	       strcasecmp(rname, "disk") == 0 || strcasecmp(rname, "cpu") == 0;
}

/* request_<name> for any other name: Request<name>, an expression. */
int
submit_h_request_custom(struct sjob *j, const void *arg)
{
	(void)arg;
	struct mtable *t = &j->s->macros;
	for (size_t i = 0; i < t->n; i++) {
		const char *key = t->order[i]->name;
		if (strncasecmp(key, "request_", 8) != 0 || key[8] == '\0' ||
		    is_builtin_request(key + 8))
			continue;
		char *k = xstrdup(key);
		char *v = sj_param(j, k);
		int rc = 0;
		if (v != NULL) {
			char *attr = xasprintf("Request%s", k + 8);
			rc = sj_set_expr(j, attr, v);
			free(attr);
		}
		free(v);
		free(k);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Does the expression refer to attr (bare or TARGET.attr)? */
static bool
refers_to(const char *e, const char *attr)
{
	size_t al = strlen(attr);
	for (const char *p = e; *p;) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
			continue;
		}
		if (!isalpha((unsigned char)*p) && *p != '_') {
			p++;
			continue;
		}
		const char *w = p;
		while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
			p++;
		size_t n = (size_t)(p - w);
		if (n > 7 && strncasecmp(w, "TARGET.", 7) == 0) {
			w += 7;
			n -= 7;
		}
		if (n == al && strncasecmp(w, attr, al) == 0)
			return true;
	}
	return false;
}

/* true unless text is a literal number <= limit. */
static bool
exceeds(const char *text, double limit)
{
	struct error e;
	struct cexpr *x = cexpr_parse(text, &e);
	struct cval v = { 0 };
	bool big = true;
	if (x && cexpr_is_literal(x, &v)) {
		if (v.type == CVAL_INT)
			big = (double)v.u.i > limit;
		else if (v.type == CVAL_REAL)
			big = v.u.r > limit;
	}
	cval_release(&v);
	cexpr_free(x);
	return big;
}

/* The value a request command leaves in the ad, as text (NULL: none). */
static char *
request_text(struct sjob *j, const char *names, long long base, const char *dflt)
{
	char *v = sj_param(j, names);
	long long n;
	if (v == NULL)
		return xstrdup(dflt);
	if (base && parse_bytes(v, base, &n)) {
		free(v);
		return xasprintf("%lld", n);
	}
	if (strcasecmp(v, "undefined") == 0) {
		free(v);
		return NULL;
	}
	return v;
}

static void
req_add(struct strbuf *sb, const char *clause)
{
	if (sb->len)
		strbuf_adds(sb, " && ");
	strbuf_adds(sb, clause);
}

static void
req_resources(struct sjob *j, struct strbuf *r)
{
	char *disk = request_text(j, "request_disk|RequestDisk", 1024, "1024");
	char *mem = request_text(j, "request_memory|RequestMemory", 1024 * 1024, "128");
	char *cpus = request_text(j, "request_cpus|RequestCpus", 0, "1");
	if (disk && exceeds(disk, 0))
		req_add(r, "(TARGET.Disk >= RequestDisk)");
	if (mem && exceeds(mem, 1))
		req_add(r, "(TARGET.Memory >= RequestMemory)");
	if (cpus && exceeds(cpus, 1) && !refers_to(r->buf, "Cpus"))
		req_add(r, "(TARGET.Cpus >= RequestCpus)");
	free(disk);
	free(mem);
	free(cpus);
	struct mtable *t = &j->s->macros;
	for (size_t i = 0; i < t->n; i++) {
		const char *key = t->order[i]->name;
		if (strncasecmp(key, "request_", 8) != 0 || key[8] == '\0' ||
		    is_builtin_request(key + 8))
			continue;
		char *k = xstrdup(key);
		char *v = sj_param(j, k);
		if (v && v[0] == '"')
			strbuf_addf(r, " && regexp(Request%s, TARGET.%s)", k + 8, k + 8);
		else if (v && exceeds(v, 0))
			strbuf_addf(r, " && (TARGET.%s >= Request%s)", k + 8, k + 8);
		free(v);
		free(k);
	}
}

int
submit_h_requirements(struct sjob *j, const void *arg)
{
	(void)arg;
	char *user = sj_param(j, "requirements");
	if (mtable_find(&j->s->macros, "MY.Requirements") != NULL) {
		free(user);
		return 0;
	}
	struct strbuf r = STRBUF_INIT;
	enum stf stf;
	enum wtto when;
	int rc = j->failed ? -1 : transfer_mode(j, &stf, &when);
	if (user)
		strbuf_addf(&r, "(%s)", user);
	if (!user || !refers_to(user, "Arch")) {
		struct strbuf c = STRBUF_INIT;
		strbuf_addf(&c, "(TARGET.Arch == \"%s\")", j->s->arch);
		req_add(&r, c.buf);
		strbuf_release(&c);
	}
	static const char *const opsys_attrs[] = {
		"OpSys", "OpSysAndVer", "OpSysLongName", "OpSysShortName",
		"OpSysName", "OpSysLegacy",
	};
	bool opsys = false;
	for (size_t i = 0; user && i < sizeof(opsys_attrs) / sizeof(opsys_attrs[0]); i++)
		opsys |= refers_to(user, opsys_attrs[i]);
	if (!opsys) {
		struct strbuf c = STRBUF_INIT;
		strbuf_addf(&c, "(TARGET.OpSys == \"%s\")", j->s->opsys);
		req_add(&r, c.buf);
		strbuf_release(&c);
	}
	req_resources(j, &r);
	bool fsd = user && refers_to(user, "FileSystemDomain");
	bool hft = user && refers_to(user, "HasFileTransfer");
	if (rc == 0 && stf == STF_NO && !fsd)
		req_add(&r, "(TARGET.FileSystemDomain == MY.FileSystemDomain)");
	else if (rc == 0 && stf == STF_IF_NEEDED && !hft && !fsd)
		req_add(&r, "((TARGET.FileSystemDomain == MY.FileSystemDomain) || "
			"(TARGET.HasFileTransfer))");
	else if (rc == 0 && stf != STF_NO && !hft)
		req_add(&r, "(TARGET.HasFileTransfer)");
	long long code;
	bool ckpt = false;
	if (rc == 0)
		rc = sj_param_int(j, "checkpoint_exit_code|SuccessCheckpointExitCode|"
				  "CheckpointExitCode", 0, &code, &ckpt);
	if (rc == 0 && ckpt)
		req_add(&r, "TARGET.HasSelfCheckpointTransfers");
	if (rc == 0)
		rc = sj_set_expr(j, "Requirements", r.buf);
	free(user);
	strbuf_release(&r);
	return rc;
}
