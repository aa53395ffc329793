/*
 * ulog_run.c - bodies of the events a running job produces (001 execute,
 * 004 evicted, 005 terminated, 021 remote error, 040 file transfer); see
 * ulog.h.
 *
 * Scripts and HTCondor's own log reader parse these texts by position and
 * by literal phrases, so every tab, the "  -  " separators and the column
 * widths of the resource table are part of the format, not decoration.
 * Free text (reasons, messages, paths) is flattened to one line so it can
 * never end an event early or forge a "..." terminator.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classad.h"
#include "strbuf.h"
#include "ulog.h"
#include "xalloc.h"
#include "banned.h"

/* Appends s with CR and LF made harmless, as HTCondor does for reasons. */
static void
add_flat(struct strbuf *sb, const char *s)
{
	for (; s != NULL && *s; s++)
		strbuf_addc(sb, *s == '\n' ? '|' : *s == '\r' ? ' ' : *s);
}

static void
add_usage(struct strbuf *sb, const struct ulog_usage *u, const char *label)
{
	long long v[2] = { u->usr_sec < 0 ? 0 : u->usr_sec,
			   u->sys_sec < 0 ? 0 : u->sys_sec };
	strbuf_adds(sb, "\t\t");
	for (int i = 0; i < 2; i++)
		strbuf_addf(sb, "%s %lld %02lld:%02lld:%02lld", i ? ", Sys" : "Usr",
			    v[i] / 86400, v[i] / 3600 % 24, v[i] / 60 % 60,
			    v[i] % 60);
	strbuf_addf(sb, "  -  %s\n", label);
}

static void
add_exit(struct strbuf *sb, const struct ulog_exit *ex)
{
	if (!ex->by_signal) {
		strbuf_addf(sb, "\t(1) Normal termination (return value %d)\n",
			    ex->value);
		return;
	}
	strbuf_addf(sb, "\t(0) Abnormal termination (signal %d)\n", ex->value);
	if (ex->core) {
		strbuf_adds(sb, "\t(1) Corefile in: ");
		add_flat(sb, ex->core_path);
		strbuf_addc(sb, '\n');
	} else {
		strbuf_adds(sb, "\t(0) No core file\n");
	}
}

/* ---- the resource table ---- */

/* One cell: whole numbers plainly, fractions with two decimals. */
static void
cell(const struct classad *job, const char *attr, char *out, size_t size)
{
	double v;
	out[0] = '\0';
	if (job == NULL || !classad_get_real(job, attr, &v) || !isfinite(v))
		return;
	if (v > -1e15 && v < 1e15 && (double)(long long)v == v)
		snprintf(out, size, "%lld", (long long)v);
	else
		snprintf(out, size, "%.2f", v);
}

static void
add_resources(struct strbuf *sb, const struct classad *job)
{
	static const struct {
		const char *name, *label;
	} res[] = {
		{ "Cpus", "Cpus" },
		{ "Disk", "Disk (KB)" },
		{ "Memory", "Memory (MB)" },
	};
	enum { NRES = sizeof(res) / sizeof(res[0]) };
	char cells[NRES][3][32];
	bool any = false;
	for (size_t r = 0; r < NRES; r++) {
		char attr[3][32];
		snprintf(attr[0], sizeof(attr[0]), "%sUsage", res[r].name);
		snprintf(attr[1], sizeof(attr[1]), "Request%s", res[r].name);
		snprintf(attr[2], sizeof(attr[2]), "%sProvisioned", res[r].name);
		for (int c = 0; c < 3; c++) {
			cell(job, attr[c], cells[r][c], sizeof(cells[r][c]));
			any |= cells[r][c][0] != '\0';
		}
	}
	if (!any)
		return;
	strbuf_addf(sb, "\tPartitionable Resources : %8s %8s %9s \n", "Usage",
		    "Request", "Allocated");
	for (size_t r = 0; r < NRES; r++)
		strbuf_addf(sb, "\t   %-20s : %8s %8s %9s \n", res[r].label,
			    cells[r][0], cells[r][1], cells[r][2]);
}

/* ---- bodies ---- */

/* Returns the body without its final newline (ulog_add adds it back). */
static char *
finish(struct strbuf *sb)
{
	if (sb->len > 0 && sb->buf[sb->len - 1] == '\n')
		strbuf_setlen(sb, sb->len - 1);
	return strbuf_detach(sb, NULL);
}

char *
ulog_body_execute(const char *host, const char *slot, const char *scratch_dir,
		  int cpus, long long disk_kb, long long memory_mb)
{
	struct strbuf sb = STRBUF_INIT;
	char *addr = host ? NULL : ulog_local_address();
	strbuf_adds(&sb, "Job executing on host: ");
	add_flat(&sb, host ? host : addr);
	strbuf_addc(&sb, '\n');
	free(addr);
	if (slot != NULL) {
		strbuf_adds(&sb, "\tSlotName: ");
		add_flat(&sb, slot);
		strbuf_addc(&sb, '\n');
	}
	/* Sorted without regard to case: CondorScratchDir, Cpus, Disk, Memory. */
	if (scratch_dir != NULL) {
		struct strbuf q = STRBUF_INIT;
		cval_quote_string(scratch_dir, &q);
		strbuf_adds(&sb, "\tCondorScratchDir = ");
		add_flat(&sb, q.buf);
		strbuf_addc(&sb, '\n');
		strbuf_release(&q);
	}
	strbuf_addf(&sb, "\tCpus = %d\n\tDisk = %lld\n\tMemory = %lld\n", cpus,
		    disk_kb, memory_mb);
	return finish(&sb);
}

