/* SPDX-License-Identifier: ISC */
#include "config.h"

#include "escape.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Length of the valid UTF-8 sequence at s (1..4), its code point in *cp; 0
 * when the bytes at s are not valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF).
 */
static size_t
utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * Code points that must not reach a reader raw: C1 controls, the bidi
 * controls, and the invisible ones that split or hide text — zero-width
 * space, non-joiner and joiner, word joiner, the line and paragraph
 * separators (which some tools treat as newlines) and the byte order mark.
 */
static bool
is_hidden(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x061c || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) || c == 0xfeff;
}

/*
 * The next unit of s: either `*n` bytes to copy as they are (out == NULL) or
 * one escape written to out (NUL-terminated, < 12 bytes) that replaces *n
 * input bytes.
 */
static const char *
next_unit(const unsigned char *s, size_t len, size_t *n, char out[12])
{
	uint32_t c;
	size_t k = utf8_seq(s, len, &c);

	if (k == 0) {
		*n = 1;
		snprintf(out, 12, "\\x%02x", s[0]);
		return out;
	}
	*n = k;
	if (c == '\n' || c == '\r' || c == '\t') {
		snprintf(out, 12, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
		return out;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(out, 12, "\\x%02x", (unsigned)c);
		return out;
	}
	if (is_hidden(c)) {
		snprintf(out, 12, "\\u%04x", (unsigned)c);
		return out;
	}
	return NULL;
}

int
escape_append(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t plain = 0; /* start of the run of bytes copied as they are */
	size_t i = 0;

	while (i < len) {
		char esc[12];
		size_t n;
		const char *out = next_unit(p + i, len - i, &n, esc);
		int r;

		if (out == NULL) {
			i += n;
			continue;
		}
		if ((r = buf_append(b, s + plain, i - plain)) < 0 || (r = buf_puts(b, out)) < 0)
			return r;
		i += n;
		plain = i;
	}
	return buf_append(b, s + plain, len - plain);
}

bool
escape_into(char *dst, size_t cap, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t len = strlen(src), i = 0, o = 0;

	while (i < len) {
		char esc[12];
		size_t n;
		const char *out = next_unit(p + i, len - i, &n, esc);
		const char *from = out ? out : src + i;
		size_t m = out ? strlen(out) : n;

		if (o + m >= cap) {
			dst[o] = '\0';
			return false;
		}
		memcpy(dst + o, from, m);
		o += m;
		i += n;
	}
	dst[o] = '\0';
	return true;
}

bool
escape_needed(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	for (size_t i = 0; i < len;) {
		char esc[12];
		size_t n;

		if (next_unit(p + i, len - i, &n, esc) != NULL)
			return true;
		i += n;
	}
	return false;
}

int
escape_json_append(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t plain = 0, i = 0;

	while (i < len) {
		char esc[16];
		uint32_t c;
		size_t n;
		int r;

		/*
		 * Most of a status or state file is printable ASCII: skip such
		 * a run a byte at a time, without decoding (this loop was 8% of
		 * a steady cycle's CPU while every byte went through utf8_seq).
		 */
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
			i++;
			continue;
		}
		n = utf8_seq(p + i, len - i, &c);
		if (n == 0) {
			n = 1;
			snprintf(esc, sizeof(esc), "\\ufffd");
		} else if (c == '"' || c == '\\') {
			snprintf(esc, sizeof(esc), "\\%c", (char)c);
		} else if (c == '\n' || c == '\r' || c == '\t') {
			snprintf(esc, sizeof(esc), "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
		} else if (c < 0x20 || c == 0x7f || is_hidden(c)) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)c);
		} else {
			i += n;
			continue;
		}
		if ((r = buf_append(b, s + plain, i - plain)) < 0 || (r = buf_puts(b, esc)) < 0)
			return r;
		i += n;
		plain = i;
	}
	return buf_append(b, s + plain, len - plain);
}
