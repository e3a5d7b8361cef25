/*
 * --security-opt seccomp=FILE: a podman/Docker seccomp profile (containers/common's
 * seccomp.json format: defaultAction, archMap, syscalls with names, action,
 * errnoRet, args, includes and excludes) or an OCI linux.seccomp object, into
 * the OCI form for this machine (security-run.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/seccomp-profile.h"
#include "frontend/security-run.h"

#define SYSCALLS_MAX 4096
#define PROFILE_MAX  (4u << 20)

/*
 * config/seccomp.json in pea itself, so that a pea from the build folder and
 * an installed one apply the same default (the Makefile makes this object
 * depend on the file; make runs from the top of the tree).
 */
__asm__(".pushsection .rodata\n"
	".global pea_seccomp_builtin_start\n"
	".hidden pea_seccomp_builtin_start\n"
	".global pea_seccomp_builtin_end\n"
	".hidden pea_seccomp_builtin_end\n"
	"pea_seccomp_builtin_start:\n"
	".incbin \"config/seccomp.json\"\n"
	"pea_seccomp_builtin_end:\n"
	".popsection\n");
extern const char pea_seccomp_builtin_start[], pea_seccomp_builtin_end[];
#define NAMES_MAX 1024
#define ARGS_MAX  6

static const char *const actions[] = {
	"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	"SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",	   "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW", "SCMP_ACT_LOG",	   "SCMP_ACT_NOTIFY",
};

static const char *const ops[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

static bool one_of(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return true;
	return false;
}

static const char *native_scmp_arch(void)
{
	static const char *const map[][2] = {
		{ "amd64", "SCMP_ARCH_X86_64" },    { "arm64", "SCMP_ARCH_AARCH64" },
		{ "386", "SCMP_ARCH_X86" },	    { "arm", "SCMP_ARCH_ARM" },
		{ "ppc64le", "SCMP_ARCH_PPC64LE" }, { "s390x", "SCMP_ARCH_S390X" },
		{ "riscv64", "SCMP_ARCH_RISCV64" }, { "mips64le", "SCMP_ARCH_MIPSEL64" },
	};
	const char *arch = frontend_oci_arch();

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(map[i][0], arch) == 0)
			return map[i][1];
	return NULL;
}

static int action_of(struct json_object *o, const char *path, const char *key, bool required,
		     const char **ret, struct pea_error **err)
{
	int r = required ? pea_json_get_string_req(o, path, key, ret, err)
			 : pea_json_get_string_opt(o, path, key, ret, err);

	if (r < 0)
		return -1;
	if (r == 0 && !required)
		return 0;
	if (!one_of(*ret, actions, ARRAY_SIZE(actions)))
		return pea_error_new(err, EINVAL, "'%s%s%s': unknown action '%s'", path,
				     *path ? "." : "", key, *ret);
	return 1;
}

/* Major.minor of the running kernel, -2 when unknown (uname once: a profile asks ~60 times). */
static void kernel_version(int *ret_maj, int *ret_min)
{
	static int maj = -1, min = 0;
	struct utsname u;

	if (maj == -1 && (uname(&u) < 0 || sscanf(u.release, "%d.%d", &maj, &min) < 1))
		maj = -2;
	*ret_maj = maj;
	*ret_min = min;
}

/* The running kernel against "5.8" (minKernel). */
static bool kernel_at_least(const char *want)
{
	int maj, min, wmaj = 0, wmin = 0;

	kernel_version(&maj, &min);
	if (maj == -2 || sscanf(want, "%d.%d", &wmaj, &wmin) < 1)
		return true;
	return maj > wmaj || (maj == wmaj && min >= wmin);
}

static bool all_in(struct json_object *a, char *const *caps)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++)
		if (!pea_strv_contains(caps,
				       json_object_get_string(json_object_array_get_idx(a, i))))
			return false;
	return true;
}

static bool any_in(struct json_object *a, char *const *caps, const char *also)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));
		if (pea_strv_contains(caps, s) || (also && strcmp(s, also) == 0))
			return true;
	}
	return false;
}

/* includes: every cap and our arch (and the kernel); excludes: none of them. */
static int rule_applies(struct json_object *sc, const char *path, char *const *caps, bool *ret,
			struct pea_error **err)
{
	struct json_object *inc = NULL, *exc = NULL, *c = NULL, *a = NULL;
	const char *arch = frontend_oci_arch(), *minkernel = NULL;
	char *const one_arch[] = { (char *)arch, NULL };

