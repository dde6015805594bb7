/* SPDX-License-Identifier: ISC */
/*
 * validate: value formats of the configuration.  See validate.h.
 *
 * Each checker is a small hand-written scanner rather than a regex: the
 * grammars are tiny, the error messages can say exactly which part is wrong,
 * and nothing here allocates.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "endpoint.h"
#include "validate.h"

static bool
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
	return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z');
}

static bool
is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

/* True when s[0..n) is all digits and n == want. */
static bool
digits_exactly(const char *s, size_t n, size_t want)
{
	if (n != want)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

const char *
validate_region_partition(const char *region)
{
	if (strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	if (strncmp(region, "us-isob-", 8) == 0)
		return "aws-iso-b";
	if (strncmp(region, "us-iso-", 7) == 0)
		return "aws-iso";
	return "aws";
}

const char *
validate_partition_dns_suffix(const char *partition)
{
	if (strcmp(partition, "aws-cn") == 0)
		return "amazonaws.com.cn";
	if (strcmp(partition, "aws-iso") == 0)
		return "c2s.ic.gov";
	if (strcmp(partition, "aws-iso-b") == 0)
		return "sc2s.sgov.gov";
	return "amazonaws.com";
}

/* Region grammar: [a-z]{2} ( '-' [a-z]+ )+ '-' [0-9]{1,2}, at most 32 bytes. */
int
validate_region(const char *s, struct err *e)
{
	size_t n = strlen(s), i = 0, words = 0;

	if (n == 0 || n > 32)
		goto bad;
	if (!is_lower(s[0]) || !is_lower(s[1]) || s[2] != '-')
		goto bad;
	i = 2;
	while (s[i] == '-') {
		size_t start = ++i;

		if (is_digit(s[i])) {
			while (is_digit(s[i]))
				i++;
			if (s[i] != '\0' || i - start > 2 || words == 0)
				goto bad;
			return 0;
		}
		while (is_lower(s[i]))
			i++;
		if (i == start)
			goto bad;
		words++;
	}
bad:
	return err_set(e, -EINVAL, "invalid region '%s' (expected a name like us-east-1)", s);
}

int
validate_name(const char *s, struct err *e)
{
	size_t n = strlen(s);

	if (n == 0)
		return err_set(e, -EINVAL, "must not be empty");
	if (n > VALIDATE_NAME_MAX)
		return err_set(e, -EINVAL, "'%.*s...' is longer than %d characters", 16, s,
			       VALIDATE_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return err_set(e, -EINVAL,
				       "'%s' may contain only letters, digits, '.', '_' and '-'",
				       s);
	return 0;
}

int
validate_dns_name(const char *s, struct err *e)
{
	size_t n = strlen(s), labels = 0, start = 0;

	if (n == 0)
		return err_set(e, -EINVAL, "DNS name must not be empty");
	if (n > VALIDATE_DNS_MAX)
		return err_set(e, -EINVAL, "DNS name is longer than %d characters",
			       VALIDATE_DNS_MAX);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_alnum(s[i]) && s[i] != '-')
				return err_set(e, -EINVAL,
					       "invalid DNS name '%s': only letters, digits, '-' "
					       "and '.' are allowed",
					       s);
			continue;
		}
		size_t len = i - start;

		if (len == 0)
			return err_set(e, -EINVAL, "invalid DNS name '%s': empty label", s);
		if (len > VALIDATE_DNS_LABEL_MAX)
			return err_set(e, -EINVAL,
				       "invalid DNS name '%s': label longer than %d characters", s,
				       VALIDATE_DNS_LABEL_MAX);
		if (s[start] == '-' || s[i - 1] == '-')
			return err_set(
				e, -EINVAL,
				"invalid DNS name '%s': a label may not start or end with '-'", s);
		labels++;
		start = i + 1;
	}
	if (labels < 2)
		return err_set(e, -EINVAL, "invalid DNS name '%s': needs at least two labels", s);
	return 0;
}

/*
 * Split an ARN into its six ':'-separated fields (the last one keeps any
 * further ':').  Returns false when there are fewer than six or the first is
 * not "arn".
 */
struct arn_parts {
	const char *f[6];
	size_t len[6];
};

static bool
arn_split(const char *s, struct arn_parts *p)
{
	const char *cur = s;

	for (int i = 0; i < 5; i++) {
		const char *colon = strchr(cur, ':');

		if (colon == NULL)
			return false;
		p->f[i] = cur;
		p->len[i] = (size_t)(colon - cur);
		cur = colon + 1;
	}
	p->f[5] = cur;
	p->len[5] = strlen(cur);
	return p->len[0] == 3 && memcmp(p->f[0], "arn", 3) == 0;
}

