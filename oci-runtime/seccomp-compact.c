/*
 * A seccomp program made shorter (seccomp-compact.h).
 *
 * libseccomp's binary tree for podman's profile on x86_64, x86 and x32 is
 * 1503 instructions: a comparison and a return for nearly every syscall of
 * each architecture. Most neighbours share their action, so the program's
 * decision as a function of the syscall number is a few dozen intervals per
 * architecture; a search tree over their starts, with each interval's
 * return (or the program's own argument checks, for the few syscalls that
 * have them), makes the same decisions in a fraction of the instructions.
 *
 * Exactness: the program compares the number only with constants (JEQ, JGT,
 * JGE; anything else on it and the program is left as it is), so between two
 * consecutive constants every comparison it makes on the number comes out
 * the same, and running it once per interval start gives the decision for
 * the whole interval. Run "partially": the number and the architecture are
 * known, their comparisons are decided on the spot, and what reads other
 * fields (the arguments, the instruction pointer) is kept, in order, as that
 * interval's residue. Architectures: each value the program compares the
 * architecture with (JEQ only), and one that it never names.
 */

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "seccomp-compact.h"

#define MAX_RESIDUE 256 /* instructions of one interval's argument checks */
#define MAX_POINTS  8192

enum { T_NR, T_ARCH, T_OTHER }; /* what A holds */

struct buf {
	struct sock_filter *f;
	size_t n, cap;
};

static void put(struct buf *b, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->f = xreallocarray(b->f, b->cap, sizeof(*b->f));
	}
	b->f[b->n++] = (struct sock_filter){ code, jt, jf, k };
}

static void put_all(struct buf *b, const struct sock_filter *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(b, f[i].code, f[i].jt, f[i].jf, f[i].k);
}

static bool load_ok(const struct sock_filter *f)
{
	return f->code == (BPF_LD | BPF_W | BPF_ABS) && f->k % 4 == 0 && f->k < 64;
}

static int alu(uint16_t op, uint32_t *a, uint32_t k)
{
	switch (op) {
	case BPF_ADD:
		*a += k;
		return 0;
	case BPF_SUB:
		*a -= k;
		return 0;
	case BPF_MUL:
		*a *= k;
		return 0;
	case BPF_DIV:
		if (!k)
			return -1;
		*a /= k;
		return 0;
	case BPF_MOD:
		if (!k)
			return -1;
		*a %= k;
		return 0;
	case BPF_OR:
		*a |= k;
		return 0;
	case BPF_AND:
		*a &= k;
		return 0;
	case BPF_XOR:
		*a ^= k;
		return 0;
	case BPF_LSH:
		if (k >= 32)
			return -1;
		*a <<= k;
		return 0;
	case BPF_RSH:
		if (k >= 32)
			return -1;
		*a >>= k;
		return 0;
	case BPF_NEG:
		*a = (uint32_t) - *a;
		return 0;
	default:
		return -1;
	}
}

/* 1 taken, 0 not, -1 not a comparison of ours */
static int cond(uint16_t op, uint32_t a, uint32_t k)
{
	switch (op) {
	case BPF_JEQ:
		return a == k;
	case BPF_JGT:
		return a > k;
	case BPF_JGE:
		return a >= k;
	case BPF_JSET:
		return (a & k) != 0;
	default:
		return -1;
	}
}

int64_t seccomp_bpf_run(const struct sock_filter *p, size_t n, const uint32_t d[16])
{
	uint32_t a = 0;

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &p[pc];
		int t;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (!load_ok(f))
				return -1;
			a = d[f->k / 4];
			break;
		case BPF_ALU:
			if (BPF_SRC(f->code) != BPF_K || alu(BPF_OP(f->code), &a, f->k) < 0)
				return -1;
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA) {
				pc += f->k;
				break;
			}
			t = BPF_SRC(f->code) == BPF_K ? cond(BPF_OP(f->code), a, f->k) : -1;
			if (t < 0)
				return -1;
			pc += t ? f->jt : f->jf;
			break;
		case BPF_RET:
			if (BPF_RVAL(f->code) == BPF_K)
				return f->k;
			if (BPF_RVAL(f->code) == BPF_A)
				return a;
			return -1;
		default:
			return -1;
		}
	}
	return -1;
}

