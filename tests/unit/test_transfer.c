/* test_transfer.c - unit tests for transfer.h and spool.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "spool.h"
#include "strbuf.h"
#include "tap.h"
#include "transfer.h"
#include "transfer_int.h"
#include "xalloc.h"

extern char **environ;
static char root[] = "/tmp/test_transfer.XXXXXX";

static char *
P(const char *rel)
{
	return fileio_join(root, rel);
}

static void
put(const char *rel, const char *data, mode_t mode)
{
	char *p = P(rel);
	char *d = fileio_dirname(p);
	fileio_mkdirs(d, 0700, NULL);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd >= 0) {
		fileio_write_all(fd, data, strlen(data), p, NULL);
		fchmod(fd, mode);
		close(fd);
	}
	free(d);
	free(p);
}

/* Contents of root/rel, or "(missing)"; caller frees. */
static char *
get(const char *rel)
{
	char *p = P(rel), *s = NULL;
	size_t len;
	if (fileio_read_all(p, 1 << 30, &s, &len, NULL) < 0)
		s = xstrdup("(missing)");
	free(p);
	return s;
}

static int
content_is(const char *rel, const char *want)
{
	char *s = get(rel);
	int r = strcmp(s, want) == 0;
	if (!r)
		diag("  %s: got '%.60s' want '%.60s'", rel, s, want);
	free(s);
	return r;
}

static unsigned
mode_of(const char *rel)
{
	struct stat st;
	char *p = P(rel);
	int r = lstat(p, &st);
	free(p);
	return r < 0 ? 01000000u : (unsigned)(st.st_mode & 07777);
}

static int
exists(const char *rel)
{
	return mode_of(rel) != 01000000u;
}

/* A listing of a tree with each file's bytes, for "byte-identical" checks. */
static void
dump_at(struct strbuf *sb, const char *dir)
{
	struct error err;
	struct transfer_snapshot *s = transfer_snapshot_take(dir, &err);
	if (s == NULL) {
		strbuf_adds(sb, "(none)");
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		strbuf_addf(sb, "%s %d %o\n", s->v[i].name, (int)s->v[i].type,
			    s->v[i].mode);
		if (s->v[i].type == TRANSFER_FILE) {
			char *p = fileio_join(dir, s->v[i].name), *data;
			size_t len;
			if (fileio_read_all(p, 1 << 30, &data, &len, NULL) == 0) {
				strbuf_add(sb, data, len);
				free(data);
			}
			free(p);
		}
	}
	transfer_snapshot_free(s);
}

static char *
dump(const char *rel)
{
	struct strbuf sb = STRBUF_INIT;
	char *p = P(rel);
	dump_at(&sb, p);
	free(p);
	return strbuf_detach(&sb, NULL);
}

static void
test_paths(void)
{
	char *p = spool_job_dir("/s", 635, 0);
	is_str(p, "/s/635/0/cluster635.proc0.subproc0", "path of 635.0");
	free(p);
	p = spool_job_dir("/s", 12345, 7);
	is_str(p, "/s/2345/7/cluster12345.proc7.subproc0", "path of 12345.7");
	free(p);
	p = spool_job_dir("/s", 20000, 10001);
	is_str(p, "/s/0/1/cluster20000.proc10001.subproc0", "modulo on both");
	free(p);
	ok(transfer_name_ok("a") && transfer_name_ok("d/x") &&
	   transfer_name_ok("d/"), "plain relative names accepted");
	ok(!transfer_name_ok("/etc/passwd") && !transfer_name_ok("../x") &&
	   !transfer_name_ok("a/../b") && !transfer_name_ok("") &&
	   !transfer_name_ok("a//b") && !transfer_name_ok("./a"),
	   "absolute, dot-dot, empty names refused");
}

