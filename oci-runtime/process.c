#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "container.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static bool have_cap(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t c = cap_get_proc();

	if (!c)
		return false;
	cap_get_flag(c, cap, CAP_EFFECTIVE, &v);
	cap_free(c);
	return v == CAP_SET;
}

static const char *rlimit_name(int resource)
{
	static const char *const names[] = {
		[RLIMIT_AS] = "RLIMIT_AS",
		[RLIMIT_CORE] = "RLIMIT_CORE",
		[RLIMIT_CPU] = "RLIMIT_CPU",
		[RLIMIT_DATA] = "RLIMIT_DATA",
		[RLIMIT_FSIZE] = "RLIMIT_FSIZE",
		[RLIMIT_LOCKS] = "RLIMIT_LOCKS",
		[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",
		[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE",
		[RLIMIT_NICE] = "RLIMIT_NICE",
		[RLIMIT_NOFILE] = "RLIMIT_NOFILE",
		[RLIMIT_NPROC] = "RLIMIT_NPROC",
		[RLIMIT_RSS] = "RLIMIT_RSS",
		[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",
		[RLIMIT_RTTIME] = "RLIMIT_RTTIME",
		[RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
		[RLIMIT_STACK] = "RLIMIT_STACK",
	};

	return resource >= 0 && resource < (int)ARRAY_SIZE(names) && names[resource]
		       ? names[resource]
		       : "?";
}

/*
 * In the parent, before the clone: a hard limit above ours cannot be set
 * without CAP_SYS_RESOURCE (root here may lack it). Clamp it with a warning
 * instead of failing the container over it.
 */
int process_clamp_rlimits(struct spec *s)
{
	int can_raise = -1;

	for (size_t i = 0; i < s->process.n_rlimits; i++) {
		struct spec_rlimit *rl = &s->process.rlimits[i];
		struct rlimit cur;

		if (getrlimit(rl->resource, &cur) < 0 || cur.rlim_max == RLIM_INFINITY ||
		    rl->hard <= cur.rlim_max)
			continue;
		if (can_raise < 0)
			can_raise = have_cap(CAP_SYS_RESOURCE);
		if (can_raise)
			continue;
		log_warning("process.rlimits: %s hard limit %llu is above the limit of pea-runtime "
			    "(%llu) and it lacks CAP_SYS_RESOURCE: using %llu",
			    rlimit_name(rl->resource), (unsigned long long)rl->hard,
			    (unsigned long long)cur.rlim_max, (unsigned long long)cur.rlim_max);
		rl->hard = cur.rlim_max;
		if (rl->soft > rl->hard)
			rl->soft = rl->hard;
	}
	return 0;
}

static int join_session_keyring(const char *id, struct pea_error **err)
{
	_cleanup_free_ char *name = xasprintf("_ses.%s", id);

	/* KEYCTL_JOIN_SESSION_KEYRING */
	if (syscall(SYS_keyctl, 1, name, 0, 0, 0) < 0 && errno != ENOSYS && errno != EPERM &&
	    errno != EACCES)
		return pea_error_errno(err, "join a new session keyring");
	return 0;
}

/* As root, still in the container's namespaces: limits and process attributes. */
int process_apply_limits(const struct spec *s, bool no_new_keyring, const char *id,
			 struct pea_error **err)
{
	const struct spec_process *p = &s->process;

	if (p->has_oom_score_adj) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
		if (pea_write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", buf, err) < 0)
			return pea_error_wrap(err, "process.oomScoreAdj");
	}
	if (s->has_personality && personality(s->personality) < 0)
		return pea_error_errno(err, "linux.personality");
	if (p->has_io_priority && syscall(SYS_ioprio_set, 1, 0, p->io_priority) < 0)
		return pea_error_errno(err, "process.ioPriority");
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { .rlim_cur = p->rlimits[i].soft,
				     .rlim_max = p->rlimits[i].hard };

		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return pea_error_errno(err, "process.rlimits: %s",
					       rlimit_name(p->rlimits[i].resource));
	}
	if (!no_new_keyring && join_session_keyring(id, err) < 0)
		return -EINVAL;
	return 0;
}

static int drop_bounding(uint64_t keep, struct pea_error **err)
{
	int last = cap_max_bits();

	for (int cap = 0; cap < last && cap < 64; cap++) {
		if (keep & (UINT64_C(1) << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return pea_error_errno(err, "process.capabilities.bounding: drop %s",
					       cap_to_name(cap));
	}
	return 0;
}

static void set_flag(cap_t c, cap_flag_t flag, uint64_t mask)
{
	int last = cap_max_bits();

	for (int cap = 0; cap < last && cap < 64; cap++)
		if (mask & (UINT64_C(1) << cap)) {
			cap_value_t v = cap;

			cap_set_flag(c, flag, 1, &v, CAP_SET);
		}
}

static int set_caps(const struct spec_process *p, struct pea_error **err)
{
	cap_t c = cap_init();
	int last = cap_max_bits(), r = 0;

	set_flag(c, CAP_EFFECTIVE, p->caps[CAPS_EFFECTIVE]);
	set_flag(c, CAP_PERMITTED, p->caps[CAPS_PERMITTED]);
	set_flag(c, CAP_INHERITABLE, p->caps[CAPS_INHERITABLE]);
	if (cap_set_proc(c) < 0)
		r = pea_error_errno(err, "process.capabilities: set the capabilities");
	cap_free(c);
	if (r < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return pea_error_errno(err, "process.capabilities.ambient: clear");
	for (int cap = 0; cap < last && cap < 64; cap++) {
		if (!(p->caps[CAPS_AMBIENT] & (UINT64_C(1) << cap)))
			continue;
		/* EPERM: not inheritable; runc and crun go on without it, and so do we */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM)
			return pea_error_errno(err,
					       "process.capabilities.ambient: raise %s (it must "
					       "also be permitted and inheritable)",
					       cap_to_name(cap));
	}
	return 0;
}

/* Groups, gid, uid, then the capability sets (kept across setuid), then no_new_privs. */
int process_apply_creds(const struct spec *s, struct pea_error **err)
{
	const struct spec_process *p = &s->process;
	const char *keep = spec_annotation(s, "run.oci.keep_original_groups");
	bool keep_groups = keep && strcmp(keep, "1") == 0;

	if (p->has_caps && drop_bounding(p->caps[CAPS_BOUNDING], err) < 0)
		return -EINVAL;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return pea_error_errno(err, "keep capabilities");
	/*
	 * crun's annotation (podman's --group-add keep-groups): the process keeps
	 * the caller's supplementary groups, so it can reach what they open to it.
	 */
	if (!keep_groups && setgroups(p->n_additional_gids, p->additional_gids) < 0 &&
	    errno != EPERM)
		return pea_error_errno(err, "process.user.additionalGids");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return pea_error_errno(err, "process.user.gid: setgid %u", (unsigned)p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return pea_error_errno(err, "process.user.uid: setuid %u", (unsigned)p->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return pea_error_errno(err, "keep capabilities");
	if (p->has_caps && set_caps(p, err) < 0)
		return -EINVAL;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return pea_error_errno(err, "process.noNewPrivileges");
	return 0;
}

/* As execve would judge it; errno says why not (EACCES for a directory, as execve). */
static bool is_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return false;
	if (!S_ISREG(st.st_mode)) {
		errno = EACCES;
		return false;
	}
	return access(path, X_OK) == 0;
}

/* args[0] looked up in the PATH of process.env, as execvp would, before the point of no return. */
int process_resolve_exec(const struct spec *s, char **ret_path, struct pea_error **err)
{
	const char *name = s->process.args[0], *path = DEFAULT_PATH;

	if (strchr(name, '/')) {
		if (!is_executable(name))
			return pea_error_errno(err, "process.args[0]: cannot execute '%s'", name);
		*ret_path = xstrdup(name);
		return 0;
	}
	for (size_t i = 0; s->process.env && s->process.env[i]; i++)
		if (strncmp(s->process.env[i], "PATH=", 5) == 0)
			path = s->process.env[i] + 5;
	while (*path) {
		size_t n = strcspn(path, ":");
		_cleanup_free_ char *full = xasprintf("%.*s/%s", (int)n, n ? path : ".", name);

		if (is_executable(full)) {
			*ret_path = TAKE_PTR(full);
			return 0;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return pea_error_new(err, ENOENT,
			     "process.args[0]: '%s': executable file not found in $PATH", name);
}

void process_default_home(struct spec *s)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL, *home = NULL;
	size_t cap = 0;

	for (size_t i = 0; s->process.env && s->process.env[i]; i++)
		if (strncmp(s->process.env[i], "HOME=", 5) == 0)
			return;
	f = fopen("/etc/passwd", "re");
	while (f && !home && getline(&line, &cap, f) > 0) {
		char *p = line, *field[7];
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		while (n < 7 && (field[n] = strsep(&p, ":")))
			n++;
		if (n >= 6 && strtoul(field[2], NULL, 10) == s->process.uid && *field[5])
			home = xstrdup(field[5]);
	}
	pea_strv_push_take(&s->process.env, xasprintf("HOME=%s", home ? home : "/"));
}
