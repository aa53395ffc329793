/* arena.c - see arena.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xalloc.h"
#include "banned.h"

/* Big enough that a 100,000-job queue needs a handful of blocks. */
#define ARENA_BLOCK (1u << 20)

struct arena_block {
	struct arena_block *next;
	char data[];
};

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	if (a->head == NULL || a->cap - a->used < len + 1) {
		size_t cap = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;
		struct arena_block *b = xmalloc(sizeof(*b) + cap);
		b->next = a->head;
		a->head = b;
		a->used = 0;
		a->cap = cap;
	}
	char *p = a->head->data + a->used;
	memcpy(p, s, len);
	p[len] = '\0';
	a->used += len + 1;
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void
arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b != NULL) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used = a->cap = 0;
}
