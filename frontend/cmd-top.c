/*
 * top: the processes of a container (podman-top(1)). Like podman's psgo, it
 * reads /proc of every process in the container's pid namespace and shows
 * pids, users and groups as the container sees them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/records.h"

#define PROC_FILE_MAX (1u << 20)
#define PASSWD_MAX    (4u << 20)

/* One process, from /proc/PID/{stat,status,cmdline}. */
struct proc {
	int hpid, hppid, pid, ppid, pgid;
	char state;
	char comm[64];
	char *args;
	int tty;
	long long utime, stime, start, vsize, rss; /* ticks, ticks, ticks, bytes, pages */
	long nice;
	unsigned int ruid, euid, rgid, egid; /* host ids */
	int seccomp;
	unsigned long long caps[5]; /* CapAmb, CapBnd, CapEff, CapInh, CapPrm */
	char *label;		    /* attr/current: the LSM's label */
};

struct top {
	int rootfd; /* the container's / (through its init) */
	struct proc *v;
	size_t n;
	char *uid_map, *gid_map; /* the init's maps, to show the container's ids */
	char *passwd, *group;	 /* its /etc/passwd and /etc/group */
	double now_boot;	 /* CLOCK_BOOTTIME, seconds */
	long hz;
};

static void top_clear(struct top *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].args);
		free(t->v[i].label);
	}
	free(t->v);
	free(t->uid_map);
	free(t->gid_map);
	free(t->passwd);
	free(t->group);
	pea_close(t->rootfd);
}

static char *read_proc(int pid, const char *what)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", pid, what);
	char *buf = NULL;
	size_t len;

	if (pea_read_file_at(AT_FDCWD, path, PROC_FILE_MAX, &buf, &len, NULL) < 0)
		return NULL;
	for (size_t i = 0; i + 1 < len; i++)
		if (buf[i] == '\0' && strcmp(what, "cmdline") == 0)
			buf[i] = ' ';
	return buf;
}

static int parse_stat(const char *buf, struct proc *p)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	unsigned long long f[40] = { 0 };
	const char *s;
	long long v;
	size_t i = 0;
	int n;

	if (!open || !close || close < open)
		return -1;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close - open - 1), open + 1);
	if (close[1] != ' ' || !close[2])
		return -1;
	p->state = close[2];
	/* fields from 4 (ppid) on */
	for (s = close + 3; i < ARRAY_SIZE(f) && sscanf(s, " %lld%n", &v, &n) == 1; s += n)
		f[i++] = (unsigned long long)v;
	if (i < 21)
		return -1;
	p->hppid = (int)f[0];
	p->pgid = (int)f[1];
	p->tty = (int)f[3];
	p->utime = (long long)f[10];
	p->stime = (long long)f[11];
	p->nice = (long)(long long)f[15];
	p->start = (long long)f[18];
	p->vsize = (long long)f[19];
	p->rss = (long long)f[20];
	return 0;
}

static const char *const cap_sets[] = { "Amb:", "Bnd:", "Eff:", "Inh:", "Prm:" };

/* "Eff:\t00000000a80425fb" of /proc/PID/status. */
static void parse_cap(const char *l, struct proc *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(cap_sets); i++)
		if (strncmp(l, cap_sets[i], 4) == 0)
			p->caps[i] = strtoull(l + 4, NULL, 16);
}

static void parse_status(const char *buf, struct proc *p)
{
	for (const char *l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, "Uid:", 4) == 0)
			sscanf(l + 4, "%u %u", &p->ruid, &p->euid);
		else if (strncmp(l, "Gid:", 4) == 0)
			sscanf(l + 4, "%u %u", &p->rgid, &p->egid);
		else if (strncmp(l, "Seccomp:", 8) == 0)
			p->seccomp = atoi(l + 8);
		else if (strncmp(l, "Cap", 3) == 0)
			parse_cap(l + 3, p);
		else if (strncmp(l, "NSpid:", 6) == 0) {
			const char *e = strchr(l, '\n');
			const char *sp = l + 6;
			/* the last number: the pid in the innermost namespace */
			for (const char *q = l + 6; q < (e ? e : l + strlen(l)); q++)
				if (*q == '\t' || *q == ' ')
					sp = q;
			p->pid = atoi(sp);
		}
	}
}

