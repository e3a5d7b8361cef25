/* lib/journal-native.c: the native journal protocol's two field forms, names, sizes. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/journal-native.h"
#include "tests/unit/tap.h"

static bool same(const char *got, size_t got_len, const char *want, size_t want_len)
{
	return got_len == want_len && memcmp(got, want, want_len) == 0;
}

int main(void)
{
	char buf[64];
	size_t n;

	tap_plan(13);

	n = journal_native_put(buf, sizeof(buf), 0, "A", 1, "x y", 3, false);
	tap_ok(same(buf, n, "A=x y\n", 6), "a value without a newline: the text form");
	n = journal_native_put(buf, sizeof(buf), 0, "MSG", 3, "a\nb", 3, false);
	tap_ok(same(buf, n, "MSG\n\x03\0\0\0\0\0\0\0a\nb\n", 16),
	       "a value with a newline: name, le64 length, value");
	n = journal_native_put(buf, sizeof(buf), 0, "M", 1, "", 0, true);
	tap_ok(same(buf, n, "M\n\0\0\0\0\0\0\0\0\n", 11), "the binary form when asked, empty too");
	n = journal_native_put(NULL, 0, 0, "MSG", 3, "a\nb", 3, false);
	tap_is_int(n, 16, "no buffer: the length it would take");
	tap_ok(journal_native_put(buf, 5, 0, "A", 1, "xyz", 3, false) == SIZE_MAX,
	       "a field longer than the room left: SIZE_MAX");
	tap_ok(journal_native_put(buf, sizeof(buf), SIZE_MAX, "A", 1, "x", 1, false) == SIZE_MAX,
	       "SIZE_MAX goes through a chain of calls");
	n = journal_native_put_field(buf, sizeof(buf), 0, "K=v=w");
	tap_ok(same(buf, n, "K=v=w\n", 6), "NAME=value: split at the first '='");
	tap_ok(journal_native_put_field(buf, sizeof(buf), 0, "K") == SIZE_MAX,
	       "a field without '=': SIZE_MAX");

	tap_ok(journal_native_name_valid("PODMAN_EVENT", 12) && journal_native_name_valid("A1_", 3),
	       "names of upper case letters, digits and '_'");
	tap_ok(!journal_native_name_valid("_PID", 4) && !journal_native_name_valid("1A", 2) &&
		       !journal_native_name_valid("lower", 5) && !journal_native_name_valid("", 0),
	       "no name starting with '_' or a digit, no lower case, none empty");
	tap_ok(!journal_native_name_valid(
		       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 65),
	       "no name over 64 characters");

	{
		char *fields[] = { (char *)"MESSAGE=one\ntwo", (char *)"PRIORITY=6", NULL };
		_cleanup_free_ char *out = NULL;
		size_t len = 0;

		tap_ok(journal_native_encode(fields, &out, &len, NULL) == 0 &&
			       same(out, len, "MESSAGE\n\x07\0\0\0\0\0\0\0one\ntwo\nPRIORITY=6\n",
				    35),
		       "an entry: each field in its form, in order");
	}
	{
		char *fields[] = { (char *)"PRIORITY=6", (char *)"bad=1", NULL };
		_cleanup_free_ char *out = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		size_t len = 0;

		tap_ok(journal_native_encode(fields, &out, &len, &e) < 0 && e &&
			       e->code == EINVAL &&
			       strcmp(e->message, "journal field 'bad=1': not NAME=value") == 0,
		       "a bad name: its one-line error");
	}
	return tap_done();
}
