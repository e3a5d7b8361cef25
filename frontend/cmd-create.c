/* create and run's options, and making a container (podman-create(1), podman-run(1)). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
#include "frontend/config.h"
#include "frontend/container.h"
#include "frontend/ctr-log.h"
#include "frontend/events.h"
#include "frontend/external.h"
#include "frontend/frontend.h"
#include "frontend/health.h"
#include "frontend/images.h"
#include "frontend/network.h"
#include "frontend/pod.h"
#include "frontend/platform.h"
#include "frontend/records.h"
#include "frontend/restart.h"
#include "frontend/rootless.h"
#include "frontend/secret.h"
#include "frontend/userns.h"
#include "frontend/sdnotify.h"
#include "frontend/seccomp-profile.h"
#include "frontend/security-run.h"
#include "frontend/spec.h"
#include "frontend/tty.h"
#include "frontend/volumes-run.h"

#define MEMORY_MIN (6ll << 20)
/* pea-monitor's cap */
#define PRESERVE_FDS_MAX 1024

enum {
	OPT_RM = 1000,
	OPT_NAME,
	OPT_ENTRYPOINT,
	OPT_TMPFS,
	OPT_IMAGE_VOLUME,
	OPT_READ_ONLY,
	OPT_PIDS_LIMIT,
	OPT_NETWORK,
	OPT_USERNS,
	OPT_UIDMAP,
	OPT_GIDMAP,
	OPT_PULL,
	OPT_STOP_SIGNAL,
	OPT_STOP_TIMEOUT,
	OPT_LABEL,
	OPT_ENV_FILE,
	OPT_TLS_VERIFY,
	OPT_IP,
	OPT_IP6,
	OPT_MAC,
	OPT_ALIAS,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPTION,
	OPT_ADD_HOST,
	OPT_EXPOSE,
	OPT_DETACH_KEYS,
	OPT_RESTART,
	OPT_MOUNT,
	OPT_VOLUMES_FROM,
	OPT_LOG_DRIVER,
	OPT_LOG_OPT,
	OPT_ANNOTATION,
	OPT_PLATFORM,
	OPT_TZ,
	OPT_SECRET,
	OPT_REPLACE,
	OPT_RMI,
	OPT_PID,
	OPT_IPC,
	OPT_CIDFILE,
	OPT_KERNEL_MEMORY,
	OPT_CONMON_PIDFILE,
	OPT_TIMEOUT,
	OPT_RUNTIME,
	OPT_POD,
	OPT_PRESERVE_FDS,
	OPT_ROOTFS,
};

#define CREATE_SHORTOPTS "+a:de:w:u:h:v:m:l:itp:Pq"

