#pragma once

/* system service: podman's API service (cmd-service.c). */

struct global_options;
struct pea_error;

int system_service(struct global_options *g, int argc, char **argv, struct pea_error **err);
/*
 * Listen on a podman API endpoint URI (unix:PATH, unix://PATH, tcp:HOST:PORT,
 * tcp://HOST:PORT); the socket, and for unix the path to remove after. Any
 * other scheme is podman's "API Service endpoint scheme ... is not supported".
 */
int service_listen(const char *uri, char **ret_unix_path, struct pea_error **err);

/* A request's first line: METHOD TARGET; route is TARGET without /vN.N, /libpod, ?query. */
struct service_request {
	char *method, *target, *route;
};
/* -EINVAL for a head that is no request (no method, a target not starting with '/'). */
int service_parse_head(const char *head, struct service_request *ret);
void service_request_clear(struct service_request *r);
