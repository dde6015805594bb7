/* SPDX-License-Identifier: ISC */
/*
 * conf: configuration directory → desired model.  See conf.h.
 *
 * Three stages, each simple on its own:
 *
 *  1. bytes (conf_yaml.c): size cap, NUL bytes and UTF-8 are checked before
 *     libyaml sees anything, so those errors carry an exact line:col too;
 *  2. tree (conf_yaml.c): libyaml's event API builds a small tree (struct
 *     ynode) that keeps the start mark of every node and resolves plain
 *     scalars with the YAML 1.2 core schema.  Aliases, tags other than !!str, several documents,
 *     too deep or too many nodes are reported here;
 *  3. model (conf_daemon.c, conf_service.c, with conf_node.c's typed
 *     access): a walk over the tree checks keys (unknown with a suggestion,
 *     duplicate, missing), types and values (validate.h) and fills the model.
 *     Nothing stops the walk but the end of the tree, so every problem of a
 *     file is reported; problems across files (duplicate names, shared load
 *     balancers) come last.
 *
 * A loader context (conf_loader.h) carries the diagnostics and the config
 * being built; this file owns it, reads the directory and is the entry
 * point.  The caller only gets the config when the load produced no
 * diagnostic at all.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "conf_loader.h"
#include "escape.h"

/* --- diagnostics ---------------------------------------------------------- */

size_t
conf_diags_count(const struct conf_diags *d)
{
	return d->lines.n + d->dropped + (d->oom ? 1 : 0);
}

void
conf_diags_free(struct conf_diags *d)
{
	if (d == NULL)
		return;
	strv_free(&d->lines);
	d->dropped = 0;
	d->oom = false;
}

/* --- loader context --------------------------------------------------------- */

/* A formatted diagnostic waiting to be sorted into file order. */
struct pending {
	unsigned line, col; /* 0, 0 for a whole-file diagnostic */
	size_t seq;         /* emission order, the tie-breaker */
	char *text;
};

/*
 * Diagnostics are produced in walk order (keys in a fixed order, checks
 * across a mapping after its entries), but read best in file order: they
 * wait in l->pending and are sorted by position when a file is done.
 */
