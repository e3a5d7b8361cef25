/* linux.seccomp through libseccomp: parse, compile in the parent, load last. */

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json-c/json.h>
#include <seccomp.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "seccomp-compact.h"
#include "seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define SECCOMP_MAX_SYSCALLS 4096

const char *const seccomp_action_names[] = {
	"SCMP_ACT_KILL",	"SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO",	"SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW",	"SCMP_ACT_LOG",
	"SCMP_ACT_NOTIFY",	NULL,
};

const char *const seccomp_operator_names[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

const char *const seccomp_flag_names[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	NULL,
};

static int __attribute__((format(printf, 3, 4)))
sc_error(struct pea_error **err, const char *path, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	return pea_error_new(err, EINVAL, "%s: %s", path, msg);
}

/* An action name and its errnoRet: the libseccomp action. */
static int parse_action(struct json_object *o, const char *path, const char *key,
			const char *errno_key, uint32_t *ret, bool *notify, struct pea_error **err)
{
	const char *name = NULL;
	int64_t eno = -1;
	int has_errno;

	if (pea_json_get_string_req(o, path, key, &name, err) < 0)
		return -EINVAL;
	has_errno = pea_json_get_int64_opt(o, path, errno_key, &eno, err);
	if (has_errno < 0)
		return -EINVAL;
	if (has_errno && (eno < 0 || eno > 4095))
		return sc_error(err, path, "%s %lld is out of range", errno_key, (long long)eno);
	if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
		*ret = SCMP_ACT_KILL_THREAD;
	else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
		*ret = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
		*ret = SCMP_ACT_TRAP;
	else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
		*ret = SCMP_ACT_ERRNO((uint16_t)(has_errno ? eno : EPERM));
	else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
		*ret = SCMP_ACT_TRACE((uint16_t)(has_errno ? eno : EPERM));
	else if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
		*ret = SCMP_ACT_ALLOW;
	else if (strcmp(name, "SCMP_ACT_LOG") == 0)
		*ret = SCMP_ACT_LOG;
	else if (strcmp(name, "SCMP_ACT_NOTIFY") == 0) {
		*ret = SCMP_ACT_NOTIFY;
		*notify = true;
	} else
		return sc_error(err, path, "%s: unknown action '%s'", key, name);
	return 0;
}

static int parse_op(const char *name, int *ret)
{
	static const int ops[] = { SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,	SCMP_CMP_EQ,
				   SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ };

	for (size_t i = 0; seccomp_operator_names[i]; i++)
		if (strcmp(name, seccomp_operator_names[i]) == 0) {
			*ret = ops[i];
			return 0;
		}
	return -1;
}

static int parse_syscall(struct json_object *e, const char *path, struct spec_seccomp *s,
			 struct spec_seccomp_syscall *sc, struct pea_error **err)
{
	_cleanup_free_ char *ap = NULL;
	struct json_object *args = NULL;
	size_t n;

	if (pea_json_expect_object(e, path, err) < 0 ||
	    pea_json_get_strv_opt(e, path, "names", &sc->names, err) < 0 ||
	    parse_action(e, path, "action", "errnoRet", &sc->action, &s->notify, err) < 0 ||
	    pea_json_get_array_opt(e, path, "args", &args, err) < 0)
		return -EINVAL;
	if (!sc->names || !sc->names[0])
		return sc_error(err, path, "names: at least one syscall");
	/* the runtime writes to its sync pipe and the agent's socket under the filter (runc's
	 * check) */
	for (size_t i = 0; sc->action == SCMP_ACT_NOTIFY && sc->names[i]; i++)
		if (strcmp(sc->names[i], "write") == 0)
			return sc_error(err, path,
					"SCMP_ACT_NOTIFY cannot be used for the write syscall");
	n = args ? json_object_array_length(args) : 0;
	if (n > 6)
		return sc_error(err, path, "args: at most 6");
	ap = pea_json_path_key(path, "args");
	sc->args = xnew(struct spec_seccomp_arg, n + 1);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *ep = pea_json_path_index(ap, i);
		struct json_object *a = json_object_array_get_idx(args, i);
		struct spec_seccomp_arg *arg = &sc->args[i];
		const char *op = NULL;
		uint32_t index = 0;

		if (pea_json_expect_object(a, ep, err) < 0 ||
		    pea_json_get_uint32_opt(a, ep, "index", &index, err) < 0 ||
		    pea_json_get_uint64_opt(a, ep, "value", &arg->value, err) < 0 ||
		    pea_json_get_uint64_opt(a, ep, "valueTwo", &arg->value_two, err) < 0 ||
		    pea_json_get_string_req(a, ep, "op", &op, err) < 0)
			return -EINVAL;
		if (index > 5)
			return sc_error(err, ep, "index %u: syscalls have 6 arguments", index);
		if (parse_op(op, &arg->op) < 0)
			return sc_error(err, ep, "op: unknown operator '%s'", op);
		arg->index = index;
		sc->n_args = i + 1;
	}
	return 0;
}

