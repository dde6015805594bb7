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
 * Write data[0..len) to `path` atomically: a temporary file in the same
 * directory (".<name>.XXXXXX", O_EXCL), given `mode` whatever the umask,
 * write, fsync, rename over `path`, fsync the directory.  On failure the
 * old file is untouched and the temporary file removed.  0 or -errno, with
 * `e` naming the path and the step that failed.
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
