#pragma once

/*
 * The security and resource options of run and create (podman-run(1)):
 * --cap-add, --cap-drop, --privileged, --security-opt, --device, --group-add,
 * --sysctl, --shm-size, --ulimit, the cpu, memory, oom and blkio limits,
 * --env-host and --init. Parsed into an object of the record's options
 * ("security"), then applied to the config.json pea writes at each start.
 */

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct pea_error;

/* The option ids, for cmd-create.c's table. */
enum {
	SECRES_CAP_ADD = 3000,
	SECRES_CAP_DROP,
	SECRES_PRIVILEGED,
	SECRES_SECURITY_OPT,
	SECRES_DEVICE,
	SECRES_GROUP_ADD,
	SECRES_SYSCTL,
	SECRES_SHM_SIZE,
	SECRES_ULIMIT,
	SECRES_CPUS,
	SECRES_CPU_SHARES,
	SECRES_CPU_QUOTA,
	SECRES_CPU_PERIOD,
	SECRES_CPUSET_CPUS,
	SECRES_CPUSET_MEMS,
	SECRES_MEMORY_SWAP,
	SECRES_MEMORY_RESERVATION,
	SECRES_OOM_SCORE_ADJ,
	SECRES_BLKIO_WEIGHT,
	SECRES_ENV_HOST,
	SECRES_HTTP_PROXY,
	SECRES_INIT,
	SECRES_INIT_PATH,
	SECRES_DEVICE_CGROUP_RULE,
	SECRES_DEVICE_READ_BPS,
	SECRES_DEVICE_WRITE_BPS,
	SECRES_DEVICE_READ_IOPS,
	SECRES_DEVICE_WRITE_IOPS,
	SECRES_SYSTEMD,
};

/* The entries of struct option for cmd-create.c's table (getopt.h). */
/* clang-format off */
#define SECRES_LONGOPTS \
	{ "cap-add", required_argument, NULL, SECRES_CAP_ADD }, \
	{ "cap-drop", required_argument, NULL, SECRES_CAP_DROP }, \
	{ "privileged", optional_argument, NULL, SECRES_PRIVILEGED }, \
	{ "security-opt", required_argument, NULL, SECRES_SECURITY_OPT }, \
	{ "device", required_argument, NULL, SECRES_DEVICE }, \
	{ "group-add", required_argument, NULL, SECRES_GROUP_ADD }, \
	{ "sysctl", required_argument, NULL, SECRES_SYSCTL }, \
	{ "shm-size", required_argument, NULL, SECRES_SHM_SIZE }, \
	{ "ulimit", required_argument, NULL, SECRES_ULIMIT }, \
	{ "cpus", required_argument, NULL, SECRES_CPUS }, \
	{ "cpu-shares", required_argument, NULL, SECRES_CPU_SHARES }, \
	{ "cpu-quota", required_argument, NULL, SECRES_CPU_QUOTA }, \
	{ "cpu-period", required_argument, NULL, SECRES_CPU_PERIOD }, \
	{ "cpuset-cpus", required_argument, NULL, SECRES_CPUSET_CPUS }, \
	{ "cpuset-mems", required_argument, NULL, SECRES_CPUSET_MEMS }, \
	{ "memory-swap", required_argument, NULL, SECRES_MEMORY_SWAP }, \
	{ "memory-reservation", required_argument, NULL, SECRES_MEMORY_RESERVATION }, \
	{ "oom-score-adj", required_argument, NULL, SECRES_OOM_SCORE_ADJ }, \
	{ "blkio-weight", required_argument, NULL, SECRES_BLKIO_WEIGHT }, \
	{ "env-host", optional_argument, NULL, SECRES_ENV_HOST }, \
	{ "http-proxy", optional_argument, NULL, SECRES_HTTP_PROXY }, \
	{ "init", optional_argument, NULL, SECRES_INIT }, \
	{ "init-path", required_argument, NULL, SECRES_INIT_PATH }, \
	{ "device-cgroup-rule", required_argument, NULL, SECRES_DEVICE_CGROUP_RULE }, \
	{ "device-read-bps", required_argument, NULL, SECRES_DEVICE_READ_BPS }, \
	{ "device-write-bps", required_argument, NULL, SECRES_DEVICE_WRITE_BPS }, \
	{ "device-read-iops", required_argument, NULL, SECRES_DEVICE_READ_IOPS }, \
	{ "device-write-iops", required_argument, NULL, SECRES_DEVICE_WRITE_IOPS }, \
	{ "systemd", required_argument, NULL, SECRES_SYSTEMD }
/* clang-format on */

