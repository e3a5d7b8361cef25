#pragma once

/*
 * cgroups of a container. The mode is detected, never assumed: legacy v1
 * (a tmpfs of v1 hierarchies), hybrid (v1 controllers plus a cgroup2 mount
 * with none, at /sys/fs/cgroup/unified) or unified v2. A container gets one
 * directory per mounted hierarchy; what pea-runtime made is recorded in the
 * state so that delete removes exactly that.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;
struct pea_error;
struct spec;
struct spec_resources;
struct spec_dev_rule;
struct bpf_insn;

enum cgroup_mode {
	CGROUP_LEGACY,
	CGROUP_HYBRID,
	CGROUP_UNIFIED,
};

struct cgroup_hier {
	char *controllers; /* "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
	char *dir;	   /* the container's cgroup, absolute */
	size_t mnt_len;	   /* of the mount point prefix of dir (0 when read from the state) */
};

struct cgroup {
	enum cgroup_mode mode;
	struct cgroup_hier *h;
	size_t n;
	char **made; /* directories pea-runtime created, deepest first (NULL-terminated) */
};

#define CGROUP_ROOT "/sys/fs/cgroup"

int cgroup_detect(const char *root, enum cgroup_mode *ret, struct pea_error **err);
const char *cgroup_mode_name(enum cgroup_mode m);

/*
 * The path of the container's cgroup below each hierarchy's root:
 * linux.cgroupsPath ("/a/b", or "a/b" which is taken from the root too),
 * "slice:prefix:name" with --systemd-cgroup (the systemd layout, made on
 * cgroupfs), or "/ID" when unset.
 */
int cgroup_path_for(const char *cgroups_path, const char *id, bool systemd, char **ret,
		    struct pea_error **err);

/* Make the cgroup in every hierarchy, apply s->resources and the device rules. */
int cgroup_prepare(const char *path, const struct spec *s, struct cgroup **ret,
		   struct pea_error **err);

/*
 * How a new process joins the cgroups without a parent moving it, which
 * costs an RCU grace period (see cgroup_join_open): it is cloned into the
 * cgroup2 directory v2_fd (CLONE_INTO_CGROUP: into_v2 says it worked) and
 * writes "0" into each v1 hierarchy's `tasks`, opened here by the parent.
 */
struct cgroup_join {
	int v2_fd;    /* the cgroup2 hierarchy's directory, or -1 */
	bool into_v2; /* the clone put the process there */
	int *tasks;   /* per hierarchy of cg: its v1 `tasks` file, or -1 */
	size_t n;
};

/* Is hierarchy i of cg a cgroup2 one (pure v2, or hybrid's controller-less one)? */
bool cgroup_hier_is_v2(const struct cgroup *cg, size_t i);
int cgroup_join_open(const struct cgroup *cg, struct cgroup_join *j, struct pea_error **err);
/* In the new process, single-threaded: join every v1 hierarchy of j, closing its files. */
int cgroup_join_self(const struct cgroup *cg, struct cgroup_join *j, struct pea_error **err);
void cgroup_join_close(struct cgroup_join *j);
/*
 * Move pid into the hierarchies it has not joined by itself (joined: NULL
 * for all). An ordinary user's hierarchy that refuses it is left out.
 */
int cgroup_enter(struct cgroup *cg, pid_t pid, const struct cgroup_join *joined,
		 struct pea_error **err);
int cgroup_apply(const struct cgroup *cg, const struct spec_resources *res, struct pea_error **err);
/* Kill what is left in the cgroups, remove what was made. */
int cgroup_destroy(const struct cgroup *cg, struct pea_error **err);
/*
 * The empty cgroups at path (a cgroupsPath as cgroup_path_for made it) in every hierarchy
 * removed, no process killed: what a create killed before its state leaves.
 */
int cgroup_remove_left(const char *path);
struct cgroup *cgroup_free(struct cgroup *cg);

struct json_object *cgroup_to_json(const struct cgroup *cg);
int cgroup_from_json(struct json_object *o, struct cgroup **ret, struct pea_error **err);

int cgroup_freeze(const struct cgroup *cg, bool freeze, struct pea_error **err);
bool cgroup_frozen(const struct cgroup *cg);
/* The pids in the container's cgroup (the pids or memory one, or v2). */
int cgroup_pids(const struct cgroup *cg, pid_t **ret, size_t *ret_n, struct pea_error **err);
/* runc's `events --stats` "data" object. */
struct json_object *cgroup_stats(const struct cgroup *cg);
/* How many processes the OOM killer killed in the cgroup. */
uint64_t cgroup_oom_kills(const struct cgroup *cg);

/* The v2 files for res, written under dirfd (unit-tested over a fake tree). */
int cgroup_apply_v2(int dirfd, const struct spec_resources *res, struct pea_error **err);
/*
 * Enable in dirfd's cgroup.subtree_control the controllers of its
 * cgroup.controllers not enabled yet; returns how many it wrote.
 */
int cgroup_v2_enable_missing(int dirfd);
/* cpu.weight from cpu.shares, io.weight from blkio weight (runc's conversions). */
uint64_t cgroup_shares_to_weight(uint64_t shares);
uint64_t cgroup_blkio_to_io_weight(uint64_t weight);

/* The cgroups recorded in a state ("container 'ID' has no cgroups": ENOENT). */
int cgroup_of_state(const struct json_object *cgroups, const char *id, struct cgroup **ret,
		    struct pea_error **err);

/* v2 devices: the BPF program for rules (last match wins, default deny), and attaching it. */
size_t cgroup_devices_program(const struct spec_dev_rule *rules, size_t n_rules,
			      struct bpf_insn **ret);
int cgroup_devices_attach(int cgroupfd, const struct spec_dev_rule *rules, size_t n_rules,
			  struct pea_error **err);

/* The cgroup and cgroup2 lines of /proc/self/mountinfo, read once per process. */
char *const *cgroup_mountinfo_lines(void);
