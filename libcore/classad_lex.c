/*
 * classad_lex.c - tokens of the old (unquoted-name) ClassAd syntax.
 *
 * Deliberate choices, all HTCondor's own for old-syntax ads:
 *  - integers are decimal only ("010" is ten, "0x10" does not parse);
 *    a value too large for 64 bits saturates, as strtoll does;
 *  - a number may carry a scale factor B K M G T right after it (2K is
 *    2048.0), printed back as written;
 *  - in a string literal the backslash is special only before a double
 *    quote: \" is a quote, every other backslash is kept as is, so
 *    "C:\dir" needs no doubling.  A backslash-quote at the very end of
 *    the text (or before a newline) ends the string instead, so a value
 *    that ends in a backslash can still be written.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "classad_int.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

void
clex_init(struct clexer *lx, const char *text)
{
	memset(lx, 0, sizeof(*lx));
	lx->text = text;
}

void
clex_release(struct clexer *lx)
{
	if (lx->have && lx->tok.type == CT_STRING)
		free(lx->tok.s);
	lx->tok.s = NULL;
	lx->have = false;
}

static bool
is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool
is_ident_char(int c)
{
	return isalnum(c) || c == '_';
}

/* True if nothing but whitespace follows position p. */
static bool
rest_is_blank(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return *p == '\0';
}

static void
lex_string(struct clexer *lx, struct ctoken *t)
{
	const char *text = lx->text;
	size_t p = lx->pos + 1;
	struct strbuf sb = STRBUF_INIT;
	char prev = 0;

	for (;;) {
		char c = text[p];
		if (c == '\0') {
			strbuf_release(&sb);
			t->type = CT_BAD;
			return;
		}
		if (c != '"') {
			strbuf_addc(&sb, c);
			prev = c;
			p++;
			continue;
		}
		if (prev != '\\')
			break;
		/* backslash-quote: the end of a string ending in a backslash
		 * if nothing but a newline or the end follows ... */
		if (text[p + 1] == '\n' || rest_is_blank(text + p + 1))
			break;
		/* ... else a literal quote replacing the backslash. */
		sb.buf[sb.len - 1] = '"';
		prev = 0;
		p++;
	}
	t->type = CT_STRING;
	t->s = strbuf_detach(&sb, NULL);
	lx->pos = p + 1;
}

static char
lex_factor(struct clexer *lx)
{
	char c = (char)toupper((unsigned char)lx->text[lx->pos]);
	if (c == 'B' || c == 'K' || c == 'M' || c == 'G' || c == 'T') {
		lx->pos++;
		return c;
	}
	return 0;
}

static void
lex_number(struct clexer *lx, struct ctoken *t)
{
	const char *text = lx->text;
	size_t p = lx->pos;
	bool real = false;

	while (isdigit((unsigned char)text[p]))
		p++;
	if (text[p] == '.') {
		p++;
		if (!isdigit((unsigned char)text[p])) {
			t->type = CT_BAD;	/* "1." is not a number */
			return;
		}
		while (isdigit((unsigned char)text[p]))
			p++;
		real = true;
	}
	if (text[p] == 'e' || text[p] == 'E') {
		size_t q = p + 1;
		if (text[q] == '+' || text[q] == '-')
			q++;
		if (!isdigit((unsigned char)text[q])) {
			t->type = CT_BAD;
			return;
		}
		while (isdigit((unsigned char)text[q]))
			q++;
		p = q;
		real = true;
	}
	char *num = xstrndup(text + lx->pos, p - lx->pos);
	if (real) {
		t->type = CT_REAL;
		t->r = strtod(num, NULL);
	} else {
		t->type = CT_INT;
		t->i = strtoll(num, NULL, 10);	/* saturates like HTCondor */
	}
	free(num);
	lx->pos = p;
	t->factor = lex_factor(lx);
}