#define SECRES_USAGE                                                                               \
	"      --blkio-weight=N      block IO weight, 10 to 1000 (ignored with a warning\n"        \
	"                            where the kernel has none)\n"                                 \
	"      --cap-add=CAP         add a capability (ALL, names with or without CAP_)\n"         \
	"      --cap-drop=CAP        drop a capability (ALL, names with or without CAP_)\n"        \
	"      --cpu-period=US       CFS period in microseconds (1000 to 1000000)\n"               \
	"      --cpu-quota=US        CFS quota in microseconds per period (>= 1000)\n"             \
	"      --cpu-shares=N        relative CPU weight (cgroup v1 shares)\n"                     \
	"      --cpus=N              number of CPUs (a quota over a 100 ms period)\n"              \
	"      --cpuset-cpus=LIST    CPUs allowed (0-3,5)\n"                                       \
	"      --cpuset-mems=LIST    memory nodes allowed (0-1)\n"                                 \
	"      --device=HOST[:CTR][:PERMS]  add a host device (PERMS of rwm, default rwm)\n"       \
	"      --env-host            pass pea's environment to the container\n"                    \
	"      --group-add=GROUP     an additional group (name in the image or number)\n"          \
	"      --init                run catatonit as PID 1 (bound at /run/podman-init)\n"         \
	"      --init-path=PATH      the init binary (default: catatonit)\n"                       \
	"      --memory-reservation=SIZE  memory soft limit\n"                                     \
	"      --memory-swap=SIZE    memory plus swap limit (-1: unlimited; needs -m)\n"           \
	"      --oom-score-adj=N     the process's OOM score adjustment (-1000 to 1000)\n"         \
	"      --privileged          all capabilities and devices, no seccomp, no masking\n"       \
	"      --security-opt=OPT    no-new-privileges, seccomp=unconfined|FILE, label=...,\n"     \
	"                            mask=PATHS, unmask=ALL|PATHS, apparmor=unconfined\n"          \
	"      --shm-size=SIZE       size of /dev/shm (default 64m)\n"                             \
	"      --sysctl=KEY=VALUE    a namespaced sysctl (kernel.msg*, kernel.sem, kernel.shm*,\n" \
	"                            fs.mqueue.*, net.* without --network host)\n"                 \
	"      --systemd=MODE        true (default: systemd mode when the command is init or\n"    \
	"                            systemd), false, always: tmpfs on /run, /run/lock, /tmp,\n"   \
	"                            /var/log/journal, $container_uuid, stop signal RTMIN+3\n"     \
	"      --ulimit=TYPE=SOFT[:HARD]  a resource limit (nofile, nproc, core, ...; -1:\n"       \
	"                            unlimited); clamped with a warning to what pea can set\n"

/* Apply one option (c is a SECRES_* id) to sec; sec is an object. */
int secres_parse(struct json_object *sec, int c, const char *arg, struct pea_error **err);

/*
 * Once every option is known: the checks across options (swap needs memory,
 * --cpus excludes --cpu-quota, net.* sysctls need a network namespace);
 * memory is -m's value (0: none), net_mode the network mode.
 */
/*
 * containers.conf's default_sysctls ("K=V") into *sec where the container did not
 * set the key itself, as podman: none of net.* with the host's network or one
 * joined (container:, ns:, a pod's: its infra container got them), of
 * fs.mqueue.* with the host's or a joined IPC, of kernel.hostname/domainname
 * with the host's or a joined UTS;
 * none of net.* either when the container has a user namespace of its own
 * (own_userns: --userns=auto, --uidmap, keep-id): the network namespace pea
 * makes belongs to pea's, and the runtime could not write them (EACCES).
 */
void secres_default_sysctls(struct json_object **sec, char *const *defaults, const char *net_mode,
			    const char *ipc_mode, const char *uts_mode, bool own_userns);
int secres_validate(struct json_object *sec, long long memory, const char *net_mode,
		    struct pea_error **err);

/*
 * What of pea's own environment goes into the container: all of it with --env-host, else
 * the proxy variables unless --http-proxy=false (podman's default); sec may be NULL.
 */
char **secres_host_env(struct json_object *sec);

/*
 * The options into the config.json being written: process (capabilities,
 * rlimits, groups, oom score, no new privileges, init), linux (devices,
 * resources, sysctl, seccomp, masked and read-only paths), mounts (/dev/shm,
 * /sys, the init). rootfd is the container's root, for group names.
 */
int secres_apply_spec(struct json_object *sec, struct json_object *spec, const char *id, int rootfd,
		      struct pea_error **err);

/*
 * podman's systemd mode: --systemd=always, or true (the default, sec NULL) with a command
 * (args, a JSON array) that is /sbin/init, /usr/sbin/init, /usr/local/sbin/init or a
 * systemd (also behind build's "/bin/sh -c").
 */
bool secres_systemd_mode(struct json_object *sec, struct json_object *args);

/*
 * In systemd mode (the spec's process.args, before --init wraps them): container_uuid in
 * the environment (the id's first 32 characters) and a tmpfs on /run, /run/lock, /tmp and
 * /var/log/journal where nothing else is mounted, with what the image has there.
 */
void secres_apply_systemd(struct json_object *sec, struct json_object *spec, const char *id);

/* podman's HostConfig fields of these options (sec may be NULL: the defaults). */
void secres_inspect(struct json_object *sec, struct json_object *hostconfig);

/*
 * A podman/Docker seccomp profile (or an OCI linux.seccomp) to the OCI form
 * for this machine, with the syscall rules whose includes/excludes hold for
 * the capabilities caps. *ret: a new object.
 */
int seccomp_profile_convert(const char *text, size_t len, char *const *caps,
			    struct json_object **ret, struct pea_error **err);
