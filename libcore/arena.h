/*
 * arena.h - a bump allocator for strings that all die together.
 *
 * The queue copies every attribute name and value it replays from the
 * journal into one arena and lends them to its ads, so loading 100,000
 * jobs costs a few large allocations instead of a million small ones, and
 * closing the queue frees them in one sweep.  Strings are never freed one
 * by one; the arena owns them until arena_free.
 */
#ifndef CONDORLET_ARENA_H
#define CONDORLET_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;	/* the block being filled */
	size_t used, cap;		/* of head */
};

#define ARENA_INIT { NULL, 0, 0 }

/* Copies s (len bytes, then a NUL) into the arena; never NULL. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);
/* Frees every string; the arena is left empty and reusable. */
void arena_free(struct arena *a);

#endif
