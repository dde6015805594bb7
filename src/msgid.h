/* SPDX-License-Identifier: ISC */
/*
 * msgid: the journal MESSAGE_IDs of the events an operator alerts on.
 *
 * A MESSAGE_ID names an event, not a wording: messages may be reworded,
 * these never change once released, so `journalctl MESSAGE_ID=…` and the
 * alerts built on it keep working.  Each was generated once with
 * `systemd-id128 new`; each has an entry (subject, meaning, what to do) in
 * systemd/vpcesd.catalog, which `make install` puts in
 * $(prefix)/lib/systemd/catalog/ for `journalctl -x`.  tests/catalog.sh
 * checks that the two lists are the same.  A new event needs a new id and
 * a catalog entry; an id is never reused for another meaning.
 *
 * Attach one as a field: log_fields(LOG_INFO,
 * LOG_FIELDS(LOG_MESSAGE_ID(VPCESD_MESSAGE_STOPPED)), "stopped").
 */
#ifndef VPCESD_MSGID_H
#define VPCESD_MSGID_H

/* The daemon is running: configuration loaded, first cycle starting. */
#define VPCESD_MESSAGE_STARTED "bf699fdc021e4c1f9bb50a21bbaeb4d6"
/* A reload swapped in a new configuration. */
#define VPCESD_MESSAGE_RELOADED "811118cd979740799c7a0e919227ce3d"
/* A reload was refused; the previous configuration stays in force. */
#define VPCESD_MESSAGE_RELOAD_REFUSED "45137b6a991645ef84ed0e77848df666"
/* One change (create, modify, permissions, delete, …) was made in EC2. */
#define VPCESD_MESSAGE_CHANGE_APPLIED "f62a4cb5ddb74ffa9c410604240092f6"
/* One change failed; it is retried in a later cycle. */
#define VPCESD_MESSAGE_CHANGE_FAILED "f5c73cbe10e74b5e8ddd7d96999b53ee"
/* A change was held back by a safety rule (delete guard, owner, …). */
#define VPCESD_MESSAGE_HELD "f7f16ac4d3a94f67aa8fc5f004aa9401"
/* Someone else keeps undoing vpcesd's change to a service: backing off. */
#define VPCESD_MESSAGE_CONTESTED "e8a10be95339439093bb5f2093e87341"
/* A cycle found every configured service converged and nothing failed. */
#define VPCESD_MESSAGE_CONVERGED "69a0171e867f406fbb99199a9eedbdbe"
/* The daemon stopped (SIGTERM/SIGINT), after the cycle in progress. */
#define VPCESD_MESSAGE_STOPPED "1eff6476dc7f49de910741190c1dc0b6"

/* A struct log_field (log.h) carrying one of the ids above. */
#define LOG_MESSAGE_ID(id)         \
	{                          \
		"MESSAGE_ID", (id) \
	}

#endif
