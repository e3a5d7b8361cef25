/* Security and resource options of run/create, into config.json (security-run.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/frontend.h"
#include "frontend/seccomp-profile.h"
#include "frontend/security-run.h"

#define SECCOMP_MAX   (4u << 20)
#define INIT_PATH     "/run/podman-init"
#define CPU_PERIOD    100000
#define SHM_DEFAULT   "65536k"
#define DEVICES_LIMIT 4096

static const char *const all_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

static const struct {
	const char *name;
	const char *oci;
} ulimit_names[] = {
	{ "as", "RLIMIT_AS" },
	{ "core", "RLIMIT_CORE" },
	{ "cpu", "RLIMIT_CPU" },
	{ "data", "RLIMIT_DATA" },
	{ "fsize", "RLIMIT_FSIZE" },
	{ "locks", "RLIMIT_LOCKS" },
	{ "memlock", "RLIMIT_MEMLOCK" },
	{ "msgqueue", "RLIMIT_MSGQUEUE" },
	{ "nice", "RLIMIT_NICE" },
	{ "nofile", "RLIMIT_NOFILE" },
	{ "nproc", "RLIMIT_NPROC" },
	{ "rss", "RLIMIT_RSS" },
	{ "rtprio", "RLIMIT_RTPRIO" },
	{ "rttime", "RLIMIT_RTTIME" },
	{ "sigpending", "RLIMIT_SIGPENDING" },
	{ "stack", "RLIMIT_STACK" },
};

static const int ulimit_resources[] = {
	RLIMIT_AS,     RLIMIT_CORE,   RLIMIT_CPU,	 RLIMIT_DATA,
	RLIMIT_FSIZE,  RLIMIT_LOCKS,  RLIMIT_MEMLOCK,	 RLIMIT_MSGQUEUE,
	RLIMIT_NICE,   RLIMIT_NOFILE, RLIMIT_NPROC,	 RLIMIT_RSS,
	RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK,
};

/* ---- small parsers ---------------------------------------------------------- */

static int parse_ll(const char *opt, const char *s, long long min, long long max, long long *ret,
		    struct pea_error **err)
{
	char *end = NULL;
	long long v = 0;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < min || v > max)
		return pea_error_new(err, EINVAL,
				     "invalid argument \"%s\" for \"%s\" flag: must be an integer "
				     "from %lld to %lld",
				     s, opt, min, max);
	*ret = v;
	return 0;
}

static int parse_bytes(const char *opt, const char *s, long long *ret, struct pea_error **err)
{
	if (frontend_parse_size(s, ret) < 0)
		return pea_error_new(err, EINVAL,
				     "invalid argument \"%s\" for \"%s\" flag: invalid size", s,
				     opt);
	return 0;
}

static struct json_object *array_of(struct json_object *sec, const char *key)
{
	struct json_object *a = NULL;

	if (!json_object_object_get_ex(sec, key, &a)) {
		a = json_object_new_array();
		json_object_object_add(sec, key, a);
	}
	return a;
}

static bool str_in_array(struct json_object *a, const char *s)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s) == 0)
			return true;
	return false;
}

/* ALL, or a capability name with or without CAP_, any case: "CAP_NET_ADMIN". */
static int cap_name(const char *opt, const char *arg, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *up = NULL;

	if (strcasecmp(arg, "all") == 0) {
		*ret = xstrdup("ALL");
		return 0;
	}
	up = strncasecmp(arg, "CAP_", 4) == 0 ? xstrdup(arg) : xasprintf("CAP_%s", arg);
	for (char *p = up; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	for (size_t i = 0; i < ARRAY_SIZE(all_caps); i++)
		if (strcmp(all_caps[i], up) == 0) {
			*ret = TAKE_PTR(up);
			return 0;
		}
	return pea_error_new(err, EINVAL, "%s: unknown capability '%s'", opt, arg);
}

static bool list_syntax_ok(const char *s)
{
	/* 0-3,5: numbers, ranges, commas */
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '-' && *p != ',')
			return false;
	return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[strlen(s) - 1]);
}

/* ---- --security-opt --------------------------------------------------------- */

static int add_paths(struct json_object *sec, const char *key, const char *paths,
		     struct pea_error **err)
{
	_cleanup_strv_ char **v = pea_strv_split(paths, ":");
	struct json_object *a = array_of(sec, key);

	if (!v[0])
		return pea_error_new(err, EINVAL, "--security-opt %s: no path given", key);
	for (size_t i = 0; v[i]; i++) {
		if (v[i][0] != '/' && !(strcmp(key, "unmask") == 0 && strcmp(v[i], "ALL") == 0))
			return pea_error_new(err, EINVAL,
					     "--security-opt %s: '%s' is not an absolute path", key,
					     v[i]);
		json_object_array_add(a, json_object_new_string(v[i]));
	}
	return 0;
}

static int security_opt(struct json_object *sec, const char *arg, struct pea_error **err)
{
	size_t klen = strcspn(arg, "=:");
	_cleanup_free_ char *key = xstrndup(arg, klen);
	const char *val = arg[klen] ? arg + klen + 1 : NULL;

	if (strcmp(key, "no-new-privileges") == 0) {
		bool on = true;
		if (val && parse_bool_arg("security-opt no-new-privileges", val, &on, err) < 0)
			return -1;
		json_object_object_add(sec, "no_new_privileges", json_object_new_boolean(on));
		return 0;
	}
	if (!val || !*val)
		return pea_error_new(err, EINVAL, "invalid --security-opt '%s': %s needs a value",
				     arg, key);
	if (strcmp(key, "seccomp") == 0) {
		_cleanup_free_ char *text = NULL;
		_cleanup_json_ struct json_object *conv = NULL;
		size_t len = 0;

		if (strcmp(val, "unconfined") == 0) {
			json_object_object_add(sec, "seccomp_profile", NULL);
			json_object_object_del(sec, "seccomp_profile_path");
			return 0;
		}
		if (pea_read_file_at(AT_FDCWD, val, SECCOMP_MAX, &text, &len, err) < 0 ||
		    seccomp_profile_convert(text, len, NULL, &conv, err) < 0)
			return pea_error_wrap(err, "--security-opt seccomp=%s", val);
		json_object_object_add(sec, "seccomp_profile", json_object_new_string(text));
		json_object_object_add(sec, "seccomp_profile_path", json_object_new_string(val));
		return 0;
	}
	if (strcmp(key, "label") == 0)
		return 0; /* SELinux: not enabled with pea, as podman on a host without it */
	if (strcmp(key, "apparmor") == 0) {
		if (strcmp(val, "unconfined") != 0)
			return pea_error_new(err, ENOTSUP,
					     "--security-opt apparmor=%s: pea loads no AppArmor "
					     "profile; only apparmor=unconfined is accepted",
					     val);
		return 0;
	}
	if (strcmp(key, "mask") == 0 || strcmp(key, "unmask") == 0)
		return add_paths(sec, key, val, err);
	if (strcmp(key, "systempaths") == 0) {
		if (strcmp(val, "unconfined") != 0)
			return pea_error_new(
				err, EINVAL,
				"invalid --security-opt '%s': use systempaths=unconfined", arg);
		return add_paths(sec, "unmask", "ALL", err);
	}
	return pea_error_new(
		err, EINVAL,
		"invalid --security-opt '%s': use no-new-privileges, seccomp=, label=, "
		"mask=, unmask=, apparmor= or systempaths=",
		arg);
}

/* ---- devices ------------------------------------------------------------------ */

