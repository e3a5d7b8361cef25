/*
 * system service: podman's API service, its first endpoints (podman-system-service(1)).
 * One process, no threads: it listens on a unix or tcp endpoint, answers one
 * request per connection (Connection: close) and exits when no client came
 * for --time seconds. Served: the ping (/_ping, /libpod/_ping, with a /vN
 * prefix or not) and /version; anything else is podman's JSON 404.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "frontend/service.h"

#define REQUEST_MAX   16384
#define API_VERSION   "1.41"
#define IO_TIMEOUT_MS 5000

struct service_opts {
	const char *uri;
	const char *cors; /* NULL: no CORS headers */
	long idle_s;	  /* 0: for ever */
};

/* ---- the endpoint ------------------------------------------------------- */

/* "tcp:HOST:PORT", "tcp://HOST:PORT", "unix:PATH", "unix://PATH" -> a listening socket. */
static int listen_tcp(const char *hostport, struct pea_error **err)
{
	_cleanup_free_ char *host = NULL;
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	int fd = -1, r, one = 1;

	if (!colon || !colon[1])
		return pea_error_new(err, EINVAL, "tcp endpoint '%s': no port", hostport);
	host = xstrndup(hostport, (size_t)(colon - hostport));
	r = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &res);
	if (r != 0)
		return pea_error_new(err, EINVAL, "tcp endpoint '%s': %s", hostport,
				     gai_strerror(r));
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) < 0 || listen(fd, 64) < 0) {
			r = errno;
			pea_close(fd);
			fd = -1;
			errno = r;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return pea_error_errno(err, "listen on '%s'", hostport);
	return fd;
}

static int listen_unix(const char *path, struct pea_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return pea_error_new(err, ENAMETOOLONG, "unix endpoint '%s': too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pea_error_errno(err, "socket");
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		pea_error_errno(err, "listen on '%s'", path);
		pea_close(fd);
		return -1;
	}
	return fd;
}

/*
 * podman's url.Parse check: the scheme is what comes before the first ':'
 * when that is a word ("localhost:9292" has the scheme "localhost"), else "".
 */
int service_listen(const char *uri, char **ret_unix_path, struct pea_error **err)
{
	const char *colon = strchr(uri, ':');
	size_t sl = colon ? (size_t)(colon - uri) : 0;
	_cleanup_free_ char *scheme = xstrndup(uri, sl);
	const char *rest = colon ? colon + 1 : "";

	if (strspn(scheme, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") !=
	    sl)
		scheme[0] = '\0';
	*ret_unix_path = NULL;
	if (strcmp(scheme, "tcp") == 0)
		return listen_tcp(strncmp(rest, "//", 2) == 0 ? rest + 2 : rest, err);
	if (strcmp(scheme, "unix") == 0) {
		/* unix:///run/x.sock, unix:/run/x.sock: the path */
		while (strncmp(rest, "//", 2) == 0)
			rest++;
		if (!*rest)
			return pea_error_new(err, EINVAL, "unix endpoint '%s': no path", uri);
		*ret_unix_path = xstrdup(rest);
		return listen_unix(rest, err);
	}
	return pea_error_new(err, EINVAL,
			     "API Service endpoint scheme \"%s\" is not supported. Try tcp://%s "
			     "or unix:/%s",
			     scheme, uri, uri);
}

/* ---- one request -------------------------------------------------------- */

static bool wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, IO_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/* The request head (up to the blank line), or NULL on a timeout, EOF or an oversize head. */
static char *read_head(int fd)
{
	_cleanup_free_ char *buf = xmalloc(REQUEST_MAX + 1);
	size_t len = 0;

	while (len < REQUEST_MAX) {
		ssize_t n;

		if (!wait_fd(fd, POLLIN))
			return NULL;
		n = read(fd, buf + len, REQUEST_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return TAKE_PTR(buf);
	}
	return NULL;
}

static void send_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n;

		if (!wait_fd(fd, POLLOUT))
			return;
		n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void respond(int fd, const struct service_opts *o, int status, const char *reason,
		    const char *type, const char *body, bool head_only)
{
	_cleanup_free_ char *cors = NULL, *resp = NULL;

	if (o->cors)
		cors = xasprintf("Access-Control-Allow-Origin: %s\r\n"
				 "Access-Control-Allow-Methods: GET, HEAD, POST, PUT, DELETE, "
				 "OPTIONS\r\n"
				 "Access-Control-Allow-Headers: Authorization, Content-Type, "
				 "X-Registry-Auth\r\n",
				 o->cors);
	resp = xasprintf("HTTP/1.1 %d %s\r\n"
			 "Api-Version: %s\r\n"
			 "Libpod-Api-Version: %s\r\n"
			 "Server: pea/%s\r\n"
			 "Cache-Control: no-cache\r\n"
			 "Pragma: no-cache\r\n"
			 "%s"
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "Connection: close\r\n"
			 "\r\n"
			 "%s",
			 status, reason, API_VERSION, PEA_VERSION, PEA_VERSION, cors ? cors : "",
			 type, strlen(body), head_only ? "" : body);
	send_all(fd, resp, strlen(resp));
}

static char *version_json(void)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *kernel = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, "/proc/sys/kernel/osrelease", 256, &kernel, &len, NULL) == 0)
		kernel[strcspn(kernel, "\n")] = '\0';
	json_object_object_add(o, "Version", json_object_new_string(PEA_VERSION));
	json_object_object_add(o, "ApiVersion", json_object_new_string(API_VERSION));
	json_object_object_add(o, "MinAPIVersion", json_object_new_string("1.24"));
	json_object_object_add(o, "Os", json_object_new_string("linux"));
	json_object_object_add(o, "Arch", json_object_new_string(frontend_oci_arch()));
	json_object_object_add(o, "KernelVersion", json_object_new_string(kernel ? kernel : ""));
	return xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* The path without "/vN.N" and "/libpod" in front, and without a query. */
