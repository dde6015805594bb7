/* SPDX-License-Identifier: ISC */
/*
 * conf: configuration directory → desired model.  See conf.h.
 *
 * Three stages, each simple on its own:
 *
 *  1. bytes: size cap, NUL bytes and UTF-8 are checked before libyaml sees
 *     anything, so those errors carry an exact line:col too;
 *  2. tree: libyaml's event API builds a small tree (struct ynode) that keeps
 *     the start mark of every node and resolves plain scalars with the YAML
 *     1.2 core schema.  Aliases, tags other than !!str, several documents,
 *     too deep or too many nodes are reported here;
 *  3. model: a walk over the tree checks keys (unknown with a suggestion,
 *     duplicate, missing), types and values (validate.h) and fills the model.
 *     Nothing stops the walk but the end of the tree, so every problem of a
 *     file is reported; problems across files (duplicate names, shared load
 *     balancers) come last.
 *
 * A loader context carries the diagnostics and the config being built; the
 * caller only gets the config when the load produced no diagnostic at all.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <yaml.h>

#include "buf.h"
#include "awsconf.h"
#include "conf.h"
#include "escape.h"
#include "log.h"
#include "pem.h"
#include "validate.h"
#include "ynode.h"

#define LIST_MAX          1000 /* entries in any list of a service */
#define NOTIFICATIONS_MAX 100  /* connection notifications of one service */
#define USER_TAGS_MAX     48   /* 50 per resource, minus vpcesd:owner and vpcesd:name */

/* --- diagnostics ---------------------------------------------------------- */

size_t
conf_diags_count(const struct conf_diags *d)
{
	return d->lines.n + d->dropped + (d->oom ? 1 : 0);
}

void
conf_diags_free(struct conf_diags *d)
{
	if (d == NULL)
		return;
	strv_free(&d->lines);
	d->dropped = 0;
	d->oom = false;
}

/* --- loader context --------------------------------------------------------- */

/*
 * One load balancer ARN of a spec, where it was written: the check that no
 * two specs share a load balancer (check_shared_lbs) needs the ARN's own
 * position, which the model does not keep.  `arn` points into the spec's
 * strv (stable until the config is freed), `svc` indexes cfg->services.
 */
struct lb_ref {
	const char *arn;
	size_t svc;
	unsigned line, col;
};

/* A formatted diagnostic waiting to be sorted into file order. */
struct pending {
	unsigned line, col; /* 0, 0 for a whole-file diagnostic */
	size_t seq;         /* emission order, the tie-breaker */
	char *text;
};

struct loader {
	const struct conf_env *env;
	struct conf_diags *diags;
	size_t errors; /* diagnostics of this load */
	struct vpcesd_config *cfg;
	const char *path; /* file being read */
	size_t nodes;     /* nodes of the file being read */
	size_t services_seen;
	size_t services_cap; /* allocated entries of cfg->services */
	struct lb_ref *lbs;  /* every load balancer ARN, in load order */
	size_t n_lbs, cap_lbs;
	struct pending *pending; /* diagnostics of the current file, unsorted */
	size_t n_pending, cap_pending;
	size_t seq;
	bool oom;
	/* What vpcesd.yaml said of the AWS settings awsconf.h also finds elsewhere. */
	bool yaml_region, yaml_max_attempts;
	enum awsconf_retry_mode yaml_retry_mode;
	/*
	 * Peeked before credentials: are loaded; a copy, since the tree it comes
	 * from is freed before loader_end() resolves the AWS settings with it.
	 */
	char *yaml_profile;
};

/*
 * Diagnostics are produced in walk order (keys in a fixed order, checks
 * across a mapping after its entries), but read best in file order: they
 * wait in l->pending and are sorted by position when a file is done.
 */
static void
vdiag(struct loader *l, const char *path, unsigned line, unsigned col, const char *fmt, va_list ap)
{
	struct buf b;
	char msg[1024];
	char *text;

	l->errors++;
	if (l->diags->lines.n + l->n_pending >= CONF_DIAGS_MAX) {
		l->diags->dropped++;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/*
	 * Keys, values and file names are quoted from a possibly hostile file:
	 * escaped, so that the line shows what is there without acting on the
	 * terminal or the log (escape.h).
	 */
	buf_init(&b, 4 * (sizeof(msg) + PATH_MAX) + 64);
	escape_append(&b, path, strlen(path));
	if (line > 0)
		buf_printf(&b, ":%u:%u", line, col);
	buf_puts(&b, ": ");
	escape_append(&b, msg, strlen(msg));
	text = buf_steal(&b);
	if (text != NULL && l->n_pending == l->cap_pending) {
		size_t cap = l->cap_pending ? l->cap_pending * 2 : 16;
		struct pending *v = realloc(l->pending, cap * sizeof(*v));

		if (v == NULL) {
			free(text);
			text = NULL;
		} else {
			l->pending = v;
			l->cap_pending = cap;
		}
	}
	if (text == NULL) {
		l->diags->oom = true;
		return;
	}
	l->pending[l->n_pending++] = (struct pending){line, col, l->seq++, text};
}

static int
pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Move the pending diagnostics, sorted by position, to the caller's list. */
static void
flush_diags(struct loader *l)
{
	if (l->n_pending > 1)
		qsort(l->pending, l->n_pending, sizeof(*l->pending), pending_cmp);
	for (size_t i = 0; i < l->n_pending; i++)
		if (strv_push_take(&l->diags->lines, l->pending[i].text) < 0)
			l->diags->oom = true;
	l->n_pending = 0;
}

/* A diagnostic at a node of the current file. */
static void __attribute__((format(printf, 3, 4)))
diag(struct loader *l, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(l, l->path, n->line, n->col, fmt, ap);
	va_end(ap);
}

/* A diagnostic about a whole file (or the environment): "path: message". */
static void __attribute__((format(printf, 3, 4)))
diag_file(struct loader *l, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(l, path, 0, 0, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 5, 6)))
diag_at(struct loader *l, const char *path, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(l, path, line, col, fmt, ap);
	va_end(ap);
}

/* Report an allocation failure once and remember it (the load then fails with -ENOMEM). */
static void
oom(struct loader *l)
{
	if (!l->oom)
		diag_file(l, l->path ? l->path : "vpcesd", "out of memory");
	l->oom = true;
}

/* --- stage 1: bytes ----------------------------------------------------------- */

/*
 * Refuse NUL bytes and invalid UTF-8 (overlong forms, surrogates, > U+10FFFF)
 * with the position of the offending byte; columns count characters.
 */
static bool
check_bytes(struct loader *l, const unsigned char *p, size_t len)
{
	unsigned line = 1, col = 1;

	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t need;
		uint32_t cp;

		if (c == '\0') {
			diag_at(l, l->path, line, col, "NUL byte in file");
			return false;
		}
		if (c < 0x80) {
			i++;
			if (c == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			goto bad;
		}
		for (size_t k = 1; k <= need; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += need + 1;
		col++;
		continue;
	bad:
		diag_at(l, l->path, line, col, "invalid UTF-8 byte 0x%02x (files must be UTF-8)",
			c);
		return false;
	}
	return true;
}

/* --- stage 2: tree -------------------------------------------------------------- */

static const char *
event_tag(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return (const char *)ev->data.scalar.tag;
	case YAML_SEQUENCE_START_EVENT:
		return (const char *)ev->data.sequence_start.tag;
	case YAML_MAPPING_START_EVENT:
		return (const char *)ev->data.mapping_start.tag;
	default:
		return NULL;
	}
}

/* The node an event starts, or NULL after reporting why it cannot be one. */
static struct ynode *
node_from_event(struct loader *l, const yaml_event_t *ev)
{
	const char *tag = event_tag(ev);
	struct ynode *n;
	unsigned line = (unsigned)ev->start_mark.line + 1,
		 col = (unsigned)ev->start_mark.column + 1;
	bool str_tag = tag != NULL && strcmp(tag, YAML_STR_TAG) == 0;

	if (tag != NULL && !(str_tag && ev->type == YAML_SCALAR_EVENT)) {
		diag_at(l, l->path, line, col, "YAML tag '%s' is not supported (only !!str)", tag);
		/* Keep going with the node untagged: more errors may follow. */
		str_tag = false;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->line = line;
	n->col = col;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n->kind = Y_SCALAR;
		n->text = malloc(ev->data.scalar.length + 1);
		if (n->text == NULL) {
			free(n);
			return NULL;
		}
		memcpy(n->text, ev->data.scalar.value, ev->data.scalar.length);
		n->text[ev->data.scalar.length] = '\0';
		if (strlen(n->text) != ev->data.scalar.length) {
			/* A "\0" escape in a double-quoted string. */
			diag_at(l, l->path, line, col, "NUL character in a string");
			n->kind = Y_INVALID;
		}
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !str_tag;
		n->stype = n->plain ? ynode_resolve_plain(n->text) : YS_STR;
		break;
	case YAML_SEQUENCE_START_EVENT:
		n->kind = Y_SEQ;
		break;
	default:
		n->kind = Y_MAP;
		break;
	}
	return n;
}

/*
 * Line and column (1-based, columns in characters like libyaml's marks) of
 * byte `offset` in valid UTF-8 `data`.
 */