static bool
field_is(const struct arn_parts *p, int i, const char *want)
{
	return p->len[i] == strlen(want) && memcmp(p->f[i], want, p->len[i]) == 0;
}

static bool
partition_known(const struct arn_parts *p)
{
	static const char *const known[] = {"aws",     "aws-cn",    "aws-us-gov",
					    "aws-iso", "aws-iso-b", NULL};

	for (int i = 0; known[i]; i++)
		if (field_is(p, 1, known[i]))
			return true;
	return false;
}

int
validate_lb_arn(const char *s, const char *kind, const char *region, struct err *e)
{
	struct arn_parts p;
	const char *res, *name, *slash, *id;
	size_t name_len;
	bool want_net = strcmp(kind, "net") == 0;

	if (strlen(s) > VALIDATE_ARN_MAX || !arn_split(s, &p) ||
	    !field_is(&p, 2, "elasticloadbalancing"))
		return err_set(
			e, -EINVAL,
			"invalid load balancer ARN '%s' (expected arn:<partition>:"
			"elasticloadbalancing:<region>:<account>:loadbalancer/%s/<name>/<id>)",
			s, kind);
	if (!partition_known(&p))
		return err_set(e, -EINVAL,
			       "invalid load balancer ARN '%s': unknown partition '%.*s'", s,
			       (int)p.len[1], p.f[1]);
	if (!digits_exactly(p.f[4], p.len[4], 12))
		return err_set(e, -EINVAL,
			       "invalid load balancer ARN '%s': the account id must be 12 digits",
			       s);
	res = p.f[5];
	if (strncmp(res, "loadbalancer/", 13) != 0)
		return err_set(e, -EINVAL,
			       "invalid load balancer ARN '%s': resource must start with "
			       "'loadbalancer/'",
			       s);
	res += 13;
	if (strncmp(res, "app/", 4) == 0)
		return err_set(e, -EINVAL,
			       "'%s' is an Application Load Balancer; endpoint services need a "
			       "Network or Gateway Load Balancer",
			       s);
	if (strncmp(res, want_net ? "gwy/" : "net/", 4) == 0)
		return err_set(e, -EINVAL, "'%s' is a %s Load Balancer ARN; list it under %s", s,
			       want_net ? "Gateway" : "Network",
			       want_net ? "gateway_load_balancer_arns"
					: "network_load_balancer_arns");
	if (strncmp(res, kind, 3) != 0 || res[3] != '/')
		return err_set(e, -EINVAL,
			       "invalid load balancer ARN '%s': expected loadbalancer/%s/", s,
			       kind);
	name = res + 4;
	slash = strchr(name, '/');
	name_len = slash ? (size_t)(slash - name) : 0;
	if (slash == NULL || name_len == 0 || name_len > 32 || name[0] == '-' ||
	    name[name_len - 1] == '-')
		return err_set(
			e, -EINVAL,
			"invalid load balancer ARN '%s': the name must be 1-32 letters, digits "
			"or '-' (not at either end)",
			s);
	for (size_t i = 0; i < name_len; i++)
		if (!is_alnum(name[i]) && name[i] != '-')
			return err_set(
				e, -EINVAL,
				"invalid load balancer ARN '%s': the name must be 1-32 letters, "
				"digits or '-' (not at either end)",
				s);
	id = slash + 1;
	if (*id == '\0' || strlen(id) > 32)
		goto bad_id;
	for (const char *c = id; *c; c++)
		if (!is_lower_hex(*c))
			goto bad_id;
	{
		char reg[64];

		if (p.len[3] == 0 || p.len[3] >= sizeof(reg))
			return err_set(e, -EINVAL, "invalid load balancer ARN '%s': missing region",
				       s);
		memcpy(reg, p.f[3], p.len[3]);
		reg[p.len[3]] = '\0';
		if (validate_region(reg, NULL) < 0)
			return err_set(e, -EINVAL,
				       "invalid load balancer ARN '%s': invalid region '%s'", s,
				       reg);
		if (region != NULL) {
			const char *part = validate_region_partition(region);

			if (!field_is(&p, 1, part))
				return err_set(e, -EINVAL,
					       "load balancer ARN '%s' is in partition '%.*s', but "
					       "region %s is in partition '%s'",
					       s, (int)p.len[1], p.f[1], region, part);
			if (strcmp(reg, region) != 0)
				return err_set(e, -EINVAL,
					       "load balancer ARN '%s' is in region %s, but vpcesd "
					       "manages region %s",
					       s, reg, region);
		}
	}
	return 0;
bad_id:
	return err_set(
		e, -EINVAL,
		"invalid load balancer ARN '%s': the id after the name must be lower-case hex", s);
}