int top_parse_proc(const char *stat, const char *status, int *ret_pid, int *ret_ppid,
		   char *ret_state)
{
	struct proc p = { 0 };

	if (parse_stat(stat, &p) < 0)
		return -EINVAL;
	parse_status(status, &p);
	*ret_pid = p.pid;
	*ret_ppid = p.hppid;
	*ret_state = p.state;
	return 0;
}

static bool same_pidns(int pid, const struct stat *ns)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/ns/pid", pid);
	struct stat st;

	return stat(path, &st) == 0 && st.st_dev == ns->st_dev && st.st_ino == ns->st_ino;
}

static int collect(struct top *t, int init, struct pea_error **err)
{
	_cleanup_free_ char *nspath = xasprintf("/proc/%d/ns/pid", init);
	_cleanup_closedir_ DIR *d = opendir("/proc");
	struct stat ns;
	struct dirent *e;

	if (stat(nspath, &ns) < 0)
		return pea_error_errno(err, "'%s'", nspath);
	if (!d)
		return pea_error_errno(err, "open '/proc'");
	while ((e = readdir(d))) {
		_cleanup_free_ char *stat_buf = NULL, *status = NULL;
		struct proc p = { 0 };
		int pid = atoi(e->d_name);

		if (pid <= 0 || !same_pidns(pid, &ns))
			continue;
		stat_buf = read_proc(pid, "stat");
		status = read_proc(pid, "status");
		if (!stat_buf || !status || parse_stat(stat_buf, &p) < 0)
			continue; /* gone meanwhile */
		p.hpid = pid;
		parse_status(status, &p);
		p.args = read_proc(pid, "cmdline");
		p.label = read_proc(pid, "attr/current");
		if (p.label)
			p.label[strcspn(p.label, "\n")] = '\0';
		if (!p.args || !*p.args) {
			free(p.args);
			p.args = xasprintf("[%s]", p.comm);
		}
		t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
		t->v[t->n++] = p;
	}
	for (size_t i = 0; i < t->n; i++) {
		t->v[i].ppid = 0; /* a parent outside the namespace (the monitor) shows as 0 */
		for (size_t k = 0; k < t->n; k++)
			if (t->v[k].hpid == t->v[i].hppid)
				t->v[i].ppid = t->v[k].pid;
	}
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	return ((const struct proc *)a)->pid - ((const struct proc *)b)->pid;
}

/* A host id as the container sees it, through a uid_map/gid_map; -1 if unmapped. */
static long long map_id(const char *map, unsigned int id)
{
	unsigned long long in, out, len;
	int n;

	if (!map)
		return id;
	for (const char *l = map; sscanf(l, " %llu %llu %llu%n", &in, &out, &len, &n) == 3; l += n)
		if (id >= out && id - out < len)
			return (long long)(in + (id - out));
	return -1;
}

static char *tty_name(int tty)
{
	unsigned int maj = major((dev_t)tty), min = minor((dev_t)tty);

	if (tty == 0)
		return xstrdup("?");
	if (maj >= 136 && maj <= 143)
		return xasprintf("pts/%u", (maj - 136) * 256 + min);
	if (maj == 4 && min < 64)
		return xasprintf("tty%u", min);
	if (maj == 4)
		return xasprintf("ttyS%u", min - 64);
	return xstrdup("?");
}

enum desc {
	D_ARGS,
	D_CAPAMB,
	D_CAPBND,
	D_CAPEFF,
	D_CAPINH,
	D_CAPPRM,
	D_COMM,
	D_ETIME,
	D_GROUP,
	D_HGROUP,
	D_HPID,
	D_HUSER,
	D_LABEL,
	D_NICE,
	D_PCPU,
	D_PGID,
	D_PID,
	D_PPID,
	D_RGROUP,
	D_RSS,
	D_RUSER,
	D_SECCOMP,
	D_STATE,
	D_STIME,
	D_TIME,
	D_TTY,
	D_USER,
	D_VSZ,
};