static int parse_flags(struct json_object *o, struct spec_seccomp *s, struct pea_error **err)
{
	_cleanup_strv_ char **flags = NULL;
	static const unsigned values[] = { SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG,
					   SECCOMP_FILTER_FLAG_SPEC_ALLOW,
					   SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV };

	if (pea_json_get_strv_opt(o, "linux.seccomp", "flags", &flags, err) < 0)
		return -EINVAL;
	for (size_t i = 0; flags && flags[i]; i++) {
		bool known = false;

		for (size_t k = 0; seccomp_flag_names[k]; k++)
			if (strcmp(flags[i], seccomp_flag_names[k]) == 0) {
				s->flags |= values[k];
				known = true;
			}
		if (!known)
			return sc_error(err, "linux.seccomp.flags", "unknown flag '%s'", flags[i]);
	}
	return 0;
}

static int parse_archs(struct json_object *o, struct spec_seccomp *s, struct pea_error **err)
{
	_cleanup_strv_ char **archs = NULL;

	if (pea_json_get_strv_opt(o, "linux.seccomp", "architectures", &archs, err) < 0)
		return -EINVAL;
	for (size_t i = 0; archs && archs[i]; i++) {
		_cleanup_free_ char *lower = NULL;

		if (strncmp(archs[i], "SCMP_ARCH_", 10) != 0)
			return sc_error(err, "linux.seccomp.architectures", "unknown '%s'",
					archs[i]);
		lower = xstrdup(archs[i] + 10);
		for (char *c = lower; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		if (seccomp_arch_resolve_name(lower) == 0)
			return sc_error(err, "linux.seccomp.architectures", "unknown '%s'",
					archs[i]);
		pea_strv_push(&s->archs, lower);
	}
	return 0;
}

int spec_seccomp_parse(struct json_object *o, struct spec_seccomp **ret, struct pea_error **err)
{
	struct spec_seccomp *s = xnew(struct spec_seccomp, 1);
	struct json_object *arr = NULL;
	const char *lp = NULL, *md = NULL;
	size_t n;

	if (pea_json_expect_object(o, "linux.seccomp", err) < 0 ||
	    parse_action(o, "linux.seccomp", "defaultAction", "defaultErrnoRet", &s->default_action,
			 &s->notify, err) < 0 ||
	    parse_archs(o, s, err) < 0 || parse_flags(o, s, err) < 0 ||
	    pea_json_get_string_opt(o, "linux.seccomp", "listenerPath", &lp, err) < 0 ||
	    pea_json_get_string_opt(o, "linux.seccomp", "listenerMetadata", &md, err) < 0 ||
	    pea_json_get_array_opt(o, "linux.seccomp", "syscalls", &arr, err) < 0)
		goto fail;
	n = arr ? json_object_array_length(arr) : 0;
	if (n > SECCOMP_MAX_SYSCALLS) {
		sc_error(err, "linux.seccomp.syscalls", "too many entries");
		goto fail;
	}
	s->syscalls = xnew(struct spec_seccomp_syscall, n + 1);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *ep = pea_json_path_index("linux.seccomp.syscalls", i);

		s->n_syscalls = i + 1;
		if (parse_syscall(json_object_array_get_idx(arr, i), ep, s, &s->syscalls[i], err) <
		    0)
			goto fail;
	}
	s->listener_path = lp && *lp ? xstrdup(lp) : NULL;
	s->listener_metadata = md && *md ? xstrdup(md) : NULL;
	s->source = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	if (s->notify && !s->listener_path) {
		sc_error(err, "linux.seccomp", "SCMP_ACT_NOTIFY needs listenerPath");
		goto fail;
	}
	if (s->default_action == SCMP_ACT_NOTIFY) {
		sc_error(err, "linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY is not allowed");
		goto fail;
	}
	/* as crun: a listenerPath gets the listener even when no rule notifies (yet) */
	if (s->listener_path)
		s->notify = true;
	*ret = s;
	return 0;
fail:
	spec_seccomp_free(s);
	return -EINVAL;
}

