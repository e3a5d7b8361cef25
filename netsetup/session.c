#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/nsfs.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/lock.h"
#include "lib/xalloc.h"
#include "netsetup/netsetup.h"
#include "netsetup/session.h"

int netsetup_read_input(const struct global_options *g, char **ret, size_t *ret_len,
			struct pea_error **err)
{
	int r;

	if (!g->file || strcmp(g->file, "-") == 0)
		r = pea_read_all(STDIN_FILENO, NETSETUP_MAX_INPUT, ret, ret_len, err);
	else
		r = pea_read_file_at(AT_FDCWD, g->file, NETSETUP_MAX_INPUT, ret, ret_len, err);
	if (r < 0)
		return pea_error_wrap(err, "failed to load network options");
	return 0;
}

/*
 * One lock for every setup and teardown, so concurrent runs never
 * interleave their bridge, nftables and DNS changes.
 */
static int take_lock(const struct global_options *g, int *ret_fd, struct pea_error **err)
{
	_cleanup_free_ char *path = NULL;

	if (g->config_dir) {
		if (pea_mkdir_p_at(AT_FDCWD, g->config_dir, 0700, NULL, err) < 0)
			return pea_error_wrap(err, "config directory '%s'", g->config_dir);
		path = xasprintf("%s/pea-netsetup.lock", g->config_dir);
	} else {
		path = xstrdup("/run/pea-netsetup.lock");
	}
	return pea_lock_at(AT_FDCWD, path, PEA_LOCK_EXCLUSIVE, false, ret_fd, err);
}

static int open_netns(const char *path, int *ret_fd, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "invalid namespace path '%s'", path);
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET)
		return pea_error_new(err, EINVAL,
				     "invalid namespace path '%s': not a network namespace", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int session_open(const struct global_options *g, const char *netns_path, bool need_netns,
		 struct session *s, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;
	int r;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	s->ns.host_nsfd = -1;
	s->ns.ctr_nsfd = -1;
	r = open_netns(netns_path, &s->ns.ctr_nsfd, need_netns ? err : &e);
	if (r < 0 && need_netns)
		return r;
	r = take_lock(g, &s->lock_fd, err);
	if (r < 0)
		goto fail;
	r = nl_open(-1, &s->ns.host, err);
	if (r < 0)
		goto fail;
	if (s->ns.ctr_nsfd >= 0) {
		r = nl_open(s->ns.ctr_nsfd, &s->ns.ctr, err);
		if (r < 0)
			goto fail;
	}
	r = firewall_open(g->firewall, &s->fw, err);
	if (r < 0)
		goto fail;
	return 0;
fail:
	session_close(s);
	return r;
}

void session_close(struct session *s)
{
	s->fw = firewall_close(s->fw);
	s->ns.ctr = nl_close(s->ns.ctr);
	s->ns.host = nl_close(s->ns.host);
	s->ns.ctr_nsfd = pea_close(s->ns.ctr_nsfd);
	s->lock_fd = pea_unlock(s->lock_fd);
}
