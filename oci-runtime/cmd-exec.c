/*
 * exec: a new process in a running container. It joins the container's
 * cgroups and every namespace its init has that we do not share, gets the
 * process attributes of config.json's process (or of --process FILE) with
 * the command line's changes, and runs with only the fds it was given.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "cgroup.h"
#include "container.h"
#include "runtime.h"
#include "seccomp.h"
#include "spec.h"
#include "state.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char exec_usage[] =
	"Usage: pea-runtime exec [OPTIONS] ID [COMMAND [ARG...]]\n"
	"\n"
	"Run a process in a running container: its namespaces, cgroups and process\n"
	"attributes (config.json's process, changed by the options).\n"
	"\n"
	"  -p, --process FILE        the process as a runtime-spec process JSON object\n"
	"  -d, --detach              return once the process runs\n"
	"      --pid-file FILE       write the process's pid to FILE\n"
	"      --console-socket SOCK send the pty master to this unix socket (--tty)\n"
	"  -t, --tty                 a pseudo-terminal for the process\n"
	"      --cwd DIR             working directory in the container\n"
	"  -e, --env KEY=VALUE       set an environment variable (repeatable)\n"
	"  -u, --user UID[:GID]      run as this user\n"
	"      --additional-gids GID more groups (repeatable)\n"
	"  -c, --cap CAP             add a capability (repeatable)\n"
	"      --no-new-privs        set no_new_privs\n"
	"      --ignore-paused       exec into a paused container too (the process runs\n"
	"                            once it is resumed)\n"
	"      --preserve-fds N      pass N more fds (3 to 3+N-1)\n"
	"      --cgroup [CTRL[,CTRL]:]PATH\n"
	"                            join this cgroup below the container's (for every\n"
	"                            hierarchy, or for the controllers named; repeatable)\n"
	"\n"
	"The exit status is the process's (128+N for signal N) unless --detach;\n"
	"255 when exec itself fails.\n";

struct exec_options {
	const char *process_file;
	const char *pid_file;
	const char *console_socket;
	const char *cwd;
	const char *user;
	char **env;
	char **caps;
	char **gids;
	char **cgroups; /* --cgroup, as given */
	int preserve_fds;
	bool detach;
	bool tty, tty_set;
	bool no_new_privs;
	bool ignore_paused; /* runc's: exec into a paused container; it runs once resumed */
};

enum {
	OPT_PID_FILE = 256,
	OPT_CONSOLE,
	OPT_CWD,
	OPT_NNP,
	OPT_PRESERVE,
	OPT_GIDS,
	OPT_CGROUP,
	OPT_IGNORED,
	OPT_IGNORE_PAUSED,
};

static int exec_parse_args(int argc, char **argv, struct exec_options *o, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "tty", no_argument, NULL, 't' },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, OPT_GIDS },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, OPT_NNP },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
		{ "process-label", required_argument, NULL, OPT_IGNORED },
		{ "apparmor", required_argument, NULL, OPT_IGNORED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+p:dte:u:c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			o->process_file = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case 't':
			o->tty = o->tty_set = true;
			break;
		case OPT_CWD:
			if (optarg[0] != '/')
				return runtime_usage_error(err, "exec",
							   "--cwd '%s' is not absolute", optarg);
			o->cwd = optarg;
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return runtime_usage_error(err, "exec",
							   "--env '%s' is not KEY=VALUE", optarg);
			pea_strv_push(&o->env, optarg);
			break;
		case 'u':
			o->user = optarg;
			break;
		case OPT_GIDS:
			pea_strv_push(&o->gids, optarg);
			break;
		case 'c':
			/* as config.json's (and runc's, crun's): a newer kernel's name or a typo */
			if (spec_cap_from_name(optarg) < 0) {
				log_warning("exec: --cap: unknown capability '%s', ignoring",
					    optarg);
				break;
			}
			pea_strv_push(&o->caps, optarg);
			break;
		case OPT_NNP:
			o->no_new_privs = true;
			break;
		case OPT_IGNORE_PAUSED:
			o->ignore_paused = true;
			break;
		case OPT_PRESERVE:
			errno = 0;
			o->preserve_fds = (int)strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || o->preserve_fds < 0 ||
			    o->preserve_fds > 1 << 20)
				return runtime_usage_error(
					err, "exec", "--preserve-fds: '%s' is not a count", optarg);
			break;
		case OPT_CGROUP:
			pea_strv_push(&o->cgroups, optarg);
			break;
		case OPT_IGNORED:
			break;
		case 'h':
			fputs(exec_usage, stdout);
			return 0;
		default:
			return runtime_usage_error(err, "exec", "unknown or incomplete option '%s'",
						   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return runtime_usage_error(err, "exec", "expects a container ID");
	if (!o->process_file && optind + 1 >= argc)
		return runtime_usage_error(err, "exec", "expects a command (or --process FILE)");
	return optind;
}