struct spec_seccomp *spec_seccomp_free(struct spec_seccomp *s)
{
	if (!s)
		return NULL;
	pea_strv_free(s->archs);
	free(s->listener_path);
	free(s->listener_metadata);
	free(s->source);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		pea_strv_free(s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s);
	return NULL;
}

/* ---- compile and load ---------------------------------------------------------------- */

struct seccomp_filter {
	struct sock_filter *insns;
	size_t n;
	unsigned flags;
	bool allows_dmz; /* seccomp_allows(seccomp_dmz_calls) without a listener */
};

const char *const seccomp_dmz_calls[] = { "execveat", "execve", "read",	      "write",
					  "close",    "exit",	"exit_group", NULL };

bool seccomp_filter_allows_dmz(const struct seccomp_filter *f)
{
	return f->allows_dmz;
}

static bool same_index_twice(const struct spec_seccomp_syscall *sc)
{
	for (size_t i = 0; i < sc->n_args; i++)
		for (size_t j = i + 1; j < sc->n_args; j++)
			if (sc->args[i].index == sc->args[j].index)
				return true;
	return false;
}

static int add_rules(scmp_filter_ctx ctx, const struct spec_seccomp *s, struct pea_error **err)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct spec_seccomp_syscall *sc = &s->syscalls[i];
		struct scmp_arg_cmp cmp[6];

		for (size_t k = 0; k < sc->n_args; k++)
			cmp[k] = (struct scmp_arg_cmp){ sc->args[k].index,
							(enum scmp_compare)sc->args[k].op,
							sc->args[k].value, sc->args[k].value_two };
		if (sc->action == s->default_action)
			continue; /* libseccomp refuses a rule that changes nothing */
		for (size_t j = 0; sc->names[j]; j++) {
			int nr = seccomp_syscall_resolve_name(sc->names[j]);
			int r = 0;

			if (nr == __NR_SCMP_ERROR)
				continue; /* not a syscall of this kernel/arch: ignored, as runc
					     does */
			if (!same_index_twice(sc))
				r = seccomp_rule_add_array(ctx, sc->action, nr,
							   (unsigned)sc->n_args, cmp);
			else
				/* the same argument twice: each comparison is a rule of its own */
				for (size_t k = 0; k < sc->n_args && r == 0; k++)
					r = seccomp_rule_add_array(ctx, sc->action, nr, 1, &cmp[k]);
			if (r < 0)
				return pea_error_code(err, -r,
						      "linux.seccomp.syscalls[%zu]: rule for '%s'",
						      i, sc->names[j]);
		}
	}
	return 0;
}

