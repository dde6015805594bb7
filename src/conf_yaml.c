/* SPDX-License-Identifier: ISC */
/*
 * conf_yaml: stages 1 and 2 of a load (conf.c): the bytes of one file are
 * checked (NUL bytes, UTF-8) before libyaml sees them, so those errors carry
 * an exact line:col too; then libyaml's event API builds the small tree of
 * ynode.h, keeping every node's start mark and resolving plain scalars with
 * the YAML 1.2 core schema.  Aliases, tags other than !!str, several
 * documents, too deep or too many nodes are reported here.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "conf_loader.h"

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
			conf_diag_at(l, l->path, line, col, "NUL byte in file");
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
		conf_diag_at(l, l->path, line, col,
			     "invalid UTF-8 byte 0x%02x (files must be UTF-8)", c);
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
		conf_diag_at(l, l->path, line, col, "YAML tag '%s' is not supported (only !!str)",
			     tag);
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
			conf_diag_at(l, l->path, line, col, "NUL character in a string");
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
int
conf_parse_tree(struct loader *l, const unsigned char *data, size_t len, struct ynode **ret_root)
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
		conf_oom(l);
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
				conf_oom(l);
				r = -ENOMEM;
			} else if (parser.error == YAML_READER_ERROR) {
				/* The reader reports a byte offset, not a mark. */
				position_at(data, len, parser.problem_offset, &line, &col);
				if (parser.problem_value >= 0)
					conf_diag_at(l, l->path, line, col,
						     "YAML syntax error: %s (U+%04X)",
						     parser.problem ? parser.problem
								    : "unknown problem",
						     (unsigned)parser.problem_value);
				else
					conf_diag_at(l, l->path, line, col, "YAML syntax error: %s",
						     parser.problem ? parser.problem
								    : "unknown problem");
				r = -EINVAL;
			} else {
				conf_diag_at(l, l->path, (unsigned)parser.problem_mark.line + 1,
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
				conf_diag_at(l, l->path, line, col,
					     "a file may hold only one YAML document");
				r = -EINVAL;
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			conf_diag_at(
				l, l->path, line, col,
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
				conf_diag_at(l, l->path, line, col,
					     "more than %d YAML nodes in one file", CONF_NODES_MAX);
				r = -EINVAL;
				done = true;
				break;
			}
			if (ev.type != YAML_SCALAR_EVENT && depth == CONF_DEPTH_MAX) {
				conf_diag_at(l, l->path, line, col,
					     "YAML nested deeper than %d levels", CONF_DEPTH_MAX);
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
		conf_oom(l);
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
