#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/process.h"

#include "container.h"
#include "runtime.h"
#include "state.h"

static const char kill_usage[] =
	"Usage: pea-runtime kill [--all] ID [SIGNAL]\n"
	"\n"
	"Send SIGNAL (a name with or without SIG, or a number; default SIGTERM) to the\n"
	"container's init.\n"
	"\n"
	"  -a, --all   every process of the container (of its pid or mount namespace)\n";

static int ns_inode(pid_t pid, const char *type, ino_t *ret)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, type);
	if (stat(path, &st) < 0)
		return -errno;
	*ret = st.st_ino;
	return 0;
}

/*
 * Every process of the container but its init: those in the pid namespace
 * it made, else in the mount namespace it made (every process of a container
 * shares it). Without cgroups (part 2 of pea-runtime) that is "all". A
 * container that made neither has only its init to signal.
 */
int container_kill_all(const struct container_state *st, int sig, struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	const char *type = st->pidns ? "pid" : "mnt";
	struct dirent *e;
	ino_t ns;

	if (!st->pidns && !st->mntns)
		return 0;
	d = opendir("/proc");
	if (!d)
		return pea_error_errno(err, "open '/proc'");
	if (ns_inode(st->pid, type, &ns) < 0)
		return pea_error_errno(err, "%s namespace of %d", type, (int)st->pid);
	while ((e = readdir(d))) {
		char *end = NULL;
		long pid = strtol(e->d_name, &end, 10);
		ino_t other;

		if (*end || pid <= 0 || pid == st->pid)
			continue;
		if (ns_inode((pid_t)pid, type, &other) == 0 && other == ns)
			kill((pid_t)pid, sig);
	}
	return 0;
}

int cmd_kill(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_close_ int pidfd = -1;
	struct container_handle h;
	bool all = false;
	int opt, sig = SIGTERM;

	/* 0, not 1: getopt starts over and permutes (runc takes options after the ID) */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "ah", longopts, NULL)) != -1) {
		if (opt == 'a')
			all = true;
		else if (opt == 'h') {
			fputs(kill_usage, stdout);
			return 0;
		} else
			return runtime_usage_error(err, "kill", "unknown option '%s'",
						   argv[optind - 1]);
	}
	if (argc - optind < 1 || argc - optind > 2)
		return runtime_usage_error(err, "kill", "expects an ID and an optional signal");
	if (argc - optind == 2) {
		/* 0 checks that the container runs, as kill(1) does */
		sig = strcmp(argv[optind + 1], "0") == 0 ? 0
							 : pea_signal_from_string(argv[optind + 1]);
		if (sig < 0)
			return runtime_usage_error(err, "kill", "unknown signal '%s'",
						   argv[optind + 1]);
	}
	if (state_lookup(g->root, argv[optind], false, &h, err) < 0)
		return -EINVAL;
	pidfd = h.status == STATUS_STOPPED ? -1 : state_pidfd(h.st);
	if (pidfd < 0 && all) {
		/* as runc: --all reaches what is left, and a stopped container has nothing left */
		state_handle_close(&h);
		return 0;
	}
	if (pidfd < 0) {
		pea_error_new(err, ESRCH, "container '%s' is not running", argv[optind]);
		state_handle_close(&h);
		return -ESRCH;
	}
	if (all && container_kill_all(h.st, sig, err) < 0) {
		state_handle_close(&h);
		return -EINVAL;
	}
	if (pea_pidfd_send_signal(pidfd, sig) < 0 && errno != ESRCH) {
		pea_error_errno(err, "container '%s': send signal %d", argv[optind], sig);
		state_handle_close(&h);
		return -EINVAL;
	}
	state_handle_close(&h);
	return 0;
}