static const struct {
	const char *name, *aix, *header;
	enum desc d;
} descriptors[] = {
	{ "args", "%a", "COMMAND", D_ARGS },
	{ "capamb", NULL, "AMBIENT CAPS", D_CAPAMB },
	{ "capbnd", NULL, "BOUNDING CAPS", D_CAPBND },
	{ "capeff", NULL, "EFFECTIVE CAPS", D_CAPEFF },
	{ "capinh", NULL, "INHERITED CAPS", D_CAPINH },
	{ "capprm", NULL, "PERMITTED CAPS", D_CAPPRM },
	{ "comm", "%c", "COMMAND", D_COMM },
	{ "etime", "%t", "ELAPSED", D_ETIME },
	{ "group", "%G", "GROUP", D_GROUP },
	{ "hgroup", NULL, "HGROUP", D_HGROUP },
	{ "hpid", NULL, "HPID", D_HPID },
	{ "huser", NULL, "HUSER", D_HUSER },
	{ "label", NULL, "LABEL", D_LABEL },
	{ "nice", "%n", "NI", D_NICE },
	{ "pcpu", "%C", "%CPU", D_PCPU },
	{ "pgid", "%r", "PGID", D_PGID },
	{ "pid", "%p", "PID", D_PID },
	{ "ppid", "%P", "PPID", D_PPID },
	{ "rgroup", "%g", "RGROUP", D_RGROUP },
	{ "rss", NULL, "RSS", D_RSS },
	{ "ruser", "%u", "RUSER", D_RUSER },
	{ "seccomp", NULL, "SECCOMP", D_SECCOMP },
	{ "state", NULL, "STATE", D_STATE },
	{ "stime", NULL, "STIME", D_STIME },
	{ "time", "%x", "TIME", D_TIME },
	{ "tty", "%y", "TTY", D_TTY },
	{ "user", "%U", "USER", D_USER },
	{ "vsz", "%z", "VSZ", D_VSZ },
};

static int desc_find(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(descriptors); i++)
		if (strcmp(descriptors[i].name, s) == 0 ||
		    (descriptors[i].aix && strcmp(descriptors[i].aix, s) == 0))
			return (int)i;
	return -1;
}

static char *host_name(const char *file, unsigned int id)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (pea_read_file_at(AT_FDCWD, file, PASSWD_MAX, &buf, &len, NULL) < 0)
		return xasprintf("%u", id);
	return passwd_name_of(buf, id);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A capability set as psgo prints it: "full", "none", or the names sorted, comma-separated. */
char *top_caps(unsigned long long set, int last_cap)
{
	static const char *const names[] = {
		"CHOWN",
		"DAC_OVERRIDE",
		"DAC_READ_SEARCH",
		"FOWNER",
		"FSETID",
		"KILL",
		"SETGID",
		"SETUID",
		"SETPCAP",
		"LINUX_IMMUTABLE",
		"NET_BIND_SERVICE",
		"NET_BROADCAST",
		"NET_ADMIN",
		"NET_RAW",
		"IPC_LOCK",
		"IPC_OWNER",
		"SYS_MODULE",
		"SYS_RAWIO",
		"SYS_CHROOT",
		"SYS_PTRACE",
		"SYS_PACCT",
		"SYS_ADMIN",
		"SYS_BOOT",
		"SYS_NICE",
		"SYS_RESOURCE",
		"SYS_TIME",
		"SYS_TTY_CONFIG",
		"MKNOD",
		"LEASE",
		"AUDIT_WRITE",
		"AUDIT_CONTROL",
		"SETFCAP",
		"MAC_OVERRIDE",
		"MAC_ADMIN",
		"SYSLOG",
		"WAKE_ALARM",
		"BLOCK_SUSPEND",
		"AUDIT_READ",
		"PERFMON",
		"BPF",
		"CHECKPOINT_RESTORE",
	};
	_cleanup_strv_ char **v = NULL;
	unsigned long long full;

	if (last_cap < 0 || last_cap > 63)
		last_cap = (int)ARRAY_SIZE(names) - 1;
	full = last_cap == 63 ? ~0ULL : (1ULL << (last_cap + 1)) - 1;
	if ((set & full) == full)
		return xstrdup("full");
	for (int i = 0; i <= last_cap; i++)
		if (set & (1ULL << i))
			pea_strv_push_take(&v, (size_t)i < ARRAY_SIZE(names)
						       ? xstrdup(names[i])
						       : xasprintf("CAP_%d", i));
	if (!v)
		return xstrdup("none");
	qsort(v, pea_strv_length(v), sizeof(*v), str_cmp);
	return pea_strv_join(v, ",");
}

/* The kernel's last capability (/proc/sys/kernel/cap_last_cap); -1 if unknown. */
static int cap_last(void)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (pea_read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &buf, &len, NULL) < 0)
		return -1;
	return atoi(buf);
}