/* [A-Za-z0-9+=,.@_/-]: characters of IAM paths and names. */
static bool
is_iam_char(char c)
{
	return is_alnum(c) || strchr("+=,.@_-/", c) != NULL;
}

/* "user/<path/name>" or "role/<path/name>" after the prefix `what`. */
static bool
iam_path_ok(const char *rest)
{
	size_t n = strlen(rest);

	if (n == 0 || rest[0] == '/' || rest[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_iam_char(rest[i]) || (rest[i] == '/' && rest[i + 1] == '/'))
			return false;
	return true;
}

static int
iam_arn(const char *s, const char *partition, bool role_only, struct err *e)
{
	struct arn_parts p;
	const char *res;
	const char *what = role_only ? "role ARN" : "principal";
	const char *expect = role_only ? "arn:<partition>:iam::<account>:role/<name>"
				       : "'*' or arn:<partition>:iam::<account>:root|user/<name>|"
					 "role/<name>";

	if (strlen(s) > VALIDATE_ARN_MAX || !arn_split(s, &p) || !field_is(&p, 2, "iam") ||
	    p.len[3] != 0)
		return err_set(e, -EINVAL, "invalid %s '%s' (expected %s)", what, s, expect);
	if (!partition_known(&p))
		return err_set(e, -EINVAL, "invalid %s '%s': unknown partition '%.*s'", what, s,
			       (int)p.len[1], p.f[1]);
	if (!digits_exactly(p.f[4], p.len[4], 12))
		return err_set(e, -EINVAL, "invalid %s '%s': the account id must be 12 digits",
			       what, s);
	res = p.f[5];
	if (role_only) {
		if (strncmp(res, "role/", 5) != 0 || !iam_path_ok(res + 5))
			return err_set(e, -EINVAL, "invalid %s '%s' (expected %s)", what, s,
				       expect);
	} else if (strcmp(res, "root") != 0 &&
		   !((strncmp(res, "user/", 5) == 0 || strncmp(res, "role/", 5) == 0) &&
		     iam_path_ok(res + 5))) {
		return err_set(e, -EINVAL, "invalid %s '%s' (expected %s)", what, s, expect);
	}
	if (partition != NULL && !field_is(&p, 1, partition))
		return err_set(e, -EINVAL,
			       "%s '%s' is in partition '%.*s', but vpcesd runs in '%s'", what, s,
			       (int)p.len[1], p.f[1], partition);
	return 0;
}

int
validate_principal(const char *s, const char *partition, struct err *e)
{
	if (strcmp(s, "*") == 0)
		return 0;
	return iam_arn(s, partition, false, e);
}

int
validate_account_or_principal(const char *s, const char *partition, struct err *e)
{
	struct arn_parts p;
	size_t n = strlen(s);

	if (n == 12 && digits_exactly(s, n, 12))
		return 0;
	if (strcmp(s, "*") == 0)
		return err_set(e, -EINVAL,
			       "'*' is not an account: list the accounts or principal ARNs to "
			       "accept");
	if (n > 0 && s[0] >= '0' && s[0] <= '9')
		return err_set(e, -EINVAL, "invalid account id '%s' (expected 12 digits)", s);
	if (n > VALIDATE_ARN_MAX || !arn_split(s, &p) || !field_is(&p, 2, "iam"))
		return err_set(e, -EINVAL,
			       "invalid entry '%s' (expected a 12-digit account id or "
			       "arn:<partition>:iam::<account>:root|user/<name>|role/<name>)",
			       s);
	return iam_arn(s, partition, false, e);
}

bool
validate_principal_account(const char *s, char out[13])
{
	struct arn_parts p;
	size_t n = strlen(s);

	if (n == 12 && digits_exactly(s, n, 12)) {
		memcpy(out, s, 13);
		return true;
	}
	if (n > VALIDATE_ARN_MAX || !arn_split(s, &p) || !field_is(&p, 2, "iam") ||
	    !digits_exactly(p.f[4], p.len[4], 12))
		return false;
	memcpy(out, p.f[4], 12);
	out[12] = '\0';
	return true;
}

int
validate_sns_topic_arn(const char *s, const char *region, struct err *e)
{
	static const char expect[] = "arn:<partition>:sns:<region>:<account>:<topic name>";
	struct arn_parts p;
	char reg[33];

	if (strlen(s) > VALIDATE_ARN_MAX || !arn_split(s, &p) || !field_is(&p, 2, "sns"))
		return err_set(e, -EINVAL, "invalid SNS topic ARN '%s' (expected %s)", s, expect);
	if (!partition_known(&p))
		return err_set(e, -EINVAL, "invalid SNS topic ARN '%s': unknown partition '%.*s'",
			       s, (int)p.len[1], p.f[1]);
	if (p.len[3] == 0 || p.len[3] >= sizeof(reg))
		return err_set(e, -EINVAL, "invalid SNS topic ARN '%s': no region", s);
	memcpy(reg, p.f[3], p.len[3]);
	reg[p.len[3]] = '\0';
	if (validate_region(reg, NULL) < 0)
		return err_set(e, -EINVAL, "invalid SNS topic ARN '%s': invalid region '%s'", s,
			       reg);
	if (!digits_exactly(p.f[4], p.len[4], 12))
		return err_set(e, -EINVAL,
			       "invalid SNS topic ARN '%s': the account id must be 12 digits", s);
	if (p.len[5] == 0 || p.len[5] > 256)
		return err_set(e, -EINVAL,
			       "invalid SNS topic ARN '%s': the topic name must have 1 to 256 "
			       "characters",
			       s);
	for (size_t i = 0; i < p.len[5]; i++)
		if (!is_alnum(p.f[5][i]) && p.f[5][i] != '_' && p.f[5][i] != '-')
			return err_set(e, -EINVAL,
				       "invalid SNS topic ARN '%s': a topic name has only letters, "
				       "digits, '_' and '-'",
				       s);
	if (region != NULL && strcmp(reg, region) != 0)
		return err_set(e, -EINVAL,
			       "SNS topic '%s' is in region '%s', but vpcesd runs in '%s' (EC2 "
			       "notifies topics of the service's region)",
			       s, reg, region);
	if (region != NULL && !field_is(&p, 1, validate_region_partition(region)))
		return err_set(e, -EINVAL, "SNS topic '%s' is in partition '%.*s', not '%s'", s,
			       (int)p.len[1], p.f[1], validate_region_partition(region));
	return 0;
}

int
validate_role_arn(const char *s, const char *partition, struct err *e)
{
	return iam_arn(s, partition, true, e);
}

int
validate_service_id(const char *s, struct err *e)
{
	size_t n = strlen(s);

	if (strncmp(s, "vpce-svc-", 9) != 0 || n < 9 + 8 || n > 9 + 17)
		goto bad;
	for (size_t i = 9; i < n; i++)
		if (!is_lower_hex(s[i]))
			goto bad;
	return 0;
bad:
	return err_set(
		e, -EINVAL,
		"invalid endpoint service id '%s' (expected vpce-svc- and 8 to 17 lower-case "
		"hex digits)",
		s);
}

int
validate_duration(const char *s, unsigned *ret_seconds, struct err *e)
{
	static const char units[] = "hms";
	static const unsigned mult[] = {3600, 60, 1};
	uint64_t total = 0;
	const char *c = s;
	int next_unit = 0;

	if (*c == '\0')
		goto bad;
	while (*c) {
		uint64_t v = 0;
		const char *start = c;
		const char *u;

		while (is_digit(*c)) {
			v = v * 10 + (uint64_t)(*c - '0');
			if (v > VALIDATE_DURATION_MAX_S)
				goto too_big;
			c++;
		}
		if (c == start)
			goto bad;
		if (*c == '\0') {
			if (start == s)
				return err_set(e, -EINVAL,
					       "duration '%s' needs a unit: s, m or h (e.g. %ss)",
					       s, s);
			goto bad;
		}
		u = strchr(units, *c);
		if (u == NULL || (int)(u - units) < next_unit)
			goto bad;
		next_unit = (int)(u - units) + 1;
		total += v * mult[u - units];
		if (total > VALIDATE_DURATION_MAX_S)
			goto too_big;
		c++;
	}
	*ret_seconds = (unsigned)total;
	return 0;
bad:
	return err_set(e, -EINVAL,
		       "invalid duration '%s' (expected a number with unit s, m or h: 30s, 5m, 1h, "
		       "1m30s)",
		       s);
too_big:
	return err_set(e, -EINVAL, "duration '%s' is longer than 7 days", s);
}

void
validate_format_duration(unsigned seconds, char *out, size_t size)
{
	unsigned h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
	size_t n = 0;

	out[0] = '\0';
	if (h)
		n += (size_t)snprintf(out + n, size - n, "%uh", h);
	if (m && n < size)
		n += (size_t)snprintf(out + n, size - n, "%um", m);
	if ((s || seconds == 0) && n < size)
		snprintf(out + n, size - n, "%us", s);
}

int
validate_percent(const char *s, unsigned *ret_percent, struct err *e)
{
	unsigned v = 0;
	const char *c = s;

	if (!is_digit(*c))
		goto bad;
	while (is_digit(*c)) {
		v = v * 10 + (unsigned)(*c - '0');
		if (v > 100)
			return err_set(e, -EINVAL, "percentage '%s' is above 100%%", s);
		c++;
	}
	if (c[0] == '\0')
		return err_set(e, -EINVAL, "percentage '%s' needs a '%%' sign (e.g. %s%%)", s, s);
	if (c[0] != '%' || c[1] != '\0')
		goto bad;
	*ret_percent = v;
	return 0;
bad:
	return err_set(e, -EINVAL, "invalid percentage '%s' (expected a whole number and %%: 5%%)",
		       s);
}

int
validate_endpoint_url(const char *s, struct err *e)
{
	struct endpoint ep = {0};
	size_t n = strlen(s);
	int r;

	if (n > 2048)
		return err_set(e, -EINVAL, "endpoint URL is longer than 2048 bytes");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return err_set(e, -EINVAL,
				       "endpoint URL '%s' contains a space, a control or "
				       "a non-ASCII character",
				       s);
	/* The very parser the client uses: what passes here connects there. */
	r = endpoint_parse(s, &ep, e);
	endpoint_free(&ep);
	return r;
}

int
validate_abs_path(const char *s, struct err *e)
{
	size_t n = strlen(s);

	if (s[0] != '/')
		return err_set(e, -EINVAL, "'%s' is not an absolute path", s);
	if (n > 4095)
		return err_set(e, -EINVAL, "path is longer than 4095 bytes");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return err_set(e, -EINVAL, "path contains a control character");
	return 0;
}

size_t
validate_utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Tag text: no control characters (the loader has already checked UTF-8). */
static bool
tag_text_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

int
validate_tag_key(const char *s, struct err *e)
{
	size_t n = validate_utf8_length(s);

	if (n == 0)
		return err_set(e, -EINVAL, "tag key must not be empty");
	if (n > VALIDATE_TAG_KEY_MAX)
		return err_set(e, -EINVAL, "tag key '%.32s...' is longer than %d characters", s,
			       VALIDATE_TAG_KEY_MAX);
	if (!tag_text_ok(s))
		return err_set(e, -EINVAL, "tag key contains a control character");
	if (strncasecmp(s, "aws:", 4) == 0)
		return err_set(e, -EINVAL, "tag key '%s': the aws: prefix is reserved for AWS", s);
	if (strncasecmp(s, "vpcesd:", 7) == 0)
		return err_set(
			e, -EINVAL,
			"tag key '%s': the vpcesd: prefix is reserved for vpcesd's ownership "
			"tags",
			s);
	return 0;
}

int
validate_tag_value(const char *s, struct err *e)
{
	if (validate_utf8_length(s) > VALIDATE_TAG_VALUE_MAX)
		return err_set(e, -EINVAL, "tag value '%.32s...' is longer than %d characters", s,
			       VALIDATE_TAG_VALUE_MAX);
	if (!tag_text_ok(s))
		return err_set(e, -EINVAL, "tag value contains a control character");
	return 0;
}

/*
 * Classic two-row Levenshtein over bytes.  Words longer than 64 bytes are
 * never plausible key typos, so they short-cut to "too far".
 */
unsigned
validate_edit_distance(const char *a, const char *b, unsigned cap)
{
	unsigned row[65], prev_diag, tmp;
	size_t la = strlen(a), lb = strlen(b);

	if (la > 64 || lb > 64)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned best;

		prev_diag = row[0];
		row[0] = (unsigned)i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned v = prev_diag + cost;

			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			tmp = row[j];
			row[j] = v;
			prev_diag = tmp;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

const char *
validate_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	unsigned best_d = 0;

	for (size_t i = 0; candidates[i]; i++) {
		size_t la = strlen(word), lb = strlen(candidates[i]);
		unsigned cap = (unsigned)((la > lb ? la : lb) / 3);
		unsigned d;

		if (cap < 1)
			cap = 1;
		d = validate_edit_distance(word, candidates[i], cap);
		if (d <= cap && (best == NULL || d < best_d)) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}
