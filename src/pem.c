/* SPDX-License-Identifier: ISC */
/*
 * pem: PEM certificates of a file.  See pem.h.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "pem.h"

int
pem_load_certs(const char *path, X509_STORE *store, struct err *e)
{
	BIO *bio;
	X509 *x;
	int n = 0;

	errno = 0;
	bio = BIO_new_file(path, "r");
	if (!bio) {
		int r = errno ? -errno : -ENOENT;

		ERR_clear_error();
		return err_set(e, r, "%s: cannot open: %s", path, strerror(-r));
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		/* A duplicate is harmless; other failures only narrow the trust. */
		if (store == NULL || X509_STORE_add_cert(store, x) == 1)
			n++;
		X509_free(x);
	}
	ERR_clear_error(); /* the loop ends with a "no start line" error */
	BIO_free(bio);
	if (n == 0)
		return err_set(e, -EBADMSG, "%s: no PEM certificate found", path);
	return n;
}
