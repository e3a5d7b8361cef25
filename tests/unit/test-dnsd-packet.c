/* DNS message parsing and answer building of pea-dnsd (dnsd/packet.c). */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsd/packet.h"
#include "tests/unit/tap.h"

/* A query for name (presentation form) and type, with an OPT record when edns. */
static size_t make_query(uint8_t *buf, const char *name, uint16_t type, uint16_t edns)
{
	size_t len = DNS_HEADER_SIZE, n;

	memset(buf, 0, DNS_HEADER_SIZE);
	dns_put16(buf, 0xbeef);
	dns_put16(buf + 2, DNS_FLAG_RD);
	dns_put16(buf + 4, 1);
	n = dns_name_encode(name, buf + len, 300);
	len += n;
	dns_put16(buf + len, type);
	dns_put16(buf + len + 2, DNS_CLASS_IN);
	len += 4;
	if (edns) {
		dns_put16(buf + 10, 1);
		buf[len] = 0;
		dns_put16(buf + len + 1, DNS_TYPE_OPT);
		dns_put16(buf + len + 3, edns);
		memset(buf + len + 5, 0, 6);
		len += 11;
	}
	return len;
}

static void test_parse(void)
{
	uint8_t buf[600];
	struct dns_query q;
	size_t len = make_query(buf, "WeB.Dns.Podman", DNS_TYPE_AAAA, 1232);

	tap_is_int(dns_parse_query(buf, len, &q), DNS_PARSE_OK, "a query with EDNS parses");
	tap_is_str(q.name, "web.dns.podman", "the name is lowercased, without the final dot");
	tap_is_int(q.qtype, DNS_TYPE_AAAA, "qtype");
	tap_ok(q.has_opt && q.udp_size == 1232, "the OPT record and its size are seen");
	tap_is_int(dns_query_max_answer(&q, false), 1232, "answers fit the client's EDNS size");
	tap_is_int(dns_query_max_answer(&q, true), 65535, "TCP takes 64 KiB");
	tap_ok(q.plain, "an ordinary name is plain");

	size_t parsed = 0;

	for (size_t cut = 0; cut < len; cut++)
		parsed += dns_parse_query(buf, cut, &q) == DNS_PARSE_OK;
	tap_is_int(parsed, 0, "a query cut anywhere is dropped");

	len = make_query(buf, "", DNS_TYPE_A, 0);
	tap_is_int(dns_parse_query(buf, len, &q), DNS_PARSE_OK, "the root name parses");
	tap_is_int(q.name_len, 0, "the root name is empty");
	tap_is_int(dns_query_max_answer(&q, false), 512, "no EDNS: 512 bytes");

	len = make_query(buf, "a", DNS_TYPE_A, 0);
	buf[2] |= 0x80;
	tap_is_int(dns_parse_query(buf, len, &q), DNS_PARSE_DROP, "a response is dropped");
	buf[2] = (uint8_t)(2 << 3);
	tap_is_int(dns_parse_query(buf, len, &q), DNS_PARSE_NOTIMP, "opcode STATUS is NOTIMP");
	buf[2] = 0;
	dns_put16(buf + 4, 2);
	tap_is_int(dns_parse_query(buf, len, &q), DNS_PARSE_FORMERR, "two questions are FORMERR");
}