	if (pea_json_get_object_opt(sc, path, "includes", &inc, err) < 0 ||
	    pea_json_get_object_opt(sc, path, "excludes", &exc, err) < 0)
		return -1;
	*ret = true;
	if (inc) {
		if (pea_json_get_array_opt(inc, path, "caps", &c, err) < 0 ||
		    pea_json_get_array_opt(inc, path, "arches", &a, err) < 0 ||
		    pea_json_get_string_opt(inc, path, "minKernel", &minkernel, err) < 0)
			return -1;
		if (!all_in(c, caps) || (a && !any_in(a, one_arch, NULL)) ||
		    (minkernel && !kernel_at_least(minkernel)))
			*ret = false;
	}
	if (exc) {
		c = a = NULL;
		if (pea_json_get_array_opt(exc, path, "caps", &c, err) < 0 ||
		    pea_json_get_array_opt(exc, path, "arches", &a, err) < 0)
			return -1;
		if (any_in(c, caps, NULL) || any_in(a, one_arch, NULL))
			*ret = false;
	}
	return 0;
}

static int convert_args(struct json_object *in, const char *path, struct json_object **ret,
			struct pea_error **err)
{
	struct json_object *args = NULL;
	_cleanup_json_ struct json_object *out = NULL;
	size_t n;

	if (pea_json_get_array_opt(in, path, "args", &args, err) < 0)
		return -1;
	*ret = NULL;
	if (!args)
		return 0;
	n = json_object_array_length(args);
	if (n > ARGS_MAX)
		return pea_error_new(err, EINVAL, "'%s.args': at most %d conditions", path,
				     ARGS_MAX);
	out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = pea_json_path_index(path, i);
		struct json_object *a = json_object_array_get_idx(args, i), *o;
		uint64_t index = 0, value = 0, two = 0;
		const char *op = NULL;
		int has_two;

		if (pea_json_expect_object(a, p, err) < 0 ||
		    pea_json_get_uint64_opt(a, p, "index", &index, err) < 0 ||
		    pea_json_get_uint64_opt(a, p, "value", &value, err) < 0 ||
		    (has_two = pea_json_get_uint64_opt(a, p, "valueTwo", &two, err)) < 0 ||
		    pea_json_get_string_req(a, p, "op", &op, err) < 0)
			return -1;
		if (index >= ARGS_MAX)
			return pea_error_new(err, EINVAL, "'%s.index': must be 0 to 5", p);
		if (!one_of(op, ops, ARRAY_SIZE(ops)))
			return pea_error_new(err, EINVAL, "'%s.op': unknown operator '%s'", p, op);
		o = json_object_new_object();
		json_object_object_add(o, "index", json_object_new_uint64(index));
		json_object_object_add(o, "value", json_object_new_uint64(value));
		if (has_two)
			json_object_object_add(o, "valueTwo", json_object_new_uint64(two));
		json_object_object_add(o, "op", json_object_new_string(op));
		json_object_array_add(out, o);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* One syscalls[] entry; *ret NULL when its includes/excludes leave it out. */
static int convert_syscall(struct json_object *sc, const char *path, char *const *caps,
			   struct json_object **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *out = json_object_new_object(), *args = NULL;
	_cleanup_strv_ char **names = NULL;
	const char *name = NULL, *action = NULL;
	int64_t errno_ret = 0;
	int has_errno;
	bool applies = true;

	if (pea_json_expect_object(sc, path, err) < 0 ||
	    pea_json_get_strv_opt(sc, path, "names", &names, err) < 0 ||
	    pea_json_get_string_opt(sc, path, "name", &name, err) < 0 ||
	    action_of(sc, path, "action", true, &action, err) < 0 ||
	    (has_errno = pea_json_get_int64_opt(sc, path, "errnoRet", &errno_ret, err)) < 0 ||
	    convert_args(sc, path, &args, err) < 0 ||
	    rule_applies(sc, path, caps, &applies, err) < 0)
		return -1;
	if (name)
		pea_strv_push(&names, name);
	if (!names || !names[0])
		return pea_error_new(err, EINVAL, "'%s': no syscall names", path);
	if (pea_strv_length(names) > NAMES_MAX)
		return pea_error_new(err, EINVAL, "'%s.names': too many", path);
	if (has_errno && (errno_ret < 0 || errno_ret > 4095))
		return pea_error_new(err, EINVAL, "'%s.errnoRet': must be 0 to 4095", path);
	*ret = NULL;
	if (!applies)
		return 0;
	{
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; names[i]; i++)
			json_object_array_add(a, json_object_new_string(names[i]));
		json_object_object_add(out, "names", a);
	}
	json_object_object_add(out, "action", json_object_new_string(action));
	if (has_errno)
		json_object_object_add(out, "errnoRet", json_object_new_int64(errno_ret));
	if (args)
		json_object_object_add(out, "args", TAKE_PTR(args));
	*ret = TAKE_PTR(out);
	return 0;
}

