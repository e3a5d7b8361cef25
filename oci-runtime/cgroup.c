/* cgroups v1, hybrid and v2: create, limit, freeze, count, remove. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/bpf.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "cgroup.h"
#include "spec.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define CG_FILE_MAX (1 << 20)

int cgroup_detect(const char *root, enum cgroup_mode *ret, struct pea_error **err)
{
	_cleanup_free_ char *unified = xasprintf("%s/unified", root);
	struct statfs sf;

	if (statfs(root, &sf) < 0)
		return pea_error_errno(err, "cgroups: statfs '%s'", root);
	if ((unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC) {
		*ret = CGROUP_UNIFIED;
		return 0;
	}
	if ((unsigned long)sf.f_type != TMPFS_MAGIC)
		return pea_error_new(err, ENOTSUP,
				     "cgroups: '%s' is neither cgroup2 nor a tmpfs "
				     "of v1 hierarchies",
				     root);
	*ret = statfs(unified, &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC
		       ? CGROUP_HYBRID
		       : CGROUP_LEGACY;
	return 0;
}

const char *cgroup_mode_name(enum cgroup_mode m)
{
	switch (m) {
	case CGROUP_LEGACY:
		return "v1";
	case CGROUP_HYBRID:
		return "hybrid";
	case CGROUP_UNIFIED:
	default:
		return "v2";
	}
}

/* ---- paths -------------------------------------------------------------------------- */

