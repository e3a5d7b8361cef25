#pragma once

/*
 * config.json (OCI runtime-spec, Linux) as C structs. spec_load() parses and
 * validates everything up front; the rest of the runtime never sees JSON.
 * Errors name the field: "config.json: mounts[3].destination: must be absolute".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;
struct pea_error;
struct spec_seccomp;

enum spec_hook_kind {
	HOOK_PRESTART,
	HOOK_CREATE_RUNTIME,
	HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER,
	HOOK_POSTSTART,
	HOOK_POSTSTOP,
	HOOK_KIND_COUNT,
};

struct spec_hook {
	char *path;
	char **args; /* NULL: just path */
	char **env;  /* NULL: the runtime's environment */
	int timeout; /* seconds, 0: none */
};

struct spec_hooks {
	struct spec_hook *v;
	size_t n;
};

/* Mount propagation and recursive attributes, already decoded. */
struct spec_mount {
	char *destination;	   /* absolute, inside the container */
	char *source;		   /* NULL for pseudo filesystems */
	char *type;		   /* NULL or "" for bind mounts */
	unsigned long flags;	   /* MS_* for mount(2) */
	unsigned long propagation; /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE [| MS_REC], 0: none */
	uint64_t attr_set;	   /* MOUNT_ATTR_* applied recursively (rro, rnosuid...) */
	uint64_t attr_clr;
	char *data;	/* fs-specific options, comma-separated, or NULL */
	bool bind;	/* bind or rbind */
	bool recursive; /* rbind */
	bool tmpcopyup; /* tmpfs filled with what the image has at destination */
};

struct spec_namespace {
	int type;   /* CLONE_NEW* */
	char *path; /* NULL: a new one */
};

struct spec_idmap {
	uint32_t container_id, host_id, size;
};

struct spec_rlimit {
	int resource;
	uint64_t soft, hard;
};

struct spec_device {
	char *path;
	mode_t type; /* S_IFCHR, S_IFBLK, S_IFIFO */
	uint32_t major, minor;
	mode_t mode; /* permission bits */
	uid_t uid;
	gid_t gid;
};

struct spec_sysctl {
	char *key, *value;
};

struct spec_annotation {
	char *key, *value;
};

enum spec_cap_set {
	CAPS_BOUNDING,
	CAPS_EFFECTIVE,
	CAPS_INHERITABLE,
	CAPS_PERMITTED,
	CAPS_AMBIENT,
	CAPS_SET_COUNT,
};

struct spec_process {
	bool terminal;
	unsigned short console_height, console_width;
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	mode_t umask;
	char **args;
	char **env;
	char *cwd;
	bool has_caps;
	uint64_t caps[CAPS_SET_COUNT]; /* bit n = capability n */
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	bool has_io_priority;
	int io_priority; /* IOPRIO_PRIO_VALUE(class, level) */
	/* LSM labels: accepted only where the LSM is off (container.c check_labels) */
	char *apparmor_profile, *selinux_label;
};

/* linux.resources, decoded; has_* says what was given (cgroup.c applies it). */
struct spec_throttle {
	uint32_t major, minor;
	uint64_t rate;
};

struct spec_weight_device {
	uint32_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct spec_hugepage {
	char *pagesize; /* "2MB", "1GB" */
	uint64_t limit;
};

struct spec_dev_rule {
	bool allow;
	char type;	      /* 'a', 'c', 'b' */
	int64_t major, minor; /* -1: any */
	char access[4];	      /* subset of "rwm" */
};

enum spec_throttle_kind {
	THROTTLE_READ_BPS,
	THROTTLE_WRITE_BPS,
	THROTTLE_READ_IOPS,
	THROTTLE_WRITE_IOPS,
	THROTTLE_COUNT,
};

struct spec_resources {
	bool has_mem_limit, has_mem_reservation, has_mem_swap, has_swappiness;
	bool disable_oom_killer;
	int64_t mem_limit, mem_reservation, mem_swap; /* -1: unlimited */
	uint64_t swappiness;
	bool has_cpu_shares, has_cpu_quota, has_cpu_period, has_rt_runtime, has_rt_period;
	uint64_t cpu_shares, cpu_period, rt_period;
	int64_t cpu_quota, rt_runtime;
	char *cpus, *mems;
	bool has_pids_limit;
	int64_t pids_limit; /* <= 0: unlimited */
	bool has_blkio_weight, has_blkio_leaf_weight;
	uint16_t blkio_weight, blkio_leaf_weight;
	struct spec_weight_device *weight_devices;
	size_t n_weight_devices;
	struct spec_throttle *throttle[THROTTLE_COUNT];
	size_t n_throttle[THROTTLE_COUNT];
	struct spec_hugepage *hugepages;
	size_t n_hugepages;
	struct spec_dev_rule *devices;
	size_t n_devices;
	struct spec_sysctl *unified; /* cgroup v2 file -> value */
	size_t n_unified;
};

/* A "resources" object (linux.resources, or `update --resources`), path names it in errors. */
int spec_resources_parse(struct json_object *res, const char *path, struct spec_resources *ret,
			 struct pea_error **err);
void spec_resources_clear(struct spec_resources *r);

struct spec {
	char *oci_version;
	char *root_path; /* absolute (bundle-relative paths are resolved by spec_load) */
	bool root_readonly;
	char *hostname, *domainname; /* NULL: unset */
	struct spec_mount *mounts;
	size_t n_mounts;
	bool has_process;
	struct spec_process process;
	struct spec_hooks hooks[HOOK_KIND_COUNT];
	struct spec_annotation *annotations;
	size_t n_annotations;