static int parse_device(struct json_object *sec, const char *arg, struct pea_error **err)
{
	_cleanup_strv_ char **parts = pea_strv_split(arg, ":");
	size_t n = pea_strv_length(parts);
	const char *ctr, *perms = "rwm";
	struct json_object *d;
	struct stat st;

	if (n < 1 || n > 3 || parts[0][0] != '/')
		return pea_error_new(err, EINVAL,
				     "invalid --device '%s': use HOST-DEVICE[:CONTAINER-DEVICE]"
				     "[:PERMISSIONS]",
				     arg);
	ctr = parts[0];
	if (n == 2 && parts[1][0] != '/')
		perms = parts[1];
	else if (n >= 2)
		ctr = parts[1];
	if (n == 3)
		perms = parts[2];
	if (ctr[0] != '/')
		return pea_error_new(err, EINVAL,
				     "invalid --device '%s': '%s' is not an absolute path", arg,
				     ctr);
	if (!*perms || strspn(perms, "rwm") != strlen(perms))
		return pea_error_new(err, EINVAL,
				     "invalid --device '%s': permissions '%s' are not of r, w, m",
				     arg, perms);
	if (stat(parts[0], &st) < 0)
		return pea_error_errno(err, "--device '%s': stat %s", arg, parts[0]);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return pea_error_new(err, EINVAL, "--device '%s': %s is not a device node", arg,
				     parts[0]);
	d = json_object_new_object();
	json_object_object_add(d, "path", json_object_new_string(parts[0]));
	json_object_object_add(d, "destination", json_object_new_string(ctr));
	json_object_object_add(d, "permissions", json_object_new_string(perms));
	json_object_array_add(array_of(sec, "devices"), d);
	return 0;
}

/* ---- --sysctl, --ulimit ------------------------------------------------------- */

static bool sysctl_namespaced(const char *k)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb",
					   "kernel.msgmni", "kernel.sem",
					   "kernel.shmall", "kernel.shmmax",
					   "kernel.shmmni", "kernel.shm_rmid_forced" };

	for (size_t i = 0; i < ARRAY_SIZE(ipc); i++)
		if (strcmp(k, ipc[i]) == 0)
			return true;
	return strncmp(k, "fs.mqueue.", 10) == 0 || strncmp(k, "net.", 4) == 0 ||
	       strcmp(k, "kernel.domainname") == 0 || strcmp(k, "kernel.hostname") == 0;
}

static int parse_sysctl(struct json_object *sec, const char *arg, struct pea_error **err)
{
	const char *eq = strchr(arg, '=');
	_cleanup_free_ char *k = eq ? xstrndup(arg, (size_t)(eq - arg)) : NULL;
	struct json_object *o = NULL;

	if (!eq || eq == arg || !eq[1])
		return pea_error_new(err, EINVAL, "invalid --sysctl '%s': use KEY=VALUE", arg);
	for (const char *p = k; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-/", *p))
			return pea_error_new(err, EINVAL, "invalid --sysctl '%s': bad key", arg);
	if (!sysctl_namespaced(k))
		return pea_error_new(
			err, EINVAL,
			"sysctl '%s' is not allowed: only namespaced sysctls "
			"(kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*) can "
			"be set in a container",
			k);
	if (!json_object_object_get_ex(sec, "sysctl", &o)) {
		o = json_object_new_object();
		json_object_object_add(sec, "sysctl", o);
	}
	json_object_object_add(o, k, json_object_new_string(eq + 1));
	return 0;
}

static int ulimit_value(const char *arg, const char *s, long long *ret, struct pea_error **err)
{
	char *end = NULL;

	errno = 0;
	*ret = strtoll(s, &end, 10);
	if (end == s || *end || errno || *ret < -1)
		return pea_error_new(err, EINVAL,
				     "invalid --ulimit '%s': '%s' is not a number (-1: unlimited)",
				     arg, s);
	return 0;
}

static int parse_ulimit(struct json_object *sec, const char *arg, struct pea_error **err)
{
	const char *eq = strchr(arg, '='), *colon;
	_cleanup_free_ char *type = eq ? xstrndup(arg, (size_t)(eq - arg)) : NULL;
	_cleanup_free_ char *soft_s = NULL;
	const char *oci = NULL;
	long long soft, hard;
	struct json_object *u;

	if (!eq)
		return pea_error_new(err, EINVAL, "invalid --ulimit '%s': use TYPE=SOFT[:HARD]",
				     arg);
	for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++)
		if (strcmp(type, ulimit_names[i].name) == 0)
			oci = ulimit_names[i].oci;
	if (!oci)
		return pea_error_new(err, EINVAL, "invalid --ulimit '%s': unknown type '%s'", arg,
				     type);
	colon = strchr(eq + 1, ':');
	soft_s = colon ? xstrndup(eq + 1, (size_t)(colon - eq - 1)) : xstrdup(eq + 1);
	if (ulimit_value(arg, soft_s, &soft, err) < 0 ||
	    ulimit_value(arg, colon ? colon + 1 : soft_s, &hard, err) < 0)
		return -1;
	if (hard != -1 && (soft == -1 || soft > hard))
		return pea_error_new(
			err, EINVAL,
			"invalid --ulimit '%s': the soft limit is above the hard limit", arg);
	u = json_object_new_object();
	json_object_object_add(u, "type", json_object_new_string(oci));
	json_object_object_add(u, "soft", json_object_new_int64(soft));
	json_object_object_add(u, "hard", json_object_new_int64(hard));
	json_object_array_add(array_of(sec, "ulimits"), u);
	return 0;
}

/* ---- the options ---------------------------------------------------------------- */

static int set_int(struct json_object *sec, const char *key, const char *opt, const char *arg,
		   long long min, long long max, struct pea_error **err)
{
	long long v = 0;

	if (parse_ll(opt, arg, min, max, &v, err) < 0)
		return -1;
	json_object_object_add(sec, key, json_object_new_int64(v));
	return 0;
}

static int set_bool(struct json_object *sec, const char *key, const char *opt, const char *arg,
		    struct pea_error **err)
{
	bool on = true;

	if (arg && parse_bool_arg(opt, arg, &on, err) < 0)
		return -1;
	json_object_object_add(sec, key, json_object_new_boolean(on));
	return 0;
}

static int parse_cpus(struct json_object *sec, const char *arg, struct pea_error **err)
{
	char *end = NULL;
	double v;

	/* more than the host has is podman's too: a quota of CPU time, not CPUs (280-update) */
	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno || !(v > 0) || v > 1e6)
		return pea_error_new(
			err, EINVAL,
			"invalid argument \"%s\" for \"--cpus\" flag: a number of CPUs > 0", arg);
	json_object_object_add(sec, "cpus", json_object_new_double(v));
	return 0;
}

static int parse_size_key(struct json_object *sec, const char *key, const char *opt,
			  const char *arg, bool minus_one, struct pea_error **err)
{
	long long v = 0;

	if (minus_one && strcmp(arg, "-1") == 0)
		v = -1;
	else if (parse_bytes(opt, arg, &v, err) < 0)
		return -1;
	if (v == 0)
		return pea_error_new(err, EINVAL,
				     "invalid argument \"%s\" for \"%s\" flag: must be > 0", arg,
				     opt);
	json_object_object_add(sec, key, json_object_new_int64(v));
	return 0;
}

static int push_name(struct json_object *sec, const char *key, const char *opt, const char *arg,
		     struct pea_error **err)
{
	if (!*arg || strchr(arg, ':') || strchr(arg, '\n'))
		return pea_error_new(err, EINVAL, "invalid %s '%s'", opt, arg);
	json_object_array_add(array_of(sec, key), json_object_new_string(arg));
	return 0;
}

/* "*" (-1) or a number, in podman's words when neither. */
static int rule_number(const char *s, size_t len, int64_t *ret, struct pea_error **err)
{
	_cleanup_free_ char *v = xstrndup(s, len);
	char *end;

	if (strcmp(v, "*") == 0) {
		*ret = -1;
		return 0;
	}
	errno = 0;
	*ret = (int64_t)strtoll(v, &end, 10);
	if (!*v || *end || errno || *ret < 0 || v[0] == '-' || v[0] == '+')
		return pea_error_new(err, EINVAL,
				     "strconv.ParseUint: parsing \"%s\": invalid syntax", v);
	return 0;
}