/* ---- what the program compares the number and the architecture with ---- */

struct scan {
	const struct sock_filter *p;
	size_t n;
	uint8_t *seen; /* [pc * 3 + tag] */
	uint32_t *archs, *points, *consts;
	size_t n_archs, n_points, n_consts;
	bool bad;
};

static void push(struct scan *s, uint32_t **v, size_t *n, uint32_t x)
{
	if (*n >= MAX_POINTS) {
		s->bad = true;
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = x;
}

static void scan(struct scan *s, size_t pc, int tag, unsigned depth)
{
	while (!s->bad) {
		const struct sock_filter *f;
		uint16_t op;

		if (pc >= s->n || depth > 4096) {
			s->bad = true;
			return;
		}
		if (s->seen[pc * 3 + (size_t)tag])
			return;
		s->seen[pc * 3 + (size_t)tag] = 1;
		f = &s->p[pc];
		op = BPF_OP(f->code);
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (!load_ok(f)) {
				s->bad = true;
				return;
			}
			tag = f->k == 0 ? T_NR : f->k == 4 ? T_ARCH : T_OTHER;
			pc++;
			break;
		case BPF_ALU:
			if (BPF_SRC(f->code) != BPF_K || tag != T_OTHER) {
				s->bad = true;
				return;
			}
			push(s, &s->consts, &s->n_consts, f->k);
			pc++;
			break;
		case BPF_JMP:
			if (op == BPF_JA) {
				pc += 1 + (size_t)f->k;
				break;
			}
			if (BPF_SRC(f->code) != BPF_K || cond(op, 0, 0) < 0 ||
			    (tag == T_ARCH && op != BPF_JEQ) || (tag == T_NR && op == BPF_JSET)) {
				s->bad = true;
				return;
			}
			if (tag == T_ARCH)
				push(s, &s->archs, &s->n_archs, f->k);
			else if (tag == T_OTHER)
				push(s, &s->consts, &s->n_consts, f->k);
			else if (op == BPF_JGE)
				push(s, &s->points, &s->n_points, f->k);
			else if (f->k != UINT32_MAX)
				push(s, &s->points, &s->n_points, f->k + 1);
			if (tag == T_NR && op == BPF_JEQ)
				push(s, &s->points, &s->n_points, f->k);
			scan(s, pc + 1 + f->jt, tag, depth + 1);
			pc += 1 + (size_t)f->jf;
			break;
		case BPF_RET:
			if (BPF_RVAL(f->code) != BPF_K &&
			    (BPF_RVAL(f->code) != BPF_A || tag != T_OTHER))
				s->bad = true;
			return;
		default:
			s->bad = true;
			return;
		}
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static size_t sort_unique(uint32_t *v, size_t n)
{
	size_t m = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (!m || v[m - 1] != v[i])
			v[m++] = v[i];
	return m;
}

/* ---- the program run with a known number and architecture ---- */

struct leaf {
	struct sock_filter *f; /* one RET K, or the residue */
	size_t n;
};

/*
 * From pc with A known (the number or the architecture) or not: the next
 * instruction that must be kept, or SIZE_MAX when the program is not ours.
 */
static size_t resolve(const struct sock_filter *p, size_t n, size_t pc, int tag, uint32_t nr,
		      uint32_t arch)
{
	for (unsigned steps = 0; pc < n && steps < 65536; steps++) {
		const struct sock_filter *f = &p[pc];
		int t;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (f->k != 0 && f->k != 4)
				return pc;
			tag = f->k == 0 ? T_NR : T_ARCH;
			pc++;
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA) {
				pc += 1 + (size_t)f->k;
				break;
			}
			if (tag == T_OTHER)
				return pc;
			t = cond(BPF_OP(f->code), tag == T_NR ? nr : arch, f->k);
			if (t < 0)
				return SIZE_MAX;
			pc += 1 + (size_t)(t ? f->jt : f->jf);
			break;
		case BPF_RET:
			if (BPF_RVAL(f->code) != BPF_K && tag != T_OTHER)
				return SIZE_MAX;
			return pc;
		default: /* ALU: on the number or the architecture the scan refused it */
			return tag == T_OTHER ? pc : SIZE_MAX;
		}
	}
	return SIZE_MAX;
}

