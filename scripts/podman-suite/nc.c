/*
 * nc for the stand-in test image: the options of alpine's busybox nc that
 * podman's test/system uses (Debian's busybox-static nc lacks -n and -v):
 *   nc [-n] [-v] [-w SEC] -l -p PORT [-e PROG]   listen (dual-stack [::])
 *   nc [-n] [-v] [-w SEC] HOST PORT              connect
 * Data both ways until the peer closes. Messages as busybox's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int verbose;

static void die(const char *what)
{
	fprintf(stderr, "nc: %s: %s\n", what, strerror(errno));
	exit(1);
}

static const char *addr(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;
		inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
		port = ntohs(s->sin6_port);
		snprintf(buf, n, "[%s]:%d", ip, port);
	} else {
		const struct sockaddr_in *s = (const void *)ss;
		inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
		port = ntohs(s->sin_port);
		snprintf(buf, n, "%s:%d", ip, port);
	}
	return buf;
}

static void pump(int fd, int timeout)
{
	struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
	char buf[16384];
	int in_open = 1;

	for (;;) {
		int r = poll(p, 2, timeout > 0 && !in_open ? timeout * 1000 : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			exit(0);
		if (in_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				in_open = 0;
				p[0].fd = -1;
				shutdown(fd, SHUT_WR);
			} else if (write(fd, buf, (size_t)n) != n) {
				exit(1);
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				exit(0);
			if (write(1, buf, (size_t)n) != n)
				exit(1);
		}
	}
}

/* -e PROG on the connection, else data both ways */
static void serve(int fd, const char *prog, int timeout)
{
	if (prog) {
		dup2(fd, 0);
		dup2(fd, 1);
		execl(prog, prog, (char *)NULL);
		die("exec");
	}
	pump(fd, timeout);
}

int main(int argc, char **argv)
{
	int listen_mode = 0, port = 0, timeout = 0, c;
	const char *prog = NULL;
	char a[128], b[128];

	while ((c = getopt(argc, argv, "lnvp:e:w:")) != -1) {
		switch (c) {
		case 'l':
			listen_mode = 1;
			break;
		case 'n':
			break;
		case 'v':
			verbose = 1;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'e':
			prog = optarg;
			break;
		case 'w':
			timeout = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: nc [-nv] [-w SEC] -l -p PORT [-e PROG] | nc [-nv] "
					"HOST PORT\n");
			return 1;
		}
	}
	if (listen_mode) {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
					   .sin6_port = htons((unsigned short)port),
					   .sin6_addr = IN6ADDR_ANY_INIT };
		struct sockaddr_storage me, peer;
		socklen_t ml = sizeof(me), pl = sizeof(peer);
		int one = 1, zero = 0, s, fd;

		s = socket(AF_INET6, SOCK_STREAM, 0);
		if (s < 0)
			die("socket");
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "nc: bind: %s\n",
				errno == EADDRINUSE ? "Address in use" : strerror(errno));
			return 1;
		}
		if (listen(s, 1) < 0)
			die("listen");
		getsockname(s, (struct sockaddr *)&me, &ml);
		if (verbose)
			fprintf(stderr, "listening on %s ...\n", addr(&me, a, sizeof(a)));
		fd = accept(s, (struct sockaddr *)&peer, &pl);
		if (fd < 0)
			die("accept");
		ml = sizeof(me);
		getsockname(fd, (struct sockaddr *)&me, &ml);
		if (verbose)
			fprintf(stderr, "connect to %s from %s (%s)\n", addr(&me, a, sizeof(a)),
				addr(&peer, b, sizeof(b)), b);
		close(s);
		serve(fd, prog, timeout);
	} else {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
		int fd, e;

		if (argc - optind != 2) {
			fprintf(stderr, "usage: nc [-nv] HOST PORT\n");
			return 1;
		}
		e = getaddrinfo(argv[optind], argv[optind + 1], &hints, &res);
		if (e) {
			fprintf(stderr, "nc: bad address '%s'\n", argv[optind]);
			return 1;
		}
		fd = socket(res->ai_family, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket");
		if (connect(fd, res->ai_addr, res->ai_addrlen) < 0)
			die("can't connect to remote host");
		serve(fd, prog, timeout);
	}
	return 0;
}
