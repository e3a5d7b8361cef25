#pragma once

/*
 * DNS messages (RFC 1035, EDNS0 from RFC 6891): a strict parser of queries
 * and a builder of the answers pea-dnsd gives itself. Every read is bounds
 * checked against the message length; nothing here allocates.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_SIZE 12
#define DNS_NAME_MAX	255 /* wire length of a name */
#define DNS_TEXT_MAX	254 /* presentation form without the final dot, plus NUL */
#define DNS_UDP_MIN	512
#define DNS_UDP_MAX	4096 /* the most we answer over UDP, whatever the client says */
#define DNS_TCP_MAX	65535

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_ANY = 255,
};

enum dns_class {
	DNS_CLASS_IN = 1,
	DNS_CLASS_ANY = 255,
};

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
};

/* Header flag bits (second 16-bit word). */
#define DNS_FLAG_QR	  0x8000
#define DNS_FLAG_AA	  0x0400
#define DNS_FLAG_TC	  0x0200
#define DNS_FLAG_RD	  0x0100
#define DNS_FLAG_RA	  0x0080
#define DNS_FLAG_CD	  0x0010
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)

struct dns_query {
	uint16_t id;
	uint16_t flags;
	uint16_t qtype;
	uint16_t qclass;
	/* Offset just past the question: [12, question_end) is copied into answers. */
	size_t question_end;
	/*
	 * The name in lowercase presentation form without the final dot ("" for
	 * the root). plain is false when a label holds a byte that cannot be
	 * written without escapes (a dot, a space, a control character...):
	 * such a name never matches a container and is only forwarded.
	 */
	char name[DNS_TEXT_MAX];
	size_t name_len;
	bool plain;
	/* EDNS0: an OPT record in the additional section. */
	bool has_opt;
	uint16_t udp_size;
};

enum dns_parse_result {
	DNS_PARSE_OK = 0,
	DNS_PARSE_DROP = -1,   /* not a query we can answer: too short, a response, garbage */
	DNS_PARSE_NOTIMP = -2, /* a well-formed header with an opcode other than QUERY */
	DNS_PARSE_FORMERR = -3 /* a well-formed header with a question count other than 1 */
};

/* Parse a query. Never reads outside [msg, msg + len). */
enum dns_parse_result dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q);

/* The largest answer the client takes: 512, its EDNS size (capped), or 65535 on TCP. */
size_t dns_query_max_answer(const struct dns_query *q, bool tcp);

/*
 * An answer under construction in a caller's buffer. Once a write does not
 * fit, overflow is set and every later write is ignored; dns_answer_finish
 * then sends the header and question only, with TC set.
 */
struct dns_answer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t header_question_len;
	uint16_t ancount;
	bool overflow;
	bool opt;
};

/*
 * Start an answer to q (whose wire form is msg) in buf: the header with
 * QR, AA and RA (when RD) set and rcode, the question copied.
 * Returns < 0 if cap cannot hold even that.
 */
int dns_answer_begin(struct dns_answer *a, uint8_t *buf, size_t cap, const uint8_t *msg,
		     const struct dns_query *q, enum dns_rcode rcode);
/* Add an A (4 bytes) or AAAA (16 bytes) record for the question's name. */
void dns_answer_add_addr(struct dns_answer *a, uint16_t type, const void *addr, size_t addr_len,
			 uint32_t ttl);
/* Add a PTR record for the question's name pointing at the name target ("web"). */
void dns_answer_add_ptr(struct dns_answer *a, const char *target, uint32_t ttl);
/* Finish: the OPT record if the query had one, the counts. Returns the length. */
size_t dns_answer_finish(struct dns_answer *a);

/*
 * Encode a presentation-form name ("a.b", no final dot needed) into wire
 * form. Returns the length written, or 0 if it does not fit or is invalid.
 */
size_t dns_name_encode(const char *name, uint8_t *out, size_t cap);

/*
 * The address a reverse name stands for: "4.3.2.1.in-addr.arpa" gives
 * family AF_INET and 1.2.3.4, the 32-nibble ip6.arpa form AF_INET6.
 * Returns false for anything else.
 */
bool dns_reverse_name_to_addr(const char *name, int *ret_family, uint8_t ret_addr[16]);

static inline uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
