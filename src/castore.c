/* SPDX-License-Identifier: ISC */
/*
 * castore: the HTTP client's trust store, the system bundle read lazily.
 * See castore.h.
 *
 * The lazy bundle is an X509_LOOKUP of our own: OpenSSL consults a store's
 * lookups, in the order they were added, only for a subject that no
 * certificate already in the store has.  Ours is added after the hashed
 * directory: on its first call it reads the whole bundle into the store
 * (pem_load_certs()), then answers from the store, as by_dir does.  A
 * bundle that later fails to open narrows trust (the handshake fails);
 * it never widens it.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "castore.h"
#include "pem.h"

struct lazy_bundle {
	char *path;
	bool loaded; /* read on the first lookup, never again */
};

static int
lazy_new(X509_LOOKUP *lu)
{
	(void)lu;
	return 1;
}

static void
lazy_free(X509_LOOKUP *lu)
{
	struct lazy_bundle *lb = X509_LOOKUP_get_method_data(lu);

	if (lb) {
		free(lb->path);
		free(lb);
	}
}

/*
 * A subject the store lacks: read the bundle into the store (once), then
 * hand back the store's object of that subject the way OpenSSL's own
 * lookups do, without a reference of ours (the caller takes one).
 */
static int
lazy_get_by_subject(X509_LOOKUP *lu, X509_LOOKUP_TYPE type, const X509_NAME *name, X509_OBJECT *ret)
{
	struct lazy_bundle *lb = X509_LOOKUP_get_method_data(lu);
	X509_STORE *store = X509_LOOKUP_get_store(lu);
	X509_OBJECT *obj;
	int ok = 0;

	if (lb == NULL || store == NULL)
		return 0;
	if (!lb->loaded) {
		struct err e;

		lb->loaded = true;
		err_clear(&e);
		(void)pem_load_certs(lb->path, store, &e);
		ERR_clear_error();
	}
	if (!X509_STORE_lock(store))
		return 0;
	obj = X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(store), type, name);
	if (obj && type == X509_LU_X509) {
		X509 *x = X509_OBJECT_get0_X509(obj);

		ok = x && X509_OBJECT_set1_X509(ret, x) == 1;
		if (ok)
			X509_free(x); /* back to the store's own reference */
	} else if (obj && type == X509_LU_CRL) {
		X509_CRL *crl = X509_OBJECT_get0_X509_CRL(obj);

		ok = crl && X509_OBJECT_set1_X509_CRL(ret, crl) == 1;
		if (ok)
			X509_CRL_free(crl);
	}
	X509_STORE_unlock(store);
	return ok;
}

/*
 * The lookup method, made once and never changed: a constant table built
 * at run time because OpenSSL 3 keeps X509_LOOKUP_METHOD opaque.  Made on
 * the loop thread (client creation), never freed (it is reachable).
 */
static X509_LOOKUP_METHOD *
lazy_method(void)
{
	static X509_LOOKUP_METHOD *m;

	if (m == NULL) {
		X509_LOOKUP_METHOD *n = X509_LOOKUP_meth_new("vpcesd lazy bundle");

		if (n == NULL || !X509_LOOKUP_meth_set_new_item(n, lazy_new) ||
		    !X509_LOOKUP_meth_set_free(n, lazy_free) ||
		    !X509_LOOKUP_meth_set_get_by_subject(n, lazy_get_by_subject)) {
			X509_LOOKUP_meth_free(n);
			return NULL;
		}
		m = n;
	}
	return m;
}

/* Add the bundle at `path` as a lazy lookup.  -ENOENT/-EACCES: unreadable. */
static int
add_lazy_bundle(X509_STORE *store, const char *path)
{
	X509_LOOKUP_METHOD *m;
	struct lazy_bundle *lb;
	X509_LOOKUP *lu;

	if (access(path, R_OK) < 0)
		return -errno;
	m = lazy_method();
	if (m == NULL)
		return -ENOMEM;
	lb = calloc(1, sizeof(*lb));
	if (lb == NULL || (lb->path = strdup(path)) == NULL) {
		free(lb);
		return -ENOMEM;
	}
	lu = X509_STORE_add_lookup(store, m);
	if (lu == NULL || !X509_LOOKUP_set_method_data(lu, lb)) {
		free(lb->path);
		free(lb);
		return -ENOMEM;
	}
	return 0;
}

/* libcurl's built-in CA directory as a hashed-directory lookup, when it has one. */
static bool
add_curl_dir(X509_STORE *store, const char **cainfo)
{
	bool loaded = false;
#if LIBCURL_VERSION_NUM >= 0x075400
	CURL *tmp = curl_easy_init();
	char *info = NULL, *capath = NULL;

	if (tmp) {
		curl_easy_getinfo(tmp, CURLINFO_CAINFO, &info);
		curl_easy_getinfo(tmp, CURLINFO_CAPATH, &capath);
		if (capath && X509_STORE_load_path(store, capath) == 1)
			loaded = true;
		/* Static strings of libcurl: valid after the handle is gone. */
		*cainfo = info;
		curl_easy_cleanup(tmp);
	}
#else
	(void)store;
	*cainfo = NULL;
#endif
	ERR_clear_error();
	return loaded;
}

int
castore_build(const char *system_ca_file, const char *ca_file, X509_STORE **ret, struct err *e)
{
	X509_STORE *store = X509_STORE_new();
	const char *bundle = system_ca_file;
	bool loaded = false;
	int r;

	if (!store)
		return err_set(e, -ENOMEM, "out of memory");
	if (ca_file) {
		struct err inner;

		err_clear(&inner);
		r = pem_load_certs(ca_file, store, &inner);
		if (r < 0) {
			r = err_set(e, r, "ca_file %s", inner.msg);
			goto fail;
		}
		loaded = true;
	}
	if (system_ca_file == NULL && add_curl_dir(store, &bundle))
		loaded = true;
	if (bundle) {
		r = add_lazy_bundle(store, bundle);
		if (r == -ENOMEM) {
			r = err_set(e, r, "out of memory");
			goto fail;
		}
		if (r < 0 && system_ca_file) {
			r = err_set(e, r, "ca_file %s: cannot open: %s", system_ca_file,
				    strerror(-r));
			goto fail;
		}
		if (r == 0)
			loaded = true;
	}
	if (!loaded && system_ca_file == NULL && X509_STORE_set_default_paths(store) == 1)
		loaded = true;
	ERR_clear_error();
	if (!loaded) {
		r = err_set(e, -ENOENT, "http: no CA certificates found (system store empty)");
		goto fail;
	}
	*ret = store;
	return 0;
fail:
	X509_STORE_free(store);
	return r;
}

int
castore_count(X509_STORE *store)
{
	int n;

	if (!X509_STORE_lock(store))
		return 0;
	n = sk_X509_OBJECT_num(X509_STORE_get0_objects(store));
	X509_STORE_unlock(store);
	return n < 0 ? 0 : n;
}
