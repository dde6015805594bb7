/* SPDX-License-Identifier: ISC */
/*
 * lock: one daemon per state directory.
 *
 * Two daemons with the same state directory would overwrite each other's
 * state file and fight over the same services.  The first one takes an
 * exclusive lock on <state_dir>/lock (fcntl(2) F_OFD_SETLK, released by
 * the kernel when the process dies, however it dies) and writes its pid into
 * the file; the second fails at start-up with a message naming the
 * holder's pid.  A mutating `vpcesd --once` takes the same lock, so it
 * cannot run beside the daemon; a dry run takes none (it writes nothing).
 *
 * Blocking file-system calls, made once at start-up (the lock itself never
 * waits: F_OFD_SETLK, not F_OFD_SETLKW).
 */
#ifndef VPCESD_LOCK_H
#define VPCESD_LOCK_H

#include "err.h"

struct lock;

/*
 * Make sure `dir` exists (created with mode 0750 when it does not, like
 * systemd's StateDirectory=; its parent must exist) and is a directory
 * that others cannot write to.  0 or -errno with `e` saying why.
 */
int lock_prepare_dir(const char *dir, struct err *e);

/*
 * What lock_prepare_dir() would say, without creating anything: `dir` is a
 * directory others cannot write to, or it is missing and its parent exists
 * (`vpcesd -n`).  0 or -errno with `e` saying why.
 */
int lock_check_dir(const char *dir, struct err *e);

/*
 * Take the exclusive lock of `dir` (lock_prepare_dir() first).  On success
 * *ret holds it until lock_release().  -EBUSY when another process holds
 * it (`e` names its pid, which the holder wrote into the file), other -errno when the
 * lock file cannot be opened.
 */
int lock_acquire(const char *dir, struct lock **ret, struct err *e);

/* Release and free.  NULL-safe. */
void lock_release(struct lock *l);

#endif
