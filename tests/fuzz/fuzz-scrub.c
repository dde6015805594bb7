/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for scrub(): any bytes and keys are scrubbed without a
 * crash, a leak or an overrun; the result is idempotent, holds none of the
 * keys whole, and is at most three times as long as its input.
 *
 * Input: up to two keys, each ended by a NUL byte, then the text.  Keys are
 * kept to the base64 alphabet, so that no key can contain "[redacted]" or
 * span one (which the properties could not promise).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scrub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
b64(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *keys[2] = {NULL, NULL}, *once = NULL, *twice = NULL;
	struct scrub_keys k;
	size_t pos = 0, cap, n1, n2;

	scrub_keys_init(&k);
	k.strict = size > 0 && (data[0] & 1);
	for (int i = 0; i < 2; i++) {
		const uint8_t *end = memchr(data + pos, '\0', size - pos);
		size_t n;

		if (end == NULL)
			break;
		n = (size_t)(end - (data + pos));
		keys[i] = malloc(n + 1);
		if (keys[i] == NULL)
			goto out;
		for (size_t j = 0; j < n; j++)
			keys[i][j] = b64(data[pos + j]) ? (char)data[pos + j] : 'A';
		keys[i][n] = '\0';
		scrub_keys_add_str(&k, keys[i]);
		pos += n + 1;
	}
	cap = 3 * (size - pos) + 16;
	once = malloc(cap);
	twice = malloc(cap);
	if (once == NULL || twice == NULL)
		goto out;
	n1 = scrub(once, cap, (const char *)data + pos, size - pos, &k);
	if (n1 > 3 * (size - pos) + 10 || strlen(once) != n1)
		__builtin_trap();
	n2 = scrub(twice, cap, once, n1, &k);
	if (n2 != n1 || memcmp(once, twice, n1) != 0)
		__builtin_trap();
	for (size_t i = 0; i < k.n; i++)
		if (memmem(once, n1, k.v[i].p, k.v[i].n) != NULL)
			__builtin_trap();
out:
	free(keys[0]);
	free(keys[1]);
	free(once);
	free(twice);
	return 0;
}
