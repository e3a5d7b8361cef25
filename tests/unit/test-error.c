#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "tests/unit/tap.h"

static int fail_open(struct pea_error **err)
{
	int fd = open("/nonexistent/pea-test", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pea_error_errno(err, "open '%s'", "/nonexistent/pea-test");
	close(fd);
	return 0;
}

static int layer(struct pea_error **err)
{
	int r = fail_open(err);

	if (r < 0)
		return pea_error_wrap(err, "layer '%s'", "sha256:ab");
	return 0;
}

int main(void)
{
	tap_plan(13);

	{
		_cleanup_error_ struct pea_error *err = NULL;
		int r = layer(&err);
		tap_is_int(r, -ENOENT, "errno error returns -errno");
		tap_is_int(err->code, ENOENT, "code is the errno value");
		tap_is_str(err->message,
			   "layer 'sha256:ab': open '/nonexistent/pea-test': No such file or "
			   "directory",
			   "wrapped message reads outside-in");
	}
	{
		_cleanup_error_ struct pea_error *err = NULL;
		int r = pea_error_new(&err, EINVAL, "'%s' is not a number", "x");
		tap_is_int(r, -EINVAL, "new returns -code");
		tap_is_str(err->message, "'x' is not a number", "new formats");
		r = pea_error_new(&err, EPROTO, "second");
		tap_is_str(err->message, "second", "a second error replaces the first (no leak)");
		tap_is_int(pea_error_release(&err), -EPROTO, "release returns -code");
		tap_ok(err == NULL, "release clears");
	}
	{
		_cleanup_error_ struct pea_error *err = NULL;
		tap_is_int(pea_error_new(&err, 0, "zero"), -EIO, "code 0 becomes EIO");
		tap_is_str(pea_errno_name(ENOENT), "ENOENT", "errno name");
	}
	{
		_cleanup_error_ struct pea_error *in = NULL, *out = NULL;
		int p[2];
		char buf[512];
		ssize_t n;

		pea_error_new(&in, EPERM, "child: mount \"proc\" failed");
		if (pipe2(p, O_CLOEXEC) < 0)
			return 1;
		tap_is_int(pea_error_to_fd(p[1], in), 0, "error serialised to fd");
		n = read(p[0], buf, sizeof(buf));
		close(p[0]);
		close(p[1]);
		pea_error_from_buf(&out, buf, n > 0 ? (size_t)n : 0);
		tap_ok(out && out->code == EPERM && strcmp(out->message, in->message) == 0,
		       "error round-trips through a pipe");
		pea_error_from_buf(&out, "garbage", 7);
		tap_ok(out && out->code == EPROTO, "malformed report is EPROTO");
	}
	return tap_done();
}