	/* linux */
	struct spec_namespace *namespaces;
	size_t n_namespaces;
	struct spec_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct spec_device *devices;
	size_t n_devices;
	char **masked_paths, **readonly_paths;
	unsigned long rootfs_propagation; /* 0: default (rprivate) */
	struct spec_sysctl *sysctl;
	size_t n_sysctl;
	bool has_personality;
	unsigned long personality;
	bool has_time_offsets;
	int64_t monotonic_secs, boottime_secs;
	uint32_t monotonic_nsecs, boottime_nsecs;
	char *cgroups_path; /* NULL: "/ID" (cgroup.c) */
	struct spec_resources resources;
	struct spec_seccomp *seccomp; /* NULL: none (or not parsed yet: seccomp_text) */
	/* linux.seccomp's text, left unparsed by spec_load_deferred (spec_seccomp_materialize) */
	char *seccomp_text;
	char *mount_label;    /* SELinux: see process.selinux_label */
	char *bundle;	      /* absolute bundle directory */
	char *hooks_json;     /* "hooks" as compact JSON, for poststart/poststop after create */
	char *resources_json; /* linux.resources as compact JSON (kept in the state), or NULL */
};

/* Parse and validate bundle/config.json. bundle must be absolute. */
int spec_load(const char *bundle, struct spec **ret, struct pea_error **err);
/* The same from another file than BUNDLE/config.json (crun's --config): relative to BUNDLE. */
int spec_load_config(const char *bundle, const char *config, struct spec **ret,
		     struct pea_error **err);
/*
 * spec_load_config for create and run: linux.seccomp (most of config.json's
 * text with podman's profile) is kept as seccomp_text and left unparsed when
 * its compiled program may be in the cache (seccomp_cached); a profile with
 * SCMP_ACT_NOTIFY or a listenerPath, or a text this cannot split out, is
 * parsed as spec_load_config does.
 */
int spec_load_deferred(const char *bundle, const char *config, struct spec **ret,
		       struct pea_error **err);
/* The same on a document in memory (the fuzz target's) */
int spec_parse_deferred(const char *buf, size_t len, const char *bundle, struct spec **ret,
			struct pea_error **err);
/* Parse seccomp_text into seccomp (its errors as spec_load_config's); 0 with nothing to do. */
int spec_seccomp_materialize(struct spec *s, struct pea_error **err);
/* Parse a config.json document (what: "config.json", used as the prefix of errors). */
int spec_parse(const char *buf, size_t len, const char *bundle, struct spec **ret,
	       struct pea_error **err);
struct spec *spec_free(struct spec *s);

/*
 * A "process" object alone (config.json's, or `exec --process FILE` later),
 * named "process" in errors; spec_process_clear frees what it holds.
 */
int spec_process_parse(struct json_object *proc, struct spec_process *ret, struct pea_error **err);
void spec_process_clear(struct spec_process *p);

/* Hooks of a kind from a "hooks" JSON object (as kept in the state). */
int spec_hooks_from_json(struct json_object *hooks, enum spec_hook_kind kind,
			 struct spec_hooks *ret, struct pea_error **err);
void spec_hooks_clear(struct spec_hooks *h);

/* The namespace of a type, or NULL. */
const struct spec_namespace *spec_namespace(const struct spec *s, int type);
/* The value of annotation KEY, or NULL. */
const char *spec_annotation(const struct spec *s, const char *key);
const char *spec_namespace_name(int type);

/* Capability, rlimit and mount option tables (also used by `spec`). */
int spec_cap_from_name(const char *name);
int spec_rlimit_from_name(const char *name);
/* The mount options pea-runtime honours (NULL for a slot it refuses), for `features`. */
const char *spec_mount_option_name(size_t i);
size_t spec_mount_option_count(void);
