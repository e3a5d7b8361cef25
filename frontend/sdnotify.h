#pragma once

/*
 * --sdnotify (podman-run(1)): what becomes of the NOTIFY_SOCKET pea was given (systemd's
 * Type=notify). The socket is the one of the create's environment, kept in the record;
 * the monitor and the runtime never get it in their environment.
 *   container (default)  the container gets a socket of its monitor's (BUNDLE/notify,
 *                        mounted on /run/notify, NOTIFY_SOCKET=/run/notify/notify.sock),
 *                        which relays its READY=1 (pea-monitor --sdnotify-socket); pea
 *                        sends MAINPID=<the monitor's pid> once the container runs
 *   conmon               pea sends MAINPID=<the monitor's pid> and READY=1 once the
 *                        container runs; the container gets nothing
 *   ignore               nothing is sent, nothing kept
 */

#include <stdbool.h>

struct global_options;
struct ctr_record;
struct json_object;
struct pea_error;

/* The option id, for cmd-create.c's table (after health.h's 3200s). */
#define SDNOTIFY_OPT 3300

/* clang-format off */
#define SDNOTIFY_LONGOPTS \
	{ "sdnotify", required_argument, NULL, SDNOTIFY_OPT }

#define SDNOTIFY_USAGE \
	"      --sdnotify=MODE       container (default), conmon or ignore: who tells\n" \
	"                            NOTIFY_SOCKET that the container is ready\n"
/* clang-format on */

/* A --sdnotify value: 0, or EINVAL with podman's words. */
int sdnotify_parse(const char *arg, struct pea_error **err);

/* At create: the mode (NULL: the default) and the socket of pea's environment into opts. */
void sdnotify_finish(const char *mode, struct json_object *opts);

/* inspect's Config.SdNotifyMode and Config.SdNotifySocket ("" without). */
const char *sdnotify_mode(const struct ctr_record *r);
const char *sdnotify_socket(const struct ctr_record *r);

/* The spec of a container the socket is passed into: its mount, its NOTIFY_SOCKET. */
int sdnotify_spec_mount(const struct global_options *g, const struct ctr_record *r,
			struct json_object *mounts, struct pea_error **err);
void sdnotify_spec_env(const struct ctr_record *r, struct json_object *env);

/*
 * Before the monitor starts: NOTIFY_SOCKET leaves pea's environment (the monitor's, the
 * runtime's, the exit command's); the monitor's --sdnotify-socket into *v.
 */
void sdnotify_prepare(void);
void sdnotify_monitor_args(const struct ctr_record *r, char ***v);

/* One datagram msg to the socket at path ('@': abstract), as sd_notify(3). */
int sdnotify_send(const char *path, const char *msg, struct pea_error **err);

/* The container runs: MAINPID (and READY=1 with conmon) to its socket; a failure is a warning. */
void sdnotify_started(const struct global_options *g, const struct ctr_record *r);
