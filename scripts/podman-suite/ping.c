/*
 * ping for the stand-in test image: alpine's busybox ping falls back to an
 * ICMP datagram socket (SOCK_DGRAM, IPPROTO_ICMP) when it has no
 * CAP_NET_RAW, which the engine's default capabilities leave out; the
 * containers.conf default_sysctls net.ipv4.ping_group_range="0 0" lets root
 * use it (200-pod pings 127.0.0.1 and the pod's hostname). Debian's
 * busybox-static ping tries a raw socket only. IPv4 only:
 *   ping [-c COUNT] [-W SEC] HOST
 * Output lines as busybox's; exit 0 when a reply came, else 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *res;
	struct sockaddr_in to;
	char ip[INET_ADDRSTRLEN];
	int count = 4, wait_s = 10, received = 0, opt, fd;

	while ((opt = getopt(argc, argv, "c:W:w:q")) != -1) {
		if (opt == 'c')
			count = atoi(optarg);
		else if (opt == 'W' || opt == 'w')
			wait_s = atoi(optarg);
		else if (opt != 'q') {
			fprintf(stderr, "usage: ping [-c COUNT] [-W SEC] HOST\n");
			return 1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: ping [-c COUNT] [-W SEC] HOST\n");
		return 1;
	}
	if (getaddrinfo(argv[optind], NULL, &hints, &res) != 0) {
		fprintf(stderr, "ping: bad address '%s'\n", argv[optind]);
		return 1;
	}
	memcpy(&to, res->ai_addr, sizeof(to));
	freeaddrinfo(res);
	inet_ntop(AF_INET, &to.sin_addr, ip, sizeof(ip));
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (fd < 0) {
		fprintf(stderr, "ping: permission denied (are you root?)\n");
		return 1;
	}
	printf("PING %s (%s): 56 data bytes\n", argv[optind], ip);
	fflush(stdout);
	for (int seq = 0; seq < count; seq++) {
		unsigned char pkt[64] = { 0 }, buf[1500];
		struct icmphdr *h = (struct icmphdr *)pkt;
		double t0 = now_ms();

		h->type = ICMP_ECHO;
		h->un.echo.sequence = htons(seq);
		if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			fprintf(stderr, "ping: sendto: %s\n", strerror(errno));
			return 1;
		}
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int left = wait_s * 1000 - (int)(now_ms() - t0);
			ssize_t n;

			if (left <= 0 || poll(&p, 1, left) <= 0)
				break;
			n = recv(fd, buf, sizeof(buf), 0);
			if (n < (ssize_t)sizeof(struct icmphdr))
				continue;
			h = (struct icmphdr *)buf;
			if (h->type != ICMP_ECHOREPLY || ntohs(h->un.echo.sequence) != seq)
				continue;
			printf("%zd bytes from %s: seq=%d ttl=64 time=%.3f ms\n", n, ip, seq,
			       now_ms() - t0);
			fflush(stdout);
			received++;
			break;
		}
		if (seq + 1 < count)
			sleep(1);
	}
	printf("\n--- %s ping statistics ---\n%d packets transmitted, %d packets received\n",
	       argv[optind], count, received);
	return received ? 0 : 1;
}