static bool path_is_sane(const char *p)
{
	_cleanup_free_ char *copy = xstrdup(p);
	char *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
			return false;
	return true;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "" */
static int expand_slice(const char *slice, char **ret, struct pea_error **err)
{
	size_t len = strlen(slice);
	_cleanup_free_ char *name = NULL;
	char *out = xstrdup("");

	if (strcmp(slice, "-.slice") == 0) {
		*ret = out;
		return 0;
	}
	if (len <= 6 || strcmp(slice + len - 6, ".slice") != 0 || strchr(slice, '/') ||
	    slice[0] == '-' || strstr(slice, "--") || slice[len - 7] == '-') {
		free(out);
		return pea_error_new(err, EINVAL, "--systemd-cgroup: '%s' is not a slice name",
				     slice);
	}
	name = xstrndup(slice, len - 6);
	for (char *dash = name;; dash++) {
		dash = strchr(dash, '-');
		if (dash)
			*dash = '\0';
		char *next = xasprintf("%s/%s.slice", out, name);
		free(out);
		out = next;
		if (!dash)
			break;
		*dash = '-';
	}
	*ret = out;
	return 0;
}

int cgroup_path_for(const char *cgroups_path, const char *id, bool systemd, char **ret,
		    struct pea_error **err)
{
	if (systemd) {
		_cleanup_free_ char *copy = NULL, *slice = NULL;
		const char *s = cgroups_path && *cgroups_path ? cgroups_path : ":pea-runtime:";
		char *prefix, *name;

		copy = xstrdup(s);
		prefix = strchr(copy, ':');
		name = prefix ? strchr(prefix + 1, ':') : NULL;
		if (!prefix || !name || strchr(name + 1, ':'))
			return pea_error_new(err, EINVAL,
					     "cgroupsPath '%s': with --systemd-cgroup it must be "
					     "slice:prefix:name",
					     s);
		*prefix++ = '\0';
		*name++ = '\0';
		if (!*name)
			name = (char *)id;
		if (strchr(prefix, '/') || strchr(name, '/'))
			return pea_error_new(err, EINVAL, "cgroupsPath '%s': no '/' allowed", s);
		if (expand_slice(*copy ? copy : "system.slice", &slice, err) < 0)
			return -EINVAL;
		/* a name that is a slice itself is used as it is, as runc does */
		if (strlen(name) > 6 && strcmp(name + strlen(name) - 6, ".slice") == 0)
			*ret = xasprintf("%s/%s", slice, name);
		else
			*ret = xasprintf("%s/%s%s%s.scope", slice, prefix, *prefix ? "-" : "",
					 name);
		return 0;
	}
	if (!cgroups_path || !*cgroups_path) {
		*ret = xasprintf("/%s", id);
		return 0;
	}
	if (!path_is_sane(cgroups_path) || strspn(cgroups_path, "/") == strlen(cgroups_path))
		return pea_error_new(err, EINVAL,
				     "linux.cgroupsPath '%s': no '.' or '..' components, and "
				     "not the root",
				     cgroups_path);
	*ret = xasprintf("%s%s", cgroups_path[0] == '/' ? "" : "/", cgroups_path);
	return 0;
}

/* ---- files ---------------------------------------------------------------------------- */

/*
 * A dirfd that writes nothing and counts: v1_wants runs the writers of a v1
 * hierarchy with it to learn whether they would write anything there.
 */
#define CG_DRY_FD (-2)
static size_t cg_dry_writes;

static int __attribute__((format(printf, 4, 5)))
cg_write(int dirfd, const char *dir, const char *file, const char *fmt, ...)
{
	_cleanup_free_ char *val = NULL;
	_cleanup_close_ int fd = -1;
	va_list ap;
	ssize_t n;

	(void)dir;
	if (dirfd == CG_DRY_FD) {
		cg_dry_writes++;
		return 0;
	}
	va_start(ap, fmt);
	val = xvasprintf(fmt, ap);
	va_end(ap);
	fd = openat(dirfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		return -errno;
	return 0;
}

/* Whether the hierarchy has file (a feature's probe); a dry run takes every one as there. */
static bool cg_has(int dirfd, const char *file)
{
	return dirfd == CG_DRY_FD || faccessat(dirfd, file, F_OK, 0) == 0;
}

/* Write or fail naming the file and the value. */
#define CG_SET(err, dirfd, dir, file, ...)                                                 \
	({                                                                                 \
		int _r = cg_write(dirfd, dir, file, __VA_ARGS__);                          \
		_r < 0 ? pea_error_code(err, -_r, "cgroup '%s': write %s", dir, file) : 0; \
	})

static char *cg_read(int dirfd, const char *file)
{
	char *buf = NULL;

	if (pea_read_file_at(dirfd, file, CG_FILE_MAX, &buf, NULL, NULL) < 0)
		return NULL;
	return buf;
}

static uint64_t cg_read_u64(int dirfd, const char *file)
{
	_cleanup_free_ char *s = cg_read(dirfd, file);

	return s ? strtoull(s, NULL, 10) : 0;
}

/* "key value" lines (memory.stat, cpu.stat, memory.events, oom_control) */
static uint64_t cg_read_key(int dirfd, const char *file, const char *key)
{
	_cleanup_free_ char *s = cg_read(dirfd, file);
	size_t kl = strlen(key);

	for (char *l = s; l && *l;) {
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return strtoull(l + kl + 1, NULL, 10);
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return 0;
}

static bool has_controller(const struct cgroup_hier *h, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = h->controllers; p && *p;) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static const struct cgroup_hier *find_hier(const struct cgroup *cg, const char *controller)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->mode == CGROUP_UNIFIED ? cg->h[i].controllers[0] == '\0'
					       : has_controller(&cg->h[i], controller))
			return &cg->h[i];
	return NULL;
}

static int open_dir(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* ---- hierarchies --------------------------------------------------------------------- */

static const char *const v1_controllers[] = { "cpu",	 "cpuacct",    "cpuset",  "memory",
					      "devices", "freezer",    "net_cls", "net_prio",
					      "blkio",	 "perf_event", "hugetlb", "pids",
					      "rdma",	 "misc",       NULL };

/* The controllers of a v1 mount from its super options ("rw,cpu,cpuacct"). */
static char *v1_controllers_of(const char *opts)
{
	_cleanup_free_ char *copy = xstrdup(opts);
	char *out = xstrdup(""), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool known = strncmp(t, "name=", 5) == 0;

		for (size_t i = 0; v1_controllers[i] && !known; i++)
			known = strcmp(t, v1_controllers[i]) == 0;
		if (known) {
			char *next = xasprintf("%s%s%s", out, *out ? "," : "", t);
			free(out);
			out = next;
		}
	}
	return out;
}

/*
 * statmount(2) and listmount(2) (Linux 6.8; a mount's filesystem options, which
 * give a v1 hierarchy's controllers, since 6.10): their ABI, which Debian 12's
 * headers predate.
 */
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#ifndef SYS_listmount
#define SYS_listmount 458
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U
#endif
#define SM_SB_BASIC  0x01U
#define SM_MNT_POINT 0x10U
#define SM_FS_TYPE   0x20U
#define SM_MNT_OPTS  0x80U

struct sm_req {
	uint32_t size, spare;
	uint64_t mnt_id, param;
};

struct sm_buf {
	uint32_t size, mnt_opts;
	uint64_t mask;
	uint32_t sb_dev_major, sb_dev_minor;
	uint64_t sb_magic;
	uint32_t sb_flags, fs_type;
	uint64_t mnt_id, mnt_parent_id;
	uint32_t mnt_id_old, mnt_parent_id_old;
	uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
	uint32_t mnt_root, mnt_point;
	uint64_t mnt_ns_id;
	uint64_t spare2[49];
	char str[3584];
};

/* A mount point as mountinfo writes it: space, tab, newline and backslash octal. */
static char *mountinfo_escape(const char *p)
{
	char *out = xmalloc(strlen(p) * 4 + 1), *o = out;

	for (; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\\')
			o += sprintf(o, "\\%03o", (unsigned char)*p);
		else
			*o++ = *p;
	*o = '\0';
	return out;
}

/*
 * The line mountinfo has for mount ID, with what the parsers read of it (the
 * mount point, the type, the superblock's options); "" for a mount that is
 * not a cgroup one; NULL when the kernel cannot tell (no statmount, no
 * options of a v1 hierarchy).
 */
static char *statmount_line(uint64_t id)
{
	struct sm_req req = { .size = 24,
			      .mnt_id = id,
			      .param = SM_SB_BASIC | SM_MNT_POINT | SM_FS_TYPE | SM_MNT_OPTS };
	_cleanup_free_ struct sm_buf *sm = xcalloc(1, sizeof(*sm));
	_cleanup_free_ char *point = NULL;
	const char *type, *opts, *rw;
	bool v1;

	if (syscall(SYS_statmount, &req, sm, sizeof(*sm), 0) < 0 ||
	    (sm->mask & (SM_SB_BASIC | SM_MNT_POINT | SM_FS_TYPE)) !=
		    (SM_SB_BASIC | SM_MNT_POINT | SM_FS_TYPE) ||
	    sm->fs_type >= sizeof(sm->str) || sm->mnt_point >= sizeof(sm->str))
		return NULL;
	sm->str[sizeof(sm->str) - 1] = '\0';
	type = sm->str + sm->fs_type;
	v1 = strcmp(type, "cgroup") == 0;
	if (!v1 && strcmp(type, "cgroup2") != 0)
		return xstrdup("");
	if (v1 && !(sm->mask & SM_MNT_OPTS))
		return NULL; /* before 6.10: the controllers are mountinfo's alone */
	opts = sm->mask & SM_MNT_OPTS && sm->mnt_opts < sizeof(sm->str) ? sm->str + sm->mnt_opts
									: "";
	rw = sm->sb_flags & 1 /* SB_RDONLY */ ? "ro" : "rw";
	point = mountinfo_escape(sm->str + sm->mnt_point);
	return xasprintf("0 0 0:0 / %s %s - %s %s %s%s%s\n", point, rw, type, type, rw,
			 *opts ? "," : "", opts);
}

/* Mount id's line onto lines when it is a cgroup mount; -1 when statmount fails. */
static int statmount_push(char ***lines, uint64_t id)
{
	char *line = statmount_line(id);

	if (!line)
		return -1;
	if (*line)
		pea_strv_push_take(lines, line);
	else
		free(line);
	return 0;
}

/*
 * The cgroup and cgroup2 mounts at and under CGROUP_ROOT's mount as
 * mountinfo lines, from statmount and listmount: a few syscalls, where a
 * read of /proc/self/mountinfo writes out every mount of the namespace (0.1
 * to 1.6 ms here, each overlay's options escaped). -1 when the kernel lacks
 * them: the caller reads mountinfo.
 */
static int statmount_lines(char ***ret)
{
	_cleanup_strv_ char **lines = NULL;
	struct statx stx;
	uint64_t ids[256];
	struct sm_req req = { .size = 24 };
	long n;

	if (statx(AT_FDCWD, CGROUP_ROOT, AT_NO_AUTOMOUNT, STATX_MNT_ID_UNIQUE, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID_UNIQUE))
		return -1;
	if (statmount_push(&lines, stx.stx_mnt_id) < 0)
		return -1;
	req.mnt_id = stx.stx_mnt_id;
	do {
		n = syscall(SYS_listmount, &req, ids, 256, 0);
		if (n < 0)
			return -1;
		for (long i = 0; i < n; i++)
			if (statmount_push(&lines, ids[i]) < 0)
				return -1;
		if (n > 0)
			req.param = ids[n - 1];
	} while (n == 256);
	*ret = TAKE_PTR(lines);
	return 0;
}

/*
 * The cgroup and cgroup2 lines of /proc/self/mountinfo (statmount_lines, else
 * the file), read once per process (NULL, errno set, when they cannot be
 * read): create's parent lists the hierarchies from them before the clone,
 * and its init, which inherits them, mounts them in the container (mounts.c)
 * without reading them again.
 */
char *const *cgroup_mountinfo_lines(void)
{
	static char **lines;
	static bool read_once;
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (read_once)
		return lines;
	if (statmount_lines(&lines) == 0)
		goto done;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		const char *dash = strstr(line, " - ");

		if (dash &&
		    (strncmp(dash + 3, "cgroup ", 7) == 0 || strncmp(dash + 3, "cgroup2 ", 8) == 0))
			pea_strv_push(&lines, line);
	}
	if (ferror(f)) {
		/* none kept: the next call reads the file again from its start */
		lines = pea_strv_free(lines);
		return NULL;
	}
done:
	read_once = true;
	if (!lines)
		lines = xcalloc(1, sizeof(*lines));
	return lines;
}

/* The hierarchies mounted under CGROUP_ROOT, from cgroup_mountinfo_lines. */
static int list_hierarchies(struct cgroup *cg, const char *path, struct pea_error **err)
{
	char *const *lines = cgroup_mountinfo_lines();
	size_t alloc = 0;

	if (!lines)
		return pea_error_errno(err, "cgroups: open /proc/self/mountinfo");
	for (const char *line; (line = *lines); lines++) {
		char mnt[4096], fstype[64], opts[1024];
		const char *dash = strstr(line, " - ");
		_cleanup_free_ char *ctrls = NULL;

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (strncmp(mnt, CGROUP_ROOT, strlen(CGROUP_ROOT)) != 0)
			continue;
		if (strcmp(fstype, "cgroup2") == 0) {
			if (cg->mode == CGROUP_LEGACY)
				continue;
			ctrls = xstrdup("");
		} else if (strcmp(fstype, "cgroup") == 0 && cg->mode != CGROUP_UNIFIED) {
			ctrls = v1_controllers_of(opts);
			if (!*ctrls)
				continue;
		} else
			continue;
		if (cg->n + 1 >= alloc) {
			alloc = alloc ? alloc * 2 : 16;
			cg->h = xrealloc(cg->h, alloc * sizeof(*cg->h));
		}
		cg->h[cg->n].controllers = TAKE_PTR(ctrls);
		cg->h[cg->n].dir = xasprintf("%s%s", mnt, path);
		cg->h[cg->n].mnt_len = strlen(mnt);
		cg->n++;
	}
	if (cg->n == 0)
		return pea_error_new(err, ENOENT, "cgroups: no hierarchy mounted under %s",
				     CGROUP_ROOT);
	return 0;
}

static void add_made(struct cgroup *cg, size_t *n, const char *dir)
{
	cg->made = xrealloc(cg->made, (*n + 2) * sizeof(char *));
	cg->made[(*n)++] = xstrdup(dir);
	cg->made[*n] = NULL;
}

static bool cg_file_is_blank(int fd, const char *file)
{
	_cleanup_free_ char *v = cg_read(fd, file);

	return !v || v[strspn(v, " \n")] == '\0';
}

/*
 * A new cpuset is empty: it takes its parent's cpus and mems. So does one made
 * by someone else on the way (a pod's parent made with mkdir), as runc fills
 * them: no process could join below an empty cpuset.
 */
static int cpuset_init(const char *dir, struct pea_error **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	_cleanup_free_ char *parent = xstrdup(dir);
	_cleanup_close_ int pfd = -1, fd = -1;

	*strrchr(parent, '/') = '\0';
	pfd = open_dir(parent);
	fd = open_dir(dir);
	if (pfd < 0 || fd < 0)
		return pea_error_errno(err, "cgroup '%s'", dir);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *v = NULL;

		if (!cg_file_is_blank(fd, files[i]) || !(v = cg_read(pfd, files[i])))
			continue;
		if (CG_SET(err, fd, dir, files[i], "%s", v) < 0)
			return -EINVAL;
	}
	return 0;
}