static char *route_of(const char *target)
{
	const char *p = target;
	size_t len;

	if (p[0] == '/' && p[1] == 'v' && p[2] >= '0' && p[2] <= '9') {
		p += 2;
		p += strspn(p, "0123456789.");
	}
	if (strncmp(p, "/libpod/", 8) == 0)
		p += 7;
	len = strcspn(p, "?#");
	return xstrndup(p, len);
}

int service_parse_head(const char *head, struct service_request *ret)
{
	const char *t;

	memset(ret, 0, sizeof(*ret));
	ret->method = xstrndup(head, strcspn(head, " \r\n"));
	t = head + strlen(ret->method);
	t += strspn(t, " ");
	ret->target = xstrndup(t, strcspn(t, " \r\n"));
	if (!*ret->method || ret->target[0] != '/') {
		service_request_clear(ret);
		return -EINVAL;
	}
	ret->route = route_of(ret->target);
	return 0;
}

void service_request_clear(struct service_request *r)
{
	free(r->method);
	free(r->target);
	free(r->route);
	memset(r, 0, sizeof(*r));
}

static void serve_one(int fd, const struct service_opts *o)
{
	_cleanup_free_ char *head = read_head(fd), *body = NULL;
	_cleanup_(service_request_clear) struct service_request req = { 0 };
	const char *method, *route;
	bool head_only;

	if (!head)
		return;
	if (service_parse_head(head, &req) < 0) {
		respond(fd, o, 400, "Bad Request", "text/plain; charset=utf-8", "bad request\n",
			false);
		return;
	}
	method = req.method;
	route = req.route;
	log_debug("API service: %s %s", method, req.target);
	head_only = strcmp(method, "HEAD") == 0;
	if (strcmp(method, "OPTIONS") == 0 && o->cors) {
		respond(fd, o, 200, "OK", "text/plain; charset=utf-8", "", false);
		return;
	}
	if ((strcmp(method, "GET") == 0 || head_only) && strcmp(route, "/_ping") == 0) {
		respond(fd, o, 200, "OK", "text/plain; charset=utf-8", "OK", head_only);
		return;
	}
	if ((strcmp(method, "GET") == 0 || head_only) && strcmp(route, "/version") == 0) {
		body = version_json();
		respond(fd, o, 200, "OK", "application/json", body, head_only);
		return;
	}
	{
		/* podman's error body */
		_cleanup_json_ struct json_object *e = json_object_new_object();
		_cleanup_free_ char *msg =
			xasprintf("%s %s: no such endpoint in pea's API service", method, route);
		json_object_object_add(e, "cause", json_object_new_string("not found"));
		json_object_object_add(e, "message", json_object_new_string(msg));
		json_object_object_add(e, "response", json_object_new_int(404));
		body = xasprintf("%s\n", json_object_to_json_string_ext(
						 e, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	respond(fd, o, 404, "Not Found", "application/json", body, head_only);
}

/* ---- the loop ----------------------------------------------------------- */

static int serve(int lfd, const struct service_opts *o, struct pea_error **err)
{
	_cleanup_close_ int sfd = -1;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return pea_error_errno(err, "sigprocmask");
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return pea_error_errno(err, "signalfd");
	for (;;) {
		struct pollfd p[2] = { { .fd = lfd, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };
		int timeout = o->idle_s > 0 ? (int)(o->idle_s > INT_MAX / 1000 ? INT_MAX
									       : o->idle_s * 1000)
					    : -1;
		int r = poll(p, 2, timeout);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return pea_error_errno(err, "poll");
		if (r == 0) {
			log_debug("API service: no client for %ld s, exiting", o->idle_s);
			return 0;
		}
		if (p[1].revents) {
			log_debug("API service: signalled, exiting");
			return 0;
		}
		if (p[0].revents & POLLIN) {
			_cleanup_close_ int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd >= 0)
				serve_one(cfd, o);
		}
	}
}

static const char service_usage[] =
	"Usage: pea system service [OPTIONS] [URI]\n"
	"\n"
	"Serve podman's API (so far its ping and version) on URI: unix:PATH,\n"
	"unix://PATH, tcp:HOST:PORT or tcp://HOST:PORT (default unix://RUNROOT/pea.sock).\n"
	"\n"
	"      --cors=ORIGINS      send Access-Control-Allow-Origin: ORIGINS\n"
	"      --log-level=LEVEL   as pea's own option\n"
	"  -t, --time=SECONDS      exit when no client came for that long; 0: never\n"
	"                          (default 5)\n";

enum { OPT_CORS = 256, OPT_LOG_LEVEL };

int system_service(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "cors", required_argument, NULL, OPT_CORS },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "time", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct service_opts o = { .idle_s = 5 };
	_cleanup_free_ char *def = NULL, *unix_path = NULL;
	_cleanup_close_ int lfd = -1;
	int r, c = 0, rc;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "ht:", opts, service_usage, &c, err)) == 2) {
		char *end = NULL;
		enum log_level level;

		if (c == OPT_CORS) {
			o.cors = optarg;
		} else if (c == OPT_LOG_LEVEL) {
			if (log_level_from_string(optarg, &level) < 0)
				return pea_error_new(err, EINVAL, "invalid log level '%s'", optarg);
			log_set_level(level);
		} else {
			errno = 0;
			o.idle_s = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || o.idle_s < 0)
				return pea_error_new(err, EINVAL,
						     "invalid argument \"%s\" for \"-t, --time\" "
						     "flag: must be an integer >= 0",
						     optarg);
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind > 1)
		return check_nargs(argc - optind, 0, 1, err);
	def = xasprintf("unix://%s/pea.sock", g->runroot);
	o.uri = optind < argc ? argv[optind] : def;
	if (o.uri == def && frontend_mkdir_p(g->runroot, err) < 0)
		return -1;
	if (o.cors)
		log_debug("CORS Headers were set to [\"%s\"]", o.cors);
	lfd = service_listen(o.uri, &unix_path, err);
	if (lfd < 0)
		return -1;
	log_debug("API service listening on '%s'", o.uri);
	rc = serve(lfd, &o, err);
	if (unix_path)
		(void)unlink(unix_path);
	return rc;
}
