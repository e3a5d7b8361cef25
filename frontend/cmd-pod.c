/* pea pod: podman-pod(1) and its subcommands (docs/pea-pod.1.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/pod.h"
#include "frontend/ps.h"
#include "frontend/records.h"

enum {
	OPT_INFRA = 256,
	OPT_INFRA_IMAGE,
	OPT_INFRA_COMMAND,
	OPT_INFRA_NAME,
	OPT_SHARE,
	OPT_NETWORK,
	OPT_ADD_HOST,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPTION,
	OPT_MAC,
	OPT_POD_ID_FILE,
	OPT_CGROUP_PARENT,
	OPT_EXIT_POLICY,
	OPT_USERNS,
	OPT_UIDMAP,
	OPT_GIDMAP,
	OPT_REPLACE,
	OPT_FORMAT,
	OPT_NO_TRUNC,
	OPT_CTR_NAMES,
	OPT_CTR_IDS,
	OPT_CTR_STATUS,
	OPT_SORT,
	OPT_NOHEADING,
	OPT_NS,
	OPT_IGNORE,
};

static const char pod_usage[] =
	"Usage: pea pod COMMAND\n"
	"\n"
	"Manage pods: containers that share namespaces through an infra container.\n"
	"\n"
	"Commands:\n"
	"  create    make a pod\n"
	"  exists    exit 0 when the pod exists, 1 when not\n"
	"  inspect   show a pod as JSON\n"
	"  kill      send a signal to the pod's containers\n"
	"  logs      the output of the pod's containers\n"
	"  pause     pause the pod's containers\n"
	"  prune     remove the pods that have no running container\n"
	"  ps, ls    list pods\n"
	"  restart   restart the pod's containers\n"
	"  rm        remove pods and their containers\n"
	"  start     start the pod's containers\n"
	"  stats     the resource use of the pod's containers\n"
	"  stop      stop the pod's containers\n"
	"  top       the processes of the pod's containers\n"
	"  unpause   unpause the pod's containers\n";

/* ---- create ---------------------------------------------------------------- */

static const char create_usage[] =
	"Usage: pea pod create [OPTIONS] [NAME]\n"
	"\n"
	"Make a pod; its infra container holds the namespaces its containers share.\n"
	"\n"
	"      --add-host=HOST:IP     a line of the pod's /etc/hosts (repeatable)\n"
	"      --dns=IP, --dns-search=DOMAIN, --dns-option=OPT  the pod's resolv.conf\n"
	"      --exit-policy=POLICY   continue (default) or stop: the pod stops when its\n"
	"                             last container exits\n"
	"      --hostname=NAME        the pod's host name (default: its name)\n"
	"      --infra[=BOOL]         make an infra container (default true)\n"
	"      --infra-command=CMD    its command (default the pause image's)\n"
	"      --infra-image=IMAGE    its image (default localhost/podman-pause:VERSION)\n"
	"      --infra-name=NAME      its name (default ID-infra)\n"
	"  -l, --label=KEY=VALUE      a label of the pod (repeatable)\n"
	"      --mac-address=MAC      the pod's MAC address\n"
	"  -n, --name=NAME            the pod's name\n"
	"      --network=MODE         the pod's network (as pea run --network)\n"
	"      --pod-id-file=FILE     write the pod's id to FILE\n"
	"  -p, --publish=[IP:]HOST:CTR[/PROTO]  publish a port of the pod\n"
	"      --replace              remove a pod of the same name first\n"
	"      --share=NS,...         namespaces to share: cgroup, ipc, net, pid, uts or none\n"
	"                             (default ipc,net,uts; +NS adds to the default)\n"
	"      --uidmap=CTR:HOST:N, --gidmap=CTR:HOST:N  the pod's user namespace: its\n"
	"                             containers share the infra's (repeatable)\n"
	"      --userns=MODE          the infra container's user namespace\n";

static const struct option create_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "name", required_argument, NULL, 'n' },
	{ "infra", optional_argument, NULL, OPT_INFRA },
	{ "infra-image", required_argument, NULL, OPT_INFRA_IMAGE },
	{ "infra-command", required_argument, NULL, OPT_INFRA_COMMAND },
	{ "infra-name", required_argument, NULL, OPT_INFRA_NAME },
	{ "share", required_argument, NULL, OPT_SHARE },
	{ "label", required_argument, NULL, 'l' },
	{ "publish", required_argument, NULL, 'p' },
	{ "network", required_argument, NULL, OPT_NETWORK },
	{ "net", required_argument, NULL, OPT_NETWORK },
	{ "hostname", required_argument, NULL, OPT_NS },
	{ "add-host", required_argument, NULL, OPT_ADD_HOST },
	{ "dns", required_argument, NULL, OPT_DNS },
	{ "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
	{ "dns-option", required_argument, NULL, OPT_DNS_OPTION },
	{ "dns-opt", required_argument, NULL, OPT_DNS_OPTION },
	{ "mac-address", required_argument, NULL, OPT_MAC },
	{ "pod-id-file", required_argument, NULL, OPT_POD_ID_FILE },
	{ "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
	{ "exit-policy", required_argument, NULL, OPT_EXIT_POLICY },
	{ "userns", required_argument, NULL, OPT_USERNS },
	{ "uidmap", required_argument, NULL, OPT_UIDMAP },
	{ "gidmap", required_argument, NULL, OPT_GIDMAP },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ NULL, 0, NULL, 0 },
};

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* --share: a list of namespaces, "none", or "+NS,..." added to the default. */
static int parse_share(struct pod_create_opts *o, const char *arg, struct pea_error **err)
{
	static const char *const known[] = { "cgroup", "ipc", "net", "pid", "uts" };
	bool plus = arg[0] == '+';
	_cleanup_strv_ char **v = pea_strv_split(plus ? arg + 1 : arg, ",");

	o->share_given = true;
	o->share = pea_strv_free(o->share);
	if (plus)
		o->share = pea_strv_split("ipc,net,uts", ",");
	for (size_t i = 0; v && v[i]; i++) {
		bool ok = strcmp(v[i], "none") == 0;
		for (size_t k = 0; k < ARRAY_SIZE(known) && !ok; k++)
			ok = strcmp(v[i], known[k]) == 0;
		if (!ok)
			return pea_error_new(err, EINVAL,
					     "invalid kernel namespace to share: %s. Options are: "
					     "cgroup, ipc, net, pid, uts or none",
					     v[i]);
		if (strcmp(v[i], "none") != 0 && !pea_strv_contains(o->share, v[i]))
			pea_strv_push(&o->share, v[i]);
	}
	return 0;
}

