/* SPDX-License-Identifier: ISC */
/*
 * creds_load: gather the planner's inputs from the file system.  See
 * creds_plan.h (creds_inputs_load).
 *
 * This is the only I/O of the planning step, kept apart so the planner stays
 * pure.  It runs at start and on reload, like configuration loading, so
 * plain blocking reads of a few small files are acceptable here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "creds_plan.h"

static void
file_free(struct creds_file *f)
{
	free(f->path);
	f->path = NULL;
	ini_free(&f->ini);
	f->exposed = false;
}

void
creds_inputs_free(struct creds_inputs *in)
{
	if (in == NULL)
		return;
	file_free(&in->config_file);
	file_free(&in->creds_file);
	file_free(&in->systemd_file);
}

/* Read and parse `path` into *ret; an absent file leaves *ret empty. */
static int
load_file(const char *path, enum ini_kind kind, struct creds_file *ret, struct err *e)
{
	struct creds_file f = {0};
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		r = -errno;
		return err_set(e, r, "%s: cannot open: %s", path, strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = err_set(e, -errno, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = err_set(e, -EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > INI_MAX_BYTES) {
		r = err_set(e, -E2BIG, "%s: larger than %d bytes", path, INI_MAX_BYTES);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, text + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_set(e, -errno, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	f.path = strdup(path);
	if (f.path == NULL) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	r = ini_parse(text, len, kind, path, &f.ini, e);
	if (r < 0)
		goto out;
	f.exposed = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
	*ret = f;
	f.path = NULL;
	r = 0;
out:
	free(f.path);
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	close(fd);
	return r;
}

/* `value` with a leading "~/" expanded, or `def` under HOME; NULL: no path. */
static int
path_of(char *const *envp, const char *var, const char *def, char **ret, struct err *e)
{
	const char *v = creds_env_get(envp, var), *home = creds_env_get(envp, "HOME");
	int n;

	*ret = NULL;
	if (v != NULL && strncmp(v, "~/", 2) != 0) {
		*ret = strdup(v);
		return *ret ? 0 : err_set(e, -ENOMEM, "out of memory");
	}
	if (home == NULL)
		return 0;
	n = asprintf(ret, "%s/%s", home, v ? v + 2 : def);
	if (n < 0) {
		*ret = NULL;
		return err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

int
creds_config_file_load(char *const *envp, struct creds_file *ret, struct err *e)
{
	struct creds_file f = {0};
	char *path = NULL;
	int r;

	r = path_of(envp, "AWS_CONFIG_FILE", ".aws/config", &path, e);
	if (r == 0 && path != NULL)
		r = load_file(path, INI_CONFIG, &f, e);
	if (r == 0 && f.path == NULL) {
		f.path = path; /* absent: the path still names it */
		path = NULL;
	}
	free(path);
	if (r < 0) {
		file_free(&f);
		return r;
	}
	*ret = f;
	return 0;
}

void
creds_file_free(struct creds_file *f)
{
	if (f != NULL)
		file_free(f);
}

int
creds_inputs_load(struct creds_inputs *ret, const struct creds_config *config, char *const *envp,
		  struct err *e)
{
	struct creds_inputs in = {.config = *config, .envp = envp};
	const char *dir = creds_env_get(envp, "CREDENTIALS_DIRECTORY");
	char *path = NULL;
	int r;

	r = path_of(envp, "AWS_CONFIG_FILE", ".aws/config", &path, e);
	if (r == 0 && path != NULL)
		r = load_file(path, INI_CONFIG, &in.config_file, e);
	free(path);
	path = NULL;
	if (r == 0)
		r = path_of(envp, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", &path, e);
	if (r == 0 && path != NULL)
		r = load_file(path, INI_CREDENTIALS, &in.creds_file, e);
	free(path);
	path = NULL;
	if (r == 0 && dir != NULL) {
		if (asprintf(&path, "%s/%s", dir, CREDS_SYSTEMD_NAME) < 0) {
			path = NULL;
			r = err_set(e, -ENOMEM, "out of memory");
		} else {
			r = load_file(path, INI_CREDENTIALS, &in.systemd_file, e);
		}
	}
	free(path);
	if (r < 0) {
		creds_inputs_free(&in);
		return r;
	}
	*ret = in;
	return 0;
}

int
creds_plan_load(const struct creds_config *config, char *const *envp, struct creds_plan *ret,
		struct err *e)
{
	struct creds_inputs in;
	int r;

	r = creds_inputs_load(&in, config, envp, e);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	r = creds_plan_resolve(&in, ret, e);
	creds_inputs_free(&in);
	return r;
}
