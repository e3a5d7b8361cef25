#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"

#include "cgroup.h"
#include "runtime.h"
#include "state.h"

static const char ps_usage[] =
	"Usage: pea-runtime ps [--format table|json] ID [PS OPTIONS...]\n"
	"\n"
	"List the processes of a container (its cgroup). json: an array of host pids;\n"
	"table: ps(1) output for them (ps OPTIONS default to -ef).\n";

/* ps(1) over the pids: its header, then the lines whose PID column is one of ours. */
static int ps_table(const pid_t *pids, size_t n, int argc, char **argv, struct pea_error **err)
{
	_cleanup_free_ char **args = xnew(char *, (size_t)argc + 3);
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, argn = 0;
	int pid_col = -1, status;
	bool header = true;
	pid_t child;
	int pfd[2];

	args[argn++] = (char *)"ps";
	if (argc == 0)
		args[argn++] = (char *)"-ef";
	for (int i = 0; i < argc; i++)
		args[argn++] = argv[i];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	child = fork();
	if (child < 0)
		return pea_error_errno(err, "fork");
	if (child == 0) {
		dup2(pfd[1], 1);
		execvp("ps", args);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	while (f && getline(&line, &cap, f) > 0) {
		if (header) {
			_cleanup_free_ char *copy = xstrdup(line);
			char *save = NULL;
			int col = 0;

			for (char *t = strtok_r(copy, " \t\n", &save); t;
			     t = strtok_r(NULL, " \t\n", &save), col++)
				if (strcmp(t, "PID") == 0)
					pid_col = col;
			fputs(line, stdout);
			header = false;
			continue;
		}
		if (pid_col >= 0) {
			_cleanup_free_ char *copy = xstrdup(line);
			char *save = NULL, *t = strtok_r(copy, " \t\n", &save);

			for (int col = 0; t && col < pid_col; col++)
				t = strtok_r(NULL, " \t\n", &save);
			for (size_t i = 0; t && i < n; i++)
				if (atoi(t) == pids[i]) {
					fputs(line, stdout);
					break;
				}
		}
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (pid_col < 0)
		return pea_error_new(err, EINVAL, "ps: its output has no PID column");
	return 0;
}

int cmd_ps(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ pid_t *pids = NULL;
	const char *format = "table";
	struct container_handle h;
	struct cgroup *cg = NULL;
	size_t n = 0;
	int opt, r;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+f:h", longopts, NULL)) != -1) {
		if (opt == 'f')
			format = optarg;
		else if (opt == 'h') {
			fputs(ps_usage, stdout);
			return 0;
		} else
			return runtime_usage_error(err, "ps", "unknown option '%s'",
						   argv[optind - 1]);
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return runtime_usage_error(err, "ps", "--format: '%s' is not table or json",
					   format);
	if (argc - optind < 1)
		return runtime_usage_error(err, "ps", "expects a container ID");
	if (state_lookup(g->root, argv[optind], false, &h, err) < 0)
		return -EINVAL;
	r = cgroup_of_state(h.st->cgroups, argv[optind], &cg, err);
	if (r == 0)
		r = cgroup_pids(cg, &pids, &n, err);
	cgroup_free(cg);
	state_handle_close(&h);
	if (r < 0)
		return r;
	if (strcmp(format, "json") == 0) {
		putchar('[');
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		puts("]");
		return 0;
	}
	return ps_table(pids, n, argc - optind - 1, argv + optind + 1, err);
}
