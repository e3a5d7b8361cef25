#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/process.h"
#include "lib/file.h"
#include "lib/xalloc.h"

#include "container.h"

int terminal_connect(const char *path, int *ret_fd, struct pea_error **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(addr.sun_path))
		return pea_error_new(err, ENAMETOOLONG, "console socket '%s': path too long", path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pea_error_errno(err, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return pea_error_errno(err, "connect to console socket '%s'", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The pty master goes to the console socket as SCM_RIGHTS, with "/dev/ptmx" as data (runc). */
int terminal_send_fd(int sock, int fd, struct pea_error **err)
{
	static const char data[] = "/dev/ptmx";

	if (pea_send_fd(sock, data, sizeof(data) - 1, fd, 0) < 0)
		return pea_error_errno(err, "send the terminal to the console socket");
	return 0;
}

/*
 * Make the container's pty in its own devpts (/dev/pts/ptmx of the rootfs),
 * bind the slave on /dev/console, size it, and send the master.
 */
int terminal_setup(const struct spec *s, int rootfd, int console_fd, int *ret_slave,
		   struct pea_error **err)
{
	_cleanup_close_ int master = -1, slave = -1, console = -1;
	struct winsize ws = { .ws_row = s->process.console_height,
			      .ws_col = s->process.console_width };
	int unlock = 0;

	if (pea_open_in_root(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0, &master,
			     err) < 0)
		return pea_error_wrap(err, "process.terminal");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return pea_error_errno(err, "process.terminal: unlock the pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return pea_error_errno(err, "process.terminal: open the pty slave");
	if (fchown(slave, s->process.uid, (gid_t)-1) < 0 && errno != EINVAL)
		return pea_error_errno(err, "process.terminal: chown the pty slave");
	if ((ws.ws_row || ws.ws_col) && ioctl(slave, TIOCSWINSZ, &ws) < 0)
		return pea_error_errno(err, "process.consoleSize");
	if (pea_open_in_root(rootfd, "/dev/console", O_PATH | O_CLOEXEC, 0, &console, NULL) < 0) {
		_cleanup_close_ int f = -1;

		if (pea_open_in_root(rootfd, "/dev/console", O_WRONLY | O_CREAT | O_CLOEXEC, 0600,
				     &f, err) < 0 ||
		    pea_open_in_root(rootfd, "/dev/console", O_PATH | O_CLOEXEC, 0, &console, err) <
			    0)
			return -EINVAL;
	}
	{
		char src[64];

		snprintf(src, sizeof(src), "/proc/self/fd/%d", slave);
		if (mounts_mount_fd(src, console, "/dev/console", NULL, MS_BIND, NULL, err) < 0)
			return -EINVAL;
	}
	if (terminal_send_fd(console_fd, master, err) < 0)
		return -EINVAL;
	*ret_slave = TAKE_FD(slave);
	return 0;
}

int terminal_make_controlling(int slave, struct pea_error **err)
{
	if (setsid() < 0)
		return pea_error_errno(err, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return pea_error_errno(err, "set the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return pea_error_errno(err, "dup2 the terminal");
	return 0;
}
