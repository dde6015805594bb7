/* SPDX-License-Identifier: ISC */
/*
 * atomic: temporary file, write, fsync, rename, directory fsync; and the
 * sweep of temporary files a dead writer left.  See atomic.h.
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

int
atomic_write_file(const char *path, const void *data, size_t len, mode_t mode, unsigned flags,
		  struct err *e)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash, *base;
	int fd = -1, dfd, r, n;

	if (data == NULL && len > 0 && path != NULL && *path != '\0')
		return err_set(e, -EINVAL, "%s: no data to write", path);
	if ((r = split_path(path, dir, &base, e)) < 0)
		return r;
	slash = strrchr(path, '/');
	n = snprintf(tmp, sizeof(tmp), "%s%s.%s.XXXXXX", slash ? dir : "",
		     slash && slash != path ? "/" : "", base);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return err_set(e, -ENAMETOOLONG, "%s: path too long", path);

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "%s: cannot create a temporary file in %s: %s", path, dir,
			       strerror(errno));
	/* mkostemp() made it 0600; the caller says who may read it. */
	if (fchmod(fd, mode) < 0) {
		r = err_set(e, -errno, "%s: cannot set mode of %s: %s", path, tmp, strerror(errno));
		goto fail;
	}
	r = write_all(fd, data, len);
	if (r < 0) {
		err_set(e, r, "%s: cannot write %s: %s", path, tmp, strerror(-r));
		goto fail;
	}
	if (fsync(fd) < 0) {
		r = err_set(e, -errno, "%s: cannot fsync %s: %s", path, tmp, strerror(errno));
		goto fail;
	}
	r = close(fd);
	fd = -1;
	if (r < 0) {
		r = err_set(e, -errno, "%s: cannot close %s: %s", path, tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = err_set(e, -errno, "%s: cannot rename %s over it: %s", path, tmp,
			    strerror(errno));
		goto fail;
	}
	/* The rename is done; this makes it survive a crash. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dfd < 0 ? -errno : fsync(dfd) < 0 ? -errno : 0;
	if (dfd >= 0)
		close(dfd);
	if (r < 0 && (flags & ATOMIC_DURABLE))
		return err_set(e, r, "%s: written, but the directory %s could not be synced: %s",
			       path, dir, strerror(-r));
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
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
