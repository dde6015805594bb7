/* SPDX-License-Identifier: ISC */
/*
 * castore: the trust store of the HTTP client.
 *
 * The store is the union of three sources: the system CA bundle (libcurl's
 * built-in CAINFO, or the `system_ca_file` that replaces it), the system CA
 * directory (libcurl's CAPATH, an OpenSSL hashed directory), and the
 * operator's `ca_file`, which adds to the others and never replaces them.
 *
 * Why lazily: parsing the ~140-certificate system bundle costs ~50 ms of
 * CPU (PEM and DER decoding of every certificate), which was a third of a
 * `--once` cycle over 1,000 services.  A TLS handshake needs at most a few
 * of those certificates, so the store holds `ca_file` (small; its errors
 * must show at start-up) at once, asks the hashed directory first (which
 * reads only the files named after the wanted subject), and parses the
 * bundle only the first time an issuer is found in neither, into the store
 * itself: from then on the store is exactly what the eager one was.  The
 * trust is the same union as before; only when the parsing happens differs.
 *
 * Blocking file I/O (local files): at client creation, and once at the
 * first handshake that needs the bundle.
 */
#ifndef VPCESD_CASTORE_H
#define VPCESD_CASTORE_H

#include <stdbool.h>

#include <openssl/x509.h>

#include "err.h"

/*
 * Build the store.  `system_ca_file` NULL means libcurl's built-in bundle
 * and directory; `ca_file` may be NULL.  Returns 0 and *ret (free with
 * X509_STORE_free(); shared by reference with SSL_CTX_set1_cert_store()),
 * or -ENOENT/-EACCES/-EBADMSG (ca_file unusable, no source at all),
 * -ENOMEM; `e` names the file.  *ret is untouched on failure.
 */
int castore_build(const char *system_ca_file, const char *ca_file, X509_STORE **ret, struct err *e);

/*
 * How many certificates (and CRLs) `store` holds now: ca_file's, those
 * the directory has read, and the bundle's once it is read.  For tests.
 */
int castore_count(X509_STORE *store);

#endif
