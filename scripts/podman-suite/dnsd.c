/*
 * dnsd for the harness's namespaces: the machine has no internet, and
 * 500-networking looks up google.com from a container (through the
 * network's DNS server, which asks the nameservers of /etc/resolv.conf).
 * inner.sh puts those addresses on lo and runs this on each:
 *   dnsd IPV4
 * Any A question is answered 192.0.2.1, AAAA 2001:db8::1 (documentation
 * addresses), anything else with no answer; one question a packet, UDP only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
	int fd;

	if (argc != 2 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: dnsd IPV4\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("dnsd: bind");
		return 1;
	}
	for (;;) {
		unsigned char q[512], r[600];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		size_t at = 12, len;
		unsigned type;

		if (n < 17 || (q[2] & 0x80) || q[4] != 0 || q[5] != 1)
			continue; /* short, a response, or not one question */
		while (at < (size_t)n && q[at] != 0 && (q[at] & 0xc0) == 0)
			at += q[at] + 1u;
		if (at + 5 > (size_t)n || q[at] != 0)
			continue;
		at += 5; /* the root label, QTYPE, QCLASS */
		type = (unsigned)q[at - 4] << 8 | q[at - 3];
		memcpy(r, q, at);
		r[2] = 0x81 | (q[2] & 0x01); /* QR, RD as asked, AA off */
		r[3] = 0x80;		     /* RA, NOERROR */
		r[6] = 0, r[7] = 0, r[8] = r[9] = r[10] = r[11] = 0;
		len = at;
		if (type == 1 || type == 28) {
			static const unsigned char v4[4] = { 192, 0, 2, 1 };
			static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
			unsigned rdlen = type == 1 ? 4 : 16;
			unsigned char rr[12] = { 0xc0, 12, 0, (unsigned char)type, 0, 1, 0, 0,
						 0,    60, 0, (unsigned char)rdlen };

			memcpy(r + len, rr, sizeof(rr));
			len += sizeof(rr);
			memcpy(r + len, type == 1 ? v4 : v6, rdlen);
			len += rdlen;
			r[7] = 1;
		}
		(void)sendto(fd, r, len, 0, (struct sockaddr *)&from, fl);
	}
}
