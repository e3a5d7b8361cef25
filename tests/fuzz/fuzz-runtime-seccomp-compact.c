/*
 * pea-runtime's seccomp_compact on any program: the input is a program
 * (8 bytes an instruction, as struct sock_filter). Whatever it is, the
 * compaction must not crash, and a program it returns must decide as the
 * input does on every architecture it names, at each syscall number the
 * input compares with and on both sides of it, with the arguments zero and
 * all ones (seccomp_compact checks more than this before it returns; this
 * guards that check too).
 */
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

#include "oci-runtime/seccomp-compact.h"
#include "tests/fuzz/fuzz.h"

static void check(const struct sock_filter *p, size_t n, const struct sock_filter *q, size_t m)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t k = p[i].k;
		uint32_t values[] = { k, k - 1, k + 1, 0, UINT32_MAX };

		for (size_t a = 0; a < sizeof(values) / sizeof(*values); a++)
			for (size_t v = 0; v < sizeof(values) / sizeof(*values); v++)
				for (int fill = 0; fill < 2; fill++) {
					uint32_t d[16];

					memset(d, fill ? 0xff : 0, sizeof(d));
					d[0] = values[v];
					d[1] = values[a];
					if (seccomp_bpf_run(p, n, d) != seccomp_bpf_run(q, m, d))
						abort();
				}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(struct sock_filter), m = 0;
	struct sock_filter *p, *q;

	if (n == 0 || n > 512)
		return 0;
	p = malloc(n * sizeof(*p));
	if (!p)
		return 0;
	memcpy(p, data, n * sizeof(*p));
	q = seccomp_compact(p, n, &m);
	if (q)
		check(p, n, q, m);
	free(p);
	free(q);
	return 0;
}
