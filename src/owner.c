/* SPDX-License-Identifier: ISC */
/*
 * owner: the ownership tags.  See owner.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "observation.h"
#include "owner.h"

const char *
owner_of(const struct ec2_tags *tags)
{
	return observation_tag(tags, OWNER_TAG);
}

const char *
owner_name_of(const struct ec2_tags *tags)
{
	const char *name = observation_tag(tags, NAME_TAG);

	return name && name[0] ? name : NULL;
}

bool
owner_is(const struct ec2_tags *tags, const char *owner)
{
	const char *o = owner_of(tags);

	return o != NULL && strcmp(o, owner) == 0;
}

bool
owner_tag_reserved(const char *key)
{
	return strncasecmp(key, "vpcesd:", 7) == 0 || strncasecmp(key, "aws:", 4) == 0;
}
