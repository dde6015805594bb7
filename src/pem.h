/* SPDX-License-Identifier: ISC */
/*
 * pem: the CA certificates of a PEM file (ca_file).
 *
 * `vpcesd -n` and the HTTP client must agree on what a usable ca_file is:
 * a file that opens and holds at least one PEM certificate.  Both read it
 * through this function, so a file the check passes is one the daemon
 * trusts, and a file the daemon would refuse fails the check with the
 * key's file:line:col.
 *
 * Blocking file I/O (a small local file): at start-up and reload only.
 */
#ifndef VPCESD_PEM_H
#define VPCESD_PEM_H

#include <openssl/x509.h>

#include "err.h"

/*
 * Read every PEM certificate of `path` into `store` (NULL: only count
 * them).  Returns how many were read (> 0), or -ENOENT/-EACCES/… when the
 * file cannot be opened, -EBADMSG when it holds no certificate; `e` names
 * the path.
 */
int pem_load_certs(const char *path, X509_STORE *store, struct err *e);

#endif