/* mkdir -p, remembering what was made; cpusets filled on the way down. */
static int make_dirs(struct cgroup *cg, const struct cgroup_hier *h, size_t *n_made,
		     struct pea_error **err)
{
	_cleanup_free_ char *p = xstrdup(h->dir);
	size_t start = *n_made;
	bool cpuset = has_controller(h, "cpuset");

	/* from the hierarchy root down */
	for (char *s = p + h->mnt_len + 1;;) {
		char *slash = strchr(s, '/');
		bool last;

		if (slash)
			*slash = '\0';
		last = !slash;
		if (mkdir(p, 0755) == 0)
			add_made(cg, n_made, p);
		else if (errno != EEXIST)
			return pea_error_errno(err, "cgroup: mkdir '%s'", p);
		if (cpuset && cpuset_init(p, err) < 0)
			return -EINVAL;
		if (last)
			break;
		*slash = '/';
		s = slash + 1;
	}
	/* deepest first, for removal */
	for (size_t i = start, j = *n_made - 1; i<j && * n_made> 0; i++, j--) {
		char *t = cg->made[i];
		cg->made[i] = cg->made[j];
		cg->made[j] = t;
	}
	return 0;
}

/* Is word (space or newline separated) in list? */
static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/*
 * Only the controllers not enabled yet: a write of cgroup.subtree_control
 * above running processes takes the kernel's global threadgroup lock and
 * waits for an RCU grace period, even when it changes nothing.
 */
int cgroup_v2_enable_missing(int dirfd)
{
	_cleanup_free_ char *avail = cg_read(dirfd, "cgroup.controllers");
	_cleanup_free_ char *on = cg_read(dirfd, "cgroup.subtree_control");
	char *save = NULL;
	int n = 0;

	for (char *t = avail ? strtok_r(avail, " \n", &save) : NULL; t;
	     t = strtok_r(NULL, " \n", &save)) {
		if (word_in(on, t))
			continue;
		cg_write(dirfd, NULL, "cgroup.subtree_control", "+%s", t);
		n++;
	}
	return n;
}

/* v2: the controllers the container needs, enabled down to its parent. */
static void v2_enable_controllers(const char *dir)
{
	_cleanup_free_ char *p = xstrdup(dir);

	for (char *s = strchr(p + strlen(CGROUP_ROOT), '/'); s; s = strchr(s + 1, '/')) {
		_cleanup_close_ int fd = -1;

		*s = '\0';
		fd = open_dir(p);
		*s = '/';
		if (fd >= 0)
			cgroup_v2_enable_missing(fd);
	}
}

/* ---- v1 ----------------------------------------------------------------------------- */

static int v1_memory(int fd, const char *dir, const struct spec_resources *r,
		     struct pea_error **err)
{
	if (r->has_mem_swap && !cg_has(fd, "memory.memsw.limit_in_bytes")) {
		log_warning("memory.swap: no swap accounting on this host, ignoring");
	} else if (r->has_mem_swap) {
		/* memsw >= limit at every step: the order depends on the direction */
		if (cg_write(fd, dir, "memory.memsw.limit_in_bytes", "%" PRId64, r->mem_swap) < 0) {
			if (r->has_mem_limit && CG_SET(err, fd, dir, "memory.limit_in_bytes",
						       "%" PRId64, r->mem_limit) < 0)
				return -EINVAL;
			if (CG_SET(err, fd, dir, "memory.memsw.limit_in_bytes", "%" PRId64,
				   r->mem_swap) < 0)
				return -EINVAL;
		}
	}
	if (r->has_mem_limit &&
	    CG_SET(err, fd, dir, "memory.limit_in_bytes", "%" PRId64, r->mem_limit) < 0)
		return -EINVAL;
	if (r->has_mem_reservation &&
	    CG_SET(err, fd, dir, "memory.soft_limit_in_bytes", "%" PRId64, r->mem_reservation) < 0)
		return -EINVAL;
	if (r->has_swappiness &&
	    CG_SET(err, fd, dir, "memory.swappiness", "%" PRIu64, r->swappiness) < 0)
		return -EINVAL;
	if (r->disable_oom_killer && CG_SET(err, fd, dir, "memory.oom_control", "1") < 0)
		return -EINVAL;
	return 0;
}

static int v1_cpu(int fd, const char *dir, const struct spec_resources *r, struct pea_error **err)
{
	bool period_after = false;

	if (r->has_cpu_shares && CG_SET(err, fd, dir, "cpu.shares", "%" PRIu64, r->cpu_shares) < 0)
		return -EINVAL;
	/*
	 * A shorter period can be refused (EINVAL) while the old quota over it
	 * exceeds the parent's limit: then the quota first, the period after.
	 */
	if (r->has_cpu_period) {
		int w = cg_write(fd, dir, "cpu.cfs_period_us", "%" PRIu64, r->cpu_period);

		if (w == -EINVAL && r->has_cpu_quota)
			period_after = true;
		else if (w < 0)
			return pea_error_code(err, -w, "cgroup '%s': write cpu.cfs_period_us", dir);
	}
	if (r->has_cpu_quota &&
	    CG_SET(err, fd, dir, "cpu.cfs_quota_us", "%" PRId64, r->cpu_quota) < 0)
		return -EINVAL;
	if (period_after &&
	    CG_SET(err, fd, dir, "cpu.cfs_period_us", "%" PRIu64, r->cpu_period) < 0)
		return -EINVAL;
	if (r->has_rt_period &&
	    CG_SET(err, fd, dir, "cpu.rt_period_us", "%" PRIu64, r->rt_period) < 0)
		return -EINVAL;
	if (r->has_rt_runtime &&
	    CG_SET(err, fd, dir, "cpu.rt_runtime_us", "%" PRId64, r->rt_runtime) < 0)
		return -EINVAL;
	return 0;
}

static int v1_blkio(int fd, const char *dir, const struct spec_resources *r, struct pea_error **err)
{
	static const char *const files[THROTTLE_COUNT] = { "blkio.throttle.read_bps_device",
							   "blkio.throttle.write_bps_device",
							   "blkio.throttle.read_iops_device",
							   "blkio.throttle.write_iops_device" };
	/* with the bfq scheduler the weights live in blkio.bfq.* */
	bool bfq = !cg_has(fd, "blkio.weight");
	const char *weight = bfq ? "blkio.bfq.weight" : "blkio.weight";
	const char *wdev = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";

	if (r->has_blkio_weight && CG_SET(err, fd, dir, weight, "%u", r->blkio_weight) < 0)
		return -EINVAL;
	if (r->has_blkio_leaf_weight &&
	    CG_SET(err, fd, dir, "blkio.leaf_weight", "%u", r->blkio_leaf_weight) < 0)
		return -EINVAL;
	for (size_t i = 0; i < r->n_weight_devices; i++) {
		const struct spec_weight_device *w = &r->weight_devices[i];

		if (w->has_weight &&
		    CG_SET(err, fd, dir, wdev, "%u:%u %u", w->major, w->minor, w->weight) < 0)
			return -EINVAL;
	}
	for (int k = 0; k < THROTTLE_COUNT; k++)
		for (size_t i = 0; i < r->n_throttle[k]; i++) {
			const struct spec_throttle *t = &r->throttle[k][i];

			if (CG_SET(err, fd, dir, files[k], "%u:%u %" PRIu64, t->major, t->minor,
				   t->rate) < 0)
				return -EINVAL;
		}
	return 0;
}