static int node_index(const size_t *nodes, size_t n, size_t pc)
{
	for (size_t i = 0; i < n; i++)
		if (nodes[i] == pc)
			return (int)i;
	return -1;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The decision for (nr, arch): a return, or the instructions kept. */
static int specialize(const struct sock_filter *p, size_t n, uint32_t nr, uint32_t arch,
		      struct leaf *out)
{
	size_t nodes[MAX_RESIDUE], n_nodes = 0, todo[MAX_RESIDUE], n_todo = 0, entry;

	entry = resolve(p, n, 0, T_OTHER, nr, arch);
	if (entry == SIZE_MAX)
		return -1;
	nodes[n_nodes++] = todo[n_todo++] = entry;
	while (n_todo) {
		size_t pc = todo[--n_todo], next[2];
		const struct sock_filter *f = &p[pc];
		int k = 0;

		if (BPF_CLASS(f->code) == BPF_RET)
			continue;
		if (BPF_CLASS(f->code) == BPF_JMP) {
			next[k++] = resolve(p, n, pc + 1 + f->jt, T_OTHER, nr, arch);
			next[k++] = resolve(p, n, pc + 1 + f->jf, T_OTHER, nr, arch);
		} else { /* a load of another field, or ALU on it */
			next[k++] = resolve(p, n, pc + 1, T_OTHER, nr, arch);
		}
		for (int i = 0; i < k; i++) {
			if (next[i] == SIZE_MAX || next[i] <= pc)
				return -1;
			if (node_index(nodes, n_nodes, next[i]) >= 0)
				continue;
			if (n_nodes == MAX_RESIDUE)
				return -1;
			nodes[n_nodes++] = todo[n_todo++] = next[i];
		}
	}
	/* jumps go forward: the program's order is an order of the residue */
	qsort(nodes, n_nodes, sizeof(*nodes), cmp_size);
	out->f = xnew(struct sock_filter, n_nodes);
	out->n = n_nodes;
	for (size_t i = 0; i < n_nodes; i++) {
		const struct sock_filter *f = &p[nodes[i]];

		out->f[i] = *f;
		if (BPF_CLASS(f->code) == BPF_JMP) {
			int t = node_index(nodes, n_nodes,
					   resolve(p, n, nodes[i] + 1 + f->jt, T_OTHER, nr, arch));
			int e = node_index(nodes, n_nodes,
					   resolve(p, n, nodes[i] + 1 + f->jf, T_OTHER, nr, arch));

			if (t <= (int)i || e <= (int)i || t - (int)i - 1 > 255 ||
			    e - (int)i - 1 > 255) {
				free(out->f);
				return -1;
			}
			out->f[i].jt = (uint8_t)(t - (int)i - 1);
			out->f[i].jf = (uint8_t)(e - (int)i - 1);
		}
	}
	return 0;
}

static bool leaf_eq(const struct leaf *a, const struct leaf *b)
{
	return a->n == b->n && !memcmp(a->f, b->f, a->n * sizeof(*a->f));
}

/*
 * [lo, hi) as one block: the tree's comparisons, then each distinct leaf
 * once, which they jump to (most leaves are one of three returns). NULL when
 * that block is too long for the comparisons' 8-bit jumps.
 */
struct node {
	uint32_t at;
	long left, right; /* a node, or -1 - the leaf's place in the pool */
};

static long place(struct node *nodes, size_t *n_nodes, const uint32_t *start, const size_t *in_pool,
		  size_t lo, size_t hi)
{
	size_t me, mid;

	if (hi - lo == 1)
		return -1 - (long)in_pool[lo];
	me = (*n_nodes)++;
	mid = lo + (hi - lo) / 2;
	nodes[me].at = start[mid];
	nodes[me].left = place(nodes, n_nodes, start, in_pool, lo, mid);
	nodes[me].right = place(nodes, n_nodes, start, in_pool, mid, hi);
	return (long)me;
}

static bool emit_pooled(struct buf *b, const uint32_t *start, const struct leaf *leaf, size_t lo,
			size_t hi)
{
	size_t n = hi - lo, n_pool = 0, size = n - 1, n_nodes = 0;
	size_t *pool = xnew(size_t, n), *in_pool = xnew(size_t, hi), *at = xnew(size_t, n);
	struct node *nodes = xnew(struct node, n);
	bool ok;

	for (size_t i = lo; i < hi; i++) {
		size_t k = 0;

		while (k < n_pool && !leaf_eq(&leaf[pool[k]], &leaf[i]))
			k++;
		if (k == n_pool) {
			pool[n_pool++] = i;
			size += leaf[i].n;
		}
		in_pool[i] = k;
	}
	ok = size <= 256;
	if (ok) {
		place(nodes, &n_nodes, start, in_pool, lo, hi);
		for (size_t k = 0, pos = n_nodes; k < n_pool; k++) {
			at[k] = pos;
			pos += leaf[pool[k]].n;
		}
		for (size_t i = 0; i < n_nodes; i++) {
			size_t t = nodes[i].right >= 0 ? (size_t)nodes[i].right
						       : at[-1 - nodes[i].right];
			size_t f =
				nodes[i].left >= 0 ? (size_t)nodes[i].left : at[-1 - nodes[i].left];

			put(b, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)(t - i - 1),
			    (uint8_t)(f - i - 1), nodes[i].at);
		}
		for (size_t k = 0; k < n_pool; k++)
			put_all(b, leaf[pool[k]].f, leaf[pool[k]].n);
	}
	free(pool);
	free(in_pool);
	free(at);
	free(nodes);
	return ok;
}

