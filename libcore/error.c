/* error.c - see error.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "banned.h"

/* dst = a + ": " + b, cut to ERROR_MSG_MAX; snprintf would trip
 * -Wformat-truncation although cutting is exactly what we want here. */
static void
join(char *dst, const char *a, const char *b)
{
	size_t cap = ERROR_MSG_MAX - 1, n = 0;
	for (const char *parts[] = { a, ": ", b }, **p = parts; p < parts + 3; p++) {
		size_t l = strlen(*p);
		if (l > cap - n)
			l = cap - n;
		memmove(dst + n, *p, l);
		n += l;
	}
	dst[n] = '\0';
}

int
error_set(struct error *err, const char *fmt, ...)
{
	if (err == NULL)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
error_errno(struct error *err, const char *fmt, ...)
{
	int saved = errno;
	if (err == NULL)
		return -1;
	char head[ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	join(err->msg, head, strerror(saved));
	errno = saved;
	return -1;
}

int
error_prefix(struct error *err, const char *fmt, ...)
{
	if (err == NULL)
		return -1;
	char head[ERROR_MSG_MAX], old[ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	join(err->msg, head, old);
	return -1;
}

void
error_clear(struct error *err)
{
	if (err != NULL)
		err->msg[0] = '\0';
}
