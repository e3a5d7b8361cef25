#include <string.h>
#include <sys/socket.h>

#include "dnsd/packet.h"

#define DNS_MAX_POINTERS   16
#define DNS_MAX_SCAN_RRS   64 /* answer + authority + additional records looked at for OPT */
#define DNS_OPT_RR_SIZE	   11
#define DNS_ANSWER_TTL_POS 6

static bool is_plain_label_byte(uint8_t c)
{
	return c > 0x20 && c < 0x7f && c != '.' && c != '\\';
}

static char ascii_lower(uint8_t c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/*
 * Read the name at *pos into q (when q is not NULL), following compression
 * pointers backwards only. *pos ends just past the name where it started.
 */
static bool parse_name(const uint8_t *msg, size_t len, size_t *pos, struct dns_query *q)
{
	size_t p = *pos, end = 0, wire = 0, text = 0;
	unsigned int jumps = 0;
	bool plain = true;

	for (;;) {
		uint8_t l;

		if (p >= len)
			return false;
		l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len)
				return false;
			target = (size_t)((l & 0x3f) << 8 | msg[p + 1]);
			/* strictly backwards, after the header: no loops */
			if (target < DNS_HEADER_SIZE || target >= p || ++jumps > DNS_MAX_POINTERS)
				return false;
			if (end == 0)
				end = p + 2;
			p = target;
			continue;
		}
		if (l & 0xc0)
			return false; /* the 0x40 and 0x80 label types are obsolete */
		wire += (size_t)l + 1;
		if (wire > DNS_NAME_MAX)
			return false;
		if (l == 0)
			break;
		if (p + 1 + l > len)
			return false;
		if (q) {
			if (text > 0)
				q->name[text++] = '.';
			for (size_t i = 0; i < l; i++) {
				uint8_t c = msg[p + 1 + i];

				if (!is_plain_label_byte(c))
					plain = false;
				q->name[text++] = ascii_lower(c);
			}
		}
		p += (size_t)l + 1;
	}
	if (end == 0)
		end = p + 1;
	if (q) {
		q->name[text] = '\0';
		q->name_len = text;
		q->plain = plain;
	}
	*pos = end;
	return true;
}

/* Skip one resource record, noting an OPT record in q. */
static bool scan_rr(const uint8_t *msg, size_t len, size_t *pos, bool additional,
		    struct dns_query *q)
{
	const size_t name_start = *pos;
	size_t p = name_start;
	uint16_t type, rdlen;

	if (!parse_name(msg, len, &p, NULL))
		return false;
	if (p + 10 > len)
		return false;
	type = dns_get16(msg + p);
	rdlen = dns_get16(msg + p + 8);
	if (p + 10 + rdlen > len)
		return false;
	if (additional && type == DNS_TYPE_OPT && msg[name_start] == 0 && !q->has_opt) {
		q->has_opt = true;
		q->udp_size = dns_get16(msg + p + 2);
	}
	*pos = p + 10 + rdlen;
	return true;
}

enum dns_parse_result dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q)
{
	uint16_t counts[4];
	size_t pos = DNS_HEADER_SIZE;
	unsigned int scanned = 0;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HEADER_SIZE)
		return DNS_PARSE_DROP;
	q->id = dns_get16(msg);
	q->flags = dns_get16(msg + 2);
	if (q->flags & DNS_FLAG_QR)
		return DNS_PARSE_DROP; /* a response: never answer one */
	if (DNS_OPCODE(q->flags) != 0)
		return DNS_PARSE_NOTIMP;
	for (size_t i = 0; i < 4; i++)
		counts[i] = dns_get16(msg + 4 + 2 * i);
	if (counts[0] != 1)
		return DNS_PARSE_FORMERR;
	if (!parse_name(msg, len, &pos, q))
		return DNS_PARSE_DROP;
	if (pos + 4 > len)
		return DNS_PARSE_DROP;
	q->qtype = dns_get16(msg + pos);
	q->qclass = dns_get16(msg + pos + 2);
	pos += 4;
	q->question_end = pos;

	for (size_t section = 1; section < 4; section++) {
		for (uint16_t i = 0; i < counts[section]; i++) {
			if (++scanned > DNS_MAX_SCAN_RRS)
				return DNS_PARSE_OK;
			if (!scan_rr(msg, len, &pos, section == 3, q))
				return DNS_PARSE_DROP;
		}
	}
	return DNS_PARSE_OK;
}

size_t dns_query_max_answer(const struct dns_query *q, bool tcp)
{
	if (tcp)
		return DNS_TCP_MAX;
	if (!q->has_opt || q->udp_size <= DNS_UDP_MIN)
		return DNS_UDP_MIN;
	return q->udp_size > DNS_UDP_MAX ? DNS_UDP_MAX : q->udp_size;
}

int dns_answer_begin(struct dns_answer *a, uint8_t *buf, size_t cap, const uint8_t *msg,
		     const struct dns_query *q, enum dns_rcode rcode)
{
	uint16_t flags;

	memset(a, 0, sizeof(*a));
	a->opt = q->has_opt;
	if (a->opt) {
		if (cap < DNS_OPT_RR_SIZE)
			return -1;
		cap -= DNS_OPT_RR_SIZE; /* room kept for the OPT record */
	}
	if (q->question_end > cap)
		return -1;
	flags = (uint16_t)(DNS_FLAG_QR | DNS_FLAG_AA |
			   (q->flags & (0x7800 | DNS_FLAG_RD | DNS_FLAG_CD)) | (unsigned int)rcode);
	if (q->flags & DNS_FLAG_RD)
		flags |= DNS_FLAG_RA;
	memcpy(buf, msg, q->question_end);
	dns_put16(buf + 2, flags);
	dns_put16(buf + 4, 1);
	memset(buf + 6, 0, 6);
	a->buf = buf;
	a->cap = cap;
	a->len = q->question_end;
	a->header_question_len = q->question_end;
	return 0;
}

