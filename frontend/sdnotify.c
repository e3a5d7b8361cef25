/* --sdnotify: NOTIFY_SOCKET for the container, its monitor or nobody (sdnotify.h). */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/sdnotify.h"

#define MODE_CONTAINER "container"
#define MODE_CONMON    "conmon"
#define MODE_IGNORE    "ignore"

/* Where the container finds its monitor's socket (podman's). */
#define NOTIFY_DIR    "/run/notify"
#define NOTIFY_SOCKET NOTIFY_DIR "/notify.sock"

int sdnotify_parse(const char *arg, struct pea_error **err)
{
	if (strcmp(arg, MODE_CONTAINER) == 0 || strcmp(arg, MODE_CONMON) == 0 ||
	    strcmp(arg, MODE_IGNORE) == 0)
		return 0;
	return pea_error_new(
		err, EINVAL,
		"invalid argument: invalid sdnotify value \"%s\": must be %s, %s or %s", arg,
		MODE_CONTAINER, MODE_CONMON, MODE_IGNORE);
}

void sdnotify_finish(const char *mode, struct json_object *opts)
{
	const char *sock = getenv("NOTIFY_SOCKET");

	if (mode)
		json_object_object_add(opts, "sdnotify", json_object_new_string(mode));
	if (sock && *sock && (!mode || strcmp(mode, MODE_IGNORE) != 0))
		json_object_object_add(opts, "sdnotify_socket", json_object_new_string(sock));
}

static const char *opt(const struct ctr_record *r, const char *key)
{
	const char *v = NULL;

	return pea_json_get_string_opt(r->opts, "opts", key, &v, NULL) == 1 ? v : NULL;
}

const char *sdnotify_mode(const struct ctr_record *r)
{
	const char *m = opt(r, "sdnotify");

	return m ? m : MODE_CONTAINER;
}

const char *sdnotify_socket(const struct ctr_record *r)
{
	const char *s = opt(r, "sdnotify_socket");

	return s && strcmp(sdnotify_mode(r), MODE_IGNORE) != 0 ? s : "";
}

/* The socket is passed into the container: container mode, with a socket. */
static bool proxied(const struct ctr_record *r)
{
	return *sdnotify_socket(r) && strcmp(sdnotify_mode(r), MODE_CONTAINER) == 0;
}

int sdnotify_spec_mount(const struct global_options *g, const struct ctr_record *r,
			struct json_object *mounts, struct pea_error **err)
{
	_cleanup_free_ char *bundle = NULL, *dir = NULL;
	struct json_object *m;
	size_t n, pos;

	if (!proxied(r))
		return 0;
	bundle = record_dir(g, r->id);
	dir = xasprintf("%s/notify", bundle);
	/* the monitor binds notify.sock in it; any user of the container reaches it */
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return pea_error_errno(err, "create '%s'", dir);
	m = frontend_bind_mount(NOTIFY_DIR, dir, (const char *const[]){ "bind", "rprivate", NULL });
	/*
	 * podman's order: its mounts sorted (stable) by the depth of their destination,
	 * so after the user's at its depth or above (--tmpfs /run, -v x:/run), before
	 * those below it; mounts holds them in that order already.
	 */
	n = json_object_array_length(mounts);
	for (pos = 0; pos < n; pos++) {
		const char *d = json_object_get_string(json_object_object_get(
			json_object_array_get_idx(mounts, pos), "destination"));
		if (d && strncmp(d, NOTIFY_DIR "/", strlen(NOTIFY_DIR "/")) == 0)
			break;
	}
	json_object_array_add(mounts, json_object_get(m));
	for (size_t i = n; i > pos; i--)
		json_object_array_put_idx(
			mounts, i, json_object_get(json_object_array_get_idx(mounts, i - 1)));
	json_object_array_put_idx(mounts, pos, m);
	return 0;
}

void sdnotify_spec_env(const struct ctr_record *r, struct json_object *env)
{
	if (proxied(r))
		json_object_array_add(env, json_object_new_string("NOTIFY_SOCKET=" NOTIFY_SOCKET));
}

void sdnotify_prepare(void)
{
	(void)unsetenv("NOTIFY_SOCKET");
}

void sdnotify_monitor_args(const struct ctr_record *r, char ***v)
{
	if (proxied(r))
		pea_strv_push_take(v, xasprintf("--sdnotify-socket=%s", sdnotify_socket(r)));
}

/* One datagram to the socket at path ('@': an abstract one, as systemd's sd_notify(3)). */
static int send_to(const char *path, const char *msg, struct pea_error **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	socklen_t alen;
	_cleanup_close_ int fd = -1;

	if (len == 0 || len >= sizeof(addr.sun_path) || (path[0] != '/' && path[0] != '@'))
		return pea_error_new(err, EINVAL, "NOTIFY_SOCKET '%s': not a socket path", path);
	memcpy(addr.sun_path, path, len);
	if (path[0] == '@')
		addr.sun_path[0] = '\0';
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pea_error_errno(err, "socket");
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&addr, alen) < 0)
		return pea_error_errno(err, "send to NOTIFY_SOCKET '%s'", path);
	return 0;
}

int sdnotify_send(const char *path, const char *msg, struct pea_error **err)
{
	return send_to(path, msg, err);
}

void sdnotify_started(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *dir = NULL, *file = NULL, *buf = NULL, *msg = NULL;
	const char *sock = sdnotify_socket(r);
	size_t len = 0;
	long pid;

	if (!*sock)
		return;
	dir = record_dir(g, r->id);
	file = xasprintf("%s/conmon.pid", dir);
	if (pea_read_file_at(AT_FDCWD, file, 64, &buf, &len, &err) < 0) {
		log_warning("sd-notify: %s, ignoring", err->message);
		return;
	}
	pid = strtol(buf, NULL, 10);
	/* podman's: the monitor is the service's main process; READY=1 unless the container's */
	msg = xasprintf("MAINPID=%ld%s", pid,
			strcmp(sdnotify_mode(r), MODE_CONMON) == 0 ? "\nREADY=1" : "");
	if (send_to(sock, msg, &err) < 0)
		log_warning("sd-notify: %s, ignoring", err->message);
}
