/* SPDX-License-Identifier: ISC */
/*
 * atomic: temporary file, write, fsync, rename, directory fsync; and the
 * sweep of temporary files a dead writer left.  See atomic.h.
 *
 * atomic_write_file() is atomic_begin(), atomic_append() and
 * atomic_commit() in a row: one copy of the steps and their messages.
 * Every step that fails ends the write (discard()), so a caller never has
 * to remember which failures left a temporary file behind.
 */
#include "config.h"

#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The directory of `path` into dir[PATH_MAX] ("." for a bare name) and its
 * last component into *base (pointing into `path`).
 */
static int
split_path(const char *path, char *dir, const char **base, struct err *e)
{
	const char *slash;
	int n;

	if (path == NULL || *path == '\0')
		return err_set(e, -EINVAL, "empty file path");
	slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
		return err_set(e, -EISDIR, "%s: not a file name", path);
	if (slash == NULL)
		n = snprintf(dir, PATH_MAX, ".");
	else if (slash == path)
		n = snprintf(dir, PATH_MAX, "/");
	else
		n = snprintf(dir, PATH_MAX, "%.*s", (int)(slash - path), path);
	if (n < 0 || n >= PATH_MAX)
		return err_set(e, -ENAMETOOLONG, "%s: path too long", path);
	return 0;
}

/* Close and remove the temporary file; the write is over. */
static void
discard(struct atomic_file *a)
{
	if (a->fd < 0)
		return;
	close(a->fd);
	a->fd = -1;
	unlink(a->tmp);
}

int
atomic_begin(struct atomic_file *a, const char *path, mode_t mode, unsigned flags, struct err *e)
{
	const char *slash, *base;
	int r, n;

	a->fd = -1;
	a->flags = flags;
	if ((r = split_path(path, a->dir, &base, e)) < 0)
		return r;
	n = snprintf(a->path, sizeof(a->path), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(a->path))
		return err_set(e, -ENAMETOOLONG, "%s: path too long", path);
	slash = strrchr(path, '/');
	n = snprintf(a->tmp, sizeof(a->tmp), "%s%s.%s.XXXXXX", slash ? a->dir : "",
		     slash && slash != path ? "/" : "", base);
	if (n < 0 || (size_t)n >= sizeof(a->tmp))
		return err_set(e, -ENAMETOOLONG, "%s: path too long", path);

	a->fd = mkostemp(a->tmp, O_CLOEXEC);
	if (a->fd < 0)
		return err_set(e, -errno, "%s: cannot create a temporary file in %s: %s", path,
			       a->dir, strerror(errno));
	/* mkostemp() made it 0600; the caller says who may read it. */
	if (fchmod(a->fd, mode) < 0) {
		r = err_set(e, -errno, "%s: cannot set mode of %s: %s", path, a->tmp,
			    strerror(errno));
		discard(a);
		return r;
	}
	return 0;
}

int
atomic_append(struct atomic_file *a, const void *data, size_t len, struct err *e)
{
	int r;

	if (a->fd < 0)
		return err_set(e, -EBADF, "%s: the write is over", a->path);
	if (data == NULL && len > 0) {
		discard(a);
		return err_set(e, -EINVAL, "%s: no data to write", a->path);
	}
	r = write_all(a->fd, data, len);
	if (r < 0) {
		err_set(e, r, "%s: cannot write %s: %s", a->path, a->tmp, strerror(-r));
		discard(a);
	}
	return r;
}

int
atomic_commit(struct atomic_file *a, struct err *e)
{
	int dfd, r;

	if (a->fd < 0)
		return err_set(e, -EBADF, "%s: the write is over", a->path);
	if (fsync(a->fd) < 0) {
		r = err_set(e, -errno, "%s: cannot fsync %s: %s", a->path, a->tmp, strerror(errno));
		discard(a);
		return r;
	}
	r = close(a->fd);
	a->fd = -1;
	if (r < 0) {
		r = err_set(e, -errno, "%s: cannot close %s: %s", a->path, a->tmp, strerror(errno));
		unlink(a->tmp);
		return r;
	}
	if (rename(a->tmp, a->path) < 0) {
		r = err_set(e, -errno, "%s: cannot rename %s over it: %s", a->path, a->tmp,
			    strerror(errno));
		unlink(a->tmp);
		return r;
	}
	/* The rename is done; this makes it survive a crash. */
	dfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dfd < 0 ? -errno : fsync(dfd) < 0 ? -errno : 0;
	if (dfd >= 0)
		close(dfd);
	if (r < 0 && (a->flags & ATOMIC_DURABLE))
		return err_set(e, r, "%s: written, but the directory %s could not be synced: %s",
			       a->path, a->dir, strerror(-r));
	return 0;
}

void
atomic_abort(struct atomic_file *a)
{
	if (a != NULL)
		discard(a);
}

int
atomic_write_file(const char *path, const void *data, size_t len, mode_t mode, unsigned flags,
		  struct err *e)
{
	struct atomic_file a;
	int r;

	if (data == NULL && len > 0 && path != NULL && *path != '\0')
		return err_set(e, -EINVAL, "%s: no data to write", path);
	if ((r = atomic_begin(&a, path, mode, flags, e)) < 0)
		return r;
	if ((r = atomic_append(&a, data, len, e)) < 0)
		return r;
	return atomic_commit(&a, e);
}

/* Whether `name` is ".<base>." followed by the six characters mkostemp() picks. */
static bool
is_temporary_of(const char *name, const char *base)
{
	size_t blen = strlen(base);

	if (name[0] != '.' || strncmp(name + 1, base, blen) != 0 || name[1 + blen] != '.')
		return false;
	name += 2 + blen;
	for (int i = 0; i < 6; i++)
		if (!isalnum((unsigned char)name[i]))
			return false;
	return name[6] == '\0';
}

int
atomic_sweep(const char *path, size_t *ret_removed, struct err *e)
{
	char dir[PATH_MAX];
	const char *base;
	struct dirent *de;
	size_t removed = 0;
	DIR *d;
	int r;

	if ((r = split_path(path, dir, &base, e)) < 0)
		return r;
	d = opendir(dir);
	if (d == NULL)
		return err_set(e, -errno, "%s: cannot read the directory %s: %s", path, dir,
			       strerror(errno));
	r = 0;
	for (;;) {
		struct stat st;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				r = err_set(e, -errno, "%s: cannot read the directory %s: %s", path,
					    dir, strerror(errno));
			break;
		}
		if (!is_temporary_of(de->d_name, base))
			continue;
		/* Regular files only: what mkostemp() made, never a directory or a link. */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			r = err_set(e, -errno, "%s: cannot inspect %s/%s: %s", path, dir,
				    de->d_name, strerror(errno));
			break;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			r = err_set(e, -errno, "%s: cannot remove %s/%s: %s", path, dir, de->d_name,
				    strerror(errno));
			break;
		}
		removed++;
	}
	closedir(d);
	if (ret_removed)
		*ret_removed = removed;
	return r;
}