static void
test_snapshot(void)
{
	struct error err;
	put("sb/in.txt", "input\n", 0644);
	put("sb/.job.ad", "ad\n", 0644);
	put("sb/_condor_stdout", "out\n", 0644);
	char *sb = P("sb");
	struct transfer_snapshot *s = transfer_snapshot_take(sb, &err);
	ok(s != NULL && s->n == 1 && strcmp(s->v[0].name, "in.txt") == 0,
	   "snapshot skips the starter's private files");
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	put("sb/in.txt", "input changed\n", 0644);
	put("sb/new.dat", "new\n", 0664);
	put("sb/sub/deep.dat", "deep\n", 0600);
	put("sb/.machine.ad", "m\n", 0644);
	char **names;
	size_t n;
	int rc = transfer_changed_files(s, sb, &names, &n, &err);
	ok(rc == 0 && n == 3 && strcmp(names[0], "in.txt") == 0 &&
	   strcmp(names[1], "new.dat") == 0 &&
	   strcmp(names[2], "sub/deep.dat") == 0,
	   "changed files: modified, new, new in a subdirectory (n=%zu)", n);
	transfer_names_free(names, n);
	transfer_snapshot_free(s);
	s = transfer_snapshot_take(sb, &err);
	rc = transfer_changed_files(s, sb, &names, &n, &err);
	ok(rc == 0 && n == 0, "nothing changed since a fresh snapshot");
	transfer_names_free(names, n);
	transfer_snapshot_free(s);
	free(sb);
}

static void
test_commit(void)
{
	struct error err;
	char *sb = P("sb"), *js = spool_job_dir(root, 635, 0);
	char *live = P("635/0/cluster635.proc0.subproc0");
	const char *first[] = { "in.txt", "new.dat", "sub", "_condor_stdout" };
	int rc = spool_commit(sb, first, 4, js, &err);
	ok(rc == 0, "first commit (%s)", rc ? err.msg : "ok");
	ok(content_is("635/0/cluster635.proc0.subproc0/in.txt", "input changed\n") &&
	   content_is("635/0/cluster635.proc0.subproc0/sub/deep.dat", "deep\n") &&
	   content_is("635/0/cluster635.proc0.subproc0/_condor_stdout", "out\n"),
	   "listed files and directories are spooled");
	is_int(mode_of("635/0/cluster635.proc0.subproc0"), 0700, "jobspool is 0700");
	is_int(mode_of("635/0/cluster635.proc0.subproc0/new.dat"), 0644,
	       "group write is dropped");
	is_int(mode_of("635/0/cluster635.proc0.subproc0/sub/deep.dat"), 0600,
	       "file mode kept");
	ok(!exists("635/0/cluster635.proc0.subproc0/.job.ad") &&
	   !exists("635/0/cluster635.proc0.subproc0.new"), "nothing else, no .new");

	struct stat a, b;
	char *lin = fileio_join(live, "in.txt");
	stat(lin, &a);
	put("sb/new.dat", "second\n", 0644);
	const char *second[] = { "new.dat", "in.txt" };
	rc = spool_commit(sb, second, 2, js, &err);
	ok(rc == 0, "second commit (%s)", rc ? err.msg : "ok");
	stat(lin, &b);
	ok(a.st_ino == b.st_ino, "an unchanged listed file is hard-linked, not copied");
	ok(content_is("635/0/cluster635.proc0.subproc0/new.dat", "second\n") &&
	   content_is("635/0/cluster635.proc0.subproc0/sub/deep.dat", "deep\n") &&
	   content_is("635/0/cluster635.proc0.subproc0/_condor_stdout", "out\n"),
	   "the spool is additive");
	free(lin);

	/* Each bad commit leaves the live set byte-identical and no .new. */
	char *before = dump("635/0/cluster635.proc0.subproc0");
	char *tgt = P("sb/sub");
	char *l1 = P("sb/dirlink"), *l2 = P("sb/filelink");
	symlink(tgt, l1);
	symlink("in.txt", l2);
	free(tgt);
	put("sb/sub/ok.dat", "x\n", 0644);
	char *inner = P("sb/sub/inner");
	symlink("/etc", inner);
	const char *bad[][2] = {
		{ "new.dat", "missing.dat" }, { "new.dat", "dirlink" },
		{ "filelink", "new.dat" }, { "new.dat", "../x" },
		{ "/etc/hostname", "new.dat" }, { "dirlink/deep.dat", "in.txt" },
		{ "in.txt", "sub" },
	};
	const char *why[] = { "No such file", "symbolic link", "symbolic link",
			      "not a relative path", "not a relative path",
			      "symbolic link in its path", "symbolic link" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		put("sb/new.dat", "third\n", 0644);
		error_clear(&err);
		rc = spool_commit(sb, bad[i], 2, js, &err);
		char *after = dump("635/0/cluster635.proc0.subproc0");
		ok(rc < 0 && strstr(err.msg, why[i]) != NULL &&
		   strcmp(before, after) == 0 &&
		   !exists("635/0/cluster635.proc0.subproc0.new"),
		   "bad commit %zu fails cleanly: %s", i, err.msg);
		free(after);
	}
	unlink(inner);
	free(inner);
	unlink(l1);
	unlink(l2);
	free(l1);
	free(l2);
	free(before);
	free(live);
	free(js);
	free(sb);
}

