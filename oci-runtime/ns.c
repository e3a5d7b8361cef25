#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "container.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* A cgroup filesystem to mount: it shows the cgroups the init is in when it mounts it. */
static bool has_cgroup_mount(const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const char *type = s->mounts[i].type;

		if (type && (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0))
			return true;
	}
	return false;
}

/*
 * Which namespaces the clone makes. Namespaces joined by path are entered
 * by an intermediate process before the clone (see container.c), except the
 * mount namespace, which the init enters itself.
 */
int ns_prepare_flags(struct container *c, struct pea_error **err)
{
	const struct spec *s = c->spec;

	c->clone_flags = 0;
	/* root of a user namespace already: device nodes are bound in, not made */
	if (!pea_in_initial_userns())
		c->userns = true;
	for (size_t i = 0; i < s->n_namespaces; i++) {
		const struct spec_namespace *ns = &s->namespaces[i];

		if (ns->type == CLONE_NEWUSER)
			c->userns = true;
		if (ns->path)
			continue;
		if (ns->type == CLONE_NEWUSER)
			c->has_new_userns = true;
		/* the init unshares its cgroup namespace once it is in its cgroups */
		if (ns->type == CLONE_NEWCGROUP)
			c->new_cgroupns = true;
		/* clone() cannot make a time namespace: unshare() before it does */
		else if (ns->type != CLONE_NEWTIME)
			c->clone_flags |= (unsigned long)ns->type;
	}
	c->cgroups_early = c->new_cgroupns || has_cgroup_mount(s);
	return 0;
}

bool ns_id_mapped(const struct spec_idmap *m, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
			return true;
	return false;
}

static int join(const struct spec_namespace *ns, struct pea_error **err)
{
	_cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pea_error_errno(err, "open %s namespace '%s'", spec_namespace_name(ns->type),
				       ns->path);
	if (setns(fd, ns->type) < 0)
		return pea_error_errno(err, "join %s namespace '%s'", spec_namespace_name(ns->type),
				       ns->path);
	return 0;
}

int ns_user_root(const struct spec *s, struct pea_error **err)
{
	const struct spec_namespace *user = spec_namespace(s, CLONE_NEWUSER);

	if (!user || !user->path)
		return 0;
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return pea_error_errno(err, "setgid 0 in the user namespace '%s'", user->path);
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return pea_error_errno(err, "setuid 0 in the user namespace '%s'", user->path);
	return 0;
}

/*
 * mount_only: just the mount namespace (the init). Otherwise every other
 * namespace with a path, the user namespace last, so that the host's
 * privileges still apply to the others.
 */
int ns_join_paths(const struct spec *s, bool user_first, bool mount_only, struct pea_error **err)
{
	const struct spec_namespace *user = spec_namespace(s, CLONE_NEWUSER);

	if (user_first && user && user->path && !mount_only && join(user, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < s->n_namespaces; i++) {
		const struct spec_namespace *ns = &s->namespaces[i];

		if (!ns->path || ns->type == CLONE_NEWUSER)
			continue;
		if ((ns->type == CLONE_NEWNS) != mount_only)
			continue;
		if (join(ns, err) < 0)
			return -EINVAL;
	}
	if (!user_first && user && user->path && !mount_only && join(user, err) < 0)
		return -EINVAL;
	return 0;
}

static int write_map(pid_t pid, const char *file, const struct spec_idmap *m, size_t n,
		     struct pea_error **err)
{
	_cleanup_free_ char *buf = xstrdup("");
	char path[64];

	for (size_t i = 0; i < n; i++) {
		char *b =
			xasprintf("%s%u %u %u\n", buf, m[i].container_id, m[i].host_id, m[i].size);

		free(buf);
		buf = b;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (pea_write_file_at(AT_FDCWD, path, buf, err) < 0)
		return pea_error_wrap(err, "linux.%s",
				      strcmp(file, "uid_map") == 0 ? "uidMappings" : "gidMappings");
	return 0;
}

/* One mapping of the caller's own id: an unprivileged process may write it itself. */
static bool is_own_id(const struct spec_idmap *m, size_t n, uint32_t id)
{
	return n == 1 && m[0].size == 1 && m[0].host_id == id;
}

/*
 * Other mappings, as an ordinary user: newuidmap/newgidmap (setuid, package
 * uidmap) check them against /etc/subuid and /etc/subgid.
 */
static int write_map_helper(pid_t pid, const char *helper, const struct spec_idmap *m, size_t n,
			    struct pea_error **err)
{
	_cleanup_strv_ char **argv = NULL;
	const char *key = strcmp(helper, "newuidmap") == 0 ? "uidMappings" : "gidMappings";

	pea_strv_push(&argv, helper);
	pea_strv_push_take(&argv, xasprintf("%d", (int)pid));
	for (size_t i = 0; i < n; i++) {
		pea_strv_push_take(&argv, xasprintf("%u", m[i].container_id));
		pea_strv_push_take(&argv, xasprintf("%u", m[i].host_id));
		pea_strv_push_take(&argv, xasprintf("%u", m[i].size));
	}
	if (pea_run_wait(argv, err) < 0) {
		if ((*err)->code == ENOENT)
			return pea_error_wrap(err,
					      "linux.%s: an unprivileged user needs %s (package "
					      "uidmap) for these mappings",
					      key, helper);
		return pea_error_wrap(err, "linux.%s (checked against /etc/sub%cid for uid %u)",
				      key, key[0], (unsigned)geteuid());
	}
	return 0;
}

/*
 * Root writes the maps itself. An ordinary user writes a single mapping of
 * its own id itself (the gid one after denying setgroups, as the kernel
 * requires), and hands anything else to newuidmap/newgidmap.
 */
int ns_write_maps(const struct spec *s, pid_t pid, struct pea_error **err)
{
	bool root = geteuid() == 0;
	char path[64];

	if (root || is_own_id(s->uid_mappings, s->n_uid_mappings, geteuid())) {
		if (write_map(pid, "uid_map", s->uid_mappings, s->n_uid_mappings, err) < 0)
			return -EINVAL;
	} else if (write_map_helper(pid, "newuidmap", s->uid_mappings, s->n_uid_mappings, err) <
		   0) {
		return -EINVAL;
	}
	if (root)
		return write_map(pid, "gid_map", s->gid_mappings, s->n_gid_mappings, err);
	if (!is_own_id(s->gid_mappings, s->n_gid_mappings, getegid()))
		return write_map_helper(pid, "newgidmap", s->gid_mappings, s->n_gid_mappings, err);
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (pea_write_file_at(AT_FDCWD, path, "deny", err) < 0)
		return pea_error_wrap(err, "linux.gidMappings");
	return write_map(pid, "gid_map", s->gid_mappings, s->n_gid_mappings, err);
}

/* Unshare a time namespace for the children to come, with the config's offsets. */
int ns_set_time_offsets(const struct spec *s, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;

	if (unshare(CLONE_NEWTIME) < 0)
		return pea_error_errno(err, "unshare time namespace");
	if (!s->has_time_offsets)
		return 0;
	buf = xasprintf("1 %lld %u\n7 %lld %u\n", (long long)s->monotonic_secs, s->monotonic_nsecs,
			(long long)s->boottime_secs, s->boottime_nsecs);
	if (pea_write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf, err) < 0)
		return pea_error_wrap(err, "linux.timeOffsets");
	return 0;
}
