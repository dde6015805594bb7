/* SPDX-License-Identifier: ISC */
/*
 * ini: AWS shared config/credentials parser.  See ini.h for the accepted
 * language; it mirrors Python's configparser as botocore configures it.
 *
 * One pass over the lines.  The only state carried between lines is the
 * current section and the current key with the indentation of its line: a
 * deeper-indented line continues that key (configparser's rule), anything
 * else starts a new key or section.  Blank lines inside a continued value
 * are kept only when another continuation line follows, as configparser
 * drops trailing blank lines of a value.
 */
#include "secret.h"
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ini.h"
#include "shlex.h"

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static char *
strndup_trim(const char *p, size_t n)
{
	while (n > 0 && is_space(*p)) {
		p++;
		n--;
	}
	while (n > 0 && is_space(p[n - 1]))
		n--;
	return strndup(p, n);
}

static void
kv_free(struct ini_kv *kv)
{
	for (size_t i = 0; i < kv->n_sub; i++)
		kv_free(&kv->sub[i]);
	free(kv->sub);
	free(kv->key);
	secret_free(kv->value);
}

static void
section_free(struct ini_section *s)
{
	for (size_t i = 0; i < s->n_kv; i++)
		kv_free(&s->kv[i]);
	free(s->kv);
	free(s->name);
	free(s->profile);
}

void
ini_free(struct ini *ini)
{
	if (ini == NULL)
		return;
	for (size_t i = 0; i < ini->n_sec; i++)
		section_free(&ini->sec[i]);
	free(ini->sec);
	ini->sec = NULL;
	ini->n_sec = 0;
	ini->cap_sec = 0;
}

const struct ini_kv *
ini_find(const struct ini_section *s, const char *key)
{
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < s->n_kv; i++)
		if (strcmp(s->kv[i].key, key) == 0)
			return &s->kv[i];
	return NULL;
}

const char *
ini_get(const struct ini_section *s, const char *key)
{
	const struct ini_kv *kv = ini_find(s, key);

	return kv ? kv->value : NULL;
}

const struct ini_kv *
ini_find_nested(const struct ini_section *s, const char *key, const char *sub)
{
	const struct ini_kv *kv = ini_find(s, key);

	if (kv == NULL || kv->value != NULL)
		return NULL;
	for (size_t i = kv->n_sub; i > 0; i--)
		if (strcmp(kv->sub[i - 1].key, sub) == 0)
			return &kv->sub[i - 1];
	return NULL;
}

const char *
ini_get_nested(const struct ini_section *s, const char *key, const char *sub)
{
	const struct ini_kv *kv = ini_find_nested(s, key, sub);

	return kv ? kv->value : NULL;
}

/* Whether the header `name` is the two shlex words `type` `want`. */
static bool
header_is(const char *name, const char *type, const char *want)
{
	struct strv words = STRV_INIT;
	struct err ignored;
	bool yes;

	if (strncmp(name, type, strlen(type)) != 0)
		return false;
	err_clear(&ignored);
	if (shlex_split(name, &words, &ignored) < 0)
		return false;
	yes = words.n == 2 && strcmp(words.v[0], type) == 0 && strcmp(words.v[1], want) == 0;
	strv_free(&words);
	return yes;
}

const struct ini_section *
ini_section(const struct ini *ini, const char *type, const char *name)
{
	if (ini == NULL)
		return NULL;
	for (size_t i = ini->n_sec; i > 0; i--)
		if (header_is(ini->sec[i - 1].name, type, name))
			return &ini->sec[i - 1];
	return NULL;
}

const struct ini_section *
ini_profile(const struct ini *ini, const char *name)
{
	if (ini == NULL)
		return NULL;
	for (size_t i = ini->n_sec; i > 0; i--) {
		const struct ini_section *s = &ini->sec[i - 1];

		if (s->profile != NULL && strcmp(s->profile, name) == 0)
			return s;
	}
	return NULL;
}

/* The profile a section header names in a file of `kind` (see ini.h); NULL: none. */
static int
profile_of(enum ini_kind kind, const char *name, char **ret)
{
	struct strv words = STRV_INIT;
	struct err ignored;

	*ret = NULL;
	if (kind == INI_CREDENTIALS || strcmp(name, "default") == 0) {
		*ret = strdup(name);
		return *ret ? 0 : -ENOMEM;
	}
	if (strncmp(name, "profile", 7) != 0)
		return 0;
	err_clear(&ignored);
	if (shlex_split(name, &words, &ignored) < 0)
		return ignored.code == -ENOMEM ? -ENOMEM : 0;
	if (words.n == 2 && strcmp(words.v[0], "profile") == 0) {
		*ret = words.v[1];
		words.v[1] = NULL;
		words.n = 1;
	}
	strv_free(&words);
	return 0;
}

