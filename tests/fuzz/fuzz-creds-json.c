/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for creds_parse_json (all three formats),
 * creds_parse_time and the SSO documents of creds_sso.h (token cache,
 * CreateToken and GetRoleCredentials answers, error text, the cache
 * rewrite): any bytes parse or fail cleanly, never crash or leak.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "creds_sso.h"
#include "secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum creds_json_format fmts[] = {CREDS_JSON_PROCESS, CREDS_JSON_ECS,
						      CREDS_JSON_IMDS};
	char *s;
	time_t t;

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct creds c;
		struct err e;

		err_clear(&e);
		if (creds_parse_json(fmts[i], (const char *)data, size, "fuzz", &c, &e) == 0) {
			if (!creds_valid(&c))
				__builtin_trap();
			creds_free(&c);
		}
	}
	{
		struct creds_sso_token t;
		char *access = NULL, *refresh = NULL, *doc = NULL, text[256];
		size_t doc_len = 0;
		long expires_in;
		struct creds c;
		struct err e;

		err_clear(&e);
		if (creds_sso_token_parse((const char *)data, size, "fuzz", &t, &e) == 0) {
			if (t.access_token == NULL)
				__builtin_trap();
			if (creds_sso_token_renewed((const char *)data, size, "new", 1768482000,
						    NULL, &doc, &doc_len, &e) == 0) {
				if (strlen(doc) != doc_len)
					__builtin_trap();
				secret_free(doc);
			}
			creds_sso_token_free(&t);
		}
		err_clear(&e);
		if (creds_sso_parse_create_token((const char *)data, size, "fuzz", &access,
						 &expires_in, &refresh, &e) == 0) {
			if (access == NULL || expires_in < 1)
				__builtin_trap();
			secret_free(access);
			secret_free(refresh);
		}
		err_clear(&e);
		if (creds_sso_parse_role_credentials((const char *)data, size, "fuzz", &c, &e) ==
		    0) {
			if (!creds_valid(&c))
				__builtin_trap();
			creds_free(&c);
		}
		creds_sso_error_text((const char *)data, size, NULL, text, sizeof(text));
	}
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)creds_parse_time(s, &t);
	free(s);
	return 0;
}
