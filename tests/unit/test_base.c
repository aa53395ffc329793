/* test_base.c - unit tests of the base helpers: strbuf, num, error, fileio. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "num.h"
#include "strbuf.h"
#include "xalloc.h"
#include "tap.h"

static void
test_strbuf(void)
{
	struct strbuf sb = STRBUF_INIT;
	is_str(sb.buf, "", "fresh strbuf is empty");
	strbuf_adds(&sb, "abc");
	strbuf_addc(&sb, 'd');
	strbuf_addf(&sb, "%d-%s", 42, "x");
	is_str(sb.buf, "abcd42-x", "appends concatenate");
	strbuf_addchars(&sb, ' ', 3);
	is_int(sb.len, 11, "addchars pads");
	char big[1000];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addf(&sb, "%s", big);
	is_int(sb.len, 11 + 999, "long formatted append is not truncated");
	strbuf_setlen(&sb, 2);
	is_str(sb.buf, "ab", "setlen truncates");
	size_t len;
	char *s = strbuf_detach(&sb, &len);
	is_str(s, "ab", "detach hands over the string");
	is_int(len, 2, "detach reports the length");
	is_str(sb.buf, "", "detach re-initialises");
	free(s);
	s = strbuf_detach(&sb, NULL);
	is_str(s, "", "detach of an empty strbuf gives an owned empty string");
	free(s);
	strbuf_release(&sb);
}

static void
test_num(void)
{
	long long v = 7;
	ok(num_parse_ll("123", 0, 1000, &v) == 0 && v == 123, "parses a number");
	ok(num_parse_ll(" -5 ", -10, 10, &v) == 0 && v == -5, "allows spaces and sign");
	ok(num_parse_ll("12x", 0, 100, &v) < 0, "rejects trailing garbage");
	ok(num_parse_ll("", 0, 100, &v) < 0, "rejects empty");
	ok(num_parse_ll("101", 0, 100, &v) < 0, "rejects out of range");
	ok(num_parse_ll("99999999999999999999999", 0, 100, &v) < 0, "rejects overflow");
	ok(num_parse_ll("0x10", 0, 100, &v) < 0, "no hex");
	int i = 0;
	ok(num_parse_int("2147483648", 0, 2147483647, &i) < 0, "int range");
	double d;
	ok(num_parse_double("1.5e3", &d) == 0 && d == 1500.0, "parses a real");
	ok(num_parse_double("nan", &d) < 0, "rejects nan");
	ok(num_is_digits("0123") && !num_is_digits("1.2") && !num_is_digits(""),
	   "is_digits");
}

static void
test_error(void)
{
	struct error err;
	error_clear(&err);
	is_str(err.msg, "", "clear empties");
	ok(error_set(&err, "job %d.%d not found", 635, 0) == -1, "set returns -1");
	is_str(err.msg, "job 635.0 not found", "set formats");
	error_prefix(&err, "condor_x");
	is_str(err.msg, "condor_x: job 635.0 not found", "prefix prepends");
	errno = ENOENT;
	error_errno(&err, "open '%s'", "f");
	is_str(err.msg, "open 'f': No such file or directory", "errno appended");
	char longs[3000];
	memset(longs, 'z', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	error_set(&err, "%s", longs);
	is_int(strlen(err.msg), ERROR_MSG_MAX - 1, "long messages are cut, not overflowed");
	error_prefix(&err, "p");
	is_int(strlen(err.msg), ERROR_MSG_MAX - 1, "prefix of a full message stays bounded");
	ok(error_set(NULL, "x") == -1, "NULL error is allowed");
}

static void
test_fileio(void)
{
	char tmpl[] = "/tmp/condorlet-test-XXXXXX";
	char *dir = mkdtemp(tmpl);
	ok(dir != NULL, "mkdtemp");
	struct error err;
	char *sub = fileio_join(dir, "a/b/c");
	ok(fileio_mkdirs(sub, 0700, &err) == 0, "mkdirs creates nested dirs");
	char *f = fileio_join(sub, "file");
	ok(fileio_replace(f, "hello", 5, 0600, &err) == 0, "replace writes");
	char *data = NULL;
	size_t len = 0;
	ok(fileio_read_all(f, 100, &data, &len, &err) == 0 && len == 5 &&
	   strcmp(data, "hello") == 0, "read back");
	free(data);
	ok(fileio_read_all(f, 3, &data, &len, &err) < 0 && strstr(err.msg, "too large"),
	   "read_all bounds the size");
	ok(fileio_read_all("/nonexistent/x", 100, &data, &len, &err) < 0 &&
	   strstr(err.msg, "/nonexistent/x") != NULL, "missing file names the path");
	struct stat st;
	ok(stat(f, &st) == 0 && (st.st_mode & 0777) == 0600, "mode honoured");
	char *d = fileio_dirname(f);
	is_str(d, sub, "dirname");
	free(d);
	d = fileio_dirname("plain");
	is_str(d, ".", "dirname of a bare name");
	free(d);
	char *j = fileio_join("/a/", "b");
	is_str(j, "/a/b", "join collapses the slash");
	free(j);
	j = fileio_join("/a", "/abs");
	is_str(j, "/abs", "join keeps absolute names");
	free(j);
	ok(fileio_mkdirs(f, 0700, &err) < 0, "mkdirs over a file fails");
	unlink(f);
	free(f);
	free(sub);
	int bad = 0;
	for (const char *rel = "a/b/c"; ; ) {
		char *p = fileio_join(dir, rel);
		bad |= rmdir(p);
		free(p);
		if (strcmp(rel, "a") == 0)
			break;
		rel = strcmp(rel, "a/b/c") == 0 ? "a/b" : "a";
	}
	ok(bad == 0 && rmdir(dir) == 0, "cleanup");
}

int
main(void)
{
	plan_lazy();
	test_strbuf();
	test_num();
	test_error();
	test_fileio();
	return tap_done();
}
