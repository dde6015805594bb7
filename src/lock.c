/* SPDX-License-Identifier: ISC */
/*
 * lock: the state directory's lock file.  See lock.h.
 *
 * Open file description locks (F_OFD_SETLK): unlike classic POSIX record
 * locks they are not dropped when the process closes some other descriptor
 * of the same file, and unlike flock(2) they are the same on every file
 * system.  The kernel does not tell who holds an OFD lock, so the holder
 * writes its pid into the file and a refused process reads it from there.
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

#include "lock.h"

struct lock {
	int fd;
};

/* An existing state directory: a directory that not everyone may write to. */
static int
check_existing(const char *dir, struct err *e)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return err_set(e, -errno, "state directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, -ENOTDIR, "state directory %s: not a directory", dir);
	/* Whoever may write there may rewrite what vpcesd believes. */
	if (st.st_mode & S_IWOTH)
		return err_set(e, -EPERM,
			       "state directory %s: writable by every user (mode %04o); "
			       "chmod o-w it",
			       dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

int
lock_prepare_dir(const char *dir, struct err *e)
{
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return err_set(e, -errno, "state directory %s: cannot create it: %s", dir,
			       strerror(errno));
	return check_existing(dir, e);
}

int
lock_check_dir(const char *dir, struct err *e)
{
	char parent[PATH_MAX];
	const char *slash;
	struct stat st;

	if (stat(dir, &st) == 0 || errno != ENOENT)
		return check_existing(dir, e);
	/* Missing: the daemon creates it, which needs its parent. */
	slash = strrchr(dir, '/');
	snprintf(parent, sizeof(parent), "%.*s", slash && slash != dir ? (int)(slash - dir) : 1,
		 slash ? dir : ".");
	if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, -ENOENT,
			       "state directory %s: missing, and so is its parent %s (the daemon "
			       "creates only the last component)",
			       dir, parent);
	return 0;
}

int
lock_acquire(const char *dir, struct lock **ret, struct err *e)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char path[PATH_MAX], pid[32];
	struct lock *l;
	int fd, n;

	n = snprintf(path, sizeof(path), "%s/lock", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return err_set(e, -ENAMETOOLONG, "state directory %s: path too long", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return err_set(e, -errno, "%s: cannot open the lock file: %s", path,
			       strerror(errno));
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		int err = errno;
		char text[32] = "";
		ssize_t got;
		long holder;
		char *end;

		if (err != EACCES && err != EAGAIN) {
			close(fd);
			return err_set(e, -err, "%s: cannot lock: %s", path, strerror(err));
		}
		got = pread(fd, text, sizeof(text) - 1, 0);
		text[got > 0 ? got : 0] = '\0';
		close(fd);
		holder = strtol(text, &end, 10);
		if (end != text && (*end == '\n' || *end == '\0') && holder > 0)
			return err_set(e, -EBUSY,
				       "another vpcesd (pid %ld) holds %s: one daemon per state "
				       "directory; stop it, or give this one its own state_dir",
				       holder, path);
		return err_set(e, -EBUSY,
			       "another vpcesd holds %s: one daemon per state directory; stop it, "
			       "or give this one its own state_dir",
			       path);
	}
	/* For people reading the file; the lock, not the pid, is the truth. */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && n > 0) {
		ssize_t written = pwrite(fd, pid, (size_t)n, 0);

		(void)written;
	}
	l = malloc(sizeof(*l));
	if (l == NULL) {
		close(fd);
		return err_set(e, -ENOMEM, "out of memory");
	}
	l->fd = fd;
	*ret = l;
	return 0;
}

void
lock_release(struct lock *l)
{
	if (l == NULL)
		return;
	close(l->fd); /* the kernel drops the lock with the last descriptor */
	free(l);
}