/* architectures, or archMap's entry for this machine (with its sub-architectures). */
static int convert_arches(struct json_object *in, struct json_object *out, struct pea_error **err)
{
	_cleanup_strv_ char **arches = NULL;
	struct json_object *map = NULL, *a = json_object_new_array();
	const char *native = native_scmp_arch();

	json_object_object_add(out, "architectures", a);
	if (pea_json_get_strv_opt(in, "", "architectures", &arches, err) < 0 ||
	    pea_json_get_array_opt(in, "", "archMap", &map, err) < 0)
		return -1;
	for (size_t i = 0; arches && arches[i]; i++)
		json_object_array_add(a, json_object_new_string(arches[i]));
	for (size_t i = 0; map && i < json_object_array_length(map); i++) {
		_cleanup_free_ char *p = pea_json_path_index("archMap", i);
		_cleanup_strv_ char **subs = NULL;
		struct json_object *m = json_object_array_get_idx(map, i);
		const char *arch = NULL;

		if (pea_json_expect_object(m, p, err) < 0 ||
		    pea_json_get_string_req(m, p, "architecture", &arch, err) < 0 ||
		    pea_json_get_strv_opt(m, p, "subArchitectures", &subs, err) < 0)
			return -1;
		if (!native || strcmp(arch, native) != 0)
			continue;
		json_object_array_add(a, json_object_new_string(arch));
		for (size_t k = 0; subs && subs[k]; k++)
			json_object_array_add(a, json_object_new_string(subs[k]));
	}
	return 0;
}

