#include <stdio.h>

#include "lib/error.h"
#include "netsetup/netsetup.h"

/* netavark prints its version as a pretty JSON object; so do we. */
int cmd_version(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	printf("{\n"
	       "  \"version\": \"%s\",\n"
	       "  \"commit\": \"\",\n"
	       "  \"build_time\": \"\",\n"
	       "  \"target\": \"pea-netsetup\"\n"
	       "}\n",
	       PEA_VERSION);
	return 0;
}
