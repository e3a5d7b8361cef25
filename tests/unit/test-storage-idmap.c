/* storage/idmap.c: parsing id maps and mapping ids both ways. */
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "storage/idmap.h"
#include "tests/unit/tap.h"

static bool parses(const char *s)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct idmap m;

	return idmap_parse(s, &m, &err) == 0;
}

int main(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct idmap m;
	uint32_t id = 0;

	tap_plan(16);
	tap_is_int(idmap_parse("0:100000:1000,1000:1000:1,1001:101001:64535", &m, &err), 0,
		   "three ranges");
	tap_is_int(m.n, 3, "three ranges kept");
	tap_ok(idmap_to_host(&m, 0, &id) && id == 100000, "container root is host 100000");
	tap_ok(idmap_to_host(&m, 1000, &id) && id == 1000, "an identity range");
	tap_ok(idmap_to_host(&m, 65535, &id) && id == 165535, "the last id");
	tap_ok(!idmap_to_host(&m, 65536, &id), "outside the map");
	tap_ok(idmap_to_container(&m, 100999, &id) && id == 999, "back to the container");
	tap_ok(!idmap_to_container(&m, 99999, &id), "a host id outside the map");
	tap_ok(parses("0:4294967295:1"), "the last host id");
	tap_ok(!parses("0:4294967295:2"), "past the last host id");
	tap_ok(!parses(""), "empty");
	tap_ok(!parses("0:1"), "two fields");
	tap_ok(!parses("0:1:0"), "size 0");
	tap_ok(!parses("0:1:1,"), "a trailing comma");
	tap_ok(!parses("-1:1:1") && !parses("a:1:1") && !parses("0:1:1x"), "not numbers");
	tap_ok(!parses("0:0:1,1:1:1,2:2:1,3:3:1,4:4:1,5:5:1,6:6:1,7:7:1,8:8:1"),
	       "more than 8 ranges");
	return tap_done();
}
