#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/*
 * OOM kills of the container's cgroup become PERSIST_DIR/oom:
 *  - cgroup v1: an eventfd registered on memory.oom_control through
 *    cgroup.event_control; the "oom_kill N" counter settles the last word;
 *  - cgroup v2: the "oom_kill N" counter of memory.events, read when the
 *    container ends. It only grows, so the end is enough; and an inotify
 *    watch would cost every run an SRCU grace period (10-25 ms) at the
 *    monitor's exit, which the engine waits for.
 */

#define CGROUP_ROOT "/sys/fs/cgroup"
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* The container's directory in one hierarchy, from /proc/PID/cgroup. */
static char *cgroup_path_of(pid_t pid, const char *controller)
{
	char file[64], *data = NULL, *found = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	size_t len;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	if (pea_read_file_at(AT_FDCWD, file, 64 * 1024, &data, &len, &e) < 0)
		return NULL;
	for (char *line = strtok(data, "\n"); line && !found; line = strtok(NULL, "\n")) {
		char *ctrls = strchr(line, ':'), *path;

		if (!ctrls)
			continue;
		ctrls++;
		path = strchr(ctrls, ':');
		if (!path)
			continue;
		*path++ = '\0';
		/*
		 * The root: a container's process is never there but once it has
		 * exited (a short one can be gone before the monitor looks), and the
		 * root's OOM counter is the whole machine's, not the container's
		 */
		if (strcmp(path, "/") == 0)
			continue;
		if (!controller) {
			if (ctrls[0] == '\0')
				found = xasprintf(CGROUP_ROOT "%s", path);
			continue;
		}
		for (char *c = strtok_r(ctrls, ",", &ctrls); c; c = strtok_r(NULL, ",", &ctrls))
			if (strcmp(c, controller) == 0) {
				found = xasprintf(CGROUP_ROOT "/%s%s", controller, path);
				break;
			}
	}
	free(data);
	return found;
}

/* "oom_kill N" from a memory.events or memory.oom_control file; 0 if absent. */
static long oom_kill_count(const char *path)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	size_t len;
	const char *p;

	if (pea_read_file_at(AT_FDCWD, path, 64 * 1024, &data, &len, &e) < 0)
		return 0;
	for (p = data; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, "oom_kill ", 9) == 0)
			return strtol(p + 9, NULL, 10);
	return 0;
}

static void oom_record(struct monitor *m)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;

	if (m->oom_seen)
		return;
	m->oom_seen = true;
	log_info("the container was killed for lack of memory");
	if (!m->opts->persist_dir)
		return;
	path = xasprintf("%s/oom", m->opts->persist_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		log_warning("create '%s': %s, ignoring", path, strerror(errno));
}

static char *memory_file(struct monitor *m)
{
	return m->cgroup2_path ? xasprintf("%s/memory.events", m->cgroup2_path) : NULL;
}

static int oom_v1_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		     struct pea_error **err)
{
	struct monitor *m = data;
	uint64_t count;

	(void)loop;
	(void)err;
	(void)events;
	if (read(fd, &count, sizeof(count)) == sizeof(count) && count > 0)
		oom_record(m);
	return 0;
}

static void oom_setup_v1(struct monitor *m)
{
	_cleanup_free_ char *dir = cgroup_path_of(m->container_pid, "memory");
	_cleanup_free_ char *control = NULL, *oom = NULL, *line = NULL;
	_cleanup_close_ int cfd = -1;
	_cleanup_error_ struct pea_error *e = NULL;

	if (!dir) {
		log_debug("no memory cgroup for pid %d, no OOM reports", (int)m->container_pid);
		return;
	}
	control = xasprintf("%s/cgroup.event_control", dir);
	oom = xasprintf("%s/memory.oom_control", dir);
	cfd = open(control, O_WRONLY | O_CLOEXEC);
	m->oom_control_fd = open(oom, O_RDONLY | O_CLOEXEC);
	m->oom_event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cfd < 0 || m->oom_control_fd < 0 || m->oom_event_fd < 0) {
		log_warning("watch '%s' for OOM kills: %s, ignoring", oom, strerror(errno));
		return;
	}
	line = xasprintf("%d %d", m->oom_event_fd, m->oom_control_fd);
	if (pea_write_all(cfd, line, strlen(line), &e) < 0) {
		log_warning("register an OOM eventfd in '%s': %s, ignoring", control, e->message);
		return;
	}
	if (pea_loop_add_fd(m->loop, m->oom_event_fd, EPOLLIN, oom_v1_cb, m, NULL, &e) < 0)
		log_warning("%s, ignoring", e->message);
	/* for the final check: the v1 counter */
	m->oom_control_path = TAKE_PTR(oom);
}

/* The directory whose memory.events oom_check_final reads (the container is gone by then). */
static void oom_setup_v2(struct monitor *m)
{
	m->cgroup2_path = cgroup_path_of(m->container_pid, NULL);
	if (!m->cgroup2_path)
		log_debug("no cgroup2 cgroup for pid %d, no OOM reports", (int)m->container_pid);
}

void oom_setup(struct monitor *m)
{
	struct statfs sfs;

	if (statfs(CGROUP_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
		oom_setup_v2(m);
	else
		oom_setup_v1(m);
}

/* At the container's exit: an event not read yet, or a counter that moved. */
void oom_check_final(struct monitor *m)
{
	_cleanup_free_ char *events = memory_file(m);
	uint64_t count;

	if (m->oom_seen)
		return;
	if (!m->cgroup2_path && m->oom_event_fd >= 0 &&
	    read(m->oom_event_fd, &count, sizeof(count)) == sizeof(count) && count > 0)
		oom_record(m);
	else if (m->oom_control_path && oom_kill_count(m->oom_control_path) > 0)
		oom_record(m);
	else if (events && oom_kill_count(events) > 0)
		oom_record(m);
}

void oom_close(struct monitor *m)
{
	m->oom_event_fd = pea_close(m->oom_event_fd);
	m->oom_control_fd = pea_close(m->oom_control_fd);
	free(m->cgroup2_path);
	free(m->oom_control_path);
	m->cgroup2_path = m->oom_control_path = NULL;
}
