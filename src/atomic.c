/*
 * atomic: temporary file, write, fsync, rename, directory fsync.  See atomic.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

int
atomic_write_file(const char *path, const void *data, size_t len, mode_t mode, unsigned flags,
		  struct err *e)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash, *base;
	int fd = -1, dfd, r, n;

	if (path == NULL || *path == '\0')
		return err_set(e, -EINVAL, "empty file path");
	if (data == NULL && len > 0)
		return err_set(e, -EINVAL, "%s: no data to write", path);
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return err_set(e, -EISDIR, "%s: not a file name", path);
	if (slash == NULL)
		n = snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		n = snprintf(dir, sizeof(dir), "/");
	else
		n = snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return err_set(e, -ENAMETOOLONG, "%s: path too long", path);
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
