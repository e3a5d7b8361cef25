/* Running the other binaries, and small helpers (ids, times, folders). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"

#define CAPTURE_MAX (64u << 20)

void run_result_clear(struct run_result *r)
{
	free(r->out);
	free(r->errtxt);
	memset(r, 0, sizeof(*r));
}

static int read_memfd(int fd, size_t max, char **ret, size_t *ret_len, struct pea_error **err)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return pea_error_errno(err, "lseek");
	return pea_read_all(fd, max, ret, ret_len, err);
}

/*
 * frontend_run_capture's first half: argv started, its stdout and stderr going to memfds,
 * extra_fd (>= 0) as its fd 3.
 */
static int capture_begin(char *const *argv, int in_fd, int extra_fd, struct run_pending *p,
			 struct pea_error **err)
{
	_cleanup_close_ int out = -1, errfd = -1;
	struct pea_fd_map fds[4];
	size_t n = 0;
	struct pea_spawn s = { 0 };

	*p = (struct run_pending){ -1, -1, -1, -1 };
	out = memfd_create("pea-out", MFD_CLOEXEC);
	errfd = memfd_create("pea-err", MFD_CLOEXEC);
	if (out < 0 || errfd < 0)
		return pea_error_errno(err, "memfd_create");
	if (in_fd >= 0)
		fds[n++] = (struct pea_fd_map){ in_fd, 0 };
	fds[n++] = (struct pea_fd_map){ out, 1 };
	fds[n++] = (struct pea_fd_map){ errfd, 2 };
	if (extra_fd >= 0)
		fds[n++] = (struct pea_fd_map){ extra_fd, 3 };
	s.argv = argv;
	s.fds = fds;
	s.nfds = n;
	s.null_stdin = in_fd < 0;
	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		_cleanup_free_ char *cmd = pea_strv_join(argv, " ");
		log_debug("running %s", cmd);
	}
	if (pea_spawn(&s, &p->pid, &p->pidfd, err) < 0)
		return -1;
	p->out = TAKE_FD(out);
	p->errfd = TAKE_FD(errfd);
	return 0;
}

/* The second half: waited for, its output read; p is closed whatever happens. */
static int capture_end(struct run_pending *p, struct run_result *ret, struct pea_error **err)
{
	size_t elen = 0;
	int status, rc = 0;

	memset(ret, 0, sizeof(*ret));
	if (pea_wait(p->pid, p->pidfd, -1, &status, err) < 0) {
		rc = -1;
		goto out;
	}
	ret->status = status;
	if (read_memfd(p->out, CAPTURE_MAX, &ret->out, &ret->len, err) < 0 ||
	    read_memfd(p->errfd, 1u << 20, &ret->errtxt, &elen, err) < 0) {
		run_result_clear(ret);
		rc = -1;
		goto out;
	}
	while (elen > 0 && (ret->errtxt[elen - 1] == '\n' || ret->errtxt[elen - 1] == '\r'))
		ret->errtxt[--elen] = '\0';
out:
	p->pidfd = pea_close(p->pidfd);
	p->out = pea_close(p->out);
	p->errfd = pea_close(p->errfd);
	p->pid = -1;
	return rc;
}

int frontend_run_capture(char *const *argv, int in_fd, struct run_result *ret,
			 struct pea_error **err)
{
	struct run_pending p;

	memset(ret, 0, sizeof(*ret));
	if (capture_begin(argv, in_fd, -1, &p, err) < 0)
		return -1;
	return capture_end(&p, ret, err);
}

char **store_base_argv(const struct global_options *g)
{
	char **v = NULL;

	pea_strv_push_take(&v, frontend_find_binary(g, "pea-storage"));
	pea_strv_push_take(&v, xasprintf("--root=%s/storage", g->root));
	pea_strv_push_take(&v, xasprintf("--runroot=%s/storage", g->runroot));
	if (g->storage_driver)
		pea_strv_push_take(&v, xasprintf("--storage-driver=%s", g->storage_driver));
	for (size_t i = 0; g->storage_opts && g->storage_opts[i]; i++)
		pea_strv_push_take(&v, xasprintf("--storage-opt=%s", g->storage_opts[i]));
	return v;
}

