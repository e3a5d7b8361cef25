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
#include "lib/xalloc.h"

#include "container.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/*
 * Which namespaces the clone makes. Namespaces joined by path are entered
 * by an intermediate process before the clone (see container.c), except the
 * mount namespace, which the init enters itself.
 */
int ns_prepare_flags(struct container *c, struct pea_error **err)
{
	const struct spec *s = c->spec;

	c->clone_flags = 0;
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

int ns_write_maps(const struct spec *s, pid_t pid, struct pea_error **err)
{
	if (write_map(pid, "uid_map", s->uid_mappings, s->n_uid_mappings, err) < 0 ||
	    write_map(pid, "gid_map", s->gid_mappings, s->n_gid_mappings, err) < 0)
		return -EINVAL;
	return 0;
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
