#pragma once

/*
 * systemd's "Native Journal Protocol": an entry is one datagram of fields on
 * /run/systemd/journal/socket, each "NAME=value\n", or, for a value that holds a
 * newline (or any byte), the binary form "NAME\n", the value's length as a
 * little-endian 64-bit number, the value, "\n". The encoder of the monitor's
 * journald log driver and of the frontend's journal (events, journal_send).
 */

#include <stdbool.h>
#include <stddef.h>

struct pea_error;

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* A journal field name: 1 to 64 of 'A'-'Z', '0'-'9', '_', not starting with '_' or a digit. */
bool journal_native_name_valid(const char *name, size_t len);

/*
 * Append one field at buf + off (buf holds size bytes): the binary form when binary
 * is set or the value holds a newline, else the text form. Returns the offset after
 * it, SIZE_MAX when it does not fit or off is SIZE_MAX already, so calls chain with
 * one check at the end. buf NULL: measure only (size is not looked at).
 */
size_t journal_native_put(char *buf, size_t size, size_t off, const char *name, size_t name_len,
			  const char *value, size_t value_len, bool binary);
/* The same for a "NAME=value" string (SIZE_MAX without '='); the name is not checked. */
size_t journal_native_put_field(char *buf, size_t size, size_t off, const char *field);

/*
 * One entry of "NAME=value" fields (names checked) into *ret (allocated, not
 * NUL-terminated) of *ret_len bytes.
 */
int journal_native_encode(char *const *fields, char **ret, size_t *ret_len, struct pea_error **err);