/*
 * -ENOSYS for the syscalls newer than the profile (as runc does). A profile
 * names the syscalls of its day; one added to the kernel later (clone3,
 * openat2, ...) got the default action, EPERM, and a libc that tries the
 * new call first takes EPERM as a real refusal, where ENOSYS makes it fall
 * back to the old one. So, per architecture, a syscall number above the
 * highest the profile names (any action) returns ENOSYS: a stub prepended to
 * libseccomp's program, which runs for every other number. Not done when
 * the default action allows (nothing to fix) or when no name resolves.
 */
#define X32_BIT 0x40000000u

struct stub_arch {
	uint32_t arch; /* AUDIT_ARCH_* (SCMP_ARCH_* are the same values) */
	long max;      /* highest number named, -1: none */
	long max_x32;  /* x86_64 only: the highest x32 number named (with X32_BIT), -1: none */
};

/* Labels of the stub's jumps: >= 0 an arch block, else these. */
enum { L_NEXT = -1, L_ENOSYS = -2, L_MAIN = -3, L_X32 = -4 };

struct stub_insn {
	struct sock_filter f;
	int jt, jf; /* labels, for jumps */
	int block;  /* the arch block this insn starts, or -1 */
};

static long max_named(const struct spec_seccomp *s, uint32_t arch)
{
	long max = -1;

	for (size_t i = 0; i < s->n_syscalls; i++)
		for (size_t j = 0; s->syscalls[i].names[j]; j++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, s->syscalls[i].names[j]);

			/* negative: unknown, or a multiplexed pseudo-number (x86's socketcall) */
			if (nr >= 0 && nr > max)
				max = nr;
		}
	return max;
}

static void stub_add_arch(struct stub_arch *a, size_t *n, const struct spec_seccomp *s,
			  uint32_t arch)
{
	uint32_t audit = arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : arch;
	size_t i;

	for (i = 0; i < *n && a[i].arch != audit; i++)
		;
	if (i == *n) {
		a[i] = (struct stub_arch){ audit, -1, -1 };
		(*n)++;
	}
	if (arch == SCMP_ARCH_X32) {
		long m = max_named(s, arch);

		a[i].max_x32 = m < 0 ? -1 : (long)((unsigned long)m | X32_BIT);
	} else {
		a[i].max = max_named(s, arch);
	}
}

static void stub_emit(struct stub_insn *p, size_t *n, uint16_t code, uint32_t k, int jt, int jf,
		      int block)
{
	p[*n] = (struct stub_insn){ { code, 0, 0, k }, jt, jf, block };
	(*n)++;
}

