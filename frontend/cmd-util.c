/* Option parsing, sub-command tables and loops over targets shared by the command handlers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "frontend/records.h"

/* The words of the command being run after the program's name: "container stop". */
static char cmd_path[256];

void cmd_path_push(const char *word)
{
	size_t n = strlen(cmd_path);

	snprintf(cmd_path + n, sizeof(cmd_path) - n, "%s%s", n ? " " : "", word);
}

const char *cmd_path_get(void)
{
	return cmd_path;
}

/* What a synopsis says about the operands of a command. */
struct synopsis {
	char operands[256]; /* "CONTAINER [CONTAINER...]": no options, no path */
	int min, max;	    /* max -1: no limit */
	bool group;	    /* it has sub-commands ("Commands:") */
};

static bool is_path_word(const char *w, size_t len)
{
	if (len == 0 || w[0] < 'a' || w[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= '0' && w[i] <= '9') || w[i] == '-'))
			return false;
	return true;
}

/* The length of the word at s: up to a space, or a whole [...] or {...} group. */
static size_t synopsis_token(const char *s, const char *end)
{
	int depth = 0;
	size_t i = 0;

	for (; s + i < end; i++) {
		if (s[i] == '[' || s[i] == '{')
			depth++;
		else if ((s[i] == ']' || s[i] == '}') && depth > 0)
			depth--;
		else if (s[i] == ' ' && depth == 0)
			break;
	}
	return i;
}

static bool token_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && strncmp(s, word, len) == 0;
}

/*
 * Read the first line of a usage ("Usage: pea stop [OPTIONS] CONTAINER [CONTAINER...]"):
 * after the program and the command's path (lower-case words), its operands, without
 * the options ("[OPTIONS]", "[-t SECS]", "--no-stream") and a group's COMMAND.
 */
static void synopsis_parse(const char *usage, struct synopsis *ret)
{
	const char *s = usage, *end;
	bool path = true, unlimited = false;

	*ret = (struct synopsis){ .group = strstr(usage, "\nCommands:\n") != NULL };
	if (strncmp(s, "Usage:", 6) == 0)
		s += 6;
	end = s + strcspn(s, "\n");
	s += strspn(s, " ");
	s += strcspn(s, " \n"); /* the program */
	while (s < end) {
		size_t len;
		s += strspn(s, " ");
		len = synopsis_token(s, end);
		if (len == 0)
			break;
		if (path && is_path_word(s, len)) {
			s += len;
			continue;
		}
		path = false;
		if (s[0] == '-' || strncmp(s, "[-", 2) == 0 || token_is(s, len, "[OPTIONS]") ||
		    token_is(s, len, "[options]") ||
		    (ret->group &&
		     (token_is(s, len, "COMMAND") || token_is(s, len, "[ARGS...]")))) {
			s += len;
			continue;
		}
		snprintf(ret->operands + strlen(ret->operands),
			 sizeof(ret->operands) - strlen(ret->operands), "%s%.*s",
			 ret->operands[0] ? " " : "", (int)len, s);
		if (memmem(s, len, "...", 3))
			unlimited = true;
		ret->max++;
		if (s[0] != '[')
			ret->min++;
		s += len;
	}
	if (unlimited)
		ret->max = -1;
}

/* A line of a usage text that starts an option: "  -a, --all ..." or "      --cidfile=FILE". */
static bool is_option_line(const char *line)
{
	return line[0] == ' ' && line[strspn(line, " ")] == '-';
}

/* Podman has no "--help" line in a command's options. */
static bool is_help_option(const char *line)
{
	const char *s = line + strspn(line, " ");

	return strncmp(s, "-h, --help ", 11) == 0 || strncmp(s, "--help ", 7) == 0 ||
	       strcmp(s, "--help") == 0 || strcmp(s, "-h, --help") == 0;
}

/* A "Commands:" line "  list, ls, ps   list containers": its first name and its text. */
static void append_command(FILE *out, const char *line)
{
	const char *s = line + strspn(line, " "), *text;
	size_t name = strcspn(s, ", ");

	text = s + name;
	while (*text == ',') /* ", ls, ps" */
		text += 1 + strspn(text + 1, " ") + strcspn(text + 1 + strspn(text + 1, " "), ", ");
	text += strspn(text, " ");
	fprintf(out, "  %-*.*s %s\n", name < 11 ? 11 : (int)name, (int)name, s, text);
}