/*
 * --device-cgroup-rule "TYPE MAJOR[:MINOR] ACCESS" (a, b, c; a number or *;
 * of r, w, m): one more device rule of the container's cgroup.
 */
static int parse_device_cgroup_rule(struct json_object *sec, const char *arg,
				    struct pea_error **err)
{
	_cleanup_strv_ char **f = pea_strv_split(arg, " ");
	struct json_object *r;
	int64_t maj = -1, min = -1;
	const char *colon;
	size_t n = 0;

	while (f && f[n])
		n++;
	if (n != 3 || !*f[0] || !*f[1] || !*f[2])
		return pea_error_new(err, EINVAL,
				     "invalid device cgroup rule requires type, major:Minor, and "
				     "access rules: \"%s\"",
				     arg);
	if (strcmp(f[0], "a") != 0 && strcmp(f[0], "b") != 0 && strcmp(f[0], "c") != 0)
		return pea_error_new(err, EINVAL, "invalid device type in device-access-add: %s",
				     f[0]);
	colon = strchr(f[1], ':');
	if (rule_number(f[1], colon ? (size_t)(colon - f[1]) : strlen(f[1]), &maj, err) < 0 ||
	    (colon && rule_number(colon + 1, strlen(colon + 1), &min, err) < 0))
		return -1;
	if (strspn(f[2], "rwm") != strlen(f[2]))
		return pea_error_new(err, EINVAL, "invalid device access in device-access-add: %c",
				     f[2][strspn(f[2], "rwm")]);
	r = json_object_new_object();
	json_object_object_add(r, "type", json_object_new_string(f[0]));
	json_object_object_add(r, "major", json_object_new_int64(maj));
	json_object_object_add(r, "minor", json_object_new_int64(min));
	json_object_object_add(r, "access", json_object_new_string(f[2]));
	json_object_array_add(array_of(sec, "device_cgroup_rules"), r);
	return 0;
}

/* The OCI blockIO keys of --device-{read,write}-{bps,iops}, by option. */
static const struct {
	int opt;
	const char *name, *key;
	bool bytes;
} throttles[] = {
	{ SECRES_DEVICE_READ_BPS, "--device-read-bps", "throttleReadBpsDevice", true },
	{ SECRES_DEVICE_WRITE_BPS, "--device-write-bps", "throttleWriteBpsDevice", true },
	{ SECRES_DEVICE_READ_IOPS, "--device-read-iops", "throttleReadIOPSDevice", false },
	{ SECRES_DEVICE_WRITE_IOPS, "--device-write-iops", "throttleWriteIOPSDevice", false },
};

/*
 * --device-read-bps PATH:RATE (bytes, with units; iops: a number): a
 * device's limit, by its major and minor numbers (read now, as podman).
 */
static int parse_throttle(struct json_object *sec, size_t t, const char *arg,
			  struct pea_error **err)
{
	const char *colon = strrchr(arg, ':');
	_cleanup_free_ char *path = NULL;
	struct json_object *o;
	long long rate = 0;
	char *end = NULL;
	struct stat st;

	if (!colon || colon == arg || !colon[1])
		return pea_error_new(err, EINVAL, "%s \"%s\": use PATH:RATE", throttles[t].name,
				     arg);
	path = xstrndup(arg, (size_t)(colon - arg));
	if (throttles[t].bytes) {
		if (parse_bytes(throttles[t].name, colon + 1, &rate, err) < 0)
			return -1;
	} else {
		errno = 0;
		rate = strtoll(colon + 1, &end, 10);
		if (*end || errno || rate < 0)
			return pea_error_new(err, EINVAL, "%s \"%s\": the rate is not a number",
					     throttles[t].name, arg);
	}
	if (stat(path, &st) < 0)
		return pea_error_errno(err, "%s '%s'", throttles[t].name, path);
	if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode)) /* podman takes /dev/zero too */
		return pea_error_new(err, EINVAL, "%s '%s': not a device", throttles[t].name, path);
	o = json_object_new_object();
	json_object_object_add(o, "major", json_object_new_int64(major(st.st_rdev)));
	json_object_object_add(o, "minor", json_object_new_int64(minor(st.st_rdev)));
	json_object_object_add(o, "rate", json_object_new_int64(rate));
	json_object_array_add(array_of(sec, throttles[t].key), o);
	return 0;
}

static int parse_cap(struct json_object *sec, const char *key, const char *opt, const char *arg,
		     struct pea_error **err)
{
	_cleanup_strv_ char **v = pea_strv_split(arg, ",");

	if (!v[0])
		return pea_error_new(err, EINVAL, "%s: no capability given", opt);
	for (size_t i = 0; v[i]; i++) {
		_cleanup_free_ char *c = NULL;
		if (cap_name(opt, v[i], &c, err) < 0)
			return -1;
		json_object_array_add(array_of(sec, key), json_object_new_string(c));
	}
	return 0;
}

int secres_parse(struct json_object *sec, int c, const char *arg, struct pea_error **err)
{
	switch (c) {
	case SECRES_CAP_ADD:
		return parse_cap(sec, "cap_add", "--cap-add", arg, err);
	case SECRES_CAP_DROP:
		return parse_cap(sec, "cap_drop", "--cap-drop", arg, err);
	case SECRES_PRIVILEGED:
		return set_bool(sec, "privileged", "privileged", arg, err);
	case SECRES_SECURITY_OPT:
		return security_opt(sec, arg, err);
	case SECRES_DEVICE:
		return parse_device(sec, arg, err);
	case SECRES_DEVICE_CGROUP_RULE:
		return parse_device_cgroup_rule(sec, arg, err);
	case SECRES_DEVICE_READ_BPS:
	case SECRES_DEVICE_WRITE_BPS:
	case SECRES_DEVICE_READ_IOPS:
	case SECRES_DEVICE_WRITE_IOPS:
		return parse_throttle(sec, (size_t)(c - SECRES_DEVICE_READ_BPS), arg, err);
	case SECRES_GROUP_ADD:
		if (strcmp(arg, "keep-groups") == 0) {
			/* refused in secres_validate, once the other --group-add are known */
			json_object_object_add(sec, "keep_groups", json_object_new_boolean(true));
			return 0;
		}
		return push_name(sec, "group_add", "--group-add", arg, err);
	case SECRES_SYSCTL:
		return parse_sysctl(sec, arg, err);
	case SECRES_SHM_SIZE:
		return parse_size_key(sec, "shm_size", "--shm-size", arg, false, err);
	case SECRES_ULIMIT:
		return parse_ulimit(sec, arg, err);
	case SECRES_CPUS:
		return parse_cpus(sec, arg, err);
	case SECRES_CPU_SHARES:
		return set_int(sec, "cpu_shares", "--cpu-shares", arg, 2, 262144, err);
	case SECRES_CPU_QUOTA:
		return set_int(sec, "cpu_quota", "--cpu-quota", arg, 1000, 1ll << 40, err);
	case SECRES_CPU_PERIOD:
		return set_int(sec, "cpu_period", "--cpu-period", arg, 1000, 1000000, err);
	case SECRES_CPUSET_CPUS:
	case SECRES_CPUSET_MEMS:
		if (!list_syntax_ok(arg))
			return pea_error_new(
				err, EINVAL,
				"invalid argument \"%s\" for \"%s\" flag: use a list "
				"such as 0-3,5",
				arg, c == SECRES_CPUSET_CPUS ? "--cpuset-cpus" : "--cpuset-mems");
		json_object_object_add(sec, c == SECRES_CPUSET_CPUS ? "cpuset_cpus" : "cpuset_mems",
				       json_object_new_string(arg));
		return 0;
	case SECRES_MEMORY_SWAP:
		return parse_size_key(sec, "memory_swap", "--memory-swap", arg, true, err);
	case SECRES_MEMORY_RESERVATION:
		return parse_size_key(sec, "memory_reservation", "--memory-reservation", arg, false,
				      err);
	case SECRES_OOM_SCORE_ADJ:
		return set_int(sec, "oom_score_adj", "--oom-score-adj", arg, -1000, 1000, err);
	case SECRES_BLKIO_WEIGHT:
		return set_int(sec, "blkio_weight", "--blkio-weight", arg, 10, 1000, err);
	case SECRES_ENV_HOST:
		return set_bool(sec, "env_host", "env-host", arg, err);
	case SECRES_HTTP_PROXY:
		return set_bool(sec, "http_proxy", "http-proxy", arg, err);
	case SECRES_INIT:
		return set_bool(sec, "init", "init", arg, err);
	case SECRES_SYSTEMD:
		if (strcasecmp(arg, "true") != 0 && strcasecmp(arg, "false") != 0 &&
		    strcasecmp(arg, "always") != 0)
			return pea_error_new(err, EINVAL,
					     "invalid value \"%s\" systemd option requires 'true, "
					     "false, always'",
					     arg);
		json_object_object_add(sec, "systemd", json_object_new_string(arg));
		return 0;
	case SECRES_INIT_PATH:
		if (access(arg, X_OK) < 0)
			return pea_error_errno(err, "--init-path '%s'", arg);
		json_object_object_add(sec, "init_path", json_object_new_string(arg));
		return 0;
	default:
		return pea_error_new(err, EINVAL, "unknown option");
	}
}