/* The stub followed by prog, or NULL when no stub is needed. */
static struct sock_filter *enosys_stub(const struct spec_seccomp *s, const struct sock_filter *prog,
				       size_t n_prog, size_t *ret_n)
{
	struct stub_arch archs[32];
	struct stub_insn ins[256]; /* at most 3 + 32 * 6 */
	size_t n_archs = 0, n = 0, enosys = 0, x32 = 0, block_at[32] = { 0 };
	struct sock_filter *out;
	uint32_t act = s->default_action;

	if (act == SCMP_ACT_ALLOW || act == SCMP_ACT_LOG || act == SCMP_ACT_ERRNO(ENOSYS))
		return NULL;
	stub_add_arch(archs, &n_archs, s, seccomp_arch_native());
	for (size_t i = 0; s->archs && s->archs[i] && n_archs < ARRAY_SIZE(archs) - 1; i++) {
		uint32_t a = seccomp_arch_resolve_name(s->archs[i]);

		if (a)
			stub_add_arch(archs, &n_archs, s, a);
	}
	stub_emit(ins, &n, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0, -1);
	for (size_t i = 0; i < n_archs; i++)
		if (archs[i].max >= 0 || archs[i].max_x32 >= 0)
			stub_emit(ins, &n, BPF_JMP | BPF_JEQ | BPF_K, archs[i].arch, (int)i, L_NEXT,
				  -1);
	stub_emit(ins, &n, BPF_JMP | BPF_JA, 0, L_MAIN, L_MAIN, -1);
	for (size_t i = 0; i < n_archs; i++) {
		bool is64 = archs[i].arch == SCMP_ARCH_X86_64;

		if (archs[i].max < 0 && archs[i].max_x32 < 0)
			continue;
		stub_emit(ins, &n, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0,
			  0, (int)i);
		if (is64)
			stub_emit(ins, &n, BPF_JMP | BPF_JGE | BPF_K, X32_BIT,
				  archs[i].max_x32 >= 0 ? L_X32 : L_MAIN, L_NEXT, -1);
		if (archs[i].max >= 0)
			stub_emit(ins, &n, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)archs[i].max,
				  L_ENOSYS, L_MAIN, -1);
		else
			stub_emit(ins, &n, BPF_JMP | BPF_JA, 0, L_MAIN, L_MAIN, -1);
		if (is64 && archs[i].max_x32 >= 0) {
			x32 = n;
			stub_emit(ins, &n, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)archs[i].max_x32,
				  L_ENOSYS, L_MAIN, -1);
		}
	}
	enosys = n;
	stub_emit(ins, &n, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS, 0, 0, -1);
	for (size_t i = 0; i < n; i++)
		if (ins[i].block >= 0)
			block_at[ins[i].block] = i;
	/* resolve: relative offsets from the next insn; main starts at n */
	for (size_t i = 0; i < n; i++) {
		struct sock_filter *f = &ins[i].f;
		size_t t[2];
		int lab[2] = { ins[i].jt, ins[i].jf };

		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		for (int k = 0; k < 2; k++)
			t[k] = lab[k] >= 0	    ? block_at[lab[k]]
			       : lab[k] == L_NEXT   ? i + 1
			       : lab[k] == L_ENOSYS ? enosys
			       : lab[k] == L_X32    ? x32
						    : n;
		if (BPF_OP(f->code) == BPF_JA) {
			f->k = (uint32_t)(t[0] - i - 1);
			continue;
		}
		f->jt = (uint8_t)(t[0] - i - 1);
		f->jf = (uint8_t)(t[1] - i - 1);
	}
	out = xnew(struct sock_filter, n + n_prog);
	for (size_t i = 0; i < n; i++)
		out[i] = ins[i].f;
	memcpy(out + n, prog, n_prog * sizeof(*prog));
	*ret_n = n + n_prog;
	return out;
}

/*
 * The compile cache. libseccomp takes 20-27 ms here to compile a profile for
 * three architectures (x86_64, x86, x32, as podman's and pea's defaults ask),
 * for every container; the same profile compiles to the same program. So
 * programs are kept in ROOT/.seccomp-cache, a file each, named by a 64-bit
 * FNV-1a hash of their key and holding the whole key: a file is used only
 * when its key is the same byte for byte (a collision costs a compile, never
 * a wrong filter). The key: libseccomp's version and API level, the machine,
 * and linux.seccomp as config.json has it. Files are written whole under a
 * temporary name and renamed; anything unreadable or odd (an older version's
 * file too) is compiled again. The key does not name pea-runtime's own
 * version: CACHE_MAGIC's number goes up with any change to what a file holds
 * or to how its program is made (enosys_stub, seccomp_compact), else a newer
 * runtime loads an older one's program.
 */
#define CACHE_DIR ".seccomp-cache"
#define CACHE_MAGIC \
	"pea-seccomp-cache 6\n" /* 2: ENOSYS stub; 3: tree; 4: its hash; 5: compact; 6: meta */
#define CACHE_MAX (1 << 22)

/* libseccomp 2.5.4 or later: its binary tree keeps the default action of a filter without rules. */
static bool tree_safe(void)
{
	const struct scmp_version *v = seccomp_version();

	return v && (v->major > 2 ||
		     (v->major == 2 && (v->minor > 5 || (v->minor == 5 && v->micro >= 4))));
}

static char *cache_key_text(const char *source)
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;

	if (!source || !v || uname(&u) < 0)
		return NULL;
	return xasprintf("libseccomp %u.%u.%u api %u machine %s\n%s", v->major, v->minor, v->micro,
			 seccomp_api_get(), u.machine, source);
}

