/*
 * oci-runtime/cgroup.c and resources.c: cgroupsPath and systemd paths, the
 * v2 files written for linux.resources (over a fake cgroupfs tree, since
 * this host's cgroup2 has no controllers), and the v2 BPF device program,
 * loaded and attached for real to a cgroup of the cgroup2 mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "oci-runtime/cgroup.h"
#include "oci-runtime/spec.h"
#include "tests/unit/tap.h"

static char *path_for(const char *p, const char *id, bool systemd)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char *ret = NULL;

	if (cgroup_path_for(p, id, systemd, &ret, &err) < 0)
		return strdup(err->message);
	return ret;
}

static void test_paths(void)
{
	struct {
		const char *in;
		bool systemd;
		const char *want;
	} cases[] = {
		{ NULL, false, "/c1" },
		{ "", false, "/c1" },
		{ "/a/b", false, "/a/b" },
		{ "a/b", false, "/a/b" },
		{ "/a/../b", false,
		  "linux.cgroupsPath '/a/../b': no '.' or '..' components, and not "
		  "the root" },
		{ "/", false,
		  "linux.cgroupsPath '/': no '.' or '..' components, and not the root" },
		{ "machine.slice:libpod:abc", true, "/machine.slice/libpod-abc.scope" },
		{ "a-b.slice:pea:x", true, "/a.slice/a-b.slice/pea-x.scope" },
		{ ":pea:x", true, "/system.slice/pea-x.scope" },
		{ "-.slice::x", true, "/x.scope" },
		{ "user.slice:p:", true, "/user.slice/p-c1.scope" },
		{ "a.slice:p:b.slice", true, "/a.slice/b.slice" },
		{ "nope", true,
		  "cgroupsPath 'nope': with --systemd-cgroup it must be "
		  "slice:prefix:name" },
		{ "a--b.slice:p:x", true, "--systemd-cgroup: 'a--b.slice' is not a slice name" },
		{ "a/b.slice:p:x", true, "--systemd-cgroup: 'a/b.slice' is not a slice name" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *got = path_for(cases[i].in, "c1", cases[i].systemd);

		tap_is_str(got, cases[i].want, "cgroup path of '%s'%s",
			   cases[i].in ? cases[i].in : "", cases[i].systemd ? " (systemd)" : "");
	}
}

static int parse_res(const char *doc, struct spec_resources *r, char **ret_err)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_json_ struct json_object *o = NULL;

	memset(r, 0, sizeof(*r));
	if (pea_json_parse(doc, strlen(doc), "r", &o, &err) < 0 ||
	    spec_resources_parse(o, "linux.resources", r, &err) < 0) {
		*ret_err = strdup(err->message);
		return -1;
	}
	*ret_err = NULL;
	return 0;
}

static char *read_at(int dirfd, const char *file)
{
	char *buf = NULL;

	if (pea_read_file_at(dirfd, file, 4096, &buf, NULL, NULL) < 0)
		return strdup("(missing)");
	return buf;
}

/* A fake cgroup2 directory: the files exist (empty), cgroup_apply_v2 writes them. */
static void test_v2_files(void)
{
	static const char *const files[] = { "memory.max",  "memory.low",      "memory.swap.max",
					     "cpu.weight",  "cpu.max",	       "cpuset.cpus",
					     "cpuset.mems", "pids.max",	       "io.weight",
					     "io.max",	    "hugetlb.2MB.max", "memory.high",
					     NULL };
	char tmpl[] = "/tmp/pea-fake-cgroup.XXXXXX";
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *perr = NULL;
	struct spec_resources r;

	if (!mkdtemp(tmpl)) {
		tap_ok(false, "mkdtemp");
		return;
	}
	fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; files[i]; i++)
		close(openat(fd, files[i], O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	tap_is_int(parse_res("{\"memory\":{\"limit\":67108864,\"reservation\":1048576,"
			     "\"swap\":134217728},\"cpu\":{\"shares\":1024,\"quota\":50000,"
			     "\"period\":100000,\"cpus\":\"0-1\",\"mems\":\"0\"},"
			     "\"pids\":{\"limit\":0},\"blockIO\":{\"weight\":500,"
			     "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1000}]},"
			     "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
			     "\"unified\":{\"memory.high\":\"50000000\"}}",
			     &r, &perr),
		   0, "resources parse");
	tap_is_int(cgroup_apply_v2(fd, &r, &err), 0, "cgroup_apply_v2 over the fake tree");
	{
		struct {
			const char *file, *want;
		} want[] = {
			{ "memory.max", "67108864" },
			{ "memory.low", "1048576" },
			{ "memory.swap.max", "67108864" },
			{ "cpu.weight", "39" },
			{ "cpu.max", "50000 100000" },
			{ "cpuset.cpus", "0-1" },
			{ "cpuset.mems", "0" },
			{ "pids.max", "max" },
			{ "io.weight", "default 4950" },
			{ "io.max", "8:0 rbps=1000" },
			{ "hugetlb.2MB.max", "4194304" },
			{ "memory.high", "50000000" },
		};

		for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
			_cleanup_free_ char *got = read_at(fd, want[i].file);

			tap_is_str(got, want[i].want, "v2 %s", want[i].file);
		}
	}
	spec_resources_clear(&r);
	/* quota -1: "max", with the period kept */
	tap_is_int(parse_res("{\"cpu\":{\"quota\":-1,\"period\":50000},\"memory\":{\"limit\":-1}}",
			     &r, &perr),
		   0, "unlimited parse");
	tap_is_int(cgroup_apply_v2(fd, &r, &err), 0, "unlimited applied");
	{
		_cleanup_free_ char *cpu = read_at(fd, "cpu.max"), *mem = read_at(fd, "memory.max");

		tap_is_str(cpu, "max 50000", "cpu.max unlimited");
		tap_is_str(mem, "max", "memory.max unlimited");
	}
	spec_resources_clear(&r);
	/* a file the kernel would not have */
	tap_is_int(parse_res("{\"unified\":{\"nope.file\":\"1\"}}", &r, &perr), 0, "unified parse");
	tap_ok(cgroup_apply_v2(fd, &r, &err) < 0 && strstr(err->message, "write nope.file"),
	       "a missing cgroup file is an error naming it");
	spec_resources_clear(&r);
	pea_rm_rf_at(AT_FDCWD, tmpl, NULL);

	tap_is_int(cgroup_shares_to_weight(2), 1, "shares 2 -> weight 1");
	tap_is_int(cgroup_shares_to_weight(262144), 10000, "shares 262144 -> weight 10000");
	tap_is_int(cgroup_blkio_to_io_weight(10), 1, "blkio 10 -> io 1");
	tap_is_int(cgroup_blkio_to_io_weight(1000), 10000, "blkio 1000 -> io 10000");
}