static void
position_at(const unsigned char *data, size_t len, size_t offset, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < offset && i < len; i++) {
		if (data[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if ((data[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/*
 * Parse one file into a tree.  Returns 0 with *ret_root set (NULL for a file
 * with no document), or -EINVAL / -ENOMEM after reporting.
 */
static int
parse_tree(struct loader *l, const unsigned char *data, size_t len, struct ynode **ret_root)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct ynode *stack[CONF_DEPTH_MAX + 1];
	struct ynode *root = NULL;
	size_t depth = 0, docs = 0;
	int r = 0;
	bool done = false;

	if (!check_bytes(l, data, len))
		return -EINVAL;
	if (!yaml_parser_initialize(&parser)) {
		oom(l);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, data, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	l->nodes = 0;
	while (!done) {
		struct ynode *n = NULL;
		unsigned line, col;

		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				oom(l);
				r = -ENOMEM;
			} else if (parser.error == YAML_READER_ERROR) {
				/* The reader reports a byte offset, not a mark. */
				position_at(data, len, parser.problem_offset, &line, &col);
				if (parser.problem_value >= 0)
					diag_at(l, l->path, line, col,
						"YAML syntax error: %s (U+%04X)",
						parser.problem ? parser.problem : "unknown problem",
						(unsigned)parser.problem_value);
				else
					diag_at(l, l->path, line, col, "YAML syntax error: %s",
						parser.problem ? parser.problem
							       : "unknown problem");
				r = -EINVAL;
			} else {
				diag_at(l, l->path, (unsigned)parser.problem_mark.line + 1,
					(unsigned)parser.problem_mark.column + 1,
					"YAML syntax error: %s%s%s",
					parser.problem ? parser.problem : "unknown problem",
					parser.context ? " " : "",
					parser.context ? parser.context : "");
				r = -EINVAL;
			}
			break;
		}
		line = (unsigned)ev.start_mark.line + 1;
		col = (unsigned)ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				diag_at(l, l->path, line, col,
					"a file may hold only one YAML document");
				r = -EINVAL;
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			diag_at(l, l->path, line, col,
				"YAML aliases are not supported (write the value out in full)");
			n = calloc(1, sizeof(*n));
			if (n == NULL)
				goto nomem;
			n->kind = Y_INVALID;
			n->line = line;
			n->col = col;
			goto attach;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++l->nodes > CONF_NODES_MAX) {
				diag_at(l, l->path, line, col,
					"more than %d YAML nodes in one file", CONF_NODES_MAX);
				r = -EINVAL;
				done = true;
				break;
			}
			if (ev.type != YAML_SCALAR_EVENT && depth == CONF_DEPTH_MAX) {
				diag_at(l, l->path, line, col, "YAML nested deeper than %d levels",
					CONF_DEPTH_MAX);
				r = -EINVAL;
				done = true;
				break;
			}
			n = node_from_event(l, &ev);
			if (n == NULL)
				goto nomem;
		attach:
			if (depth > 0) {
				if (ynode_add(stack[depth - 1], n) < 0) {
					ynode_free(n);
					goto nomem;
				}
			} else {
				root = n;
			}
			if (ev.type == YAML_SEQUENCE_START_EVENT ||
			    ev.type == YAML_MAPPING_START_EVENT)
				stack[depth++] = n;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		continue;
	nomem:
		yaml_event_delete(&ev);
		oom(l);
		r = -ENOMEM;
		break;
	}
	yaml_parser_delete(&parser);
	if (r < 0) {
		ynode_free(root);
		return r;
	}
	/*
	 * Tag, alias and NUL-escape problems (already reported) leave a
	 * complete tree: hand it on so the model walk reports the rest of the
	 * file's problems too.  The load fails anyway.
	 */
	*ret_root = root;
	return 0;
}

/* --- stage 3: model --------------------------------------------------------------- */

static const char *
kind_name(const struct ynode *n)
{
	switch (n->kind) {
	case Y_SEQ:
		return "a list";
	case Y_MAP:
		return "a mapping";
	case Y_INVALID:
		return "an alias";
	case Y_SCALAR:
		break;
	}
	switch (n->stype) {
	case YS_NULL:
		return "null";
	case YS_BOOL:
		return "a boolean";
	case YS_INT:
		return "an integer";
	case YS_FLOAT:
		return "a number";
	case YS_STR:
		break;
	}
	return "a string";
}

/* Mapping access: kids alternate key, value. */
static bool
want_kind(struct loader *l, const struct ynode *n, enum ynode_kind kind, const char *what)
{
	if (n->kind == Y_INVALID)
		return false;
	if (n->kind == kind)
		return true;
	diag(l, n, "%s: expected %s, got %s", what, kind == Y_MAP ? "a mapping" : "a list",
	     kind_name(n));
	return false;
}

struct key_index {
	const struct ynode *key;
	size_t pos;
};

static int
key_index_cmp(const void *a, const void *b)
{
	const struct key_index *x = a, *y = b;
	int c = strcmp(x->key->text, y->key->text);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Check a mapping's keys: each a string scalar, known (when `known` is not
 * NULL; otherwise any non-null scalar), not repeated.  Unknown and repeated keys are
 * reported and their values blanked (set to NULL in `ok[]`, so lookups skip
 * them).  Returns false on allocation failure only.
 */
static bool
check_keys(struct loader *l, const struct ynode *map, const char *const *known, const char *ctx,
	   bool *skip)
{
	size_t n = MAP_PAIRS(map), m = 0;
	struct key_index *idx;

	if (n == 0)
		return true;
	idx = malloc(n * sizeof(*idx));
	if (idx == NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *k = MAP_KEY(map, i);

		skip[i] = true;
		if (k->kind == Y_INVALID)
			continue;
		/* Free-form maps (tags) take any non-null scalar as a key: `2024: x`. */
		if (k->kind != Y_SCALAR || k->stype == YS_NULL ||
		    (k->stype != YS_STR && known != NULL)) {
			diag(l, k, "%s: keys must be strings, got %s", ctx, kind_name(k));
			continue;
		}
		if (known != NULL && !ynode_text_in(k->text, known)) {
			const char *hint = validate_suggest(k->text, known);

			if (hint)
				diag(l, k, "unknown key '%s' in %s (did you mean '%s'?)", k->text,
				     ctx, hint);
			else
				diag(l, k, "unknown key '%s' in %s", k->text, ctx);
			continue;
		}
		skip[i] = false;
		idx[m].key = k;
		idx[m].pos = i;
		m++;
	}
	qsort(idx, m, sizeof(*idx), key_index_cmp);
	for (size_t i = 1; i < m; i++) {
		const struct key_index *first = &idx[i - 1];

		if (strcmp(idx[i].key->text, first->key->text) != 0)
			continue;
		while (first > idx && strcmp(first[-1].key->text, first->key->text) == 0)
			first--;
		diag(l, idx[i].key, "duplicate key '%s' (first at line %u, column %u)",
		     idx[i].key->text, first->key->line, first->key->col);
		skip[idx[i].pos] = true;
	}
	free(idx);
	return true;
}

/* The value of `key` in a checked mapping, or NULL. */
static const struct ynode *
map_get(const struct ynode *map, const bool *skip, const char *key, const struct ynode **ret_key)
{
	for (size_t i = 0; i < MAP_PAIRS(map); i++)
		if (!skip[i] && strcmp(MAP_KEY(map, i)->text, key) == 0) {
			if (ret_key)
				*ret_key = MAP_KEY(map, i);
			return MAP_VAL(map, i);
		}
	return NULL;
}

/* A string value; NULL after reporting when it is anything else. */
static const char *
get_str(struct loader *l, const struct ynode *n, const char *what)
{
	if (n->kind == Y_INVALID)
		return NULL;
	if (n->kind == Y_SCALAR && n->stype == YS_STR)
		return n->text;
	if (n->kind == Y_SCALAR && n->stype != YS_NULL)
		diag(l, n, "%s: expected a string, got %s (quote it: \"%s\")", what, kind_name(n),
		     n->text);
	else
		diag(l, n, "%s: expected a string, got %s", what, kind_name(n));
	return NULL;
}

static bool
get_bool(struct loader *l, const struct ynode *n, const char *what, bool *out)
{
	static const char *const yaml11[] = {"yes", "no", "on", "off", "y", "n", NULL};

	if (n->kind == Y_INVALID)
		return false;
	if (n->kind == Y_SCALAR && n->stype == YS_BOOL) {
		*out = n->text[0] == 't' || n->text[0] == 'T';
		return true;
	}
	if (n->kind == Y_SCALAR && n->plain) {
		char lower[4] = {0};

		for (size_t i = 0; i < 3 && n->text[i]; i++)
			lower[i] = (char)(n->text[i] | 0x20);
		if (strlen(n->text) <= 3 && ynode_text_in(lower, yaml11)) {
			bool yes = lower[0] == 'y' || strcmp(lower, "on") == 0;

			diag(l, n,
			     "%s: expected true or false, got '%s' (a YAML 1.1 boolean; vpcesd "
			     "reads YAML 1.2: write %s)",
			     what, n->text, yes ? "true" : "false");
			return false;
		}
	}
	if (n->kind == Y_SCALAR && !n->plain && ynode_resolve_plain(n->text) == YS_BOOL)
		diag(l, n, "%s: expected true or false, got the string '%s' (remove the quotes)",
		     what, n->text);
	else
		diag(l, n, "%s: expected true or false, got %s", what, kind_name(n));
	return false;
}

static bool
get_uint(struct loader *l, const struct ynode *n, const char *what, unsigned min, unsigned max,
	 unsigned *out)
{
	uint64_t v = 0;
	const char *p;

	if (n->kind == Y_INVALID)
		return false;
	if (n->kind != Y_SCALAR || n->stype != YS_INT) {
		diag(l, n, "%s: expected an integer, got %s", what, kind_name(n));
		return false;
	}
	p = n->text;
	if (*p == '+')
		p++;
	if (*p == '-' && p[1] != '\0') {
		diag(l, n, "%s: must be between %u and %u, got %s", what, min, max, n->text);
		return false;
	}
	if (strncmp(p, "0x", 2) == 0 || strncmp(p, "0o", 2) == 0) {
		diag(l, n, "%s: write a decimal integer, got %s", what, n->text);
		return false;
	}
	for (; *p; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			break;
	}
	if (v < min || v > max) {
		diag(l, n, "%s: must be between %u and %u, got %s", what, min, max, n->text);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool
get_duration(struct loader *l, const struct ynode *n, const char *what, unsigned min, unsigned max,
	     unsigned *out)
{
	struct err e;
	unsigned v;
	char lo[32], hi[32];

	if (n->kind == Y_INVALID)
		return false;
	if (n->kind != Y_SCALAR || (n->stype != YS_STR && n->stype != YS_INT)) {
		diag(l, n, "%s: expected a duration like 30s, 5m or 1h, got %s", what,
		     kind_name(n));
		return false;
	}
	err_clear(&e);
	if (validate_duration(n->text, &v, &e) < 0) {
		diag(l, n, "%s: %s", what, e.msg);
		return false;
	}
	if (v < min || v > max) {
		validate_format_duration(min, lo, sizeof(lo));
		validate_format_duration(max, hi, sizeof(hi));
		diag(l, n, "%s: must be between %s and %s, got %s", what, lo, hi, n->text);
		return false;
	}
	*out = v;
	return true;
}

static bool
get_percent(struct loader *l, const struct ynode *n, const char *what, unsigned min, unsigned max,
	    unsigned *out)
{
	struct err e;
	unsigned v;

	if (n->kind == Y_INVALID)
		return false;
	if (n->kind != Y_SCALAR || (n->stype != YS_STR && n->stype != YS_INT)) {
		diag(l, n, "%s: expected a percentage like 5%%, got %s", what, kind_name(n));
		return false;
	}
	err_clear(&e);
	if (validate_percent(n->text, &v, &e) < 0) {
		diag(l, n, "%s: %s", what, e.msg);
		return false;
	}
	if (v < min || v > max) {
		diag(l, n, "%s: must be between %u%% and %u%%, got %s", what, min, max, n->text);
		return false;
	}
	*out = v;
	return true;
}

/* Replace *dst with a copy of s (freeing the old value).  False only on OOM. */
static bool
set_str(struct loader *l, char **dst, const char *s)
{
	char *copy = strdup(s);

	if (copy == NULL) {
		oom(l);
		return false;
	}
	free(*dst);
	*dst = copy;
	return true;
}

/* A string checked by `check` (a validate_* function) and stored into *dst. */
static void
take_checked(struct loader *l, const struct ynode *n, const char *what,
	     int (*check)(const char *s, struct err *e), char **dst)
{
	const char *s = get_str(l, n, what);
	struct err e;

	if (s == NULL)
		return;
	err_clear(&e);
	if (check != NULL && check(s, &e) < 0) {
		diag(l, n, "%s: %s", what, e.msg);
		return;
	}
	set_str(l, dst, s);
}

/* Characters allowed in a text, with a length range: for the credentials strings. */
static void
take_charset(struct loader *l, const struct ynode *n, const char *what, const char *accept,
	     size_t min, size_t max, char **dst)
{
	const char *s = get_str(l, n, what);
	size_t len;

	if (s == NULL)
		return;
	len = strlen(s);
	if (len < min || len > max) {
		diag(l, n, "%s: must be %zu to %zu characters long", what, min, max);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(accept, c) != NULL)) {
			diag(l, n, "%s: character '%c' is not allowed (letters, digits and \"%s\")",
			     what, c, accept);
			return;
		}
	}
	set_str(l, dst, s);
}

/* --- daemon settings (vpcesd.yaml) ---------------------------------------------- */

/* What vpcesd.yaml may hold: the settings, plus "services", reported on its own. */
static const char *const daemon_file_keys[] = {
	"region",
	"endpoint",
	"sts_endpoint",
	"ca_file",
	"owner",
	"previous_owner",
	"policy",
	"interval",
	"jitter",
	"min_interval",
	"private_dns_verify_interval",
	"api",
	"credentials",
	"delete",
	"status_file",
	"metrics_file",
	"state_dir",
	"log",
	"services",
	NULL,
};
static const char *const api_keys[] = {"rate",         "burst",      "concurrency",
				       "max_attempts", "timeout",    "connect_timeout",
				       "bucket_share", "retry_mode", NULL};
static const char *const cred_keys[] = {
	"profile", "role_arn", "external_id", "session_name", "web_identity_token_file", NULL};
static const char *const delete_keys[] = {"max_per_cycle", "max_fraction", "allow_empty",
					  "reject_connections", NULL};
static const char *const log_keys[] = {"level", "format", NULL};
static const char *const policies[] = {"sync", "upsert-only", "create-only", NULL};
static const char *const log_levels[] = {"debug", "info", "notice", "warning", "error", NULL};

/*
 * A checked sub-mapping: runs check_keys and hands back the skip array (the
 * caller frees it), or NULL when the node is not a usable mapping.
 */
static bool *
checked_map(struct loader *l, const struct ynode *n, const char *const *known, const char *ctx)
{
	bool *skip;

	if (!want_kind(l, n, Y_MAP, ctx))
		return NULL;
	skip = calloc(MAP_PAIRS(n) + 1, sizeof(*skip));
	if (skip == NULL || !check_keys(l, n, known, ctx, skip)) {
		free(skip);
		oom(l);
		return NULL;
	}
	return skip;
}

/* The awsconf.h inputs of this load: the environment and what vpcesd.yaml said. */
static void
aws_input(const struct loader *l, struct awsconf_input *in)
{
	const struct vpcesd_config *c = l->cfg;

	*in = (struct awsconf_input){
		.profile = c->credentials.profile ? c->credentials.profile : l->yaml_profile,
		.region = l->yaml_region ? c->region : NULL,
		.endpoint = c->endpoint,
		.sts_endpoint = c->sts_endpoint,
		.ca_file = c->ca_file,
		.max_attempts = l->yaml_max_attempts ? c->api.max_attempts : 0,
		.retry_mode = l->yaml_retry_mode,
	};
	if (l->env != NULL) {
		in->envp = l->env->envp;
		in->config = l->env->aws_config;
		in->config_path = l->env->aws_config_path;
	}
}

/*
 * When vpcesd.yaml named no region: take it from the environment or the AWS
 * profile (awsconf.h).  Reports an invalid value there, and a missing region
 * unless `quiet` (vpcesd.yaml itself was broken, so the user has something
 * to fix first and the region may well be in there).
 */
static void
resolve_region(struct loader *l, const char *daemon_path, bool quiet)
{
	struct awsconf_input in;
	struct awsconf_error err = {.e.code = 0};
	char src[AWSCONF_SOURCE_MAX], *region = NULL;
	const char *profile;
	bool found;

	if (l->cfg->region != NULL)
		return;
	aws_input(l, &in);
	if (awsconf_region(&in, &region, src, &err) < 0) {
		diag_file(l, err.where, "%s", err.e.msg);
		return;
	}
	if (region != NULL) {
		l->cfg->region = region;
		return;
	}
	if (quiet)
		return;
	profile = awsconf_profile(&in, &found);
	diag_file(l, daemon_path ? daemon_path : "vpcesd",
		  "no region: set %sAWS_REGION or AWS_DEFAULT_REGION in the environment, or "
		  "region in profile %s of %s%s%s%s",
		  daemon_path ? "'region:' here, or " : "", profile,
		  in.config_path ? in.config_path : "the AWS config file",
		  found ? "" : " (profile ", found ? "" : profile,
		  found ? "" : " not found there)");
}

/*
 * The daemon reads ca_file at start-up (http.h) and refuses a file it
 * cannot use; the check reads it the same way (pem.h), so that `vpcesd -n`
 * says so with the key's position.
 */
static void
check_ca_file(struct loader *l, const struct ynode *n, const char *path)
{
	struct err e;

	if (path == NULL)
		return;
	err_clear(&e);
	if (pem_load_certs(path, NULL, &e) < 0)
		diag(l, n, "ca_file: %s", e.msg);
}

static void
load_api(struct loader *l, const struct ynode *n)
{
	struct model_api *api = &l->cfg->api;
	bool *skip = checked_map(l, n, api_keys, "api");
	const struct ynode *v, *ct = NULL;

	if (skip == NULL)
		return;
	if ((v = map_get(n, skip, "rate", NULL)))
		get_uint(l, v, "api.rate", 1, 1000, &api->rate);
	if ((v = map_get(n, skip, "burst", NULL)))
		get_uint(l, v, "api.burst", 1, 10000, &api->burst);
	if ((v = map_get(n, skip, "concurrency", NULL)))
		get_uint(l, v, "api.concurrency", 1, 256, &api->concurrency);
	if ((v = map_get(n, skip, "max_attempts", NULL))) {
		get_uint(l, v, "api.max_attempts", 1, AWSCONF_MAX_ATTEMPTS_MAX, &api->max_attempts);
		l->yaml_max_attempts = true;
	}
	if ((v = map_get(n, skip, "retry_mode", NULL))) {
		const char *s = get_str(l, v, "api.retry_mode");

		l->yaml_retry_mode = awsconf_retry_mode_from_string(s);
		if (s != NULL && l->yaml_retry_mode == AWSCONF_RETRY_UNSET)
			diag(l, v, "api.retry_mode: '%s' is not one of standard, adaptive", s);
	}
	if ((v = map_get(n, skip, "timeout", NULL)))
		get_duration(l, v, "api.timeout", 1, 600, &api->timeout_s);
	if ((ct = map_get(n, skip, "connect_timeout", NULL)))
		get_duration(l, ct, "api.connect_timeout", 1, 300, &api->connect_timeout_s);
	if ((v = map_get(n, skip, "bucket_share", NULL)))
		get_percent(l, v, "api.bucket_share", 1, 100, &api->bucket_share_pct);
	if (ct != NULL && api->connect_timeout_s > api->timeout_s)
		diag(l, ct, "api.connect_timeout: must not be longer than api.timeout");
	free(skip);
}

static void
load_credentials(struct loader *l, const struct ynode *n)
{
	struct model_credentials *c = &l->cfg->credentials;
	bool *skip = checked_map(l, n, cred_keys, "credentials");
	const struct ynode *v, *ext, *sess, *web, *role;
	const char *partition = l->cfg->region ? validate_region_partition(l->cfg->region) : NULL;

	if (skip == NULL)
		return;
	if ((v = map_get(n, skip, "profile", NULL)))
		take_charset(l, v, "credentials.profile", "._-@+=,/", 1, 64, &c->profile);
	if ((role = map_get(n, skip, "role_arn", NULL))) {
		const char *s = get_str(l, role, "credentials.role_arn");
		struct err e;

		err_clear(&e);
		if (s != NULL && validate_role_arn(s, partition, &e) < 0)
			diag(l, role, "credentials.role_arn: %s", e.msg);
		else if (s != NULL)
			set_str(l, &c->role_arn, s);
	}
	if ((ext = map_get(n, skip, "external_id", NULL)))
		take_charset(l, ext, "credentials.external_id", "+=,.@:/-_", 2, 1224,
			     &c->external_id);
	if ((sess = map_get(n, skip, "session_name", NULL)))
		take_charset(l, sess, "credentials.session_name", "+=,.@-_", 2, 64,
			     &c->session_name);
	if ((web = map_get(n, skip, "web_identity_token_file", NULL)))
		take_checked(l, web, "credentials.web_identity_token_file", validate_abs_path,
			     &c->web_identity_token_file);
	if (role == NULL) {
		const struct ynode *need[] = {ext, sess, web};
		const char *names[] = {"external_id", "session_name", "web_identity_token_file"};

		for (int i = 0; i < 3; i++)
			if (need[i] != NULL)
				diag(l, need[i], "credentials.%s: needs credentials.role_arn",
				     names[i]);
	}
	free(skip);
}

static void
load_delete(struct loader *l, const struct ynode *n)
{
	bool *skip = checked_map(l, n, delete_keys, "delete");
	const struct ynode *v;

	if (skip == NULL)
		return;
	if ((v = map_get(n, skip, "max_per_cycle", NULL)))
		get_uint(l, v, "delete.max_per_cycle", 0, CONF_SERVICES_MAX,
			 &l->cfg->del.max_per_cycle);
	if ((v = map_get(n, skip, "max_fraction", NULL)))
		get_percent(l, v, "delete.max_fraction", 1, 100, &l->cfg->del.max_fraction_pct);
	if ((v = map_get(n, skip, "allow_empty", NULL)))
		get_bool(l, v, "delete.allow_empty", &l->cfg->del.allow_empty);
	if ((v = map_get(n, skip, "reject_connections", NULL)))
		get_bool(l, v, "delete.reject_connections", &l->cfg->del.reject_connections);
	free(skip);
}

static void
load_log(struct loader *l, const struct ynode *n)
{
	bool *skip = checked_map(l, n, log_keys, "log");
	const struct ynode *v;

	if (skip == NULL)
		return;
	if ((v = map_get(n, skip, "level", NULL))) {
		const char *s = get_str(l, v, "log.level");
		int prio = s ? log_priority_from_string(s) : -EINVAL;

		if (s != NULL && prio < 0) {
			const char *hint = validate_suggest(s, log_levels);

			diag(l, v,
			     "log.level: '%s' is not one of debug, info, notice, warning, "
			     "error%s%s%s",
			     s, hint ? " (did you mean '" : "", hint ? hint : "",
			     hint ? "'?)" : "");
		} else if (s != NULL) {
			l->cfg->log_level = prio;
		}
	}
	if ((v = map_get(n, skip, "format", NULL))) {
		const char *s = get_str(l, v, "log.format");
		int format = s ? log_format_from_string(s) : -EINVAL;

		if (s != NULL && format < 0)
			diag(l, v, "log.format: '%s' is not one of text, json", s);
		else if (s != NULL)
			l->cfg->log_format = format;
	}
	free(skip);
}

/* vpcesd.yaml: the whole tree (NULL for an empty file). */
/*
 * Under systemd, RuntimeDirectory= names where the status file belongs
 * (/run/vpcesd, or /run/vpcesd-<instance> for vpcesd@.service).  Only the
 * first entry counts; a relative or oversized value is ignored.
 */
static void
runtime_status_file(struct loader *l, struct vpcesd_config *c)
{
	const char *dir = l->env ? l->env->runtime_directory : NULL;
	size_t len;
	char *path;

	if (dir == NULL || dir[0] != '/')
		return;
	len = strcspn(dir, ":");
	if (len == 0 || len > 4000)
		return;
	path = malloc(len + sizeof("/status.json"));
	if (path == NULL)
		return;
	memcpy(path, dir, len);
	memcpy(path + len, "/status.json", sizeof("/status.json"));
	free(c->status_file);
	c->status_file = path;
}

/*
 * The same for StateDirectory= (/var/lib/vpcesd, or /var/lib/vpcesd-<instance>
 * for vpcesd@.service): when set, the state directory unless state_dir says
 * otherwise.  Only the first entry counts; a relative, oversized or
 * otherwise invalid value is ignored (the compiled default stays).
 */
static void
runtime_state_dir(struct loader *l, struct vpcesd_config *c)
{
	const char *dir = l->env ? l->env->state_directory : NULL;
	size_t len;
	char *path;

	if (dir == NULL || dir[0] != '/')
		return;
	len = strcspn(dir, ":");
	if (len == 0 || len > 4000)
		return;
	path = strndup(dir, len);
	if (path == NULL)
		return;
	if (validate_abs_path(path, NULL) < 0) {
		free(path);
		return;
	}
	free(c->state_dir);
	c->state_dir = path;
}

/*
 * previous_owner: an owner id like owner, and not owner itself (handing
 * services over to the owner they already have means nothing, and most
 * likely the wrong one of the two was edited).  `owner_ok`: owner is the
 * key's value or the default, not a value just refused.
 */
static void
load_previous_owner(struct loader *l, const struct ynode *n, bool owner_ok)
{
	struct vpcesd_config *c = l->cfg;
	const char *s = get_str(l, n, "previous_owner");
	struct err e;

	if (s == NULL)
		return;
	err_clear(&e);
	if (validate_name(s, &e) < 0) {
		diag(l, n, "previous_owner: %s", e.msg);
		return;
	}
	if (owner_ok && strcmp(s, c->owner) == 0) {
		diag(l, n, "previous_owner: must differ from owner (both are '%s')", s);
		return;
	}
	set_str(l, &c->previous_owner, s);
}

/* credentials.profile as written, for the region; load_credentials() checks it. */
static const struct ynode *
peek_profile(const struct ynode *cred)
{
	if (cred == NULL || cred->kind != Y_MAP)
		return NULL;
	for (size_t i = 0; i < MAP_PAIRS(cred); i++) {
		const struct ynode *k = MAP_KEY(cred, i), *v = MAP_VAL(cred, i);

		if (k->kind == Y_SCALAR && strcmp(k->text, "profile") == 0 && v->kind == Y_SCALAR &&
		    v->stype == YS_STR && v->text[0] != '\0')
			return v;
	}
	return NULL;
}

static void
load_daemon(struct loader *l, const struct ynode *root, const char *daemon_path)
{
	struct vpcesd_config *c = l->cfg;
	bool region_bad = false, owner_ok = true;
	const struct ynode *v, *iv = NULL, *mv = NULL, *sub[4];
	bool *skip = NULL;

	if (root == NULL || (root->kind == Y_SCALAR && root->stype == YS_NULL))
		goto region;
	if (root->kind == Y_MAP) {
		for (size_t i = 0; i < MAP_PAIRS(root); i++) {
			const struct ynode *k = MAP_KEY(root, i);

			if (k->kind == Y_SCALAR && strcmp(k->text, "services") == 0)
				diag(l, k,
				     "services belong in services.d/*.yaml, not in vpcesd.yaml");
		}
	}
	if ((skip = checked_map(l, root, daemon_file_keys, "vpcesd.yaml")) == NULL)
		goto region;
	if ((v = map_get(root, skip, "region", NULL))) {
		const char *s = get_str(l, v, "region");
		struct err e;

		err_clear(&e);
		if (s == NULL || validate_region(s, &e) < 0) {
			if (s != NULL)
				diag(l, v, "region: %s", e.msg);
			region_bad = true;
		} else {
			set_str(l, &c->region, s);
			l->yaml_region = true;
		}
	}
	if ((v = map_get(root, skip, "endpoint", NULL)))
		take_checked(l, v, "endpoint", validate_endpoint_url, &c->endpoint);
	if ((v = map_get(root, skip, "sts_endpoint", NULL)))
		take_checked(l, v, "sts_endpoint", validate_endpoint_url, &c->sts_endpoint);
	if ((v = map_get(root, skip, "ca_file", NULL))) {
		take_checked(l, v, "ca_file", validate_abs_path, &c->ca_file);
		check_ca_file(l, v, c->ca_file);
	}
	if ((v = map_get(root, skip, "owner", NULL))) {
		take_checked(l, v, "owner", validate_name, &c->owner);
		owner_ok =
			v->kind == Y_SCALAR && v->stype == YS_STR && strcmp(c->owner, v->text) == 0;
	}
	if ((v = map_get(root, skip, "previous_owner", NULL)))
		load_previous_owner(l, v, owner_ok);
	if ((v = map_get(root, skip, "policy", NULL))) {
		const char *s = get_str(l, v, "policy");
		int p = s ? model_policy_from_string(s) : -EINVAL;

		if (s != NULL && p < 0) {
			const char *hint = validate_suggest(s, policies);

			diag(l, v,
			     "policy: '%s' is not one of sync, upsert-only, create-only%s%s%s", s,
			     hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
		} else if (s != NULL) {
			c->policy = (enum model_policy)p;
		}
	}
	if ((iv = map_get(root, skip, "interval", NULL)))
		get_duration(l, iv, "interval", 1, 24 * 3600, &c->interval_s);
	if ((v = map_get(root, skip, "jitter", NULL)))
		get_percent(l, v, "jitter", 0, 50, &c->jitter_pct);
	if ((mv = map_get(root, skip, "min_interval", NULL)))
		get_duration(l, mv, "min_interval", 1, 3600, &c->min_interval_s);
	if ((v = map_get(root, skip, "private_dns_verify_interval", NULL)))
		get_duration(l, v, "private_dns_verify_interval", 60, 24 * 3600,
			     &c->dns_verify_interval_s);
	if (c->min_interval_s > c->interval_s)
		diag(l, mv ? mv : iv, "%s: min_interval must not be longer than interval",
		     mv ? "min_interval" : "interval");
	if ((v = map_get(root, skip, "status_file", NULL)))
		take_checked(l, v, "status_file", validate_abs_path, &c->status_file);
	if ((v = map_get(root, skip, "metrics_file", NULL)))
		take_checked(l, v, "metrics_file", validate_abs_path, &c->metrics_file);
	if ((v = map_get(root, skip, "state_dir", NULL)))
		take_checked(l, v, "state_dir", validate_abs_path, &c->state_dir);
	/* Sub-mappings after region: role_arn is checked against its partition. */
	sub[0] = map_get(root, skip, "api", NULL);
	sub[1] = map_get(root, skip, "credentials", NULL);
	sub[2] = map_get(root, skip, "delete", NULL);
	sub[3] = map_get(root, skip, "log", NULL);
	free(l->yaml_profile);
	l->yaml_profile = NULL;
	if ((v = peek_profile(sub[1])) != NULL && (l->yaml_profile = strdup(v->text)) == NULL)
		oom(l);
	if (!region_bad)
		resolve_region(l, daemon_path, false);
	if (sub[0])
		load_api(l, sub[0]);
	if (sub[1])
		load_credentials(l, sub[1]);
	if (sub[2])
		load_delete(l, sub[2]);
	if (sub[3])
		load_log(l, sub[3]);
	free(skip);
	return;
region:
	resolve_region(l, daemon_path,
		       root != NULL && !(root->kind == Y_SCALAR && root->stype == YS_NULL));
}

/* Take the resolved string *src (NULL: keep *dst) and its source name. */
static void
take_aws(struct loader *l, char **dst, char **src, char **dst_src, const char *name)
{
	if (*src != NULL) {
		free(*dst);
		*dst = *src;
		*src = NULL;
	}
	if (name[0] != '\0')
		set_str(l, dst_src, name);
}

/*
 * Once vpcesd.yaml is read and the region known: everything else awsconf.h
 * resolves (endpoints, ca_file, retries) and the name of each source.  A
 * CA bundle named outside vpcesd.yaml is checked here as ca_file is.
 */
static void
resolve_aws(struct loader *l)
{
	struct vpcesd_config *c = l->cfg;
	struct awsconf_error err = {.e.code = 0};
	struct awsconf_input in;
	struct awsconf a;
	struct err e;

	if (c->region == NULL)
		return;
	c->partition = validate_region_partition(c->region);
	aws_input(l, &in);
	if (awsconf_resolve(&in, &a, &err) < 0) {
		diag_file(l, err.where, "%s", err.e.msg);
		return;
	}
	take_aws(l, &c->endpoint, &a.endpoint, &c->sources.endpoint, a.src_endpoint);
	take_aws(l, &c->sts_endpoint, &a.sts_endpoint, &c->sources.sts_endpoint,
		 a.src_sts_endpoint);
	take_aws(l, &c->ca_file, &a.ca_file, &c->sources.ca_file, a.src_ca_file);
	set_str(l, &c->sources.region, a.src_region);
	set_str(l, &c->sources.profile, a.profile);
	set_str(l, &c->sources.max_attempts, a.src_max_attempts);
	set_str(l, &c->sources.retry_mode, a.src_retry_mode);
	if (a.note[0] != '\0')
		set_str(l, &c->sources.note, a.note);
	c->api.max_attempts = a.max_attempts;
	c->api.retry_adaptive = a.retry_mode != AWSCONF_RETRY_STANDARD;
	err_clear(&e);
	if (c->ca_file != NULL && in.ca_file == NULL && pem_load_certs(c->ca_file, NULL, &e) < 0)
		diag_file(l, a.src_ca_file, "%s: %s", c->ca_file, e.msg);
	awsconf_free(&a);
}

/* --- services ------------------------------------------------------------------------ */

static const char *const service_keys[] = {
	"name",
	"network_load_balancer_arns",
	"gateway_load_balancer_arns",
	"acceptance_required",
	"allowed_principals",
	"connections",
	"private_dns_name",
	"verify_private_dns",
	"notifications",
	"payer_responsibility",
	"supported_ip_address_types",
	"supported_regions",
	"tags",
	"adopt",
	NULL,
};
static const char *const ip_types[] = {"ipv4", "ipv6", NULL};

enum list_item {
	ITEM_NLB,
	ITEM_GWLB,
	ITEM_PRINCIPAL,
	ITEM_ACCEPT,
	ITEM_IP_TYPE,
	ITEM_REGION,
};

static bool
check_item(struct loader *l, const struct ynode *n, const char *what, enum list_item kind,
	   const char *s)
{
	const char *region = l->cfg->region;
	const char *partition = region ? validate_region_partition(region) : NULL;
	struct err e;
	int r = 0;

	err_clear(&e);
	switch (kind) {
	case ITEM_NLB:
		r = validate_lb_arn(s, "net", region, &e);
		break;
	case ITEM_GWLB:
		r = validate_lb_arn(s, "gwy", region, &e);
		break;
	case ITEM_PRINCIPAL:
		r = validate_principal(s, partition, &e);
		break;
	case ITEM_ACCEPT:
		r = validate_account_or_principal(s, partition, &e);
		break;
	case ITEM_IP_TYPE:
		if (!ynode_text_in(s, ip_types)) {
			const char *hint = validate_suggest(s, ip_types);

			diag(l, n, "%s: '%s' is not ipv4 or ipv6%s%s%s", what, s,
			     hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
			return false;
		}
		return true;
	case ITEM_REGION:
		r = validate_region(s, &e);
		if (r == 0 && partition != NULL && strcmp(validate_region_partition(s), partition))
			r = err_set(&e, -EINVAL, "region %s is in partition '%s', not '%s'", s,
				    validate_region_partition(s), partition);
		break;
	}
	if (r < 0) {
		diag(l, n, "%s: %s", what, e.msg);
		return false;
	}
	return true;
}

/*
 * Remember a load balancer ARN of the spec being loaded (always the last of
 * cfg->services: load_service creates it before loading its lists).
 */
static void
note_lb(struct loader *l, const struct ynode *n, const char *arn)
{
	if (l->n_lbs == l->cap_lbs) {
		size_t cap = l->cap_lbs ? l->cap_lbs * 2 : 64;
		struct lb_ref *v = realloc(l->lbs, cap * sizeof(*v));

		if (v == NULL) {
			oom(l);
			return;
		}
		l->lbs = v;
		l->cap_lbs = cap;
	}
	l->lbs[l->n_lbs++] = (struct lb_ref){arn, l->cfg->n_services - 1, n->line, n->col};
}

/*
 * A list of strings, each checked, no duplicates.  `nonempty`: an empty list
 * is an error.  Fills `out` (which must be empty) in file order.
 */
static void
load_list(struct loader *l, const struct ynode *n, const char *what, enum list_item kind,
	  bool nonempty, struct strv *out)
{
	if (!want_kind(l, n, Y_SEQ, what))
		return;
	if (n->n == 0 && nonempty) {
		diag(l, n, "%s: must not be empty", what);
		return;
	}
	if (n->n > LIST_MAX) {
		diag(l, n, "%s: more than %d entries", what, LIST_MAX);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *item = n->kids[i];
		const char *s = get_str(l, item, what);
		bool dup = false;

		if (s == NULL || !check_item(l, item, what, kind, s))
			continue;
		for (size_t j = 0; j < i && !dup; j++) {
			const struct ynode *prev = n->kids[j];

			if (prev->kind == Y_SCALAR && strcmp(prev->text, s) == 0) {
				diag(l, item,
				     "%s: duplicate entry '%s' (first at line %u, column %u)", what,
				     s, prev->line, prev->col);
				dup = true;
			}
		}
		if (dup)
			continue;
		if (strv_push(out, s) < 0)
			oom(l);
		else if (kind == ITEM_NLB || kind == ITEM_GWLB)
			note_lb(l, item, out->v[out->n - 1]);
	}
	if (kind == ITEM_PRINCIPAL && out->n > 1 && strv_contains(out, "*"))
		diag(l, n, "%s: '*' allows everyone and must be the only entry", what);
}

static void
load_tags(struct loader *l, const struct ynode *n, struct model_tags *tags)
{
	bool *skip = checked_map(l, n, NULL, "tags");
	size_t count = 0;

	if (skip == NULL)
		return;
	for (size_t i = 0; i < MAP_PAIRS(n); i++) {
		const struct ynode *k = MAP_KEY(n, i), *v = MAP_VAL(n, i);
		struct err e;

		if (skip[i])
			continue;
		if (++count == USER_TAGS_MAX + 1)
			diag(l, k,
			     "tags: more than %d tags (EC2 allows 50 per service, and vpcesd "
			     "adds vpcesd:owner and vpcesd:name)",
			     USER_TAGS_MAX);
		err_clear(&e);
		if (validate_tag_key(k->text, &e) < 0) {
			diag(l, k, "tags: %s", e.msg);
			continue;
		}
		if (v->kind == Y_INVALID)
			continue;
		if (v->kind != Y_SCALAR || v->stype == YS_NULL) {
			diag(l, v,
			     "tags: value of '%s' must be a string, got %s (write '' for an "
			     "empty value)",
			     k->text, kind_name(v));
			continue;
		}
		if (validate_tag_value(v->text, &e) < 0) {
			diag(l, v, "tags: %s", e.msg);
			continue;
		}
		if (model_tags_add(tags, k->text, v->text) < 0)
			oom(l);
	}
	free(skip);
}

static const char *const connections_keys[] = {
	"accept",
	"reject_unlisted",
	"reject_on_principal_removal",
	NULL,
};

/*
 * connections: the endpoint connection policy.  Checked against the rest of
 * the spec by the caller once every key is loaded.
 */
static void
load_connections(struct loader *l, const struct ynode *n, struct service_spec *s)
{
	bool *skip = checked_map(l, n, connections_keys, "connections");
	const struct ynode *v;

	if (skip == NULL)
		return;
	s->connections_managed = true;
	if ((v = map_get(n, skip, "accept", NULL)))
		load_list(l, v, "connections.accept", ITEM_ACCEPT, false, &s->accept);
	if ((v = map_get(n, skip, "reject_unlisted", NULL)))
		get_bool(l, v, "connections.reject_unlisted", &s->reject_unlisted);
	if ((v = map_get(n, skip, "reject_on_principal_removal", NULL)))
		get_bool(l, v, "connections.reject_on_principal_removal",
			 &s->reject_on_principal_removal);
	free(skip);
}

static const char *const notification_keys[] = {"topic_arn", "events", NULL};
static const char *const notification_events[] = {"Accept", "Connect", "Delete", "Reject", NULL};

/* A topic ARN in the daemon's region into *dst; false after reporting. */
static bool
take_checked_sns(struct loader *l, const struct ynode *n, char **dst)
{
	const char *s = get_str(l, n, "notifications.topic_arn");
	struct err e;

	if (s == NULL)
		return false;
	err_clear(&e);
	if (validate_sns_topic_arn(s, l->cfg->region, &e) < 0) {
		diag(l, n, "notifications.topic_arn: %s", e.msg);
		return false;
	}
	return set_str(l, dst, s);
}

static int
notification_cmp(const void *a, const void *b)
{
	const struct model_notification *x = a, *y = b;

	return strcmp(x->topic_arn, y->topic_arn);
}

/* One `notifications` entry; false after reporting when it is unusable. */
static bool
load_notification(struct loader *l, const struct ynode *n, struct model_notification *out)
{
	bool *skip = checked_map(l, n, notification_keys, "a notification");
	const struct ynode *v, *ev;
	bool ok = true;

	if (skip == NULL)
		return false;
	if ((v = map_get(n, skip, "topic_arn", NULL)) == NULL) {
		diag(l, n, "missing required key 'topic_arn' in a notification");
		ok = false;
	} else if (!take_checked_sns(l, v, &out->topic_arn)) {
		ok = false;
	}
	if ((ev = map_get(n, skip, "events", NULL)) == NULL) {
		diag(l, n, "missing required key 'events' in a notification");
		ok = false;
	} else if (want_kind(l, ev, Y_SEQ, "notifications.events")) {
		if (ev->n == 0) {
			diag(l, ev, "notifications.events: must not be empty");
			ok = false;
		}
		for (size_t i = 0; i < ev->n; i++) {
			const char *s = get_str(l, ev->kids[i], "notifications.events");

			if (s == NULL) {
				ok = false;
			} else if (!ynode_text_in(s, notification_events)) {
				const char *hint = validate_suggest(s, notification_events);

				diag(l, ev->kids[i],
				     "notifications.events: '%s' is not one of Accept, Connect, "
				     "Delete, "
				     "Reject%s%s%s",
				     s, hint ? " (did you mean '" : "", hint ? hint : "",
				     hint ? "'?)" : "");
				ok = false;
			} else if (strv_contains(&out->events, s)) {
				diag(l, ev->kids[i], "notifications.events: duplicate entry '%s'",
				     s);
				ok = false;
			} else if (strv_push(&out->events, s) < 0) {
				oom(l);
				ok = false;
			}
		}
		strv_sort(&out->events);
	} else {
		ok = false;
	}
	free(skip);
	return ok;
}

static void
load_notifications(struct loader *l, const struct ynode *n, struct service_spec *s)
{
	if (!want_kind(l, n, Y_SEQ, "notifications"))
		return;
	if (n->n > NOTIFICATIONS_MAX) {
		diag(l, n, "notifications: more than %d entries", NOTIFICATIONS_MAX);
		return;
	}
	s->notifications_managed = true;
	if (n->n == 0)
		return;
	s->notifications = calloc(n->n, sizeof(*s->notifications));
	if (s->notifications == NULL) {
		oom(l);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		struct model_notification *m = &s->notifications[s->n_notifications];
		bool dup = false;

		if (!load_notification(l, n->kids[i], m)) {
			free(m->topic_arn);
			strv_free(&m->events);
			memset(m, 0, sizeof(*m));
			continue;
		}
		for (size_t k = 0; k < s->n_notifications && !dup; k++)
			dup = strcmp(s->notifications[k].topic_arn, m->topic_arn) == 0;
		if (dup) {
			diag(l, n->kids[i],
			     "notifications: topic '%s' appears twice (list all its events in one "
			     "entry)",
			     m->topic_arn);
			free(m->topic_arn);
			strv_free(&m->events);
			memset(m, 0, sizeof(*m));
			continue;
		}
		s->n_notifications++;
	}
	qsort(s->notifications, s->n_notifications, sizeof(*s->notifications), notification_cmp);
}

/*
 * payer_responsibility: ServiceOwner is the only value EC2 accepts, and
 * once set it cannot go back to the endpoint owner.
 */
static void
load_payer(struct loader *l, const struct ynode *n, struct service_spec *s)
{
	const char *v = get_str(l, n, "payer_responsibility");

	if (v == NULL)
		return;
	if (strcmp(v, "ServiceOwner") != 0) {
		diag(l, n,
		     "payer_responsibility: '%s' is not possible: ServiceOwner is the only value "
		     "(the endpoint owner pays while the key is absent, and EC2 cannot set the "
		     "payer back once the service owner pays)%s",
		     v,
		     strcasecmp(v, "ServiceOwner") == 0 ? " (did you mean 'ServiceOwner'?)" : "");
		return;
	}
	set_str(l, &s->payer_responsibility, v);
}

/* A new slot in cfg->services, zeroed; NULL on OOM (reported). */
static struct service_spec *
new_service(struct loader *l)
{
	struct vpcesd_config *c = l->cfg;

	if (c->n_services == l->services_cap) {
		size_t cap = l->services_cap ? l->services_cap * 2 : 16;
		struct service_spec *v = realloc(c->services, cap * sizeof(*v));

		if (v == NULL) {
			oom(l);
			return NULL;
		}
		c->services = v;
		l->services_cap = cap;
	}
	memset(&c->services[c->n_services], 0, sizeof(c->services[0]));
	return &c->services[c->n_services++];
}

static void
load_service(struct loader *l, const struct ynode *n)
{
	struct service_spec *s;
	const struct ynode *v, *nlb, *gwlb, *gwlb_key = NULL, *dns, *conn;
	bool *skip;

	if (++l->services_seen == CONF_SERVICES_MAX + 1)
		diag(l, n, "more than %d services", CONF_SERVICES_MAX);
	if (l->services_seen > CONF_SERVICES_MAX)
		return;
	if ((skip = checked_map(l, n, service_keys, "a service")) == NULL)
		return;
	if ((s = new_service(l)) == NULL)
		goto out;
	s->line = n->line;
	s->col = n->col;
	s->acceptance_required = true;
	if (!set_str(l, &s->file, l->path))
		goto out;
	if ((v = map_get(n, skip, "name", NULL)) == NULL)
		diag(l, n, "missing required key 'name' in a service");
	else
		take_checked(l, v, "name", validate_name, &s->name);
	nlb = map_get(n, skip, "network_load_balancer_arns", NULL);
	gwlb = map_get(n, skip, "gateway_load_balancer_arns", &gwlb_key);
	if (nlb && gwlb)
		diag(l, gwlb_key,
		     "a service has either network_load_balancer_arns or "
		     "gateway_load_balancer_arns, not both");
	else if (!nlb && !gwlb)
		diag(l, n,
		     "missing required key 'network_load_balancer_arns' or "
		     "'gateway_load_balancer_arns' in a service");
	if (nlb)
		load_list(l, nlb, "network_load_balancer_arns", ITEM_NLB, true, &s->nlb_arns);
	if (gwlb && !nlb)
		load_list(l, gwlb, "gateway_load_balancer_arns", ITEM_GWLB, true, &s->gwlb_arns);
	if ((v = map_get(n, skip, "acceptance_required", NULL)))
		get_bool(l, v, "acceptance_required", &s->acceptance_required);
	if ((v = map_get(n, skip, "allowed_principals", NULL))) {
		s->principals_managed = true;
		load_list(l, v, "allowed_principals", ITEM_PRINCIPAL, false,
			  &s->allowed_principals);
	}
	if ((conn = map_get(n, skip, "connections", NULL))) {
		load_connections(l, conn, s);
		if (s->connections_managed && !s->acceptance_required &&
		    (s->accept.n > 0 || s->reject_unlisted))
			diag(l, conn,
			     "connections: accept and reject_unlisted decide pending "
			     "connections, which only exist with acceptance_required: true");
		if (s->reject_on_principal_removal && !s->principals_managed)
			diag(l, conn,
			     "connections.reject_on_principal_removal: needs allowed_principals "
			     "(the principals whose removal rejects connections)");
	}
	if ((dns = map_get(n, skip, "private_dns_name", NULL))) {
		if (gwlb != NULL && nlb == NULL)
			diag(l, dns,
			     "private_dns_name: only Network Load Balancer services can have "
			     "a private DNS name");
		take_checked(l, dns, "private_dns_name", validate_dns_name, &s->private_dns_name);
		for (char *c = s->private_dns_name; c && *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + ('a' - 'A'));
	}
	if ((v = map_get(n, skip, "verify_private_dns", NULL)) &&
	    get_bool(l, v, "verify_private_dns", &s->verify_private_dns) && s->verify_private_dns &&
	    dns == NULL)
		diag(l, v, "verify_private_dns: needs private_dns_name (the name to verify)");
	if ((v = map_get(n, skip, "notifications", NULL)))
		load_notifications(l, v, s);
	if ((v = map_get(n, skip, "payer_responsibility", NULL)))
		load_payer(l, v, s);
	if ((v = map_get(n, skip, "supported_ip_address_types", NULL)))
		load_list(l, v, "supported_ip_address_types", ITEM_IP_TYPE, true,
			  &s->ip_address_types);
	else if (strv_push(&s->ip_address_types, "ipv4") < 0)
		oom(l);
	if ((v = map_get(n, skip, "supported_regions", NULL)))
		load_list(l, v, "supported_regions", ITEM_REGION, false, &s->supported_regions);
	if ((v = map_get(n, skip, "tags", NULL)))
		load_tags(l, v, &s->tags);
	if ((v = map_get(n, skip, "adopt", NULL)))
		take_checked(l, v, "adopt", validate_service_id, &s->adopt);
	strv_sort(&s->nlb_arns);
	strv_sort(&s->gwlb_arns);
	strv_sort(&s->allowed_principals);
	strv_sort(&s->accept);
	strv_sort(&s->ip_address_types);
	strv_sort(&s->supported_regions);
	model_tags_sort(&s->tags);
out:
	free(skip);
}

/* A services file: a mapping with one key, services, a list of service mappings. */
static void
load_services_tree(struct loader *l, const struct ynode *root)
{
	static const char *const keys[] = {"services", NULL};
	const struct ynode *list;
	bool *skip;

	if (root == NULL || (root->kind == Y_SCALAR && root->stype == YS_NULL))
		return; /* an empty file: no services */
	if ((skip = checked_map(l, root, keys, "a services file")) == NULL)
		return;
	list = map_get(root, skip, "services", NULL);
	if (list == NULL)
		diag(l, root, "missing required key 'services'");
	else if (want_kind(l, list, Y_SEQ, "services"))
		for (size_t i = 0; i < list->n; i++)
			if (want_kind(l, list->kids[i], Y_MAP, "services entry"))
				load_service(l, list->kids[i]);
	free(skip);
}

/* --- checks across files ------------------------------------------------------------ */

struct spec_ref {
	const char *key;
	size_t idx;
};

static int
spec_ref_cmp(const void *a, const void *b)
{
	const struct spec_ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Report every later spec that repeats an earlier one's name (or adopt id),
 * naming both places, in load order.  Sorting keeps it O(n log n) for 10,000
 * services.
 */
static void
check_unique(struct loader *l, bool adopt)
{
	struct vpcesd_config *c = l->cfg;
	struct spec_ref *refs;
	size_t *first, m = 0;

	if (c->n_services < 2)
		return;
	refs = malloc(c->n_services * sizeof(*refs));
	first = malloc(c->n_services * sizeof(*first));
	if (refs == NULL || first == NULL) {
		free(refs);
		free(first);
		oom(l);
		return;
	}
	for (size_t i = 0; i < c->n_services; i++) {
		const char *k = adopt ? c->services[i].adopt : c->services[i].name;

		first[i] = SIZE_MAX;
		if (k != NULL) {
			refs[m].key = k;
			refs[m].idx = i;
			m++;
		}
	}
	qsort(refs, m, sizeof(*refs), spec_ref_cmp);
	for (size_t i = 1, head = 0; i < m; i++) {
		if (strcmp(refs[i].key, refs[head].key) != 0) {
			head = i;
			continue;
		}
		first[refs[i].idx] = refs[head].idx;
	}
	for (size_t i = 0; i < c->n_services; i++) {
		const struct service_spec *s = &c->services[i], *f;

		if (first[i] == SIZE_MAX)
			continue;
		f = &c->services[first[i]];
		if (adopt)
			diag_at(l, s->file, s->line, s->col,
				"service '%s' adopts %s, which service '%s' already adopts "
				"(%s:%u:%u)",
				s->name ? s->name : "?", s->adopt, f->name ? f->name : "?", f->file,
				f->line, f->col);
		else
			diag_at(l, s->file, s->line, s->col,
				"duplicate service name '%s' (first defined at %s:%u:%u)", s->name,
				f->file, f->line, f->col);
		flush_diags(l); /* keep load order: positions of different files do not sort */
	}
	free(refs);
	free(first);
}

/* By ARN, then load order (the refs are one array: address order is load order). */
static int
lb_ref_cmp(const void *a, const void *b)
{
	const struct lb_ref *x = *(const struct lb_ref *const *)a,
			    *y = *(const struct lb_ref *const *)b;
	int c = strcmp(x->arn, y->arn);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

/*
 * EC2 associates a Network or Gateway Load Balancer with at most one
 * endpoint service, so two specs naming the same one can never both
 * converge: the second create or modification would fail every cycle.
 * Report every later use at the ARN itself, naming the spec that uses it
 * first, in load order.  Sorting pointers keeps it O(n log n) for 10,000
 * services.
 */
static void
check_shared_lbs(struct loader *l)
{
	const struct vpcesd_config *c = l->cfg;
	const struct lb_ref **sorted;
	size_t *first;

	if (l->n_lbs < 2)
		return;
	sorted = malloc(l->n_lbs * sizeof(*sorted));
	first = malloc(l->n_lbs * sizeof(*first));
	if (sorted == NULL || first == NULL) {
		free(sorted);
		free(first);
		oom(l);
		return;
	}
	for (size_t i = 0; i < l->n_lbs; i++) {
		sorted[i] = &l->lbs[i];
		first[i] = SIZE_MAX;
	}
	qsort(sorted, l->n_lbs, sizeof(*sorted), lb_ref_cmp);
	for (size_t i = 1, head = 0; i < l->n_lbs; i++) {
		if (strcmp(sorted[i]->arn, sorted[head]->arn) != 0) {
			head = i;
			continue;
		}
		/* A spec cannot list an ARN twice (load_list), but be sure. */
		if (sorted[i]->svc != sorted[head]->svc)
			first[sorted[i] - l->lbs] = sorted[head]->svc;
	}
	for (size_t i = 0; i < l->n_lbs; i++) {
		const struct lb_ref *r = &l->lbs[i];
		const struct service_spec *s, *f;

		if (first[i] == SIZE_MAX)
			continue;
		s = &c->services[r->svc];
		f = &c->services[first[i]];
		diag_at(l, s->file, r->line, r->col,
			"service '%s' uses load balancer %s, which service '%s' already uses "
			"(%s:%u:%u): EC2 associates a load balancer with one endpoint service only",
			s->name ? s->name : "?", r->arn, f->name ? f->name : "?", f->file, f->line,
			f->col);
		flush_diags(l); /* keep load order, as check_unique does */
	}
	free(sorted);
	free(first);
}

/* --- entry points ------------------------------------------------------------------- */

static int
loader_begin(struct loader *l, const struct conf_env *env, struct conf_diags *diags)
{
	memset(l, 0, sizeof(*l));
	l->env = env;
	l->diags = diags;
	l->yaml_retry_mode = AWSCONF_RETRY_UNSET;
	l->cfg = model_config_new();
	if (l->cfg == NULL) {
		l->path = NULL;
		oom(l);
		return -ENOMEM;
	}
	/* status_file and state_dir keys in vpcesd.yaml replace these defaults. */
	runtime_status_file(l, l->cfg);
	runtime_state_dir(l, l->cfg);
	return 0;
}

/* Parse one buffer as the daemon file (daemon = true) or a services file. */
static void
loader_feed(struct loader *l, const char *path, const void *data, size_t len, bool daemon)
{
	struct ynode *root = NULL;

	l->path = path;
	if (len > CONF_FILE_MAX) {
		diag_file(l, path, "file is larger than 1 MiB (%zu bytes)", len);
		if (daemon)
			resolve_region(l, path, true);
		flush_diags(l);
		return;
	}
	l->cfg->n_files++;
	if (parse_tree(l, data, len, &root) < 0) {
		if (daemon) /* still take the environment's region to check the services */
			resolve_region(l, path, true);
		flush_diags(l);
		return;
	}
	if (daemon)
		load_daemon(l, root, path);
	else
		load_services_tree(l, root);
	ynode_free(root);
	flush_diags(l);
}

static int
loader_end(struct loader *l, struct vpcesd_config **ret)
{
	l->path = NULL;
	resolve_aws(l);
	free(l->yaml_profile);
	l->yaml_profile = NULL;
	check_unique(l, false);
	check_unique(l, true);
	check_shared_lbs(l);
	flush_diags(l);
	free(l->pending);
	l->pending = NULL;
	free(l->lbs);
	l->lbs = NULL;
	if (l->errors > 0 || l->oom) {
		model_config_free(l->cfg);
		l->cfg = NULL;
		return l->oom ? -ENOMEM : -EINVAL;
	}
	*ret = l->cfg;
	l->cfg = NULL;
	return 0;
}

int
conf_load_services_buffer(const char *path, const void *data, size_t len,
			  const struct conf_env *env, struct vpcesd_config **ret,
			  struct conf_diags *diags)
{
	struct loader l;
	int r = loader_begin(&l, env, diags);

	if (r < 0)
		return r;
	resolve_region(&l, NULL, false);
	loader_feed(&l, path, data, len, false);
	return loader_end(&l, ret);
}

static char *
join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	struct buf b;

	buf_init(&b, n + strlen(name) + 2);
	if (buf_printf(&b, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/*
 * Read a regular file below dirfd into `out` (capped at CONF_FILE_MAX + 1 so
 * an oversized file is detected without reading all of it).  O_NONBLOCK keeps
 * a FIFO from blocking the open; fstat then refuses anything not regular.
 */
static int
read_file_at(struct loader *l, int dfd, const char *name, const char *path, struct buf *out,
	     bool *ret_missing)
{
	struct stat st;
	char chunk[65536];
	int fd, r = 0;

	*ret_missing = false;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && ret_missing != NULL) {
			/* Absent is fine for vpcesd.yaml; a dangling symlink is not. */
			if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				*ret_missing = true;
				return 0;
			}
		}
		if (errno == ENXIO) /* a socket: open(2) refuses it before fstat() could */
			diag_file(l, path, "not a regular file");
		else
			diag_file(l, path, "cannot open: %s", strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		diag_file(l, path, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_file(l, path, "not a regular file");
		r = -EINVAL;
		goto out;
	}
	if (st.st_size > CONF_FILE_MAX) {
		diag_file(l, path, "file is larger than 1 MiB (%lld bytes)", (long long)st.st_size);
		r = -EFBIG;
		goto out;
	}
	buf_init(out, CONF_FILE_MAX + 1);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			diag_file(l, path, "cannot read: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		r = buf_append(out, chunk, (size_t)n);
		if (r == -E2BIG) {
			diag_file(l, path, "file is larger than 1 MiB");
			break;
		}
		if (r < 0) {
			oom(l);
			break;
		}
	}
	if (r < 0)
		buf_free(out);
out:
	close(fd);
	return r;
}

/* Names in services.d worth reading: *.yaml / *.yml, not hidden, not backups. */
static bool
wanted_name(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.' || name[n - 1] == '~')
		return false;
	if (strstr(name, ".dpkg-") != NULL || strstr(name, ".rpm") != NULL)
		return false;
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
load_services_dir(struct loader *l, int dfd, const char *dir)
{
	char *sdir = join_path(dir, "services.d");
	struct strv names = STRV_INIT;
	struct dirent *de;
	DIR *d = NULL;
	int fd;

	if (sdir == NULL) {
		oom(l);
		return;
	}
	fd = openat(dfd, "services.d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		struct stat st;

		/*
		 * Absent is an error, not "no services": under policy: sync an
		 * empty desired state deletes every owned service, and a
		 * directory that lost its services.d (or a wrong --config-dir)
		 * must not mean that.  An empty services.d does.
		 */
		if (err == ENOENT && fstatat(dfd, "services.d", &st, AT_SYMLINK_NOFOLLOW) < 0)
			diag_file(l, sdir,
				  "no such directory: the service specs live there (create it; "
				  "an empty directory means no services)");
		else
			diag_file(l, sdir, "cannot open directory: %s", strerror(err));
		goto out;
	}
	d = fdopendir(fd);
	if (d == NULL) {
		diag_file(l, sdir, "cannot open directory: %s", strerror(errno));
		close(fd);
		goto out;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				diag_file(l, sdir, "cannot read directory: %s", strerror(errno));
			break;
		}
		if (!wanted_name(de->d_name))
			continue;
		if (names.n == CONF_FILES_MAX) {
			diag_file(l, sdir, "more than %d files", CONF_FILES_MAX);
			break;
		}
		if (strv_push(&names, de->d_name) < 0) {
			oom(l);
			break;
		}
	}
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(*names.v), name_cmp);
	for (size_t i = 0; i < names.n && !l->oom; i++) {
		char *path = join_path(sdir, names.v[i]);
		struct buf data;
		bool missing;

		if (path == NULL) {
			oom(l);
			break;
		}
		l->path = path;
		if (read_file_at(l, dirfd(d), names.v[i], path, &data, &missing) == 0 && !missing) {
			loader_feed(l, path, data.data ? data.data : "", data.len, false);
			buf_free(&data);
		}
		l->path = NULL;
		free(path);
	}
out:
	if (d != NULL)
		closedir(d);
	strv_free(&names);
	free(sdir);
}

int
conf_load(const char *dir, const struct conf_env *env, struct vpcesd_config **ret,
	  struct conf_diags *diags)
{
	struct loader l;
	char *dpath = NULL;
	struct buf data;
	bool missing = false;
	int dfd, r;

	r = loader_begin(&l, env, diags);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		diag_file(&l, dir, "cannot open configuration directory: %s", strerror(errno));
		return loader_end(&l, ret);
	}
	dpath = join_path(dir, "vpcesd.yaml");
	if (dpath == NULL) {
		oom(&l);
		goto out;
	}
	l.path = dpath;
	if (read_file_at(&l, dfd, "vpcesd.yaml", dpath, &data, &missing) < 0) {
		/* Reported; still take the environment's region to check the services. */
		resolve_region(&l, dpath, true);
	} else if (missing) {
		resolve_region(&l, dpath, false);
	} else {
		loader_feed(&l, dpath, data.data ? data.data : "", data.len, true);
		buf_free(&data);
	}
	load_services_dir(&l, dfd, dir);
out:
	close(dfd);
	r = loader_end(&l, ret);
	free(dpath);
	return r;
}
