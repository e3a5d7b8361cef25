/* Option parsing, sub-command tables and loops over targets shared by the command handlers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "frontend/records.h"

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

int cmd_dispatch(struct global_options *g, const char *group, const char *usage,
		 const struct subcommand *sub, size_t n, int argc, char **argv,
		 struct pea_error **err)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? pea_error_new(err, EINVAL, "missing command 'pea %s COMMAND'",
						group)
				: 0;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(sub[i].name, argv[1]) == 0)
			return sub[i].run(g, argc - 1, argv + 1, err);
	return pea_error_new(err, EINVAL,
			     "unrecognized command `pea %s %s`\n"
			     "Try 'pea %s --help' for more information",
			     group, argv[1], group);
}

int check_all_or_names(bool all, int nnames, struct pea_error **err)
{
	if (all && nnames > 0)
		return pea_error_new(err, EINVAL, "--all and containers cannot be used together");
	if (!all && nnames == 0)
		return pea_error_new(err, EINVAL,
				     "you must provide at least one container name or id");
	return 0;
}

int containers_pick(const struct global_options *g,
		    bool (*pick)(const struct global_options *g, struct ctr_record *r), char ***ret,
		    struct pea_error **err)
{
	struct ctr_record **v = NULL;
	char **ids = NULL;
	size_t n = 0;

	if (records_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!pick || pick(g, v[i]))
			pea_strv_push(&ids, v[i]->id);
	records_free(v, n);
	*ret = ids;
	return 0;
}

int for_each_target(struct global_options *g, char *const *targets, const struct each_opts *o,
		    void *data, struct pea_error **err)
{
	int status = 0;

	for (size_t i = 0; targets && targets[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (o->act(g, targets[i], data, &e) < 0) {
			/* one failure alone is the command's error, as podman reports it */
			if (!targets[i + 1] && status == 0) {
				*err = TAKE_PTR(e);
				return -1;
			}
			fprintf(stderr, "Error: %s\n", e->message);
			status = e->code == ENOENT && status == 0 && o->missing_status
					 ? o->missing_status
					 : PEA_EXIT_ENGINE;
			continue;
		}
		if (o->print)
			printf("%s\n", targets[i]);
	}
	return status;
}

bool confirm_unless(bool force, const char *warning)
{
	if (force)
		return true;
	fputs(warning, stdout);
	return frontend_confirm("Are you sure you want to continue?");
}

int cmd_switches(int argc, char **argv, const char *shortopts, const char *usage,
		 struct switches *ret, struct pea_error **err)
{
	static const struct {
		const char *name;
		int val;
	} known[] = { { "all", 'a' }, { "force", 'f' }, { "ignore", 'i' }, { "volumes", 'v' } };
	struct option opts[ARRAY_SIZE(known) + 2] = { { "help", no_argument, NULL, 'h' } };
	char shorts[16] = "h";
	size_t n = 1;
	int r, c = 0;

	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strchr(shortopts, known[i].val)) {
			opts[n++] =
				(struct option){ known[i].name, no_argument, NULL, known[i].val };
			/* --volumes has no short form in podman */
			if (known[i].val != 'v' && strlen(shorts) + 1 < sizeof(shorts)) {
				size_t k = strlen(shorts);
				shorts[k] = (char)known[i].val;
				shorts[k + 1] = '\0';
			}
		}
	*ret = (struct switches){ 0 };
	optind = 0;
	while ((r = cmd_getopt(argc, argv, shorts, opts, usage, &c, err)) == 2) {
		if (c == 'a')
			ret->all = true;
		else if (c == 'f')
			ret->force = true;
		else if (c == 'i')
			ret->ignore = true;
		else if (c == 'v')
			ret->volumes = true;
	}
	return r;
}
