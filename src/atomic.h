/* SPDX-License-Identifier: ISC */
/*
 * atomic: replace a file's contents so that a reader, or a crash, sees the
 * old file or the new one, never a mix.
 *
 * The status and metrics files are read by other tools while vpcesd
 * rewrites them, and the state file (state.h) must survive a power cut
 * between two cycles.  Both need the same dance: a temporary file in the
 * same directory, write, fsync, rename over the target, fsync the
 * directory so the rename itself is durable.  This module is that dance
 * and nothing else; writer.h runs it off the event loop.
 *
 * Blocking I/O on a local file: never call it from the event loop (use
 * writer.h); tests and start-up code may.
 */
#ifndef VPCESD_ATOMIC_H
#define VPCESD_ATOMIC_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * A failed fsync of the directory after the rename is an error.  Without
 * this flag it is ignored: the new file is already in place and the next
 * write replaces it anyway (status and metrics); with it, a caller that
 * must not lose the write after a crash (the state file) learns about it.
 */
#define ATOMIC_DURABLE 0x1u

/*
 * An atomic write in steps, for contents produced piece by piece (the
 * status and metrics documents are streamed, writer.h, instead of being
 * built whole in memory): atomic_begin() creates the temporary file,
 * atomic_append() writes to it, atomic_commit() makes it the target and
 * atomic_abort() throws it away.  Between begin and commit or abort the
 * target is untouched.  Owned by the caller, who may keep it on the stack
 * (it holds three paths); `fd` is -1 when no temporary file is open.
 */
struct atomic_file {
	int fd;
	unsigned flags;
	char path[PATH_MAX]; /* the target */
	char tmp[PATH_MAX];  /* the temporary file beside it */
	char dir[PATH_MAX];  /* their directory, synced after the rename */
};

/*
 * Create the temporary file of `path` in the same directory
 * (".<name>.XXXXXX", O_EXCL) and give it `mode` whatever the umask.  0 or
 * -errno with `e` naming the path and the step that failed; on failure
 * nothing is left behind and `a` needs no abort (one does no harm).
 */
int atomic_begin(struct atomic_file *a, const char *path, mode_t mode, unsigned flags,
		 struct err *e);

/*
 * Write data[0..len) at the end of the temporary file.  On failure the
 * temporary file is removed (the write is over; atomic_abort() does no
 * harm) and `e` says why; the target is untouched.
 */
int atomic_append(struct atomic_file *a, const void *data, size_t len, struct err *e);

/*
 * fsync the temporary file, rename it over the target and fsync the
 * directory (its failure is an error only with ATOMIC_DURABLE, see above).
 * On a failure before the rename the old file is untouched and the
 * temporary file removed.  Either way the write is over.
 */
int atomic_commit(struct atomic_file *a, struct err *e);

/*
 * Give up: close and remove the temporary file; the target stays as it
 * was.  A no-op on a write that is already over (committed, failed or
 * aborted).  NULL-safe.
 */
void atomic_abort(struct atomic_file *a);

/*
 * Write data[0..len) to `path` atomically: atomic_begin(), atomic_append(),
 * atomic_commit() in one call.  On failure the old file is untouched and
 * the temporary file removed.  0 or -errno, with `e` naming the path and
 * the step that failed.
 */
int atomic_write_file(const char *path, const void *data, size_t len, mode_t mode, unsigned flags,
		      struct err *e);

/*
 * Remove the temporary files of `path` that writers which died mid-write
 * left beside it: regular files named ".<name>.XXXXXX" as above.  A
 * SIGKILL or a power cut between the temporary file's creation and the
 * rename leaves one behind, and nothing else ever removes it, so a daemon
 * that keeps crashing at that moment would fill its directory.  Only for a
 * caller that knows no other process is writing `path` (the state file,
 * under the state directory's lock, lock.h).  *ret_removed (may be NULL)
 * says how many went.  0, or -errno when the directory cannot be read or
 * an entry cannot be removed, `e` naming it; what was removed before that
 * stays removed.  Blocking, like atomic_write_file().
 */
int atomic_sweep(const char *path, size_t *ret_removed, struct err *e);

#endif
