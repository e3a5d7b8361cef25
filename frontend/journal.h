#pragma once

/*
 * The systemd journal, for the journald log driver's reader (cmd-logs.c) and the
 * journald events backend (events.c): entries sent over journald's native
 * protocol (a datagram of fields on /run/systemd/journal/socket, systemd's
 * "Native Journal Protocol"), read back through `journalctl -o json`.
 */

#include <stdbool.h>

struct json_object;
struct pea_error;

/*
 * Send one entry: fields are "NAME=value" (a value may hold any byte but NUL;
 * one with a newline goes in the protocol's binary form). Names are journald's:
 * upper case letters, digits and '_', not starting with '_' or a digit
 * (lib/journal-native.h encodes it).
 */
int journal_send(char *const *fields, struct pea_error **err);

/* Called for each entry read, a journalctl -o json object; < 0 stops the read. */
typedef int (*journal_entry_fn)(struct json_object *entry, void *data, struct pea_error **err);

struct journal_query {
	char *const *matches; /* "FIELD=value" journalctl matches (ANDed), NULL: none */
	const char *cursor;   /* only the entries after this one (NULL: from the first) */
	bool has_since;	      /* only the entries of this time (seconds) on */
	double since;
	bool sync; /* have journald write what it holds first (journalctl --sync) */
	bool last; /* the last entry only (its cursor: where a stream starts) */
};

/*
 * The entries of q, oldest first, each to fn. *ret_cursor (if not NULL): the cursor
 * of the last entry read (unchanged when there was none). journalctl --all: without
 * it a field over 4096 bytes prints as null.
 */
int journal_read(const struct journal_query *q, journal_entry_fn fn, void *data, char **ret_cursor,
		 struct pea_error **err);

/* A field of an entry as a string (journalctl's array of bytes when not UTF-8); NULL without. */
char *journal_field(struct json_object *entry, const char *name);
