/* SPDX-License-Identifier: ISC */
/*
 * validate: the value formats of the configuration, one pure function each.
 *
 * The configuration loader (conf.c) decides *where* a value sits in a file;
 * this module decides whether the text of one value is acceptable: AWS ARNs,
 * principals, regions and their partitions, DNS names, durations,
 * percentages, names, tag limits, and the "did you mean" suggestion for
 * unknown keys.  Keeping the formats apart from the YAML walk makes each one
 * unit-testable on its own, and lets later modules (the EC2 reader, the
 * planner) reuse the same definition of "valid".
 *
 * Every checker returns 0 or -EINVAL and, on failure, writes a short reason
 * (no file position, no trailing period) into the caller's `struct err`; the
 * loader prefixes it with path:line:col.  Outputs are untouched on failure.
 *
 * Pure: no allocation unless stated, no I/O, no globals; safe anywhere.
 */
#ifndef VPCESD_VALIDATE_H
#define VPCESD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Bounds shared by the loader, the man page and the tests. */
#define VALIDATE_NAME_MAX       64   /* service names and the owner id */
#define VALIDATE_DNS_MAX        253  /* whole DNS name, without a trailing dot */
#define VALIDATE_DNS_LABEL_MAX  63   /* one DNS label */
#define VALIDATE_TAG_KEY_MAX    128  /* characters (code points), as EC2 counts */
#define VALIDATE_TAG_VALUE_MAX  256  /* characters (code points) */
#define VALIDATE_ARN_MAX        2048 /* bytes */
#define VALIDATE_DURATION_MAX_S (7u * 24 * 3600)

/*
 * The AWS partition a region belongs to: "aws-cn" for cn-*, "aws-us-gov" for
 * us-gov-*, "aws-iso" for us-iso-*, "aws-iso-b" for us-isob-*, "aws"
 * otherwise.  Returns a static string; `region` must already be valid.
 */
const char *validate_region_partition(const char *region);

/* DNS suffix of a partition's public endpoints ("amazonaws.com", ...); static. */
const char *validate_partition_dns_suffix(const char *partition);

/* A region name: lower-case words joined by '-', ending in a number ("us-east-1"). */
int validate_region(const char *s, struct err *e);

/* A name or owner id: [A-Za-z0-9._-]{1,64}. */
int validate_name(const char *s, struct err *e);

/*
 * A DNS name: RFC 1123 labels of letters, digits and '-' (not at either end
 * of a label), 1..63 bytes each, at least two labels, at most 253 bytes, no
 * trailing dot.  Case is not checked; the loader lower-cases names.
 */
int validate_dns_name(const char *s, struct err *e);

/*
 * A load balancer ARN:
 *   arn:<partition>:elasticloadbalancing:<region>:<12 digits>:loadbalancer/<net|gwy>/<name>/<hex id>
 * `kind` is "net" (Network Load Balancer) or "gwy" (Gateway Load Balancer);
 * an ARN of the other kind is rejected with a message that says which key it
 * belongs under.  When `region` is not NULL the ARN must be in that region
 * and in its partition.
 */
int validate_lb_arn(const char *s, const char *kind, const char *region, struct err *e);

/*
 * A principal: "*" or arn:<partition>:iam::<12 digits>:root | user/<path/name> | role/<path/name>.
 * When `partition` is not NULL the ARN must be in it.
 */
int validate_principal(const char *s, const char *partition, struct err *e);

/*
 * An entry of connections.accept: an account id (exactly 12 digits) or a
 * principal ARN as for validate_principal ("*" is not an entry: list the
 * accounts).
 */
int validate_account_or_principal(const char *s, const char *partition, struct err *e);

/*
 * The account a principal or accept entry names: the 12 digits themselves,
 * or the account field of arn:<partition>:iam::<account>:….  Copies it into
 * `out` and returns true; false (out untouched) for "*" or anything else.
 */
bool validate_principal_account(const char *s, char out[13]);

/*
 * An SNS topic for connection notifications:
 * arn:<partition>:sns:<region>:<12 digits>:<1 to 256 of [A-Za-z0-9_-]>.
 * When `region` is not NULL the topic must be in that region (EC2 sends
 * the notifications of a service to a topic of its own region).
 */
int validate_sns_topic_arn(const char *s, const char *region, struct err *e);

/* An IAM role ARN (credentials.role_arn); partition as for validate_principal. */
int validate_role_arn(const char *s, const char *partition, struct err *e);

/* An endpoint service id to adopt: vpce-svc-[0-9a-f]{8,17}. */
int validate_service_id(const char *s, struct err *e);

/*
 * A duration: one or more <digits><unit> groups with units h, m, s in that
 * order, each at most once ("30s", "5m", "1h", "1m30s").  Bounded by
 * VALIDATE_DURATION_MAX_S.  Sets *ret_seconds on success.
 */
int validate_duration(const char *s, unsigned *ret_seconds, struct err *e);

/*
 * Format a duration in the canonical form validate_duration() accepts:
 * "1h30m", "45s", "0s".  `out` must hold at least 32 bytes.
 */
void validate_format_duration(unsigned seconds, char *out, size_t size);

/* A whole percentage 0..100 followed by '%' ("5%").  Sets *ret_percent on success. */
int validate_percent(const char *s, unsigned *ret_percent, struct err *e);

/*
 * An endpoint URL: https://host[:port][/path], or http:// only when the host
 * is loopback (127.0.0.0/8, localhost, [::1]) for the local test endpoint.
 */
int validate_endpoint_url(const char *s, struct err *e);

/* An absolute path without NUL or control characters, at most 4095 bytes. */
int validate_abs_path(const char *s, struct err *e);

/*
 * A tag key (1..128 characters) or value (0..256 characters): valid UTF-8
 * without control characters.  User tag keys may not start with "aws:" or
 * "vpcesd:" (any case): those belong to AWS and to vpcesd's ownership tags.
 */
int validate_tag_key(const char *s, struct err *e);
int validate_tag_value(const char *s, struct err *e);

/* Number of code points in valid UTF-8 `s`. */
size_t validate_utf8_length(const char *s);

/*
 * Levenshtein distance between a and b, capped: returns `cap + 1` as soon as
 * the distance is known to exceed `cap` (keeps it cheap on long input).
 */
unsigned validate_edit_distance(const char *a, const char *b, unsigned cap);

/*
 * The candidate closest to `word` (NULL-terminated array), or NULL when none
 * is close enough to be a plausible typo (distance at most a third of the
 * longer word, and at least 1 allowed).
 */
const char *validate_suggest(const char *word, const char *const *candidates);

#endif