char *store_transport(const struct global_options *g, const char *name)
{
	/* pea-image takes an empty driver as a driver named "": leave out the '@'. */
	return xasprintf("store:[%s%s%s/storage+%s/storage]%s",
			 g->storage_driver ? g->storage_driver : "", g->storage_driver ? "@" : "",
			 g->root, g->runroot, name ? name : "");
}

/* The message of {"error": {"message": ...}}, else standard error, else the status. */
static int store_failure(const struct run_result *r, struct json_object *reply,
			 struct pea_error **err)
{
	struct json_object *e = NULL, *m = NULL, *c = NULL;
	_cleanup_free_ char *st = NULL;
	int code = EIO;

	if (reply && json_object_object_get_ex(reply, "error", &e)) {
		if (json_object_object_get_ex(e, "code", &c) &&
		    json_object_is_type(c, json_type_int))
			code = json_object_get_int(c);
		if (code <= 0)
			code = EIO;
		if (json_object_object_get_ex(e, "message", &m) &&
		    json_object_is_type(m, json_type_string))
			return pea_error_new(err, code, "%s", json_object_get_string(m));
	}
	if (r->errtxt && *r->errtxt) {
		const char *last = strrchr(r->errtxt, '\n');
		return pea_error_new(err, code, "%s", last ? last + 1 : r->errtxt);
	}
	st = pea_describe_wait_status(r->status);
	return pea_error_new(err, code, "pea-storage %s", st);
}

int store_call_begin_fd(const struct global_options *g, const char *const *args, int fd3,
			struct run_pending *p, struct pea_error **err)
{
	_cleanup_strv_ char **argv = store_base_argv(g);

	for (size_t i = 0; args[i]; i++)
		pea_strv_push(&argv, args[i]);
	if (capture_begin(argv, -1, fd3, p, err) < 0)
		return pea_error_wrap(err, "pea-storage");
	return 0;
}

int store_call_begin(const struct global_options *g, const char *const *args, struct run_pending *p,
		     struct pea_error **err)
{
	return store_call_begin_fd(g, args, -1, p, err);
}

int store_call(const struct global_options *g, const char *const *args,
	       struct json_object **ret_result, struct pea_error **err)
{
	struct run_pending p;

	if (store_call_begin(g, args, &p, err) < 0)
		return -1;
	return store_call_end(&p, ret_result, err);
}

int store_call_end(struct run_pending *p, struct json_object **ret_result, struct pea_error **err)
{
	_cleanup_json_ struct json_object *reply = NULL;
	struct run_result r = { 0 };
	struct json_object *res = NULL;
	int rc;

	if (capture_end(p, &r, err) < 0)
		return pea_error_wrap(err, "pea-storage");
	if (r.len > 0)
		(void)pea_json_parse(r.out, r.len, "pea-storage reply", &reply, NULL);
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0 || !reply) {
		rc = store_failure(&r, reply, err);
		run_result_clear(&r);
		return rc;
	}
	run_result_clear(&r);
	if (!json_object_object_get_ex(reply, "result", &res))
		return pea_error_new(err, EPROTO, "pea-storage: reply without 'result'");
	if (ret_result)
		*ret_result = json_object_get(res);
	return 0;
}

int frontend_mkdir_p(const char *path, struct pea_error **err)
{
	return pea_mkdir_p_at(AT_FDCWD, path, 0700, NULL, err);
}

struct json_object *frontend_bind_mount(const char *dest, const char *src,
					const char *const *options)
{
	struct json_object *m = json_object_new_object(), *o = json_object_new_array();

	for (size_t i = 0; options[i]; i++)
		json_object_array_add(o, json_object_new_string(options[i]));
	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string("bind"));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", o);
	return m;
}

