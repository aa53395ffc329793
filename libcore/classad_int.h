/*
 * classad_int.h - the ClassAd module's private structures, shared by
 * classad.c (values, printing), classad_lex.c, classad_parse.c,
 * classad_eval.c, classad_func.c and classad_ad.c.  Nothing outside
 * libcore/classad*.c may include this file.
 */
#ifndef CONDORLET_CLASSAD_INT_H
#define CONDORLET_CLASSAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classad.h"

struct strbuf;

/* ------------------------------------------------------------------ */
/* Expression trees                                                    */
/* ------------------------------------------------------------------ */

enum cnode_kind {
	CN_LIT,		/* a literal value */
	CN_ATTR,	/* an unscoped attribute reference: Name */
	CN_SELECT,	/* base.Name, with MY./TARGET. recognised at parse time */
	CN_OP,		/* unary, binary and ternary operators, parentheses */
	CN_CALL,	/* fn(args) */
	CN_LIST,	/* { a,b } */
};

enum cop {
	/* unary */
	COP_NEG, COP_POS, COP_NOT, COP_BNOT, COP_PAREN,
	/* binary */
	COP_MUL, COP_DIV, COP_MOD, COP_ADD, COP_SUB,
	COP_SHL, COP_SHR, COP_USHR,
	COP_LT, COP_LE, COP_GT, COP_GE,
	COP_EQ, COP_NE, COP_META_EQ, COP_META_NE,
	COP_BAND, COP_BXOR, COP_BOR, COP_AND, COP_OR,
	COP_SUBSCRIPT,	/* a[b] */
	COP_ELVIS,	/* a ?: b */
	/* ternary */
	COP_COND,	/* a ? b : c */
};

enum cscope { CSCOPE_NONE, CSCOPE_MY, CSCOPE_TARGET };

/*
 * One node.  Children are owned.  depth is the height of the subtree (a
 * leaf is 1); the parser refuses trees higher than CEXPR_MAX_DEPTH, so
 * every recursive walk over a tree is bounded.
 */
struct cexpr {
	unsigned char kind;	/* enum cnode_kind */
	unsigned char op;	/* enum cop, for CN_OP */
	unsigned char factor;	/* CN_LIT: 0 or one of B K M G T */
	unsigned char scope;	/* CN_SELECT: enum cscope */
	unsigned short depth;
	union {
		struct cval lit;
		struct {
			char *name;
			uint32_t hash;
		} attr;
		struct {
			struct cexpr *base;
			char *name;
			uint32_t hash;
		} sel;
		struct {
			struct cexpr *a, *b, *c;
		} op;
		struct {
			char *name;	/* as written */
			int fn;		/* index into the function table, -1 if unknown */
			struct cexpr **args;
			size_t n;
		} call;
		struct {
			struct cexpr **items;
			size_t n;
		} list;
	} u;
};

struct cexpr *cexpr_new_node(enum cnode_kind kind);
/* A deep copy of e. */
struct cexpr *cexpr_clone(const struct cexpr *e);
/* Recomputes e->depth from its children. */
void cexpr_fix_depth(struct cexpr *e);

/* Case-insensitive hash of an attribute name (ASCII folding). */
uint32_t classad_hash_name(const char *name);

/* ------------------------------------------------------------------ */
/* Lexer                                                               */
/* ------------------------------------------------------------------ */

enum ctok {
	CT_EOF, CT_BAD,
	CT_INT, CT_REAL, CT_STRING, CT_TRUE, CT_FALSE, CT_UNDEF, CT_ERROR,
	CT_IDENT,
	CT_DOT, CT_LPAREN, CT_RPAREN, CT_LBRACE, CT_RBRACE, CT_LBRACK,
	CT_RBRACK, CT_COMMA, CT_QMARK, CT_COLON,
	CT_PLUS, CT_MINUS, CT_STAR, CT_SLASH, CT_PERCENT,
	CT_NOT, CT_TILDE,
	CT_LT, CT_LE, CT_GT, CT_GE, CT_EQ, CT_NE, CT_META_EQ, CT_META_NE,
	CT_AND, CT_OR, CT_BAND, CT_BOR, CT_BXOR, CT_SHL, CT_SHR, CT_USHR,
};

struct ctoken {
	enum ctok type;
	size_t off;		/* where the token starts in the text */
	size_t len;		/* its length in the text */
	long long i;		/* CT_INT */
	double r;		/* CT_REAL */
	char factor;		/* CT_INT/CT_REAL: 0 or B K M G T */
	char *s;		/* CT_STRING: the decoded value, owned by the lexer */
};

struct clexer {
	const char *text;
	size_t pos;
	struct ctoken tok;	/* the current (peeked) token */
	bool have;		/* tok holds a token not yet consumed */
};