static char *cache_key(const struct spec_seccomp *s)
{
	return cache_key_text(s->source);
}

static uint64_t fnv1a(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static char *cache_name(const char *key)
{
	return xasprintf(CACHE_DIR "/%016llx", (unsigned long long)fnv1a(key, strlen(key)));
}

/*
 * The cached program for key, or NULL. After the key's NUL, the hash (16 hex
 * digits) of what follows, then its meta (the load's flags and whether the
 * dmz's calls pass, two 32-bit words: what create needs of the profile when
 * it does not parse it, spec_load_deferred) and the program: one torn by a
 * crash before its blocks reached the disk, or altered, can still pass the
 * kernel's checks as another filter; it is compiled again instead.
 */
#define SUM_LEN	 16
#define META_LEN 8

static struct seccomp_filter *cache_load(int dirfd, const char *name, const char *key)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, klen = strlen(key), mlen = strlen(CACHE_MAGIC), blen;
	const char *prog, *meta;
	char sum[SUM_LEN + 1];
	uint32_t words[2];
	struct seccomp_filter *f;

	if (fd < 0 || pea_read_all(fd, CACHE_MAX + klen + 64, &buf, &len, NULL) < 0)
		return NULL;
	if (len < mlen + klen + 1 + SUM_LEN || memcmp(buf, CACHE_MAGIC, mlen) != 0 ||
	    memcmp(buf + mlen, key, klen) != 0 || buf[mlen + klen] != '\0')
		return NULL;
	meta = buf + mlen + klen + 1 + SUM_LEN;
	if (len < mlen + klen + 1 + SUM_LEN + META_LEN)
		return NULL;
	prog = meta + META_LEN;
	blen = len - mlen - klen - 1 - SUM_LEN - META_LEN;
	if (blen == 0 || blen % sizeof(struct sock_filter) != 0 ||
	    blen / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return NULL;
	snprintf(sum, sizeof(sum), "%016llx", (unsigned long long)fnv1a(meta, META_LEN + blen));
	if (memcmp(sum, buf + mlen + klen + 1, SUM_LEN) != 0)
		return NULL;
	memcpy(words, meta, META_LEN);
	f = xnew(struct seccomp_filter, 1);
	f->flags = words[0];
	f->allows_dmz = words[1] & 1;
	f->n = blen / sizeof(struct sock_filter);
	f->insns = xmalloc(blen);
	memcpy(f->insns, prog, blen);
	return f;
}

/* Best effort: a cache that cannot be written is only slower. */
static void cache_store(int dirfd, const char *name, const char *key,
			const struct seccomp_filter *f)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", name, (int)getpid());
	_cleanup_free_ char *body = NULL;
	_cleanup_close_ int fd = -1;
	size_t blen = META_LEN + f->n * sizeof(struct sock_filter);
	uint32_t words[2] = { f->flags, f->allows_dmz ? 1 : 0 };
	char sum[SUM_LEN + 1];
	bool ok;

	if (mkdirat(dirfd, CACHE_DIR, 0700) < 0 && errno != EEXIST)
		return;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	body = xmalloc(blen);
	memcpy(body, words, META_LEN);
	memcpy(body + META_LEN, f->insns, blen - META_LEN);
	snprintf(sum, sizeof(sum), "%016llx", (unsigned long long)fnv1a(body, blen));
	ok = pea_write_all(fd, CACHE_MAGIC, strlen(CACHE_MAGIC), NULL) == 0 &&
	     pea_write_all(fd, key, strlen(key) + 1, NULL) == 0 &&
	     pea_write_all(fd, sum, SUM_LEN, NULL) == 0 && pea_write_all(fd, body, blen, NULL) == 0;
	if (!ok || renameat(dirfd, tmp, dirfd, name) < 0)
		(void)unlinkat(dirfd, tmp, 0);
}

static bool passes(uint32_t action)
{
	return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG;
}