static void dev_rule_string(char *buf, size_t size, char type, int64_t major, int64_t minor,
			    const char *access)
{
	char ma[24] = "*", mi[24] = "*";

	if (major >= 0)
		snprintf(ma, sizeof(ma), "%" PRId64, major);
	if (minor >= 0)
		snprintf(mi, sizeof(mi), "%" PRId64, minor);
	if (type == 'a')
		snprintf(buf, size, "a");
	else
		snprintf(buf, size, "%c %s:%s %s", type, ma, mi, access);
}

/* The devices every container gets, as runc and crun allow them. */
static const struct spec_dev_rule default_dev_rules[] = {
	{ true, 'c', -1, -1, "m" },    { true, 'b', -1, -1, "m" }, { true, 'c', 1, 3, "rwm" },
	{ true, 'c', 1, 8, "rwm" },    { true, 'c', 1, 7, "rwm" }, { true, 'c', 5, 0, "rwm" },
	{ true, 'c', 1, 5, "rwm" },    { true, 'c', 1, 9, "rwm" }, { true, 'c', 5, 1, "rwm" },
	{ true, 'c', 136, -1, "rwm" }, { true, 'c', 5, 2, "rwm" }, { true, 'c', 10, 200, "rwm" },
};

/* devices.allow and devices.deny, each opened once for all the rules (a write is one rule). */
struct dev_files {
	int allow, deny;
};

static int v1_dev_write(const struct dev_files *f, const char *dir, bool allow, const char *rule,
			struct pea_error **err)
{
	if (write(allow ? f->allow : f->deny, rule, strlen(rule)) < 0)
		return pea_error_errno(err, "cgroup '%s': write %s", dir,
				       allow ? "devices.allow" : "devices.deny");
	return 0;
}

static int v1_dev_rule(const struct dev_files *f, const char *dir, const struct spec_dev_rule *d,
		       struct pea_error **err)
{
	char buf[64];

	dev_rule_string(buf, sizeof(buf), d->type, d->major, d->minor, d->access);
	return v1_dev_write(f, dir, d->allow, buf, err);
}

static int v1_devices(int fd, const char *dir, const struct spec_resources *r, const struct spec *s,
		      struct pea_error **err)
{
	_cleanup_close_ int allow = openat(fd, "devices.allow", O_WRONLY | O_CLOEXEC);
	_cleanup_close_ int deny = openat(fd, "devices.deny", O_WRONLY | O_CLOEXEC);
	struct dev_files f = { allow, deny };

	if (allow < 0 || deny < 0)
		return pea_error_errno(err, "cgroup '%s': open %s", dir,
				       allow < 0 ? "devices.allow" : "devices.deny");
	if (v1_dev_write(&f, dir, false, "a", err) < 0)
		return -EINVAL;
	/*
	 * The config's rules, then what every container gets. The nodes of
	 * linux.devices get nothing of their own, as with runc: a config allows
	 * them (podman, containerd do), or a deny-all holds for them too.
	 */
	for (size_t i = 0; i < r->n_devices; i++)
		if (v1_dev_rule(&f, dir, &r->devices[i], err) < 0)
			return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(default_dev_rules); i++)
		if (v1_dev_rule(&f, dir, &default_dev_rules[i], err) < 0)
			return -EINVAL;
	return 0;
}

/* What r sets in a v1 hierarchy of these controllers, written into fd (or CG_DRY_FD). */
static int v1_write(int fd, const struct cgroup_hier *h, const struct spec_resources *r,
		    struct pea_error **err)
{
	if (has_controller(h, "memory") && v1_memory(fd, h->dir, r, err) < 0)
		return -EINVAL;
	if (has_controller(h, "cpu") && v1_cpu(fd, h->dir, r, err) < 0)
		return -EINVAL;
	if (has_controller(h, "cpuset") &&
	    ((r->cpus && CG_SET(err, fd, h->dir, "cpuset.cpus", "%s", r->cpus) < 0) ||
	     (r->mems && CG_SET(err, fd, h->dir, "cpuset.mems", "%s", r->mems) < 0)))
		return -EINVAL;
	if (has_controller(h, "pids") && r->has_pids_limit) {
		char v[32] = "max";

		if (r->pids_limit > 0)
			snprintf(v, sizeof(v), "%" PRId64, r->pids_limit);
		if (CG_SET(err, fd, h->dir, "pids.max", "%s", v) < 0)
			return -EINVAL;
	}
	if (has_controller(h, "blkio") && v1_blkio(fd, h->dir, r, err) < 0)
		return -EINVAL;
	if (has_controller(h, "hugetlb"))
		for (size_t i = 0; i < r->n_hugepages; i++) {
			_cleanup_free_ char *f =
				xasprintf("hugetlb.%s.limit_in_bytes", r->hugepages[i].pagesize);

			if (CG_SET(err, fd, h->dir, f, "%" PRIu64, r->hugepages[i].limit) < 0)
				return -EINVAL;
		}
	return 0;
}

/*
 * Does r set anything in a hierarchy of these controllers? The writers
 * themselves say, run dry (CG_DRY_FD): most containers set nothing but
 * devices, and their hierarchies are then not even opened (11 opens, closes
 * and a blkio probe less per create on a hybrid host).
 */
static bool v1_wants(const struct cgroup_hier *h, const struct spec_resources *r)
{
	size_t before = cg_dry_writes;

	(void)v1_write(CG_DRY_FD, h, r, NULL);
	return cg_dry_writes != before;
}

static int v1_apply(const struct cgroup_hier *h, const struct spec_resources *r, bool devices,
		    struct pea_error **err)
{
	_cleanup_close_ int fd = -1;

	(void)devices;
	if (!v1_wants(h, r))
		return 0;
	fd = open_dir(h->dir);
	if (fd < 0)
		return pea_error_errno(err, "cgroup '%s'", h->dir);
	return v1_write(fd, h, r, err);
}

/* ---- v2 ----------------------------------------------------------------------------- */

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	return 1 + (weight - 10) * 9999 / 990;
}

static void v2_limit(char *buf, size_t size, int64_t v)
{
	if (v < 0)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRId64, v);
}

int cgroup_apply_v2(int fd, const struct spec_resources *r, struct pea_error **err)
{
	static const char *const keys[THROTTLE_COUNT] = { "rbps", "wbps", "riops", "wiops" };
	const char *dir = "cgroup v2";
	char v[32];

	if (r->has_mem_limit) {
		v2_limit(v, sizeof(v), r->mem_limit);
		if (CG_SET(err, fd, dir, "memory.max", "%s", v) < 0)
			return -EINVAL;
	}
	if (r->has_mem_reservation) {
		v2_limit(v, sizeof(v), r->mem_reservation);
		if (CG_SET(err, fd, dir, "memory.low", "%s", v) < 0)
			return -EINVAL;
	}
	if (r->has_mem_swap) {
		/* OCI's swap is memory+swap; memory.swap.max is the swap alone */
		if (r->mem_swap < 0 || !r->has_mem_limit || r->mem_limit < 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%" PRId64, r->mem_swap - r->mem_limit);
		if (CG_SET(err, fd, dir, "memory.swap.max", "%s", v) < 0)
			return -EINVAL;
	}
	if (r->disable_oom_killer)
		log_warning("memory.disableOOMKiller: cgroup v2 has no such switch, ignoring");
	if (r->has_cpu_shares && CG_SET(err, fd, dir, "cpu.weight", "%" PRIu64,
					cgroup_shares_to_weight(r->cpu_shares)) < 0)
		return -EINVAL;
	if (r->has_cpu_quota || r->has_cpu_period) {
		uint64_t period = r->has_cpu_period ? r->cpu_period : 100000;

		if (r->has_cpu_quota && r->cpu_quota > 0)
			snprintf(v, sizeof(v), "%" PRId64, r->cpu_quota);
		else
			snprintf(v, sizeof(v), "max");
		if (CG_SET(err, fd, dir, "cpu.max", "%s %" PRIu64, v, period) < 0)
			return -EINVAL;
	}
	if (r->has_rt_runtime || r->has_rt_period)
		return pea_error_new(err, ENOTSUP,
				     "cpu.realtimeRuntime/realtimePeriod: not available on "
				     "cgroup v2");
	if ((r->cpus && CG_SET(err, fd, dir, "cpuset.cpus", "%s", r->cpus) < 0) ||
	    (r->mems && CG_SET(err, fd, dir, "cpuset.mems", "%s", r->mems) < 0))
		return -EINVAL;
	if (r->has_pids_limit) {
		v2_limit(v, sizeof(v), r->pids_limit > 0 ? r->pids_limit : -1);
		if (CG_SET(err, fd, dir, "pids.max", "%s", v) < 0)
			return -EINVAL;
	}
	if (r->has_blkio_weight && CG_SET(err, fd, dir, "io.weight", "default %" PRIu64,
					  cgroup_blkio_to_io_weight(r->blkio_weight)) < 0)
		return -EINVAL;
	for (size_t i = 0; i < r->n_weight_devices; i++) {
		const struct spec_weight_device *w = &r->weight_devices[i];

		if (w->has_weight && CG_SET(err, fd, dir, "io.weight", "%u:%u %" PRIu64, w->major,
					    w->minor, cgroup_blkio_to_io_weight(w->weight)) < 0)
			return -EINVAL;
	}
	for (int k = 0; k < THROTTLE_COUNT; k++)
		for (size_t i = 0; i < r->n_throttle[k]; i++) {
			const struct spec_throttle *t = &r->throttle[k][i];

			if (CG_SET(err, fd, dir, "io.max", "%u:%u %s=%" PRIu64, t->major, t->minor,
				   keys[k], t->rate) < 0)
				return -EINVAL;
		}
	for (size_t i = 0; i < r->n_hugepages; i++) {
		_cleanup_free_ char *f = xasprintf("hugetlb.%s.max", r->hugepages[i].pagesize);

		if (CG_SET(err, fd, dir, f, "%" PRIu64, r->hugepages[i].limit) < 0)
			return -EINVAL;
	}
	for (size_t i = 0; i < r->n_unified; i++)
		if (CG_SET(err, fd, dir, r->unified[i].key, "%s", r->unified[i].value) < 0)
			return -EINVAL;
	return 0;
}

/* ---- v2 devices: a BPF_PROG_TYPE_CGROUP_DEVICE program --------------------------------- */

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static void push_insn(struct bpf_insn **v, size_t *n, struct bpf_insn i)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = i;
}

