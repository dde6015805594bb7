/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for ini.h: any bytes parse or fail cleanly, never crash
 * or leak; a successful parse yields lookups that stay inside the result.
 * Each input is parsed as both a config file and a credentials file.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int k = 0; k < 2; k++) {
		struct ini ini;
		struct err e;

		err_clear(&e);
		if (ini_parse((const char *)data, size, k ? INI_CREDENTIALS : INI_CONFIG, "fuzz",
			      &ini, &e) < 0)
			continue;
		for (size_t i = 0; i < ini.n_sec; i++) {
			const struct ini_section *s = &ini.sec[i];

			if (s->profile != NULL && ini_profile(&ini, s->profile) == NULL)
				__builtin_trap();
			for (size_t j = 0; j < s->n_kv; j++)
				(void)ini_get(s, s->kv[j].key);
		}
		(void)ini_get(ini_profile(&ini, "default"), "aws_access_key_id");
		ini_free(&ini);
	}
	return 0;
}