static bool allows_one(const struct spec_seccomp *s, const char *name)
{
	bool named = false;

	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct spec_seccomp_syscall *sc = &s->syscalls[i];

		for (size_t k = 0; sc->names && sc->names[k]; k++) {
			if (strcmp(sc->names[k], name) != 0)
				continue;
			if (!passes(sc->action))
				return false;
			named = named || sc->n_args == 0;
		}
	}
	return named || passes(s->default_action);
}

bool seccomp_allows(const struct spec_seccomp *s, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (!allows_one(s, names[i]))
			return false;
	return true;
}

/*
 * The program in fewer instructions where seccomp_compact finds them (same
 * decisions, checked there): each one costs the kernel ~0.4 us of CPU to
 * convert and JIT when the init loads it. podman's profile on x86_64, x86 and
 * x32: libseccomp's tree and the ENOSYS stub 1503 instructions, this 418.
 * Finding them takes ~13 ms there (most of it the check): only programs
 * that go to the cache are compacted, not an exec's, compiled each time.
 */
static void compact(struct seccomp_filter *f)
{
	size_t n = 0;
	struct sock_filter *c = seccomp_compact(f->insns, f->n, &n);

	if (!c) {
		log_debug("seccomp: the filter stays as libseccomp made it (%zu insns)", f->n);
		return;
	}
	log_debug("seccomp: %zu insns, %zu as libseccomp made it", n, f->n);
	free(f->insns);
	f->insns = c;
	f->n = n;
}

int seccomp_compile(const struct spec_seccomp *s, int cache_dirfd, struct seccomp_filter **ret,
		    struct pea_error **err)
{
	_cleanup_free_ char *key = cache_dirfd >= 0 ? cache_key(s) : NULL;
	_cleanup_free_ char *name = key ? cache_name(key) : NULL;
	scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int mfd = -1;
	_cleanup_free_ char *buf = NULL;
	struct seccomp_filter *f;
	size_t len = 0;
	int r;