char *frontend_new_id(void)
{
	unsigned char b[32];
	char *s = xmalloc(65);
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	return s;
}

char *frontend_now(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

const char *const frontend_default_caps[FRONTEND_DEFAULT_CAPS_N] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",	 "CAP_FSETID",
	"CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",	 "CAP_SETGID",
	"CAP_SETPCAP", "CAP_SETUID",	       "CAP_SYS_CHROOT",
};

double frontend_now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int two_digits(const char *s)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int frontend_parse_rfc3339(const char *s, unsigned flags, double *ret)
{
	bool loose = flags & PARSE_TIME_LOOSE;
	struct tm tm = { 0 };
	double frac = 0, scale = 0.1;
	const char *p;
	long off = 0;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	p = strptime(s, "%Y-%m-%d", &tm);
	if (!p)
		return -EINVAL;
	if (*p == 'T') {
		p = strptime(p + 1, "%H:%M:%S", &tm);
		if (!p)
			return -EINVAL;
		if (*p == '.') {
			if (!isdigit((unsigned char)p[1]))
				return -EINVAL;
			for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
				frac += (*p - '0') * scale;
		}
	} else if (!loose) {
		return -EINVAL;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int h = two_digits(p + 1), m = two_digits(p + 4);
		if (h < 0 || h > 23 || m < 0 || m > 59)
			return -EINVAL;
		off = (*p == '-' ? -1 : 1) * (h * 3600L + m * 60L);
		p += 6;
	} else if (!loose) {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	*ret = (double)(timegm(&tm) - off) + frac;
	return 0;
}

double frontend_parse_time(const char *s)
{
	double t;

	return frontend_parse_rfc3339(s, PARSE_TIME_LOOSE, &t) == 0 ? t : 0;
}

int frontend_id_file_open(const char *path, const char *what, int *ret_fd, struct pea_error **err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0 && errno == EEXIST)
		return pea_error_new(
			err, EEXIST,
			"%s id file exists. Ensure another %s is not using it or delete %s", what,
			what, path);
	if (fd < 0)
		return pea_error_errno(err, "opening %s id file '%s'", what, path);
	*ret_fd = fd;
	return 0;
}

int frontend_id_file_write(int fd, const char *path, const char *id, struct pea_error **err)
{
	int r = pea_write_all(fd, id, strlen(id), err);

	(void)close(fd);
	if (r < 0) {
		(void)unlink(path);
		return pea_error_wrap(err, "write '%s'", path);
	}
	return 0;
}

const char *frontend_oci_arch(void)
{
	static const struct {
		const char *machine, *arch;
	} names[] = {
		{ "x86_64", "amd64" },	  { "aarch64", "arm64" }, { "i386", "386" },
		{ "i686", "386" },	  { "armv7l", "arm" },	  { "armv6l", "arm" },
		{ "ppc64le", "ppc64le" }, { "s390x", "s390x" },	  { "riscv64", "riscv64" },
	};
	static struct utsname u;
	static const char *arch;

	/* once: a seccomp profile's archMap asks for it ~60 times per start */
	if (arch)
		return arch;
	if (uname(&u) < 0)
		return "unknown";
	arch = u.machine;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(u.machine, names[i].machine) == 0)
			arch = names[i].arch;
	return arch;
}

/* ---- pea-storage on a pipe, tar streams, prompts, durations ---------- */