static bool has(struct json_object *sec, const char *key)
{
	return json_object_object_get_ex(sec, key, NULL);
}

static bool blkio_weight_supported(void)
{
	static const char *const files[] = { "/sys/fs/cgroup/blkio/blkio.weight",
					     "/sys/fs/cgroup/blkio/blkio.bfq.weight",
					     "/sys/fs/cgroup/io.weight",
					     "/sys/fs/cgroup/io.bfq.weight" };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (access(files[i], F_OK) == 0)
			return true;
	return false;
}

static char *find_init(void)
{
	static const char *const paths[] = { "/usr/libexec/podman/catatonit", "/usr/bin/catatonit",
					     "/usr/local/bin/catatonit" };

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return xstrdup(paths[i]);
	return NULL;
}

/* A namespace the container does not make: the host's, or joined (container:, ns:, a pod's). */
static bool ns_not_own(const char *mode)
{
	return mode && (strcmp(mode, "host") == 0 || strncmp(mode, "container:", 10) == 0 ||
			strncmp(mode, "ns:", 3) == 0);
}

void secres_default_sysctls(struct json_object **sec, char *const *defaults, const char *net_mode,
			    const char *ipc_mode, const char *uts_mode, bool own_userns)
{
	struct json_object *o = NULL;

	for (size_t i = 0; defaults && defaults[i]; i++) {
		const char *eq = strchr(defaults[i], '=');
		_cleanup_free_ char *k =
			eq ? xstrndup(defaults[i], (size_t)(eq - defaults[i])) : NULL;

		if (!k || !*k)
			continue;
		if (((own_userns || ns_not_own(net_mode)) && strncmp(k, "net.", 4) == 0) ||
		    (ns_not_own(ipc_mode) && strncmp(k, "fs.mqueue.", 10) == 0) ||
		    (ns_not_own(uts_mode) &&
		     (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)))
			continue;
		if (!*sec)
			*sec = json_object_new_object();
		if (!json_object_object_get_ex(*sec, "sysctl", &o)) {
			o = json_object_new_object();
			json_object_object_add(*sec, "sysctl", o);
		}
		if (!json_object_object_get_ex(o, k, NULL)) /* the container's own wins */
			json_object_object_add(o, k, json_object_new_string(eq + 1));
	}
}

int secres_validate(struct json_object *sec, long long memory, const char *net_mode,
		    struct pea_error **err)
{
	int64_t swap = 0, reservation = 0;
	struct json_object *sysctl = NULL;
	bool init = false;

	if (has(sec, "cpus") && (has(sec, "cpu_quota") || has(sec, "cpu_period")))
		return pea_error_new(err, EINVAL,
				     "--cpu-period and --cpu-quota cannot be set with --cpus");
	if (has(sec, "keep_groups") && has(sec, "group_add"))
		return pea_error_new(err, EINVAL,
				     "the '--group-add keep-groups' option is not allowed with any "
				     "other --group-add options");
	(void)pea_json_get_int64_opt(sec, "", "memory_swap", &swap, NULL);
	if (swap && !memory)
		return pea_error_new(err, EINVAL,
				     "you must provide a memory limit (-m) when setting "
				     "--memory-swap");
	if (swap > 0 && swap < memory)
		return pea_error_new(err, EINVAL,
				     "minimum memoryswap limit should be larger than memory limit, "
				     "see usage");
	(void)pea_json_get_int64_opt(sec, "", "memory_reservation", &reservation, NULL);
	if (reservation && memory && reservation > memory)
		return pea_error_new(err, EINVAL,
				     "minimum memory limit cannot be less than memory reservation "
				     "limit, see usage");
	if (json_object_object_get_ex(sec, "sysctl", &sysctl) && net_mode &&
	    strcmp(net_mode, "host") == 0) {
		json_object_object_foreach(sysctl, k, v)
		{
			(void)v;
			if (strncmp(k, "net.", 4) == 0)
				return pea_error_new(
					err, EINVAL,
					"sysctl '%s' cannot be set with --network host", k);
		}
	}
	if (has(sec, "blkio_weight") && !blkio_weight_supported()) {
		log_warning("your kernel does not support block IO weight (no blkio.weight, "
			    "blkio.bfq.weight, io.weight): --blkio-weight discarded");
		json_object_object_del(sec, "blkio_weight");
	}
	(void)pea_json_get_bool_opt(sec, "", "init", &init, NULL);
	if (init && !has(sec, "init_path")) {
		_cleanup_free_ char *p = find_init();
		if (!p)
			return pea_error_new(err, ENOENT,
					     "--init: catatonit not found (install the catatonit "
					     "package, or give --init-path)");
		json_object_object_add(sec, "init_path", json_object_new_string(p));
	}
	return 0;
}

extern char **environ;

char **secres_host_env(struct json_object *sec)
{
	static const char *const proxy[] = { "http_proxy",  "HTTP_PROXY", "https_proxy",
					     "HTTPS_PROXY", "ftp_proxy",  "FTP_PROXY",
					     "no_proxy",    "NO_PROXY" };
	bool all = false, proxies = true;
	char **v = NULL;

	(void)pea_json_get_bool_opt(sec, "", "env_host", &all, NULL);
	(void)pea_json_get_bool_opt(sec, "", "http_proxy", &proxies, NULL);
	for (size_t i = 0; all && environ && environ[i]; i++)
		if (strchr(environ[i], '=') && environ[i][0] != '=')
			pea_strv_push(&v, environ[i]);
	for (size_t i = 0; !all && proxies && i < ARRAY_SIZE(proxy); i++) {
		const char *val = getenv(proxy[i]);
		if (val)
			pea_strv_push_take(&v, xasprintf("%s=%s", proxy[i], val));
	}
	return v;
}

/* ---- into config.json -------------------------------------------------------- */

static struct json_object *obj_child(struct json_object *o, const char *key)
{
	struct json_object *c = NULL;

	if (!json_object_object_get_ex(o, key, &c) || !json_object_is_type(c, json_type_object)) {
		c = json_object_new_object();
		json_object_object_add(o, key, c);
	}
	return c;
}