/* One rule: if the request matches, return allow; else fall through to the next block. */
static void bpf_rule(struct bpf_insn **v, size_t *n, const struct spec_dev_rule *d)
{
	struct bpf_insn blk[16];
	size_t k = 0, jumps[8] = { 0 }, nj = 0;
	int acc = (strchr(d->access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) |
		  (strchr(d->access, 'r') ? BPF_DEVCG_ACC_READ : 0) |
		  (strchr(d->access, 'w') ? BPF_DEVCG_ACC_WRITE : 0);

	if (d->type != 'a') {
		jumps[nj++] = k;
		blk[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
				d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	}
	if (d->type != 'a' &&
	    acc != (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)) {
		/* the access asked for must be within the rule's: (r3 & ~acc) == 0 */
		blk[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
		blk[k++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, ~acc);
		jumps[nj++] = k;
		blk[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, 0, 0);
	}
	if (d->type != 'a' && d->major >= 0) {
		jumps[nj++] = k;
		blk[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t)d->major);
	}
	if (d->type != 'a' && d->minor >= 0) {
		jumps[nj++] = k;
		blk[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t)d->minor);
	}
	blk[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow ? 1 : 0);
	blk[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t j = 0; j < nj; j++)
		blk[jumps[j]].off = (int16_t)(k - jumps[j] - 1);
	for (size_t j = 0; j < k; j++)
		push_insn(v, n, blk[j]);
}

/*
 * The program: the rules are tried last to first (the last matching one
 * wins, as with v1's devices.allow/deny writes), and nothing matching is
 * denied.
 */
size_t cgroup_devices_program(const struct spec_dev_rule *rules, size_t n_rules,
			      struct bpf_insn **ret)
{
	struct bpf_insn *v = NULL;
	size_t n = 0;

	/* r2 = type, r3 = access, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx) */
	push_insn(&v, &n, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0));
	push_insn(&v, &n, INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));
	push_insn(&v, &n, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0));
	push_insn(&v, &n, INSN(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));
	push_insn(&v, &n, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0));
	push_insn(&v, &n, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0));
	for (size_t i = n_rules; i-- > 0;) {
		bpf_rule(&v, &n, &rules[i]);
		if (rules[i].type == 'a') {
			/* matches everything: what follows would be unreachable */
			*ret = v;
			return n;
		}
	}
	push_insn(&v, &n, INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
	push_insn(&v, &n, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	*ret = v;
	return n;
}

int cgroup_devices_attach(int cgroupfd, const struct spec_dev_rule *rules, size_t n_rules,
			  struct pea_error **err)
{
	_cleanup_free_ struct bpf_insn *prog = NULL;
	_cleanup_close_ int pfd = -1;
	char log[4096] = "";
	union bpf_attr a;
	size_t n = cgroup_devices_program(rules, n_rules, &prog);

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)prog;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (pfd < 0 && errno == ENOSPC) {
		/* the log was too small: load again without it */
		a.log_buf = 0;
		a.log_size = 0;
		a.log_level = 0;
		pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	}
	if (pfd < 0)
		return pea_error_errno(err, "devices: load the BPF device program (%zu insns)%s%s",
				       n, *log ? ": " : "", log);
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgroupfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0)
		return pea_error_errno(err, "devices: attach the BPF device program");
	return 0;
}

/* The rules of a container: the config's, then the defaults (as v1 writes them). */
static size_t container_dev_rules(const struct spec_resources *r, const struct spec *s,
				  struct spec_dev_rule **ret)
{
	size_t n = 0, max = r->n_devices + ARRAY_SIZE(default_dev_rules);
	struct spec_dev_rule *v = xnew(struct spec_dev_rule, max + 1);

	for (size_t i = 0; i < r->n_devices; i++)
		v[n++] = r->devices[i];
	for (size_t i = 0; i < ARRAY_SIZE(default_dev_rules); i++)
		v[n++] = default_dev_rules[i];
	*ret = v;
	return n;
}

/* ---- the container's cgroup ------------------------------------------------------------ */

static int apply_all(const struct cgroup *cg, const struct spec_resources *r, const struct spec *s,
		     bool devices, struct pea_error **err)
{
	if (r->n_unified && cg->mode != CGROUP_UNIFIED)
		return pea_error_new(
			err, ENOTSUP,
			"invalid configuration: linux.resources.unified needs cgroup v2, "
			"this host is %s",
			cgroup_mode_name(cg->mode));
	for (size_t i = 0; i < cg->n; i++) {
		const struct cgroup_hier *h = &cg->h[i];

		if (cg->mode == CGROUP_UNIFIED) {
			_cleanup_close_ int fd = open_dir(h->dir);

			if (fd < 0)
				return pea_error_errno(err, "cgroup '%s'", h->dir);
			if (cgroup_apply_v2(fd, r, err) < 0)
				return pea_error_wrap(err, "cgroup '%s'", h->dir);
			if (devices) {
				_cleanup_free_ struct spec_dev_rule *rules = NULL;
				size_t n = container_dev_rules(r, s, &rules);

				if (cgroup_devices_attach(fd, rules, n, err) < 0)
					return pea_error_wrap(err, "cgroup '%s'", h->dir);
			}
			continue;
		}
		if (!*h->controllers)
			continue; /* hybrid: the controller-less cgroup2 */
		if (v1_apply(h, r, devices, err) < 0)
			return -EINVAL;
		if (devices && has_controller(h, "devices")) {
			_cleanup_close_ int fd = open_dir(h->dir);

			if (fd < 0 || v1_devices(fd, h->dir, r, s, err) < 0)
				return fd < 0 ? pea_error_errno(err, "cgroup '%s'", h->dir)
					      : -EINVAL;
		}
	}
	return 0;
}

int cgroup_apply(const struct cgroup *cg, const struct spec_resources *res, struct pea_error **err)
{
	return apply_all(cg, res, NULL, res->n_devices > 0, err);
}

/* Not ours to use: an ordinary user without this hierarchy delegated. */
static bool not_delegated(int code)
{
	return geteuid() != 0 && (code == EACCES || code == EPERM || code == EROFS);
}

