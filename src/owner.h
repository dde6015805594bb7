/* SPDX-License-Identifier: ISC */
/*
 * owner: the two tags that make an endpoint service vpcesd's.
 *
 * Every service vpcesd creates carries vpcesd:owner=<owner> and
 * vpcesd:name=<spec name>, set atomically at create time; a service without
 * our owner tag is never changed or deleted unless a spec adopts it.  The
 * listing is filtered by the server on the owner tag, and the planner
 * checks the tag again itself (a server that ignores the filter must not
 * make a foreign service ours).  This header is the one place those tags
 * and the checks on them are spelled.
 *
 * Pure; safe on the event loop.
 */
#ifndef VPCESD_OWNER_H
#define VPCESD_OWNER_H

#include <stdbool.h>

#include "ec2_types.h"

#define OWNER_TAG "vpcesd:owner"
#define NAME_TAG  "vpcesd:name"

/* The vpcesd:owner value of `tags`, NULL when absent. */
const char *owner_of(const struct ec2_tags *tags);

/* The vpcesd:name value of `tags`, NULL when absent or empty (an empty name names nothing). */
const char *owner_name_of(const struct ec2_tags *tags);

/* True when `tags` carry vpcesd:owner=<owner> exactly. */
bool owner_is(const struct ec2_tags *tags, const char *owner);

/* Tags vpcesd never changes through tag diffs: vpcesd:* and aws:*, in any case. */
bool owner_tag_reserved(const char *key);

#endif