int store_spawn_out(const struct global_options *g, const char *const *args, int *ret_fd,
		    pid_t *ret_pid, int *ret_pidfd, struct pea_error **err)
{
	_cleanup_strv_ char **argv = store_base_argv(g);
	_cleanup_close_ int rd = -1, wr = -1;
	struct pea_fd_map fds[1];
	struct pea_spawn s = { 0 };
	int p[2];

	for (size_t i = 0; args[i]; i++)
		pea_strv_push(&argv, args[i]);
	if (pipe2(p, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	rd = p[0];
	wr = p[1];
	fds[0] = (struct pea_fd_map){ wr, 1 };
	s.argv = argv;
	s.fds = fds;
	s.nfds = 1;
	s.null_stdin = true;
	if (pea_spawn(&s, ret_pid, ret_pidfd, err) < 0)
		return pea_error_wrap(err, "pea-storage");
	*ret_fd = TAKE_FD(rd);
	return 0;
}

int store_spawn_wait(pid_t pid, int pidfd, const char *what, struct pea_error **err)
{
	int status;

	if (pea_wait(pid, pidfd, -1, &status, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		_cleanup_free_ char *d = pea_describe_wait_status(status);
		return pea_error_new(err, EIO, "pea-storage %s %s", what, d);
	}
	return 0;
}

/*
 * Read what is left after the end of the archive (a tar writer pads to its
 * block size): closing early would kill the writer with SIGPIPE.
 */
void tar_drain(int fd)
{
	char buf[65536];
	ssize_t n;

	do
		n = read(fd, buf, sizeof(buf));
	while (n > 0 || (n < 0 && errno == EINTR));
}

/* y or Y on stdin. */
bool frontend_confirm(const char *question)
{
	char line[64] = "";

	fputs(question, stdout);
	fputs(" [y/N] ", stdout);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

int frontend_env_file(char ***env, const char *path, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_strv_ char **lines = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, 1u << 20, &buf, &len, err) < 0)
		return pea_error_wrap(err, "--env-file");
	if (memchr(buf, '\0', len))
		return pea_error_new(err, EINVAL, "--env-file '%s': not a text file", path);
	lines = pea_strv_split(buf, "\n");
	for (size_t i = 0; lines && lines[i]; i++) {
		char *l = lines[i] + strspn(lines[i], " \t");
		size_t n = strlen(l);

		while (n > 0 && strchr("\r \t", l[n - 1]))
			l[--n] = '\0';
		if (!*l || *l == '#')
			continue;
		if (*l == '=')
			return pea_error_new(err, EINVAL, "--env-file '%s': invalid line \"%s\"",
					     path, l);
		if (strchr(l, '='))
			pea_strv_push(env, l);
		else if (getenv(l))
			pea_strv_push_take(env, xasprintf("%s=%s", l, getenv(l)));
	}
	return 0;
}

int frontend_parse_size(const char *s, long long *ret)
{
	char *end = NULL;
	double v, mult = 1;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	/* digits and a point only: no exponent, no hexadecimal */
	if (end == s || errno || !(v >= 0) || (size_t)(end - s) != strspn(s, "0123456789."))
		return -EINVAL;
	if (*end) {
		const char *units = "bkmgt", *u = strchr(units, tolower((unsigned char)*end));

		if (!u)
			return -EINVAL;
		for (ptrdiff_t i = 0; i < u - units; i++)
			mult *= 1024;
		end++;
		if (mult > 1 && tolower((unsigned char)*end) == 'b')
			end++;
		if (*end)
			return -EINVAL;
	}
	if (v * mult > 9.0e18)
		return -EINVAL;
	*ret = (long long)(v * mult);
	return 0;
}

int go_parse_duration(const char *s, int64_t *ret, const char **ret_why)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = { { "ns", 1 },   { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 },
		      { "ms", 1e6 }, { "s", 1e9 },  { "m", 60e9 },	  { "h", 3600e9 } };
	const char *p = s;
	double total = 0;
	bool neg = false;

	*ret_why = "invalid duration";
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*ret = 0;
		return 0;
	}
	if (!*p)
		return -EINVAL;
	while (*p) {
		char num[64], *end = NULL;
		size_t k, ulen, nlen = strspn(p, "0123456789.");
		double v;

		/* digits with at most one '.': not strtod's exponents, hex, inf */
		if (nlen == 0 || nlen >= sizeof(num) || (nlen == 1 && *p == '.'))
			return -EINVAL;
		memcpy(num, p, nlen);
		num[nlen] = '\0';
		v = strtod(num, &end);
		if (end != num + nlen)
			return -EINVAL;
		p += nlen;
		ulen = strcspn(p, "0123456789.");
		if (ulen == 0) {
			*ret_why = "missing unit in duration";
			return -EINVAL;
		}
		for (k = 0; k < ARRAY_SIZE(units); k++)
			if (strlen(units[k].name) == ulen && strncmp(p, units[k].name, ulen) == 0)
				break;
		if (k == ARRAY_SIZE(units)) {
			*ret_why = "unknown unit";
			return -EINVAL;
		}
		total += v * units[k].ns;
		if (total > 9.2e18) {
			*ret_why = "invalid duration";
			return -ERANGE;
		}
		p += ulen;
	}
	*ret = (int64_t)(neg ? -total : total);
	return 0;
}