static void
test_restore(void)
{
	struct error err;
	char *js = spool_job_dir(root, 635, 0), *sb2 = P("sb2");
	put("sb2/new.dat", "an input that the spool overrides\n", 0644);
	put("sb2/only_input", "i\n", 0644);
	int rc = spool_restore(js, sb2, &err);
	ok(rc == 0, "restore (%s)", rc ? err.msg : "ok");
	ok(content_is("sb2/new.dat", "second\n") &&
	   content_is("sb2/sub/deep.dat", "deep\n") &&
	   content_is("sb2/in.txt", "input changed\n") &&
	   content_is("sb2/only_input", "i\n"),
	   "spooled files win over inputs, others stay");
	is_int(mode_of("sb2/sub/deep.dat"), 0600, "mode survives the round trip");
	struct stat a, b;
	char *p1 = P("sb/sub/deep.dat"), *p2 = P("sb2/sub/deep.dat");
	stat(p1, &a);
	stat(p2, &b);
	ok(a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
	   a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_ino != b.st_ino,
	   "mtime survives, and the sandbox gets a copy, not a link");
	free(p1);
	free(p2);
	char *none = spool_job_dir(root, 999, 0);
	ok(spool_restore(none, sb2, &err) == 0, "no spool: nothing to restore");
	free(none);
	free(js);
	free(sb2);
}

static void
test_sparse(void)
{
	struct error err;
	char *p = P("sb/sparse.img");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && ftruncate(fd, 64 << 20) == 0 &&
	   pwrite(fd, "x", 1, 32 << 20) == 1, "made a 64 MiB sparse file");
	close(fd);
	char *sb = P("sb"), *js = spool_job_dir(root, 635, 0);
	const char *names[] = { "sparse.img" };
	int rc = spool_commit(sb, names, 1, js, &err);
	struct stat st;
	char *q = P("635/0/cluster635.proc0.subproc0/sparse.img");
	ok(rc == 0 && stat(q, &st) == 0 && st.st_size == (64 << 20),
	   "sparse file keeps its size (%s)", rc ? err.msg : "ok");
	ok(st.st_blocks * 512 < (4 << 20), "and its holes (%lld bytes allocated)",
	   (long long)st.st_blocks * 512);
	unlink(p);
	free(p);
	free(q);
	free(sb);
	free(js);
}

static void
test_io(void)
{
	struct error err;
	put("iwd/in1", "one\n", 0644);
	put("iwd/d/x", "dx\n", 0640);
	put("iwd/prog", "#!/bin/sh\n", 0755);
	put("iwd/b.out", "old output\n", 0644);
	char *iwd = P("iwd"), *sb = P("sb3");
	mkdir(sb, 0700);
	int rc = transfer_inputs(iwd, "in1, d\td/", sb, &err);
	ok(rc == 0 && content_is("sb3/in1", "one\n") &&
	   content_is("sb3/d/x", "dx\n") && content_is("sb3/x", "dx\n"),
	   "inputs: file, directory, directory contents (%s)", rc ? err.msg : "ok");
	rc = transfer_inputs(iwd, "in1,nosuch,d", sb, &err);
	ok(rc < 0 && strstr(err.msg, "'nosuch'") != NULL,
	   "a missing input is named: %s", err.msg);
	ok(transfer_inputs(iwd, "http://example.com/x", sb, &err) < 0,
	   "URL inputs refused");
	char *prog = P("iwd/prog");
	rc = transfer_executable(prog, sb, "condor_exec.exe", &err);
	ok(rc == 0 && mode_of("sb3/condor_exec.exe") == 0700,
	   "executable copied with mode 0700");
	free(prog);

	put("sb3/b.out", "new output\n", 0644);
	put("sb3/outdir/r.txt", "r\n", 0644);
	const char *outs[] = { "b.out", "outdir" };
	rc = transfer_outputs(sb, outs, 2, iwd, &err);
	ok(rc == 0 && content_is("iwd/b.out", "new output\n") &&
	   content_is("iwd/outdir/r.txt", "r\n"),
	   "outputs replace files in the Iwd (%s)", rc ? err.msg : "ok");
	put("sb3/outdir/s.txt", "s\n", 0644);
	rc = transfer_outputs(sb, outs + 1, 1, iwd, &err);
	ok(rc == 0 && content_is("iwd/outdir/s.txt", "s\n"),
	   "an output directory is swapped in whole");
	char *l = P("sb3/evil");
	symlink("/etc/passwd", l);
	const char *bad[] = { "evil", "b.out" };
	rc = transfer_outputs(sb, bad, 2, iwd, &err);
	ok(rc < 0 && strstr(err.msg, "symbolic link") && !exists("iwd/evil"),
	   "a symlink output is refused: %s", err.msg);
	struct strbuf sbuf = STRBUF_INIT;
	dump_at(&sbuf, iwd);
	ok(strstr(sbuf.buf, ".condorlet_out") == NULL, "no temporary left in Iwd");
	strbuf_release(&sbuf);
	free(l);
	free(iwd);
	free(sb);
}