/* The part 004 and its requeue flavour share: usage of this run, bytes. */
static void
add_run(struct strbuf *sb, const struct ulog_run *run)
{
	static const struct ulog_usage zero = { 0, 0 };
	add_usage(sb, &run->run, "Run Remote Usage");
	add_usage(sb, &zero, "Run Local Usage");
	strbuf_addf(sb, "\t%lld  -  Run Bytes Sent By Job\n", run->run_sent);
	strbuf_addf(sb, "\t%lld  -  Run Bytes Received By Job\n",
		    run->run_received);
}

char *
ulog_body_evicted(const struct ulog_run *run, int code, int subcode,
		  const char *reason)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "Job was evicted.");
	if (code != 0)
		strbuf_addf(&sb, " Code %d Subcode %d", code, subcode);
	strbuf_adds(&sb, "\n\t(0) CPU times\n");
	add_run(&sb, run);
	if (reason != NULL && *reason) {
		strbuf_adds(&sb, "\tReason: ");
		add_flat(&sb, reason);
		strbuf_addc(&sb, '\n');
	}
	add_resources(&sb, run->job);
	return finish(&sb);
}

char *
ulog_body_requeued(const struct ulog_run *run, const struct ulog_exit *ex,
		   const char *policy)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "Job was evicted.\n\t(0) Job terminated and was requeued\n");
	add_run(&sb, run);
	add_exit(&sb, ex);
	if (policy != NULL && *policy) {
		strbuf_addc(&sb, '\t');
		add_flat(&sb, policy);
		strbuf_addc(&sb, '\n');
	}
	add_resources(&sb, run->job);
	return finish(&sb);
}

char *
ulog_body_terminated(const struct ulog_run *run, const struct ulog_exit *ex)
{
	static const struct ulog_usage zero = { 0, 0 };
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "Job terminated.\n");
	add_exit(&sb, ex);
	add_usage(&sb, &run->run, "Run Remote Usage");
	add_usage(&sb, &zero, "Run Local Usage");
	add_usage(&sb, &run->total, "Total Remote Usage");
	add_usage(&sb, &zero, "Total Local Usage");
	strbuf_addf(&sb, "\t%lld  -  Run Bytes Sent By Job\n", run->run_sent);
	strbuf_addf(&sb, "\t%lld  -  Run Bytes Received By Job\n",
		    run->run_received);
	strbuf_addf(&sb, "\t%lld  -  Total Bytes Sent By Job\n", run->total_sent);
	strbuf_addf(&sb, "\t%lld  -  Total Bytes Received By Job\n",
		    run->total_received);
	add_resources(&sb, run->job);
	return finish(&sb);
}

char *
ulog_body_remote_error(const char *slot, const char *message, bool critical,
		       int code, int subcode)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, critical ? "Error" : "Message");
	strbuf_adds(&sb, " from starter on ");
	add_flat(&sb, slot != NULL ? slot : "");
	strbuf_adds(&sb, ":\n");
	/* One tab-indented line per line of the message. */
	const char *p = message != NULL ? message : "";
	do {
		size_t n = strcspn(p, "\n");
		strbuf_addc(&sb, '\t');
		for (size_t i = 0; i < n; i++)
			strbuf_addc(&sb, p[i] == '\r' ? ' ' : p[i]);
		strbuf_addc(&sb, '\n');
		p += n;
	} while (*p++ == '\n' && *p != '\0');
	if (code != 0)
		strbuf_addf(&sb, "\tCode %d Subcode %d\n", code, subcode);
	return finish(&sb);
}

char *
ulog_body_file_transfer(enum ulog_transfer what, const char *host,
			long long queued_secs)
{
	static const char *const text[] = {
		[ULOG_XFER_IN_QUEUED] = "Entered queue to transfer input files",
		[ULOG_XFER_IN_STARTED] = "Started transferring input files",
		[ULOG_XFER_IN_FINISHED] = "Finished transferring input files",
		[ULOG_XFER_OUT_QUEUED] = "Entered queue to transfer output files",
		[ULOG_XFER_OUT_STARTED] = "Started transferring output files",
		[ULOG_XFER_OUT_FINISHED] = "Finished transferring output files",
	};
	struct strbuf sb = STRBUF_INIT;
	if ((unsigned)what >= sizeof(text) / sizeof(text[0]))
		what = ULOG_XFER_IN_STARTED;
	strbuf_adds(&sb, text[what]);
	bool started = what == ULOG_XFER_IN_STARTED || what == ULOG_XFER_OUT_STARTED;
	if (started && queued_secs >= 0) {
		strbuf_addf(&sb, "\n\tSeconds spent in queue: %lld", queued_secs);
	} else if (host != NULL &&
		   (what == ULOG_XFER_IN_QUEUED || what == ULOG_XFER_IN_STARTED)) {
		strbuf_adds(&sb, "\n\tTransferring to host: ");
		add_flat(&sb, host);
	}
	return strbuf_detach(&sb, NULL);
}