/* Our own bounding set (CapBnd): a container cannot get more (root here lacks some). */
static uint64_t bounding_set(void)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	const char *p;

	if (pea_read_file_at(AT_FDCWD, "/proc/self/status", 1u << 16, &buf, &len, NULL) < 0 ||
	    !(p = strstr(buf, "\nCapBnd:")))
		return ~0ull;
	return strtoull(p + 8, NULL, 16);
}

static bool in_bounding(uint64_t bnd, const char *cap)
{
	for (size_t i = 0; i < ARRAY_SIZE(all_caps) && i < 64; i++)
		if (strcmp(all_caps[i], cap) == 0)
			return bnd & (1ull << i);
	return false;
}

/*
 * podman's merge: add ALL (or --privileged) is every capability less the
 * drops; drop ALL keeps the adds only. Those outside pea's own bounding set
 * are left out (with a warning when asked for by name).
 */
static char **merge_caps(struct json_object *sec, bool privileged)
{
	struct json_object *add = NULL, *drop = NULL;
	uint64_t bnd = bounding_set();
	char **caps = NULL;

	json_object_object_get_ex(sec, "cap_add", &add);
	json_object_object_get_ex(sec, "cap_drop", &drop);
	if (privileged || str_in_array(add, "ALL")) {
		for (size_t i = 0; i < ARRAY_SIZE(all_caps); i++)
			if (!str_in_array(drop, all_caps[i]) && in_bounding(bnd, all_caps[i]))
				pea_strv_push(&caps, all_caps[i]);
		return caps ? caps : xnew(char *, 1);
	}
	if (!str_in_array(drop, "ALL"))
		for (size_t i = 0; i < FRONTEND_DEFAULT_CAPS_N; i++)
			if (!str_in_array(drop, frontend_default_caps[i]) &&
			    in_bounding(bnd, frontend_default_caps[i]))
				pea_strv_push(&caps, frontend_default_caps[i]);
	for (size_t i = 0; add && i < json_object_array_length(add); i++) {
		const char *c = json_object_get_string(json_object_array_get_idx(add, i));
		if (!in_bounding(bnd, c))
			log_warning("--cap-add %s: pea itself does not have it, ignoring", c);
		else if (!pea_strv_contains(caps, c))
			pea_strv_push(&caps, c);
	}
	return caps ? caps : xnew(char *, 1);
}

static struct json_object *strv_json(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static void set_caps(struct json_object *proc, char *const *caps)
{
	struct json_object *c = obj_child(proc, "capabilities"), *user = NULL;
	int64_t uid = 0;

	if (json_object_object_get_ex(proc, "user", &user))
		(void)pea_json_get_int64_opt(user, "process.user", "uid", &uid, NULL);
	json_object_object_add(c, "bounding", strv_json(caps));
	/* a non-root user starts with no effective capabilities, as with podman */
	json_object_object_add(c, "effective", strv_json(uid == 0 ? caps : NULL));
	json_object_object_add(c, "permitted", strv_json(uid == 0 ? caps : NULL));
}

static void set_rlimit(struct json_object *proc, const char *type, int64_t soft, int64_t hard)
{
	struct json_object *rl = NULL, *o = NULL;

	if (!json_object_object_get_ex(proc, "rlimits", &rl)) {
		rl = json_object_new_array();
		json_object_object_add(proc, "rlimits", rl);
	}
	for (size_t i = 0; i < json_object_array_length(rl) && !o; i++) {
		const char *t = NULL;
		struct json_object *e = json_object_array_get_idx(rl, i);
		if (pea_json_get_string_opt(e, "", "type", &t, NULL) == 1 && strcmp(t, type) == 0)
			o = e;
	}
	if (!o) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string(type));
		json_object_array_add(rl, o);
	}
	json_object_object_add(o, "soft",
			       soft < 0 ? json_object_new_uint64(RLIM_INFINITY)
					: json_object_new_int64(soft));
	json_object_object_add(o, "hard",
			       hard < 0 ? json_object_new_uint64(RLIM_INFINITY)
					: json_object_new_int64(hard));
}

/* --ulimit, clamped to pea's own hard limit (without CAP_SYS_RESOURCE it cannot go above). */
static void apply_ulimits(struct json_object *sec, struct json_object *proc)
{
	struct json_object *ul = NULL;

	if (!json_object_object_get_ex(sec, "ulimits", &ul))
		return;
	for (size_t i = 0; i < json_object_array_length(ul); i++) {
		struct json_object *u = json_object_array_get_idx(ul, i);
		const char *type = NULL, *name = NULL;
		int64_t soft = 0, hard = 0;
		struct rlimit cur;
		int res = -1;

		(void)pea_json_get_string_opt(u, "", "type", &type, NULL);
		(void)pea_json_get_int64_opt(u, "", "soft", &soft, NULL);
		(void)pea_json_get_int64_opt(u, "", "hard", &hard, NULL);
		for (size_t k = 0; type && k < ARRAY_SIZE(ulimit_names); k++)
			if (strcmp(type, ulimit_names[k].oci) == 0) {
				res = ulimit_resources[k];
				name = ulimit_names[k].name;
			}
		if (res >= 0 && getrlimit(res, &cur) == 0 && cur.rlim_max != RLIM_INFINITY &&
		    (hard < 0 || (uint64_t)hard > cur.rlim_max)) {
			log_warning("--ulimit %s: the hard limit %lld is above pea's own (%llu), "
				    "which it cannot raise: using %llu",
				    name, (long long)hard, (unsigned long long)cur.rlim_max,
				    (unsigned long long)cur.rlim_max);
			hard = (int64_t)cur.rlim_max;
			if (soft < 0 || soft > hard)
				soft = hard;
		}
		set_rlimit(proc, type, soft, hard);
	}
}

static int apply_groups(struct json_object *sec, struct json_object *proc, int rootfd,
			struct pea_error **err)
{
	struct json_object *groups = NULL, *user, *gids = json_object_new_array();

	if (!json_object_object_get_ex(sec, "group_add", &groups)) {
		json_object_put(gids);
		return 0;
	}
	user = obj_child(proc, "user");
	json_object_object_add(user, "additionalGids", gids);
	for (size_t i = 0; i < json_object_array_length(groups); i++) {
		const char *g = json_object_get_string(json_object_array_get_idx(groups, i));
		long gid = 0, dummy;
		char *end = NULL;

		errno = 0;
		gid = strtol(g, &end, 10);
		if (end == g || *end || errno || gid < 0) {
			if (spec_lookup_db(rootfd, "/etc/group", g, &gid, &dummy) < 0)
				return pea_error_new(err, ENOENT,
						     "--group-add: unable to find group %s: no "
						     "matching entries in group file",
						     g);
		}
		json_object_array_add(gids, json_object_new_int64(gid));
	}
	return 0;
}

static void apply_init(struct json_object *sec, struct json_object *spec, struct json_object *proc)
{
	struct json_object *args = NULL, *nargs, *mounts = NULL, *m, *o;
	const char *path = NULL;
	bool init = false;

	(void)pea_json_get_bool_opt(sec, "", "init", &init, NULL);
	if (!init || pea_json_get_string_opt(sec, "", "init_path", &path, NULL) != 1)
		return;
	nargs = json_object_new_array();
	json_object_array_add(nargs, json_object_new_string(INIT_PATH));
	json_object_array_add(nargs, json_object_new_string("--"));
	if (json_object_object_get_ex(proc, "args", &args))
		for (size_t i = 0; i < json_object_array_length(args); i++)
			json_object_array_add(nargs,
					      json_object_get(json_object_array_get_idx(args, i)));
	json_object_object_add(proc, "args", nargs);
	if (!json_object_object_get_ex(spec, "mounts", &mounts))
		return;
	m = json_object_new_object();
	o = json_object_new_array();
	json_object_array_add(o, json_object_new_string("bind"));
	json_object_array_add(o, json_object_new_string("ro"));
	json_object_array_add(o, json_object_new_string("nosuid"));
	json_object_array_add(o, json_object_new_string("nodev"));
	json_object_object_add(m, "destination", json_object_new_string(INIT_PATH));
	json_object_object_add(m, "type", json_object_new_string("bind"));
	json_object_object_add(m, "source", json_object_new_string(path));
	json_object_object_add(m, "options", o);
	json_object_array_add(mounts, m);
}

