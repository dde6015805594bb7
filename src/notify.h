/* SPDX-License-Identifier: ISC */
/*
 * notify: the daemon's side of the systemd notification protocol.
 *
 * Thin wrappers over sd_notify(3) that fix the exact messages vpcesd sends
 * (READY=1, RELOADING=1 + MONOTONIC_USEC, STOPPING=1, WATCHDOG=1, STATUS=,
 * ERRNO=), so the sequence is defined in one place and tested against a fake
 * NOTIFY_SOCKET.  Without $NOTIFY_SOCKET every call is a harmless no-op
 * (returns 0): vpcesd runs the same under systemd, in a container or in a
 * terminal.  Each call is one non-blocking datagram; safe on the event loop.
 */
#ifndef VPCESD_NOTIFY_H
#define VPCESD_NOTIFY_H

#include <stdint.h>

/* Each returns >0 when sent, 0 when there is no NOTIFY_SOCKET, <0 (-errno) on failure. */
int notify_ready(void);

/* RELOADING=1 with MONOTONIC_USEC= the current CLOCK_MONOTONIC time, as systemd ≥ 253 expects. */
int notify_reloading(void);

int notify_stopping(void);
int notify_watchdog(void);

/* STATUS= one line; newlines in the text are replaced by spaces. */
int notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ERRNO= on a fatal exit (positive errno value). */
int notify_errno(int errnum);

/*
 * The watchdog interval systemd asked for ($WATCHDOG_USEC, honouring
 * $WATCHDOG_PID), in microseconds; 0 when the watchdog is off.  The daemon
 * pings at half of it.
 */
uint64_t notify_watchdog_usec(void);

#endif
