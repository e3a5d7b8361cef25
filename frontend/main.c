/* pea: a podman-compatible command line for containers and images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/rootless.h"

typedef int (*cmd_fn)(struct global_options *g, int argc, char **argv, struct pea_error **err);

struct command {
	const char *name;
	cmd_fn run;
};

static const struct command commands[] = {
	{ "attach", cmd_attach },   { "container", cmd_container },
	{ "build", cmd_build },	    { "buildx", cmd_buildx },
	{ "commit", cmd_commit },   { "cp", cmd_cp },
	{ "create", cmd_create },   { "diff", cmd_diff },
	{ "events", cmd_events },   { "exec", cmd_exec },
	{ "export", cmd_export },   { "history", cmd_history },
	{ "image", cmd_image },	    { "images", cmd_images },
	{ "import", cmd_import },   { "info", cmd_info },
	{ "inspect", cmd_inspect }, { "kill", cmd_kill },
	{ "load", cmd_load },	    { "kube", cmd_kube },
	{ "play", cmd_play },	    { "generate", cmd_generate_any },
	{ "login", cmd_login },	    { "logout", cmd_logout },
	{ "logs", cmd_logs },	    { "mount", cmd_mount },
	{ "network", cmd_network }, { "pause", cmd_pause },
	{ "pod", cmd_pod },	    { "port", cmd_port },
	{ "ps", cmd_ps },	    { "pull", cmd_pull },
	{ "push", cmd_push },	    { "rename", cmd_rename },
	{ "restart", cmd_restart }, { "rm", cmd_rm },
	{ "rmi", cmd_rmi },	    { "run", cmd_run },
	{ "save", cmd_save },	    { "search", cmd_search },
	{ "start", cmd_start },	    { "stats", cmd_stats },
	{ "stop", cmd_stop },	    { "system", cmd_system },
	{ "tag", cmd_tag },	    { "top", cmd_top },
	{ "umount", cmd_unmount },  { "unmount", cmd_unmount },
	{ "unpause", cmd_unpause }, { "untag", cmd_untag },
	{ "version", cmd_version }, { "volume", cmd_volume },
	{ "wait", cmd_wait },	    { "unshare", cmd_unshare },
	{ "update", cmd_update },   { "manifest", cmd_manifest },
	{ "secret", cmd_secret },   { "healthcheck", cmd_healthcheck },
};

static const struct subcommand container_commands[] = {
	{ "attach", cmd_attach },
	{ "cleanup", cmd_cleanup },
	{ "cp", cmd_cp },
	{ "create", cmd_create },
	{ "exec", cmd_exec },
	{ "exists", cmd_container_exists },
	{ "inspect", cmd_container_inspect },
	{ "diff", cmd_diff },
	{ "export", cmd_export },
	{ "mount", cmd_mount },
	{ "umount", cmd_unmount },
	{ "unmount", cmd_unmount },
	{ "kill", cmd_kill },
	{ "list", cmd_ps },
	{ "commit", cmd_commit },
	{ "logs", cmd_logs },
	{ "ls", cmd_ps },
	{ "pause", cmd_pause },
	{ "prune", cmd_container_prune },
	{ "ps", cmd_ps },
	{ "rename", cmd_rename },
	{ "restart", cmd_restart },
	{ "rm", cmd_rm },
	{ "run", cmd_run },
	{ "runlabel", cmd_container_runlabel },
	{ "start", cmd_start },
	{ "stats", cmd_stats },
	{ "stop", cmd_stop },
	{ "top", cmd_top },
	{ "unpause", cmd_unpause },
	{ "wait", cmd_wait },
	{ "update", cmd_update },
};

static const char container_usage[] =
	"Usage: pea container COMMAND\n"
	"\n"
	"Manage containers.\n"
	"\n"
	"Commands:\n"
	"  attach    attach to a running container\n"
	"  cleanup   unmount a container that exited (the monitor's exit command)\n"
	"  commit    create an image from a container's changes\n"
	"  cp        copy files between a container and the host\n"
	"  create    create a container\n"
	"  diff      show the changes of a container to its image\n"
	"  exec      run a process in a running container\n"
	"  exists    exit 0 when a container exists, 1 when not\n"
	"  export    write the root filesystem of a container as a tar\n"
	"  inspect   show containers as JSON\n"
	"  kill      send a signal to containers\n"
	"  list, ls  list containers\n"
	"  logs      show the output of a container\n"
	"  mount     mount the root filesystem of containers\n"
	"  pause     freeze the processes of containers\n"
	"  prune     remove every container that is not running\n"
	"  ps        list containers\n"
	"  rename    rename a container\n"
	"  restart   stop and start containers\n"
	"  rm        remove containers\n"
	"  run       run a command in a new container\n"
	"  runlabel  run the command of an image's label\n"
	"  start     start containers\n"
	"  stats     show the resource usage of containers\n"
	"  stop      stop containers\n"
	"  top       show the processes of a container\n"
	"  unmount, umount   drop a mount of the root filesystem of containers\n"
	"  unpause   thaw paused containers\n"
	"  update    change the resource limits of a container\n"
	"  wait      wait for containers to exit\n";

int cmd_container(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return cmd_dispatch(g, "container", container_usage, container_commands,
			    ARRAY_SIZE(container_commands), argc, argv, err);
}

static int run_command(struct global_options *g, int argc, char **argv, struct pea_error **err);

/*
 * podman's help [COMMAND...]: the usage, or COMMAND... --help; an unknown topic
 * is named before the usage (exit 0, as podman's).
 */