static int apply_create_opt(struct pod_create_opts *o, int c, const char *arg,
			    struct pea_error **err)
{
	switch (c) {
	case 'n':
		set_str(&o->name, arg);
		break;
	case OPT_INFRA:
		return arg ? parse_bool_arg("--infra", arg, &o->infra, err) : (o->infra = true, 0);
	case OPT_INFRA_IMAGE:
		set_str(&o->infra_image, arg);
		break;
	case OPT_INFRA_COMMAND:
		set_str(&o->infra_command, arg);
		break;
	case OPT_INFRA_NAME:
		set_str(&o->infra_name, arg);
		break;
	case OPT_SHARE:
		return parse_share(o, arg, err);
	case 'l':
		pea_strv_push(&o->labels, arg);
		break;
	case 'p':
		pea_strv_push(&o->publish, arg);
		break;
	case OPT_NETWORK:
		set_str(&o->network, arg);
		break;
	case OPT_NS:
		set_str(&o->hostname, arg);
		break;
	case OPT_ADD_HOST:
		pea_strv_push(&o->add_host, arg);
		break;
	case OPT_DNS:
		pea_strv_push(&o->dns, arg);
		break;
	case OPT_DNS_SEARCH:
		pea_strv_push(&o->dns_search, arg);
		break;
	case OPT_DNS_OPTION:
		pea_strv_push(&o->dns_option, arg);
		break;
	case OPT_MAC:
		set_str(&o->mac, arg);
		break;
	case OPT_POD_ID_FILE:
		set_str(&o->pod_id_file, arg);
		break;
	case OPT_CGROUP_PARENT:
		/* pea run has no --cgroup-parent yet: the pod's would be a promise not kept */
		return pea_error_new(err, ENOTSUP,
				     "--cgroup-parent is not supported yet: the pod's containers "
				     "would not be placed under '%s'",
				     arg);
	case OPT_EXIT_POLICY:
		set_str(&o->exit_policy, arg);
		break;
	case OPT_USERNS:
		set_str(&o->userns, arg);
		break;
	case OPT_UIDMAP:
		pea_strv_push(&o->uidmap, arg);
		break;
	case OPT_GIDMAP:
		pea_strv_push(&o->gidmap, arg);
		break;
	case OPT_REPLACE:
		o->replace = true;
		break;
	default:
		break;
	}
	return 0;
}

static int pod_cmd_create(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_(pod_create_opts_clear) struct pod_create_opts o = { .infra = true };
	_cleanup_pod_ struct pod_record *p = NULL;
	int r, c = 0;

	o.share = pea_strv_split("ipc,net,uts", ",");
	o.create_command = json_object_new_array();
	json_object_array_add(o.create_command, json_object_new_string(g->self));
	json_object_array_add(o.create_command, json_object_new_string("pod"));
	for (int i = 0; i < argc; i++)
		json_object_array_add(o.create_command, json_object_new_string(argv[i]));
	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hn:l:p:", create_opts, create_usage, &c, err)) == 2)
		if (apply_create_opt(&o, c, optarg, err) < 0)
			return -1;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind > 1)
		return check_nargs(argc - optind, 0, 1, err);
	if (argc - optind == 1) {
		if (o.name)
			return pea_error_new(err, EINVAL,
					     "cannot specify --name and NAME at the same time");
		o.name = xstrdup(argv[optind]);
	}
	if (!o.infra && !o.share_given)
		o.share = pea_strv_free(o.share);
	if (pod_create(g, &o, &p, err) < 0)
		return -1;
	printf("%s\n", p->id);
	return 0;
}

/* ---- targets: NAME..., --all, --latest ----------------------------------- */

struct pod_targets {
	bool all, latest, ignore, force;
	long timeout;
	char *signal;
	char **id_files;
};

static void pod_targets_clear(struct pod_targets *t)
{
	free(t->signal);
	pea_strv_free(t->id_files);
}

/* The pods named, or every pod (--all), or the newest (--latest); ids. */
static int pick_pods(const struct global_options *g, const struct pod_targets *t, int argc,
		     char **argv, char ***ret, struct pea_error **err)
{
	char **ids = NULL;

	if (t->all && t->latest)
		return pea_error_new(err, EINVAL, "--all and --latest cannot be used together");
	if (t->all || t->latest) {
		struct pod_record **v = NULL;
		size_t n = 0;
		if (argc > 0)
			return pea_error_new(err, EINVAL,
					     "--all, --latest and pods cannot be used together");
		if (pods_list(g, &v, &n, err) < 0)
			return -1;
		for (size_t i = t->latest && n ? n - 1 : 0; i < n; i++)
			pea_strv_push(&ids, v[i]->id);
		pods_free(v, n);
		*ret = ids;
		return 0;
	}
	for (size_t i = 0; t->id_files && t->id_files[i]; i++) {
		_cleanup_free_ char *buf = NULL;
		if (pea_read_file_at(AT_FDCWD, t->id_files[i], 4096, &buf, NULL, err) < 0) {
			pea_strv_free(ids);
			return pea_error_wrap(err, "--pod-id-file");
		}
		buf[strcspn(buf, "\n")] = '\0';
		pea_strv_push(&ids, buf);
	}
	if (argc == 0 && !ids)
		return pea_error_new(err, EINVAL, "you must provide pod name or id");
	for (int i = 0; i < argc; i++)
		pea_strv_push(&ids, argv[i]);
	*ret = ids;
	return 0;
}

enum {
	T_ALL = 1,
	T_LATEST = 2,
	T_FORCE = 4,
	T_TIME = 8,
	T_SIGNAL = 16,
	T_IGNORE = 32,
	T_IDFILE = 64
};

/* The options of the commands that act on pods; 1: --help printed. */
static int parse_targets(int argc, char **argv, unsigned which, const char *usage,
			 struct pod_targets *t, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "latest", no_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'f' },
		{ "time", required_argument, NULL, 't' },
		{ "signal", required_argument, NULL, 's' },
		{ "ignore", no_argument, NULL, 'i' },
		{ "pod-id-file", required_argument, NULL, OPT_POD_ID_FILE },
		{ NULL, 0, NULL, 0 },
	};
	int r, c = 0;

	t->timeout = -1;
	optind = 0;
	while ((r = cmd_getopt(argc, argv, "halft:s:i", opts, usage, &c, err)) == 2) {
		unsigned need = c == 'a'	       ? T_ALL
				: c == 'l'	       ? T_LATEST
				: c == 'f'	       ? T_FORCE
				: c == 't'	       ? T_TIME
				: c == 's'	       ? T_SIGNAL
				: c == 'i'	       ? T_IGNORE
				: c == OPT_POD_ID_FILE ? T_IDFILE
						       : 0;
		if (!(which & need))
			return pea_error_new(err, EINVAL, "unknown flag: %s", argv[optind - 1]);
		if (c == 'a')
			t->all = true;
		else if (c == 'l')
			t->latest = true;
		else if (c == 'f')
			t->force = true;
		else if (c == 'i')
			t->ignore = true;
		else if (c == 's') {
			int sig;
			/* podman's error for a bad signal comes before the pod's (130-kill) */
			if (container_parse_signal(optarg, &sig, err) < 0)
				return -1;
			set_str(&t->signal, optarg);
		} else if (c == OPT_POD_ID_FILE)
			pea_strv_push(&t->id_files, optarg);
		else if (c == 't') {
			char *end = NULL;
			errno = 0;
			t->timeout = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || t->timeout < -1)
				return pea_error_new(err, EINVAL,
						     "invalid argument \"%s\" for \"-t, --time\" "
						     "flag: must be an integer",
						     optarg);
		}
	}
	return r;
}