int seccomp_profile_convert(const char *text, size_t len, char *const *caps,
			    struct json_object **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *in = NULL, *out = json_object_new_object();
	struct json_object *syscalls = NULL, *list = json_object_new_array();
	const char *def = NULL;
	int64_t def_errno = 0;
	int has_errno;
	size_t n;

	json_object_object_add(out, "syscalls", list);
	if (pea_json_parse(text, len, "seccomp profile", &in, err) < 0)
		return -1;
	if (!in || pea_json_expect_object(in, "", err) < 0)
		return pea_error_new(err, EINVAL, "seccomp profile: not a JSON object");
	if (action_of(in, "", "defaultAction", true, &def, err) < 0 ||
	    (has_errno = pea_json_get_int64_opt(in, "", "defaultErrnoRet", &def_errno, err)) < 0 ||
	    pea_json_get_array_opt(in, "", "syscalls", &syscalls, err) < 0 ||
	    convert_arches(in, out, err) < 0)
		return -1;
	json_object_object_add(out, "defaultAction", json_object_new_string(def));
	if (has_errno)
		json_object_object_add(out, "defaultErrnoRet", json_object_new_int64(def_errno));
	n = syscalls ? json_object_array_length(syscalls) : 0;
	if (n > SYSCALLS_MAX)
		return pea_error_new(err, EINVAL, "'syscalls': at most %d rules", SYSCALLS_MAX);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = pea_json_path_index("syscalls", i);
		struct json_object *rule = NULL;

		if (convert_syscall(json_object_array_get_idx(syscalls, i), p, caps, &rule, err) <
		    0)
			return -1;
		if (rule)
			json_object_array_add(list, rule);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

void seccomp_profile_builtin(const char **ret_text, size_t *ret_len)
{
	*ret_text = pea_seccomp_builtin_start;
	/* two symbols around one blob: their distance, as addresses */
	*ret_len =
		(size_t)((uintptr_t)pea_seccomp_builtin_end - (uintptr_t)pea_seccomp_builtin_start);
}

int seccomp_profile_from_conf(struct json_object **sec, const char *path, struct pea_error **err)
{
	_cleanup_json_ struct json_object *conv = NULL;
	_cleanup_free_ char *text = NULL;
	bool privileged = false;
	size_t len = 0;

	if (!path || !*path)
		return 0;
	if (*sec &&
	    (json_object_object_get_ex(*sec, "seccomp_profile", NULL) ||
	     (pea_json_get_bool_opt(*sec, "", "privileged", &privileged, NULL) == 1 && privileged)))
		return 0;
	if (strcmp(path, "unconfined") != 0 &&
	    (pea_read_file_at(AT_FDCWD, path, PROFILE_MAX, &text, &len, err) < 0 ||
	     seccomp_profile_convert(text, len, NULL, &conv, err) < 0))
		return pea_error_wrap(err, "containers.conf: seccomp_profile '%s'", path);
	if (!*sec)
		*sec = json_object_new_object();
	json_object_object_add(*sec, "seccomp_profile", text ? json_object_new_string(text) : NULL);
	json_object_object_add(*sec, "seccomp_profile_path", json_object_new_string(path));
	return 0;
}

static char **spec_bounding(struct json_object *spec)
{
	struct json_object *proc = NULL, *caps = NULL, *bnd = NULL;
	char **v = NULL;

	if (json_object_object_get_ex(spec, "process", &proc) &&
	    json_object_object_get_ex(proc, "capabilities", &caps) &&
	    json_object_object_get_ex(caps, "bounding", &bnd))
		for (size_t i = 0; i < json_object_array_length(bnd); i++)
			pea_strv_push(&v,
				      json_object_get_string(json_object_array_get_idx(bnd, i)));
	return v;
}

/* ---- the converted profiles' cache --------------------------------------------------- */

/*
 * A profile converted for a bounding set is the same every time: the text of
 * each (as config.json gets it) is kept in CACHE/seccomp/NAME, so that a start
 * reads ~8 KB instead of parsing the 16 KB profile, building its rules and
 * writing them out again (0.7-1.1 ms of pea's CPU per start here). NAME is a
 * 64-bit FNV-1a hash of the key, which the file holds whole before a NUL: the
 * version below, the machine's architecture, the kernel's major.minor (a
 * profile's minKernel), the bounding set and the profile's own text; a file is used only when its
 * key is the same byte for byte (a collision costs a conversion, never another container's filter).
 * Written under a temporary name and renamed; anything odd is converted again.
 */
#define CACHE_MAGIC "pea-seccomp-oci 3\n" /* 2: the text's hash; 3: the kernel */
#define CACHE_MAX   (PROFILE_MAX + (1u << 20))

static char *cache_dir;

void seccomp_profile_cache_at(const char *dir)
{
	free(cache_dir);
	cache_dir = dir ? xstrdup(dir) : NULL;
}

static char *cache_key(const char *text, size_t len, char *const *caps, size_t *ret_len)
{
	_cleanup_free_ char *set = caps ? pea_strv_join(caps, ",") : NULL;
	char *key;
	int maj, min;

	kernel_version(&maj, &min);
	key = xasprintf("%s%s %d.%d\n%s\n%.*s", CACHE_MAGIC, frontend_oci_arch(), maj, min,
			set ? set : "", (int)len, text);

	*ret_len = strlen(key);
	return key;
}

static char *fnv_hex(const char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)data[i]) * 0x100000001b3ULL;
	return xasprintf("%016llx", (unsigned long long)h);
}

#define SUM_LEN 16

/*
 * The cached text for key, or NULL. The file: the key, a NUL, the text's own
 * hash (16 hex digits), a newline, the text: a torn or altered text (a crash
 * before its blocks reached the disk) is never written into a config.json.
 */
static char *cache_load(int dfd, const char *name, const char *key, size_t klen)
{
	_cleanup_free_ char *buf = NULL, *sum = NULL;
	const char *text;
	size_t len = 0, tlen;

	if (pea_read_file_at(dfd, name, CACHE_MAX, &buf, &len, NULL) < 0 ||
	    len <= klen + 1 + SUM_LEN + 1 || memcmp(buf, key, klen) != 0 || buf[klen] != '\0' ||
	    buf[klen + 1 + SUM_LEN] != '\n')
		return NULL;
	text = buf + klen + 1 + SUM_LEN + 1;
	tlen = len - (size_t)(text - buf);
	sum = fnv_hex(text, tlen);
	if (memcmp(sum, buf + klen + 1, SUM_LEN) != 0 || memchr(text, '\0', tlen))
		return NULL;
	return xstrndup(text, tlen);
}

/* Best effort: a cache that cannot be written is only slower. */
static void cache_store(int dfd, const char *name, const char *key, size_t klen, const char *text)
{
	_cleanup_free_ char *sum = fnv_hex(text, strlen(text));
	_cleanup_free_ char *buf = NULL;
	size_t tlen = strlen(text), n = klen + 1 + SUM_LEN + 1 + tlen;

	buf = xmalloc(n);
	memcpy(buf, key, klen);
	buf[klen] = '\0';
	memcpy(buf + klen + 1, sum, SUM_LEN);
	buf[klen + 1 + SUM_LEN] = '\n';
	memcpy(buf + klen + 1 + SUM_LEN + 1, text, tlen);
	(void)pea_write_file_replace_at(dfd, name, buf, n, 0600, NULL);
}