/* The first sentence of the description, without its full stop: podman's short line. */
static void print_short(FILE *f, const char *desc)
{
	size_t n = 0;

	for (; desc[n] && !(desc[n] == '\n' && desc[n + 1] == '\n'); n++)
		if ((desc[n] == '.' || desc[n] == ':' || desc[n] == ';') &&
		    (desc[n + 1] == ' ' || desc[n + 1] == '\n' || !desc[n + 1]))
			break;
	for (size_t i = 0; i < n; i++)
		fputc(desc[i] == '\n' ? ' ' : desc[i], f);
	fputc('\n', f);
}

/* Sort a usage text into its description, its sub-commands and its options. */
struct help_parts {
	char *desc, *cmds, *opts;
	size_t desc_len, cmds_len, opts_len;
};

static void help_sort(const char *usage, struct help_parts *p)
{
	_cleanup_fclose_ FILE *desc = open_memstream(&p->desc, &p->desc_len);
	_cleanup_fclose_ FILE *cmds = open_memstream(&p->cmds, &p->cmds_len);
	_cleanup_fclose_ FILE *opts = open_memstream(&p->opts, &p->opts_len);
	enum { USAGE, TEXT, CMDS, OPTS, SKIP } mode = USAGE;
	const char *s = usage;
	bool blank = false;

	while (*s) {
		size_t len = strcspn(s, "\n");
		_cleanup_free_ char *line = xstrndup(s, len);

		s += len + (s[len] == '\n');
		if (!*line) {
			mode = TEXT;
			blank = ftell(desc) > 0;
			continue;
		}
		if (mode == USAGE)
			continue;
		if (strcmp(line, "Commands:") == 0 || strcmp(line, "Available Commands:") == 0) {
			mode = CMDS;
			continue;
		}
		if (strcmp(line, "Options:") == 0) {
			mode = OPTS;
			continue;
		}
		if (mode == CMDS) {
			append_command(cmds, line);
			continue;
		}
		if (is_option_line(line) && (mode == OPTS || mode == SKIP || mode == TEXT)) {
			mode = is_help_option(line) ? SKIP : OPTS;
			if (mode == OPTS)
				fprintf(opts, "%s\n", line);
			continue;
		}
		if ((mode == OPTS || mode == SKIP) && line[0] == ' ') {
			if (mode == OPTS) /* an option's next line */
				fprintf(opts, "%s\n", line);
			continue;
		}
		mode = TEXT;
		fprintf(desc, "%s%s\n", blank ? "\n" : "", line + strspn(line, " "));
		blank = false;
	}
}

void cmd_print_help(FILE *f, const char *usage)
{
	_cleanup_free_ char *path = help_canonical_path(cmd_path);
	struct help_parts p = { 0 };
	struct synopsis syn;

	synopsis_parse(usage, &syn);
	help_sort(usage, &p);
	if (p.desc_len) {
		print_short(f, p.desc);
		fputs("\nDescription:\n", f);
		for (const char *s = p.desc; *s;) {
			size_t len = strcspn(s, "\n");
			fprintf(f, "%s%.*s\n", len ? "  " : "", (int)len, s);
			s += len + (s[len] == '\n');
		}
		fputc('\n', f);
	}
	fprintf(f, "Usage:\n  %s%s%s%s%s%s%s\n\n", frontend_progname(), *cmd_path ? " " : "", path,
		p.opts_len ? " [options]" : "", syn.group ? " [command]" : "",
		*syn.operands && !syn.group ? " " : "", syn.group ? "" : syn.operands);
	help_print_extra(f, cmd_path);
	if (p.cmds_len)
		fprintf(f, "Available Commands:\n%s\n", p.cmds);
	if (p.opts_len)
		fprintf(f, "Options:\n%s\n", p.opts);
	free(p.desc);
	free(p.cmds);
	free(p.opts);
}

/*
 * The operands left after the options against the synopsis, in cobra's words. Only
 * the most: the fewest are each command's to check (--all, --latest and others stand
 * in for them, with podman's own messages).
 */
static int check_operands(int argc, char **argv, const char *usage, struct pea_error **err)
{
	struct synopsis syn;
	int n = argc - optind;

	(void)argv;
	synopsis_parse(usage, &syn);
	if (syn.group || syn.max < 0 || n <= syn.max)
		return 0;
	if (syn.max == 0)
		return pea_error_new(err, EINVAL, "`%s %s` takes no arguments", frontend_progname(),
				     cmd_path);
	return check_nargs(n, syn.min, syn.max, err);
}