/* /dev/shm's size, /sys read-write when privileged. */
static void apply_mounts(struct json_object *sec, struct json_object *spec, bool privileged)
{
	struct json_object *mounts = NULL;
	int64_t shm = 0;

	(void)pea_json_get_int64_opt(sec, "", "shm_size", &shm, NULL);
	if (!json_object_object_get_ex(spec, "mounts", &mounts))
		return;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i), *opts = NULL;
		const char *dest = NULL;

		(void)pea_json_get_string_opt(m, "", "destination", &dest, NULL);
		if (!dest || !json_object_object_get_ex(m, "options", &opts))
			continue;
		for (size_t k = 0; k < json_object_array_length(opts); k++) {
			const char *o = json_object_get_string(json_object_array_get_idx(opts, k));
			_cleanup_free_ char *size = NULL;
			if (shm > 0 && strcmp(dest, "/dev/shm") == 0 &&
			    strncmp(o, "size=", 5) == 0) {
				size = xasprintf("size=%lldk", (long long)((shm + 1023) / 1024));
				json_object_array_put_idx(opts, k, json_object_new_string(size));
			} else if (privileged && strcmp(dest, "/sys") == 0 &&
				   strcmp(o, "ro") == 0) {
				json_object_array_put_idx(opts, k, json_object_new_string("rw"));
			}
		}
	}
}

/* maskedPaths and readonlyPaths less unmask (ALL: none), plus mask. */
static void apply_masks(struct json_object *sec, struct json_object *lnx, bool privileged)
{
	struct json_object *unmask = NULL, *mask = NULL;
	static const char *const keys[] = { "maskedPaths", "readonlyPaths" };

	json_object_object_get_ex(sec, "unmask", &unmask);
	json_object_object_get_ex(sec, "mask", &mask);
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		struct json_object *old = NULL, *keep = json_object_new_array();
		json_object_object_get_ex(lnx, keys[k], &old);
		for (size_t i = 0; old && i < json_object_array_length(old); i++) {
			const char *p = json_object_get_string(json_object_array_get_idx(old, i));
			if (!privileged && !str_in_array(unmask, "ALL") && !str_in_array(unmask, p))
				json_object_array_add(keep, json_object_new_string(p));
		}
		for (size_t i = 0; k == 0 && mask && i < json_object_array_length(mask); i++)
			json_object_array_add(keep,
					      json_object_get(json_object_array_get_idx(mask, i)));
		json_object_object_add(lnx, keys[k], keep);
	}
}

static struct json_object *device_json(const char *dest, const struct stat *st)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "path", json_object_new_string(dest));
	json_object_object_add(d, "type", json_object_new_string(S_ISBLK(st->st_mode) ? "b" : "c"));
	json_object_object_add(d, "major", json_object_new_int64(major(st->st_rdev)));
	json_object_object_add(d, "minor", json_object_new_int64(minor(st->st_rdev)));
	json_object_object_add(d, "fileMode", json_object_new_int(st->st_mode & 07777));
	json_object_object_add(d, "uid", json_object_new_int64(st->st_uid));
	json_object_object_add(d, "gid", json_object_new_int64(st->st_gid));
	return d;
}

static struct json_object *device_rule(bool allow, const char *type, int64_t maj, int64_t min,
				       const char *access)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "allow", json_object_new_boolean(allow));
	if (type)
		json_object_object_add(r, "type", json_object_new_string(type));
	if (maj >= 0)
		json_object_object_add(r, "major", json_object_new_int64(maj));
	if (min >= 0)
		json_object_object_add(r, "minor", json_object_new_int64(min));
	json_object_object_add(r, "access", json_object_new_string(access));
	return r;
}

/* podman's default device rules: mknod of any, and the standard nodes. */
static struct json_object *default_device_rules(void)
{
	static const int64_t std[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 },   { 1, 9 },
					  { 5, 0 }, { 5, 1 }, { 5, 2 }, { 10, 200 } };
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, device_rule(false, NULL, -1, -1, "rwm"));
	json_object_array_add(a, device_rule(true, "c", -1, -1, "m"));
	json_object_array_add(a, device_rule(true, "b", -1, -1, "m"));
	for (size_t i = 0; i < ARRAY_SIZE(std); i++)
		json_object_array_add(a, device_rule(true, "c", std[i][0], std[i][1], "rwm"));
	json_object_array_add(a, device_rule(true, "c", 136, -1, "rwm")); /* /dev/pts/N */
	return a;
}

/*
 * Every device node of the host's /dev (and one level below), for --privileged; in systemd
 * mode none of its tty* (the virtual consoles, serial lines), which systemd in the
 * container would take over: podman 4.3's #15895 (the runtime adds /dev/tty itself).
 */