	f = name ? cache_load(cache_dirfd, name, key) : NULL;
	if (f) {
		f->flags = s->flags | (s->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
		f->allows_dmz = !s->notify && seccomp_allows(s, seccomp_dmz_calls);
		*ret = f;
		return 0;
	}
	ctx = seccomp_init(s->default_action);
	if (!ctx)
		return pea_error_new(err, EINVAL, "linux.seccomp: libseccomp: cannot initialise");
	for (size_t i = 0; s->archs && s->archs[i]; i++) {
		r = seccomp_arch_add(ctx, seccomp_arch_resolve_name(s->archs[i]));
		if (r < 0 && r != -EEXIST) {
			seccomp_release(ctx);
			return pea_error_code(err, -r, "linux.seccomp.architectures: '%s'",
					      s->archs[i]);
		}
	}
	/* we load the program ourselves: no_new_privs is process.noNewPrivileges's business */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/*
	 * A binary tree by syscall number, not libseccomp's default list (one
	 * test after another). The kernel runs the program for every syscall
	 * number when it loads it (the allow cache, seccomp_cache_prepare): the
	 * list of podman's profile (1206 instructions, ~370 names on three
	 * architectures) took 1.5-1.6 ms of the init's CPU to load here, the tree
	 * (1503) 0.4-0.7 ms, and a filtered syscall walks at most 42 instructions,
	 * not up to 754. Same decisions either way; an older libseccomp without
	 * the attribute keeps the list, and so does one before 2.5.4, whose tree
	 * of a filter without rules lost its default action.
	 */
	if (!tree_safe() || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		log_debug("libseccomp: no binary tree, the filter is a list");
	if (add_rules(ctx, s, err) < 0) {
		seccomp_release(ctx);
		return -EINVAL;
	}
	mfd = memfd_create("pea-seccomp", MFD_CLOEXEC);
	r = mfd < 0 ? -errno : seccomp_export_bpf(ctx, mfd);
	seccomp_release(ctx);
	if (r < 0)
		return pea_error_code(err, -r, "linux.seccomp: export the filter");
	if (lseek(mfd, 0, SEEK_SET) < 0 || pea_read_all(mfd, 1 << 22, &buf, &len, err) < 0)
		return pea_error_errno(err, "linux.seccomp: read the filter back");
	f = xnew(struct seccomp_filter, 1);
	/* buf is malloc's: aligned for any type (a char * cast alone trips clang's -Wcast-align) */
	f->insns = enosys_stub(s, (const struct sock_filter *)(const void *)buf,
			       len / sizeof(struct sock_filter), &f->n);
	if (!f->insns) {
		f->n = len / sizeof(struct sock_filter);
		f->insns = xmalloc(len + 1);
		memcpy(f->insns, buf, len);
	}
	if (name) /* once, for the cache */
		compact(f);
	len = f->n * sizeof(struct sock_filter);
	f->flags = s->flags | (s->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
	f->allows_dmz = !s->notify && seccomp_allows(s, seccomp_dmz_calls);
	if (name && len > 0)
		cache_store(cache_dirfd, name, key, f);
	*ret = f;
	return 0;
}

int seccomp_cached(const char *root, const char *source, struct seccomp_filter **ret)
{
	_cleanup_free_ char *key = cache_key_text(source);
	_cleanup_free_ char *name = key ? cache_name(key) : NULL;
	_cleanup_close_ int dfd = -1;

	if (!name)
		return 0;
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	*ret = cache_load(dfd, name, key);
	/* a listener needs listenerPath, which only the parsed profile has */
	if (*ret && ((*ret)->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
		seccomp_filter_free(*ret);
		*ret = NULL;
	}
	return *ret != NULL;
}

int seccomp_apply(const struct seccomp_filter *f, struct pea_error **err)
{
	struct sock_fprog prog = { .len = (unsigned short)f->n, .filter = f->insns };
	long r;

	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog);
	if (r < 0 && errno == EACCES)
		return pea_error_errno(err, "linux.seccomp: load the filter (without "
					    "noNewPrivileges, CAP_SYS_ADMIN is needed)");
	if (r < 0)
		return pea_error_errno(err, "linux.seccomp: load the filter");
	return (int)r;
}

void seccomp_filter_free(struct seccomp_filter *f)
{
	if (!f)
		return;
	free(f->insns);
	free(f);
}

int seccomp_agent_connect(const char *path, int *ret_fd, struct pea_error **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(addr.sun_path))
		return pea_error_new(err, ENAMETOOLONG, "linux.seccomp.listenerPath '%s': too long",
				     path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pea_error_errno(err, "socket");
	/* runc's words: its test suite and its users look for them */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return pea_error_errno(err,
				       "linux.seccomp.listenerPath: failed to connect with seccomp "
				       "agent '%s'",
				       path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int seccomp_send_listener(int sock, int fd, pid_t pid, const char *state_json, const char *metadata,
			  struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object(), *state = NULL;
	struct json_object *fds = json_object_new_array(), *state_pid = NULL;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	const char *data;

	if (pea_json_parse(state_json, strlen(state_json), "state", &state, NULL) < 0 || !state)
		state = json_object_new_object();
	json_object_object_add(o, "ociVersion", json_object_new_string("1.2.0"));
	json_object_array_add(fds, json_object_new_string("seccompFd"));
	json_object_object_add(o, "fds", fds);
	if (pid > 0)
		json_object_object_add(o, "pid", json_object_new_int(pid));
	else if (json_object_object_get_ex(state, "pid", &state_pid))
		json_object_object_add(o, "pid", json_object_get(state_pid));
	json_object_object_add(o, "metadata", json_object_new_string(metadata ? metadata : ""));
	json_object_object_add(o, "state", json_object_get(state));
	data = pea_json_to_string(o);
	iov.iov_base = (void *)data;
	iov.iov_len = strlen(data);
	memset(&u, 0, sizeof(u));
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return pea_error_errno(err,
					       "linux.seccomp.listenerPath: send the listener");
	return 0;
}