/* Go's time.Duration.String(). */
char *go_duration(long long ns)
{
	static const struct {
		long long div;
		const char *unit;
	} small[] = { { 1000000, "ms" }, { 1000, "µs" }, { 1, "ns" } };
	long long h, m, s, frac;
	char fbuf[16] = "";

	if (ns == 0)
		return xstrdup("0s");
	if (ns < 0)
		ns = -ns;
	if (ns < 1000000000LL) {
		for (size_t i = 0; i < ARRAY_SIZE(small); i++) {
			if (ns < small[i].div)
				continue;
			frac = ns % small[i].div;
			if (frac) {
				int digits = small[i].div == 1000000 ? 6 : 3;
				size_t l;
				snprintf(fbuf, sizeof(fbuf), ".%0*lld", digits, frac);
				for (l = strlen(fbuf); fbuf[l - 1] == '0'; l--)
					fbuf[l - 1] = '\0';
			}
			return xasprintf("%lld%s%s", ns / small[i].div, fbuf, small[i].unit);
		}
	}
	h = ns / 3600000000000LL;
	m = ns / 60000000000LL % 60;
	s = ns / 1000000000LL % 60;
	frac = ns % 1000000000LL;
	if (frac) {
		size_t l;
		snprintf(fbuf, sizeof(fbuf), ".%09lld", frac);
		for (l = strlen(fbuf); fbuf[l - 1] == '0'; l--)
			fbuf[l - 1] = '\0';
	}
	if (h)
		return xasprintf("%lldh%lldm%lld%ss", h, m, s, fbuf);
	if (m)
		return xasprintf("%lldm%lld%ss", m, s, fbuf);
	return xasprintf("%lld%ss", s, fbuf);
}

/* ---- files of a container's root ---------------------------------------- */

struct json_object *frontend_labels_json(char *const *labels)
{
	struct json_object *l = json_object_new_object();

