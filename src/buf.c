/* SPDX-License-Identifier: ISC */
/*
 * buf: bounded growable buffer.  See buf.h.
 *
 * Growth doubles the capacity (bounded by max + 1 for the NUL), so appending
 * n bytes one at a time costs O(n) amortised.  A buffer with a sink
 * allocates its chunk size at once instead and, rather than grow past it,
 * hands the whole allocation to the sink (no copy) and starts again.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->sink = NULL;
	b->sink_arg = NULL;
	b->chunk = 0;
	b->flushed = 0;
	b->sink_err = 0;
}

void
buf_init_sink(struct buf *b, size_t max, size_t chunk, buf_sink_fn *sink, void *arg)
{
	buf_init(b, max);
	b->sink = sink;
	b->sink_arg = arg;
	b->chunk = chunk > 0 ? chunk : 1;
}

int
buf_flush(struct buf *b)
{
	char *data = b->data;
	size_t len = b->len;
	int r;

	if (b->sink == NULL || b->sink_err != 0)
		return b->sink_err;
	if (len == 0)
		return 0;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->flushed += len;
	r = b->sink(b->sink_arg, data, len);
	if (r < 0)
		b->sink_err = r;
	return r;
}

size_t
buf_total(const struct buf *b)
{
	return b->flushed + b->len;
}

int
buf_truncate(struct buf *b, size_t total)
{
	if (total < b->flushed)
		return -ESPIPE;
	if (total - b->flushed > b->len)
		return -EINVAL;
	b->len = total - b->flushed;
	if (b->data)
		b->data[b->len] = '\0';
	return 0;
}

int
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap, room;
	char *p;
	int r;

	if (b->sink_err != 0)
		return b->sink_err;
	/* flushed <= max always holds: every flushed byte was once within it. */
	room = b->max - b->flushed;
	if (extra > room || b->len > room - extra)
		return -E2BIG;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	if (b->sink != NULL) {
		/* Rather than grow: hand over what is there, start a new chunk. */
		if (b->len > 0 && (r = buf_flush(b)) < 0)
			return r;
		need = extra + 1;
		cap = need > b->chunk + 1 ? need : b->chunk + 1;
		room = b->max - b->flushed;
	} else {
		cap = b->cap ? b->cap : 64;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	}
	if (cap > room + 1)
		cap = room + 1;
	p = realloc(b->data, cap);
	if (p == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	int r = buf_reserve(b, n);

	if (r < 0)
		return r;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	r = buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	buf_init(b, b->max);
}

char *
buf_steal(struct buf *b)
{
	char *s = b->data ? b->data : strdup("");

	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return s;
}
