/* go_parse_duration (frontend.h): Go's time.ParseDuration grammar, for --health-*, build's
 * HEALTHCHECK flags and logs/events --since and --until. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "frontend/frontend.h"
#include "tests/unit/tap.h"

static int64_t ns_of(const char *s)
{
	const char *why = NULL;
	int64_t v = -42;

	return go_parse_duration(s, &v, &why) == 0 ? v : -42;
}

static const char *why_of(const char *s)
{
	const char *why = NULL;
	int64_t v = 0;

	return go_parse_duration(s, &v, &why) < 0 ? why : "ok";
}

int main(void)
{
	tap_plan(21);
	tap_ok(ns_of("0") == 0, "0 alone needs no unit");
	tap_ok(ns_of("-0") == 0, "-0");
	tap_ok(ns_of("30s") == 30000000000LL, "30s");
	tap_ok(ns_of("1h30m") == 5400000000000LL, "1h30m");
	tap_ok(ns_of("1.5s") == 1500000000LL, "1.5s");
	tap_ok(ns_of(".5s") == 500000000LL, ".5s");
	tap_ok(ns_of("1.s") == 1000000000LL, "1.s");
	tap_ok(ns_of("300ms") == 300000000LL, "300ms");
	tap_ok(ns_of("2us") == 2000 && ns_of("2\xc2\xb5s") == 2000 && ns_of("2\xce\xbcs") == 2000,
	       "us, micro sign and Greek mu");
	tap_ok(ns_of("7ns") == 7, "ns");
	tap_ok(ns_of("-1m") == -60000000000LL, "a sign");
	tap_ok(ns_of("+1m") == 60000000000LL, "a plus sign");
	tap_is_str(why_of(""), "invalid duration", "empty");
	tap_is_str(why_of("10"), "missing unit in duration", "a number alone");
	tap_is_str(why_of("1d"), "unknown unit", "days are no Go unit");
	tap_is_str(why_of("1e3s"), "unknown unit", "no exponents");
	tap_is_str(why_of("1.5.5s"), "invalid duration", "two dots");
	tap_is_str(why_of("."), "invalid duration", "a dot alone");
	tap_is_str(why_of(" 1s"), "invalid duration", "no spaces");
	tap_is_str(why_of("s"), "invalid duration", "a unit alone");
	tap_is_str(why_of("9999999999h"), "invalid duration", "out of range");
	return tap_done();
}