static const char help_usage[] =
	"Usage: pea help [command]\n"
	"\n"
	"The help of a command: pea help COMMAND... is pea COMMAND... --help.\n";

static int cmd_help(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_free_ char **args = NULL;

	if (argc < 2) {
		frontend_print_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cmd_path_push("help");
		cmd_print_help(stdout, help_usage);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, argv[1]) == 0) {
			args = xnew(char *, (size_t)argc + 1);
			for (int j = 1; j < argc; j++)
				args[j - 1] = argv[j];
			args[argc - 1] = (char *)"--help";
			return run_command(g, argc, args, err);
		}
	printf("Unknown help topic [`%s`]\n", argv[1]);
	frontend_print_usage(stdout);
	return 0;
}

static int run_command(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, argv[0]) == 0) {
			cmd_path_push(argv[0]);
			return commands[i].run(g, argc, argv, err);
		}
	return -1;
}

/*
 * podman's: the flags are parsed before the command is looked up, so an unknown
 * flag is what it reports first.
 */
static void unknown_command(int argc, char **argv, struct pea_error **err)
{
	const char *me = frontend_progname();

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] == '-')
			pea_error_new(err, EINVAL, "unknown flag: %.*s\nSee '%s --help'",
				      (int)strcspn(a, "="), a, me);
		else
			pea_error_new(err, EINVAL,
				      "unknown shorthand flag: '%c' in %s\nSee '%s --help'", a[1],
				      a, me);
		return;
	}
	pea_error_new(err, EINVAL,
		      "unrecognized command `%s %s`\nTry '%s --help' for more information", me,
		      argv[0], me);
}

/*
 * The commands name the program pea in their hints ("See 'pea run --help'"); run
 * by another name (installed as podman), they name that one, as podman does.
 */
static void print_error(const char *msg)
{
	static const char *const hints[] = { "See 'pea ", "Try 'pea ", "`pea " };
	const char *me = frontend_progname();

	fputs("Error: ", stderr);
	while (*msg) {
		size_t skip = 0;
		for (size_t i = 0; i < ARRAY_SIZE(hints) && strcmp(me, "pea") != 0; i++)
			if (strncmp(msg, hints[i], strlen(hints[i])) == 0) {
				skip = strlen(hints[i]);
				fprintf(stderr, "%.*s%s ", (int)(skip - 4), msg, me);
				break;
			}
		if (skip) {
			msg += skip;
			continue;
		}
		fputc(*msg++, stderr);
	}
	fputc('\n', stderr);
}

int main(int argc, char *argv[])
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct global_options g = { 0 };
	int r, next = 0;

	if (rootless_is_pause(argc, argv))
		return rootless_pause_main();
	log_set_program("pea");
	r = frontend_parse_globals(argc, argv, &g, &next, &err);
	/* rootless: into the user's namespaces before anything else */
	if (r == 0)
		r = rootless_enter(&g, rootless_join_mode(argc - next, argv + next), &err);
	if (r == 0) {
		const char *name = argv[next];
		r = -1;
		/* cobra's completion protocol, as podman's completion scripts call it */
		if (strcmp(name, "__complete") == 0 || strcmp(name, "__completeNoDesc") == 0)
			r = cmd_complete(&g, argc - next, argv + next, &err);
		else if (strcmp(name, "help") == 0)
			r = cmd_help(&g, argc - next, argv + next, &err);
		if (r == -1)
			r = run_command(&g, argc - next, argv + next, &err);
		if (r == -1 && !err)
			unknown_command(argc - next, argv + next, &err);
	} else if (r > 0) {
		r = 0;
	} else if (g.error_status == 1) {
		/* podman's --log-level error: its line as is, status 1 */
		fprintf(stderr, "%s\n", err->message);
		global_options_clear(&g);
		return 1;
	}
	if (r < 0 && frontend_error_bare() && err) {
		/* --log-level after the command: podman's line as is */
		fprintf(stderr, "%s\n", err->message);
		r = g.error_status;
	} else if (r < 0) {
		print_error(err ? err->message : "failed");
		r = g.error_status ? g.error_status : PEA_EXIT_ENGINE;
	}
	global_options_clear(&g);
	fflush(stdout);
	return r;
}
