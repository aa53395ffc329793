/*
 * journal.c - see journal.h.
 *
 * Reading is two-staged on purpose: journal_frame checks a document's
 * frame and CRC with plain byte comparisons, and only a document that
 * passes is given to libyaml's event parser.  The event API (not the
 * document API) keeps memory proportional to the ads being built, and the
 * parser here is a flat loop with a depth counter for skipping unknown
 * keys, so hostile nesting costs no stack.
 *
 * Writing is done by hand rather than with yaml_emitter: the shapes are
 * fixed, every value is quoted, and a 100,000-proc cluster must serialise
 * in a few milliseconds.  The test suite reads everything back with
 * libyaml, which is the check that the hand-written text is YAML.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "classad.h"
#include "error.h"
#include "arena.h"
#include "journal.h"
#include "num.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* CRC-32 (IEEE 802.3, reflected, as zlib computes it)                  */
/* ------------------------------------------------------------------ */

static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f,
	0xe963a535, 0x9e6495a3, 0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91, 0x1db71064, 0x6ab020f2,
	0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9,
	0xfa0f3d63, 0x8d080df5, 0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b, 0x35b5a8fa, 0x42b2986c,
	0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423,
	0xcfba9599, 0xb8bda50f, 0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d, 0x76dc4190, 0x01db7106,
	0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d,
	0x91646c97, 0xe6635c01, 0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457, 0x65b0d9c6, 0x12b7e950,
	0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7,
	0xa4d1c46d, 0xd3d6f4fb, 0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9, 0x5005713c, 0x270241aa,
	0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81,
	0xb7bd5c3b, 0xc0ba6cad, 0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683, 0xe3630b12, 0x94643b84,
	0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb,
	0x196c3671, 0x6e6b06e7, 0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5, 0xd6d6a3e8, 0xa1d1937e,
	0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55,
	0x316e8eef, 0x4669be79, 0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f, 0xc5ba3bbe, 0xb2bd0b28,
	0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f,
	0x72076785, 0x05005713, 0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21, 0x86d3d2d4, 0xf1d4e242,
	0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69,
	0x616bffd3, 0x166ccf45, 0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db, 0xaed16a4a, 0xd9d65adc,
	0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693,
	0x54de5729, 0x23d967bf, 0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t
journal_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static bool
is_name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

bool
journal_name_ok(const char *name)
{
	if (!is_name_start((unsigned char)name[0]))
		return false;
	size_t i = 1;
	while (name[i] != '\0' && i <= JOURNAL_NAME_MAX) {
		if (!is_name_char((unsigned char)name[i]))
			return false;
		i++;
	}
	return i <= JOURNAL_NAME_MAX;
}

/* ------------------------------------------------------------------ */
/* Framing                                                              */
/* ------------------------------------------------------------------ */