/*
 * act on each pod in turn: the id printed on success, "Error: ..." for each
 * failure (status 125; 1 for a pod that does not exist when missing1).
 */
static int each_pod(struct global_options *g, char **ids, bool missing1,
		    int (*act)(struct global_options *g, struct pod_record *p,
			       const struct pod_targets *t, struct pea_error **err),
		    const struct pod_targets *t, struct pea_error **err)
{
	int status = 0;
	size_t n = pea_strv_length(ids);

	for (size_t i = 0; i < n; i++) {
		_cleanup_pod_ struct pod_record *p = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		int st = PEA_EXIT_ENGINE;

		if (pod_lookup(g, ids[i], &p, &e) == 0 && act(g, p, t, &e) == 0) {
			printf("%s\n", p->id);
			continue;
		}
		if (e && e->code == ENOENT && missing1)
			st = 1;
		if (i == n - 1 && status == 0) {
			g->error_status = st;
			*err = TAKE_PTR(e);
			return -1;
		}
		fprintf(stderr, "Error: %s\n", e ? e->message : "failed");
		if (status == 0)
			status = st;
	}
	return status; /* the failures are printed */
}

static int pod_run(struct global_options *g, int argc, char **argv, unsigned which,
		   const char *usage, bool missing1,
		   int (*act)(struct global_options *g, struct pod_record *p,
			      const struct pod_targets *t, struct pea_error **err),
		   struct pea_error **err)
{
	_cleanup_(pod_targets_clear) struct pod_targets t = { 0 };
	_cleanup_strv_ char **ids = NULL;
	int r;

	r = parse_targets(argc, argv, which, usage, &t, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (pick_pods(g, &t, argc - optind, argv + optind, &ids, err) < 0)
		return -1;
	/* podman: a pod that does not exist is fine with --ignore, and --force (rm's) */
	if (t.ignore || t.force) {
		char **keep = NULL;
		for (size_t i = 0; ids && ids[i]; i++) {
			_cleanup_pod_ struct pod_record *p = NULL;
			_cleanup_error_ struct pea_error *e = NULL;
			if (pod_lookup(g, ids[i], &p, &e) == 0 || e->code != ENOENT)
				pea_strv_push(&keep, ids[i]);
		}
		pea_strv_free(ids);
		ids = keep;
	}
	if (!ids)
		return 0;
	return each_pod(g, ids, missing1, act, &t, err);
}

/* ---- start, stop, restart, kill, pause, unpause ------------------------- */

static int act_start(struct global_options *g, struct pod_record *p, const struct pod_targets *t,
		     struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;

	(void)t;
	if (pod_containers(g, p->id, false, &ids, err) < 0)
		return -1;
	/* the infra first: the others join its namespaces */
	if (p->infra_id) {
		_cleanup_record_ struct ctr_record *r = NULL;
		if (record_lookup(g, p->infra_id, &r, err) < 0)
			return -1;
		record_sync_exit(g, r);
		if (r->state != CTR_RUNNING &&
		    container_start(g, p->infra_id, false, false, NULL, err) < 0)
			return pea_error_wrap(err, "starting the infra container of pod %s",
					      p->name);
	}
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_record_ struct ctr_record *r = NULL;
		if (record_lookup(g, ids[i], &r, NULL) < 0)
			continue;
		record_sync_exit(g, r);
		if (r->state == CTR_RUNNING)
			continue;
		if (container_start(g, ids[i], false, false, NULL, err) < 0)
			return pea_error_wrap(err, "starting container %s of pod %s", ids[i],
					      p->name);
	}
	return 0;
}

static int act_stop(struct global_options *g, struct pod_record *p, const struct pod_targets *t,
		    struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;

	if (pod_containers(g, p->id, true, &ids, err) < 0)
		return -1;
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		if (container_stop(g, ids[i], t->timeout, &e) < 0 && e->code != ENOENT) {
			*err = TAKE_PTR(e);
			return pea_error_wrap(err, "stopping container %s of pod %s", ids[i],
					      p->name);
		}
	}
	return 0;
}

static int act_restart(struct global_options *g, struct pod_record *p, const struct pod_targets *t,
		       struct pea_error **err)
{
	if (act_stop(g, p, t, err) < 0)
		return -1;
	return act_start(g, p, t, err);
}

/* Whether container id is running (and paused as want_paused says). */
static bool still_running(struct global_options *g, const char *id, bool want_paused)
{
	_cleanup_record_ struct ctr_record *r = NULL;

	if (record_lookup(g, id, &r, NULL) < 0)
		return false;
	record_sync_exit(g, r);
	return r->state == CTR_RUNNING && want_paused == r->paused;
}

/*
 * pea CMD [ARGS] ID for each of the pod's running containers (infra last): kill,
 * pause. A member's exit may stop others meanwhile (the pod's exit policy stop
 * stops its infra and service containers): a failure on one that no longer runs
 * is no failure.
 */
static int run_on_running(struct global_options *g, struct pod_record *p, const char *cmd,
			  const char *arg1, const char *arg2, bool want_paused,
			  struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;
	_cleanup_error_ struct pea_error *first = NULL;

	if (pod_containers(g, p->id, true, &ids, err) < 0)
		return -1;
	/* every member is tried (the infra last); the first failure is reported */
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_strv_ char **argv = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		struct run_result res = { 0 };

		if (!still_running(g, ids[i], want_paused))
			continue;
		argv = frontend_self_argv(g);
		pea_strv_push(&argv, cmd);
		if (arg1) {
			pea_strv_push(&argv, arg1);
			pea_strv_push(&argv, arg2);
		}
		pea_strv_push(&argv, ids[i]);
		if (frontend_run_capture(argv, -1, &res, &e) == 0 &&
		    (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) &&
		    still_running(g, ids[i], want_paused))
			pea_error_new(&e, EIO, "%s", res.errtxt && *res.errtxt ? res.errtxt : cmd);
		run_result_clear(&res);
		if (e && !first)
			first = TAKE_PTR(e);
	}
	if (first)
		return pea_error_new(err, first->code, "%s", first->message);
	return 0;
}

