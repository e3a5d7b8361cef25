/* Option parsing shared by the command handlers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/error.h"
#include "frontend/commands.h"

int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       const char *usage, int *ret_c, struct pea_error **err)
{
	int c, help = 'h';

	for (const struct option *o = longopts; o && o->name; o++)
		if (strcmp(o->name, "help") == 0)
			help = o->val;
	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == -1)
		return 0;
	if (c == help) {
		fputs(usage, stdout);
		return 1;
	}
	if (c == '?') {
		if (optopt && optopt < 256)
			return pea_error_new(err, EINVAL,
					     "unknown shorthand flag: '%c' in -%c\n"
					     "See 'pea %s --help'",
					     optopt, optopt, argv[0]);
		return pea_error_new(err, EINVAL, "unknown flag: %s\nSee 'pea %s --help'",
				     argv[optind - 1], argv[0]);
	}
	if (c == ':')
		return pea_error_new(err, EINVAL, "flag needs an argument: %s", argv[optind - 1]);
	*ret_c = c;
	return 2;
}

int parse_bool_arg(const char *opt, const char *arg, bool *ret, struct pea_error **err)
{
	if (!arg || strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0) {
		*ret = true;
		return 0;
	}
	if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0) {
		*ret = false;
		return 0;
	}
	return pea_error_new(err, EINVAL,
			     "invalid argument \"%s\" for \"%s\" flag: "
			     "use true or false",
			     arg, opt);
}
