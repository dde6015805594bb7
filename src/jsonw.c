/* SPDX-License-Identifier: ISC */
/*
 * jsonw: the streaming JSON writer.  See jsonw.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "escape.h"
#include "jsonw.h"

void
jsonw_init(struct jsonw *w, struct buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->empty[0] = true;
}

static void
put(struct jsonw *w, const char *s)
{
	if (w->err == 0)
		w->err = buf_puts(w->out, s);
}

/* Two spaces a level, in one append (JSONW_DEPTH_MAX levels at most). */
static void
indent(struct jsonw *w)
{
	static const char spaces[2 * JSONW_DEPTH_MAX + 1] = "                                ";

	if (w->err == 0 && w->depth > 0)
		w->err = buf_append(w->out, spaces, 2 * (size_t)w->depth);
}

/*
 * A decimal number without printf: the status and state files write one
 * per service field, and vfprintf was most of jsonw_uint()'s cost.
 */
static void
put_u64(struct jsonw *w, bool negative, uint64_t v)
{
	char d[21];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (negative)
		d[--i] = '-';
	if (w->err == 0)
		w->err = buf_append(w->out, d + i, sizeof(d) - i);
}

/*
 * Everything that comes before a value: the separator from the previous
 * value of the container, the newline and indent, and the key.
 */
static void
before_value(struct jsonw *w, const char *key)
{
	bool in_object = w->depth > 0 && w->object[w->depth];

	if (w->err != 0)
		return;
	if (in_object != (key != NULL) || (w->depth == 0 && !w->empty[0])) {
		w->err = -EINVAL;
		return;
	}
	if (w->depth > 0) {
		put(w, w->empty[w->depth] ? "\n" : ",\n");
		indent(w);
	}
	w->empty[w->depth] = false;
	if (key != NULL) {
		put(w, "\"");
		if (w->err == 0)
			w->err = escape_json_append(w->out, key, strlen(key));
		put(w, "\": ");
	}
}

static void
begin(struct jsonw *w, const char *key, bool object)
{
	before_value(w, key);
	if (w->err != 0)
		return;
	if (w->depth >= JSONW_DEPTH_MAX) {
		w->err = -EINVAL;
		return;
	}
	put(w, object ? "{" : "[");
	w->depth++;
	w->empty[w->depth] = true;
	w->object[w->depth] = object;
}

static void
end(struct jsonw *w, bool object)
{
	if (w->err != 0)
		return;
	if (w->depth == 0 || w->object[w->depth] != object) {
		w->err = -EINVAL;
		return;
	}
	if (!w->empty[w->depth]) {
		put(w, "\n");
		w->depth--;
		indent(w);
	} else {
		w->depth--;
	}
	put(w, object ? "}" : "]");
}

void
jsonw_object_begin(struct jsonw *w, const char *key)
{
	begin(w, key, true);
}

void
jsonw_object_end(struct jsonw *w)
{
	end(w, true);
}

void
jsonw_array_begin(struct jsonw *w, const char *key)
{
	begin(w, key, false);
}

void
jsonw_array_end(struct jsonw *w)
{
	end(w, false);
}

void
jsonw_string(struct jsonw *w, const char *key, const char *value)
{
	before_value(w, key);
	if (value == NULL) {
		put(w, "null");
		return;
	}
	put(w, "\"");
	if (w->err == 0)
		w->err = escape_json_append(w->out, value, strlen(value));
	put(w, "\"");
}

void
jsonw_int(struct jsonw *w, const char *key, int64_t value)
{
	before_value(w, key);
	/* The magnitude in unsigned arithmetic: -INT64_MIN does not fit. */
	put_u64(w, value < 0, value < 0 ? 0 - (uint64_t)value : (uint64_t)value);
}

void
jsonw_uint(struct jsonw *w, const char *key, uint64_t value)
{
	before_value(w, key);
	put_u64(w, false, value);
}

void
jsonw_bool(struct jsonw *w, const char *key, bool value)
{
	before_value(w, key);
	put(w, value ? "true" : "false");
}

void
jsonw_null(struct jsonw *w, const char *key)
{
	before_value(w, key);
	put(w, "null");
}

int
jsonw_finish(struct jsonw *w)
{
	if (w->err == 0 && w->depth != 0)
		w->err = -EINVAL;
	put(w, "\n");
	return w->err;
}