static int act_kill(struct global_options *g, struct pod_record *p, const struct pod_targets *t,
		    struct pea_error **err)
{
	return run_on_running(g, p, "kill", "--signal", t->signal ? t->signal : "KILL", false, err);
}

static int act_pause(struct global_options *g, struct pod_record *p, const struct pod_targets *t,
		     struct pea_error **err)
{
	(void)t;
	return run_on_running(g, p, "pause", NULL, NULL, false, err);
}

static int act_unpause(struct global_options *g, struct pod_record *p, const struct pod_targets *t,
		       struct pea_error **err)
{
	(void)t;
	return run_on_running(g, p, "unpause", NULL, NULL, true, err);
}

static int act_rm(struct global_options *g, struct pod_record *p, const struct pod_targets *t,
		  struct pea_error **err)
{
	return pod_remove(g, p->id, t->force, t->timeout, NULL, err);
}

#define TARGET_USAGE(cmd, what, extra)                                  \
	"Usage: pea pod " cmd " [OPTIONS] POD [POD...]\n\n" what "\n\n" \
	"  -a, --all             every pod\n"                           \
	"  -l, --latest          the pod created last\n" extra

static int pod_cmd_start(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return pod_run(g, argc, argv, T_ALL | T_LATEST | T_IDFILE,
		       TARGET_USAGE("start", "Start the pod's infra container, then the others.",
				    "      --pod-id-file=FILE  the pod whose id FILE holds\n"),
		       false, act_start, err);
}

static int pod_cmd_stop(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return pod_run(g, argc, argv, T_ALL | T_LATEST | T_TIME | T_IGNORE | T_IDFILE,
		       TARGET_USAGE("stop", "Stop the pod's containers, the infra last.",
				    "  -i, --ignore          pods that do not exist are fine\n"
				    "  -t, --time=SECS       seconds before SIGKILL (default: each "
				    "container's)\n"),
		       false, act_stop, err);
}

static int pod_cmd_restart(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return pod_run(g, argc, argv, T_ALL | T_LATEST,
		       TARGET_USAGE("restart", "Stop and start the pod's containers.", ""), false,
		       act_restart, err);
}

static int pod_cmd_kill(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return pod_run(g, argc, argv, T_ALL | T_LATEST | T_SIGNAL,
		       TARGET_USAGE("kill", "Send a signal to the pod's running containers.",
				    "  -s, --signal=SIGNAL   the signal (default KILL)\n"),
		       false, act_kill, err);
}

static int pod_cmd_pause(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return pod_run(g, argc, argv, T_ALL | T_LATEST,
		       TARGET_USAGE("pause", "Pause the pod's running containers.", ""), false,
		       act_pause, err);
}

static int pod_cmd_unpause(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return pod_run(g, argc, argv, T_ALL | T_LATEST,
		       TARGET_USAGE("unpause", "Unpause the pod's paused containers.", ""), false,
		       act_unpause, err);
}

static int pod_cmd_rm(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return pod_run(g, argc, argv, T_ALL | T_LATEST | T_FORCE | T_TIME | T_IGNORE | T_IDFILE,
		       TARGET_USAGE("rm", "Remove pods and their containers.",
				    "  -f, --force           stop running containers first\n"
				    "  -i, --ignore          pods that do not exist are fine\n"
				    "      --pod-id-file=FILE  the pod whose id FILE holds\n"
				    "  -t, --time=SECS       with -f, seconds before SIGKILL\n"),
		       true, act_rm, err);
}

/* ---- exists, prune ----------------------------------------------------- */