static const struct option create_longopts[] = {
	{ "help", no_argument, NULL, 'H' },
	{ "detach", no_argument, NULL, 'd' },
	{ "rm", no_argument, NULL, OPT_RM },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "env", required_argument, NULL, 'e' },
	{ "env-file", required_argument, NULL, OPT_ENV_FILE },
	{ "workdir", required_argument, NULL, 'w' },
	{ "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
	{ "user", required_argument, NULL, 'u' },
	{ "hostname", required_argument, NULL, 'h' },
	{ "volume", required_argument, NULL, 'v' },
	{ "tmpfs", required_argument, NULL, OPT_TMPFS },
	{ "image-volume", required_argument, NULL, OPT_IMAGE_VOLUME },
	{ "read-only", optional_argument, NULL, OPT_READ_ONLY },
	{ "memory", required_argument, NULL, 'm' },
	{ "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
	{ "network", required_argument, NULL, OPT_NETWORK },
	{ "userns", required_argument, NULL, OPT_USERNS },
	{ "uidmap", required_argument, NULL, OPT_UIDMAP },
	{ "gidmap", required_argument, NULL, OPT_GIDMAP },
	{ "net", required_argument, NULL, OPT_NETWORK },
	{ "pull", required_argument, NULL, OPT_PULL },
	{ "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL },
	{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
	{ "label", required_argument, NULL, 'l' },
	{ "tls-verify", optional_argument, NULL, OPT_TLS_VERIFY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "interactive", optional_argument, NULL, 'i' },
	{ "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
	{ "restart", required_argument, NULL, OPT_RESTART },
	{ "tty", optional_argument, NULL, 't' },
	{ "ip", required_argument, NULL, OPT_IP },
	{ "ip6", required_argument, NULL, OPT_IP6 },
	{ "mac-address", required_argument, NULL, OPT_MAC },
	{ "network-alias", required_argument, NULL, OPT_ALIAS },
	{ "dns", required_argument, NULL, OPT_DNS },
	{ "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
	{ "dns-option", required_argument, NULL, OPT_DNS_OPTION },
	{ "dns-opt", required_argument, NULL, OPT_DNS_OPTION },
	{ "add-host", required_argument, NULL, OPT_ADD_HOST },
	{ "publish", required_argument, NULL, 'p' },
	{ "publish-all", no_argument, NULL, 'P' },
	{ "expose", required_argument, NULL, OPT_EXPOSE },
	{ "mount", required_argument, NULL, OPT_MOUNT },
	{ "volumes-from", required_argument, NULL, OPT_VOLUMES_FROM },
	{ "log-driver", required_argument, NULL, OPT_LOG_DRIVER },
	{ "log-opt", required_argument, NULL, OPT_LOG_OPT },
	{ "annotation", required_argument, NULL, OPT_ANNOTATION },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "secret", required_argument, NULL, OPT_SECRET },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "rmi", no_argument, NULL, OPT_RMI },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "ipc", required_argument, NULL, OPT_IPC },
	{ "cidfile", required_argument, NULL, OPT_CIDFILE },
	{ "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
	{ "conmon-pidfile", required_argument, NULL, OPT_CONMON_PIDFILE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "pod", required_argument, NULL, OPT_POD },
	{ "attach", required_argument, NULL, 'a' },
	{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
	{ "rootfs", no_argument, NULL, OPT_ROOTFS },
	SECRES_LONGOPTS,
	HEALTH_LONGOPTS,
	SDNOTIFY_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static const char create_usage[] =
	"Usage: pea %s [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
	"\n"
	"%s\n"
	"\n"
	"%s"
	"  -a, --attach=STREAM       stdin, stdout or stderr (repeatable): only those streams\n"
	"                            are attached (default: all three)\n"
	"  -e, --env=KEY[=VALUE]     set an environment variable (KEY alone: from pea's own)\n"
	"      --env-file=FILE       read KEY=VALUE lines (# comments, blank lines skipped)\n"
	"      --entrypoint=CMD      override the image's entrypoint (a string or a JSON array)\n"
	"  -h, --hostname=NAME       the container's host name (default: its short id)\n"
	"  -i, --interactive         keep the container's stdin open; run copies pea's to it\n"
	"  -t, --tty                 give the container a terminal (run puts pea's in raw mode)\n"
	"  -l, --label=KEY=VALUE     add a label\n"
	"  -m, --memory=SIZE         memory limit (b, k, m, g suffixes; at least 6m; 0: none)\n"
	"      --cidfile=FILE        write the container's id to FILE (which must not exist)\n"
	"      --conmon-pidfile=FILE write the monitor's pid to FILE at each start\n"
	"      --device-cgroup-rule=\"TYPE MAJ:MIN ACCESS\"  one more device cgroup rule\n"
	"      --ipc=MODE            private, shareable (default), none, host, container:ID,\n"
	"                            ns:PATH\n"
	"      --kernel-memory=SIZE  ignored, with a warning (as podman 4.3)\n"
	"      --name=NAME           the container's name\n"
	"      --add-host=NAME:IP    add a line to /etc/hosts (IP host-gateway: the host)\n"
	"      --annotation=KEY=VALUE  add an annotation to the OCI spec (repeatable)\n"
	"      --dns=IP              a DNS server for /etc/resolv.conf (repeatable)\n"
	"      --dns-option=OPT      an options entry of /etc/resolv.conf\n"
	"      --dns-search=DOMAIN   a search domain of /etc/resolv.conf (\".\": none)\n"
	"      --expose=PORT[/PROTO] a port -P publishes, besides the image's\n"
	"      --ip=IPV4, --ip6=IPV6 the container's address on its network\n"
	"      --log-driver=DRIVER   k8s-file (default; json-file is the same), journald, none,\n"
	"                            passthrough (the container's stdio are pea's)\n"
	"      --log-opt=NAME=VALUE  path=FILE, max-size=SIZE (10k: 10000 bytes), tag=TAG\n"
	"      --mac-address=MAC     the container's MAC address on its network\n"
	"      --network=MODE        private (default: bridge as root, pasta rootless), none\n"
	"                            (only lo), host, bridge (the network podman), "
	"NAME[:ip=IP,mac=MAC,\n"
	"                            alias=NAME], container:ID, ns:PATH (repeatable for names)\n"
	"      --network-alias=NAME  another DNS name of the container on its network\n"
	"  -p, --publish=[IP:][HOST:]PORT[/PROTO]  publish a container port (ranges a-b)\n"
	"  -P, --publish-all         publish the exposed ports on free host ports\n"
	"  -q, --quiet               no pull progress when the image is pulled\n"
	"      --pid=MODE            private (default), host, container:ID, ns:PATH\n"
	"      --pod=POD|new:NAME    join a pod (pea pod create; new: makes it): its shared\n"
	"                            namespaces, /etc/hosts and published ports\n"
	"      --pids-limit=N        most processes at once (-1: no limit)\n"
	"      --preserve-fds=N      pass pea's fds 3 to 3+N-1 on to the container\n"
	"      --platform=OS/ARCH[/VARIANT]  the platform of the image to pull and run\n"
	"      --pull=POLICY         missing (default), always, never, newer\n"
	"      --read-only[=BOOL]    mount the root read-only (tmpfs on /tmp, /var/tmp, /run)\n"
	"      --replace             remove the container of the same --name first\n"
	"      --rootfs              IMAGE is a folder, the container's root as it is (PATH:O:\n"
	"                            an overlay over it, its changes gone with the container)\n"
	"      --restart=POLICY      no (default), on-failure[:N], always, unless-stopped: start\n"
	"                            it again when it exits (not after pea stop)\n"
	"      --rm                  remove the container when it exits\n"
	"      --secret=NAME[,OPTS]  give it pea's secret NAME: a file /run/secrets/NAME\n"
	"                            (type=mount) or a variable (type=env); target=, uid=,\n"
	"                            gid=, mode=\n"
	"      --stop-signal=SIGNAL  signal of pea stop (default SIGTERM, or the image's)\n"
	"      --stop-timeout=SECS   seconds pea stop waits before SIGKILL (default 10)\n"
	"      --runtime=PATH|NAME   the container's OCI runtime (default: pea's --runtime)\n"
	"      --timeout=SECS        kill the container after SECS (0: never)\n"
	"      --tmpfs=DIR[:OPTS]    mount a tmpfs on DIR\n"
	"      --image-volume=MODE   the image's VOLUMEs: bind (anonymous volumes), tmpfs or\n"
	"                            ignore\n"
	"      --tls-verify[=BOOL]   verify the registry's certificate when pulling\n"
	"      --tz=ZONE             the container's time zone (/usr/share/zoneinfo/ZONE, or\n"
	"                            local: the host's)\n"
	"  -u, --user=USER[:GROUP]   run as this user (name or uid)\n"
	"      --userns=MODE         host (the default), keep-id[:uid=U,gid=G] (rootless: your\n"
	"                            uid inside), nomap (rootless), auto[:size=N]\n"
	"      --uidmap=C:H:N        a user namespace of the container's own (repeatable)\n"
	"      --gidmap=C:H:N        its group ids (default: as --uidmap)\n"
	"  -v, --volume=SRC:CTR[:OPTS]  bind-mount a host folder (SRC a path) or a named volume\n"
	"                            (made when missing); OPTS: ro, rw, nocopy, propagation,\n"
	"                            nosuid, nodev, noexec, z, Z, U, idmap, O\n"
	"      --mount=type=TYPE,... a bind (source, target, readonly, bind-propagation,\n"
	"                            bind-nonrecursive, relabel, U, idmap), volume (source,\n"
	"                            target, readonly, volume-nocopy, U, idmap), image (source,\n"
	"                            target, rw), tmpfs (target, tmpfs-size, tmpfs-mode) or\n"
	"                            devpts (target, uid, gid, mode, max)\n"
	"      --volumes-from=CTR[:ro|rw]  the volumes and binds of another container\n"
	"  -w, --workdir=DIR         working directory of the process\n" SECRES_USAGE HEALTH_USAGE
		SDNOTIFY_USAGE "      --help                print this help\n";

struct create_opts {
	char *name;
	char *image_volume; /* --image-volume: bind, tmpfs or ignore (NULL: containers.conf's) */
	char **env;
	char *workdir;
	char *entrypoint; /* as given */
	bool entrypoint_set;
	char *user;
	struct userns_opts userns;
	char *hostname;
	struct json_object *volumes; /* [{source, destination, options}] */
	struct json_object *tmpfs;   /* [{destination, options}] */
	char **volumes_from;
	struct json_object *sec;    /* security-run.h */
	struct json_object *health; /* --health-* (health.h) */
	const char *sdnotify;	    /* --sdnotify, as given (sdnotify.h) */
	bool read_only;
	long long memory;
	long long pids_limit;
	bool pids_set;
	char *pull;
	char *stop_signal;
	int stop_timeout;
	char **labels;
	bool tls_verify;
	bool quiet; /* -q: no pull progress */
	bool rm;
	bool interactive;
	bool tty;
	struct json_object *restart; /* restart_policy, restart_retries (restart.h) */
	/* networking */
	char *net_mode;		      /* none, host, bridge, container:ID, ns:PATH */
	struct json_object *networks; /* {NAME: netavark's per-network options} */
	char **ips;		      /* --ip, --ip6 */
	char *mac;
	char **aliases;
	char **dns, **dns_search, **dns_option, **add_host, **expose;
	struct json_object *ports; /* netavark's port_mappings */
	bool publish_all;
	struct ctr_log_flags log;
	struct json_object *annotations; /* {KEY: VALUE} */
	char *platform;			 /* OS/ARCH[/VARIANT] as given */
	char *tz;			 /* --tz (or containers.conf's tz) */
	char **secrets;			 /* --secret, as given */
	bool replace;
	char *pid_mode; /* host, private, container:ID, ns:PATH */
	char *ipc_mode; /* the same, and shareable, none */
	char *cidfile;
	char *conmon_pidfile;
	long long timeout;	/* seconds, 0: none */
	long long preserve_fds; /* --preserve-fds: fds 3 .. 3+N-1 go to the container */
	bool rootfs;		/* --rootfs: the operand is a folder, not an image */
	char *runtime;		/* --runtime as given (a name or a path) */
	/* --pod (pod.h): the pod as given, its id, the infra's UTS namespace to join */
	char *pod, *pod_id, *uts_mode;
	bool pod_made, pod_keep; /* --pod new:NAME made it; the container was made too */
	struct global_options *pod_g;
};

static void create_opts_clear(struct create_opts *o)
{
	free(o->name);
	free(o->image_volume);
	pea_strv_free(o->env);
	free(o->workdir);
	free(o->entrypoint);
	free(o->user);
	userns_opts_clear(&o->userns);
	free(o->hostname);
	json_object_put(o->volumes);
	json_object_put(o->tmpfs);
	pea_strv_free(o->volumes_from);
	json_object_put(o->sec);
	json_object_put(o->health);
	json_object_put(o->restart);
	free(o->pull);
	free(o->stop_signal);
	pea_strv_free(o->labels);
	free(o->net_mode);
	json_object_put(o->networks);
	pea_strv_free(o->ips);
	free(o->mac);
	pea_strv_free(o->aliases);
	pea_strv_free(o->dns);
	pea_strv_free(o->dns_search);
	pea_strv_free(o->dns_option);
	pea_strv_free(o->add_host);
	pea_strv_free(o->expose);
	json_object_put(o->ports);
	ctr_log_flags_clear(&o->log);
	json_object_put(o->annotations);
	free(o->platform);
	free(o->tz);
	pea_strv_free(o->secrets);
	free(o->pid_mode);
	free(o->ipc_mode);
	free(o->cidfile);
	free(o->conmon_pidfile);
	free(o->runtime);
	/* a pod made by --pod new: goes with a create that failed */
	if (o->pod_made && !o->pod_keep)
		(void)pod_remove(o->pod_g, o->pod_id, true, 0, NULL, NULL);
	free(o->pod);
	free(o->pod_id);
	free(o->uts_mode);
}

static void set(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* -m: a size (frontend_parse_size), at least 6 MiB as podman requires. */
static int parse_memory(const char *s, long long *ret, struct pea_error **err)
{
	if (frontend_parse_size(s, ret) < 0)
		return pea_error_new(err, EINVAL,
				     "invalid argument \"%s\" for \"-m, --memory\" flag: "
				     "invalid size: '%s'",
				     s, s);
	/* 0: no limit, as podman */
	if (*ret != 0 && *ret < MEMORY_MIN)
		return pea_error_new(err, EINVAL, "minimum memory limit allowed is 6MB");
	return 0;
}

bool container_name_valid(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return strlen(s) <= 253;
}

static struct json_object *strv_to_json(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static int parse_int(const char *opt, const char *s, long long min, long long *ret,
		     struct pea_error **err)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < min)
		return pea_error_new(err, EINVAL,
				     "invalid argument \"%s\" for \"%s\" flag: "
				     "must be an integer >= %lld",
				     s, opt, min);
	*ret = v;
	return 0;
}

/* ---- networking options ---- */

static bool mac_valid(const char *s)
{
	unsigned int b[6];
	char tail;

	return strlen(s) == 17 && sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
					 &b[4], &b[5], &tail) == 6;
}

static int push_ip(const char *opt, const char *arg, char ***v, struct pea_error **err)
{
	struct fe_ip ip;

	if (fe_ip_parse(arg, false, &ip) < 0)
		return pea_error_new(err, EINVAL, "%s: '%s' is not an IP address", opt, arg);
	pea_strv_push(v, arg);
	return 0;
}

static int parse_ip_opt(struct create_opts *o, bool v6, const char *arg, struct pea_error **err)
{
	struct fe_ip ip;

	if (fe_ip_parse(arg, false, &ip) < 0 || (ip.family == AF_INET6) != v6)
		return pea_error_new(err, EINVAL, "%s: '%s' is not an IPv%c address",
				     v6 ? "--ip6" : "--ip", arg, v6 ? '6' : '4');
	pea_strv_push(&o->ips, arg);
	return 0;
}

static int parse_add_host(struct create_opts *o, const char *arg, struct pea_error **err)
{
	const char *colon = strchr(arg, ':');
	_cleanup_free_ char *ip = NULL;
	struct fe_ip a;

	if (!colon || colon == arg)
		return pea_error_new(
			err, EINVAL,
			"invalid --add-host '%s': use NAME:IP (IP may be host-gateway)", arg);
	ip = colon[1] == '[' ? xstrndup(colon + 2, strcspn(colon + 2, "]")) : xstrdup(colon + 1);
	if (strcmp(ip, "host-gateway") != 0 && fe_ip_parse(ip, false, &a) < 0)
		return pea_error_new(err, EINVAL, "invalid IP address in add-host: \"%s\"", ip);
	pea_strv_push(&o->add_host, arg);
	return 0;
}

static int parse_expose(struct create_opts *o, const char *arg, struct pea_error **err)
{
	_cleanup_json_ struct json_object *tmp = json_object_new_array();

	if (ports_parse_expose(arg, tmp, err) < 0)
		return -1;
	pea_strv_push(&o->expose, arg);
	return 0;
}

/* NAME[:ip=IP,ip6=IP,mac=MAC,alias=NAME,interface_name=IF]: one key=value of a network. */
static int network_kv(struct json_object *per, const char *name, const char *kv,
		      struct pea_error **err)
{
	const char *eq = strchr(kv, '=');
	_cleanup_free_ char *k = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
	const char *v = eq ? eq + 1 : "";
	struct json_object *a = NULL;
	struct fe_ip ip;

	if (strcmp(k, "ip") == 0 || strcmp(k, "ip6") == 0) {
		if (fe_ip_parse(v, false, &ip) < 0)
			return pea_error_new(err, EINVAL, "network %s: invalid IP address '%s'",
					     name, v);
		k = (free(k), xstrdup("static_ips"));
	} else if (strcmp(k, "mac") == 0) {
		if (!mac_valid(v))
			return pea_error_new(err, EINVAL, "network %s: invalid MAC address '%s'",
					     name, v);
		json_object_object_add(per, "static_mac", json_object_new_string(v));
		return 0;
	} else if (strcmp(k, "alias") == 0) {
		k = (free(k), xstrdup("aliases"));
	} else if (strcmp(k, "interface_name") == 0) {
		json_object_object_add(per, "interface_name", json_object_new_string(v));
		return 0;
	} else {
		return pea_error_new(err, EINVAL,
				     "network %s: unknown option '%s': use ip, ip6, mac, alias or "
				     "interface_name",
				     name, kv);
	}
	if (!*v)
		return pea_error_new(err, EINVAL, "network %s: empty value of '%s'", name, kv);
	if (!json_object_object_get_ex(per, k, &a)) {
		a = json_object_new_array();
		json_object_object_add(per, k, a);
	}
	json_object_array_add(a, json_object_new_string(v));
	return 0;
}

static bool is_mode(const char *s)
{
	return strcmp(s, "none") == 0 || strcmp(s, "host") == 0 || strcmp(s, "private") == 0 ||
	       strncmp(s, "container:", 10) == 0 || strncmp(s, "ns:", 3) == 0 ||
	       strcmp(s, "slirp4netns") == 0 || strncmp(s, "slirp4netns:", 12) == 0 ||
	       strcmp(s, "pasta") == 0 || strncmp(s, "pasta:", 6) == 0;
}

static int set_mode(struct create_opts *o, const char *m, struct pea_error **err)
{
	if (rootless_net_check_mode(m, err) < 0)
		return -1;
	/* slirp4netns runs as root too (podman's 500-networking); pasta as root is podman 5's */
	if (strncmp(m, "pasta", 5) == 0 && !rootless_detect())
		return pea_error_new(err, ENOTSUP,
				     "network mode '%s' is not supported yet as root: use a bridge "
				     "network",
				     m);
	if ((strncmp(m, "container:", 10) == 0 && !m[10]) || (strncmp(m, "ns:", 3) == 0 && !m[3]))
		return pea_error_new(err, EINVAL, "invalid network mode '%s': empty value", m);
	if (o->net_mode && strcmp(o->net_mode, m) != 0)
		return pea_error_new(err, EINVAL, "network mode '%s' conflicts with '%s'", m,
				     o->net_mode);
	set(&o->net_mode, m);
	return 0;
}

/* --network: a mode, or networks "a,b" each with its own ":k=v,k=v". */
static int parse_network(struct create_opts *o, const char *arg, struct pea_error **err)
{
	_cleanup_strv_ char **parts = NULL;
	struct json_object *per = NULL;
	const char *cur = NULL;

	/*
	 * private: a network namespace of the container's own, podman's default
	 * (network_defaults()): the default bridge network as root, pasta rootless
	 */
	if (strcmp(arg, "private") == 0)
		arg = rootless_detect() ? "pasta" : "bridge";
	if (is_mode(arg))
		return set_mode(o, arg, err);
	parts = pea_strv_split(arg, ",");
	if (!parts)
		return pea_error_new(err, EINVAL, "--network: empty value");
	for (size_t i = 0; parts[i]; i++) {
		char *p = parts[i], *colon = strchr(p, ':');
		const char *eq = strchr(p, '=');

		if (per && eq && (!colon || colon > eq)) {
			if (network_kv(per, cur, p, err) < 0)
				return -1;
			continue;
		}
		if (colon)
			*colon = '\0';
		/* "bridge" (the default network) is named by network_defaults() */
		if (!network_name_valid(p))
			return pea_error_new(err, EINVAL, "invalid network name '%s'", p);
		if (!o->networks)
			o->networks = json_object_new_object();
		if (!json_object_object_get_ex(o->networks, p, &per)) {
			per = json_object_new_object();
			json_object_object_add(o->networks, p, per);
		}
		json_object_object_get_ex(o->networks, p, &per);
		cur = p;
		if (colon && colon[1] && network_kv(per, cur, colon + 1, err) < 0)
			return -1;
	}
	return 0;
}

static void add_strs(struct json_object *per, const char *key, char *const *v)
{
	struct json_object *a = NULL;

	if (!v || !v[0])
		return;
	if (!json_object_object_get_ex(per, key, &a)) {
		a = json_object_new_array();
		json_object_object_add(per, key, a);
	}
	for (size_t i = 0; v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
}

/* The mode and networks once every option is known. */
static int validate_network(struct create_opts *o, struct pea_error **err)
{
	bool needs_bridge = o->ports || o->publish_all || o->ips || o->mac || o->aliases;
	size_t nnets = o->networks ? (size_t)json_object_object_length(o->networks) : 0;
	struct json_object *per = NULL;

	if (nnets > 0 && o->net_mode)
		return pea_error_new(err, EINVAL,
				     "--network %s cannot be combined with the networks named",
				     o->net_mode);
	/* pasta and slirp4netns forward the published ports themselves */
	if ((rootless_net_is_pasta(o->net_mode) || rootless_net_is_slirp(o->net_mode)) && !o->ips &&
	    !o->mac && !o->aliases)
		return 0;
	/* podman: ports without a network of their own are dropped, with its warning */
	if (o->net_mode && (o->ports || o->publish_all) && !o->ips && !o->mac && !o->aliases &&
	    (strcmp(o->net_mode, "host") == 0 || strcmp(o->net_mode, "none") == 0 ||
	     strncmp(o->net_mode, "container:", 10) == 0 || strncmp(o->net_mode, "ns:", 3) == 0)) {
		fprintf(stderr, "Port mappings have been discarded as one of the Host, Container, "
				"Pod, and None network modes are in use\n");
		o->ports = (json_object_put(o->ports), NULL);
		o->publish_all = false;
		return 0;
	}
	if (o->net_mode && needs_bridge)
		return pea_error_new(
			err, EINVAL,
			"-p, -P, --ip, --mac-address and --network-alias need a bridge "
			"network, not --network %s",
			o->net_mode);
	if (nnets == 0 && (o->net_mode || !needs_bridge))
		return 0;
	/* rootless: -p alone means pasta, as podman (bridge networks need root) */
	if (nnets == 0 && rootless_detect() && !o->ips && !o->mac && !o->aliases) {
		set(&o->net_mode, "pasta");
		return 0;
	}
	/* -p alone means podman's default, the bridge network "podman" */
	if (nnets == 0) {
		o->networks = json_object_new_object();
		json_object_object_add(o->networks, "bridge", json_object_new_object());
		nnets = 1;
	}
	if (nnets > 1 && (o->ips || o->mac || o->aliases))
		return pea_error_new(err, EINVAL,
				     "--ip, --ip6, --mac-address and --network-alias can only be "
				     "set with one network: use --network NAME:ip=IP,mac=MAC,"
				     "alias=NAME");
	json_object_object_foreach(o->networks, name, p)
	{
		(void)name;
		per = p;
	}
	add_strs(per, "static_ips", o->ips);
	add_strs(per, "aliases", o->aliases);
	if (o->mac)
		json_object_object_add(per, "static_mac", json_object_new_string(o->mac));
	set(&o->net_mode, "bridge");
	return 0;
}

/* --annotation KEY=VALUE (and containers.conf's annotations: what names them). */
static int parse_annotation(struct json_object **anns, const char *arg, const char *what,
			    struct pea_error **err)
{
	const char *eq = strchr(arg, '=');
	_cleanup_free_ char *key = NULL;

	if (!eq || eq == arg)
		return pea_error_new(err, EINVAL,
				     "%sinvalid annotation \"%s\": annotations must be formatted "
				     "KEY=VALUE",
				     what, arg);
	key = xstrndup(arg, (size_t)(eq - arg));
	if (!*anns)
		*anns = json_object_new_object();
	json_object_object_add(*anns, key, json_object_new_string(eq + 1));
	return 0;
}

/* containers.conf's annotations under the flags' (podman's order). */
static int merge_conf_annotations(struct create_opts *o, const struct ctr_config *conf,
				  struct pea_error **err)
{
	_cleanup_json_ struct json_object *merged = NULL;

	if (!conf->annotations)
		return 0;
	for (size_t i = 0; conf->annotations[i]; i++)
		if (parse_annotation(&merged, conf->annotations[i], "containers.conf: ", err) < 0)
			return -1;
	if (o->annotations) {
		json_object_object_foreach(o->annotations, k, v)
		{
			json_object_object_add(merged, k, json_object_get(v));
		}
	}
	json_object_put(o->annotations);
	o->annotations = TAKE_PTR(merged);
	return 0;
}

/* path, absolute from our working directory (a start may be run elsewhere). */
static char *abs_path(const char *path)
{
	_cleanup_free_ char *cwd = NULL;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	return cwd ? xasprintf("%s/%s", cwd, path) : xstrdup(path);
}

/*
 * --pid and --ipc: host, private, container:ID, ns:PATH (an absolute path);
 * --ipc also shareable and none. podman's words for a bad one.
 */
static int parse_ns_mode(const char *flag, bool ipc, const char *arg, char **dst,
			 struct pea_error **err)
{
	if (strcmp(arg, "host") == 0 || strcmp(arg, "private") == 0 ||
	    (ipc && (strcmp(arg, "shareable") == 0 || strcmp(arg, "none") == 0)) ||
	    (strncmp(arg, "container:", 10) == 0 && arg[10]) ||
	    (strncmp(arg, "ns:", 3) == 0 && arg[3] == '/')) {
		set(dst, arg);
		return 0;
	}
	return pea_error_new(err, EINVAL, "invalid argument \"%s\" for \"%s\" flag: use host, %s",
			     arg, flag,
			     ipc ? "private, shareable, none, container:ID or ns:PATH"
				 : "private, container:ID or ns:PATH");
}

/*
 * getopt_long takes a unique prefix of a long option as that option (--pid
 * as --pids-limit); podman takes none: the next argument, when it is a long
 * option, must be one by its whole name.
 */
static int check_whole_flag(int argc, char **argv, const char *shortopts,
			    const struct option *longopts, struct pea_error **err)
{
	int i = optind > 0 ? optind : 1; /* 0: getopt starts over, at 1 */
	const char *a;
	size_t len;

	if (i >= argc)
		return 0;
	a = argv[i];
	/* the last word a short flag that wants a value: podman's words */
	if (a[0] == '-' && a[1] && a[1] != '-' && i + 1 == argc) {
		for (const char *p = a + 1; *p; p++) {
			const char *o = *p != ':' && *p != '+' ? strchr(shortopts, *p) : NULL;
			if (!o || o[1] != ':')
				continue;
			if (p[1])
				break; /* the rest of the word is its value */
			return pea_error_new(
				err, EINVAL,
				"flag needs an argument: '%c' in %s\nSee 'pea %s --help'", *p, a,
				argv[0]);
		}
	}
	if (strncmp(a, "--", 2) != 0 || !a[2] || frontend_is_global_flag(a))
		return 0; /* podman's global flags: cmd_getopt's */
	a += 2;
	len = strcspn(a, "=");
	for (const struct option *o = longopts; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, a, len) == 0)
			return 0;
	return pea_error_new(err, EINVAL, "unknown flag: --%.*s\nSee 'pea %s --help'", (int)len, a,
			     argv[0]);
}

/*
 * --rootfs PATH[:O]: an existing folder (made absolute); :O is an overlay over it,
 * whose lowerdir option cannot hold ',' or ':'.
 */
static int parse_rootfs(const char *arg, struct json_object *opts, struct pea_error **err)
{
	_cleanup_free_ char *path = xstrdup(arg), *abs = NULL;
	size_t n = strlen(path);
	bool overlay = n > 2 && strcmp(path + n - 2, ":O") == 0;
	struct stat st;

	if (overlay)
		path[n - 2] = '\0';
	if (!*path)
		return pea_error_new(err, EINVAL, "--rootfs: an empty path");
	abs = abs_path(path);
	if (stat(abs, &st) < 0)
		return pea_error_errno(err, "--rootfs '%s'", abs);
	if (!S_ISDIR(st.st_mode))
		return pea_error_new(err, ENOTDIR, "--rootfs '%s': not a directory", abs);
	if (overlay && strpbrk(abs, ",:"))
		return pea_error_new(err, EINVAL,
				     "--rootfs '%s:O': an overlay's path cannot hold ',' or ':'",
				     abs);
	json_object_object_add(opts, "rootfs", json_object_new_string(abs));
	json_object_object_add(opts, "rootfs_overlay", json_object_new_boolean(overlay));
	return 0;
}

/* -a/--attach STREAM: podman's three names (any case), each once or more. */
static int parse_attach(struct run_flags *rf, const char *arg, struct pea_error **err)
{
	static const char *const names[] = { "stdin", "stdout", "stderr" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcasecmp(arg, names[i]) == 0) {
			rf->attach |= 1u << i;
			return 0;
		}
	return pea_error_new(err, EINVAL,
			     "invalid stream \"%s\" for --attach - must be one of stdin, stdout, "
			     "or stderr",
			     arg);
}

/*
 * podman's -i=false and -t=false (a boolean shorthand with a value, as pflag
 * takes it): the words before the image made --interactive=, --tty=.
 */
static void long_bool_shorthands(int argc, char **argv)
{
	/* argv outlives this call: the new words live as long as the process */
	static char **owned;

	for (int i = 1; i < argc; i++) {
		const char *w = argv[i], *o;
		size_t len;

		if (w[0] != '-' || !w[1] || strcmp(w, "--") == 0)
			return; /* the image: the rest is the command's */
		if (w[1] == '-') {
			len = strcspn(w + 2, "=");
			for (const struct option *l = create_longopts; l->name; l++)
				if (strlen(l->name) == len && strncmp(l->name, w + 2, len) == 0 &&
				    l->has_arg == required_argument && !w[2 + len])
					i++; /* its value is the next word */
			continue;
		}
		if ((w[1] == 'i' || w[1] == 't') && w[2] == '=') {
			pea_strv_push_take(
				&owned,
				xasprintf("--%s%s", w[1] == 'i' ? "interactive" : "tty", w + 2));
			argv[i] = owned[pea_strv_length(owned) - 1];
			continue;
		}
		/* a cluster: a flag that takes a value takes the rest, or the next word */
		for (const char *p = w + 1; *p; p++) {
			o = strchr(CREATE_SHORTOPTS, *p);
			if (o && o[1] == ':') {
				if (!p[1])
					i++;
				break;
			}
		}
	}
}

static int apply_create_opt(struct create_opts *o, struct run_flags *rf, int c, const char *arg,
			    struct pea_error **err)
{
	long long n;

	switch (c) {
	case 'd':
		rf->detach = true;
		return 0;
	case 'a':
		return parse_attach(rf, arg, err);
	case OPT_ROOTFS:
		o->rootfs = true;
		return 0;
	case OPT_PRESERVE_FDS:
		if (parse_int("--preserve-fds", arg, 0, &o->preserve_fds, err) < 0)
			return -1;
		if (o->preserve_fds > PRESERVE_FDS_MAX)
			return pea_error_new(err, EINVAL, "--preserve-fds %s: at most %d", arg,
					     PRESERVE_FDS_MAX);
		return 0;
	case OPT_RM:
		o->rm = true;
		return 0;
	case OPT_POD:
		if (!*arg)
			return pea_error_new(err, EINVAL, "--pod: empty pod name");
		set(&o->pod, arg);
		return 0;
	case OPT_NAME:
		if (!container_name_valid(arg))
			return pea_error_new(err, EINVAL,
					     "running container create option: names "
					     "must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: "
					     "invalid argument");
		set(&o->name, arg);
		return 0;
	case 'e':
		if (arg[0] == '=' || !*arg)
			return pea_error_new(err, EINVAL, "invalid environment variable: \"%s\"",
					     arg);
		if (!strchr(arg, '=')) {
			const char *v = getenv(arg);
			if (v)
				pea_strv_push_take(&o->env, xasprintf("%s=%s", arg, v));
			return 0;
		}
		pea_strv_push(&o->env, arg);
		return 0;
	case OPT_ENV_FILE:
		return frontend_env_file(&o->env, arg, err);
	case 'q':
		o->quiet = true;
		return 0;
	case 'w':
		if (arg[0] != '/')
			return pea_error_new(err, EINVAL,
					     "invalid workdir \"%s\": must be an "
					     "absolute path",
					     arg);
		set(&o->workdir, arg);
		return 0;
	case OPT_ENTRYPOINT:
		set(&o->entrypoint, arg);
		o->entrypoint_set = true;
		return 0;
	case 'u':
		if (!*arg)
			return pea_error_new(err, EINVAL, "invalid user: empty");
		set(&o->user, arg);
		return 0;
	case 'h':
		if (strlen(arg) > 64 || !*arg)
			return pea_error_new(err, EINVAL,
					     "invalid hostname \"%s\": 1 to 64 "
					     "characters",
					     arg);
		set(&o->hostname, arg);
		return 0;
	case 'v':
		return mounts_parse_volume(&o->volumes, &o->tmpfs, arg, err);
	case OPT_MOUNT:
		return mounts_parse_mount(&o->volumes, &o->tmpfs, arg, err);
	case OPT_VOLUMES_FROM:
		if (!*arg || *arg == ':')
			return pea_error_new(err, EINVAL, "--volumes-from: no container named");
		pea_strv_push(&o->volumes_from, arg);
		return 0;
	case OPT_TMPFS:
		return mounts_parse_tmpfs(&o->volumes, &o->tmpfs, arg, err);
	case OPT_IMAGE_VOLUME:
		if (strcmp(arg, "bind") != 0 && strcmp(arg, "tmpfs") != 0 &&
		    strcmp(arg, "ignore") != 0)
			return pea_error_new(
				err, EINVAL,
				"invalid --image-volume '%s': use bind, tmpfs or ignore", arg);
		set(&o->image_volume, arg);
		return 0;
	case OPT_READ_ONLY:
		return parse_bool_arg("read-only", arg, &o->read_only, err);
	case 'm':
		return parse_memory(arg, &o->memory, err);
	case OPT_PIDS_LIMIT:
		if (parse_int("--pids-limit", arg, -1, &o->pids_limit, err) < 0)
			return -1;
		o->pids_set = true;
		return 0;
	case OPT_USERNS:
		return userns_opts_add(&o->userns, USERNS_FLAG_MODE, arg, err);
	case OPT_UIDMAP:
		return userns_opts_add(&o->userns, USERNS_FLAG_UIDMAP, arg, err);
	case OPT_GIDMAP:
		return userns_opts_add(&o->userns, USERNS_FLAG_GIDMAP, arg, err);
	case OPT_NETWORK:
		return parse_network(o, arg, err);
	case OPT_IP:
	case OPT_IP6:
		return parse_ip_opt(o, c == OPT_IP6, arg, err);
	case OPT_MAC:
		if (!mac_valid(arg))
			return pea_error_new(err, EINVAL, "invalid MAC address '%s'", arg);
		set(&o->mac, arg);
		return 0;
	case OPT_ALIAS:
		if (!*arg)
			return pea_error_new(err, EINVAL, "--network-alias: empty name");
		pea_strv_push(&o->aliases, arg);
		return 0;
	case OPT_DNS:
		return push_ip("--dns", arg, &o->dns, err);
	case OPT_DNS_SEARCH:
		if (!*arg || strpbrk(arg, " \t\n"))
			return pea_error_new(err, EINVAL, "invalid DNS search domain '%s'", arg);
		pea_strv_push(&o->dns_search, arg);
		return 0;
	case OPT_DNS_OPTION:
		if (!*arg || strpbrk(arg, " \t\n"))
			return pea_error_new(err, EINVAL, "invalid DNS option '%s'", arg);
		pea_strv_push(&o->dns_option, arg);
		return 0;
	case OPT_ADD_HOST:
		return parse_add_host(o, arg, err);
	case 'p':
		if (!o->ports)
			o->ports = json_object_new_array();
		return ports_parse(arg, o->ports, err);
	case 'P':
		o->publish_all = true;
		return 0;
	case OPT_EXPOSE:
		return parse_expose(o, arg, err);
	case OPT_PULL:
		if (strcmp(arg, "missing") != 0 && strcmp(arg, "always") != 0 &&
		    strcmp(arg, "never") != 0 && strcmp(arg, "newer") != 0)
			return pea_error_new(err, EINVAL,
					     "invalid pull policy \"%s\": use always, "
					     "missing, never or newer",
					     arg);
		set(&o->pull, arg);
		return 0;
	case OPT_STOP_SIGNAL:
		if (strspn(arg, "0123456789") == strlen(arg) && *arg &&
		    pea_signal_from_string(arg) < 0)
			return pea_error_new(err, EINVAL, "valid signals are 1 through 64");
		if (pea_signal_from_string(arg) < 0)
			return pea_error_new(err, EINVAL, "invalid signal: %s", arg);
		set(&o->stop_signal, arg);
		return 0;
	case OPT_STOP_TIMEOUT:
		if (parse_int("--stop-timeout", arg, 0, &n, err) < 0)
			return -1;
		o->stop_timeout = (int)(n > 1000000 ? 1000000 : n);
		return 0;
	case 'l':
		if (!*arg || arg[0] == '=')
			return pea_error_new(err, EINVAL, "invalid label \"%s\"", arg);
		pea_strv_push(&o->labels, arg);
		return 0;
	case OPT_TLS_VERIFY:
		return parse_bool_arg("tls-verify", arg, &o->tls_verify, err);
	case OPT_LOG_DRIVER:
		return ctr_log_parse_driver(&o->log, arg, err);
	case OPT_LOG_OPT:
		return ctr_log_parse_opt(&o->log, arg, err);
	case OPT_ANNOTATION:
		return parse_annotation(&o->annotations, arg, "", err);
	case OPT_TZ:
		set(&o->tz, arg);
		return 0;
	case OPT_SECRET:
		pea_strv_push(&o->secrets, arg);
		return 0;
	case OPT_REPLACE:
		o->replace = true;
		return 0;
	case OPT_RMI:
		rf->rmi = true;
		return 0;
	case OPT_PID:
		return parse_ns_mode("--pid", false, arg, &o->pid_mode, err);
	case OPT_IPC:
		return parse_ns_mode("--ipc", true, arg, &o->ipc_mode, err);
	case OPT_KERNEL_MEMORY:
		log_warning(
			"The --kernel-memory flag is no longer supported. This flag is a noop.");
		return 0;
	case OPT_RUNTIME:
		if (!*arg)
			return pea_error_new(err, EINVAL, "--runtime: empty name");
		set(&o->runtime, arg);
		return 0;
	case OPT_TIMEOUT:
		if (parse_int("--timeout", arg, 0, &o->timeout, err) < 0)
			return -1;
		if (o->timeout > INT_MAX)
			return pea_error_new(err, EINVAL, "--timeout %s: at most %d seconds", arg,
					     INT_MAX);
		return 0;
	case OPT_CONMON_PIDFILE:
		if (!*arg)
			return pea_error_new(err, EINVAL, "--conmon-pidfile: empty path");
		free(o->conmon_pidfile);
		o->conmon_pidfile = abs_path(arg);
		return 0;
	case OPT_CIDFILE:
		if (!*arg)
			return pea_error_new(err, EINVAL, "--cidfile: empty path");
		set(&o->cidfile, arg);
		return 0;
	case OPT_PLATFORM:
		if (platform_parse(arg, NULL, err) < 0)
			return -1;
		set(&o->platform, arg);
		return 0;
	case 'i':
		return parse_bool_arg("interactive", arg, &o->interactive, err);
	case 't':
		return parse_bool_arg("tty", arg, &o->tty, err);
	case OPT_RESTART:
		json_object_put(o->restart);
		o->restart = json_object_new_object();
		return restart_parse(arg, o->restart, err);
	case OPT_DETACH_KEYS: {
		_cleanup_free_ char *keys = NULL;
		size_t nkeys = 0;
		if (tty_parse_detach_keys(arg, &keys, &nkeys, err) < 0)
			return -1;
		rf->detach_keys = arg;
		return 0;
	}
	default:
		if (health_is_opt(c))
			return health_parse(&o->health, c, arg, err);
		if (c == SDNOTIFY_OPT) {
			o->sdnotify = arg;
			return sdnotify_parse(arg, err);
		}
		if (!o->sec)
			o->sec = json_object_new_object();
		return secres_parse(o->sec, c, arg, err);
	}
}

/* --entrypoint: a JSON array, or a string (one word, as podman takes it). */
static char **parse_entrypoint(const char *s, struct pea_error **err)
{
	_cleanup_json_ struct json_object *j = NULL;
	char **v = NULL;

	if (s[0] == '[') {
		if (pea_json_parse(s, strlen(s), "--entrypoint", &j, err) < 0 ||
		    !json_object_is_type(j, json_type_array)) {
			if (!*err)
				pea_error_new(err, EINVAL, "--entrypoint: not a JSON array");
			return NULL;
		}
		for (size_t i = 0; i < json_object_array_length(j); i++)
			pea_strv_push(&v, json_object_get_string(json_object_array_get_idx(j, i)));
		return v ? v : xnew(char *, 1);
	}
	if (!*s)
		return xnew(char *, 1);
	pea_strv_push(&v, s);
	return v;
}

static char **json_strv(struct json_object *obj, const char *key)
{
	char **v = NULL;

	if (obj && pea_json_get_strv_opt(obj, "config", key, &v, NULL) < 0)
		return NULL;
	return v;
}

/* KEY of "KEY=VALUE" matches in env: replace, else append. */
static void env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; *env && (*env)[i]; i++)
		if (strncmp((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = xstrdup(kv);
			return;
		}
	pea_strv_push(env, kv);
}

/* The process: args from entrypoint and command, env, workdir, user. */
static int resolve_process(struct create_opts *o, char **cmd, struct json_object *icfg,
			   struct json_object *opts, struct pea_error **err)
{
	_cleanup_strv_ char **entry = NULL, **args = NULL, **env = NULL, **ienv = NULL;
	_cleanup_strv_ char **icmd = NULL, **hostenv = NULL;
	const char *iwd = NULL, *iuser = NULL, *istop = NULL;

	if (icfg) {
		(void)pea_json_get_string_opt(icfg, "config", "WorkingDir", &iwd, NULL);
		(void)pea_json_get_string_opt(icfg, "config", "User", &iuser, NULL);
		(void)pea_json_get_string_opt(icfg, "config", "StopSignal", &istop, NULL);
	}
	if (o->entrypoint_set) {
		entry = parse_entrypoint(o->entrypoint, err);
		if (!entry)
			return -1;
	} else {
		entry = json_strv(icfg, "Entrypoint");
	}
	icmd = json_strv(icfg, "Cmd");
	for (size_t i = 0; entry && entry[i]; i++)
		pea_strv_push(&args, entry[i]);
	if (cmd && cmd[0])
		for (size_t i = 0; cmd[i]; i++)
			pea_strv_push(&args, cmd[i]);
	else if (!o->entrypoint_set)
		for (size_t i = 0; icmd && icmd[i]; i++)
			pea_strv_push(&args, icmd[i]);
	if (!args)
		return pea_error_new(err, EINVAL,
				     "no command or entrypoint provided, and no CMD "
				     "or ENTRYPOINT from image");
	pea_strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	pea_strv_push(&env, "TERM=xterm");
	pea_strv_push(&env, "container=pea");
	/* podman's order: defaults, the image's, --env-host or the proxies over them, then -e */
	ienv = json_strv(icfg, "Env");
	for (size_t i = 0; ienv && ienv[i]; i++)
		env_set(&env, ienv[i]);
	hostenv = secres_host_env(o->sec);
	for (size_t i = 0; hostenv && hostenv[i]; i++)
		env_set(&env, hostenv[i]);
	for (size_t i = 0; o->env && o->env[i]; i++)
		env_set(&env, o->env[i]);
	json_object_object_add(opts, "args", strv_to_json(args));
	json_object_object_add(opts, "entrypoint", entry ? strv_to_json(entry) : NULL);
	/* --entrypoint drops the image's CMD (podman's): commit and inspect see none either */
	if (cmd && cmd[0])
		json_object_object_add(opts, "cmd", strv_to_json(cmd));
	else
		json_object_object_add(opts, "cmd", strv_to_json(o->entrypoint_set ? NULL : icmd));
	json_object_object_add(opts, "env", strv_to_json(env));
	json_object_object_add(
		opts, "workdir",
		json_object_new_string(o->workdir ? o->workdir : (iwd && *iwd ? iwd : "/")));
	if (o->workdir) /* not made in the root as the image's is (spec_check_workdir) */
		json_object_object_add(opts, "workdir_given", json_object_new_boolean(true));
	json_object_object_add(
		opts, "user",
		json_object_new_string(o->user ? o->user : (iuser && *iuser ? iuser : "")));
	if (o->stop_signal || (istop && *istop))
		json_object_object_add(
			opts, "stop_signal",
			json_object_new_string(o->stop_signal ? o->stop_signal : istop));
	else if (secres_systemd_mode(o->sec, json_object_object_get(opts, "args")))
		/* podman's systemd mode: the signal systemd shuts down on */
		json_object_object_add(opts, "stop_signal", json_object_new_string("SIGRTMIN+3"));
	return 0;
}

/* -P: the image's ExposedPorts and --expose, on free host ports. */
static int publish_exposed(struct create_opts *o, struct json_object *icfg, struct pea_error **err)
{
	struct json_object *exposed = NULL;

	if (!o->ports)
		o->ports = json_object_new_array();
	if (icfg && json_object_object_get_ex(icfg, "ExposedPorts", &exposed) &&
	    json_object_is_type(exposed, json_type_object)) {
		json_object_object_foreach(exposed, port, v)
		{
			(void)v;
			if (ports_parse_expose(port, o->ports, err) < 0)
				return pea_error_wrap(err, "image");
		}
	}
	for (size_t i = 0; o->expose && o->expose[i]; i++)
		if (ports_parse_expose(o->expose[i], o->ports, err) < 0)
			return -1;
	return 0;
}

static struct json_object *opts_to_json(const struct create_opts *o)
{
	struct json_object *j = json_object_new_object();

	if (o->hostname)
		json_object_object_add(j, "hostname", json_object_new_string(o->hostname));
	json_object_object_add(j, "volumes",
			       o->volumes ? json_object_get(o->volumes) : json_object_new_array());
	json_object_object_add(j, "tmpfs",
			       o->tmpfs ? json_object_get(o->tmpfs) : json_object_new_array());
	json_object_object_add(j, "read_only", json_object_new_boolean(o->read_only));
	json_object_object_add(j, "interactive", json_object_new_boolean(o->interactive));
	json_object_object_add(j, "tty", json_object_new_boolean(o->tty));
	if (o->memory)
		json_object_object_add(j, "memory", json_object_new_int64(o->memory));
	if (o->pids_set)
		json_object_object_add(j, "pids_limit", json_object_new_int64(o->pids_limit));
	json_object_object_add(j, "network",
			       json_object_new_string(o->net_mode ? o->net_mode : "none"));
	if (o->networks)
		json_object_object_add(j, "networks", json_object_get(o->networks));
	if (o->ports)
		json_object_object_add(j, "ports", json_object_get(o->ports));
	json_object_object_add(j, "dns", strv_to_json(o->dns));
	json_object_object_add(j, "dns_search", strv_to_json(o->dns_search));
	json_object_object_add(j, "dns_option", strv_to_json(o->dns_option));
	json_object_object_add(j, "add_host", strv_to_json(o->add_host));
	json_object_object_add(j, "stop_timeout", json_object_new_int(o->stop_timeout));
	json_object_object_add(j, "labels", strv_to_json(o->labels));
	if (o->sec)
		json_object_object_add(j, "security", json_object_get(o->sec));
	if (o->restart) {
		json_object_object_foreach(o->restart, key, val)
		{
			json_object_object_add(j, key, json_object_get(val));
		}
	}
	userns_opts_to_json(&o->userns, j);
	if (o->annotations)
		json_object_object_add(j, "annotations", json_object_get(o->annotations));
	if (o->platform)
		json_object_object_add(j, "platform", json_object_new_string(o->platform));
	if (o->tz)
		json_object_object_add(j, "tz", json_object_new_string(o->tz));
	if (o->pid_mode)
		json_object_object_add(j, "pid", json_object_new_string(o->pid_mode));
	if (o->ipc_mode)
		json_object_object_add(j, "ipc", json_object_new_string(o->ipc_mode));
	if (o->pod_id)
		json_object_object_add(j, "pod", json_object_new_string(o->pod_id));
	if (o->uts_mode)
		json_object_object_add(j, "uts", json_object_new_string(o->uts_mode));
	if (o->conmon_pidfile)
		json_object_object_add(j, "conmon_pidfile",
				       json_object_new_string(o->conmon_pidfile));
	if (o->timeout > 0)
		json_object_object_add(j, "timeout", json_object_new_int64(o->timeout));
	if (o->preserve_fds > 0)
		json_object_object_add(j, "preserve_fds", json_object_new_int64(o->preserve_fds));
	/* podman's annotations say them */
	json_object_object_add(j, "publish_all", json_object_new_boolean(o->publish_all));
	if (o->volumes_from)
		json_object_object_add(j, "volumes_from", strv_to_json(o->volumes_from));
	return j;
}

static const char *const adjectives[] = { "brave", "calm",  "eager", "fancy", "gentle", "happy",
					  "jolly", "kind",  "lucid", "merry", "nifty",	"proud",
					  "quiet", "sharp", "swift", "witty" };
static const char *const nouns[] = { "almond", "bean",	 "chickpea", "lentil", "mung",	"pod",
				     "snap",   "sprout", "sugar",    "garden", "split", "pigeon",
				     "runner", "pinto",	 "fava",     "navy" };

/* adjective_noun, with a number when the pair is taken (under the records lock). */
static char *random_name(char **names)
{
	for (unsigned attempt = 0;; attempt++) {
		_cleanup_free_ char *rnd = frontend_new_id();
		unsigned long x = strtoul((char[]){ rnd[0], rnd[1], rnd[2], rnd[3], 0 }, NULL, 16);
		char *name = attempt < 8
				     ? xasprintf("%s_%s", adjectives[x % ARRAY_SIZE(adjectives)],
						 nouns[(x >> 8) % ARRAY_SIZE(nouns)])
				     : xasprintf("%s_%s%u", adjectives[x % ARRAY_SIZE(adjectives)],
						 nouns[(x >> 8) % ARRAY_SIZE(nouns)], attempt);
		bool taken = false;

		for (size_t i = 0; names && names[i] && !taken; i++)
			taken = strcmp(names[i], name) == 0;
		if (!taken)
			return name;
		free(name);
	}
}

/* s is name, or name:latest, or (no domain typed) DOMAIN/name[:latest]. */
static bool name_is_typed(const char *s, const char *typed)
{
	size_t sl = strlen(s), tl = strlen(typed);
	const char *p;

	for (int pass = 0; pass < 2; pass++) {
		p = s;
		if (pass == 1) {
			const char *slash = strchr(s, '/');
			if (!slash)
				return false;
			p = slash + 1;
			sl = strlen(p);
		}
		if (strcmp(p, typed) == 0 ||
		    (sl == tl + 7 && strncmp(p, typed, tl) == 0 && strcmp(p + tl, ":latest") == 0))
			return true;
	}
	return false;
}

/*
 * inspect's .ImageName: the image's name that the user typed (with its
 * domain and :latest), as podman keeps it; else its first name, else as typed.
 */
static char *image_name_typed(struct json_object *names, const char *typed)
{
	size_t n = names ? json_object_array_length(names) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(names, i));
		if (s && name_is_typed(s, typed))
			return xstrdup(s);
	}
	if (n > 0 && json_object_get_string(json_object_array_get_idx(names, 0)))
		return xstrdup(json_object_get_string(json_object_array_get_idx(names, 0)));
	return xstrdup(typed);
}

/*
 * --pid/--ipc container:ID names a container that exists; --ipc's donor
 * shares its IPC namespace (podman: not one made with --ipc private or none).
 */
static int check_ns_donor(struct global_options *g, const char *flag, const char *mode,
			  struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *other = NULL;
	const char *theirs = NULL;

	if (!mode || strncmp(mode, "container:", 10) != 0)
		return 0;
	if (record_lookup(g, mode + 10, &other, err) < 0)
		return pea_error_wrap(err, "%s %s", flag, mode);
	if (strcmp(flag, "--ipc") == 0 &&
	    pea_json_get_string_opt(other->opts, "opts", "ipc", &theirs, NULL) == 1 &&
	    (strcmp(theirs, "private") == 0 || strcmp(theirs, "none") == 0))
		return pea_error_new(err, EINVAL,
				     "--ipc %s: joining IPC of container %s is not allowed: "
				     "non-shareable IPC (hint: use IpcMode:shareable for the donor "
				     "container)",
				     mode, other->id);
	return 0;
}

/*
 * --pod: the container joins what the pod shares through its infra container
 * (pod.h); the pod's, not the container's to set (podman's errors).
 */
static int apply_pod(struct global_options *g, struct create_opts *o, struct pea_error **err)
{
	struct pod_join given = {
		.net_mode = o->net_mode,
		.networks_given = o->networks != NULL,
		.ports_given = o->ports || o->publish_all || o->expose,
		.ipc_given = o->ipc_mode != NULL,
		.pid_given = o->pid_mode != NULL,
		.hostname_given = o->hostname != NULL,
		.hostname = o->hostname,
	};
	_cleanup_free_ char *infra = NULL, *host = NULL, *mode = NULL;
	_cleanup_strv_ char **share = NULL;
	int rc;

	int saved_optind = optind; /* --pod new: parses the infra's create options */

	rc = pod_join_resolve(g, o->pod, &given, &o->pod_id, &infra, &share, &host, &o->pod_made,
			      err);
	optind = saved_optind;
	if (rc < 0)
		return -1;
	o->pod_g = g;
	if (!infra)
		return 0;
	if (userns_opts_from_infra(g, &o->userns, infra, err) < 0)
		return -1;
	mode = xasprintf("container:%s", infra);
	if (pea_strv_contains(share, "net"))
		set(&o->net_mode, mode);
	if (pea_strv_contains(share, "ipc"))
		set(&o->ipc_mode, mode);
	if (pea_strv_contains(share, "pid"))
		set(&o->pid_mode, mode);
	if (pea_strv_contains(share, "uts")) {
		set(&o->uts_mode, mode);
		free(o->hostname);
		o->hostname = TAKE_PTR(host);
	}
	return 0;
}

/* --cidfile: the id, in a file that did not exist (podman never overwrites one). */
static int write_cidfile(const char *path, const char *id, struct pea_error **err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return pea_error_errno(err, "--cidfile: create '%s'", path);
	if (pea_write_all(fd, id, strlen(id), err) < 0) {
		(void)unlink(path);
		return pea_error_wrap(err, "--cidfile: write '%s'", path);
	}
	return 0;
}

/* The image's config says it is of the platform asked for. */
static bool image_of_platform(struct json_object *img, const struct platform_spec *p,
			      char **ret_have)
{
	_cleanup_json_ struct json_object *cfg = NULL;
	bool ok;

	if (image_read_config(img, &cfg, NULL) < 0)
		return true; /* nothing to say otherwise: pea uses what it has */
	ok = platform_matches(p, cfg);
	if (!ok && ret_have)
		*ret_have = platform_of_config(cfg);
	return ok;
}

/* A reference of another transport than a registry's (pea pull takes those too). */
static bool image_ref_has_transport(const char *name)
{
	static const char *const transports[] = { "docker-archive:", "oci-archive:", "oci:",
						  "dir:" };

	for (size_t i = 0; i < ARRAY_SIZE(transports); i++)
		if (strncmp(name, transports[i], strlen(transports[i])) == 0)
			return true;
	return false;
}

/*
 * podman's CreateCommand: the whole command line (its os.Args) of the create or run that made
 * the container, read before the options are parsed; NULL when argv is not this process'
 * own command line's end (a pod's infra container).
 */
static struct json_object *create_command_of(int argc, char **argv)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_strv_ char **v = NULL;
	struct json_object *a;
	size_t len = 0, n;

	if (pea_read_file_at(AT_FDCWD, "/proc/self/cmdline", 1 << 20, &buf, &len, NULL) < 0 ||
	    len == 0)
		return NULL;
	for (size_t off = 0; off < len; off += strlen(buf + off) + 1)
		pea_strv_push(&v, buf + off);
	n = pea_strv_length(v);
	if (n < (size_t)argc)
		return NULL;
	for (int i = 0; i < argc; i++)
		if (strcmp(v[n - (size_t)argc + (size_t)i], argv[i]) != 0)
			return NULL;
	a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/*
 * podman 4.3.1's io.containers.autoupdate label (the last one given) at create: with
 * registry (or image, its old name) the image must be of the docker transport and not a
 * short name. Any other value is kept as given: an unknown policy is 'auto-update''s
 * error, not create's (podman 4.3.1's 255-auto-update creates one with a fake value).
 */
static int check_autoupdate(char *const *labels, const char *image, struct pea_error **err)
{
	static const char key[] = "io.containers.autoupdate=";
	const char *policy = NULL, *slash;

	for (size_t i = 0; labels && labels[i]; i++)
		if (strncmp(labels[i], key, strlen(key)) == 0)
			policy = labels[i] + strlen(key);
	if (!policy || (strcmp(policy, "registry") != 0 && strcmp(policy, "image") != 0))
		return 0;
	if (strncmp(image, "docker://", 9) == 0)
		return 0;
	if (image_ref_has_transport(image)) {
		int n = (int)strcspn(image, ":");
		return pea_error_new(err, EINVAL,
				     "auto updates require the docker image transport but image "
				     "is of transport \"%.*s\"",
				     n, image);
	}
	slash = strchr(image, '/');
	if (!slash || (strcspn(image, ".:") >= (size_t)(slash - image) &&
		       strncmp(image, "localhost/", 10) != 0))
		return pea_error_new(err, EINVAL,
				     "short name: auto updates require fully-qualified image "
				     "reference: \"%s\"",
				     image);
	return 0;
}

/*
 * As podman: the image in the store unless --pull=always, or (--platform) when
 * it is of another platform; then the registry's, of that platform. With
 * --pull=newer the registry's when its digest differs from the store's.
 */
static int find_or_pull(struct global_options *g, const struct create_opts *o, const char *name,
			struct json_object **ret, struct pea_error **err)
{
	_cleanup_(platform_spec_clear) struct platform_spec plat = { 0 };
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *have = NULL;
	const char *policy = o->pull ? o->pull : "missing";

	if (o->platform && platform_parse(o->platform, &plat, err) < 0)
		return -1;
	/* podman's other transports (run docker-archive:PATH): always a pull from there */
	if (image_ref_has_transport(name))
		return image_pull_platform(g, name, o->quiet, o->tls_verify, NULL, ret, err);
	if (strcmp(policy, "always") != 0 && image_find(g, name, ret, &e) == 0) {
		if (!o->platform || image_of_platform(*ret, &plat, &have)) {
			if (strcmp(policy, "newer") == 0)
				image_pull_newer(g, name, o->quiet, o->tls_verify,
						 o->platform ? &plat : NULL, ret);
			return 0;
		}
		json_object_put(*ret);
		*ret = NULL;
		if (strcmp(policy, "never") == 0)
			return pea_error_new(err, ENOENT,
					     "%s: image not known for platform %s (the store's is "
					     "%s): pull it, not --pull=never",
					     name, o->platform, have);
	}
	if (e && e->code != ENOENT) {
		*err = TAKE_PTR(e);
		return -1;
	}
	if (strcmp(policy, "never") == 0 && e) {
		*err = TAKE_PTR(e);
		return -1;
	}
	if (image_pull_platform(g, name, o->quiet, o->tls_verify, o->platform ? &plat : NULL, ret,
				err) < 0)
		return -1;
	have = (free(have), NULL);
	if (o->platform && !image_of_platform(*ret, &plat, &have))
		log_warning("image platform (%s) does not match the expected platform (%s)", have,
			    o->platform);
	return 0;
}

/*
 * --replace: the container of that name goes first, stopped as pea stop does
 * (its stop signal, then SIGKILL after its timeout) and removed; none is fine.
 */
static int replace_container(struct global_options *g, const char *name, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_error_ struct pea_error *e = NULL;

	if (!name)
		return pea_error_new(err, EINVAL,
				     "cannot replace container without --name being set");
	if (record_lookup(g, name, &r, &e) < 0 || strcmp(r->name, name) != 0)
		return 0; /* no container of that name (an id prefix is not a name) */
	if (container_stop(g, r->id, -1, &e) < 0 && e->code != ENOENT) {
		*err = TAKE_PTR(e);
		return pea_error_wrap(err, "--replace");
	}
	e = pea_error_free(e);
	r = ctr_record_free(r);
	/* a --rm container's cleanup may have removed it already */
	if (record_lookup(g, name, &r, &e) < 0 || strcmp(r->name, name) != 0)
		return 0;
	if (container_remove(g, r, err) < 0)
		return pea_error_wrap(err, "--replace: remove container '%s'", name);
	return 0;
}

/* $PEA_TEST_CREATE_KILL set: killed between a create's storage container and its record */
static void test_kill_point(void)
{
	const char *v = getenv("PEA_TEST_CREATE_KILL");

	if (v && *v)
		raise(SIGKILL);
}

/*
 * The storage container, then the record, as podman (its storage, then its
 * database): killed between the two, pea leaves a storage container that names
 * its owner (ext_metadata), which `pea ps --external` lists and `pea rm` and
 * rm -a remove (external.h; container cleanup, as podman's, knows no such
 * container); a crash before the record's folder
 * reached the disk (records_sync_new) leaves the same. Both steps are under
 * the container's own lock (held, when the caller took it already, else -1),
 * which those removals try first: a create under way is never taken for an
 * orphan. The records lock is held from the name's check to the record: two
 * creates of one name, one wins and the other removes its storage again. With
 * rf (run), the layer is mounted in the same pea-storage call (--mount) and
 * rf->rootfs is its mountpoint, which the start takes.
 */
/*
 * The end of a create's pea-storage call: its metadata (pea's own: rm -a removes it
 * should its record never come, external.h), and for a run its mount, without
 * syncs for a container removed at its end (as podman's).
 */
static void create_args_tail(const char **args, size_t *na, const char *meta, bool run, bool rm)
{
	args[(*na)++] = "--metadata";
	args[(*na)++] = meta;
	if (run)
		args[(*na)++] = "--mount";
	if (run && rm)
		args[(*na)++] = "--volatile";
}

/*
 * A storage container made with the image's lookup (early_create), before the
 * record was built: its id and lock, its mountpoint (run), and whether its name
 * was picked there (random: picked again under the records lock if taken).
 */
struct early_store {
	char *id;
	int lock;
	char *mountpoint;
	char *name;
	bool made;   /* a storage container exists that this create must remove on failure */
	bool handed; /* make_container has it (and removes it on its own failure) */
};

static int make_container(struct global_options *g, struct ctr_record *r, struct run_flags *rf,
			  int held, const struct early_store *es, struct pea_error **err)
{
	_cleanup_close_ int lock = -1, ctr_lock = held;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_strv_ char **ids = NULL, **names = NULL;
	_cleanup_free_ char *meta = NULL;
	struct ctr_record **all = NULL;
	size_t n = 0, na = 6;
	const char *args[16] = { "container", "create", "--image", r->image_id, "--id", r->id };
	const char *um = NULL, *gm = NULL, *mp = NULL;
	/* the whole records only for an allocation that reads them; else the names do */
	bool whole = json_object_object_get_ex(r->opts, "networks", NULL) ||
		     json_object_object_get_ex(r->opts, "userns_auto_size", NULL);
	/* --rootfs: no layer of the store; the start mounts (or takes) the folder */
	bool stored = !json_object_object_get_ex(r->opts, "rootfs", NULL);
	const char *rm[] = { "container", "rm", "--force", r->id, NULL };
	/* a storage container this create must remove on failure: the early one, or its own */
	bool made = es != NULL;

	if (ctr_lock < 0 && record_lock(g, r->id, false, &ctr_lock, err) < 0)
		return -1;
	if (records_lock(g, &lock, err) < 0 ||
	    (whole ? records_list(g, &all, &n, err) : records_names(g, &ids, &names, err)) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		pea_strv_push(&ids, all[i]->id);
		pea_strv_push(&names, all[i]->name);
	}
	if (!r->name)
		r->name = random_name(names);
	/* a random name picked with the early storage container: another one if it is taken */
	if (es && es->name && pea_strv_contains(names, r->name)) {
		free(r->name);
		r->name = random_name(names);
	}
	for (size_t i = 0; names && names[i]; i++)
		if (strcmp(names[i], r->name) == 0) {
			pea_error_new(err, EEXIST,
				      "creating container storage: the container name \"%s\" is "
				      "already in use by %s. You have to remove that container to "
				      "be able to reuse that name: that name is already in use",
				      r->name, ids[i]);
			records_free(all, n);
			goto fail;
		}
	/* addresses are given under the lock: two creates never get the same one */
	if (whole && (network_allocate(g, all, n, r->opts, err) < 0 ||
		      userns_auto_allocate(g, r, all, n, err) < 0)) {
		records_free(all, n);
		goto fail;
	}
	records_free(all, n);
	if (stored && es) {
		mp = es->mountpoint;
	} else if (stored) {
		/* the layers mapped as the container's user namespace */
		if (pea_json_get_string_opt(r->opts, "opts", "uid_map", &um, NULL) == 1 &&
		    pea_json_get_string_opt(r->opts, "opts", "gid_map", &gm, NULL) == 1) {
			args[na++] = "--uidmap";
			args[na++] = um;
			args[na++] = "--gidmap";
			args[na++] = gm;
		}
		meta = ext_metadata(r->id, r->name);
		create_args_tail(args, &na, meta, rf != NULL, r->rm);
		if (store_call(g, args, &res, err) < 0)
			goto fail_wrap;
		made = true;
		if (rf && pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0)
			goto fail_wrap;
	}
	test_kill_point();
	if (record_save_new(g, r, err) < 0) {
		_cleanup_free_ char *dir = record_dir(g, r->id);

		(void)pea_rm_rf_at(AT_FDCWD, dir, NULL);
		goto fail;
	}
	lock = pea_close(lock);
	if (rf && mp)
		rf->rootfs = xstrdup(mp);
	events_container(g, r, "create");
	return 0;
fail_wrap:
	pea_error_wrap(err, "creating container storage");
fail:
	if (made)
		(void)store_call(g, rm, NULL, NULL);
	ctr_lock = record_lock_drop(g, r->id, TAKE_FD(ctr_lock));
	return -1;
}

/*
 * The image's lookup folded into its storage container's create (pea-storage's
 * container create --image-find, as image_find looks up): one pea-storage exec
 * fewer for a create or run of a local image. Not for what needs the image
 * before its layer (--platform, a user namespace's maps, --pull=always, a
 * transport). 1: not done (no such local image, or not for this create: the
 * caller finds or pulls it as before), 0: made, *ret_img its image's record.
 */
static int early_create(struct global_options *g, const struct create_opts *o, bool is_run,
			const char *iname, struct early_store *es, struct json_object **ret_img,
			struct pea_error **err)
{
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *full = NULL, *meta = NULL;
	struct json_object *img = NULL;
	const char *args[20] = { "container", "create", "--image-find", iname };
	const char *mp = NULL;
	size_t na = 4;

	if (!*iname || o->platform || image_ref_has_transport(iname) ||
	    (o->pull && (strcmp(o->pull, "always") == 0 || strcmp(o->pull, "newer") == 0)) ||
	    o->userns.uid_map || o->userns.gid_map || o->userns.is_auto)
		return 1;
	if (image_normalize(iname, &full, NULL) == 0) {
		args[na++] = "--image-find-full";
		args[na++] = full;
		if (!image_name_has_domain(full))
			args[na++] = "--image-find-short";
	}
	es->id = frontend_new_id();
	/* its name for an orphan's listing; a random one is checked under the records lock */
	es->name = o->name ? NULL : random_name(NULL);
	if (record_lock(g, es->id, false, &es->lock, err) < 0)
		return -1;
	meta = ext_metadata(es->id, o->name ? o->name : es->name);
	args[na++] = "--id";
	args[na++] = es->id;
	create_args_tail(args, &na, meta, is_run, o->rm);
	if (store_call(g, args, &res, &e) < 0) {
		es->lock = record_lock_drop(g, es->id, TAKE_FD(es->lock));
		es->name = (free(es->name), NULL);
		if (pea_error_is(e, ENOENT))
			return 1;
		*err = TAKE_PTR(e);
		return pea_error_wrap(err, "creating container storage");
	}
	es->made = true;
	if ((is_run && pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0) ||
	    !json_object_object_get_ex(res, "image_record", &img) ||
	    !json_object_is_type(img, json_type_object))
		return *err ? pea_error_wrap(err, "creating container storage")
			    : pea_error_new(err, EPROTO,
					    "creating container storage: a reply without the "
					    "image's record");
	es->mountpoint = mp ? xstrdup(mp) : NULL;
	*ret_img = json_object_get(img);
	return 0;
}

static int create_args(struct global_options *g, int argc, char **argv, bool is_run,
		       struct run_flags *rf, struct ctr_record **ret, struct early_store *es,
		       struct pea_error **err);

int container_create_args(struct global_options *g, int argc, char **argv, bool is_run,
			  struct run_flags *rf, struct ctr_record **ret, struct pea_error **err)
{
	struct early_store es = { .lock = -1 };
	int rc = create_args(g, argc, argv, is_run, rf, ret, &es, err);

	/* an early storage container that make_container did not take over */
	if (rc < 0 && es.made && !es.handed) {
		const char *rm[] = { "container", "rm", "--force", es.id, NULL };
		_cleanup_close_ int lock = -1;

		(void)store_call(g, rm, NULL, NULL);
		if (es.lock < 0)
			(void)record_lock(g, es.id, false, &lock, NULL);
		else
			lock = TAKE_FD(es.lock);
		if (lock >= 0)
			lock = record_lock_drop(g, es.id, TAKE_FD(lock));
	}
	pea_close(es.lock);
	free(es.id);
	free(es.mountpoint);
	free(es.name);
	return rc;
}

static int create_args(struct global_options *g, int argc, char **argv, bool is_run,
		       struct run_flags *rf, struct ctr_record **ret, struct early_store *es,
		       struct pea_error **err)
{
	_cleanup_(create_opts_clear) struct create_opts o = { .tls_verify = true,
							      .stop_timeout = 10 };
	_cleanup_json_ struct json_object *img = NULL, *icfg_all = NULL, *logj = NULL;
	_cleanup_json_ struct json_object *rootfs_opts = NULL, *secrets = NULL;
	_cleanup_json_ struct json_object *create_cmd = create_command_of(argc, argv);
	_cleanup_(ctr_config_clear) struct ctr_config conf = { 0 };
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_free_ char *usage = NULL;
	_cleanup_strv_ char **made = NULL, **layers = NULL;
	_cleanup_close_ int held = -1;
	struct json_object *icfg = NULL;
	const char *iname;
	int rr, c = 0, create_nargs = 0;

	usage = xasprintf(
		create_usage, argv[0],
		is_run ? "Run a command in a new container."
		       : "Create a container; pea start runs it.",
		is_run ? "  -d, --detach              run in the background, print the id\n"
			 "      --detach-keys=KEYS    keys that detach from a -t container "
			 "(default\n"
			 "                            ctrl-p,ctrl-q; \"\": none)\n"
			 "      --rmi                 remove the image after the container (with\n"
			 "                            --rm), unless another container uses it\n"
		       : "");
	long_bool_shorthands(argc, argv);
	optind = 0;
	while ((rr = check_whole_flag(argc, argv, CREATE_SHORTOPTS, create_longopts, err)) == 0 &&
	       (rr = cmd_getopt(argc, argv, CREATE_SHORTOPTS, create_longopts, usage, &c, err)) ==
		       2) {
		if (c == OPT_DETACH_KEYS && !is_run)
			return pea_error_new(err, EINVAL, "unknown flag: --detach-keys");
		if (c == OPT_RMI && !is_run)
			return pea_error_new(err, EINVAL, "unknown flag: --rmi");
		if ((c == 'd' && !is_run) || apply_create_opt(&o, rf, c, optarg, err) < 0) {
			if (!*err)
				pea_error_new(err, EINVAL, "unknown shorthand flag: 'd' in -d");
			return -1;
		}
	}
	if (rr < 0)
		return -1;
	if (rr == 1)
		return 1;
	if (optind >= argc)
		return pea_error_new(err, EINVAL, "requires at least 1 arg(s), only received 0");
	if (rf && rf->attach && rf->detach)
		return pea_error_new(err, EINVAL, "--attach and --detach cannot be used together");
	if (!o.rootfs && check_autoupdate(o.labels, argv[optind], err) < 0)
		return -1;
	/* the image and command, CreateCommand's end: generate systemd --new keeps them as is */
	create_nargs = argc - optind;
	/* podman's warning, and the run goes on (450-interactive) */
	if (is_run && o.tty && o.interactive && !(rf && rf->detach) && !isatty(STDIN_FILENO))
		log_warning("The input device is not a TTY. The --tty and --interactive flags "
			    "might not work properly");
	if (userns_opts_defaults(g, &o.userns, err) < 0 || userns_opts_validate(&o.userns, err) < 0)
		return -1;
	if (mounts_check_userns(o.volumes, o.userns.uid_map, o.userns.mode, err) < 0)
		return -1;
	/* keep-id: the user's own uid and gid, unless --user */
	if (o.userns.user && !o.user)
		o.user = xstrdup(o.userns.user);
	if (o.pod && apply_pod(g, &o, err) < 0)
		return -1;
	/* a pod's user namespace: its maps, checked again */
	if (o.userns.join && mounts_check_userns(o.volumes, o.userns.uid_map, NULL, err) < 0)
		return -1;
	if (validate_network(&o, err) < 0 || network_defaults(g, &o.net_mode, &o.networks, err) < 0)
		return -1;
	if (o.sec && secres_validate(o.sec, o.memory, o.net_mode, err) < 0)
		return -1;
	if (o.restart && restart_check_rm(o.restart, o.rm, err) < 0)
		return -1;
	if (check_ns_donor(g, "--pid", o.pid_mode, err) < 0 ||
	    check_ns_donor(g, "--ipc", o.ipc_mode, err) < 0)
		return -1;
	if (o.cidfile && access(o.cidfile, F_OK) == 0)
		return pea_error_new(err, EEXIST,
				     "container id file exists. Ensure another container is not "
				     "using it or delete %s",
				     o.cidfile);
	if (ctr_config_load(g, &conf, err) < 0 || merge_conf_annotations(&o, &conf, err) < 0)
		return -1;
	if (seccomp_profile_from_conf(&o.sec, conf.seccomp_profile, err) < 0)
		return -1;
	secres_default_sysctls(&o.sec, conf.default_sysctls, o.net_mode, o.ipc_mode, o.uts_mode,
			       o.userns.is_auto || o.userns.uid_map || o.userns.gid_map ||
				       o.userns.user);
	logj = json_object_new_object();
	if (ctr_log_finish(&o.log, &conf, o.tty, logj, err) < 0)
		return -1;
	if (!o.tz && conf.tz)
		o.tz = xstrdup(conf.tz);
	if (o.tz && spec_tz_check(o.tz, err) < 0)
		return -1;
	for (size_t i = 0; o.secrets && o.secrets[i]; i++) {
		struct json_object *ref = NULL;
		if (secret_ref_parse(g, o.secrets[i], &ref, err) < 0)
			return -1;
		if (!secrets)
			secrets = json_object_new_array();
		json_object_array_add(secrets, ref);
	}
	if (o.replace && replace_container(g, o.name, err) < 0)
		return -1;
	for (size_t i = 0; o.volumes_from && o.volumes_from[i]; i++)
		if (mounts_volumes_from(g, &o.volumes, o.tmpfs, o.volumes_from[i], err) < 0)
			return -1;
	iname = argv[optind];
	if (rf && !o.rootfs)
		rf->image = iname;
	if (o.rootfs) {
		/* no image: its config is empty, the folder is checked here */
		rootfs_opts = json_object_new_object();
		if (parse_rootfs(iname, rootfs_opts, err) < 0)
			return -1;
	} else {
		int er = early_create(g, &o, is_run, iname, es, &img, err);

		if (er < 0 || (er == 1 && find_or_pull(g, &o, iname, &img, err) < 0))
			return -1;
		if (image_read_config(img, &icfg_all, err) < 0)
			return -1;
		json_object_object_get_ex(icfg_all, "config", &icfg);
	}
	if (o.publish_all && publish_exposed(&o, icfg, err) < 0)
		return -1;
	if (icfg &&
	    mounts_image_volumes(&o.volumes, &o.tmpfs, json_object_object_get(icfg, "Volumes"),
				 o.image_volume ? o.image_volume : conf.image_volume_mode, err) < 0)
		return -1;
	r = xnew(struct ctr_record, 1);
	r->id = es->made ? xstrdup(es->id) : frontend_new_id();
	/* picked under the lock (or with the early storage container) */
	r->name = o.name ? xstrdup(o.name) : es->name ? xstrdup(es->name) : NULL;
	r->opts = opts_to_json(&o);
	if (secrets)
		json_object_object_add(r->opts, "secrets", json_object_get(secrets));
	if (create_cmd) {
		json_object_object_add(r->opts, "create_command", json_object_get(create_cmd));
		json_object_object_add(r->opts, "create_command_args",
				       json_object_new_int(create_nargs));
	}
	json_object_object_foreach(logj, lk, lv)
	{
		json_object_object_add(r->opts, lk, json_object_get(lv));
	}
	if (rootfs_opts) {
		json_object_object_foreach(rootfs_opts, rk, rv)
		{
			json_object_object_add(r->opts, rk, json_object_get(rv));
		}
	}
	if (resolve_process(&o, argv + optind + 1, icfg, r->opts, err) < 0)
		return -1;
	if (health_finish(o.health, icfg, r->opts, err) < 0)
		return -1;
	sdnotify_finish(o.sdnotify, r->opts);
	if (img) {
		r->image_id = xstrdup(json_object_get_string(json_object_object_get(img, "id")));
		r->image_name = image_name_typed(json_object_object_get(img, "names"), iname);
	} else {
		r->image_id = xstrdup("");
		r->image_name = xstrdup("");
	}
	/*
	 * --runtime: the container's own, which its start, stop, exec... use; the global
	 * --runtime's too (podman keeps the runtime a container was made with)
	 */
	if (o.runtime || frontend_runtime_flag()) {
		const char *rt = o.runtime ? o.runtime : frontend_runtime_flag();
		_cleanup_free_ char *path = frontend_find_binary(g, rt);
		if (access(path, X_OK) < 0)
			return pea_error_errno(err, "--runtime '%s'", rt);
		json_object_object_add(r->opts, "runtime", json_object_new_string(path));
		r->runtime = TAKE_PTR(path);
	}
	r->created = frontend_now();
	r->state = CTR_CREATED;
	r->rm = o.rm;
	if (volumes_ensure(g, o.volumes, &made, err) < 0)
		return -1;
	/* the layers of --mount type=image under the container's lock (external.h) */
	if (es->made)
		held = TAKE_FD(es->lock);
	if (mounts_images_create(g, r->id, o.volumes, &layers, &held, err) < 0) {
		volumes_drop(g, made);
		return -1;
	}
	es->handed = true;
	if (make_container(g, r, is_run ? rf : NULL, TAKE_FD(held), es->made ? es : NULL, err) <
	    0) {
		volumes_drop(g, made);
		mounts_images_drop(g, layers);
		return -1;
	}
	if (o.cidfile && write_cidfile(o.cidfile, r->id, err) < 0) {
		_cleanup_error_ struct pea_error *e = NULL;
		(void)container_remove(g, r, &e);
		return -1;
	}
	/* a pod rm meanwhile: its listing may have missed this container (pod.h) */
	if (o.pod_id && !pod_exists(g, o.pod_id)) {
		_cleanup_error_ struct pea_error *e = NULL;
		(void)container_remove(g, r, &e);
		return pea_error_new(err, ENOENT, "pod %s was removed while the container was made",
				     o.pod);
	}
	o.pod_keep = true;
	*ret = TAKE_PTR(r);
	return 0;
}

int cmd_create(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	struct run_flags rf = { 0 };
	int rc;

	rc = container_create_args(g, argc, argv, false, &rf, &r, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (records_sync_new(err) < 0) /* the record durable before its id is printed */
		return -1;
	printf("%s\n", r->id);
	return 0;
}
