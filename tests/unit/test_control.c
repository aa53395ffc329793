/*
 * test_control.c - the wake-up channel, the single-instance lock, finding
 * programs and autostart (control.h).
 *
 * Each test works under one mkdtemp directory; configuration comes from
 * _CONDOR_ variables set here, with CONDOR_CONFIG naming an empty file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "error.h"
#include "fileio.h"
#include "knob.h"
#include "strbuf.h"
#include "xalloc.h"
#include "tap.h"
#include "banned.h"

static char *topdir;

static char *
sub(const char *name)
{
	char *p = fileio_join(topdir, name);
	struct error err;
	if (fileio_mkdirs(p, 0700, &err) < 0)
		diag("mkdir: %s", err.msg);
	return p;
}

/* Writes an executable shell script. */
static void
script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return;
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

static struct knobs *
load(void)
{
	struct error err;
	struct knobs *k = knobs_load(&err);
	if (k == NULL)
		diag("knobs_load: %s", err.msg);
	return k;
}

/* Sends a raw datagram to the socket bound at fd's address. */
static int
send_raw(int fd, const void *msg, size_t len)
{
	struct sockaddr_un addr;
	socklen_t alen = sizeof(addr);
	if (getsockname(fd, (struct sockaddr *)&addr, &alen) < 0)
		return -1;
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t n = sendto(s, msg, len, 0, (struct sockaddr *)&addr, alen);
	close(s);
	return n == (ssize_t)len ? 0 : -1;
}

static void
test_channel(void)
{
	struct error err;
	char *dir = sub("lock1");
	char *missing = fileio_join(topdir, "no-such-dir");
	is_int(control_send(missing, CONTROL_WAKE, &err), 1,
	       "no LOCK directory: no daemon");
	is_int(control_send(dir, CONTROL_WAKE, &err), 1, "nobody listening: no daemon");

	int fd = control_listen(dir, &err);
	ok(fd >= 0, "listen");
	is_int((int)control_receive(fd), 0, "nothing to receive yet");
	is_int(control_send(dir, CONTROL_WAKE, &err), 0, "a wake-up is delivered");
	is_int(control_send(dir, CONTROL_WAKE, &err), 0, "and another");
	is_int((int)control_receive(fd), 1 << CONTROL_WAKE, "both read as one wake-up");
	is_int((int)control_receive(fd), 0, "and drained");

	int fd2 = control_listen(dir, &err);
	ok(fd2 < 0, "a second listener for the same LOCK is refused");
	ok(strstr(err.msg, "bind") != NULL, "with a message: %s", err.msg);

	char *other = sub("lock2");
	int fd3 = control_listen(other, &err);
	ok(fd3 >= 0, "another LOCK directory has its own channel");
	is_int(control_send(other, CONTROL_WAKE, &err), 0, "wake it");
	is_int((int)control_receive(fd), 0, "the first daemon is not woken");
	is_int((int)control_receive(fd3), 1 << CONTROL_WAKE, "the second is");
	close(fd3);

	const unsigned char future[] = { CONTROL_VERSION + 1, CONTROL_WAKE };
	const unsigned char unknown[] = { CONTROL_VERSION, 200, 0, 0 };
	const unsigned char shortmsg[] = { CONTROL_VERSION };
	ok(send_raw(fd, future, sizeof(future)) == 0 &&
	   send_raw(fd, unknown, sizeof(unknown)) == 0 &&
	   send_raw(fd, shortmsg, sizeof(shortmsg)) == 0, "send odd messages");
	is_int((int)control_receive(fd), 0,
	       "other versions, unknown types and short messages are ignored");

	/* a deep LOCK directory: abstract names have no path limit */
	struct strbuf deep = STRBUF_INIT;
	strbuf_adds(&deep, topdir);
	for (int i = 0; i < 20; i++)
		strbuf_adds(&deep, "/a-rather-long-directory-name");
	ok(fileio_mkdirs(deep.buf, 0700, &err) == 0, "make a %zu-byte LOCK path",
	   deep.len);
	int dfd = control_listen(deep.buf, &err);
	ok(dfd >= 0, "listen there");
	is_int(control_send(deep.buf, CONTROL_WAKE, &err), 0, "and wake it");
	is_int((int)control_receive(dfd), 1 << CONTROL_WAKE, "received");
	close(dfd);
	strbuf_release(&deep);

	close(fd);
	is_int(control_send(dir, CONTROL_WAKE, &err), 1,
	       "once the daemon is gone, nobody listens again");
	free(dir);
	free(other);
	free(missing);
}

static void
test_lock(void)
{
	struct error err;
	char *dir = sub("lockdir");
	pid_t holder = -1;
	int fd = control_lock_master(dir, &holder, &err);
	ok(fd >= 0 && holder == 0, "take the master lock");
	char *path = fileio_join(dir, "condor_master.lock");
	char *text = NULL;
	size_t len;
	fileio_read_all(path, 100, &text, &len, NULL);
	char want[32];
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	is_str(text, want, "the lock file holds our pid");
	free(text);
	int fd2 = control_lock_master(dir, &holder, &err);
	ok(fd2 < 0, "a second taker is refused");
	is_int((int)holder, (int)getpid(), "and told who holds it");
	ok(strstr(err.msg, "locked") != NULL, "message: %s", err.msg);
	close(fd);
	fd2 = control_lock_master(dir, &holder, &err);
	ok(fd2 >= 0, "once released it can be taken again");
	close(fd2);
	ok((fcntl(fd2, F_GETFD) < 0), "(closed)");
	char *bad = fileio_join(topdir, "missing/dir");
	ok(control_lock_master(bad, &holder, &err) < 0 && holder == 0,
	   "a missing LOCK directory is an error: %s", err.msg);
	free(bad);
	free(path);
	free(dir);
}