/* Give up hierarchy i: remove what was made in it (the pid is not in it). */
static void drop_hier(struct cgroup *cg, size_t i, size_t *n_made)
{
	_cleanup_free_ char *mnt = xasprintf("%.*s/", (int)cg->h[i].mnt_len, cg->h[i].dir);
	size_t k = 0;

	for (size_t j = 0; j < *n_made; j++) {
		if (strncmp(cg->made[j], mnt, strlen(mnt)) == 0) {
			rmdir(cg->made[j]);
			free(cg->made[j]);
			continue;
		}
		cg->made[k++] = cg->made[j];
	}
	*n_made = k;
	if (cg->made)
		cg->made[k] = NULL;
	free(cg->h[i].controllers);
	free(cg->h[i].dir);
	memmove(&cg->h[i], &cg->h[i + 1], (cg->n - i - 1) * sizeof(cg->h[0]));
	cg->n--;
}

/*
 * Rootless on a partly delegated host: a hierarchy whose directory cannot
 * be made, or whose cgroup.procs refuses the pid (cgroup2 wants the common
 * ancestor writable too), is left out with a warning; the others apply.
 */
static int rootless_skip(struct cgroup *cg, size_t *i, size_t *n_made, struct pea_error **err)
{
	if (!not_delegated((*err)->code))
		return -EINVAL;
	log_warning("%s: not delegated to uid %u, no limits from this hierarchy, ignoring",
		    (*err)->message, (unsigned)geteuid());
	*err = pea_error_free(*err);
	drop_hier(cg, *i, n_made);
	(*i)--;
	return 0;
}

/*
 * Another container's processes in ours (a shared cgroupsPath): allowed, but
 * limits, pause and delete then reach them too. runc's words.
 */
static void warn_not_empty(const struct cgroup *cg)
{
	_cleanup_close_ int fd = cg->n ? open_dir(cg->h[0].dir) : -1;
	_cleanup_free_ char *procs = fd >= 0 ? cg_read(fd, "cgroup.procs") : NULL;
	size_t n = 0;

	for (char *p = procs; p && *p; p++)
		if (*p == '\n')
			n++;
	if (n)
		log_warning("container's cgroup is not empty: %zu process(es) found", n);
}

int cgroup_prepare(const char *path, const struct spec *s, struct cgroup **ret,
		   struct pea_error **err)
{
	struct cgroup *cg = xnew(struct cgroup, 1);
	size_t n_made = 0;

	if (cgroup_detect(CGROUP_ROOT, &cg->mode, err) < 0 || list_hierarchies(cg, path, err) < 0)
		goto fail;
	/*
	 * A frozen cgroup (made before us) would freeze the init and us waiting
	 * for it: refused before anything is made, and left as it is. runc's words.
	 */
	if (cgroup_frozen(cg)) {
		pea_error_new(err, EBUSY, "container's cgroup unexpectedly frozen");
		cgroup_free(cg);
		return -EBUSY;
	}
	for (size_t i = 0; i < cg->n; i++) {
		if (make_dirs(cg, &cg->h[i], &n_made, err) < 0) {
			if (rootless_skip(cg, &i, &n_made, err) < 0)
				goto fail;
			continue;
		}
		if (cg->mode == CGROUP_UNIFIED)
			v2_enable_controllers(cg->h[i].dir);
	}
	/*
	 * An ordinary user cannot program the devices cgroup (v1 needs
	 * CAP_SYS_ADMIN, v2 a BPF program); nor can its container make device
	 * nodes: the devices it binds keep their host permissions (as runc).
	 */
	if (geteuid() != 0)
		log_debug("rootless: the devices cgroup is left as it is");
	if (apply_all(cg, &s->resources, s, geteuid() == 0, err) < 0)
		goto fail;
	warn_not_empty(cg);
	if (cg->n == 0) {
		pea_error_new(err, EACCES, "cgroup: none of the hierarchies is delegated");
		goto fail;
	}
	*ret = cg;
	return 0;
fail:
	cgroup_destroy(cg, NULL);
	cgroup_free(cg);
	return -EINVAL;
}

static bool is_v2(const struct cgroup *cg, const struct cgroup_hier *h)
{
	return cg->mode == CGROUP_UNIFIED || !*h->controllers;
}

bool cgroup_hier_is_v2(const struct cgroup *cg, size_t i)
{
	return is_v2(cg, &cg->h[i]);
}

int cgroup_enter(struct cgroup *cg, pid_t pid, const struct cgroup_join *joined,
		 struct pea_error **err)
{
	size_t n_made = pea_strv_length(cg->made);

	for (size_t i = 0; i < cg->n; i++) {
		_cleanup_close_ int fd = -1;

		/* joined: the init is in it already (CLONE_INTO_CGROUP, or its own write) */
		if (joined && (!is_v2(cg, &cg->h[i]) || joined->into_v2))
			continue;
		fd = open_dir(cg->h[i].dir);
		if (fd < 0 || cg_write(fd, cg->h[i].dir, "cgroup.procs", "%d", (int)pid) < 0) {
			pea_error_errno(err, "cgroup '%s': move pid %d in", cg->h[i].dir, (int)pid);
			if (rootless_skip(cg, &i, &n_made, err) < 0)
				return -EINVAL;
		}
	}
	if (cg->n == 0)
		return pea_error_new(err, EACCES, "cgroup: none of the hierarchies is delegated");
	return 0;
}

/*
 * The parent's write of a pid into a v1 cgroup.procs (or tasks) takes the
 * kernel's global threadgroup lock for writing, which waits for an RCU grace
 * period (8-15 ms here) while holding cgroup_mutex. A thread that writes "0"
 * (itself) into `tasks` skips that lock: the kernel knows current cannot exit
 * or exec under it. So the init joins its v1 hierarchies itself, through
 * files the parent opened (the kernel checks the opener's credentials), and
 * is cloned straight into its cgroup2 one (CLONE_INTO_CGROUP takes the lock
 * for reading only).
 */
int cgroup_join_open(const struct cgroup *cg, struct cgroup_join *j, struct pea_error **err)
{
	*j = (struct cgroup_join){ .v2_fd = -1, .n = cg->n };
	j->tasks = xnew(int, cg->n + 1);
	for (size_t i = 0; i < cg->n; i++)
		j->tasks[i] = -1;
	for (size_t i = 0; i < cg->n; i++) {
		_cleanup_free_ char *tasks = NULL;

		if (is_v2(cg, &cg->h[i])) {
			j->v2_fd = pea_close(j->v2_fd);
			j->v2_fd = open_dir(cg->h[i].dir);
			if (j->v2_fd >= 0)
				continue;
			cgroup_join_close(j);
			return pea_error_errno(err, "cgroup '%s'", cg->h[i].dir);
		}
		tasks = xasprintf("%s/tasks", cg->h[i].dir);
		j->tasks[i] = open(tasks, O_WRONLY | O_CLOEXEC);
		if (j->tasks[i] < 0) {
			cgroup_join_close(j);
			return pea_error_errno(err, "cgroup '%s': open tasks", cg->h[i].dir);
		}
	}
	return 0;
}

int cgroup_join_self(const struct cgroup *cg, struct cgroup_join *j, struct pea_error **err)
{
	for (size_t i = 0; i < j->n; i++) {
		if (j->tasks[i] < 0)
			continue;
		if (write(j->tasks[i], "0", 1) < 0)
			return pea_error_errno(err, "cgroup '%s': join", cg->h[i].dir);
		j->tasks[i] = pea_close(j->tasks[i]);
	}
	return 0;
}

void cgroup_join_close(struct cgroup_join *j)
{
	for (size_t i = 0; j->tasks && i < j->n; i++)
		pea_close(j->tasks[i]);
	free(j->tasks);
	j->tasks = NULL;
	j->n = 0;
	j->v2_fd = pea_close(j->v2_fd);
}

static void kill_procs(const char *dir)
{
	_cleanup_close_ int fd = open_dir(dir);
	_cleanup_free_ char *procs = fd >= 0 ? cg_read(fd, "cgroup.procs") : NULL;

	if (!procs)
		return;
	for (char *p = procs; *p;) {
		long pid = strtol(p, &p, 10);

		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
		while (*p == '\n')
			p++;
		if (pid <= 0)
			break;
	}
}