static int pod_cmd_exists(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_pod_ struct pod_record *p = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	struct switches o;
	int rc;

	rc = cmd_switches(argc, argv, "",
			  "Usage: pea pod exists POD\n\nExit 0 when the pod exists, 1 when not.\n",
			  &o, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	if (pod_lookup(g, argv[optind], &p, &e) == 0)
		return 0;
	if (e->code == ENOENT)
		return 1;
	*err = TAKE_PTR(e);
	return -1;
}

static int pod_cmd_prune(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct pod_record **v = NULL;
	struct switches o;
	size_t n = 0;
	int rc, status = 0;

	rc = cmd_switches(argc, argv, "f",
			  "Usage: pea pod prune [OPTIONS]\n\n"
			  "Remove the pods that have no running container.\n\n"
			  "  -f, --force   do not ask for a confirmation\n",
			  &o, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (!confirm_unless(o.force, "WARNING! This will remove all stopped/exited pods.."))
		return 0;
	if (pods_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		const char *st = pod_state(g, v[i]);
		if (strcmp(st, "Exited") != 0 && strcmp(st, "Created") != 0)
			continue;
		if (pod_remove(g, v[i]->id, false, -1, NULL, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		printf("%s\n", v[i]->id);
	}
	pods_free(v, n);
	return status;
}

/* ---- inspect, ps ------------------------------------------------------- */

/* The pod's containers as {Id, Name, State} and their count. */
static struct json_object *pod_members_json(const struct global_options *g,
					    const struct pod_record *p, bool notrunc)
{
	struct json_object *a = json_object_new_array();
	struct ctr_record **all = NULL;
	size_t n = 0;

	if (records_list(g, &all, &n, NULL) < 0)
		return a;
	/* the infra first (pass 0), as podman lists it */
	for (size_t k = 0; k < 2 * n; k++) {
		size_t i = k % n;
		const char *pid = pod_of(all[i]);
		struct json_object *c;
		if (!pid || strcmp(pid, p->id) != 0 || pod_is_infra(all[i]) != (k < n))
			continue;
		record_sync_exit(g, all[i]);
		c = json_object_new_object();
		json_object_object_add(c, "Id", json_object_new_string(all[i]->id));
		json_object_object_add(c, "Name", json_object_new_string(all[i]->name));
		json_object_object_add(c, "State", json_object_new_string(ps_state_name(all[i])));
		{
			_cleanup_free_ char *s = ps_status(all[i]);
			json_object_object_add(c, "Status", json_object_new_string(s));
		}
		(void)notrunc;
		json_object_array_add(a, c);
	}
	records_free(all, n);
	return a;
}

static struct json_object *pod_inspect_json(const struct global_options *g,
					    const struct pod_record *p)
{
	struct json_object *o = json_object_new_object(), *ctrs = pod_members_json(g, p, true);
	struct json_object *shared = json_object_new_array();

	for (size_t i = 0; p->infra_id && p->share && p->share[i]; i++)
		json_object_array_add(shared, json_object_new_string(p->share[i]));
	json_object_object_add(o, "Id", json_object_new_string(p->id));
	json_object_object_add(o, "Name", json_object_new_string(p->name));
	json_object_object_add(o, "Created", json_object_new_string(p->created));
	json_object_object_add(o, "CreateCommand",
			       p->create_command ? json_object_get(p->create_command)
						 : json_object_new_array());
	json_object_object_add(o, "ExitPolicy", json_object_new_string(p->exit_policy));
	json_object_object_add(o, "State", json_object_new_string(pod_state(g, p)));
	json_object_object_add(o, "Hostname",
			       json_object_new_string(p->hostname ? p->hostname : ""));
	json_object_object_add(o, "Labels", json_object_get(p->labels));
	json_object_object_add(o, "CreateCgroup", json_object_new_boolean(true));
	json_object_object_add(o, "CgroupParent",
			       json_object_new_string(p->cgroup_parent ? p->cgroup_parent : ""));
	json_object_object_add(o, "CreateInfra", json_object_new_boolean(p->infra_id != NULL));
	if (p->infra_id) {
		json_object_object_add(o, "InfraContainerID", json_object_new_string(p->infra_id));
		json_object_object_add(o, "InfraConfig", json_object_get(p->infra_config));
	}
	json_object_object_add(o, "SharedNamespaces", shared);
	json_object_object_add(o, "NumContainers",
			       json_object_new_int((int)json_object_array_length(ctrs)));
	json_object_object_add(o, "Containers", ctrs);
	return o;
}

static int pod_cmd_inspect(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ "latest", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *items = json_object_new_array();
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ char *format = NULL;
	struct pod_targets t = { 0 };
	struct template *tp = NULL;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(
			argc, argv, "hf:l", opts,
			"Usage: pea pod inspect [OPTIONS] POD [POD...]\n\n"
			"Show pods as JSON (podman's fields).\n\n"
			"  -f, --format=FORMAT   Go template ({{.Name}}, {{.State}}, ...) or "
			"json\n"
			"  -l, --latest          the pod created last\n",
			&c, err)) == 2) {
		if (c == 'f')
			set_str(&format, optarg);
		else
			t.latest = true;
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (pick_pods(g, &t, argc - optind, argv + optind, &names, err) < 0)
		return -1;
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_pod_ struct pod_record *p = NULL;
		if (pod_lookup(g, names[i], &p, err) < 0)
			return -1;
		json_object_array_add(items, pod_inspect_json(g, p));
	}
	if (!format || strcmp(format, "json") == 0 || strcmp(format, "{{json .}}") == 0) {
		/* podman 4.3 prints one pod as an object */
		fmt_print_json(stdout, json_object_array_length(items) == 1
					       ? json_object_array_get_idx(items, 0)
					       : items);
		return 0;
	}
	if (template_parse(format, NULL, &tp, err) < 0)
		return -1;
	template_set_context(tp, "inspect", "define.InspectPodData");
	r = template_print(stdout, tp, items, err);
	template_free(tp);
	return r;
}

struct ps_opts {
	char *format;
	char **filters;
	char *sort;
	bool quiet, notrunc, names, ids, status, noheading, latest;
};

static void ps_opts_clear(struct ps_opts *o)
{
	free(o->format);
	pea_strv_free(o->filters);
	free(o->sort);
}

static const char *ps_header(const char *field)
{
	static const char *const map[][2] = {
		{ "ID", "POD ID" },
		{ "InfraID", "INFRA ID" },
		{ "NumberOfContainers", "# OF CONTAINERS" },
		{ "ContainerNames", "NAMES" },
		{ "ContainerIds", "IDS" },
		{ "ContainerStatuses", "STATUS" },
		{ "Cgroup", "CGROUP" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(field, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* One pod as `pod ps --format json` prints it (with its template's flat fields). */
static struct json_object *ps_pod_item(const struct global_options *g, const struct pod_record *p,
				       bool notrunc)
{
	struct json_object *o = json_object_new_object(), *ctrs = pod_members_json(g, p, notrunc);
	_cleanup_strv_ char **names = NULL, **ids = NULL, **sts = NULL;
	_cleanup_free_ char *cn = NULL, *ci = NULL, *cs = NULL, *created = NULL;
	double t = frontend_parse_time(p->created);

	for (size_t i = 0; i < json_object_array_length(ctrs); i++) {
		struct json_object *c = json_object_array_get_idx(ctrs, i);
		const char *id = json_object_get_string(json_object_object_get(c, "Id"));
		pea_strv_push(&names, json_object_get_string(json_object_object_get(c, "Name")));
		pea_strv_push_take(&ids, notrunc ? xstrdup(id) : xstrndup(id, 12));
		pea_strv_push(&sts, json_object_get_string(json_object_object_get(c, "State")));
	}
	cn = pea_strv_join(names, ",");
	ci = pea_strv_join(ids, ",");
	cs = pea_strv_join(sts, ",");
	{
		_cleanup_free_ char *ago = fmt_human_duration(frontend_now_seconds() - t);
		created = xasprintf("%s ago", ago);
	}
	json_object_object_add(o, "ID",
			       notrunc ? json_object_new_string(p->id)
				       : json_object_new_string_len(p->id, 12));
	json_object_object_add(o, "Name", json_object_new_string(p->name));
	json_object_object_add(o, "Status", json_object_new_string(pod_state(g, p)));
	json_object_object_add(o, "Created", json_object_new_string(created));
	json_object_object_add(o, "CreatedAt", json_object_new_string(p->created));
	json_object_object_add(o, "InfraID",
			       p->infra_id ? (notrunc ? json_object_new_string(p->infra_id)
						      : json_object_new_string_len(p->infra_id, 12))
					   : json_object_new_string(""));
	json_object_object_add(o, "NumberOfContainers",
			       json_object_new_int((int)json_object_array_length(ctrs)));
	json_object_object_add(o, "Labels", json_object_get(p->labels));
	json_object_object_add(o, "Cgroup",
			       json_object_new_string(p->cgroup_parent ? p->cgroup_parent : ""));
	json_object_object_add(o, "ContainerNames", json_object_new_string(cn));
	json_object_object_add(o, "ContainerIds", json_object_new_string(ci));
	json_object_object_add(o, "ContainerStatuses", json_object_new_string(cs));
	json_object_object_add(o, "Containers", ctrs);
	return o;
}

/* An item of ps_pod_item (whole ids) as podman's pod ps --format json prints it. */
static struct json_object *ps_report(struct json_object *item)
{
	static const char *const keys[][2] = {
		{ "Cgroup", "Cgroup" },	  { "CreatedAt", "Created" }, { "ID", "Id" },
		{ "InfraID", "InfraId" }, { "Name", "Name" },	      { "Status", "Status" },
		{ "Labels", "Labels" },
	};
	struct json_object *o = json_object_new_object(), *ctrs = json_object_new_array();
	struct json_object *in = json_object_object_get(item, "Containers");

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		json_object_object_add(o, keys[i][1],
				       json_object_get(json_object_object_get(item, keys[i][0])));
	for (size_t i = 0; i < json_object_array_length(in); i++) {
		struct json_object *c = json_object_array_get_idx(in, i),
				   *x = json_object_new_object();
		json_object_object_add(x, "Id", json_object_get(json_object_object_get(c, "Id")));
		json_object_object_add(x, "Names",
				       json_object_get(json_object_object_get(c, "Name")));
		json_object_object_add(x, "Status",
				       json_object_get(json_object_object_get(c, "State")));
		json_object_array_add(ctrs, x);
	}
	json_object_object_add(o, "Containers", ctrs);
	json_object_object_add(o, "Namespace", json_object_new_string(""));
	json_object_object_add(o, "Networks", json_object_new_array());
	return o;
}

/* VALUE matches s as podman's regexp.MatchString (unanchored, extended). */
static int regex_match(const char *key, const char *val, const char *s, bool *ret,
		       struct pea_error **err)
{
	regex_t re;

	if (regcomp(&re, val, REG_EXTENDED | REG_NOSUB) != 0)
		return pea_error_new(err, EINVAL, "invalid %s filter \"%s\"", key, val);
	*ret = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return 0;
}

/* One KEY=VALUE filter on a pod. */
static int filter_one(const struct global_options *g, const struct pod_record *p,
		      struct json_object *item, const char *key, const char *val, bool *ret,
		      struct pea_error **err)
{
	struct json_object *ctrs = json_object_object_get(item, "Containers");
	bool ok = false;

	if (strcmp(key, "name") == 0 || strcmp(key, "id") == 0)
		return regex_match(key, val, key[0] == 'n' ? p->name : p->id, ret, err);
	if (strcmp(key, "status") == 0) {
		ok = strcasecmp(pod_state(g, p), val) == 0;
	} else if (strcmp(key, "label") == 0) {
		const char *veq = strchr(val, '=');
		_cleanup_free_ char *lk = veq ? xstrndup(val, (size_t)(veq - val)) : xstrdup(val);
		struct json_object *lv = NULL;
		ok = json_object_object_get_ex(p->labels, lk, &lv) &&
		     (!veq || strcmp(json_object_get_string(lv), veq + 1) == 0);
	} else if (strcmp(key, "ctr-names") == 0 || strcmp(key, "ctr-ids") == 0 ||
		   strcmp(key, "ctr-status") == 0) {
		const char *f = key[4] == 'n' ? "Name" : key[4] == 'i' ? "Id" : "State";
		for (size_t k = 0; k < json_object_array_length(ctrs) && !ok; k++) {
			struct json_object *c = json_object_array_get_idx(ctrs, k);
			const char *s = json_object_get_string(json_object_object_get(c, f));
			ok = key[4] == 'i' ? strncmp(s, val, strlen(val)) == 0
					   : strcmp(s, val) == 0;
		}
	} else if (strcmp(key, "ctr-number") == 0) {
		ok = atoi(val) == (int)json_object_array_length(ctrs);
	} else {
		return pea_error_new(err, EINVAL, "%s is an invalid filter", key);
	}
	*ret = ok;
	return 0;
}

/* --filter KEY=VALUE: the filters of one key or'ed, those of different keys and'ed (podman). */
static int ps_filter(const struct global_options *g, const struct pod_record *p,
		     struct json_object *item, char *const *filters, bool *ret,
		     struct pea_error **err)
{
	*ret = true;
	for (size_t i = 0; filters && filters[i] && *ret; i++) {
		size_t kl = strcspn(filters[i], "=");
		_cleanup_free_ char *key = xstrndup(filters[i], kl);
		bool seen = false, any = false;

		if (!filters[i][kl])
			return pea_error_new(err, EINVAL, "invalid filter \"%s\"", filters[i]);
		for (size_t j = 0; j < i && !seen; j++)
			seen = strncmp(filters[j], filters[i], kl + 1) == 0;
		if (seen)
			continue;
		for (size_t j = i; filters[j] && !any; j++) {
			if (strncmp(filters[j], filters[i], kl + 1) != 0)
				continue;
			if (filter_one(g, p, item, key, filters[j] + kl + 1, &any, err) < 0)
				return -1;
		}
		*ret = any;
	}
	return 0;
}

/* --sort: created (newest first), id, name, number (of containers) or status. */
static int cmp_by(const void *a, const void *b, void *key)
{
	struct json_object *x = *(struct json_object *const *)a;
	struct json_object *y = *(struct json_object *const *)b;
	const char *k = key, *field = "Name";

	if (strcmp(k, "number") == 0)
		return json_object_get_int(json_object_object_get(x, "NumberOfContainers")) -
		       json_object_get_int(json_object_object_get(y, "NumberOfContainers"));
	if (strcmp(k, "created") == 0)
		return -strcmp(json_object_get_string(json_object_object_get(x, "CreatedAt")),
			       json_object_get_string(json_object_object_get(y, "CreatedAt")));
	if (strcmp(k, "id") == 0)
		field = "ID";
	else if (strcmp(k, "status") == 0)
		field = "Status";
	return strcmp(json_object_get_string(json_object_object_get(x, field)),
		      json_object_get_string(json_object_object_get(y, field)));
}

static const char *ps_default_format(const struct ps_opts *o)
{
	static char buf[256];

	if (o->quiet)
		return "{{.ID}}";
	snprintf(buf, sizeof(buf), "table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t%s%s%s%s",
		 "{{.InfraID}}\t", o->names ? "{{.ContainerNames}}\t" : "",
		 o->ids ? "{{.ContainerIds}}\t" : "",
		 o->status ? "{{.ContainerStatuses}}\t" : "{{.NumberOfContainers}}");
	return buf;
}

static int pod_cmd_ps(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "filter", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-trunc", no_argument, NULL, OPT_NO_TRUNC },
		{ "ctr-names", no_argument, NULL, OPT_CTR_NAMES },
		{ "ctr-ids", no_argument, NULL, OPT_CTR_IDS },
		{ "ctr-status", no_argument, NULL, OPT_CTR_STATUS },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "noheading", no_argument, NULL, 'n' },
		{ "latest", no_argument, NULL, 'l' },
		{ "namespace", no_argument, NULL, OPT_NS },
		{ "ns", no_argument, NULL, OPT_NS },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(ps_opts_clear) struct ps_opts o = { 0 };
	_cleanup_json_ struct json_object *items = json_object_new_array();
	struct pod_record **v = NULL;
	struct template *t = NULL;
	size_t n = 0;
	bool json;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(
			argc, argv, "hf:qnl", opts,
			"Usage: pea pod ps [OPTIONS]\n\nList pods.\n\n"
			"      --ctr-ids, --ctr-names, --ctr-status  the containers' ids, "
			"names, states\n"
			"  -f, --filter=KEY=VALUE  name, id, label, status, ctr-names, "
			"ctr-ids,\n"
			"                          ctr-status, ctr-number\n"
			"      --format=FORMAT     Go template ({{.ID}}, {{.Name}}, {{.Status}},\n"
			"                          {{.InfraID}}, {{.NumberOfContainers}}, "
			"{{.Labels}}, ...) or json\n"
			"  -l, --latest            the pod created last\n"
			"  -n, --noheading         no header row\n"
			"      --no-trunc          whole ids\n"
			"  -q, --quiet             the ids only\n"
			"      --sort=KEY          created, id, name, number or status\n",
			&c, err)) == 2) {
		if (c == OPT_FORMAT)
			set_str(&o.format, optarg);
		else if (c == 'f')
			pea_strv_push(&o.filters, optarg);
		else if (c == 'q')
			o.quiet = true;
		else if (c == OPT_NO_TRUNC)
			o.notrunc = true;
		else if (c == OPT_CTR_NAMES)
			o.names = true;
		else if (c == OPT_CTR_IDS)
			o.ids = true;
		else if (c == OPT_CTR_STATUS)
			o.status = true;
		else if (c == OPT_SORT)
			set_str(&o.sort, optarg);
		else if (c == 'n')
			o.noheading = true;
		else if (c == 'l')
			o.latest = true;
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (o.sort && strcmp(o.sort, "created") != 0 && strcmp(o.sort, "id") != 0 &&
	    strcmp(o.sort, "name") != 0 && strcmp(o.sort, "number") != 0 &&
	    strcmp(o.sort, "status") != 0)
		return pea_error_new(err, EINVAL,
				     "invalid option for --sort, options are: id, names, status, "
				     "created, number");
	json = o.format && (strcmp(o.format, "json") == 0 || strcmp(o.format, "{{json .}}") == 0);
	if (pods_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = o.latest && n ? n - 1 : 0; i < n; i++) {
		struct json_object *item = ps_pod_item(g, v[i], o.notrunc || json);
		bool ok = true;
		if (ps_filter(g, v[i], item, o.filters, &ok, err) < 0) {
			json_object_put(item);
			pods_free(v, n);
			return -1;
		}
		if (ok)
			json_object_array_add(items, item);
		else
			json_object_put(item);
	}
	pods_free(v, n);
	/* newest first, as podman */
	{
		size_t len = json_object_array_length(items);
		struct json_object **arr = xnew(struct json_object *, len ? len : 1);
		for (size_t i = 0; i < len; i++)
			arr[i] = json_object_get(json_object_array_get_idx(items, len - 1 - i));
		if (o.sort && len > 1)
			qsort_r(arr, len, sizeof(*arr), cmp_by, o.sort);
		json_object_put(items);
		items = json_object_new_array();
		for (size_t i = 0; i < len; i++)
			json_object_array_add(items, arr[i]);
		free(arr);
	}
	if (json) {
		_cleanup_json_ struct json_object *reports = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(items); i++)
			json_object_array_add(reports,
					      ps_report(json_object_array_get_idx(items, i)));
		fmt_print_json(stdout, reports);
		return 0;
	}
	if (template_parse(o.format ? o.format : ps_default_format(&o), ps_header, &t, err) < 0)
		return -1;
	if (o.noheading)
		template_drop_header(t);
	template_set_context(t, "ps", "entities.ListPodsReport");
	r = template_print(stdout, t, items, err);
	template_free(t);
	return r;
}

/* ---- top ------------------------------------------------------------------ */

/* The processes of the pod's running containers: pea top of each, one header. */
static int pod_cmd_top(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_pod_ struct pod_record *p = NULL;
	_cleanup_strv_ char **ids = NULL;
	struct switches o;
	bool header = false;
	int rc;

	rc = cmd_switches(argc, argv, "",
			  "Usage: pea pod top POD [DESCRIPTORS...]\n\n"
			  "The processes of the pod's running containers, as pea top.\n",
			  &o, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (optind >= argc)
		return pea_error_new(err, EINVAL, "you must provide the name or ID of a pod");
	if (pod_lookup(g, argv[optind], &p, err) < 0 ||
	    pod_containers(g, p->id, true, &ids, err) < 0)
		return -1;
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_record_ struct ctr_record *r = NULL;
		_cleanup_strv_ char **av = frontend_self_argv(g);
		struct run_result res = { 0 };
		const char *body;

		if (record_lookup(g, ids[i], &r, NULL) < 0 || (record_sync_exit(g, r), false) ||
		    r->state != CTR_RUNNING)
			continue;
		pea_strv_push(&av, "top");
		pea_strv_push(&av, ids[i]);
		for (int k = optind + 1; k < argc; k++)
			pea_strv_push(&av, argv[k]);
		if (frontend_run_capture(av, -1, &res, err) < 0)
			return -1;
		if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
			pea_error_new(err, EIO, "%s",
				      res.errtxt && *res.errtxt ? res.errtxt : "top failed");
			run_result_clear(&res);
			return -1;
		}
		body = header ? strchr(res.out, '\n') : res.out;
		if (body && header)
			body++;
		fputs(body ? body : "", stdout);
		header = true;
		run_result_clear(&res);
	}
	return 0;
}

/* ---- logs, stats -------------------------------------------------------- */

/* The ids of the pod's containers, without its infra, or the one -c names. */
static int log_targets(struct global_options *g, const char *what, const char *ctr, char ***ret,
		       struct pea_error **err)
{
	_cleanup_pod_ struct pod_record *p = NULL;

	if (pod_lookup(g, what, &p, err) < 0 || pod_containers(g, p->id, false, ret, err) < 0)
		return -1;
	if (ctr) {
		_cleanup_record_ struct ctr_record *r = NULL;
		if (record_lookup(g, ctr, &r, err) < 0)
			return -1;
		if (!pod_of(r) || strcmp(pod_of(r), p->id) != 0)
			return pea_error_new(err, EINVAL, "container %s is not in pod %s", ctr,
					     p->name);
		*ret = pea_strv_free(*ret);
		pea_strv_push(ret, r->id);
	}
	return 0;
}

/* pod logs: pea logs of the pod's containers (its options passed on). */
static int pod_cmd_logs(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "container", required_argument, NULL, 'c' },
		{ "follow", no_argument, NULL, 'f' },
		{ "names", no_argument, NULL, 'n' },
		{ "timestamps", no_argument, NULL, 't' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "tail", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **args = NULL, **ids = NULL;
	const char *ctr = NULL;
	int r, c = 0;

	pea_strv_push(&args, "logs");
	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hc:fnt", opts,
			       "Usage: pea pod logs [OPTIONS] POD\n\n"
			       "The output of the pod's containers, as pea logs (its infra's left "
			       "out).\n\n"
			       "  -c, --container=CTR   only this container of the pod\n"
			       "  -f, --follow, -n, --names, --since=TIME, --tail=N, -t, "
			       "--timestamps,\n"
			       "      --until=TIME      as pea logs\n",
			       &c, err)) == 2) {
		if (c == 'c')
			ctr = optarg;
		else if (c == 'f' || c == 'n' || c == 't')
			pea_strv_push_take(&args, xasprintf("-%c", c));
		else
			pea_strv_push_take(&args, xasprintf("--%s=%s",
							    c == 'S'   ? "since"
							    : c == 'U' ? "until"
								       : "tail",
							    optarg));
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	if (log_targets(g, argv[optind], ctr, &ids, err) < 0)
		return -1;
	if (!ids)
		return 0;
	for (size_t i = 0; ids[i]; i++)
		pea_strv_push(&args, ids[i]);
	return frontend_run_self(g, args, err);
}

static const char *stats_header(const char *field)
{
	static const char *const map[][2] = {
		{ "Pod", "POD" },
		{ "CID", "CID" },
		{ "Name", "NAME" },
		{ "CPU", "CPU %" },
		{ "MemUsage", "MEM USAGE/ LIMIT" },
		{ "Mem", "MEM %" },
		{ "NetIO", "NET IO" },
		{ "BlockIO", "BLOCK IO" },
		{ "PIDS", "PIDS" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(field, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* One container's line of pea stats --format json as podman's pod stats reports it. */
static struct json_object *stats_item(const char *pod, struct json_object *st)
{
	static const char *const keys[][2] = {
		{ "id", "CID" },	   { "name", "Name" },
		{ "cpu_percent", "CPU" },  { "mem_usage", "MemUsage" },
		{ "mem_percent", "Mem" },  { "net_io", "NetIO" },
		{ "block_io", "BlockIO" }, { "pids", "PIDS" },
	};
	struct json_object *o = json_object_new_object(), *v = NULL;

	json_object_object_add(o, "Pod", json_object_new_string_len(pod, 12));
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		json_object_object_add(o, keys[i][1],
				       json_object_object_get_ex(st, keys[i][0], &v)
					       ? json_object_get(v)
					       : json_object_new_string(""));
	return o;
}

/* The stats of one pod's running containers into items (pea stats --no-stream). */
static int pod_stats_one(struct global_options *g, const struct pod_record *p,
			 struct json_object *items, struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL, **argv = frontend_self_argv(g);
	_cleanup_json_ struct json_object *out = NULL;
	struct run_result res = { 0 };
	size_t n = 0;
	int rc = 0;

	if (pod_containers(g, p->id, true, &ids, err) < 0)
		return -1;
	pea_strv_push(&argv, "stats");
	pea_strv_push(&argv, "--no-stream");
	pea_strv_push(&argv, "--format");
	pea_strv_push(&argv, "json");
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_record_ struct ctr_record *r = NULL;
		if (record_lookup(g, ids[i], &r, NULL) < 0 || (record_sync_exit(g, r), false) ||
		    r->state != CTR_RUNNING)
			continue;
		pea_strv_push(&argv, ids[i]);
		n++;
	}
	if (n == 0)
		return 0;
	if (frontend_run_capture(argv, -1, &res, err) < 0)
		return -1;
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0)
		rc = pea_error_new(err, EIO, "%s",
				   res.errtxt && *res.errtxt ? res.errtxt : "stats");
	else if (pea_json_parse(res.out, res.len, "pea stats", &out, err) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && out && i < json_object_array_length(out); i++)
		json_object_array_add(items, stats_item(p->id, json_object_array_get_idx(out, i)));
	run_result_clear(&res);
	return rc;
}

/* pod stats --no-stream: the stats of the pods' running containers, once. */
static int pod_cmd_stats(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "latest", no_argument, NULL, 'l' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "no-stream", no_argument, NULL, OPT_NOHEADING },
		{ "no-reset", no_argument, NULL, OPT_IGNORE },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *items = json_object_new_array();
	_cleanup_strv_ char **ids = NULL;
	struct pod_targets t = { 0 };
	const char *format = NULL;
	struct template *tp = NULL;
	bool once = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(
			argc, argv, "hal", opts,
			"Usage: pea pod stats --no-stream [OPTIONS] [POD...]\n\n"
			"The resource use of the pods' running containers, once.\n\n"
			"  -a, --all             every pod (the default without names)\n"
			"      --format=FORMAT   Go template ({{.Pod}}, {{.CID}}, {{.Name}}, "
			"{{.CPU}},\n"
			"                        {{.MemUsage}}, {{.Mem}}, {{.NetIO}}, "
			"{{.BlockIO}}, {{.PIDS}}) or json\n"
			"  -l, --latest          the pod created last\n"
			"      --no-stream       print once (pea always does)\n",
			&c, err)) == 2) {
		if (c == 'a')
			t.all = true;
		else if (c == 'l')
			t.latest = true;
		else if (c == OPT_FORMAT)
			format = optarg;
		else if (c == OPT_NOHEADING)
			once = true;
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	(void)once; /* a stream of updates is not done: every run prints once */
	if (optind == argc && !t.latest)
		t.all = true;
	if (pick_pods(g, &t, argc - optind, argv + optind, &ids, err) < 0)
		return -1;
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_pod_ struct pod_record *p = NULL;
		if (pod_lookup(g, ids[i], &p, err) < 0 || pod_stats_one(g, p, items, err) < 0)
			return -1;
	}
	if (format && (strcmp(format, "json") == 0 || strcmp(format, "{{json .}}") == 0)) {
		fmt_print_json(stdout, items);
		return 0;
	}
	if (template_parse(format ? format
				  : "table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t"
				    "{{.Mem}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}",
			   stats_header, &tp, err) < 0)
		return -1;
	template_set_context(tp, "stats", "entities.PodStatsReport");
	r = template_print(stdout, tp, items, err);
	template_free(tp);
	return r;
}

int cmd_pod(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "create", pod_cmd_create },	{ "exists", pod_cmd_exists },
		{ "inspect", pod_cmd_inspect }, { "kill", pod_cmd_kill },
		{ "list", pod_cmd_ps },		{ "logs", pod_cmd_logs },
		{ "ls", pod_cmd_ps },		{ "stats", pod_cmd_stats },
		{ "pause", pod_cmd_pause },	{ "prune", pod_cmd_prune },
		{ "ps", pod_cmd_ps },		{ "restart", pod_cmd_restart },
		{ "rm", pod_cmd_rm },		{ "start", pod_cmd_start },
		{ "stop", pod_cmd_stop },	{ "top", pod_cmd_top },
		{ "unpause", pod_cmd_unpause },
	};

	return cmd_dispatch(g, "pod", pod_usage, sub, ARRAY_SIZE(sub), argc, argv, err);
}