/*
 * What getopt_long just returned (c, the long option's index idx), when it is one of
 * podman's global flags after the command's name: an unknown long option, or a prefix
 * getopt_long took for a longer option of the command's (--root for run's --rootfs;
 * cobra takes no prefixes). Applied, and optind moved past it and its value: 1. The
 * command's own flag of the same name wins, as cobra's local flags do.
 */
static int late_global(int argc, char **argv, const struct option *longopts, int c, int idx,
		       int optind_before, struct pea_error **err)
{
	int at;
	size_t len;
	const char *word;

	if (c == '?' || c == ':') {
		/*
		 * an unknown --NAME, or a prefix with a value its option does
		 * not take; never an unknown letter inside a cluster (-Za: getopt
		 * stays on that word, and the word before it is not what failed)
		 */
		if (optind == optind_before)
			return 0;
		at = optind - 1;
		if (at < 1 || strncmp(argv[at], "--", 2) != 0)
			return 0;
		word = argv[at] + 2;
		len = strcspn(word, "=");
		for (const struct option *o = longopts; o && o->name; o++)
			if (strlen(o->name) == len && strncmp(o->name, word, len) == 0)
				return 0; /* the command's own: its error */
	} else if (idx >= 0) {
		at = optarg && optind >= 2 && optarg == argv[optind - 1] ? optind - 2 : optind - 1;
		word = argv[at];
		if (strncmp(word, "--", 2) != 0)
			return 0;
		len = strcspn(word + 2, "=");
		if (strlen(longopts[idx].name) == len)
			return 0; /* the command's own, by its whole name */
	} else {
		return 0;
	}
	if (at < 1 || !frontend_is_global_flag(argv[at]))
		return 0;
	if (frontend_late_global(argc, argv, &at, err) < 0)
		return -1;
	optind = at;
	return 1;
}

int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       const char *usage, int *ret_c, struct pea_error **err)
{
	int c = -1, r, idx, help = 'h', before;

	for (const struct option *o = longopts; o && o->name; o++)
		if (strcmp(o->name, "help") == 0)
			help = o->val;
	do {
		opterr = 0;
		idx = -1;
		before = optind;
		c = getopt_long(argc, argv, shortopts, longopts, &idx);
		if (c == -1)
			return check_operands(argc, argv, usage, err);
		r = late_global(argc, argv, longopts, c, idx, before, err);
		if (r < 0)
			return -1;
	} while (r > 0);
	if (c == help) {
		cmd_print_help(stdout, usage);
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
	(void)group;
	/* podman's global flags between the group and its command (cobra's TraverseChildren) */
	for (int i = 1, r; i < argc && (r = frontend_late_global(argc, argv, &i, err)) != 0;) {
		if (r < 0)
			return -1;
		memmove(argv + 1, argv + i, (size_t)(argc - i) * sizeof(*argv));
		argc -= i - 1;
		i = 1;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cmd_print_help(argc < 2 ? stderr : stdout, usage);
		return argc < 2 ? pea_error_new(err, EINVAL, "missing command '%s %s COMMAND'",
						frontend_progname(), cmd_path)
				: 0;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(sub[i].name, argv[1]) == 0) {
			cmd_path_push(argv[1]);
			return sub[i].run(g, argc - 1, argv + 1, err);
		}
	if (argv[1][0] == '-' && argv[1][1] == '-')
		return pea_error_new(err, EINVAL, "unknown flag: %.*s\nSee '%s %s --help'",
				     (int)strcspn(argv[1], "="), argv[1], frontend_progname(),
				     cmd_path);
	if (argv[1][0] == '-' && argv[1][1])
		return pea_error_new(err, EINVAL,
				     "unknown shorthand flag: '%c' in %s\nSee '%s %s --help'",
				     argv[1][1], argv[1], frontend_progname(), cmd_path);
	return pea_error_new(err, EINVAL,
			     "unrecognized command `%s %s %s`\n"
			     "Try '%s %s --help' for more information",
			     frontend_progname(), cmd_path, argv[1], frontend_progname(), cmd_path);
}

int check_nargs(int got, int min, int max, struct pea_error **err)
{
	if (got >= min && (max < 0 || got <= max))
		return 0;
	if (min == max)
		return pea_error_new(err, EINVAL, "accepts %d arg(s), received %d", min, got);
	if (max < 0)
		return pea_error_new(err, EINVAL, "requires at least %d arg(s), only received %d",
				     min, got);
	if (min == 0)
		return pea_error_new(err, EINVAL, "accepts at most %d arg(s), received %d", max,
				     got);
	return pea_error_new(err, EINVAL, "accepts between %d and %d arg(s), received %d", min, max,
			     got);
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