/* ---- crash safety ---- */

#define NFILES 48
#define FSIZE (128 * 1024)

static void
gen_content(int gen, int i, char *buf)
{
	memset(buf, 'A' + gen % 26, FSIZE);
	snprintf(buf, 64, "gen %d file %d\n", gen, i);
}

static void
write_gen(const char *sb, int gen)
{
	char *buf = xmalloc(FSIZE);
	for (int i = 0; i < NFILES; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s/f%02d", sb, i);
		gen_content(gen, i, buf);
		fileio_replace(name, buf, FSIZE, 0644, NULL);
	}
	free(buf);
}

/* The generation every file of live holds, or -1 if the set is torn. */
static int
live_gen(const char *live)
{
	char *want = xmalloc(FSIZE);
	int gen = -2;
	for (int i = 0; i < NFILES && gen != -1; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s/f%02d", live, i);
		char *data;
		size_t len;
		int g;
		if (fileio_read_all(name, 1 << 20, &data, &len, NULL) < 0) {
			gen = -1;
			break;
		}
		if (sscanf(data, "gen %d", &g) != 1 || (gen != -2 && g != gen))
			g = -1;
		else
			gen_content(g, i, want);
		if (g < 0 || len != FSIZE || memcmp(data, want, FSIZE) != 0)
			g = -1;
		gen = g;
		free(data);
	}
	free(want);
	return gen;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_crash(void)
{
	struct error err;
	char *sb = P("crash_sb"), *js = spool_job_dir(root, 7, 3);
	mkdir(sb, 0700);
	const char *names[NFILES];
	char bufs[NFILES][8];
	for (int i = 0; i < NFILES; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "f%02d", i);
		names[i] = bufs[i];
	}
	write_gen(sb, 0);
	ok(spool_commit(sb, names, NFILES, js, &err) == 0, "crash: generation 0");
	write_gen(sb, 1);
	double t0 = now_s();
	ok(spool_commit(sb, names, NFILES, js, &err) == 0, "crash: generation 1");
	double span = now_s() - t0;
	diag("a %d x %d KiB commit takes %.1f ms", NFILES, FSIZE / 1024,
	     span * 1000);
	int cur = 1, torn = 0, sawold = 0, sawnew = 0, debris = 0;
	srand((unsigned)time(NULL));
	for (int it = 0; it < 30; it++) {
		int gen = cur + 1;
		write_gen(sb, gen);
		pid_t pid = fork();
		if (pid == 0) {
			struct error cerr;
			_exit(spool_commit(sb, names, NFILES, js, &cerr) ? 1 : 0);
		}
		long us = (long)(span * 1.3e6 * (double)rand() / RAND_MAX);
		struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		int g = live_gen(js);
		if (g != cur && g != gen) {
			torn++;
			diag("iteration %d: live set is generation %d, want %d or %d",
			     it, g, cur, gen);
		}
		sawold += g == cur;
		sawnew += g == gen;
		if (spool_recover(js, &err) < 0)
			debris++;
		char *nw = xasprintf("%s.new", js);
		debris += access(nw, F_OK) == 0;
		free(nw);
		if (g == gen)
			cur = gen;
	}
	ok(torn == 0, "after 30 SIGKILLs the live set was always complete "
	   "(old %d times, new %d times)", sawold, sawnew);
	ok(debris == 0, "recovery removed every leftover .new");
	free(sb);
	free(js);
}