static void
vdiag(struct loader *l, const char *path, unsigned line, unsigned col, const char *fmt, va_list ap)
{
	struct buf b;
	char msg[1024];
	char *text;

	l->errors++;
	if (l->diags->lines.n + l->n_pending >= CONF_DIAGS_MAX) {
		l->diags->dropped++;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/*
	 * Keys, values and file names are quoted from a possibly hostile file:
	 * escaped, so that the line shows what is there without acting on the
	 * terminal or the log (escape.h).
	 */
	buf_init(&b, 4 * (sizeof(msg) + PATH_MAX) + 64);
	escape_append(&b, path, strlen(path));
	if (line > 0)
		buf_printf(&b, ":%u:%u", line, col);
	buf_puts(&b, ": ");
	escape_append(&b, msg, strlen(msg));
	text = buf_steal(&b);
	if (text != NULL && l->n_pending == l->cap_pending) {
		size_t cap = l->cap_pending ? l->cap_pending * 2 : 16;
		struct pending *v = realloc(l->pending, cap * sizeof(*v));

		if (v == NULL) {
			free(text);
			text = NULL;
		} else {
			l->pending = v;
			l->cap_pending = cap;
		}
	}
	if (text == NULL) {
		l->diags->oom = true;
		return;
	}
	l->pending[l->n_pending++] = (struct pending){line, col, l->seq++, text};
}

static int
pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Move the pending diagnostics, sorted by position, to the caller's list. */
void
conf_flush_diags(struct loader *l)
{
	if (l->n_pending > 1)
		qsort(l->pending, l->n_pending, sizeof(*l->pending), pending_cmp);
	for (size_t i = 0; i < l->n_pending; i++)
		if (strv_push_take(&l->diags->lines, l->pending[i].text) < 0)
			l->diags->oom = true;
	l->n_pending = 0;
}

/* A diagnostic at a node of the current file. */
void __attribute__((format(printf, 3, 4)))
conf_diag(struct loader *l, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(l, l->path, n->line, n->col, fmt, ap);
	va_end(ap);
}

/* A diagnostic about a whole file (or the environment): "path: message". */
void __attribute__((format(printf, 3, 4)))
conf_diag_file(struct loader *l, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(l, path, 0, 0, fmt, ap);
	va_end(ap);
}

void __attribute__((format(printf, 5, 6)))
conf_diag_at(struct loader *l, const char *path, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(l, path, line, col, fmt, ap);
	va_end(ap);
}

/* Report an allocation failure once and remember it (the load then fails with -ENOMEM). */
void
conf_oom(struct loader *l)
{
	if (!l->oom)
		conf_diag_file(l, l->path ? l->path : "vpcesd", "out of memory");
	l->oom = true;
}

/* --- entry points ------------------------------------------------------------------- */

static int
loader_begin(struct loader *l, const struct conf_env *env, struct conf_diags *diags)
{
	memset(l, 0, sizeof(*l));
	l->env = env;
	l->diags = diags;
	l->yaml_retry_mode = AWSCONF_RETRY_UNSET;
	l->cfg = model_config_new();
	if (l->cfg == NULL) {
		l->path = NULL;
		conf_oom(l);
		return -ENOMEM;
	}
	/* status_file and state_dir keys in vpcesd.yaml replace these defaults. */
	conf_runtime_status_file(l, l->cfg);
	conf_runtime_state_dir(l, l->cfg);
	return 0;
}

/* Parse one buffer as the daemon file (daemon = true) or a services file. */
static void
loader_feed(struct loader *l, const char *path, const void *data, size_t len, bool daemon)
{
	struct ynode *root = NULL;

	l->path = path;
	if (len > CONF_FILE_MAX) {
		conf_diag_file(l, path, "file is larger than 1 MiB (%zu bytes)", len);
		if (daemon)
			conf_resolve_region(l, path, true);
		conf_flush_diags(l);
		return;
	}
	l->cfg->n_files++;
	if (conf_parse_tree(l, data, len, &root) < 0) {
		if (daemon) /* still take the environment's region to check the services */
			conf_resolve_region(l, path, true);
		conf_flush_diags(l);
		return;
	}
	if (daemon)
		conf_load_daemon(l, root, path);
	else
		conf_load_services_tree(l, root);
	ynode_free(root);
	conf_flush_diags(l);
}

static int
loader_end(struct loader *l, struct vpcesd_config **ret)
{
	l->path = NULL;
	conf_resolve_aws(l);
	free(l->yaml_profile);
	l->yaml_profile = NULL;
	conf_check_unique(l, false);
	conf_check_unique(l, true);
	conf_check_shared_lbs(l);
	conf_flush_diags(l);
	free(l->pending);
	l->pending = NULL;
	if (l->errors > 0 || l->oom) {
		model_config_free(l->cfg);
		l->cfg = NULL;
		return l->oom ? -ENOMEM : -EINVAL;
	}
	*ret = l->cfg;
	l->cfg = NULL;
	return 0;
}

int
conf_load_services_buffer(const char *path, const void *data, size_t len,
			  const struct conf_env *env, struct vpcesd_config **ret,
			  struct conf_diags *diags)
{
	struct loader l;
	int r = loader_begin(&l, env, diags);

	if (r < 0)
		return r;
	conf_resolve_region(&l, NULL, false);
	loader_feed(&l, path, data, len, false);
	return loader_end(&l, ret);
}

static char *
join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	struct buf b;

	buf_init(&b, n + strlen(name) + 2);
	if (buf_printf(&b, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/*
 * Read a regular file below dirfd into `out` (capped at CONF_FILE_MAX + 1 so
 * an oversized file is detected without reading all of it).  O_NONBLOCK keeps
 * a FIFO from blocking the open; fstat then refuses anything not regular.
 */
static int
read_file_at(struct loader *l, int dfd, const char *name, const char *path, struct buf *out,
	     bool *ret_missing)
{
	struct stat st;
	char chunk[65536];
	int fd, r = 0;

	*ret_missing = false;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && ret_missing != NULL) {
			/* Absent is fine for vpcesd.yaml; a dangling symlink is not. */
			if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				*ret_missing = true;
				return 0;
			}
		}
		if (errno == ENXIO) /* a socket: open(2) refuses it before fstat() could */
			conf_diag_file(l, path, "not a regular file");
		else
			conf_diag_file(l, path, "cannot open: %s", strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		conf_diag_file(l, path, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_diag_file(l, path, "not a regular file");
		r = -EINVAL;
		goto out;
	}
	if (st.st_size > CONF_FILE_MAX) {
		conf_diag_file(l, path, "file is larger than 1 MiB (%lld bytes)",
			       (long long)st.st_size);
		r = -EFBIG;
		goto out;
	}
	buf_init(out, CONF_FILE_MAX + 1);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			conf_diag_file(l, path, "cannot read: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		r = buf_append(out, chunk, (size_t)n);
		if (r == -E2BIG) {
			conf_diag_file(l, path, "file is larger than 1 MiB");
			break;
		}
		if (r < 0) {
			conf_oom(l);
			break;
		}
	}
	if (r < 0)
		buf_free(out);
out:
	close(fd);
	return r;
}

/* Names in services.d worth reading: *.yaml / *.yml, not hidden, not backups. */
static bool
wanted_name(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.' || name[n - 1] == '~')
		return false;
	if (strstr(name, ".dpkg-") != NULL || strstr(name, ".rpm") != NULL)
		return false;
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
source_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct model_source_file *)elem)->path);
}

