/* SPDX-License-Identifier: ISC */
/*
 * shlex: Python shlex.split() semantics.  See shlex.h.
 *
 * A small state machine over the input bytes; each word is built in a buf
 * and pushed when a blank (or the end) closes it.  `in_word` distinguishes
 * "no word yet" from "an empty quoted word", which POSIX shlex keeps.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "shlex.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
push_word(struct strv *out, struct buf *w, struct err *e)
{
	if (out->n >= SHLEX_MAX_WORDS)
		return err_set(e, -E2BIG, "command line has more than %d words", SHLEX_MAX_WORDS);
	if (strv_push(out, buf_str(w)) < 0)
		return err_set(e, -ENOMEM, "out of memory");
	buf_reset(w);
	return 0;
}

int
shlex_split(const char *s, struct strv *ret, struct err *e)
{
	struct strv out = STRV_INIT;
	struct buf w;
	size_t len = strlen(s);
	int in_word = 0, r = 0;
	char quote = 0;

	if (len > SHLEX_MAX_INPUT)
		return err_set(e, -E2BIG, "command line longer than %d bytes", SHLEX_MAX_INPUT);
	buf_init(&w, SHLEX_MAX_INPUT);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				r = buf_append(&w, &c, 1);
		} else if (quote == '"') {
			if (c == '"') {
				quote = 0;
			} else if (c == '\\' && i + 1 < len &&
				   (s[i + 1] == '"' || s[i + 1] == '\\')) {
				r = buf_append(&w, &s[++i], 1);
			} else {
				r = buf_append(&w, &c, 1);
			}
		} else if (is_blank(c)) {
			if (in_word) {
				r = push_word(&out, &w, e);
				in_word = 0;
			}
		} else if (c == '\\') {
			if (i + 1 >= len) {
				r = err_set(e, -EINVAL, "command line ends with a lone backslash");
				goto fail;
			}
			r = buf_append(&w, &s[++i], 1);
			in_word = 1;
		} else if (c == '\'' || c == '"') {
			quote = c;
			in_word = 1;
		} else {
			r = buf_append(&w, &c, 1);
			in_word = 1;
		}
		if (r < 0)
			goto fail;
	}
	if (quote) {
		r = err_set(e, -EINVAL, "command line has no closing %s quote",
			    quote == '"' ? "double" : "single");
		goto fail;
	}
	if (in_word) {
		r = push_word(&out, &w, e);
		if (r < 0)
			goto fail;
	}
	buf_free(&w);
	*ret = out;
	return 0;
fail:
	if (!err_isset(e))
		err_set(e, r, "cannot split command line");
	buf_free(&w);
	strv_free(&out);
	return r;
}
