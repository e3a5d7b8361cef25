#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"

#include "runtime.h"

static const char spec_usage[] =
	"Usage: pea-runtime spec [--bundle DIR] [--rootless]\n"
	"\n"
	"Write a default config.json (running sh in ./rootfs with a terminal) into the bundle.\n"
	"\n"
	"  -b, --bundle DIR   where to write config.json (default: the current directory)\n"
	"      --rootless     for a container run by an unprivileged user\n";

/* The same defaults as `runc spec`. */
static const char default_spec[] =
	"{\"ociVersion\":\"" RUNTIME_OCI_VERSION "\","
	"\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
	"\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
	"\"TERM=xterm\"],\"cwd\":\"/\","
	"\"capabilities\":{"
	"\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
	"\"noNewPrivileges\":true},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"hostname\":\"pea\","
	"\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
	"\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\","
	"\"gid=5\"]},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
	"\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
	"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
	"{\"type\":\"uts\"},{\"type\":\"mount\"}],"
	"\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
	"\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
	"\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
	"\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
	"\"/proc/sysrq-trigger\"]}}";

static struct json_object *idmap(uid_t host)
{
	struct json_object *arr = json_object_new_array(), *m = json_object_new_object();

	json_object_object_add(m, "containerID", json_object_new_int(0));
	json_object_object_add(m, "hostID", json_object_new_int64(host));
	json_object_object_add(m, "size", json_object_new_int(1));
	json_object_array_add(arr, m);
	return arr;
}

/* What runc spec --rootless changes: a user namespace, no network one, /sys bound. */
static void make_rootless(struct json_object *spec)
{
	struct json_object *lnx = NULL, *ns = NULL, *mounts = NULL, *keep = NULL;

	json_object_object_get_ex(spec, "linux", &lnx);
	json_object_object_del(lnx, "resources");
	json_object_object_add(lnx, "uidMappings", idmap(geteuid()));
	json_object_object_add(lnx, "gidMappings", idmap(getegid()));
	json_object_object_get_ex(lnx, "namespaces", &ns);
	keep = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(ns); i++) {
		struct json_object *t = NULL, *n = json_object_array_get_idx(ns, i);

		json_object_object_get_ex(n, "type", &t);
		if (strcmp(json_object_get_string(t), "network") != 0)
			json_object_array_add(keep, json_object_get(n));
	}
	json_object_array_add(keep, json_tokener_parse("{\"type\":\"user\"}"));
	json_object_object_add(lnx, "namespaces", keep);
	json_object_object_get_ex(spec, "mounts", &mounts);
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i), *d = NULL;

		json_object_object_get_ex(m, "destination", &d);
		if (strcmp(json_object_get_string(d), "/sys") == 0)
			json_object_array_put_idx(
				mounts, i,
				json_tokener_parse("{\"destination\":\"/sys\",\"type\":\"none\","
						   "\"source\":\"/sys\",\"options\":[\"rbind\","
						   "\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}"));
		else if (strcmp(json_object_get_string(d), "/dev/pts") == 0)
			json_object_array_del_idx(json_object_object_get(m, "options"), 5, 1);
	}
}

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/*
 * A cgroup namespace on a cgroup v2 host only, as runc: on v1 or hybrid hosts
 * the container then sees the host's hierarchy paths, which tools there expect.
 */
static void add_cgroup_ns(struct json_object *spec)
{
	struct json_object *lnx = NULL, *ns = NULL;
	struct statfs sfs;

	if (statfs("/sys/fs/cgroup", &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return;
	json_object_object_get_ex(spec, "linux", &lnx);
	json_object_object_get_ex(lnx, "namespaces", &ns);
	json_object_array_add(ns, json_tokener_parse("{\"type\":\"cgroup\"}"));
}

int cmd_spec(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *spec = NULL;
	_cleanup_close_ int dirfd = -1, fd = -1;
	const char *bundle = ".", *text;
	bool rootless = false;
	int opt;

	/* 0, not 1: getopt starts over and permutes (runc takes options after the ID) */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "b:h", longopts, NULL)) != -1) {
		if (opt == 'b')
			bundle = optarg;
		else if (opt == 'r')
			rootless = true;
		else if (opt == 'h') {
			fputs(spec_usage, stdout);
			return 0;
		} else
			return runtime_usage_error(err, "spec", "unknown option '%s'",
						   argv[optind - 1]);
	}
	if (optind != argc)
		return runtime_usage_error(err, "spec", "takes no arguments");
	if (pea_json_parse(default_spec, sizeof(default_spec) - 1, "spec", &spec, err) < 0)
		return -EINVAL;
	add_cgroup_ns(spec);
	if (rootless)
		make_rootless(spec);
	dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return pea_error_errno(err, "bundle '%s'", bundle);
	fd = openat(dirfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return pea_error_new(err, EEXIST, "'%s/config.json' exists: remove it first",
				     bundle);
	if (fd < 0)
		return pea_error_errno(err, "create '%s/config.json'", bundle);
	text = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_SPACED |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (pea_write_all(fd, text, strlen(text), err) < 0 || pea_write_all(fd, "\n", 1, err) < 0)
		return pea_error_wrap(err, "write '%s/config.json'", bundle);
	return 0;
}