static void test_parse_errors(void)
{
	struct {
		const char *doc, *want;
	} cases[] = {
		{ "{\"memory\":{\"limit\":1}}",
		  "linux.resources.memory: limit 1 is below one page" },
		{ "{\"memory\":{\"swappiness\":101}}", "swappiness must be 0 to 100" },
		{ "{\"cpu\":{\"period\":10}}", "period must be 1000 to 1000000" },
		{ "{\"cpu\":{\"mems\":\"a\"}}", "mems: 'a' is not a list" },
		{ "{\"blockIO\":{\"weight\":5}}", "weight must be 10 to 1000" },
		{ "{\"blockIO\":{\"weightDevice\":[{\"major\":-1,\"minor\":0}]}}",
		  "invalid device number -1:0" },
		{ "{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}", "type 'x' is not a, c or b" },
		/* letters but r, w, m are dropped (as runc): none of them is an error */
		{ "{\"devices\":[{\"allow\":true,\"access\":\"xa\"}]}",
		  "access 'xa' has none of r, w, m" },
		{ "{\"devices\":[{\"type\":\"c\"}]}", "allow" },
		{ "{\"unified\":{\"../x\":\"1\"}}", "is not a cgroup file name" },
		{ "{\"unified\":{\"cgroup.procs\":\"1\"}}",
		  "the cgroup.* files are the runtime's" },
		{ "{\"bogus\":{}}", "linux.resources.bogus: unknown or unsupported field" },
		{ "{\"pids\":{\"limit\":\"10\"}}", "linux.resources.pids.limit" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *e = NULL;
		struct spec_resources r;

		parse_res(cases[i].doc, &r, &e);
		spec_resources_clear(&r);
		tap_ok(e && strstr(e, cases[i].want), "refused: %s", cases[i].doc);
		if (!e || !strstr(e, cases[i].want))
			tap_diag("got '%s', want '%s'", e ? e : "(accepted)", cases[i].want);
	}
}

/* In a child moved into dir: open path; 0 or the errno. */
static int open_in_cgroup(const char *dir, const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char me[32];

		snprintf(me, sizeof(me), "%d", (int)getpid());
		if (pea_write_file_at(fd, "cgroup.procs", me, NULL) < 0)
			_exit(200);
		_exit(open(path, O_RDONLY | O_CLOEXEC) < 0 ? errno : 0);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/* The BPF device program, on a real cgroup of the cgroup2 mount. */
static void test_bpf_devices(void)
{
	static const struct spec_dev_rule rules[] = {
		{ false, 'a', -1, -1, "rwm" },
		{ true, 'c', 1, 3, "rwm" },  /* /dev/null */
		{ true, 'c', 1, -1, "r" },   /* any 1:*, read only */
		{ false, 'c', 1, 8, "rwm" }, /* but not /dev/random */
	};
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ struct bpf_insn *prog = NULL;
	char dir[128];
	enum cgroup_mode mode;
	const char *base;
	_cleanup_close_ int fd = -1;

	tap_ok(cgroup_devices_program(rules, ARRAY_SIZE(rules), &prog) > 10, "program built");
	tap_is_int(cgroup_detect(CGROUP_ROOT, &mode, &err), 0, "cgroup mode detected");
	base = mode == CGROUP_UNIFIED ? CGROUP_ROOT : CGROUP_ROOT "/unified";
	tap_diag("cgroup mode: %s", cgroup_mode_name(mode));
	snprintf(dir, sizeof(dir), "%s/pea-unit-bpf-%d", base, (int)getpid());
	if (geteuid() != 0 || mode == CGROUP_LEGACY || mkdir(dir, 0755) < 0) {
		tap_skip(5, "expected: needs root and a cgroup2 mount");
		return;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	tap_is_int(cgroup_devices_attach(fd, rules, ARRAY_SIZE(rules), &err), 0,
		   "program loaded and attached");
	if (err)
		tap_diag("%s", err->message);
	tap_is_int(open_in_cgroup(dir, "/dev/null"), 0, "/dev/null allowed");
	tap_is_int(open_in_cgroup(dir, "/dev/zero"), 0, "/dev/zero (1:*, r) allowed for reading");
	tap_is_int(open_in_cgroup(dir, "/dev/random"), EPERM, "/dev/random denied (a later rule)");
	tap_is_int(open_in_cgroup(dir, "/dev/tty"), EPERM, "/dev/tty denied (nothing matches)");
	rmdir(dir);
}

static void test_json(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_json_ struct json_object *o = NULL, *o2 = NULL;
	struct cgroup cg = { 0 }, *back = NULL;
	struct cgroup_hier h[2] = { { (char *)"memory", (char *)"/sys/fs/cgroup/memory/x", 0 },
				    { (char *)"", (char *)"/sys/fs/cgroup/unified/x", 0 } };
	char *made[] = { (char *)"/sys/fs/cgroup/memory/x", NULL };

	cg.mode = CGROUP_HYBRID;
	cg.h = h;
	cg.n = 2;
	cg.made = made;
	o = cgroup_to_json(&cg);
	tap_is_int(cgroup_from_json(o, &back, &err), 0, "state round trip");
	o2 = cgroup_to_json(back);
	tap_is_str(pea_json_to_string(o2), pea_json_to_string(o), "the same JSON back");
	cgroup_free(back);
}

/* A fake cgroup2 parent: only the controllers not yet in subtree_control are written. */
static void put(int fd, const char *file, const char *content)
{
	_cleanup_close_ int f = openat(fd, file, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);

	if (f < 0 || write(f, content, strlen(content)) < 0)
		tap_ok(false, "write %s", file);
}

static void test_v2_enable(void)
{
	char tmpl[] = "/tmp/pea-fake-cgroup.XXXXXX";
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *on = NULL;

	if (!mkdtemp(tmpl)) {
		tap_ok(false, "mkdtemp");
		return;
	}
	fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	put(fd, "cgroup.controllers", "cpuset cpu io memory pids\n");
	put(fd, "cgroup.subtree_control", "cpu memory\n");
	tap_is_int(cgroup_v2_enable_missing(fd), 3,
		   "cpuset, io and pids enabled, not cpu nor memory");
	pea_read_file_at(fd, "cgroup.subtree_control", 4096, &on, NULL, NULL);
	tap_is_str(on, "+pids", "the last one written");
	put(fd, "cgroup.subtree_control", "cpuset cpu io memory pids\n");
	tap_is_int(cgroup_v2_enable_missing(fd), 0, "all enabled: nothing written");
	put(fd, "cgroup.controllers", "");
	tap_is_int(cgroup_v2_enable_missing(fd), 0, "no controllers: nothing written");
	unlinkat(fd, "cgroup.controllers", 0);
	unlinkat(fd, "cgroup.subtree_control", 0);
	rmdir(tmpl);
}

int main(void)
{
	tap_plan(15 + 24 + 13 + 7 + 2 + 4);
	test_paths();
	test_v2_files();
	test_v2_enable();
	test_parse_errors();
	test_bpf_devices();
	test_json();
	return tap_done();
}
