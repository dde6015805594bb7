/* SPDX-License-Identifier: ISC */
/*
 * secret: wipe-then-free.  See secret.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "secret.h"

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}