/* A JSON value that writes itself out as the text it holds (config.json's form). */
static int raw_to_string(struct json_object *o, struct printbuf *pb, int level, int flags)
{
	const char *text = json_object_get_userdata(o);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, text, (int)strlen(text));
}

static void raw_free(struct json_object *o, void *userdata)
{
	(void)o;
	free(userdata);
}

static struct json_object *raw_json(char *text)
{
	struct json_object *o = json_object_new_object();

	json_object_set_serializer(o, raw_to_string, text, raw_free);
	return o;
}

/*
 * linux.seccomp for text and caps: from the cache when it has it, else
 * converted (and kept there). config.json is written with
 * pea_json_to_string's flags, so the cached text is what that writes.
 */
static int convert_cached(const char *text, size_t len, char *const *caps, struct json_object **ret,
			  struct pea_error **err)
{
	_cleanup_free_ char *key = NULL, *name = NULL, *dir = NULL;
	_cleanup_close_ int dfd = -1;
	char *hit;
	size_t klen = 0;

	/* a NUL would end the key early: such a text is converted (and refused) each time */
	if (!cache_dir || memchr(text, '\0', len))
		return seccomp_profile_convert(text, len, caps, ret, err);
	key = cache_key(text, len, caps, &klen);
	name = fnv_hex(key, klen);
	dir = xasprintf("%s/seccomp", cache_dir);
	if (pea_mkdir_p_at(AT_FDCWD, dir, 0700, &dfd, NULL) < 0)
		dfd = -1;
	hit = dfd >= 0 ? cache_load(dfd, name, key, klen) : NULL;
	if (hit) {
		*ret = raw_json(hit);
		return 0;
	}
	if (seccomp_profile_convert(text, len, caps, ret, err) < 0)
		return -1;
	if (dfd >= 0)
		cache_store(dfd, name, key, klen, pea_json_to_string(*ret));
	return 0;
}

int seccomp_profile_apply(struct json_object *sec, struct json_object *spec, char *const *caps,
			  struct pea_error **err)
{
	_cleanup_strv_ char **own = NULL;
	struct json_object *lnx = NULL, *prof = NULL, *sc = NULL;
	const char *text = NULL;
	bool privileged = false, given;
	size_t len = 0;

	if (sec && pea_json_get_bool_opt(sec, "", "privileged", &privileged, NULL) == 1 &&
	    privileged)
		return 0;
	given = sec && json_object_object_get_ex(sec, "seccomp_profile", &prof);
	if (given && !prof)
		return 0; /* unconfined */
	if (given) {
		text = json_object_get_string(prof);
		len = strlen(text);
	} else {
		seccomp_profile_builtin(&text, &len);
	}
	if (!caps)
		caps = own = spec_bounding(spec);
	if (convert_cached(text, len, caps, &sc, err) < 0)
		return given ? pea_error_wrap(err, "--security-opt seccomp")
			     : pea_error_wrap(err, "pea's built-in seccomp profile");
	if (!json_object_object_get_ex(spec, "linux", &lnx)) {
		lnx = json_object_new_object();
		json_object_object_add(spec, "linux", lnx);
	}
	json_object_object_add(lnx, "seccomp", sc);
	return 0;
}

struct json_object *seccomp_profile_inspect(struct json_object *sec)
{
	struct json_object *out = json_object_new_array(), *prof = NULL;
	const char *path = NULL;
	bool nnp = false, privileged = false;

	(void)pea_json_get_bool_opt(sec, "", "no_new_privileges", &nnp, NULL);
	(void)pea_json_get_bool_opt(sec, "", "privileged", &privileged, NULL);
	(void)pea_json_get_string_opt(sec, "", "seccomp_profile_path", &path, NULL);
	if (nnp)
		json_object_array_add(out, json_object_new_string("no-new-privileges"));
	if (privileged ||
	    (sec && json_object_object_get_ex(sec, "seccomp_profile", &prof) && !prof))
		json_object_array_add(out, json_object_new_string("seccomp=unconfined"));
	else if (path) {
		_cleanup_free_ char *s = xasprintf("seccomp=%s", path);
		json_object_array_add(out, json_object_new_string(s));
	}
	return out;
}