static void
test_programs(void)
{
	char *bin = sub("bin");
	char *fake = fileio_join(bin, "condor_master");
	script(fake, "exit 0");
	setenv("_CONDOR_MASTER", "/opt/x/condor_master", 1);
	struct knobs *k = load();
	char *p = control_find_program(k, "MASTER", "condor_master");
	is_str(p, "/opt/x/condor_master", "the knob wins");
	free(p);
	knobs_free(k);
	unsetenv("_CONDOR_MASTER");

	char *old = xstrdup(getenv("PATH") ? getenv("PATH") : "");
	char *path = xasprintf("relative:%s:%s", bin, old);
	setenv("PATH", path, 1);
	k = load();
	p = control_find_program(k, "MASTER", "condor_master");
	is_str(p, fake, "else found on PATH (relative entries skipped)");
	free(p);
	p = control_find_program(k, NULL, "no-such-condorlet-program");
	ok(p == NULL, "a program that is nowhere");
	free(p);
	knobs_free(k);
	setenv("PATH", old, 1);
	free(old);
	free(path);
	free(fake);
	free(bin);
}

static void
test_autostart(void)
{
	struct error err;
	char *lock = sub("lock-auto");
	char *ok_master = fileio_join(topdir, "master-ok");
	char *bad_master = fileio_join(topdir, "master-bad");
	char *mark = fileio_join(topdir, "started");
	char *body = xasprintf("echo started > '%s'; exit 0", mark);
	script(ok_master, body);
	script(bad_master, "exit 3");
	setenv("_CONDOR_LOCK", lock, 1);

	setenv("_CONDOR_AUTOSTART_MASTER", "false", 1);
	setenv("_CONDOR_MASTER", ok_master, 1);
	struct knobs *k = load();
	is_int(control_wake(k, &err), 1, "control_wake: no daemon");
	is_int(control_notify(k, &err), 1, "control_notify without autostart: no daemon");
	ok(access(mark, F_OK) < 0, "and nothing was started");
	knobs_free(k);

	setenv("_CONDOR_AUTOSTART_MASTER", "true", 1);
	k = load();
	is_int(control_autostart(k, &err), 0, "autostart runs the master");
	ok(access(mark, F_OK) == 0, "which ran");
	knobs_free(k);
	char *one_master = fileio_join(topdir, "master-one");
	script(one_master, "echo 'condor_master: a reason' >&2; exit 1");
	setenv("_CONDOR_MASTER", one_master, 1);
	k = load();
	is_int(control_autostart(k, &err), 1, "a master that exits 1 (it said why)");
	is_int(control_notify(k, &err), -1, "and then does not answer");
	is_str(err.msg, "condor_master did not start", "is reported as such");
	knobs_free(k);
	free(one_master);
	setenv("_CONDOR_MASTER", ok_master, 1);
	k = load();
	ok(access(mark, F_OK) == 0, "which ran");
	is_int(control_notify(k, &err), -1,
	       "a master that starts but never listens is an error");
	ok(strstr(err.msg, "does not answer") != NULL, "message: %s", err.msg);
	knobs_free(k);

	setenv("_CONDOR_MASTER", bad_master, 1);
	k = load();
	is_int(control_autostart(k, &err), -1, "a master that fails");
	ok(strstr(err.msg, "failed to start") != NULL, "is reported: %s", err.msg);
	knobs_free(k);

	setenv("_CONDOR_MASTER", "/nonexistent/condor_master", 1);
	k = load();
	is_int(control_autostart(k, &err), -1, "a master that is not there");
	knobs_free(k);

	int fd = control_listen(lock, &err);
	k = load();
	is_int(control_notify(k, &err), 0, "with a daemon listening, notify wakes it");
	is_int((int)control_receive(fd), 1 << CONTROL_WAKE, "and it got the wake-up");
	knobs_free(k);
	close(fd);
	unsetenv("_CONDOR_MASTER");
	unsetenv("_CONDOR_AUTOSTART_MASTER");
	unsetenv("_CONDOR_LOCK");
	free(body);
	free(mark);
	free(ok_master);
	free(bad_master);
	free(lock);
}

int
main(void)
{
	plan_lazy();
	char tmpl[] = "/tmp/test_control.XXXXXX";
	topdir = mkdtemp(tmpl);
	if (topdir == NULL)
		return 1;
	char *conf = fileio_join(topdir, "condorlet.conf");
	FILE *f = fopen(conf, "w");
	if (f)
		fclose(f);
	setenv("CONDOR_CONFIG", conf, 1);
	test_channel();
	test_lock();
	test_programs();
	test_autostart();
	int rc = tap_done();
	if (rc == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			execl("/bin/rm", "rm", "-rf", topdir, (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	free(conf);
	return rc;
}
