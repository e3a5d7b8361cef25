/* pea kube play|down|generate, and the older pea play kube, pea generate kube. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/kube-yaml.h"
#include "frontend/kube.h"

static const char kube_usage[] =
	"Usage: pea kube COMMAND\n"
	"\n"
	"Play containers, pods or volumes from Kubernetes YAML.\n"
	"\n"
	"Commands:\n"
	"  down       stop and remove the pods a YAML file made\n"
	"  generate   write Kubernetes YAML of containers or pods\n"
	"  play       make pods, containers and volumes from Kubernetes YAML\n";

static const char play_usage[] =
	"Usage: pea kube play [options] KUBEFILE|-|URL\n"
	"\n"
	"Make pods, containers and volumes from Kubernetes YAML.\n"
	"\n"
	"Options:\n"
	"      --annotation=KEY=VALUE   add an annotation to every container\n"
	"      --build[=BOOL]           build images from CONTEXT/NAME/Containerfile first\n"
	"      --configmap=FILE         YAML files of ConfigMaps (repeat or comma-separate)\n"
	"      --context-dir=DIR        the context of --build (default: the current folder)\n"
	"      --down                   stop and remove the pods the file made\n"
	"      --log-driver=DRIVER      the containers' log driver\n"
	"      --network=MODE           the pods' network\n"
	"  -q, --quiet                  accepted (pulls are quiet)\n"
	"      --replace                remove pods of the same names first\n"
	"      --start[=BOOL]           start the pods (default true)\n"
	"      --service-container[=BOOL]  also a service container tied to the pods' life\n"
	"      --tls-verify[=BOOL]      accepted\n";

static const char down_usage[] = "Usage: pea kube down KUBEFILE|-\n"
				 "\n"
				 "Stop and remove the pods that pea kube play made from a file.\n";

static const char generate_usage_kube[] =
	"Usage: pea kube generate [options] {CONTAINER...|POD...|VOLUME...}\n"
	"\n"
	"Write Kubernetes YAML of containers or pods.\n"
	"\n"
	"Options:\n"
	"  -f, --filename=FILE   write to FILE instead of the standard output\n"
	"  -s, --service         also write a Service\n";

static const char generate_usage_old[] =
	"Usage: pea generate kube [options] {CONTAINER...|POD...|VOLUME...}\n"
	"\n"
	"Write Kubernetes YAML of containers or pods.\n"
	"\n"
	"Options:\n"
	"  -f, --filename=FILE   write to FILE instead of the standard output\n"
	"  -s, --service         also write a Service\n";

enum {
	OPT_ANNOTATION = 256,
	OPT_BUILD,
	OPT_CONFIGMAP,
	OPT_CONTEXT,
	OPT_DOWN,
	OPT_LOG_DRIVER,
	OPT_NETWORK,
	OPT_REPLACE,
	OPT_START,
	OPT_TLS,
	OPT_PLAN,
	OPT_SERVICE_CTR,
};

struct play_args {
	struct kube_play_opts o;
	char **configmaps;
	bool down, plan;
	const char *file;
};

static void play_args_clear(struct play_args *a)
{
	pea_strv_free(a->o.annotations);
	free(a->o.network);
	free(a->o.log_driver);
	free(a->o.context_dir);
	pea_strv_free(a->configmaps);
}

static bool is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* The YAML of FILE, - (standard input) or an http(s) URL; at most KUBE_YAML_MAX_SIZE. */
static int read_input(const struct global_options *g, const char *file, char **ret, size_t *len,
		      struct pea_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	int r;

	if (strcmp(file, "-") == 0) {
		r = pea_read_all(STDIN_FILENO, KUBE_YAML_MAX_SIZE, ret, len, err);
	} else if (is_url(file)) {
		if (url_download(g, file, &tmp, err) < 0)
			return -1;
		r = pea_read_file_at(AT_FDCWD, tmp, KUBE_YAML_MAX_SIZE, ret, len, err);
		(void)unlink(tmp);
	} else {
		r = pea_read_file_at(AT_FDCWD, file, KUBE_YAML_MAX_SIZE, ret, len, err);
	}
	if (r < 0)
		return pea_error_wrap(err, "reading '%s'", file);
	return 0;
}

