/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tmpdir.h"

static int
is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

int
tmpdir_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL)
		if (!is_dot(de->d_name))
			n++;
	closedir(d);
	return n;
}

int
tmpdir_write(const char *dir, const char *rel, const void *data, size_t len)
{
	char p[4096];
	FILE *f;
	int r = 0;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, rel) >= sizeof(p))
		return -ENAMETOOLONG;
	if ((f = fopen(p, "wb")) == NULL)
		return -errno;
	if (fwrite(data, 1, len, f) != len)
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

/* The first failure of one tmpdir_remove(); nftw() has no callback argument. */
static int remove_error;

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && remove_error == 0)
		remove_error = -errno;
	return 0; /* on with the rest */
}

int
tmpdir_remove(const char *dir)
{
	remove_error = 0;
	/* Depth first, symbolic links removed, never followed. */
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return -errno;
	return remove_error;
}