static bool
same_region(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* Remember where the specs of services file `f->path` went. */
static void
note_source(struct loader *l, const char *path, struct model_source_file *f)
{
	struct vpcesd_config *c = l->cfg;

	if (c->n_source_files == l->cap_source_files) {
		size_t cap = l->cap_source_files ? l->cap_source_files * 2 : 16;
		struct model_source_file *v = realloc(c->source_files, cap * sizeof(*v));

		if (v == NULL) {
			conf_oom(l);
			return;
		}
		c->source_files = v;
		l->cap_source_files = cap;
	}
	if ((f->path = strdup(path)) == NULL) {
		conf_oom(l);
		return;
	}
	c->source_files[c->n_source_files++] = *f;
}

/*
 * One services file.  Parsing dominates a reload of thousands of specs, and
 * a reload usually follows an edit of one file: a file whose bytes hash as
 * they did in the running config (and whose specs were checked against the
 * same region) has its specs copied from there instead (conf_reuse_file).
 * The bytes are compared by SHA-256, not by size and time stamps, which an
 * edit within the file system's time granularity leaves as they were.
 */
static void
load_services_file(struct loader *l, const char *path, const char *data, size_t len)
{
	const struct vpcesd_config *prev = l->env ? l->env->previous : NULL;
	struct vpcesd_config *c = l->cfg;
	struct model_source_file f = {.first = c->n_services, .first_lb = c->n_lb_pos};
	const struct model_source_file *old = NULL;
	bool hashed = EVP_Digest(data, len, f.sha256, NULL, EVP_sha256(), NULL) == 1;

	/* Load order is name order in one directory: sorted by path. */
	if (hashed && prev != NULL && same_region(prev->region, c->region))
		old = bsearch(path, prev->source_files, prev->n_source_files,
			      sizeof(*prev->source_files), source_cmp);
	if (old != NULL && memcmp(old->sha256, f.sha256, sizeof(f.sha256)) == 0 &&
	    conf_reuse_file(l, prev, old)) {
		c->n_files++;
		c->n_files_reused++;
	} else {
		loader_feed(l, path, data, len, false);
	}
	f.n = c->n_services - f.first;
	f.n_lbs = c->n_lb_pos - f.first_lb;
	if (hashed) /* else it is parsed next time too */
		note_source(l, path, &f);
}

static void
load_services_dir(struct loader *l, int dfd, const char *dir)
{
	char *sdir = join_path(dir, "services.d");
	struct strv names = STRV_INIT;
	struct dirent *de;
	DIR *d = NULL;
	int fd;

	if (sdir == NULL) {
		conf_oom(l);
		return;
	}
	fd = openat(dfd, "services.d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		struct stat st;

		/*
		 * Absent is an error, not "no services": under policy: sync an
		 * empty desired state deletes every owned service, and a
		 * directory that lost its services.d (or a wrong --config-dir)
		 * must not mean that.  An empty services.d does.
		 */
		if (err == ENOENT && fstatat(dfd, "services.d", &st, AT_SYMLINK_NOFOLLOW) < 0)
			conf_diag_file(
				l, sdir,
				"no such directory: the service specs live there (create it; "
				"an empty directory means no services)");
		else
			conf_diag_file(l, sdir, "cannot open directory: %s", strerror(err));
		goto out;
	}
	d = fdopendir(fd);
	if (d == NULL) {
		conf_diag_file(l, sdir, "cannot open directory: %s", strerror(errno));
		close(fd);
		goto out;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				conf_diag_file(l, sdir, "cannot read directory: %s",
					       strerror(errno));
			break;
		}
		if (!wanted_name(de->d_name))
			continue;
		if (names.n == CONF_FILES_MAX) {
			conf_diag_file(l, sdir, "more than %d files", CONF_FILES_MAX);
			break;
		}
		if (strv_push(&names, de->d_name) < 0) {
			conf_oom(l);
			break;
		}
	}
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(*names.v), name_cmp);
	for (size_t i = 0; i < names.n && !l->oom; i++) {
		char *path = join_path(sdir, names.v[i]);
		struct buf data;
		bool missing;

		if (path == NULL) {
			conf_oom(l);
			break;
		}
		l->path = path;
		if (read_file_at(l, dirfd(d), names.v[i], path, &data, &missing) == 0 && !missing) {
			load_services_file(l, path, data.data ? data.data : "", data.len);
			buf_free(&data);
		}
		l->path = NULL;
		free(path);
	}
out:
	if (d != NULL)
		closedir(d);
	strv_free(&names);
	free(sdir);
}

int
conf_load(const char *dir, const struct conf_env *env, struct vpcesd_config **ret,
	  struct conf_diags *diags)
{
	struct loader l;
	char *dpath = NULL;
	struct buf data;
	bool missing = false;
	int dfd, r;

	r = loader_begin(&l, env, diags);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		conf_diag_file(&l, dir, "cannot open configuration directory: %s", strerror(errno));
		return loader_end(&l, ret);
	}
	dpath = join_path(dir, "vpcesd.yaml");
	if (dpath == NULL) {
		conf_oom(&l);
		goto out;
	}
	l.path = dpath;
	if (read_file_at(&l, dfd, "vpcesd.yaml", dpath, &data, &missing) < 0) {
		/* Reported; still take the environment's region to check the services. */
		conf_resolve_region(&l, dpath, true);
	} else if (missing) {
		conf_resolve_region(&l, dpath, false);
	} else {
		loader_feed(&l, dpath, data.data ? data.data : "", data.len, true);
		buf_free(&data);
	}
	load_services_dir(&l, dfd, dir);
out:
	close(dfd);
	r = loader_end(&l, ret);
	free(dpath);
	return r;
}