void clex_init(struct clexer *lx, const char *text);
void clex_release(struct clexer *lx);
/* The next token, without consuming it. */
const struct ctoken *clex_peek(struct clexer *lx);
/* Consumes the peeked token; a CT_STRING's s passes to the caller. */
void clex_next(struct clexer *lx);
/* Takes ownership of the current CT_STRING's value. */
char *clex_take_string(struct clexer *lx);

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

/* Strings and lists longer than these evaluate to ERROR, so a hostile ad
 * cannot make evaluation allocate without bound. */
#define CVAL_MAX_STRING ((size_t)1 << 26)
#define CVAL_MAX_WEIGHT ((size_t)1 << 20)

/* Takes ownership of s (len bytes); ERROR if the string is too long. */
void cval_take_string(struct cval *v, char *s, size_t len);
/* Nodes in a value, counting list items recursively. */
size_t cval_weight(const struct cval *v);
/* Converts a value to a string the way string() and strcat() do (reals in
 * full precision exponent form, lists unparsed).  Returns false for
 * UNDEFINED or ERROR, with *out holding that value. */
bool cval_to_string(const struct cval *v, struct cval *out);
/* Bool-equivalence for && || ! ?: and ifThenElse: booleans and numbers. */
bool cval_bool_equiv(const struct cval *v, bool *b);
/* Reads a numeric string as int() and real() do: strtod, then an optional
 * B/K/M/G/T scale right after the number; false if it is not a number. */
bool cval_parse_number(const char *s, double *num, double *scale);

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */
/* ------------------------------------------------------------------ */

struct cattr;

/* State shared by one top-level evaluation. */
struct cframe {
	const struct cattr *attr;
	const struct classad *my;
	const struct cframe *up;
};

struct cstate {
	unsigned depth;
	unsigned long steps;
	const struct cframe *frames;
};

struct cctx {
	const struct classad *my;
	const struct classad *target;
	struct cstate *st;
};

/* Limits of one top-level evaluation: nesting of node evaluations (across
 * attribute references) and the total number of nodes evaluated. */
#define CEVAL_MAX_DEPTH 1000u
#define CEVAL_MAX_STEPS 4000000ul

void ceval(const struct cctx *cx, const struct cexpr *e, struct cval *out);
/* Evaluates attribute name in cx->my's chain (scope MY) or cx->target's
 * chain (scope TARGET) or both in turn (NONE). */
void ceval_attr(const struct cctx *cx, enum cscope scope, const char *name,
		uint32_t hash, struct cval *out);
/* The comparison operators, also used by member() and the list functions. */
void ceval_compare(enum cop op, const struct cval *a, const struct cval *b,
		   struct cval *out);
void ceval_arith(enum cop op, const struct cval *a, const struct cval *b,
		 struct cval *out);

/* ------------------------------------------------------------------ */
/* Functions                                                           */
/* ------------------------------------------------------------------ */

/* Index of a built-in function by name (case-insensitive), or -1. */
int cfunc_lookup(const char *name, size_t len);
void cfunc_call(const struct cctx *cx, const struct cexpr *call,
		struct cval *out);

/*
 * A built-in: args are the unevaluated arguments (n of them, already
 * checked against the table's bounds); mode tells functions that share an
 * implementation apart (toUpper/toLower ...).
 */
typedef void cfunc_fn(const struct cctx *cx, struct cexpr *const *args,
		      size_t n, int mode, struct cval *out);

/* The string, string-list and regular-expression built-ins
 * (classad_func_str.c). */
cfunc_fn cfn_strcat, cfn_join, cfn_substr, cfn_case, cfn_strcmp, cfn_split,
	cfn_split_at, cfn_sl_size, cfn_sl_summary, cfn_sl_member,
	cfn_sl_intersect, cfn_sl_regexp_member, cfn_regexp, cfn_regexps,
	cfn_regexp_member;

/* Evaluates every argument into vals (n of them). */
void cfunc_eval_args(const struct cctx *cx, struct cexpr *const *args,
		     size_t n, struct cval *vals);
void cfunc_release_args(struct cval *vals, size_t n);

/* ------------------------------------------------------------------ */
/* Ads                                                                 */
/* ------------------------------------------------------------------ */

struct cattr {
	char *name;
	char *text;		/* canonical text, or trusted text not yet parsed */
	struct cexpr *expr;	/* parsed lazily; NULL until first needed */
	uint32_t hash;
	unsigned char borrowed;	/* CATTR_BORROWED_*: not ours to free */
};

#define CATTR_BORROWED_NAME 1u
#define CATTR_BORROWED_TEXT 2u

/* Finds name in ad or its parents; NULL if absent. */
const struct cattr *classad_find(const struct classad *ad, const char *name,
				 uint32_t hash);
/* The attribute's parsed expression (parsing trusted text on first use;
 * text that does not parse becomes the literal ERROR). */
const struct cexpr *cattr_expr(const struct cattr *a);

#endif