/* A search tree over intervals [lo, hi): A holds the number. */
static void emit_tree(struct buf *b, const uint32_t *start, const struct leaf *leaf, size_t lo,
		      size_t hi)
{
	struct buf left = { 0 };
	size_t mid;

	if (emit_pooled(b, start, leaf, lo, hi))
		return;
	mid = lo + (hi - lo) / 2;
	emit_tree(&left, start, leaf, lo, mid);
	if (left.n <= 255) {
		put(b, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)left.n, 0, start[mid]);
	} else {
		put(b, BPF_JMP | BPF_JGE | BPF_K, 0, 1, start[mid]);
		put(b, BPF_JMP | BPF_JA, 0, 0, (uint32_t)left.n);
	}
	put_all(b, left.f, left.n);
	free(left.f);
	emit_tree(b, start, leaf, mid, hi);
}

/* One architecture's block: its intervals' tree, or its one decision. */
static int emit_arch(struct buf *b, const struct sock_filter *p, size_t n, uint32_t arch,
		     const uint32_t *points, size_t n_points)
{
	struct leaf *leaf = xnew(struct leaf, n_points);
	uint32_t *start = xnew(uint32_t, n_points);
	size_t m = 0;
	int r = 0;

	for (size_t i = 0; i < n_points; i++) {
		struct leaf l;

		if (specialize(p, n, points[i], arch, &l) < 0) {
			r = -1;
			break;
		}
		if (m && leaf_eq(&leaf[m - 1], &l)) {
			free(l.f);
			continue;
		}
		leaf[m] = l;
		start[m++] = points[i];
	}
	if (r == 0) {
		if (m > 1)
			put(b, BPF_LD | BPF_W | BPF_ABS, 0, 0, 0);
		emit_tree(b, start, leaf, 0, m);
	}
	for (size_t i = 0; i < m; i++)
		free(leaf[i].f);
	free(leaf);
	free(start);
	return r;
}