static int parse_file(const struct global_options *g, const char *file, struct kube_node ***docs,
		      size_t *n, char *sha12, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (read_input(g, file, &buf, &len, err) < 0)
		return -1;
	if (sha12) { /* podman's service container name: the YAML's digest */
		char d[PEA_DIGEST_MAX];
		pea_digest_buffer("sha256", buf, len, d);
		const char *hex = strchr(d, ':') ? strchr(d, ':') + 1 : d;
		memcpy(sha12, hex, 12);
		sha12[12] = '\0';
	}
	if (kube_yaml_parse(buf, len, docs, n, err) < 0)
		return pea_error_wrap(err, "'%s'", strcmp(file, "-") == 0 ? "stdin" : file);
	return 0;
}

static int play_parse(int argc, char **argv, struct play_args *a, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "annotation", required_argument, NULL, OPT_ANNOTATION },
		{ "build", optional_argument, NULL, OPT_BUILD },
		{ "configmap", required_argument, NULL, OPT_CONFIGMAP },
		{ "context-dir", required_argument, NULL, OPT_CONTEXT },
		{ "down", no_argument, NULL, OPT_DOWN },
		{ "log-driver", required_argument, NULL, OPT_LOG_DRIVER },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "net", required_argument, NULL, OPT_NETWORK },
		{ "quiet", no_argument, NULL, 'q' },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "start", optional_argument, NULL, OPT_START },
		{ "tls-verify", optional_argument, NULL, OPT_TLS },
		{ "service-container", optional_argument, NULL, OPT_SERVICE_CTR },
		/* hidden: print the plan of commands instead of running it */
		{ "print-plan", no_argument, NULL, OPT_PLAN },
		{ NULL, 0, NULL, 0 },
	};
	bool b;
	int rc, c = 0;

	a->o.start = true;
	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "hq", opts, play_usage, &c, err)) == 2) {
		switch (c) {
		case OPT_ANNOTATION:
			if (!strchr(optarg, '='))
				return pea_error_new(err, EINVAL, "annotation '%s': not KEY=VALUE",
						     optarg);
			pea_strv_push(&a->o.annotations, optarg);
			break;
		case OPT_CONFIGMAP: {
			_cleanup_strv_ char **v = pea_strv_split(optarg, ",");

			for (size_t i = 0; v && v[i]; i++)
				pea_strv_push(&a->configmaps, v[i]);
			break;
		}
		case OPT_DOWN:
			a->down = true;
			break;
		case OPT_LOG_DRIVER:
			free(a->o.log_driver);
			a->o.log_driver = xstrdup(optarg);
			break;
		case OPT_NETWORK:
			free(a->o.network);
			a->o.network = xstrdup(optarg);
			break;
		case OPT_REPLACE:
			a->o.replace = true;
			break;
		case OPT_START:
			if (parse_bool_arg("--start", optarg ? optarg : "true", &a->o.start, err) <
			    0)
				return -1;
			break;
		case OPT_SERVICE_CTR:
			if (parse_bool_arg("--service-container", optarg ? optarg : "true", &b,
					   err) < 0)
				return -1;
			a->o.service_container = b;
			break;
		case OPT_BUILD:
			if (parse_bool_arg("--build", optarg ? optarg : "true", &a->o.build, err) <
			    0)
				return -1;
			break;
		case OPT_CONTEXT:
			free(a->o.context_dir);
			a->o.context_dir = xstrdup(optarg);
			break;
		case OPT_TLS:
			if (parse_bool_arg("--tls-verify", optarg ? optarg : "true", &b, err) < 0)
				return -1;
			a->o.tls_verify = b ? "true" : "false";
			break;
		case OPT_PLAN:
			a->plan = true;
			break;
		default: /* -q */
			break;
		}
	}
	if (rc != 0)
		return rc;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	a->file = argv[optind];
	return 0;
}

static int load_plan(const struct global_options *g, struct play_args *a, struct kube_plan *plan,
		     struct pea_error **err)
{
	struct kube_node **docs = NULL, **cms = NULL;
	size_t n = 0, ncm = 0;
	char sha12[13] = "";
	int r = 0;