	for (size_t i = 0; labels && labels[i]; i++) {
		const char *eq = strchr(labels[i], '=');
		_cleanup_free_ char *k =
			eq ? xstrndup(labels[i], (size_t)(eq - labels[i])) : xstrdup(labels[i]);
		json_object_object_add(l, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	return l;
}

int64_t frontend_map_id(struct json_object *maps, int64_t id)
{
	if (!maps)
		return id;
	for (size_t i = 0; i < json_object_array_length(maps); i++) {
		struct json_object *m = json_object_array_get_idx(maps, i);
		int64_t c = 0, h = 0, n = 0;
		if (pea_json_get_int64_opt(m, "", "containerID", &c, NULL) == 1 &&
		    pea_json_get_int64_opt(m, "", "hostID", &h, NULL) == 1 &&
		    pea_json_get_int64_opt(m, "", "size", &n, NULL) == 1 && id >= c && id - c < n)
			return h + (id - c);
	}
	return -1;
}

void frontend_env_put(struct json_object *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (e && strncmp(e, kv, klen) == 0 && e[klen] == '=') {
			json_object_array_put_idx(env, i, json_object_new_string(kv));
			return;
		}
	}
	json_object_array_add(env, json_object_new_string(kv));
}

char *rootfs_read_file(int rootfd, const char *path, size_t max)
{
	_cleanup_close_ int fd = -1;
	char *buf = NULL;
	size_t len;

	if (rootfd < 0 || pea_open_in_root(rootfd, path, O_RDONLY, 0, &fd, NULL) < 0 ||
	    pea_read_all(fd, max, &buf, &len, NULL) < 0)
		return NULL;
	return buf;
}

/* The start of the next line of db, or NULL. */
static const char *next_line(const char *l)
{
	l = strchr(l, '\n');
	return l ? l + 1 : NULL;
}

long long passwd_field_of(const char *db, const char *name, int field)
{
	size_t nl = strlen(name);

	for (const char *l = db; l && *l; l = next_line(l)) {
		const char *p = l;
		if (strncmp(l, name, nl) != 0 || l[nl] != ':')
			continue;
		for (int i = 0; i < field && p; i++)
			p = strchr(p, ':'), p = p ? p + 1 : NULL;
		if (p && *p >= '0' && *p <= '9')
			return strtoll(p, NULL, 10);
	}
	return -1;
}

char *passwd_name_of(const char *db, long long id)
{
	if (id < 0)
		return xstrdup("?");
	for (const char *l = db; l && *l; l = next_line(l)) {
		const char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		const char *nl = strchr(l, '\n');
		if (!c2 || (nl && c2 > nl))
			continue;
		if (strtoll(c2 + 1, NULL, 10) == id && c2[1] >= '0' && c2[1] <= '9')
			return xstrndup(l, (size_t)(c1 - l));
	}
	return xasprintf("%lld", id);
}

int frontend_run_self(const struct global_options *g, char *const *args, struct pea_error **err)
{
	_cleanup_strv_ char **argv = frontend_self_argv(g);
	struct pea_spawn sp = { 0 };
	int status = 0, pidfd = -1, rc;
	pid_t pid;

	for (size_t i = 0; args && args[i]; i++)
		pea_strv_push(&argv, args[i]);
	sp.argv = argv;
	fflush(stdout);
	fflush(stderr);
	if (pea_spawn(&sp, &pid, &pidfd, err) < 0)
		return -1;
	rc = pea_wait(pid, pidfd, -1, &status, err);
	pidfd = pea_close(pidfd);
	return rc < 0 ? -1 : pea_exit_status(status);
}

int frontend_run_self_capture(const struct global_options *g, char *const *args, char **ret_out,
			      struct pea_error **err)
{
	_cleanup_strv_ char **argv = frontend_self_argv(g);
	struct run_result res = { 0 };
	const char *msg;
	size_t len;

	for (size_t i = 0; args && args[i]; i++)
		pea_strv_push(&argv, args[i]);
	if (frontend_run_capture(argv, -1, &res, err) < 0)
		return -1;
	if (res.status != 0) {
		msg = res.errtxt && *res.errtxt ? res.errtxt : "failed";
		/* its last line, without its "Error: " */
		if (strrchr(msg, '\n'))
			msg = strrchr(msg, '\n') + 1;
		if (strncmp(msg, "Error: ", 7) == 0)
			msg += 7;
		pea_error_new(err, EIO, "%s", msg);
		run_result_clear(&res);
		return -1;
	}
	len = res.len;
	while (len && (res.out[len - 1] == '\n' || res.out[len - 1] == ' '))
		res.out[--len] = '\0';
	if (ret_out) {
		*ret_out = res.out;
		res.out = NULL;
	}
	run_result_clear(&res);
	return 0;
}

char *frontend_usage_named(const char *usage)
{
	static const char head[] = "Usage: pea ";

	if (strncmp(usage, head, strlen(head)) != 0 || strcmp(frontend_progname(), "pea") == 0)
		return xstrdup(usage);
	return xasprintf("Usage: %s %s", frontend_progname(), usage + strlen(head));
}