/* rmdir that waits for killed processes to leave (they do a moment after they die). */
static int rmdir_killing(const char *dir)
{
	int tries = 0;

	while (rmdir(dir) < 0) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (errno != EBUSY || tries++ >= 200)
			return -errno;
		kill_procs(dir);
		nanosleep(&ts, NULL);
	}
	return 0;
}

/*
 * The cgroups a container made below its own (a writable /sys/fs/cgroup, or a
 * cgroup namespace): deepest first, their processes killed, as runc removes them.
 * depth caps what a container can make us walk.
 */
static void remove_children(const char *dir, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;

	if (depth > 32 || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		_cleanup_free_ char *child = NULL;

		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		child = xasprintf("%s/%s", dir, e->d_name);
		kill_procs(child);
		remove_children(child, depth + 1);
		if (rmdir_killing(child) < 0)
			log_warning("cgroup: remove '%s': %s, ignoring", child, strerror(errno));
	}
}

static bool is_own_dir(const struct cgroup *cg, const char *dir)
{
	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->h[i].dir, dir) == 0)
			return true;
	return false;
}

/*
 * The common case, a container whose processes are gone and that made no
 * cgroups of its own: each rmdir succeeds at once, with no need to read
 * cgroup.procs, the freezer or the children of every hierarchy first.
 * False at the first one still busy: the caller takes the long way.
 */
static bool remove_if_empty(const struct cgroup *cg)
{
	for (size_t i = 0; cg->made && cg->made[i]; i++)
		if (rmdir(cg->made[i]) < 0 && errno != ENOENT)
			return false;
	for (size_t i = 0; i < cg->n; i++)
		if (!pea_strv_contains(cg->made, cg->h[i].dir) && rmdir(cg->h[i].dir) == 0)
			log_debug("cgroup: removed '%s' (not ours, but empty)", cg->h[i].dir);
	return true;
}

int cgroup_destroy(const struct cgroup *cg, struct pea_error **err)
{
	int rc = 0;

	if (remove_if_empty(cg))
		return 0;
	if (cg->made && cg->made[0]) {
		for (size_t i = 0; i < cg->n; i++)
			kill_procs(cg->h[i].dir);
		/* frozen processes die only once thawed */
		if (cgroup_frozen(cg))
			cgroup_freeze(cg, false, NULL);
	}
	for (size_t i = 0; cg->made && cg->made[i]; i++) {
		/* below the container's own cgroup only: a parent we made may hold others */
		if (is_own_dir(cg, cg->made[i]))
			remove_children(cg->made[i], 0);
		rmdir_killing(cg->made[i]);
		if (access(cg->made[i], F_OK) == 0 && rc == 0)
			rc = pea_error_errno(err, "cgroup: remove '%s'", cg->made[i]);
	}
	/*
	 * The container's own cgroups that were there before it (made by whoever
	 * set it up) go too once empty, as runc removes them; never killing
	 * there, others may share them.
	 */
	for (size_t i = 0; i < cg->n; i++)
		if (!pea_strv_contains(cg->made, cg->h[i].dir) && rmdir(cg->h[i].dir) == 0)
			log_debug("cgroup: removed '%s' (not ours, but empty)", cg->h[i].dir);
	return rc;
}

int cgroup_remove_left(const char *path)
{
	struct cgroup *cg = xnew(struct cgroup, 1);
	int r = -1;

	/* made: none (no process is killed, a shared cgroupsPath's others stay): empty ones go */
	if (cgroup_detect(CGROUP_ROOT, &cg->mode, NULL) == 0 &&
	    list_hierarchies(cg, path, NULL) == 0)
		r = remove_if_empty(cg) ? 0 : -1;
	cgroup_free(cg);
	return r;
}

struct cgroup *cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return NULL;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->h[i].controllers);
		free(cg->h[i].dir);
	}
	free(cg->h);
	pea_strv_free(cg->made);
	free(cg);
	return NULL;
}

struct json_object *cgroup_to_json(const struct cgroup *cg)
{
	struct json_object *o = json_object_new_object(), *dirs = json_object_new_object();
	struct json_object *made = json_object_new_array();

	json_object_object_add(o, "mode", json_object_new_string(cgroup_mode_name(cg->mode)));
	for (size_t i = 0; i < cg->n; i++)
		json_object_object_add(dirs, *cg->h[i].controllers ? cg->h[i].controllers : "",
				       json_object_new_string(cg->h[i].dir));
	json_object_object_add(o, "paths", dirs);
	for (size_t i = 0; cg->made && cg->made[i]; i++)
		json_object_array_add(made, json_object_new_string(cg->made[i]));
	json_object_object_add(o, "made", made);
	return o;
}

int cgroup_from_json(struct json_object *o, struct cgroup **ret, struct pea_error **err)
{
	struct cgroup *cg = xnew(struct cgroup, 1);
	struct json_object *dirs = NULL;
	const char *mode = NULL;
	size_t n;

	if (pea_json_get_string_req(o, "cgroups", "mode", &mode, err) < 0 ||
	    pea_json_get_object_opt(o, "cgroups", "paths", &dirs, err) < 0 ||
	    pea_json_get_strv_opt(o, "cgroups", "made", &cg->made, err) < 0) {
		cgroup_free(cg);
		return -EINVAL;
	}
	cg->mode = strcmp(mode, "v1") == 0	 ? CGROUP_LEGACY
		   : strcmp(mode, "hybrid") == 0 ? CGROUP_HYBRID
						 : CGROUP_UNIFIED;
	n = dirs ? (size_t)json_object_object_length(dirs) : 0;
	cg->h = xnew(struct cgroup_hier, n + 1);
	if (dirs) {
		json_object_object_foreach(dirs, key, val)
		{
			if (!json_object_is_type(val, json_type_string))
				continue;
			cg->h[cg->n].controllers = xstrdup(key);
			cg->h[cg->n].dir = xstrdup(json_object_get_string(val));
			cg->n++;
		}
	}
	*ret = cg;
	return 0;
}

/* ---- freezer, pids, stats ------------------------------------------------------------- */

int cgroup_freeze(const struct cgroup *cg, bool freeze, struct pea_error **err)
{
	const struct cgroup_hier *h = find_hier(cg, "freezer");
	_cleanup_close_ int fd = -1;

	if (!h)
		return pea_error_new(err, ENOTSUP, "cgroups: no freezer on this host");
	fd = open_dir(h->dir);
	if (fd < 0)
		return pea_error_errno(err, "cgroup '%s'", h->dir);
	if (cg->mode == CGROUP_UNIFIED) {
		if (CG_SET(err, fd, h->dir, "cgroup.freeze", "%d", freeze ? 1 : 0) < 0)
			return -EINVAL;
	} else if (CG_SET(err, fd, h->dir, "freezer.state", freeze ? "FROZEN" : "THAWED") < 0)
		return -EINVAL;
	for (int i = 0; i < 500; i++) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		if (cgroup_frozen(cg) == freeze)
			return 0;
		nanosleep(&ts, NULL);
	}
	return pea_error_new(err, ETIMEDOUT, "cgroup '%s': still %s after 1s", h->dir,
			     freeze ? "freezing" : "frozen");
}

bool cgroup_frozen(const struct cgroup *cg)
{
	const struct cgroup_hier *h = find_hier(cg, "freezer");
	_cleanup_close_ int fd = h ? open_dir(h->dir) : -1;
	_cleanup_free_ char *s = NULL;

	if (fd < 0)
		return false;
	if (cg->mode == CGROUP_UNIFIED)
		return cg_read_key(fd, "cgroup.events", "frozen") == 1;
	s = cg_read(fd, "freezer.state");
	return s && strncmp(s, "FROZEN", 6) == 0;
}