static void
lex_word(struct clexer *lx, struct ctoken *t)
{
	static const struct {
		const char *word;
		enum ctok type;
	} keywords[] = {
		{ "true", CT_TRUE }, { "false", CT_FALSE },
		{ "undefined", CT_UNDEF }, { "error", CT_ERROR },
		{ "is", CT_META_EQ }, { "isnt", CT_META_NE },
	};
	const char *s = lx->text + lx->pos;
	size_t n = 0;
	while (is_ident_char((unsigned char)s[n]))
		n++;
	lx->pos += n;
	t->type = CT_IDENT;
	for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
		if (strlen(keywords[k].word) == n &&
		    strncasecmp(keywords[k].word, s, n) == 0)
			t->type = keywords[k].type;
	}
}

/* Operators: the longest spelling first. */
static const struct {
	const char *spelling;
	enum ctok type;
} operators[] = {
	{ ">>>", CT_USHR }, { "=?=", CT_META_EQ }, { "=!=", CT_META_NE },
	{ "<<", CT_SHL }, { ">>", CT_SHR }, { "<=", CT_LE }, { ">=", CT_GE },
	{ "==", CT_EQ }, { "!=", CT_NE }, { "&&", CT_AND }, { "||", CT_OR },
	{ "<", CT_LT }, { ">", CT_GT }, { "!", CT_NOT }, { "~", CT_TILDE },
	{ "&", CT_BAND }, { "|", CT_BOR }, { "^", CT_BXOR },
	{ "+", CT_PLUS }, { "-", CT_MINUS }, { "*", CT_STAR }, { "/", CT_SLASH },
	{ "%", CT_PERCENT }, { "(", CT_LPAREN }, { ")", CT_RPAREN },
	{ "{", CT_LBRACE }, { "}", CT_RBRACE }, { "[", CT_LBRACK },
	{ "]", CT_RBRACK }, { ",", CT_COMMA }, { "?", CT_QMARK },
	{ ":", CT_COLON }, { ".", CT_DOT },
};

static void
lex_operator(struct clexer *lx, struct ctoken *t)
{
	const char *s = lx->text + lx->pos;
	for (size_t k = 0; k < sizeof(operators) / sizeof(operators[0]); k++) {
		size_t n = strlen(operators[k].spelling);
		if (strncmp(s, operators[k].spelling, n) == 0) {
			t->type = operators[k].type;
			lx->pos += n;
			return;
		}
	}
	t->type = CT_BAD;
}

static void
lex_one(struct clexer *lx, struct ctoken *t)
{
	const char *text = lx->text;
	while (isspace((unsigned char)text[lx->pos]))
		lx->pos++;
	memset(t, 0, sizeof(*t));
	t->off = lx->pos;
	unsigned char c = (unsigned char)text[lx->pos];
	if (c == '\0')
		t->type = CT_EOF;
	else if (c == '"')
		lex_string(lx, t);
	else if (isdigit(c) || (c == '.' && isdigit((unsigned char)text[lx->pos + 1])))
		lex_number(lx, t);
	else if (is_ident_start(c))
		lex_word(lx, t);
	else
		lex_operator(lx, t);
	t->len = lx->pos - t->off;
}

const struct ctoken *
clex_peek(struct clexer *lx)
{
	if (!lx->have) {
		lex_one(lx, &lx->tok);
		lx->have = true;
	}
	return &lx->tok;
}

void
clex_next(struct clexer *lx)
{
	clex_peek(lx);
	if (lx->tok.type == CT_STRING)
		free(lx->tok.s);
	lx->tok.s = NULL;
	/* a bad token never advances, so the parser stops at it */
	if (lx->tok.type != CT_BAD)
		lx->have = false;
}

char *
clex_take_string(struct clexer *lx)
{
	char *s = lx->tok.s;
	lx->tok.s = NULL;
	lx->tok.type = CT_EOF;	/* nothing left to free */
	lx->have = false;
	return s;
}