static int parse_id(const char *s, const char *what, uint32_t *ret, struct pea_error **err)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 0xfffffffeul)
		return runtime_usage_error(err, "exec", "%s: '%s' is not a number", what, s);
	*ret = (uint32_t)v;
	return 0;
}

/* config.json's process (or --process FILE's), with the options applied. */
static int exec_process(struct spec *s, const struct exec_options *o, char **cmd,
			struct pea_error **err)
{
	struct spec_process *p = &s->process;

	if (o->process_file) {
		_cleanup_json_ struct json_object *j = NULL;
		struct spec_process np = { 0 };

		if (pea_json_parse_file_at(AT_FDCWD, o->process_file, 1 << 20, &j, err) < 0)
			return pea_error_wrap(err, "--process '%s'", o->process_file);
		if (spec_process_parse(j, &np, err) < 0) {
			spec_process_clear(&np);
			return pea_error_wrap(err, "--process '%s'", o->process_file);
		}
		spec_process_clear(p);
		*p = np;
	}
	if (cmd && cmd[0]) {
		pea_strv_free(p->args);
		p->args = pea_strv_copy(cmd);
	}
	if (o->cwd) {
		free(p->cwd);
		p->cwd = xstrdup(o->cwd);
	}
	for (size_t i = 0; o->env && o->env[i]; i++) {
		size_t klen = strcspn(o->env[i], "=") + 1;
		bool replaced = false;

		for (size_t k = 0; p->env && p->env[k] && !replaced; k++)
			if (strncmp(p->env[k], o->env[i], klen) == 0) {
				free(p->env[k]);
				p->env[k] = xstrdup(o->env[i]);
				replaced = true;
			}
		if (!replaced)
			pea_strv_push(&p->env, o->env[i]);
	}
	if (o->user) {
		_cleanup_free_ char *u = xstrdup(o->user);
		char *colon = strchr(u, ':');
		uint32_t id;

		if (colon)
			*colon++ = '\0';
		if (parse_id(u, "--user", &id, err) < 0)
			return -EINVAL;
		p->uid = id;
		if (colon) {
			if (parse_id(colon, "--user", &id, err) < 0)
				return -EINVAL;
			p->gid = id;
		}
	}
	if (o->gids) {
		size_t n = 0;

		while (o->gids[n])
			n++;
		free(p->additional_gids);
		p->additional_gids = xnew(gid_t, n + 1);
		for (size_t i = 0; i < n; i++) {
			uint32_t id;

			if (parse_id(o->gids[i], "--additional-gids", &id, err) < 0)
				return -EINVAL;
			p->additional_gids[i] = id;
		}
		p->n_additional_gids = n;
	}
	for (size_t i = 0; o->caps && o->caps[i]; i++) {
		uint64_t bit = 1ull << spec_cap_from_name(o->caps[i]);

		p->has_caps = true;
		/* as runc: not inheritable, so not ambient either (which needs it) */
		for (int set = 0; set < CAPS_SET_COUNT; set++)
			if (set != CAPS_AMBIENT && set != CAPS_INHERITABLE)
				p->caps[set] |= bit;
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	/* as runc: config.json's terminal is the init's; an exec gets one only with --tty */
	if (o->tty_set || !o->process_file)
		p->terminal = o->tty;
	return 0;
}

/* ---- --cgroup --------------------------------------------------------------------------- */

/*
 * sub cleaned of "." and empty components, or NULL when a ".." climbs above
 * it: the process must stay in the container's cgroup or below.
 */
static char *sub_cgroup_clean(const char *sub)
{
	_cleanup_strv_ char **parts = pea_strv_split(sub, "/");
	_cleanup_strv_ char **kept = NULL;
	size_t depth = 0;

	for (size_t i = 0; parts && parts[i]; i++) {
		if (strcmp(parts[i], ".") == 0)
			continue;
		if (strcmp(parts[i], "..") == 0) {
			if (depth == 0)
				return NULL;
			free(kept[--depth]);
			kept[depth] = NULL;
			continue;
		}
		pea_strv_push(&kept, parts[i]);
		depth++;
	}
	return depth ? pea_strv_join(kept, "/") : xstrdup("");
}

static int sub_cgroup_move(struct cgroup_hier *h, const char *sub, struct pea_error **err)
{
	_cleanup_free_ char *clean = sub_cgroup_clean(sub);
	char *dir;

	/* runc's words, which its tests and users match */
	if (!clean)
		return pea_error_new(err, EINVAL, "exec --cgroup: %s is not a sub cgroup path",
				     sub);
	if (!*clean)
		return 0;
	dir = xasprintf("%s/%s", h->dir, clean);
	free(h->dir);
	h->dir = dir;
	return 0;
}

static bool hier_has_controller(const struct cgroup_hier *h, const char *ctrl)
{
	_cleanup_strv_ char **names = pea_strv_split(h->controllers, ",");

	return pea_strv_contains(names, ctrl);
}

/* One --cgroup: "PATH" (every hierarchy; the only one allowed then) or "CTRL[,CTRL]:PATH". */
static int sub_cgroup_apply(struct cgroup *cg, const char *arg, size_t nargs,
			    struct pea_error **err)
{
	_cleanup_free_ char *ctrls = NULL;
	_cleanup_strv_ char **names = NULL;
	const char *colon = strchr(arg, ':');

