/* SPDX-License-Identifier: ISC */
/*
 * json_strict: strict reading of secret-bearing JSON.  See json_strict.h.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "json_strict.h"

static void
wipe(cJSON *j)
{
	for (; j != NULL; j = j->next) {
		if (j->valuestring != NULL)
			OPENSSL_cleanse(j->valuestring, strlen(j->valuestring));
		wipe(j->child);
	}
}

void
json_strict_free(cJSON *j)
{
	if (j == NULL)
		return;
	wipe(j);
	cJSON_Delete(j);
}

int
json_strict_parse_object(const char *text, size_t len, size_t max, const char *what,
			 const char *doc, cJSON **ret, struct err *e)
{
	const char *end = NULL;
	cJSON *root;

	if (len > max)
		return err_set(e, -E2BIG, "%s: %s larger than %zu bytes", what, doc, max);
	if (len == 0 || memchr(text, '\0', len) != NULL)
		return err_set(e, -EINVAL, "%s: %s is empty or holds a NUL byte", what, doc);
	root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (root == NULL)
		return err_set(e, -EINVAL, "%s: %s is not valid JSON", what, doc);
	for (; end != NULL && end < text + len; end++) {
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
			json_strict_free(root);
			return err_set(e, -EINVAL, "%s: garbage after the JSON document", what);
		}
	}
	if (!cJSON_IsObject(root)) {
		json_strict_free(root);
		return err_set(e, -EINVAL, "%s: %s is not a JSON object", what, doc);
	}
	*ret = root;
	return 0;
}

int
json_strict_member(const cJSON *obj, const char *name, bool number, bool required,
		   const cJSON **ret, const char *what, struct err *e)
{
	const cJSON *found = NULL;

	for (const cJSON *m = obj->child; m != NULL; m = m->next) {
		if (m->string == NULL || strcmp(m->string, name) != 0)
			continue;
		if (found != NULL)
			return err_set(e, -EINVAL, "%s: member \"%s\" appears twice", what, name);
		found = m;
	}
	if (found != NULL && cJSON_IsNull(found))
		found = NULL;
	if (found == NULL && required)
		return err_set(e, -EINVAL, "%s: required member \"%s\" missing", what, name);
	if (found != NULL && number && !cJSON_IsNumber(found))
		return err_set(e, -EINVAL, "%s: member \"%s\" is not a number", what, name);
	if (found != NULL && !number && !cJSON_IsString(found))
		return err_set(e, -EINVAL, "%s: member \"%s\" is not a string", what, name);
	*ret = found;
	return 0;
}