struct parser {
	struct ini out;
	const char *name;
	struct err *e;
	struct ini_section *sec; /* current section or NULL */
	struct ini_kv *kv;       /* current key (continuation target) or NULL */
	size_t key_indent;
	unsigned blanks; /* blank lines seen since the last line of kv */
};

static int
add_section(struct parser *p, const char *name, size_t n, unsigned line, size_t col)
{
	struct ini_section *s;
	char *nm;
	int r;

	if (n == 0)
		return err_set(p->e, -EINVAL, "%s:%u:%zu: empty section name", p->name, line, col);
	nm = strndup(name, n);
	if (nm == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < p->out.n_sec; i++) {
		if (strcmp(p->out.sec[i].name, nm) == 0) {
			r = err_set(p->e, -EINVAL,
				    "%s:%u:%zu: duplicate section [%s] (first on line %u)", p->name,
				    line, col, nm, p->out.sec[i].line);
			free(nm);
			return r;
		}
	}
	if (p->out.n_sec >= INI_MAX_SECTIONS) {
		free(nm);
		return err_set(p->e, -E2BIG, "%s:%u:%zu: more than %d sections", p->name, line, col,
			       INI_MAX_SECTIONS);
	}
	if (p->out.n_sec == p->out.cap_sec) {
		size_t cap = p->out.cap_sec ? 2 * p->out.cap_sec : 8;
		struct ini_section *v = realloc(p->out.sec, cap * sizeof(*v));

		if (v == NULL) {
			free(nm);
			return -ENOMEM;
		}
		p->out.sec = v;
		p->out.cap_sec = cap;
	}
	s = &p->out.sec[p->out.n_sec];
	memset(s, 0, sizeof(*s));
	s->name = nm;
	s->line = line;
	r = profile_of(p->out.kind, nm, &s->profile);
	if (r < 0) {
		free(nm);
		return r;
	}
	p->out.n_sec++;
	p->sec = s;
	p->kv = NULL;
	return 0;
}

