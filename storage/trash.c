/* The trash: removals that the caller does not wait for (trash.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "cli.h"
#include "store.h"
#include "trash.h"

static int trash_dir(struct store *s)
{
	if (s->trash_fd >= 0)
		return s->trash_fd;
	if (mkdirat(s->root_fd, "trash", 0700) < 0 && errno != EEXIST)
		return -1;
	s->trash_fd = openat(s->root_fd, "trash", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return s->trash_fd;
}

bool trash_move(struct store *s, int dirfd, const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	_cleanup_free_ char *rnd = cli_random_id();
	_cleanup_free_ char *entry = xasprintf("%s-%.12s", base, rnd);
	_cleanup_close_ int fd = -1;
	int tfd = trash_dir(s);

	if (tfd < 0 || renameat(dirfd, name, tfd, entry) < 0)
		return false;
	store_crash_point("trash-after-move");
	/* a folder (a layer's) or a file (a record) */
	fd = openat(tfd, entry, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	/* new, and under the store lock: nobody else holds it */
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		log_warning("cannot hold the trash entry '%s': %s; it is removed by the next "
			    "writer, ignoring",
			    entry, strerror(errno));
		return true;
	}
	s->trash = xrealloc(s->trash, (s->n_trash + 1) * sizeof(*s->trash));
	s->trash[s->n_trash].name = TAKE_PTR(entry);
	s->trash[s->n_trash].fd = TAKE_FD(fd);
	s->n_trash++;
	return true;
}

void trash_release(struct store *s)
{
	for (size_t i = 0; i < s->n_trash; i++) {
		free(s->trash[i].name);
		pea_close(s->trash[i].fd);
	}
	free(s->trash);
	s->trash = NULL;
	s->n_trash = 0;
	s->trash_fd = pea_close(s->trash_fd);
}

static void remove_entry(int tfd, const char *name)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (pea_rm_rf_at(tfd, name, &e) < 0)
		log_warning("trash: %s, ignoring", e->message);
}

/* Remove what this store moved, each entry's lock held until it is gone. */
static void trash_empty(struct store *s)
{
	for (size_t i = 0; i < s->n_trash; i++)
		remove_entry(s->trash_fd, s->trash[i].name);
	trash_release(s);
}

bool trash_wait(void)
{
	const char *v = getenv("PEA_RM_SYNC");

	return (v && *v && strcmp(v, "0") != 0) || getenv("PEA_STORAGE_TEST_TRASH_WAIT");
}

void trash_hand_off(struct store *s, void (*before)(void *arg), void *arg, const int *fds,
		    size_t nfds)
{
	_cleanup_free_ int *keep = NULL;
	size_t nkeep = 0;
	pid_t pid;

	if (s->n_trash == 0 && !before)
		return;
	/* the removal done when the command ends (pea's $PEA_RM_SYNC too) */
	if (trash_wait())
		pid = -1;
	else
		pid = fork();
	if (pid > 0) {
		trash_release(s); /* the child's copies hold the entries */
		return;
	}
	if (pid == 0) {
		keep = xnew(int, s->n_trash + nfds + 1);
		keep[nkeep++] = s->trash_fd;
		for (size_t i = 0; i < s->n_trash; i++)
			keep[nkeep++] = s->trash[i].fd;
		for (size_t i = 0; i < nfds; i++)
			keep[nkeep++] = fds[i];
		pea_detach_self(keep, nkeep); /* not stopped with the caller's terminal (^C) */
		store_crash_point("trash-remover");
	}
	if (before)
		before(arg);
	trash_empty(s);
	if (pid == 0)
		_exit(0);
}

void trash_pass(struct store *s, int sock, int *fds, size_t nfds)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->n_trash; i++) {
		_cleanup_free_ char *msg = xasprintf("t%s", s->trash[i].name);

		if (pea_send_fd(sock, msg, strlen(msg), s->trash[i].fd, MSG_DONTWAIT) < 0) {
			s->trash[kept++] = s->trash[i];
			continue;
		}
		free(s->trash[i].name);
		pea_close(s->trash[i].fd);
	}
	s->n_trash = kept;
	for (size_t i = 0; i < nfds; i++)
		if (fds[i] >= 0 && pea_send_fd(sock, "p", 1, fds[i], MSG_DONTWAIT) == 0)
			fds[i] = pea_close(fds[i]);
}

void trash_sweep(struct store *s)
{
	_cleanup_strv_ char **names = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = openat(s->root_fd, "trash", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			pea_strv_push(&names, de->d_name);
	for (char **n = names; n && *n; n++) {
		_cleanup_close_ int efd =
			openat(dirfd(d), *n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

		/* held: its remover is at work */
		if (efd < 0 || flock(efd, LOCK_EX | LOCK_NB) < 0)
			continue;
		remove_entry(dirfd(d), *n);
	}
}
