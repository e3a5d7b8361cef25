#include <errno.h>
#include <unistd.h>

#include "lib/error.h"
#include "monitor/monitor.h"

/*
 * passthrough: the runtime and the container inherit the monitor's own
 * stdin, stdout and stderr, and the monitor neither reads nor logs them.
 * A terminal there would let the container push input into the caller's
 * session (TIOCSTI), so it is refused.
 */
int passthrough_check(struct pea_error **err)
{
	static const char *const names[] = { "stdin", "stdout", "stderr" };

	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd))
			return pea_error_new(err, EINVAL,
					     "cannot use a tty with passthrough logging mode to "
					     "prevent attacks via TIOCSTI (%s is a terminal)",
					     names[fd]);
	return 0;
}
