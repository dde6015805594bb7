/* SPDX-License-Identifier: ISC */
/*
 * notify: sd_notify(3) messages.  See notify.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "notify.h"

#define NOTIFY_STATUS_MAX 512

int
notify_ready(void)
{
	return sd_notify(0, "READY=1");
}

int
notify_reloading(void)
{
	struct timespec ts;
	unsigned long long usec;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	usec = (unsigned long long)ts.tv_sec * 1000000ULL +
	       (unsigned long long)ts.tv_nsec / 1000ULL;
	return sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", usec);
}

int
notify_stopping(void)
{
	return sd_notify(0, "STOPPING=1");
}

int
notify_watchdog(void)
{
	return sd_notify(0, "WATCHDOG=1");
}

int
notify_status(const char *fmt, ...)
{
	char text[NOTIFY_STATUS_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* A newline would start a new assignment in the protocol. */
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return sd_notifyf(0, "STATUS=%s", text);
}

int
notify_errno(int errnum)
{
	return sd_notifyf(0, "ERRNO=%d", errnum);
}

uint64_t
notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}
