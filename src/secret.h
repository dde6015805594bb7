/* SPDX-License-Identifier: ISC */
/*
 * secret: freeing memory that held a secret.
 *
 * Secret keys, session tokens, web identity tokens and ECS tokens are wiped
 * (OPENSSL_cleanse, which the compiler may not optimise away) before their
 * memory goes back to the allocator, so a later heap dump, core file or
 * use-after-free cannot reveal them.  Safe anywhere.
 */
#ifndef VPCESD_SECRET_H
#define VPCESD_SECRET_H

/* Wipe the NUL-terminated string s, then free it.  NULL is a no-op. */
void secret_free(char *s);

#endif
