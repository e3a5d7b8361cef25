#include <stdio.h>
#include <string.h>

#include "lib/error.h"
#include "netsetup/netsetup.h"

/* __DATE__ ("Nov 26 2026") and __TIME__ as RFC 3339, as netavark reports its build time. */
static void build_time(char *buf, size_t size)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *d = __DATE__;
	const char *m = strstr(months, (char[4]){ d[0], d[1], d[2], 0 });
	int month = m ? (int)(m - months) / 3 + 1 : 1;
	int day = (d[4] == ' ' ? 0 : d[4] - '0') * 10 + (d[5] - '0');

	snprintf(buf, size, "%.4s-%02d-%02dT%sZ", d + 7, month, day, __TIME__);
}

/* netavark prints its version as a pretty JSON object; so do we. */
int cmd_version(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	char when[32];

	build_time(when, sizeof(when));
	printf("{\n"
	       "  \"version\": \"%s\",\n"
	       "  \"commit\": \"\",\n"
	       "  \"build_time\": \"%s\",\n"
	       "  \"target\": \"pea-netsetup\"\n"
	       "}\n",
	       PEA_VERSION, when);
	return 0;
}