/* ---- the check: both programs on the same data ---- */

static uint32_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 32);
}

static bool same_on(const struct sock_filter *p, size_t n, const struct sock_filter *q, size_t m,
		    uint32_t arch, uint32_t nr, const uint32_t *consts, size_t n_consts)
{
	uint32_t d[16];
	uint64_t seed = ((uint64_t)arch << 32) ^ nr;

	for (size_t set = 0; set < n_consts + 4; set++) {
		for (size_t w = 2; w < 16; w++)
			d[w] = set == 0	  ? 0
			       : set == 1 ? UINT32_MAX
			       : set < 4  ? lcg(&seed)
			       : w % 2	  ? (set % 3 ? 0 : consts[set - 4])
					  : consts[set - 4];
		d[0] = nr;
		d[1] = arch;
		if (seccomp_bpf_run(p, n, d) != seccomp_bpf_run(q, m, d) ||
		    seccomp_bpf_run(p, n, d) < 0)
			return false;
	}
	return true;
}

struct sock_filter *seccomp_compact(const struct sock_filter *p, size_t n, size_t *ret_n)
{
	struct scan s = { .p = p, .n = n };
	struct buf b = { 0 };
	size_t *ja = NULL, n_classes;
	uint32_t other = 0;
	bool ok;

	if (n == 0 || n > BPF_MAXINSNS || !load_ok(&p[0]))
		return NULL;
	s.seen = xnew(uint8_t, n * 3);
	scan(&s, 0, T_OTHER, 0);
	push(&s, &s.points, &s.n_points, 0);
	s.n_points = sort_unique(s.points, s.n_points);
	s.n_archs = sort_unique(s.archs, s.n_archs);
	s.n_consts = sort_unique(s.consts, s.n_consts);
	ok = !s.bad && s.n_consts < 64;
	for (size_t i = 0; ok && i < s.n_archs && s.archs[i] == other; i++)
		other++; /* sorted: the first value not among them */
	/* LD arch; per architecture JEQ + JA to its block; the unnamed one's block; the rest */
	n_classes = ok ? s.n_archs : 0;
	ja = xnew(size_t, n_classes + 1);
	if (ok) {
		put(&b, BPF_LD | BPF_W | BPF_ABS, 0, 0, 4);
		for (size_t i = 0; i < n_classes; i++) {
			put(&b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, s.archs[i]);
			ja[i] = b.n;
			put(&b, BPF_JMP | BPF_JA, 0, 0, 0);
		}
		ok = emit_arch(&b, p, n, other, s.points, s.n_points) == 0;
	}
	for (size_t i = 0; ok && i < n_classes; i++) {
		b.f[ja[i]].k = (uint32_t)(b.n - ja[i] - 1);
		ok = emit_arch(&b, p, n, s.archs[i], s.points, s.n_points) == 0;
	}
	ok = ok && b.n < n && b.n <= BPF_MAXINSNS;
	/* every architecture (and two it does not name), at each interval's start and end */
	for (size_t i = 0; ok && i < n_classes + 3; i++) {
		uint32_t arch = i < n_classes	     ? s.archs[i]
				: i == n_classes     ? other
				: i == n_classes + 1 ? 0
						     : UINT32_MAX;

		for (size_t j = 0; ok && j < s.n_points; j++)
			ok = same_on(p, n, b.f, b.n, arch, s.points[j], s.consts, s.n_consts) &&
			     same_on(p, n, b.f, b.n, arch,
				     j + 1 < s.n_points ? s.points[j + 1] - 1 : UINT32_MAX,
				     s.consts, s.n_consts);
	}
	free(s.seen);
	free(s.archs);
	free(s.points);
	free(s.consts);
	free(ja);
	if (!ok) {
		free(b.f);
		return NULL;
	}
	*ret_n = b.n;
	return b.f;
}