/* The fixed part of an answer: a pointer to the question name, type, class, TTL, length. */
static uint8_t *answer_rr(struct dns_answer *a, uint16_t type, uint32_t ttl, size_t rdlen)
{
	uint8_t *p;

	if (a->overflow || a->len + 12 + rdlen > a->cap || a->ancount == UINT16_MAX) {
		a->overflow = true;
		return NULL;
	}
	p = a->buf + a->len;
	dns_put16(p, 0xc000 | DNS_HEADER_SIZE);
	dns_put16(p + 2, type);
	dns_put16(p + 4, DNS_CLASS_IN);
	dns_put16(p + DNS_ANSWER_TTL_POS, (uint16_t)(ttl >> 16));
	dns_put16(p + DNS_ANSWER_TTL_POS + 2, (uint16_t)ttl);
	dns_put16(p + 10, (uint16_t)rdlen);
	a->len += 12 + rdlen;
	a->ancount++;
	return p + 12;
}

void dns_answer_add_addr(struct dns_answer *a, uint16_t type, const void *addr, size_t addr_len,
			 uint32_t ttl)
{
	uint8_t *rdata = answer_rr(a, type, ttl, addr_len);

	if (rdata)
		memcpy(rdata, addr, addr_len);
}

void dns_answer_add_ptr(struct dns_answer *a, const char *target, uint32_t ttl)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t n = dns_name_encode(target, wire, sizeof(wire));
	uint8_t *rdata;

	if (n == 0)
		return; /* a name that cannot be a DNS name is left out */
	rdata = answer_rr(a, DNS_TYPE_PTR, ttl, n);
	if (rdata)
		memcpy(rdata, wire, n);
}

size_t dns_answer_finish(struct dns_answer *a)
{
	if (a->overflow) {
		a->len = a->header_question_len;
		a->ancount = 0;
		dns_put16(a->buf + 2, dns_get16(a->buf + 2) | DNS_FLAG_TC);
	}
	dns_put16(a->buf + 6, a->ancount);
	if (a->opt) {
		uint8_t *p = a->buf + a->len; /* room was kept by dns_answer_begin */

		p[0] = 0;
		dns_put16(p + 1, DNS_TYPE_OPT);
		dns_put16(p + 3, DNS_UDP_MAX);
		memset(p + 5, 0, 6); /* extended rcode, version 0, flags, no options */
		a->len += DNS_OPT_RR_SIZE;
		dns_put16(a->buf + 10, 1);
	}
	return a->len;
}

size_t dns_name_encode(const char *name, uint8_t *out, size_t cap)
{
	size_t len = 0;
	const char *p = name;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || len + 1 + l + 1 > cap || len + 1 + l + 1 > DNS_NAME_MAX)
			return 0;
		out[len++] = (uint8_t)l;
		memcpy(out + len, p, l);
		len += l;
		p += l;
		if (*p == '.')
			p++;
	}
	if (len + 1 > cap)
		return 0;
	out[len++] = 0;
	return len;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool has_suffix(const char *s, size_t len, const char *suffix, size_t *ret_prefix)
{
	size_t sl = strlen(suffix);

	if (len < sl || strcmp(s + len - sl, suffix) != 0)
		return false;
	*ret_prefix = len - sl;
	return true;
}

static bool reverse_v4(const char *s, size_t n, uint8_t addr[16])
{
	unsigned int octet = 0, digits = 0, idx = 0;

	/* n bytes of "d.c.b.a" */
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (digits == 0 || idx >= 4)
				return false;
			addr[3 - idx++] = (uint8_t)octet;
			octet = 0;
			digits = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || ++digits > 3)
			return false;
		octet = octet * 10 + (unsigned int)(s[i] - '0');
		if (octet > 255)
			return false;
	}
	return idx == 4;
}

static bool reverse_v6(const char *s, size_t n, uint8_t addr[16])
{
	/* exactly 32 nibbles "x.x.….x": 63 bytes */
	if (n != 63)
		return false;
	memset(addr, 0, 16);
	for (size_t i = 0; i < 32; i++) {
		int v = hex_value(s[2 * i]);

		if (v < 0 || (i < 31 && s[2 * i + 1] != '.'))
			return false;
		/* the first nibble is the lowest of the last byte */
		size_t byte = 15 - i / 2;
		addr[byte] |= (uint8_t)(i % 2 == 0 ? v : v << 4);
	}
	return true;
}

bool dns_reverse_name_to_addr(const char *name, int *ret_family, uint8_t ret_addr[16])
{
	size_t len = strlen(name), prefix;
	uint8_t addr[16] = { 0 };

	if (has_suffix(name, len, ".in-addr.arpa", &prefix)) {
		if (!reverse_v4(name, prefix, addr))
			return false;
		*ret_family = AF_INET;
	} else if (has_suffix(name, len, ".ip6.arpa", &prefix)) {
		if (!reverse_v6(name, prefix, addr))
			return false;
		*ret_family = AF_INET6;
	} else {
		return false;
	}
	memcpy(ret_addr, addr, 16);
	return true;
}