static void
test_nospace(void)
{
	struct error err;
	char *sb = P("sb"), *js = spool_job_dir(root, 635, 0);
	char *before = dump("635/0/cluster635.proc0.subproc0");
	char *big = P("sb/big.dat");
	int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char buf[4096];
	memset(buf, 'z', sizeof(buf));
	for (int i = 0; i < 1024; i++)
		fileio_write_all(fd, buf, sizeof(buf), big, NULL);
	close(fd);
	pid_t pid = fork();
	if (pid == 0) {
		/* A file-size limit fails the copy's write the way ENOSPC does. */
		struct rlimit rl = { 1 << 20, 1 << 20 };
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		const char *names[] = { "new.dat", "big.dat" };
		int rc = spool_commit(sb, names, 2, js, &err);
		_exit(rc < 0 && strstr(err.msg, "big.dat") ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	char *after = dump("635/0/cluster635.proc0.subproc0");
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strcmp(before, after) == 0 &&
	   !exists("635/0/cluster635.proc0.subproc0.new"),
	   "a write failure mid-commit keeps the live set and leaves no .new");
	unlink(big);
	free(big);
	free(before);
	free(after);
	free(sb);
	free(js);
}

static int
run(char *const argv[])
{
	pid_t pid;
	int st;
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_timing(void)
{
	struct error err;
	char *sb = P("big_sb"), *js = spool_job_dir(root, 8, 0);
	mkdir(sb, 0700);
	char *f = P("big_sb/ckpt.bin");
	char *buf = xmalloc(1 << 20);
	int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < 256; i++) {
		for (size_t j = 0; j < (1 << 20); j += 4096)
			memset(buf + j, (i * 7 + (int)j) & 0xff, 4096);
		fileio_write_all(fd, buf, 1 << 20, f, NULL);
	}
	fsync(fd);
	close(fd);
	free(buf);
	const char *names[] = { "ckpt.bin" };
	double t0 = now_s();
	int rc = spool_commit(sb, names, 1, js, &err);
	double tc = now_s() - t0;
	char *dst = P("cp_copy.bin");
	char *cp[] = { "cp", f, dst, NULL }, *sy[] = { "sync", NULL };
	t0 = now_s();
	int rc2 = run(cp);
	run(sy);
	double tcp = now_s() - t0;
	struct stat st;
	char *sp = fileio_join(js, "ckpt.bin");
	ok(rc == 0 && rc2 == 0 && stat(sp, &st) == 0 && st.st_size == (256 << 20),
	   "256 MiB commit and cp");
	free(sp);
	diag("256 MiB: commit %.3f s, cp+sync %.3f s, ratio %.2f", tc, tcp,
	     tcp > 0 ? tc / tcp : 0.0);
	unlink(dst);
	free(dst);
	free(f);
	free(sb);
	free(js);
}

static void
test_remove(void)
{
	struct error err;
	char *j1 = spool_job_dir(root, 635, 0);
	char *j2 = spool_job_dir(root, 10635, 0);
	char *stale = xasprintf("%s.new", j1);
	fileio_mkdirs(j2, 0700, NULL);
	fileio_mkdirs(stale, 0700, NULL);
	put("635/0/cluster635.proc0.subproc0.new/junk", "j\n", 0644);
	ok(spool_recover_all(root, &err) == 0 && !exists(
	   "635/0/cluster635.proc0.subproc0.new") &&
	   exists("635/0/cluster635.proc0.subproc0/in.txt"),
	   "start-up recovery removes debris and keeps live sets");
	ok(spool_remove_job(root, 635, 0, &err) == 0 &&
	   !exists("635/0/cluster635.proc0.subproc0") && exists("635/0"),
	   "removal keeps parents another job still uses");
	ok(spool_remove_job(root, 10635, 0, &err) == 0 && !exists("635"),
	   "removal of the last job removes the empty parents");
	ok(spool_remove_job(root, 1, 1, &err) == 0, "removing no spool is fine");
	free(j1);
	free(j2);
	free(stale);
}

int
main(void)
{
	plan_lazy();
	umask(022);
	if (mkdtemp(root) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_paths();
	test_snapshot();
	test_commit();
	test_restore();
	test_sparse();
	test_io();
	test_nospace();
	test_crash();
	test_timing();
	test_remove();
	struct error err;
	ok(xfer_rmtree_at(AT_FDCWD, root, &err) == 0, "cleanup");
	return tap_done();
}