	if (parse_file(g, a->file, &docs, &n, a->o.service_container ? sha12 : NULL, err) < 0)
		return -1;
	if (a->o.service_container)
		snprintf(a->o.service_name, sizeof(a->o.service_name), "%s-service", sha12);
	/* down needs the pods' names only: a --configmap file may be gone */
	for (size_t i = 0; r == 0 && !a->o.names_only && a->configmaps && a->configmaps[i]; i++) {
		struct kube_node **more = NULL;
		size_t nmore = 0;

		r = parse_file(g, a->configmaps[i], &more, &nmore, NULL, err);
		if (r == 0) {
			cms = xreallocarray(cms, ncm + nmore + 1, sizeof(*cms));
			memcpy(cms + ncm, more, nmore * sizeof(*more));
			ncm += nmore;
			free(more);
		}
	}
	if (r == 0)
		r = kube_plan_build(docs, n, cms, ncm, &a->o, plan, err);
	kube_docs_free(docs, n);
	kube_docs_free(cms, ncm);
	return r;
}

static int kube_play(struct global_options *g, int argc, char **argv, bool down_only,
		     struct pea_error **err)
{
	struct play_args a = { 0 };
	struct kube_plan plan = { 0 };
	int r;

	if (down_only) {
		optind = 0;
		r = cmd_getopt(argc, argv, "+h",
			       (const struct option[]){ { "help", no_argument, NULL, 'h' },
							{ NULL, 0, NULL, 0 } },
			       down_usage, &(int){ 0 }, err);
		if (r == 0 && argc - optind != 1)
			r = check_nargs(argc - optind, 1, 1, err);
		a.file = r == 0 ? argv[optind] : NULL;
		a.o.start = true;
		a.down = true;
	} else {
		r = play_parse(argc, argv, &a, err);
	}
	a.o.names_only = a.down && !a.plan;
	if (r == 0)
		r = load_plan(g, &a, &plan, err);
	if (r == 0 && a.plan)
		kube_plan_print(&plan);
	else if (r == 0 && a.down)
		r = kube_down_run(g, &plan, err);
	else if (r == 0)
		r = kube_play_run(g, &plan, &a.o, err);
	kube_plan_clear(&plan);
	play_args_clear(&a);
	return r < 0 ? -1 : 0;
}

static int cmd_kube_play(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return kube_play(g, argc, argv, false, err);
}

static int cmd_kube_down(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return kube_play(g, argc, argv, true, err);
}

static int kube_gen(struct global_options *g, int argc, char **argv, const char *usage,
		    struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "service", no_argument, NULL, 's' },
		{ "filename", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *yaml = NULL, *named = frontend_usage_named(usage);
	const char *file = NULL;
	bool service = false;
	int rc, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "hsf:", opts, named, &c, err)) == 2) {
		if (c == 's')
			service = true;
		else
			file = optarg;
	}
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (optind >= argc)
		return pea_error_new(err, EINVAL,
				     "at least one container, pod or volume is required");
	if (kube_generate(g, argv + optind, service, &yaml, err) < 0)
		return -1;
	if (file) {
		if (pea_path_exists_at(AT_FDCWD, file))
			return pea_error_new(err, EEXIST, "cannot write to %s: file exists", file);
		if (pea_write_file_atomic_at(AT_FDCWD, file, yaml, strlen(yaml), 0644, err) < 0)
			return -1;
		return 0;
	}
	fputs(yaml, stdout);
	return 0;
}

static int cmd_kube_generate(struct global_options *g, int argc, char **argv,
			     struct pea_error **err)
{
	return kube_gen(g, argc, argv, generate_usage_kube, err);
}

int cmd_kube(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "play", cmd_kube_play },
		{ "down", cmd_kube_down },
		{ "generate", cmd_kube_generate },
	};

	return cmd_dispatch(g, "kube", kube_usage, sub, ARRAY_SIZE(sub), argc, argv, err);
}

/* pea play kube: the older name of kube play. */
int cmd_play(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "kube", cmd_kube_play },
	};

	return cmd_dispatch(
		g, "play",
		"Usage: pea play COMMAND\n\nPlay Kubernetes YAML (pea kube play's "
		"older name).\n\nCommands:\n  kube      run the pods of Kubernetes YAML\n",
		sub, ARRAY_SIZE(sub), argc, argv, err);
}

static int cmd_generate_kube(struct global_options *g, int argc, char **argv,
			     struct pea_error **err)
{
	return kube_gen(g, argc, argv, generate_usage_old, err);
}

/* pea generate kube: the older name of kube generate. */
int cmd_generate(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "kube", cmd_generate_kube },
	};

	return cmd_dispatch(g, "generate", "Usage: pea generate kube [options] CONTAINER|POD...\n",
			    sub, ARRAY_SIZE(sub), argc, argv, err);
}