/* Go's Time.String() of the process's start, in local time. */
static char *start_time(const struct top *t, const struct proc *p)
{
	double at = frontend_now_seconds() - t->now_boot + (double)p->start / (double)t->hz;
	time_t sec = (time_t)at;
	long ns = (long)((at - (double)sec) * 1e9);
	char date[64], zone[32], frac[32] = "";
	struct tm tm;
	size_t l;

	localtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z %Z", &tm);
	if (ns > 0) {
		snprintf(frac, sizeof(frac), ".%09ld", ns);
		for (l = strlen(frac); frac[l - 1] == '0'; l--)
			frac[l - 1] = '\0';
	}
	return xasprintf("%s%s %s", date, frac, zone);
}

static char *field(const struct top *t, const struct proc *p, enum desc d)
{
	double elapsed = t->now_boot - (double)p->start / (double)t->hz;
	long long cpu = p->utime + p->stime;
	static const char *const seccomp[] = { "disabled", "strict", "filter" };

	if (elapsed < 0)
		elapsed = 0;
	switch (d) {
	case D_ARGS:
		return xstrdup(p->args);
	case D_CAPAMB:
	case D_CAPBND:
	case D_CAPEFF:
	case D_CAPINH:
	case D_CAPPRM:
		return top_caps(p->caps[d - D_CAPAMB], cap_last());
	case D_LABEL:
		return xstrdup(p->label && *p->label ? p->label : "-");
	case D_STIME:
		return start_time(t, p);
	case D_COMM:
		return xstrdup(p->comm);
	case D_ETIME:
		return go_duration((long long)(elapsed * 1e9));
	case D_GROUP:
		return passwd_name_of(t->group, map_id(t->gid_map, p->egid));
	case D_RGROUP:
		return passwd_name_of(t->group, map_id(t->gid_map, p->rgid));
	case D_USER:
		return passwd_name_of(t->passwd, map_id(t->uid_map, p->euid));
	case D_RUSER:
		return passwd_name_of(t->passwd, map_id(t->uid_map, p->ruid));
	case D_HGROUP:
		return host_name("/etc/group", p->egid);
	case D_HUSER:
		return host_name("/etc/passwd", p->euid);
	case D_HPID:
		return xasprintf("%d", p->hpid);
	case D_NICE:
		return xasprintf("%ld", p->nice);
	case D_PCPU:
		return xasprintf("%.3f",
				 elapsed > 0 ? (double)cpu / (double)t->hz / elapsed * 100 : 0.0);
	case D_PGID:
		return xasprintf("%d", p->pgid);
	case D_PID:
		return xasprintf("%d", p->pid);
	case D_PPID:
		return xasprintf("%d", p->ppid);
	case D_RSS:
		return xasprintf("%lld", p->rss * (sysconf(_SC_PAGESIZE) / 1024));
	case D_VSZ:
		return xasprintf("%lld", p->vsize / 1024);
	case D_SECCOMP:
		return xstrdup(p->seccomp >= 0 && p->seccomp < 3 ? seccomp[p->seccomp] : "?");
	case D_STATE:
		return xasprintf("%c", p->state);
	case D_TIME:
		return go_duration(cpu * 1000000000LL / t->hz);
	case D_TTY:
		return tty_name(p->tty);
	default:
		return xstrdup("?");
	}
}

static int top_load(struct top *t, int init, struct pea_error **err)
{
	_cleanup_free_ char *root = xasprintf("/proc/%d/root", init);
	struct timespec ts;

	t->hz = sysconf(_SC_CLK_TCK);
	if (t->hz <= 0)
		t->hz = 100;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	t->now_boot = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	t->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	t->passwd = rootfs_read_file(t->rootfd, "/etc/passwd", PASSWD_MAX);
	t->group = rootfs_read_file(t->rootfd, "/etc/group", PASSWD_MAX);
	t->uid_map = read_proc(init, "uid_map");
	t->gid_map = read_proc(init, "gid_map");
	if (collect(t, init, err) < 0)
		return -1;
	if (t->n == 0)
		return pea_error_new(err, ESRCH, "the container has no processes");
	qsort(t->v, t->n, sizeof(*t->v), by_pid);
	return 0;
}

static const char top_usage[] =
	"Usage: pea top [OPTIONS] CONTAINER [FORMAT-DESCRIPTORS...]\n"
	"\n"
	"Display the running processes of a container.\n"
	"\n"
	"Descriptors (also comma-separated): args comm etime group hgroup hpid huser nice\n"
	"pcpu pgid pid ppid rgroup rss ruser seccomp state time tty user vsz, and the AIX\n"
	"codes %C %G %P %U %a %c %g %n %p %r %t %u %x %y %z.\n"
	"Default: user pid ppid pcpu etime tty time args.\n";