	if (colon && strchr(colon + 1, ':'))
		return runtime_usage_error(err, "exec", "invalid --cgroup argument: %s", arg);
	if (!colon) {
		if (nargs != 1)
			return runtime_usage_error(
				err, "exec",
				"invalid --cgroup argument: %s (missing <controller>: prefix)",
				arg);
		for (size_t i = 0; i < cg->n; i++)
			if (sub_cgroup_move(&cg->h[i], arg, err) < 0)
				return -EINVAL;
		return 0;
	}
	ctrls = xstrndup(arg, (size_t)(colon - arg));
	names = pea_strv_split(ctrls, ",");
	for (size_t k = 0; names && names[k]; k++) {
		bool found = false;

		for (size_t i = 0; i < cg->n && !found; i++) {
			if (!hier_has_controller(&cg->h[i], names[k]))
				continue;
			found = true;
			if (sub_cgroup_move(&cg->h[i], colon + 1, err) < 0)
				return -EINVAL;
		}
		if (!found)
			return pea_error_new(err, EINVAL, "exec --cgroup: unknown controller %s",
					     names[k]);
	}
	return 0;
}

/* The container's cgroups with each --cgroup applied: where the process goes. */
static int sub_cgroups_apply(struct cgroup *cg, char **args, struct pea_error **err)
{
	size_t n = pea_strv_length(args);

	if (n && !cg)
		return pea_error_new(err, ENOENT, "exec --cgroup: the container has no cgroups");
	for (size_t i = 0; i < n; i++)
		if (sub_cgroup_apply(cg, args[i], n, err) < 0)
			return -EINVAL;
	return 0;
}

/* ---- the child ----------------------------------------------------------------------- */

static const struct {
	const char *name;
	int type;
} ns_types[] = {
	/* user: joined last (exec_child); cgroup after the cgroups are joined */
	{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },  { "net", CLONE_NEWNET },
	{ "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS }, { "cgroup", CLONE_NEWCGROUP },
};

struct exec_ctx {
	const struct container_state *st;
	struct spec *s;
	const struct exec_options *o;
	struct cgroup *cg;
	int nsfd[ARRAY_SIZE(ns_types)]; /* the init's, -1 where we share it */
	int console;			/* connected console socket, or -1 */
	int report;			/* error pipe to the parent (close-on-exec) */
	struct seccomp_filter *seccomp;
	int listener;	  /* connected to linux.seccomp.listenerPath (SCMP_ACT_NOTIFY), or -1 */
	char *state_json; /* what the seccomp agent gets with the listener */
	pid_t host_pid;	  /* the child's pid as the runtime sees it (for the agent) */
	bool rootless;	  /* run by an ordinary user: cgroups may not be delegated */
	int v2_fd;	  /* the cgroup2 directory to clone the child into, or -1 */
	bool in_v2;	  /* the child was cloned there (CLONE_INTO_CGROUP) */
};

/* Our pid in /proc's pid namespace (the runtime's), or 0. */
static pid_t proc_self_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

static bool same_ns(pid_t pid, const char *name)
{
	char a[64], b[64];
	struct stat sa, sb;

	snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, name);
	snprintf(b, sizeof(b), "/proc/self/ns/%s", name);
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static int open_ns(pid_t pid, const char *name, int *ret, struct pea_error **err)
{
	char path[64];

	*ret = -1;
	if (same_ns(pid, name))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	*ret = open(path, O_RDONLY | O_CLOEXEC);
	if (*ret < 0)
		return pea_error_errno(err, "open '%s'", path);
	return 0;
}

/* The pty of --tty: made in the container's /dev/pts, its master sent away. */
static int exec_pty(const struct spec *s, int console, struct pea_error **err)
{
	_cleanup_close_ int master = -1, slave = -1;
	struct winsize ws = { .ws_row = s->process.console_height,
			      .ws_col = s->process.console_width };
	int unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return pea_error_errno(err, "--tty: open /dev/ptmx in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return pea_error_errno(err, "--tty: unlock the pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return pea_error_errno(err, "--tty: open the pty slave");
	if (fchown(slave, s->process.uid, (gid_t)-1) < 0 && errno != EINVAL)
		return pea_error_errno(err, "--tty: chown the pty slave");
	if ((ws.ws_row || ws.ws_col) && ioctl(slave, TIOCSWINSZ, &ws) < 0)
		return pea_error_errno(err, "process.consoleSize");
	if (terminal_send_fd(console, master, err) < 0)
		return -EINVAL;
	return terminal_make_controlling(TAKE_FD(slave), err);
}

/*
 * Which cgroup could not be joined, and why, in the words runc's tests (and
 * the tools that grew up with runc) match: "... /cgroup.procs: no such file or
 * directory", the reason in lower case as Go prints it.
 */
static int join_cgroup_error(const char *dir, int code, struct pea_error **err)
{
	char why[128];

	snprintf(why, sizeof(why), "%s", strerror(code));
	why[0] = (char)tolower((unsigned char)why[0]);
	/* the pid as the container numbers it: we are in its pid namespace by now */
	return pea_error_new(err, code,
			     "adding pid %d (in the container) to cgroups: %s/cgroup.procs: %s",
			     (int)getpid(), dir, why);
}

/* Load the filter; with SCMP_ACT_NOTIFY its listener goes to the agent, as create's does. */
static int exec_load_seccomp(struct exec_ctx *x, struct pea_error **err)
{
	const struct spec_seccomp *sc = x->s->seccomp;
	int fd = seccomp_apply(x->seccomp, err);

	if (fd < 0)
		return -EINVAL;
	if (fd > 0 && x->listener >= 0) {
		int r = seccomp_send_listener(x->listener, fd, x->host_pid, x->state_json,
					      sc->listener_metadata, err);

		close(fd);
		if (r < 0)
			return -EINVAL;
	} else if (fd > 0) {
		close(fd);
	}
	x->listener = pea_close(x->listener);
	return 0;
}

static int exec_child_steps(struct exec_ctx *x, char **ret_exe, struct pea_error **err)
{
	struct spec *s = x->s;
	int from = 3 + x->o->preserve_fds;
	int keep[] = { x->report, x->console, x->listener };

	/*
	 * The cgroups first: their files are the host's until we join the mount
	 * namespace. A v1 one through `tasks`: our own write of "0" there (one
	 * thread, ourselves) skips the kernel's global lock and its RCU grace
	 * period, which cgroup.procs takes (cgroup_join_open).
	 */
	for (size_t i = 0; x->cg && i < x->cg->n; i++) {
		bool v2 = cgroup_hier_is_v2(x->cg, i);
		_cleanup_close_ int fd = -1;

		if (v2 && x->in_v2)
			continue;
		fd = open(x->cg->h[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || pea_write_file_at(fd, v2 ? "cgroup.procs" : "tasks", "0", NULL) < 0) {
			if (x->rootless && !x->o->cgroups)
				continue; /* not delegated */
			return join_cgroup_error(x->cg->h[i].dir, errno, err);
		}
	}
	/*
	 * The agent learns which process the listener is for (runc sends the
	 * exec'd one's): born in the container's pid namespace, we read our pid
	 * as the runtime sees it from its /proc, before joining the mount one.
	 */
	if (x->listener >= 0 && (x->host_pid = proc_self_pid()) <= 0)
		return pea_error_errno(err, "linux.seccomp.listenerPath: read /proc/self");
	/*
	 * The user namespace (left open only as root: rootless entered it before
	 * the fork) last: the host's root may join any namespace, but inside a user
	 * namespace only those it owns, and a pod's member shares the infra's user
	 * namespace and a network namespace the host's (netsetup's) user namespace owns.
	 */
	for (size_t k = 1; k <= ARRAY_SIZE(ns_types); k++) {
		size_t i = k % ARRAY_SIZE(ns_types); /* user (0) last */
		if (x->nsfd[i] >= 0 && setns(x->nsfd[i], ns_types[i].type) < 0)
			return pea_error_errno(err, "join the container's %s namespace",
					       ns_types[i].name);
	}
	if (process_apply_limits(s, true, x->st->id, err) < 0)
		return -EINVAL;
	/* nothing of the host survives: stdio, the preserved fds, our own close-on-exec ones */
	for (int fd = 3; fd < from; fd++)
		if (fd != x->report && fd != x->console && fd != x->listener &&
		    pea_fd_set_cloexec(fd, false) < 0 && errno != EBADF)
			return pea_error_errno(err, "--preserve-fds: fd %d", fd);
	if (pea_close_fds_except(from, keep, ARRAY_SIZE(keep)) < 0)
		return pea_error_errno(err, "close inherited fds");
	/* the mount namespace's root is the container's: cwd resolves inside it */
	if (chdir("/") < 0 || chdir(s->process.cwd) < 0)
		return pea_error_errno(err, "process.cwd '%s'", s->process.cwd);
	process_default_home(s);
	if (s->process.terminal) {
		if (exec_pty(s, x->console, err) < 0)
			return -EINVAL;
	} else if (setsid() < 0 && errno != EPERM)
		return pea_error_errno(err, "setsid");
	/* without no_new_privs loading needs CAP_SYS_ADMIN: before the credentials (as runc) */
	if (x->seccomp && !s->process.no_new_privileges && exec_load_seccomp(x, err) < 0)
		return -EINVAL;
	if (process_apply_creds(s, err) < 0 || process_resolve_exec(s, ret_exe, err) < 0)
		return -EINVAL;
	if (x->seccomp && s->process.no_new_privileges && exec_load_seccomp(x, err) < 0)
		return -EINVAL;
	return 0;
}

static __attribute__((noreturn)) void exec_child(struct exec_ctx *x)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char *exe = NULL;

	if (exec_child_steps(x, &exe, &err) == 0) {
		execve(exe, x->s->process.args,
		       x->s->process.env ? x->s->process.env : (char *[]){ NULL });
		pea_error_errno(&err, "exec '%s'", x->s->process.args[0]);
	}
	pea_error_to_fd(x->report, err);
	_exit(127);
}

/* ---- the parent ---------------------------------------------------------------------- */

/* clone3()'s arguments (linux/sched.h clashes with glibc's sched.h). */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

#define CLONE3_INTO_CGROUP 0x200000000ULL

/* fork(), straight into the cgroup2 cgroup where the kernel can (5.7). */
static pid_t exec_fork(struct exec_ctx *x)
{
	struct clone3_args a = { .flags = CLONE3_INTO_CGROUP, .exit_signal = SIGCHLD };
	pid_t pid;

	if (x->v2_fd >= 0) {
		a.cgroup = (uint64_t)x->v2_fd;
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0) {
			x->in_v2 = true;
			return pid;
		}
	}
	return fork();
}

/* The cgroup2 directory of the container, for exec_fork. */
static void exec_open_v2(struct exec_ctx *x)
{
	for (size_t i = 0; x->cg && i < x->cg->n; i++)
		if (cgroup_hier_is_v2(x->cg, i))
			x->v2_fd = open(x->cg->h[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int exec_spawn(struct exec_ctx *x, pid_t *ret_pid, struct pea_error **err)
{
	_cleanup_close_ int pidns = -1, timens = -1;
	char buf[4096];
	int pipefd[2];
	ssize_t n;
	pid_t pid;

	/*
	 * An ordinary user may join the pid namespace only from inside the
	 * container's user namespace: we enter that one first, ourselves.
	 */
	if (x->rootless && x->nsfd[0] >= 0) {
		if (setns(x->nsfd[0], CLONE_NEWUSER) < 0)
			return pea_error_errno(err, "join the container's user namespace");
		x->nsfd[0] = pea_close(x->nsfd[0]);
	}
	/* pid and time namespaces apply to children: we enter them, the child is born there */
	if (open_ns(x->st->pid, "pid", &pidns, err) < 0 ||
	    open_ns(x->st->pid, "time", &timens, NULL) < 0)
		return -EINVAL;
	if (pidns >= 0 && setns(pidns, CLONE_NEWPID) < 0)
		return pea_error_errno(err, "join the container's pid namespace");
	if (timens >= 0 && setns(timens, CLONE_NEWTIME) < 0)
		return pea_error_errno(err, "join the container's time namespace");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	pid = exec_fork(x);
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return pea_error_errno(err, "fork");
	}
	if (pid == 0) {
		close(pipefd[0]);
		x->report = pipefd[1];
		exec_child(x);
	}
	close(pipefd[1]);
	do
		n = read(pipefd[0], buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n > 0) {
		waitpid(pid, NULL, 0);
		return pea_error_from_buf(err, buf, (size_t)n);
	}
	*ret_pid = pid;
	return 0;
}

static int write_pid(const char *path, pid_t pid, struct pea_error **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	if (state_replace_file(AT_FDCWD, path, buf, (size_t)n, 0644, err) < 0)
		return pea_error_wrap(err, "--pid-file '%s'", path);
	return 0;
}

static int exec_run(const struct global_options *g, const struct exec_options *o, const char *id,
		    char **cmd, struct pea_error **err)
{
	struct exec_ctx x = { .o = o,
			      .console = -1,
			      .report = -1,
			      .listener = -1,
			      .rootless = geteuid() != 0,
			      .v2_fd = -1 };
	_cleanup_close_ int console_peer = -1, sfd = -1, pidfd = -1;
	struct container_handle h;
	struct container fake;
	sigset_t set, old;
	pid_t pid = 0;
	int r = -EINVAL, status = 0;

	for (size_t i = 0; i < ARRAY_SIZE(x.nsfd); i++)
		x.nsfd[i] = -1;
	if (state_lookup(g->root, id, false, &h, err) < 0)
		return -EINVAL;
	x.st = h.st;
	if (h.status == STATUS_PAUSED && !o->ignore_paused) {
		/* runc's words */
		pea_error_new(err, EBUSY, "container '%s': cannot exec in a paused container", id);
		goto out;
	}
	if (h.status != STATUS_RUNNING && h.status != STATUS_CREATED && h.status != STATUS_PAUSED) {
		pea_error_new(err, EINVAL, "container '%s' is %s, not running", id,
			      state_status_name(h.status));
		goto out;
	}
	if (spec_load_config(h.st->bundle, h.st->config, &x.s, err) < 0) {
		pea_error_wrap(err, "container '%s'", id);
		goto out;
	}
	if (exec_process(x.s, o, cmd, err) < 0)
		goto out;
	if (x.s->process.terminal && !o->console_socket && o->detach) {
		pea_error_new(err, EINVAL, "exec: --tty with --detach needs --console-socket");
		goto out;
	}
	if (x.s->seccomp && seccomp_compile(x.s->seccomp, -1, &x.seccomp, err) < 0)
		goto out;
	if (x.s->seccomp && x.s->seccomp->notify) {
		_cleanup_json_ struct json_object *state = state_to_json(h.st, h.status);

		x.state_json = xstrdup(pea_json_to_string(state));
		if (seccomp_agent_connect(x.s->seccomp->listener_path, &x.listener, err) < 0)
			goto out;
	}
	if (h.st->cgroups && cgroup_of_state(h.st->cgroups, id, &x.cg, err) < 0)
		goto out;
	if (sub_cgroups_apply(x.cg, o->cgroups, err) < 0)
		goto out;
	exec_open_v2(&x);
	for (size_t i = 0; i < ARRAY_SIZE(ns_types); i++)
		if (open_ns(h.st->pid, ns_types[i].name, &x.nsfd[i], err) < 0)
			goto out;
	if (x.s->process.terminal) {
		if (o->console_socket) {
			if (terminal_connect(o->console_socket, &x.console, err) < 0)
				goto out;
		} else {
			int sv[2];

			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
				pea_error_errno(err, "socketpair");
				goto out;
			}
			x.console = sv[0];
			console_peer = sv[1];
		}
	}
	if (!o->detach) {
		run_forwarded_signals(&set);
		sigprocmask(SIG_BLOCK, &set, &old);
		sfd = signalfd(-1, &set, SFD_CLOEXEC);
		if (sfd < 0) {
			pea_error_errno(err, "signalfd");
			goto out;
		}
	}
	if (exec_spawn(&x, &pid, err) < 0)
		goto out;
	/* the process runs: a delete --force must not wait for it to end */
	flock(h.dirfd, LOCK_UN);
	x.console = pea_close(x.console);
	x.listener = pea_close(x.listener);
	if (o->pid_file && write_pid(o->pid_file, pid, err) < 0) {
		kill(pid, SIGKILL);
		goto out;
	}
	if (o->detach) {
		r = 0;
		goto out;
	}
	pidfd = pea_pidfd_open(pid, 0);
	memset(&fake, 0, sizeof(fake));
	fake.pid = pid;
	fake.pidfd = pidfd;
	fake.notify_fd = -1;
	fake.console_peer = TAKE_FD(console_peer);
	if (fake.console_peer >= 0)
		r = console_proxy(&fake, sfd, &status, err);
	else
		r = run_wait_container(&fake, sfd, &status, err);
	pea_close(fake.console_peer);
	if (r == 0)
		r = pea_exit_status(status);
out:
	for (size_t i = 0; i < ARRAY_SIZE(x.nsfd); i++)
		pea_close(x.nsfd[i]);
	pea_close(x.console);
	pea_close(x.v2_fd);
	pea_close(x.listener);
	free(x.state_json);
	seccomp_filter_free(x.seccomp);
	cgroup_free(x.cg);
	spec_free(x.s);
	state_handle_close(&h);
	return r;
}

int cmd_exec(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct exec_options o = { 0 };
	int idx, r;

	idx = exec_parse_args(argc, argv, &o, err);
	if (idx > 0)
		r = exec_run(g, &o, argv[idx], argv + idx + 1, err);
	else
		r = idx;
	pea_strv_free(o.env);
	pea_strv_free(o.caps);
	pea_strv_free(o.gids);
	pea_strv_free(o.cgroups);
	return r;
}