int cgroup_pids(const struct cgroup *cg, pid_t **ret, size_t *ret_n, struct pea_error **err)
{
	const struct cgroup_hier *h = find_hier(cg, "pids");
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *procs = NULL;
	pid_t *v = NULL;
	size_t n = 0;

	if (!h)
		h = find_hier(cg, "memory");
	if (!h)
		return pea_error_new(err, ENOENT, "cgroups: no pids or memory hierarchy");
	fd = open_dir(h->dir);
	if (fd < 0 || !(procs = cg_read(fd, "cgroup.procs")))
		return pea_error_errno(err, "cgroup '%s': read cgroup.procs", h->dir);
	for (char *p = procs; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		v = xrealloc(v, (n + 1) * sizeof(pid_t));
		v[n++] = (pid_t)pid;
		p = end + strspn(end, "\n");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

uint64_t cgroup_oom_kills(const struct cgroup *cg)
{
	const struct cgroup_hier *h = find_hier(cg, "memory");
	_cleanup_close_ int fd = h ? open_dir(h->dir) : -1;

	if (fd < 0)
		return 0;
	if (cg->mode == CGROUP_UNIFIED)
		return cg_read_key(fd, "memory.events", "oom_kill");
	return cg_read_key(fd, "memory.oom_control", "oom_kill");
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static struct json_object *raw_stats(int fd, const char *file)
{
	_cleanup_free_ char *s = cg_read(fd, file);
	struct json_object *raw = json_object_new_object();
	char *save = NULL;

	for (char *l = s ? strtok_r(s, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');

		if (!sp)
			continue;
		*sp = '\0';
		add_u64(raw, l, strtoull(sp + 1, NULL, 10));
	}
	return raw;
}

static struct json_object *usage_entry(uint64_t limit, uint64_t usage, uint64_t max,
				       uint64_t failcnt)
{
	struct json_object *u = json_object_new_object();

	add_u64(u, "limit", limit);
	add_u64(u, "usage", usage);
	add_u64(u, "max", max);
	add_u64(u, "failcnt", failcnt);
	return u;
}

static struct json_object *v1_stats(const struct cgroup *cg)
{
	struct json_object *data = json_object_new_object();
	struct json_object *cpu = json_object_new_object(), *usage = json_object_new_object();
	struct json_object *thr = json_object_new_object(), *mem = json_object_new_object();
	struct json_object *pids = json_object_new_object(), *percpu = json_object_new_array();
	const struct cgroup_hier *h;

	if ((h = find_hier(cg, "cpuacct"))) {
		_cleanup_close_ int fd = open_dir(h->dir);
		_cleanup_free_ char *pc = fd >= 0 ? cg_read(fd, "cpuacct.usage_percpu") : NULL;
		long hz = sysconf(_SC_CLK_TCK);

		add_u64(usage, "total", cg_read_u64(fd, "cpuacct.usage"));
		for (char *p = pc; p && *p;) {
			char *end;
			uint64_t v = strtoull(p, &end, 10);

			if (end == p)
				break;
			json_object_array_add(percpu, json_object_new_uint64(v));
			p = end + strspn(end, " \n");
		}
		add_u64(usage, "kernel",
			cg_read_key(fd, "cpuacct.stat", "system") * (1000000000ull / (uint64_t)hz));
		add_u64(usage, "user",
			cg_read_key(fd, "cpuacct.stat", "user") * (1000000000ull / (uint64_t)hz));
	}
	json_object_object_add(usage, "percpu", percpu);
	if ((h = find_hier(cg, "cpu"))) {
		_cleanup_close_ int fd = open_dir(h->dir);

		add_u64(thr, "periods", cg_read_key(fd, "cpu.stat", "nr_periods"));
		add_u64(thr, "throttledPeriods", cg_read_key(fd, "cpu.stat", "nr_throttled"));
		add_u64(thr, "throttledTime", cg_read_key(fd, "cpu.stat", "throttled_time"));
	}
	json_object_object_add(cpu, "usage", usage);
	json_object_object_add(cpu, "throttling", thr);
	json_object_object_add(data, "cpu", cpu);
	if ((h = find_hier(cg, "memory"))) {
		_cleanup_close_ int fd = open_dir(h->dir);

		json_object_object_add(mem, "usage",
				       usage_entry(cg_read_u64(fd, "memory.limit_in_bytes"),
						   cg_read_u64(fd, "memory.usage_in_bytes"),
						   cg_read_u64(fd, "memory.max_usage_in_bytes"),
						   cg_read_u64(fd, "memory.failcnt")));
		json_object_object_add(
			mem, "swap",
			usage_entry(cg_read_u64(fd, "memory.memsw.limit_in_bytes"),
				    cg_read_u64(fd, "memory.memsw.usage_in_bytes"),
				    cg_read_u64(fd, "memory.memsw.max_usage_in_bytes"),
				    cg_read_u64(fd, "memory.memsw.failcnt")));
		json_object_object_add(mem, "raw", raw_stats(fd, "memory.stat"));
		/* not "oomKill": a stats line must not match what finds the {"type":"oom"} event */
		add_u64(mem, "outOfMemoryKills", cg_read_key(fd, "memory.oom_control", "oom_kill"));
	}
	json_object_object_add(data, "memory", mem);
	if ((h = find_hier(cg, "pids"))) {
		_cleanup_close_ int fd = open_dir(h->dir);
		_cleanup_free_ char *max = fd >= 0 ? cg_read(fd, "pids.max") : NULL;

		add_u64(pids, "current", cg_read_u64(fd, "pids.current"));
		add_u64(pids, "limit", max && strncmp(max, "max", 3) ? strtoull(max, NULL, 10) : 0);
	}
	json_object_object_add(data, "pids", pids);
	json_object_object_add(data, "blkio", json_object_new_object());
	json_object_object_add(data, "hugetlb", json_object_new_object());
	return data;
}

static struct json_object *v2_stats(const struct cgroup *cg)
{
	const struct cgroup_hier *h = find_hier(cg, "");
	_cleanup_close_ int fd = h ? open_dir(h->dir) : -1;
	_cleanup_free_ char *max = fd >= 0 ? cg_read(fd, "pids.max") : NULL;
	_cleanup_free_ char *mmax = fd >= 0 ? cg_read(fd, "memory.max") : NULL;
	struct json_object *data = json_object_new_object();
	struct json_object *cpu = json_object_new_object(), *usage = json_object_new_object();
	struct json_object *thr = json_object_new_object(), *mem = json_object_new_object();
	struct json_object *pids = json_object_new_object();

	add_u64(usage, "total", cg_read_key(fd, "cpu.stat", "usage_usec") * 1000);
	add_u64(usage, "kernel", cg_read_key(fd, "cpu.stat", "system_usec") * 1000);
	add_u64(usage, "user", cg_read_key(fd, "cpu.stat", "user_usec") * 1000);
	add_u64(thr, "periods", cg_read_key(fd, "cpu.stat", "nr_periods"));
	add_u64(thr, "throttledPeriods", cg_read_key(fd, "cpu.stat", "nr_throttled"));
	add_u64(thr, "throttledTime", cg_read_key(fd, "cpu.stat", "throttled_usec") * 1000);
	json_object_object_add(cpu, "usage", usage);
	json_object_object_add(cpu, "throttling", thr);
	json_object_object_add(data, "cpu", cpu);
	json_object_object_add(
		mem, "usage",
		usage_entry(mmax && strncmp(mmax, "max", 3) ? strtoull(mmax, NULL, 10) : 0,
			    cg_read_u64(fd, "memory.current"), cg_read_u64(fd, "memory.peak"),
			    cg_read_key(fd, "memory.events", "max")));
	json_object_object_add(mem, "raw", raw_stats(fd, "memory.stat"));
	add_u64(mem, "outOfMemoryKills", cg_read_key(fd, "memory.events", "oom_kill"));
	json_object_object_add(data, "memory", mem);
	add_u64(pids, "current", cg_read_u64(fd, "pids.current"));
	add_u64(pids, "limit", max && strncmp(max, "max", 3) ? strtoull(max, NULL, 10) : 0);
	json_object_object_add(data, "pids", pids);
	json_object_object_add(data, "blkio", json_object_new_object());
	json_object_object_add(data, "hugetlb", json_object_new_object());
	return data;
}

struct json_object *cgroup_stats(const struct cgroup *cg)
{
	return cg->mode == CGROUP_UNIFIED ? v2_stats(cg) : v1_stats(cg);
}

int cgroup_of_state(const struct json_object *cgroups, const char *id, struct cgroup **ret,
		    struct pea_error **err)
{
	if (!cgroups)
		return pea_error_new(err, ENOENT, "container '%s' has no cgroups", id);
	if (cgroup_from_json((struct json_object *)cgroups, ret, err) < 0)
		return pea_error_wrap(err, "state of container '%s'", id);
	return 0;
}