static int parse_descriptors(char **args, int n, int **ret, size_t *ret_n, struct pea_error **err)
{
	_cleanup_free_ int *v = NULL;
	size_t k = 0;

	for (int i = 0; i < n; i++) {
		_cleanup_strv_ char **parts = pea_strv_split(args[i], ", ");
		for (size_t j = 0; parts && parts[j]; j++) {
			int d = desc_find(parts[j]);
			if (d < 0)
				return pea_error_new(err, EINVAL, "unknown descriptor: %s",
						     parts[j]);
			v = xreallocarray(v, k + 1, sizeof(*v));
			v[k++] = d;
		}
	}
	if (k == 0) {
		static const char *const dflt[] = { "user",  "pid", "ppid", "pcpu",
						    "etime", "tty", "time", "args" };
		for (size_t j = 0; j < ARRAY_SIZE(dflt); j++) {
			v = xreallocarray(v, k + 1, sizeof(*v));
			v[k++] = desc_find(dflt[j]);
		}
	}
	*ret = TAKE_PTR(v);
	*ret_n = k;
	return 0;
}

/*
 * Descriptors pea does not know are ps(1) options, as podman treats them: ps
 * runs with them inside the container (pea exec), and the lines naming that
 * ps itself are left out. Without a ps there, the descriptor error stays.
 */
static int ps_in_container(struct global_options *g, const struct ctr_record *r, char **args, int n,
			   struct pea_error **err)
{
	_cleanup_strv_ char **argv = frontend_self_argv(g);
	_cleanup_strv_ char **words = NULL;
	_cleanup_free_ char *cmd = NULL;
	struct run_result res = { 0 };
	char *line, *save = NULL;

	pea_strv_push(&argv, "exec");
	pea_strv_push(&argv, r->id);
	pea_strv_push(&argv, "ps");
	for (int i = 0; i < n; i++) {
		pea_strv_push(&argv, args[i]);
		pea_strv_push(&words, args[i]);
	}
	cmd = pea_strv_join(words, " ");
	if (frontend_run_capture(argv, -1, &res, NULL) < 0)
		return -1; /* *err: the unknown descriptor */
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		int st = WIFEXITED(res.status) ? WEXITSTATUS(res.status) : PEA_EXIT_ENGINE;
		bool missing = st == PEA_EXIT_NOT_FOUND || st == PEA_EXIT_CANNOT ||
			       (res.errtxt && strstr(res.errtxt, "not found"));
		if (!missing) {
			pea_error_free(*err);
			*err = NULL;
			pea_error_new(err, EINVAL, "executing ps(1) in the container: %s",
				      res.errtxt && *res.errtxt ? res.errtxt : "failed");
		}
		run_result_clear(&res);
		return -1;
	}
	pea_error_free(*err);
	*err = NULL;
	for (line = strtok_r(res.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strstr(line, cmd))
			printf("%s\n", line);
	run_result_clear(&res);
	return 0;
}

int cmd_top(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_free_ int *desc = NULL;
	struct top t = { .rootfd = -1 };
	struct table tab = { 0 };
	char **row = NULL;
	size_t nd = 0;
	int rc, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "+h", opts, top_usage, &c, err)) == 2)
		;
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (optind >= argc)
		return pea_error_new(err, EINVAL,
				     "you must provide the name or id of a "
				     "running container");
	if (record_lookup(g, argv[optind], &r, err) < 0)
		return -1;
	(void)record_refresh(g, r, NULL);
	if (r->state != CTR_RUNNING)
		return pea_error_new(err, EINVAL, "top can only be used on running containers");
	if (parse_descriptors(argv + optind + 1, argc - optind - 1, &desc, &nd, err) < 0)
		return ps_in_container(g, r, argv + optind + 1, argc - optind - 1, err);
	if (top_load(&t, r->pid, err) < 0) {
		top_clear(&t);
		return pea_error_wrap(err, "container '%s'", argv[optind]);
	}
	for (size_t i = 0; i < nd; i++)
		pea_strv_push(&row, descriptors[desc[i]].header);
	table_add(&tab, row);
	for (size_t k = 0; k < t.n; k++) {
		row = NULL;
		for (size_t i = 0; i < nd; i++)
			pea_strv_push_take(&row, field(&t, &t.v[k], descriptors[desc[i]].d));
		table_add(&tab, row);
	}
	table_print(stdout, &tab);
	table_clear(&tab);
	top_clear(&t);
	return 0;
}
