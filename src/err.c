/* SPDX-License-Identifier: ISC */
/*
 * err: first-error-wins message buffer.  See err.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

void
err_clear(struct err *e)
{
	if (e == NULL)
		return;
	e->code = 0;
	e->msg[0] = '\0';
}

int
err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL || err_isset(e))
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

bool
err_isset(const struct err *e)
{
	return e != NULL && (e->code != 0 || e->msg[0] != '\0');
}