static void test_pointers(void)
{
	uint8_t loop[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	uint8_t fwd[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 1, 'a', 0, 0, 1, 0, 1 };
	uint8_t back[] = {
		0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'x', 1, 'y', 0xc0, 12, 0, 1, 0, 1
	};
	uint8_t odd[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', '.', 'b', 0, 0, 1, 0, 1 };
	struct dns_query q;

	tap_is_int(dns_parse_query(loop, sizeof(loop), &q), DNS_PARSE_DROP,
		   "a pointer to itself is dropped");
	tap_is_int(dns_parse_query(fwd, sizeof(fwd), &q), DNS_PARSE_DROP,
		   "a forward pointer is dropped");
	tap_is_int(dns_parse_query(back, sizeof(back), &q), DNS_PARSE_DROP,
		   "a pointer back into the same name is a loop, dropped");
	tap_is_int(dns_parse_query(odd, sizeof(odd), &q), DNS_PARSE_OK,
		   "a dot inside a label parses");
	tap_ok(!q.plain, "but the name is not plain");
}

static void test_answer(void)
{
	uint8_t buf[600], out[512];
	struct dns_query q;
	struct dns_answer a;
	uint8_t v4[4] = { 10, 89, 0, 2 };
	size_t len = make_query(buf, "web", DNS_TYPE_A, 0), n;

	dns_parse_query(buf, len, &q);
	tap_is_int(dns_answer_begin(&a, out, sizeof(out), buf, &q, DNS_RCODE_NOERROR), 0, "begin");
	dns_answer_add_addr(&a, DNS_TYPE_A, v4, 4, 0);
	n = dns_answer_finish(&a);
	tap_is_int(n, len + 16, "one A record: 16 bytes after the question");
	tap_is_int(dns_get16(out), 0xbeef, "the id is the query's");
	tap_ok((dns_get16(out + 2) & (DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD | DNS_FLAG_RA)) ==
		       (DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD | DNS_FLAG_RA),
	       "QR, AA, RD and RA are set");
	tap_is_int(dns_get16(out + 6), 1, "ANCOUNT 1");
	tap_ok(memcmp(out + n - 4, v4, 4) == 0, "the address is last");

	dns_answer_begin(&a, out, DNS_UDP_MIN, buf, &q, DNS_RCODE_NOERROR);
	for (int i = 0; i < 40; i++)
		dns_answer_add_addr(&a, DNS_TYPE_A, v4, 4, 0);
	n = dns_answer_finish(&a);
	tap_is_int(n, len, "too many records: header and question only");
	tap_ok(dns_get16(out + 2) & DNS_FLAG_TC, "with TC");
	tap_is_int(dns_get16(out + 6), 0, "and no answer");

	len = make_query(buf, "x", DNS_TYPE_PTR, 4096);
	dns_parse_query(buf, len, &q);
	dns_answer_begin(&a, out, sizeof(out), buf, &q, DNS_RCODE_NXDOMAIN);
	n = dns_answer_finish(&a);
	tap_is_int(dns_get16(out + 2) & 0xf, DNS_RCODE_NXDOMAIN, "rcode NXDOMAIN");
	tap_is_int(dns_get16(out + 10), 1, "the OPT record is echoed");
	tap_is_int(n, q.question_end + 11, "an OPT record is 11 bytes");
}

static void test_names(void)
{
	uint8_t out[300];
	char long_label[70];
	uint8_t addr[16], want6[16];
	int family = 0;

	tap_is_int(dns_name_encode("web.dns", out, sizeof(out)), 9, "web.dns is 9 bytes");
	tap_is_int(dns_name_encode("web.", out, sizeof(out)), 5, "a final dot is fine");
	tap_is_int(dns_name_encode("a..b", out, sizeof(out)), 0, "an empty label is refused");
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	tap_is_int(dns_name_encode(long_label, out, sizeof(out)), 0, "a 64-byte label is refused");
	tap_is_int(dns_name_encode("web", out, 4), 0, "too small a buffer is refused");

	tap_ok(dns_reverse_name_to_addr("2.0.89.10.in-addr.arpa", &family, addr) &&
		       family == AF_INET && memcmp(addr, "\x0a\x59\x00\x02", 4) == 0,
	       "an in-addr.arpa name gives 10.89.0.2");
	inet_pton(AF_INET6, "fd00:89::2", want6);
	tap_ok(dns_reverse_name_to_addr(
		       "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.9.8.0.0.0.0.d.f.ip6.arpa",
		       &family, addr) &&
		       family == AF_INET6 && memcmp(addr, want6, 16) == 0,
	       "an ip6.arpa name gives fd00:89::2");
	tap_ok(!dns_reverse_name_to_addr("256.0.89.10.in-addr.arpa", &family, addr),
	       "an octet over 255 is refused");
	tap_ok(!dns_reverse_name_to_addr("0.89.10.in-addr.arpa", &family, addr),
	       "three octets are refused");
	tap_ok(!dns_reverse_name_to_addr("1.0.0.89.10.in-addr.arpa", &family, addr),
	       "five octets are refused");
	tap_ok(!dns_reverse_name_to_addr("2.0.ip6.arpa", &family, addr),
	       "short ip6.arpa is refused");
	tap_ok(!dns_reverse_name_to_addr("example.com", &family, addr), "other names are refused");
}

int main(void)
{
	tap_plan(43);
	test_parse();
	test_pointers();
	test_answer();
	test_names();
	return tap_done();
}
