/* SPDX-License-Identifier: ISC */
/*
 * ini: the AWS shared config and credentials file format.
 *
 * `~/.aws/config` and `~/.aws/credentials` are Python configparser files as
 * botocore reads them (botocore/configloader.py, RawConfigParser with its
 * defaults), so vpcesd accepts and rejects the same files the AWS CLI does:
 *
 *  - `[section]` headers; the name runs to the last `]`, case-sensitive;
 *    text after it is ignored; `[]` is an error; a key before any section is
 *    an error;
 *  - `key = value` or `key : value` (first `=` or `:`), key and value
 *    trimmed, keys folded to lower case, an empty key is an error, a line
 *    without a delimiter is an error;
 *  - whole-line comments start with `#` or `;` (also indented); there are no
 *    inline comments (`k = v # x` has the value `v # x`);
 *  - a line indented deeper than its key continues the value (joined with
 *    "\n"); a key whose value is empty on its own line and continues this
 *    way is a nested block (`ec2 =\n  endpoint_url = https://...`): its
 *    lines must hold `=` and are split at the first one, sub-key and value
 *    trimmed, the sub-key kept as written (botocore's _parse_nested: no case
 *    folding, `:` is no delimiter, a repeated sub-key: the last one wins).
 *    The block is kept beside the key/value map (ini_get() does not see it;
 *    ini_get_nested() does);
 *  - a section or a key (after case folding) given twice is an error, as
 *    configparser's strict mode makes it;
 *  - a byte-order mark and NUL bytes are errors (configparser rejects both).
 *
 * Profiles: in a config file `[default]` and `[profile NAME]` are profiles
 * (NAME read with shlex, so `[profile "a b"]` works; `[profilex]`,
 * `[sso-session x]`, `[services x]` and other sections are not, and
 * ini_section() finds those by their two words); in a
 * credentials file every section is a profile named as written.  When two
 * sections name the same profile the later one wins, as in botocore.
 *
 * Values are treated as possibly secret: ini_free() wipes them, and no error
 * message quotes a value (messages name the file, line, column and key).
 *
 * Pure: no I/O; safe on the event loop.
 */
#ifndef VPCESD_INI_H
#define VPCESD_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define INI_MAX_BYTES    (1024 * 1024) /* larger files are refused */
#define INI_MAX_SECTIONS 4096
#define INI_MAX_KEYS     4096 /* per section */

enum ini_kind {
	INI_CONFIG,      /* ~/.aws/config: [default], [profile x] */
	INI_CREDENTIALS, /* ~/.aws/credentials: [x] */
};

struct ini_kv {
	char *key;     /* lower case (a nested entry's sub-key: as written) */
	char *value;   /* NULL for a nested block */
	unsigned line; /* 1-based line of the key */
	unsigned col;  /* 1-based column of the key */
	/* A nested block's entries, in file order (none for a plain value). */
	struct ini_kv *sub;
	size_t n_sub;
	size_t cap_sub;
};

struct ini_section {
	char *name;    /* as written between the brackets */
	char *profile; /* profile name, or NULL when this section is no profile */
	unsigned line;
	struct ini_kv *kv;
	size_t n_kv;
	size_t cap_kv;
};

struct ini {
	enum ini_kind kind;
	struct ini_section *sec;
	size_t n_sec;
	size_t cap_sec;
};

/*
 * Parse `len` bytes of `text` (need not be NUL-terminated).  `name` (the file
 * path) prefixes error messages: "NAME:LINE:COL: message".  On success *ret
 * owns everything (free with ini_free()); on failure *ret is untouched.
 * Errors: -EINVAL (syntax), -E2BIG (limits), -ENOMEM.
 */
int ini_parse(const char *text, size_t len, enum ini_kind kind, const char *name, struct ini *ret,
	      struct err *e);

/* Wipe the values and free everything; leaves an empty ini.  NULL-safe. */
void ini_free(struct ini *ini);

/* The section that defines profile `name` (the last one), or NULL. */
const struct ini_section *ini_profile(const struct ini *ini, const char *name);

/* The value of `key` (lower case) in `s`, or NULL (also for nested blocks and s == NULL). */
const char *ini_get(const struct ini_section *s, const char *key);

/* The entry of `key` in `s`, for its line number; NULL when absent. */
const struct ini_kv *ini_find(const struct ini_section *s, const char *key);

/*
 * The entry `sub` of the nested block `key` in `s` (the last one of that
 * sub-key), or NULL: no such block, no such entry, or `key` is a plain value.
 */
const struct ini_kv *ini_find_nested(const struct ini_section *s, const char *key, const char *sub);

/* Its value, or NULL. */
const char *ini_get_nested(const struct ini_section *s, const char *key, const char *sub);

/*
 * The last section whose header splits (shlex, as for profiles) into exactly
 * the two words `type` and `name`: ini_section(ini, "services", "dev") finds
 * `[services dev]`.  NULL when there is none or ini is NULL.
 */
const struct ini_section *ini_section(const struct ini *ini, const char *type, const char *name);

#endif