static void host_devices(struct json_object *devs, bool systemd)
{
	static const char *const skip[] = {
		"pts", "shm", "mqueue", "console", "ptmx", "fd", "core"
	};
	static const char *const dirs[] = { "/dev",	"/dev/net", "/dev/mapper",
					    "/dev/snd", "/dev/dri", "/dev/input" };

	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		_cleanup_closedir_ DIR *dir = opendir(dirs[d]);
		struct dirent *e;

		while (dir && (e = readdir(dir)) &&
		       json_object_array_length(devs) < DEVICES_LIMIT) {
			_cleanup_free_ char *p = NULL;
			struct stat st;
			bool skipped = false;

			for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
				skipped |= d == 0 && strcmp(e->d_name, skip[i]) == 0;
			skipped |= d == 0 && systemd && strncmp(e->d_name, "tty", 3) == 0;
			if (skipped || e->d_name[0] == '.')
				continue;
			p = xasprintf("%s/%s", dirs[d], e->d_name);
			if (lstat(p, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
				json_object_array_add(devs, device_json(p, &st));
		}
	}
}

static int apply_devices(struct json_object *sec, struct json_object *lnx, bool privileged,
			 bool systemd, struct json_object *rules, struct pea_error **err)
{
	struct json_object *given = NULL, *devs = json_object_new_array();

	if (privileged)
		host_devices(devs, systemd);
	json_object_object_get_ex(sec, "devices", &given);
	for (size_t i = 0; given && i < json_object_array_length(given); i++) {
		struct json_object *g = json_object_array_get_idx(given, i);
		const char *path = NULL, *dest = NULL, *perms = "rwm";
		struct stat st;

		(void)pea_json_get_string_opt(g, "", "path", &path, NULL);
		(void)pea_json_get_string_opt(g, "", "destination", &dest, NULL);
		(void)pea_json_get_string_opt(g, "", "permissions", &perms, NULL);
		if (!path || !dest || stat(path, &st) < 0) {
			json_object_put(devs);
			return pea_error_errno(err, "--device '%s'", path ? path : "?");
		}
		json_object_array_add(devs, device_json(dest, &st));
		json_object_array_add(rules,
				      device_rule(true, S_ISBLK(st.st_mode) ? "b" : "c",
						  major(st.st_rdev), minor(st.st_rdev), perms));
	}
	if (json_object_array_length(devs) == 0) {
		json_object_put(devs);
		return 0;
	}
	json_object_object_add(lnx, "devices", devs);
	return 0;
}

static void copy_int(struct json_object *sec, const char *key, struct json_object *dst,
		     const char *dkey)
{
	int64_t v;

	if (pea_json_get_int64_opt(sec, "", key, &v, NULL) == 1)
		json_object_object_add(dst, dkey, json_object_new_int64(v));
}

static bool wants_resources(struct json_object *sec)
{
	static const char *const keys[] = { "cpus",	   "cpu_shares",	 "cpu_quota",
					    "cpu_period",  "cpuset_cpus",	 "cpuset_mems",
					    "memory_swap", "memory_reservation", "blkio_weight",
					    "devices",	   "device_cgroup_rules" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (has(sec, keys[i]))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(throttles); i++)
		if (has(sec, throttles[i].key))
			return true;
	return false;
}

static void apply_cpu_mem(struct json_object *sec, struct json_object *res)
{
	struct json_object *cpu = obj_child(res, "cpu"), *mem = obj_child(res, "memory");
	const char *s = NULL;
	double cpus = 0;

	copy_int(sec, "cpu_shares", cpu, "shares");
	copy_int(sec, "cpu_quota", cpu, "quota");
	copy_int(sec, "cpu_period", cpu, "period");
	if (pea_json_get_string_opt(sec, "", "cpuset_cpus", &s, NULL) == 1)
		json_object_object_add(cpu, "cpus", json_object_new_string(s));
	if (pea_json_get_string_opt(sec, "", "cpuset_mems", &s, NULL) == 1)
		json_object_object_add(cpu, "mems", json_object_new_string(s));
	if (json_object_object_get_ex(sec, "cpus", NULL)) {
		cpus = json_object_get_double(json_object_object_get(sec, "cpus"));
		json_object_object_add(cpu, "period", json_object_new_int64(CPU_PERIOD));
		json_object_object_add(cpu, "quota",
				       json_object_new_int64((int64_t)(cpus * CPU_PERIOD + 0.5)));
	}
	copy_int(sec, "memory_swap", mem, "swap");
	copy_int(sec, "memory_reservation", mem, "reservation");
	if (json_object_object_length(cpu) == 0)
		json_object_object_del(res, "cpu");
	if (json_object_object_length(mem) == 0)
		json_object_object_del(res, "memory");
	if (has(sec, "blkio_weight"))
		copy_int(sec, "blkio_weight", obj_child(res, "blockIO"), "weight");
	for (size_t i = 0; i < ARRAY_SIZE(throttles); i++) {
		struct json_object *v = NULL;
		if (json_object_object_get_ex(sec, throttles[i].key, &v))
			json_object_object_add(obj_child(res, "blockIO"), throttles[i].key,
					       json_object_get(v));
	}
}

static int apply_linux(struct json_object *sec, struct json_object *spec, const char *id,
		       bool privileged, bool systemd, char *const *caps, struct pea_error **err)
{
	struct json_object *lnx = obj_child(spec, "linux"), *res = NULL, *sysctl = NULL;
	_cleanup_json_ struct json_object *rules =
		privileged ? json_object_new_array() : default_device_rules();

	apply_masks(sec, lnx, privileged);
	if (json_object_object_get_ex(sec, "sysctl", &sysctl))
		json_object_object_add(lnx, "sysctl", json_object_get(sysctl));
	if (seccomp_profile_apply(sec, spec, caps, err) < 0)
		return -1;
	if (privileged)
		json_object_array_add(rules, device_rule(true, NULL, -1, -1, "rwm"));
	if (apply_devices(sec, lnx, privileged, systemd, rules, err) < 0)
		return -1;
	if (json_object_object_get_ex(sec, "device_cgroup_rules", &res)) {
		for (size_t i = 0; i < json_object_array_length(res); i++) {
			struct json_object *r = json_object_array_get_idx(res, i);
			const char *type = NULL, *access = NULL;
			int64_t maj = -1, min = -1;
			(void)pea_json_get_string_opt(r, "", "type", &type, NULL);
			(void)pea_json_get_string_opt(r, "", "access", &access, NULL);
			(void)pea_json_get_int64_opt(r, "", "major", &maj, NULL);
			(void)pea_json_get_int64_opt(r, "", "minor", &min, NULL);
			json_object_array_add(
				rules,
				device_rule(true, type && strcmp(type, "a") != 0 ? type : NULL, maj,
					    min, access ? access : "rwm"));
		}
		res = NULL;
	}
	if (!json_object_object_get_ex(lnx, "resources", &res) && !wants_resources(sec))
		return 0;
	res = obj_child(lnx, "resources");
	apply_cpu_mem(sec, res);
	json_object_object_add(res, "devices", json_object_get(rules));
	if (!json_object_object_get_ex(lnx, "cgroupsPath", NULL)) {
		_cleanup_free_ char *cg = xasprintf("/pea/pea-%s", id);
		json_object_object_add(lnx, "cgroupsPath", json_object_new_string(cg));
	}
	return 0;
}

int secres_apply_spec(struct json_object *sec, struct json_object *spec, const char *id, int rootfd,
		      struct pea_error **err)
{
	_cleanup_strv_ char **caps = NULL;
	struct json_object *proc = obj_child(spec, "process");
	bool privileged = false, nnp = false, systemd;
	int64_t oom;

	if (!sec)
		return 0;
	/* before --init puts itself first in the command */
	systemd = secres_systemd_mode(sec, json_object_object_get(proc, "args"));
	(void)pea_json_get_bool_opt(sec, "", "privileged", &privileged, NULL);
	caps = merge_caps(sec, privileged);
	set_caps(proc, caps);
	if (pea_json_get_bool_opt(sec, "", "no_new_privileges", &nnp, NULL) == 1)
		json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(nnp));
	if (pea_json_get_int64_opt(sec, "", "oom_score_adj", &oom, NULL) == 1)
		json_object_object_add(proc, "oomScoreAdj", json_object_new_int64(oom));
	apply_ulimits(sec, proc);
	if (apply_groups(sec, proc, rootfd, err) < 0)
		return -1;
	apply_init(sec, spec, proc);
	apply_mounts(sec, spec, privileged);
	/* crun's (and pea-runtime's): the process keeps the supplementary groups pea has */
	if (has(sec, "keep_groups"))
		json_object_object_add(obj_child(spec, "annotations"),
				       "run.oci.keep_original_groups", json_object_new_string("1"));
	return apply_linux(sec, spec, id, privileged, systemd, caps, err);
}

/* ---- systemd mode ---------------------------------------------------------------- */

static bool str_is(struct json_object *o, const char *s)
{
	const char *v = json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;

	return v && strcmp(v, s) == 0;
}

bool secres_systemd_mode(struct json_object *sec, struct json_object *args)
{
	static const char *const inits[] = { "/sbin/init", "/usr/sbin/init",
					     "/usr/local/sbin/init" };
	const char *mode = NULL, *cmd, *base;
	size_t n = json_object_is_type(args, json_type_array) ? json_object_array_length(args) : 0;
	size_t first = 0;

	if (sec)
		(void)pea_json_get_string_opt(sec, "", "systemd", &mode, NULL);
	if (mode && strcasecmp(mode, "always") == 0)
		return true;
	if ((mode && strcasecmp(mode, "false") == 0) || n == 0)
		return false;
	/* build's RUN puts "/bin/sh -c" first */
	if (n > 2 && str_is(json_object_array_get_idx(args, 0), "/bin/sh") &&
	    str_is(json_object_array_get_idx(args, 1), "-c"))
		first = 2;
	cmd = json_object_get_string(json_object_array_get_idx(args, first));
	if (!cmd)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(inits); i++)
		if (strcmp(cmd, inits[i]) == 0)
			return true;
	base = strrchr(cmd, '/');
	return strcmp(base ? base + 1 : cmd, "systemd") == 0;
}

static bool has_mount(struct json_object *mounts, const char *dest)
{
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		const char *d = json_object_get_string(json_object_object_get(
			json_object_array_get_idx(mounts, i), "destination"));
		if (d && strcmp(d, dest) == 0)
			return true;
	}
	return false;
}

/* Whether path is dir or below it. */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * A tmpfs on dest, before the first mount below it (/run/.containerenv, /run/secrets stay
 * visible over it); mounts is rebuilt in place.
 */