static const char commit_tag[] = "\ncommit: {seq: ";

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses the commit line at p (just past "commit: {seq: ") up to e. */
static int
parse_commit(const char *p, const char *e, unsigned long long *seq,
	     uint32_t *crc, const char **after)
{
	unsigned long long v = 0;
	const char *d = p;
	while (p < e && *p >= '0' && *p <= '9') {
		if (v > (ULLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned)(*p++ - '0');
	}
	static const char mid[] = ", crc: ", tail[] = "}\n...\n";
	if (p == d || (size_t)(e - p) < sizeof(mid) - 1 + 8 + sizeof(tail) - 1 ||
	    memcmp(p, mid, sizeof(mid) - 1) != 0)
		return -1;
	p += sizeof(mid) - 1;
	uint32_t c = 0;
	for (int i = 0; i < 8; i++) {
		int h = hexval(*p++);
		if (h < 0)
			return -1;
		c = c << 4 | (uint32_t)h;
	}
	if (memcmp(p, tail, sizeof(tail) - 1) != 0)
		return -1;
	*seq = v;
	*crc = c;
	*after = p + sizeof(tail) - 1;
	return 0;
}

int
journal_frame(const char *buf, size_t len, size_t pos, struct jframe *f)
{
	if (pos >= len)
		return 0;
	if (len - pos < 4 || memcmp(buf + pos, "---\n", 4) != 0)
		return -1;
	const char *c = memmem(buf + pos + 3, len - pos - 3, commit_tag,
			       sizeof(commit_tag) - 1);
	if (c == NULL)
		return -1;
	unsigned long long seq;
	uint32_t crc;
	const char *after;
	if (parse_commit(c + sizeof(commit_tag) - 1, buf + len, &seq, &crc,
			 &after) < 0)
		return -1;
	size_t body_end = (size_t)(c - buf) + 1;
	if (journal_crc32(0, buf + pos, body_end - pos) != crc)
		return -1;
	f->start = pos;
	f->body_end = body_end;
	f->end = (size_t)(after - buf);
	f->seq = seq;
	return 1;
}

/* Offset of the last "---\n" line that starts in [lo, hi), or SIZE_MAX. */
static size_t
last_doc_start(const char *buf, size_t lo, size_t hi)
{
	for (size_t p = hi; p-- > lo;) {
		if (buf[p] == '-' && (p == 0 || buf[p - 1] == '\n') &&
		    memcmp(buf + p, "---\n", 4) == 0)
			return p;
	}
	return SIZE_MAX;
}

/*
 * Our writer never puts a "---" line inside a document, so the only
 * candidate start for the document ending at a given commit line is the
 * last "---" line before it: one CRC per commit line keeps this linear.
 */
bool
journal_valid_after(const char *buf, size_t len, size_t pos)
{
	size_t from = pos;
	while (from < len) {
		const char *c = memmem(buf + from, len - from, commit_tag,
				       sizeof(commit_tag) - 1);
		if (c == NULL)
			return false;
		size_t at = (size_t)(c - buf);
		/* a document ends at the first commit line after its start */
		size_t start = last_doc_start(buf, from, at + 1);
		struct jframe f;
		if (start != SIZE_MAX && journal_frame(buf, len, start, &f) == 1)
			return true;
		from = at + 1;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                              */
/* ------------------------------------------------------------------ */

struct jp {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have;
	size_t base;		/* file offset of the document */
	struct arena *arena;	/* where ad names and texts are copied */
	struct error *err;
};

static int
jp_fail(struct jp *jp, const char *what)
{
	size_t at = jp->have ? jp->ev.start_mark.index : jp->parser.problem_mark.index;
	return error_set(jp->err, "byte %zu: %s", jp->base + at, what);
}

static int
jp_next(struct jp *jp)
{
	if (jp->have) {
		yaml_event_delete(&jp->ev);
		jp->have = false;
	}
	if (!yaml_parser_parse(&jp->parser, &jp->ev))
		return jp_fail(jp, jp->parser.problem ? jp->parser.problem
						      : "invalid YAML");
	jp->have = true;
	if (jp->ev.type == YAML_ALIAS_EVENT)
		return jp_fail(jp, "YAML aliases are not allowed");
	return 0;
}

static int
jp_expect(struct jp *jp, yaml_event_type_t type, const char *what)
{
	if (jp_next(jp) < 0)
		return -1;
	if (jp->ev.type != type)
		return jp_fail(jp, what);
	return 0;
}

/*
 * The current scalar, decoded in place: our writer stores bytes >= 0x80 as
 * \xNN escapes, which libyaml hands back as the UTF-8 of U+0080..U+00FF;
 * turn those back into single bytes.  NULL (err set) if the event is not a
 * scalar or holds a NUL.
 */
static const char *
jp_text(struct jp *jp)
{
	if (jp->ev.type != YAML_SCALAR_EVENT) {
		jp_fail(jp, "expected a scalar");
		return NULL;
	}
	unsigned char *s = jp->ev.data.scalar.value;
	size_t n = jp->ev.data.scalar.length, o = 0;
	if (memchr(s, '\0', n) != NULL) {
		jp_fail(jp, "NUL byte in a value");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if ((c & 0xe0) == 0xc0 && i + 1 < n && (s[i + 1] & 0xc0) == 0x80 &&
		    c <= 0xc3) {
			s[o++] = (unsigned char)((c & 0x1f) << 6 | (s[i + 1] & 0x3f));
			i++;
		} else {
			s[o++] = c;
		}
	}
	s[o] = '\0';
	return (const char *)s;
}

static int
jp_int(struct jp *jp, int min, int *out)
{
	const char *t = jp_text(jp);
	if (t == NULL)
		return -1;
	if (!num_is_digits(t) || num_parse_int(t, min, INT_MAX, out) < 0)
		return jp_fail(jp, "expected a number");
	return 0;
}

/*
 * Skips the value whose first event is current.  Depth is capped because
 * libyaml's scanner costs O(depth) per token: stopping early keeps a
 * hostile "[[[[..." from costing O(n^2).
 */
#define JOURNAL_SKIP_DEPTH 32
static int
jp_skip(struct jp *jp)
{
	size_t depth = 0;
	for (;;) {
		switch (jp->ev.type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (++depth > JOURNAL_SKIP_DEPTH)
				return jp_fail(jp, "nested too deeply");
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			break;
		default:
			return jp_fail(jp, "unexpected YAML event");
		}
		if (depth == 0)
			return 0;
		if (jp_next(jp) < 0)
			return -1;
	}
}

/* Current event is a mapping key: copies it into name, or fails. */
static int
jp_name(struct jp *jp, char name[JOURNAL_NAME_MAX + 1])
{
	const char *t = jp_text(jp);
	if (t == NULL)
		return -1;
	if (!journal_name_ok(t))
		return jp_fail(jp, "invalid attribute name");
	size_t n = strlen(t);
	memcpy(name, t, n + 1);
	return 0;
}

/* Current event is MAPPING_START: reads name -> text pairs into a new ad. */
static struct classad *
jp_ad(struct jp *jp)
{
	if (jp->ev.type != YAML_MAPPING_START_EVENT) {
		jp_fail(jp, "expected a mapping");
		return NULL;
	}
	struct classad *ad = classad_new();
	char name[JOURNAL_NAME_MAX + 1];
	for (;;) {
		if (jp_next(jp) < 0)
			goto fail;
		if (jp->ev.type == YAML_MAPPING_END_EVENT)
			return ad;
		if (jp_name(jp, name) < 0 || jp_next(jp) < 0)
			goto fail;
		const char *t = jp_text(jp);
		if (t == NULL)
			goto fail;
		classad_set_text_borrowed(ad, arena_strdup(jp->arena, name),
					  arena_strdup(jp->arena, t));
	}
fail:
	classad_free(ad);
	return NULL;
}

static int
jp_ads(struct jp *jp, struct jop *op)
{
	if (jp->ev.type != YAML_SEQUENCE_START_EVENT)
		return jp_fail(jp, "expected a list of ads");
	size_t alloc = 0;
	for (;;) {
		if (jp_next(jp) < 0)
			return -1;
		if (jp->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		struct classad *ad = jp_ad(jp);
		if (ad == NULL)
			return -1;
		XGROW(op->ads, op->nads + 1, alloc);
		op->ads[op->nads++] = ad;
	}
}

/* attrs: a mapping (set) or a sequence of names (unset). */
static int
jp_attrs(struct jp *jp, struct jop *op)
{
	bool map = jp->ev.type == YAML_MAPPING_START_EVENT;
	yaml_event_type_t end = map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
	if (!map && jp->ev.type != YAML_SEQUENCE_START_EVENT)
		return jp_fail(jp, "expected attributes");
	char name[JOURNAL_NAME_MAX + 1];
	size_t alloc = 0;
	for (;;) {
		if (jp_next(jp) < 0)
			return -1;
		if (jp->ev.type == end)
			break;
		if (jp_name(jp, name) < 0)
			return -1;
		XGROW(op->names, op->nattrs + 1, alloc);
		op->names[op->nattrs++] = xstrdup(name);
		if (!map)
			continue;
		op->texts = xreallocarray(op->texts, alloc, sizeof(*op->texts));
		op->texts[op->nattrs - 1] = NULL;
		if (jp_next(jp) < 0)
			return -1;
		const char *t = jp_text(jp);
		if (t == NULL)
			return -1;
		op->texts[op->nattrs - 1] = xstrdup(t);
	}
	return 0;
}

static void
ad_free(struct classad *ad)
{
	if (ad != NULL)
		classad_free(ad);
}

static void
jop_release(struct jop *op)
{
	ad_free(op->ad);
	for (size_t i = 0; i < op->nads; i++)
		ad_free(op->ads[i]);
	free(op->ads);
	free(op->ids);
	free(op->ranges);
	for (size_t i = 0; i < op->nattrs; i++) {
		free(op->names[i]);
		if (op->texts)
			free(op->texts[i]);
	}
	free(op->names);
	free(op->texts);
	memset(op, 0, sizeof(*op));
}

void
journal_doc_release(struct jdoc *doc)
{
	for (size_t i = 0; i < doc->nops; i++)
		jop_release(&doc->ops[i]);
	free(doc->ops);
	memset(doc, 0, sizeof(*doc));
}

static const struct {
	const char *name;
	enum jop_type type;
} op_names[] = {
	{ "snapshot", JOP_SNAPSHOT }, { "cluster", JOP_CLUSTER },
	{ "next_cluster", JOP_NEXT_CLUSTER }, { "set", JOP_SET },
	{ "unset", JOP_UNSET }, { "remove", JOP_REMOVE },
};

/* Expands op->ranges into op->ids, which must number exactly op->nads. */
static int
expand_ids(struct jop *op)
{
	op->ids = xreallocarray(NULL, op->nads ? op->nads : 1, sizeof(*op->ids));
	size_t k = 0;
	for (size_t r = 0; r < op->nranges; r++) {
		for (long long id = op->ranges[r].lo; id <= op->ranges[r].hi; id++) {
			if (k == op->nads)
				return -1;
			op->ids[k++] = (int)id;
		}
	}
	return k == op->nads ? 0 : -1;
}

/* Checks that the fields an op of its type needs are there. */
static int
jop_check(struct jp *jp, struct jop *op, int type, int id, int next,
	  const char *procs)
{
	if (type < 0)
		return jp_fail(jp, "operation without a known 'op'");
	op->type = (enum jop_type)type;
	bool need_procs = op->type == JOP_CLUSTER || op->type == JOP_SET ||
			  op->type == JOP_UNSET || op->type == JOP_REMOVE;
	if (need_procs) {
		if (procs == NULL || journal_parse_ranges(procs, &op->ranges, &op->nranges) < 0)
			return jp_fail(jp, "missing or invalid 'procs'");
	}
	switch (op->type) {
	case JOP_SNAPSHOT:
		op->next = next;
		return next > 0 ? 0 : jp_fail(jp, "snapshot without 'next_cluster'");
	case JOP_NEXT_CLUSTER:
		op->next = id;
		return id > 0 ? 0 : jp_fail(jp, "next_cluster without 'id'");
	case JOP_CLUSTER:
		op->cluster = id;
		if (id <= 0 || id == INT_MAX || op->ad == NULL || op->nads == 0 || expand_ids(op) < 0)
			return jp_fail(jp, "cluster needs 'id', 'ad', and one ad per proc");
		return 0;
	case JOP_SET:
	case JOP_UNSET:
		if (op->names == NULL || (op->type == JOP_SET) != (op->texts != NULL))
			return jp_fail(jp, "set/unset needs matching 'attrs'");
		/* fall through */
	case JOP_REMOVE:
		if (op->ad != NULL || op->ads != NULL)
			return jp_fail(jp, "unexpected ads");
		break;
	}
	if (op->cluster <= 0 || op->cluster == INT_MAX)
		return jp_fail(jp, "missing or invalid 'cluster'");
	return 0;
}

/* Reads one op mapping's fields; the current event is MAPPING_START. */
static int
jp_op(struct jp *jp, struct jop *op)
{
	int type = -1, id = 0, next = 0, rc = -1;
	char *procs = NULL;
	for (;;) {
		if (jp_next(jp) < 0)
			goto out;
		if (jp->ev.type == YAML_MAPPING_END_EVENT)
			break;
		const char *k = jp_text(jp);
		if (k == NULL)
			goto out;
		char key[16] = "";
		if (strlen(k) < sizeof(key))
			memcpy(key, k, strlen(k) + 1);
		if (jp_next(jp) < 0)
			goto out;
		int r = 0;
		if (strcmp(key, "op") == 0) {
			const char *t = jp_text(jp);
			if (t == NULL)
				goto out;
			for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
				if (strcmp(t, op_names[i].name) == 0)
					type = (int)op_names[i].type;
		} else if (strcmp(key, "id") == 0) {
			r = jp_int(jp, 1, &id);
		} else if (strcmp(key, "cluster") == 0) {
			r = jp_int(jp, 1, &op->cluster);
		} else if (strcmp(key, "next_cluster") == 0) {
			r = jp_int(jp, 1, &next);
		} else if (strcmp(key, "procs") == 0) {
			const char *t = jp_text(jp);
			if (t == NULL || procs != NULL)
				r = -1;
			else
				procs = xstrdup(t);
		} else if (strcmp(key, "ad") == 0 && op->ad == NULL) {
			op->ad = jp_ad(jp);
			r = op->ad ? 0 : -1;
		} else if (strcmp(key, "ads") == 0 && op->ads == NULL) {
			r = jp_ads(jp, op);
		} else if (strcmp(key, "attrs") == 0 && op->names == NULL) {
			r = jp_attrs(jp, op);
		} else {
			r = jp_skip(jp);
		}
		if (r < 0)
			goto out;
	}
	rc = jop_check(jp, op, type, id, next, procs);
out:
	free(procs);
	return rc;
}

static int
jp_ops(struct jp *jp, struct jdoc *doc)
{
	if (jp->ev.type == YAML_SCALAR_EVENT && jp->ev.data.scalar.length == 0)
		return 0;	/* "ops:" with nothing after it */
	if (jp->ev.type != YAML_SEQUENCE_START_EVENT)
		return jp_fail(jp, "'ops' must be a list");
	for (;;) {
		if (jp_next(jp) < 0)
			return -1;
		if (jp->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (jp->ev.type != YAML_MAPPING_START_EVENT)
			return jp_fail(jp, "an operation must be a mapping");
		XGROW(doc->ops, doc->nops + 1, doc->alloc);
		struct jop *op = &doc->ops[doc->nops++];
		memset(op, 0, sizeof(*op));
		if (jp_op(jp, op) < 0)
			return -1;
	}
}

static int
jp_doc(struct jp *jp, struct jdoc *doc, unsigned long long want_seq)
{
	bool have_seq = false;
	if (jp_expect(jp, YAML_STREAM_START_EVENT, "expected a stream") < 0 ||
	    jp_expect(jp, YAML_DOCUMENT_START_EVENT, "expected a document") < 0 ||
	    jp_expect(jp, YAML_MAPPING_START_EVENT, "expected a mapping") < 0)
		return -1;
	for (;;) {
		if (jp_next(jp) < 0)
			return -1;
		if (jp->ev.type == YAML_MAPPING_END_EVENT)
			break;
		const char *k = jp_text(jp);
		if (k == NULL)
			return -1;
		bool is_seq = strcmp(k, "seq") == 0, is_ops = strcmp(k, "ops") == 0;
		if (jp_next(jp) < 0)
			return -1;
		if (is_seq) {
			const char *t = jp_text(jp);
			long long v;
			if (t == NULL)
				return -1;
			if (!num_is_digits(t) || num_parse_ll(t, 0, LLONG_MAX, &v) < 0 ||
			    (unsigned long long)v != want_seq)
				return jp_fail(jp, "'seq' does not match the commit record");
			doc->seq = want_seq;
			have_seq = true;
		} else if (is_ops) {
			if (jp_ops(jp, doc) < 0)
				return -1;
		} else if (jp_skip(jp) < 0) {
			return -1;
		}
	}
	if (!have_seq)
		return jp_fail(jp, "document without 'seq'");
	if (jp_expect(jp, YAML_DOCUMENT_END_EVENT, "expected one document") < 0 ||
	    jp_expect(jp, YAML_STREAM_END_EVENT, "expected one document") < 0)
		return -1;
	return 0;
}

int
journal_parse(const char *buf, const struct jframe *f, struct arena *arena,
	      struct jdoc *doc, struct error *err)
{
	struct jp jp = { .have = false, .base = f->start, .arena = arena, .err = err };
	memset(doc, 0, sizeof(*doc));
	if (!yaml_parser_initialize(&jp.parser))
		return error_set(err, "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&jp.parser, (const unsigned char *)buf + f->start,
				     f->body_end - f->start);
	yaml_parser_set_encoding(&jp.parser, YAML_UTF8_ENCODING);
	int rc = jp_doc(&jp, doc, f->seq);
	if (jp.have)
		yaml_event_delete(&jp.ev);
	yaml_parser_delete(&jp.parser);
	if (rc < 0)
		journal_doc_release(doc);
	return rc;
}

static int
parse_id(const char **sp, int *out)
{
	const char *s = *sp;
	long long v = 0;
	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s++ - '0');
		if (v > INT_MAX)
			return -1;
	}
	*out = (int)v;
	*sp = s;
	return 0;
}

int
journal_parse_ranges(const char *s, struct jrange **out, size_t *n)
{
	struct jrange *r = NULL;
	size_t nr = 0, alloc = 0;
	long long prev = -1;
	for (;;) {
		struct jrange cur;
		if (parse_id(&s, &cur.lo) < 0)
			goto fail;
		cur.hi = cur.lo;
		if (*s == '-') {
			s++;
			if (parse_id(&s, &cur.hi) < 0 || cur.hi < cur.lo)
				goto fail;
		}
		if (cur.lo <= prev)
			goto fail;
		prev = cur.hi;
		XGROW(r, nr + 1, alloc);
		r[nr++] = cur;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			goto fail;
	}
	*out = r;
	*n = nr;
	return 0;
fail:
	free(r);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */

/* Values are quoted so YAML never reinterprets them: single quotes for
 * printable ASCII (readable), double quotes with escapes otherwise. */
static void
put_value(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	bool printable = true;
	for (const unsigned char *q = p; *q; q++)
		if (*q < 0x20 || *q > 0x7e) {
			printable = false;
			break;
		}
	if (printable) {
		strbuf_addc(sb, '\'');
		for (const char *q = s; *q; q++) {
			const char *e = strchr(q, '\'');
			if (e == NULL) {
				strbuf_adds(sb, q);
				break;
			}
			strbuf_add(sb, q, (size_t)(e - q));
			strbuf_add(sb, "''", 2);
			q = e;
		}
		strbuf_addc(sb, '\'');
		return;
	}
	strbuf_addc(sb, '"');
	for (; *p; p++) {
		if (*p == '"' || *p == '\\') {
			strbuf_addc(sb, '\\');
			strbuf_addc(sb, (char)*p);
		} else if (*p >= 0x20 && *p <= 0x7e) {
			strbuf_addc(sb, (char)*p);
		} else {
			strbuf_addf(sb, "\\x%02x", *p);
		}
	}
	strbuf_addc(sb, '"');
}

/* Names reaching the writer have passed journal_name_ok (the queue checks
 * them on the way in), so they are plain YAML scalars. */
static void
put_ad_flow(struct strbuf *sb, const struct classad *ad)
{
	size_t n = classad_size(ad);
	strbuf_addc(sb, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_add(sb, ", ", 2);
		strbuf_adds(sb, classad_name_at(ad, i));
		strbuf_add(sb, ": ", 2);
		put_value(sb, classad_text_at(ad, i));
	}
	strbuf_addc(sb, '}');
}

size_t
journal_begin(struct strbuf *sb, unsigned long long seq)
{
	size_t start = sb->len;
	strbuf_addf(sb, "---\nseq: %llu\nops:\n", seq);
	return start;
}

void
journal_end(struct strbuf *sb, size_t start, unsigned long long seq)
{
	uint32_t crc = journal_crc32(0, sb->buf + start, sb->len - start);
	strbuf_addf(sb, "commit: {seq: %llu, crc: %08x}\n...\n", seq, (unsigned)crc);
}

void
journal_add_ranges(struct strbuf *sb, const int *ids, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && ids[j + 1] == ids[j] + 1)
			j++;
		if (i)
			strbuf_addc(sb, ',');
		if (j == i)
			strbuf_addf(sb, "%d", ids[i]);
		else
			strbuf_addf(sb, "%d-%d", ids[i], ids[j]);
		i = j + 1;
	}
}

void
journal_op_cluster(struct strbuf *sb, int id, const struct classad *ad,
		   const char *procs)
{
	strbuf_addf(sb, "- op: cluster\n  id: %d\n  ad:", id);
	size_t n = classad_size(ad);
	if (n == 0)
		strbuf_adds(sb, " {}");
	for (size_t i = 0; i < n; i++) {
		strbuf_adds(sb, "\n    ");
		strbuf_adds(sb, classad_name_at(ad, i));
		strbuf_add(sb, ": ", 2);
		put_value(sb, classad_text_at(ad, i));
	}
	strbuf_addf(sb, "\n  procs: '%s'\n  ads:\n", procs);
}

void
journal_op_proc(struct strbuf *sb, const struct classad *ad)
{
	strbuf_add(sb, "  - ", 4);
	put_ad_flow(sb, ad);
	strbuf_addc(sb, '\n');
}

void
journal_op_attrs(struct strbuf *sb, bool set, int cluster, const char *procs,
		 const char *const *names, const char *const *texts, size_t n)
{
	strbuf_addf(sb, "- {op: %s, cluster: %d, procs: '%s', attrs: %c",
		    set ? "set" : "unset", cluster, procs, set ? '{' : '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_add(sb, ", ", 2);
		strbuf_adds(sb, names[i]);
		if (set) {
			strbuf_add(sb, ": ", 2);
			put_value(sb, texts[i]);
		}
	}
	strbuf_adds(sb, set ? "}}\n" : "]}\n");
}

void
journal_op_remove(struct strbuf *sb, int cluster, const char *procs)
{
	strbuf_addf(sb, "- {op: remove, cluster: %d, procs: '%s'}\n", cluster, procs);
}

void
journal_op_next(struct strbuf *sb, bool snapshot, int next)
{
	if (snapshot)
		strbuf_addf(sb, "- {op: snapshot, next_cluster: %d}\n", next);
	else
		strbuf_addf(sb, "- {op: next_cluster, id: %d}\n", next);
}