static int
add_key(struct parser *p, const char *text, size_t n, unsigned line, size_t indent)
{
	struct ini_section *s = p->sec;
	const char *d = NULL;
	char *key = NULL, *value = NULL;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (text[i] == '=' || text[i] == ':') {
			d = text + i;
			break;
		}
	}
	if (d == NULL)
		return err_set(p->e, -EINVAL, "%s:%u:%zu: expected \"key = value\"", p->name, line,
			       indent + 1);
	if (s == NULL)
		return err_set(p->e, -EINVAL, "%s:%u:%zu: key outside of any [section]", p->name,
			       line, indent + 1);
	key = strndup_trim(text, (size_t)(d - text));
	value = strndup_trim(d + 1, n - (size_t)(d - text) - 1);
	if (key == NULL || value == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	if (key[0] == '\0') {
		r = err_set(p->e, -EINVAL, "%s:%u:%zu: empty key", p->name, line, indent + 1);
		goto fail;
	}
	for (char *c = key; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	for (size_t i = 0; i < s->n_kv; i++) {
		if (strcmp(s->kv[i].key, key) == 0) {
			r = err_set(p->e, -EINVAL,
				    "%s:%u:%zu: duplicate key \"%s\" in [%s] (first on line %u)",
				    p->name, line, indent + 1, key, s->name, s->kv[i].line);
			goto fail;
		}
	}
	if (s->n_kv >= INI_MAX_KEYS) {
		r = err_set(p->e, -E2BIG, "%s:%u:%zu: more than %d keys in [%s]", p->name, line,
			    indent + 1, INI_MAX_KEYS, s->name);
		goto fail;
	}
	if (s->n_kv == s->cap_kv) {
		size_t cap = s->cap_kv ? 2 * s->cap_kv : 8;
		struct ini_kv *v = realloc(s->kv, cap * sizeof(*v));

		if (v == NULL) {
			r = -ENOMEM;
			goto fail;
		}
		s->kv = v;
		s->cap_kv = cap;
	}
	s->kv[s->n_kv] = (struct ini_kv){
		.key = key, .value = value, .line = line, .col = (unsigned)indent + 1};
	p->kv = &s->kv[s->n_kv++];
	p->key_indent = indent;
	p->blanks = 0;
	return 0;
fail:
	free(key);
	secret_free(value);
	return r;
}

/* One `sub = value` line of the nested block of `kv` (botocore's _parse_nested). */
static int
add_nested(struct parser *p, struct ini_kv *kv, const char *text, size_t n, unsigned line,
	   size_t indent)
{
	const char *d = memchr(text, '=', n);
	char *key, *value;

	if (d == NULL)
		return err_set(p->e, -EINVAL,
			       "%s:%u:%zu: expected \"key = value\" in the block of \"%s\"",
			       p->name, line, indent + 1, kv->key);
	if (kv->n_sub >= INI_MAX_KEYS)
		return err_set(p->e, -E2BIG, "%s:%u:%zu: more than %d keys in the block of \"%s\"",
			       p->name, line, indent + 1, INI_MAX_KEYS, kv->key);
	if (kv->n_sub == kv->cap_sub) {
		size_t cap = kv->cap_sub ? 2 * kv->cap_sub : 4;
		struct ini_kv *v = realloc(kv->sub, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		kv->sub = v;
		kv->cap_sub = cap;
	}
	key = strndup_trim(text, (size_t)(d - text));
	value = strndup_trim(d + 1, n - (size_t)(d - text) - 1);
	if (key == NULL || value == NULL) {
		free(key);
		secret_free(value);
		return -ENOMEM;
	}
	kv->sub[kv->n_sub++] = (struct ini_kv){
		.key = key, .value = value, .line = line, .col = (unsigned)indent + 1};
	return 0;
}

/* A line indented deeper than the current key: more value, or a nested block. */
static int
continue_key(struct parser *p, const char *text, size_t n, unsigned line, size_t indent)
{
	struct ini_kv *kv = p->kv;
	size_t old, size;
	char *v;

	if (kv->value != NULL && kv->value[0] == '\0') {
		/* `key =` followed by indented lines: a nested block. */
		free(kv->value);
		kv->value = NULL;
	}
	if (kv->value == NULL)
		return add_nested(p, kv, text, n, line, indent);
	/* Sized exactly once, so no partial copy of a secret is left in freed memory. */
	old = strlen(kv->value);
	size = old + p->blanks + 1 + n;
	if (size > INI_MAX_BYTES)
		return err_set(p->e, -E2BIG, "%s:%u: value of \"%s\" too long", p->name, line,
			       kv->key);
	v = malloc(size + 1);
	if (v == NULL)
		return -ENOMEM;
	memcpy(v, kv->value, old);
	memset(v + old, '\n', p->blanks + 1);
	memcpy(v + old + p->blanks + 1, text, n);
	v[size] = '\0';
	secret_free(kv->value);
	kv->value = v;
	p->blanks = 0;
	return 0;
}

static int
parse_line(struct parser *p, const char *line, size_t n, unsigned lineno)
{
	size_t indent = 0;
	const char *close = NULL;

	while (n > 0 && is_space(line[n - 1]))
		n--;
	while (indent < n && is_space(line[indent]))
		indent++;
	if (indent == n) {
		if (p->kv != NULL)
			p->blanks++;
		return 0;
	}
	if (line[indent] == '#' || line[indent] == ';')
		return 0;
	if (p->kv != NULL && indent > p->key_indent)
		return continue_key(p, line + indent, n - indent, lineno, indent);
	p->kv = NULL;
	if (line[indent] == '[') {
		for (size_t i = n; i > indent + 1; i--) {
			if (line[i - 1] == ']') {
				close = line + i - 1;
				break;
			}
		}
		if (close == NULL)
			return err_set(p->e, -EINVAL, "%s:%u:%zu: section header without \"]\"",
				       p->name, lineno, indent + 1);
		return add_section(p, line + indent + 1, (size_t)(close - line) - indent - 1,
				   lineno, indent + 1);
	}
	return add_key(p, line + indent, n - indent, lineno, indent);
}

int
ini_parse(const char *text, size_t len, enum ini_kind kind, const char *name, struct ini *ret,
	  struct err *e)
{
	struct parser p = {.out = {.kind = kind}, .name = name, .e = e};
	unsigned lineno = 0;
	size_t pos = 0;
	int r;

	if (len > INI_MAX_BYTES)
		return err_set(e, -E2BIG, "%s: larger than %d bytes", name, INI_MAX_BYTES);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		return err_set(e, -EINVAL,
			       "%s:1:1: byte order mark not supported (save as plain UTF-8)", name);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *nul = memchr(text + pos, '\0', n);

		lineno++;
		if (nul != NULL) {
			r = err_set(e, -EINVAL, "%s:%u:%zu: NUL byte", name, lineno,
				    (size_t)(nul - (text + pos)) + 1);
			goto fail;
		}
		r = parse_line(&p, text + pos, n, lineno);
		if (r < 0)
			goto fail;
		pos += n + 1;
	}
	*ret = p.out;
	return 0;
fail:
	if (!err_isset(e))
		err_set(e, r, "%s:%u: %s", name, lineno, r == -ENOMEM ? "out of memory" : "error");
	ini_free(&p.out);
	return r;
}