static void insert_tmpfs(struct json_object *mounts, const char *dest)
{
	static const char *const opts[] = { "rw", "rprivate", "nosuid", "nodev", "tmpcopyup" };
	_cleanup_json_ struct json_object *old = json_object_new_array();
	struct json_object *m = json_object_new_object(), *o = json_object_new_array();
	size_t n = json_object_array_length(mounts), at = n;

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		json_object_array_add(o, json_object_new_string(opts[i]));
	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string("tmpfs"));
	json_object_object_add(m, "source", json_object_new_string("tmpfs"));
	json_object_object_add(m, "options", o);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(mounts, i);
		const char *d = json_object_get_string(json_object_object_get(e, "destination"));
		if (at == n && d && path_under(d, dest))
			at = i;
		json_object_array_add(old, json_object_get(e));
	}
	json_object_array_del_idx(mounts, 0, n);
	for (size_t i = 0; i <= n; i++) {
		if (i == at)
			json_object_array_add(mounts, m);
		if (i < n)
			json_object_array_add(mounts,
					      json_object_get(json_object_array_get_idx(old, i)));
	}
}

void secres_apply_systemd(struct json_object *sec, struct json_object *spec, const char *id)
{
	static const char *const tmpfs[] = { "/run", "/run/lock", "/tmp", "/var/log/journal" };
	struct json_object *proc = obj_child(spec, "process"), *env = NULL, *mounts = NULL;
	_cleanup_free_ char *uuid = NULL;
	bool have_uuid = false;

	if (!secres_systemd_mode(sec, json_object_object_get(proc, "args")))
		return;
	if (!json_object_object_get_ex(proc, "env", &env)) {
		env = json_object_new_array();
		json_object_object_add(proc, "env", env);
	}
	for (size_t i = 0; i < json_object_array_length(env); i++) {
		const char *kv = json_object_get_string(json_object_array_get_idx(env, i));
		have_uuid |= kv && strncmp(kv, "container_uuid=", 15) == 0;
	}
	if (!have_uuid) {
		uuid = xasprintf("container_uuid=%.32s", id);
		json_object_array_add(env, json_object_new_string(uuid));
	}
	if (!json_object_object_get_ex(spec, "mounts", &mounts)) {
		mounts = json_object_new_array();
		json_object_object_add(spec, "mounts", mounts);
	}
	for (size_t i = 0; i < ARRAY_SIZE(tmpfs); i++)
		if (!has_mount(mounts, tmpfs[i]))
			insert_tmpfs(mounts, tmpfs[i]);
}

/* ---- inspect ------------------------------------------------------------------ */

static void inspect_int(struct json_object *sec, const char *key, struct json_object *hc,
			const char *name)
{
	int64_t v = 0;

	(void)pea_json_get_int64_opt(sec, "", key, &v, NULL);
	json_object_object_add(hc, name, json_object_new_int64(v));
}

static struct json_object *inspect_strs(struct json_object *sec, const char *key)
{
	struct json_object *a = NULL;

	return json_object_object_get_ex(sec, key, &a) ? json_object_get(a)
						       : json_object_new_array();
}

static struct json_object *inspect_devices(struct json_object *sec)
{
	struct json_object *out = json_object_new_array(), *devs = NULL;

	json_object_object_get_ex(sec, "devices", &devs);
	for (size_t i = 0; devs && i < json_object_array_length(devs); i++) {
		struct json_object *d = json_object_array_get_idx(devs, i), *o;
		const char *path = "", *dest = "", *perms = "rwm";

		(void)pea_json_get_string_opt(d, "", "path", &path, NULL);
		(void)pea_json_get_string_opt(d, "", "destination", &dest, NULL);
		(void)pea_json_get_string_opt(d, "", "permissions", &perms, NULL);
		o = json_object_new_object();
		json_object_object_add(o, "PathOnHost", json_object_new_string(path));
		json_object_object_add(o, "PathInContainer", json_object_new_string(dest));
		json_object_object_add(o, "CgroupPermissions", json_object_new_string(perms));
		json_object_array_add(out, o);
	}
	return out;
}

static struct json_object *inspect_ulimits(struct json_object *sec)
{
	struct json_object *out = json_object_new_array(), *ul = NULL;

	json_object_object_get_ex(sec, "ulimits", &ul);
	for (size_t i = 0; ul && i < json_object_array_length(ul); i++) {
		struct json_object *u = json_object_array_get_idx(ul, i), *o;
		const char *type = "";
		int64_t soft = 0, hard = 0;

		(void)pea_json_get_string_opt(u, "", "type", &type, NULL);
		(void)pea_json_get_int64_opt(u, "", "soft", &soft, NULL);
		(void)pea_json_get_int64_opt(u, "", "hard", &hard, NULL);
		o = json_object_new_object();
		json_object_object_add(o, "Name", json_object_new_string(type));
		json_object_object_add(o, "Soft", json_object_new_int64(soft));
		json_object_object_add(o, "Hard", json_object_new_int64(hard));
		json_object_array_add(out, o);
	}
	return out;
}

void secres_inspect(struct json_object *sec, struct json_object *hc)
{
	bool privileged = false, init = false;
	struct json_object *sysctl = NULL;
	double cpus = 0;
	int64_t shm = 64 << 20;

	(void)pea_json_get_bool_opt(sec, "", "privileged", &privileged, NULL);
	(void)pea_json_get_bool_opt(sec, "", "init", &init, NULL);
	(void)pea_json_get_int64_opt(sec, "", "shm_size", &shm, NULL);
	if (json_object_object_get_ex(sec, "cpus", NULL))
		cpus = json_object_get_double(json_object_object_get(sec, "cpus"));
	json_object_object_add(hc, "Privileged", json_object_new_boolean(privileged));
	json_object_object_add(hc, "CapAdd", inspect_strs(sec, "cap_add"));
	json_object_object_add(hc, "CapDrop", inspect_strs(sec, "cap_drop"));
	if (has(sec, "keep_groups")) {
		struct json_object *k = json_object_new_array();
		json_object_array_add(k, json_object_new_string("keep-groups"));
		json_object_object_add(hc, "GroupAdd", k);
	} else {
		json_object_object_add(hc, "GroupAdd", inspect_strs(sec, "group_add"));
	}
	json_object_object_add(hc, "Devices", inspect_devices(sec));
	json_object_object_add(hc, "Ulimits", inspect_ulimits(sec));
	json_object_object_add(hc, "ShmSize", json_object_new_int64(shm));
	json_object_object_add(hc, "NanoCpus", json_object_new_int64((int64_t)(cpus * 1e9 + 0.5)));
	inspect_int(sec, "cpu_shares", hc, "CpuShares");
	inspect_int(sec, "cpu_quota", hc, "CpuQuota");
	inspect_int(sec, "cpu_period", hc, "CpuPeriod");
	inspect_int(sec, "memory_swap", hc, "MemorySwap");
	inspect_int(sec, "memory_reservation", hc, "MemoryReservation");
	inspect_int(sec, "oom_score_adj", hc, "OomScoreAdj");
	inspect_int(sec, "blkio_weight", hc, "BlkioWeight");
	json_object_object_add(
		hc, "CpusetCpus",
		json_object_new_string(
			json_object_get_string(json_object_object_get(sec, "cpuset_cpus")) ?: ""));
	json_object_object_add(
		hc, "CpusetMems",
		json_object_new_string(
			json_object_get_string(json_object_object_get(sec, "cpuset_mems")) ?: ""));
	json_object_object_add(hc, "Init", json_object_new_boolean(init));
	json_object_object_add(hc, "SecurityOpt", seccomp_profile_inspect(sec));
	json_object_object_add(hc, "Sysctls",
			       json_object_object_get_ex(sec, "sysctl", &sysctl)
				       ? json_object_get(sysctl)
				       : json_object_new_object());
}
