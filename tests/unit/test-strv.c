#include "lib/cleanup.h"
#include "lib/strv.h"
#include "tests/unit/tap.h"

int main(void)
{
	_cleanup_strv_ char **v = NULL, **c = NULL;
	_cleanup_free_ char *j = NULL, *e = NULL;

	tap_plan(8);
	v = pea_strv_split("a::b:c", ":");
	tap_is_int(pea_strv_length(v), 3, "split drops empty fields");
	tap_is_str(v[2], "c", "split keeps order");
	pea_strv_push(&v, "d");
	tap_is_int(pea_strv_length(v), 4, "push appends");
	tap_ok(v[4] == NULL, "vector stays NULL-terminated");
	c = pea_strv_copy(v);
	tap_ok(pea_strv_contains(c, "d") && !pea_strv_contains(c, "e"), "copy and contains");
	j = pea_strv_join(c, ", ");
	tap_is_str(j, "a, b, c, d", "join");
	{
		_cleanup_strv_ char **empty = pea_strv_split("", ":");
		e = pea_strv_join(empty, ",");
		tap_is_str(e, "", "join of empty vector");
		tap_is_int(pea_strv_length(NULL), 0, "length of NULL");
	}
	return tap_done();
}
