/*
 * strbuf.h - a growable, always NUL-terminated byte buffer.
 *
 * Invariants: buf is never NULL after strbuf_init (it points at a shared
 * empty string until the first append), buf[len] == '\0', and len < alloc
 * whenever alloc > 0.  The buffer may hold NUL bytes; len is authoritative.
 * Appends cannot fail (they abort on exhaustion, see xalloc.h).
 */
#ifndef CONDORLET_STRBUF_H
#define CONDORLET_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT { .buf = strbuf_empty_, .len = 0, .alloc = 0 }
extern char strbuf_empty_[];

void strbuf_init(struct strbuf *sb);
/* Frees the storage; the strbuf is left as after strbuf_init. */
void strbuf_release(struct strbuf *sb);
/* Returns the string (caller frees) and re-initialises sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Appends n copies of c (for padding columns). */
void strbuf_addchars(struct strbuf *sb, char c, size_t n);

#endif
