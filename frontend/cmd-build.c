/*
 * build: an image from a Containerfile (podman-build(1)). The options; the
 * parser is build-parse.c, the stages and steps build-exec.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/build-exec.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "frontend/platform.h"

static const char build_usage[] =
	"Usage: pea build [OPTIONS] [CONTEXT]\n"
	"\n"
	"Build an image from a Containerfile or Dockerfile. CONTEXT is a folder (default .),\n"
	"a tar on standard input (-) or an http(s) URL of one.\n"
	"\n"
	"  -t, --tag=NAME            name the image (repeatable)\n"
	"  -f, --file=FILE           the Containerfile (repeatable: joined; - for standard input)\n"
	"      --build-arg=K=V       a value for ARG K (K alone: from the environment)\n"
	"      --target=STAGE        build up to that stage\n"
	"      --layers[=BOOL]       cache the image of each step (default true, BUILDAH_LAYERS)\n"
	"      --no-cache            do not use the cache\n"
	"      --pull[=POLICY]       always, missing (default), never, newer\n"
	"      --pull-always, --pull-never\n"
	"      --from=IMAGE          the image of the first FROM\n"
	"      --label=K=V, --annotation=K=V\n"
	"      --env=K=V             an environment variable of the image and of RUN\n"
	"      --format=FORMAT       oci (default) or docker\n"
	"      --ignorefile=FILE     the ignore file (default .containerignore, .dockerignore)\n"
	"  -q, --quiet               print only the image id\n"
	"      --iidfile=FILE        write the image id to FILE\n"
	"      --logfile=FILE        write the output to FILE\n"
	"      --rm, --force-rm      remove the working containers (always done)\n"
	"  -v, --volume=SPEC, --network=MODE, --cap-add, --cap-drop, --security-opt, --userns,\n"
	"      --ulimit, --add-host, --dns, --device, --memory, --shm-size, --no-hosts\n"
	"                            passed on to the containers of RUN\n";

enum {
	OPT_BUILD_ARG = 256,
	OPT_TARGET,
	OPT_LAYERS,
	OPT_NO_CACHE,
	OPT_PULL,
	OPT_PULL_ALWAYS,
	OPT_PULL_NEVER,
	OPT_FROM,
	OPT_LABEL,
	OPT_ANNOTATION,
	OPT_ENV,
	OPT_FORMAT,
	OPT_IGNOREFILE,
	OPT_IIDFILE,
	OPT_LOGFILE,
	OPT_RM,
	OPT_FORCE_RM,
	OPT_SQUASH,
	OPT_SQUASH_ALL,
	OPT_PLATFORM,
	OPT_AUTHFILE,
	OPT_OS,
	OPT_ARCH,
	OPT_VARIANT,
	OPT_TIMESTAMP,
	OPT_IGNORED,	    /* takes a value, no effect */
	OPT_IGNORED_BOOL,   /* optional value, no effect */
	OPT_RUN_BASE = 512, /* passed on to pea run: OPT_RUN_BASE + n */
};

static const struct option build_opts_long[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "tag", required_argument, NULL, 't' },
	{ "file", required_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "volume", required_argument, NULL, 'v' },
	{ "build-arg", required_argument, NULL, OPT_BUILD_ARG },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "layers", optional_argument, NULL, OPT_LAYERS },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "pull", optional_argument, NULL, OPT_PULL },
	{ "pull-always", no_argument, NULL, OPT_PULL_ALWAYS },
	{ "pull-never", no_argument, NULL, OPT_PULL_NEVER },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "annotation", required_argument, NULL, OPT_ANNOTATION },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "ignorefile", required_argument, NULL, OPT_IGNOREFILE },
	{ "iidfile", required_argument, NULL, OPT_IIDFILE },
	{ "logfile", required_argument, NULL, OPT_LOGFILE },
	{ "rm", optional_argument, NULL, OPT_RM },
	{ "force-rm", optional_argument, NULL, OPT_FORCE_RM },
	{ "squash", no_argument, NULL, OPT_SQUASH },
	{ "squash-all", no_argument, NULL, OPT_SQUASH_ALL },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "authfile", required_argument, NULL, OPT_AUTHFILE },
	{ "tls-verify", optional_argument, NULL, OPT_IGNORED_BOOL },
	{ "isolation", required_argument, NULL, OPT_IGNORED },
	{ "jobs", required_argument, NULL, OPT_IGNORED },
	{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "os", required_argument, NULL, OPT_OS },
	{ "variant", required_argument, NULL, OPT_VARIANT },
	{ "creds", required_argument, NULL, OPT_IGNORED },
	{ "cert-dir", required_argument, NULL, OPT_IGNORED },
	{ "http-proxy", optional_argument, NULL, OPT_IGNORED_BOOL },
	{ "disable-compression", optional_argument, NULL, OPT_IGNORED_BOOL },
	{ "load", no_argument, NULL, OPT_IGNORED_BOOL },
	{ "network", required_argument, NULL, OPT_RUN_BASE + 0 },
	{ "net", required_argument, NULL, OPT_RUN_BASE + 1 },
	{ "cap-add", required_argument, NULL, OPT_RUN_BASE + 2 },
	{ "cap-drop", required_argument, NULL, OPT_RUN_BASE + 3 },
	{ "security-opt", required_argument, NULL, OPT_RUN_BASE + 4 },
	{ "userns", required_argument, NULL, OPT_RUN_BASE + 5 },
	{ "ulimit", required_argument, NULL, OPT_RUN_BASE + 6 },
	{ "add-host", required_argument, NULL, OPT_RUN_BASE + 7 },
	{ "dns", required_argument, NULL, OPT_RUN_BASE + 8 },
	{ "dns-search", required_argument, NULL, OPT_RUN_BASE + 9 },
	{ "dns-option", required_argument, NULL, OPT_RUN_BASE + 10 },
	{ "device", required_argument, NULL, OPT_RUN_BASE + 11 },
	{ "memory", required_argument, NULL, OPT_RUN_BASE + 12 },
	{ "shm-size", required_argument, NULL, OPT_RUN_BASE + 13 },
	{ "ipc", required_argument, NULL, OPT_RUN_BASE + 14 },
	{ "pid", required_argument, NULL, OPT_RUN_BASE + 15 },
	{ "uts", required_argument, NULL, OPT_RUN_BASE + 16 },
	{ "cgroupns", required_argument, NULL, OPT_RUN_BASE + 17 },
	{ "group-add", required_argument, NULL, OPT_RUN_BASE + 18 },
	{ "cpu-shares", required_argument, NULL, OPT_RUN_BASE + 19 },
	{ "cpuset-cpus", required_argument, NULL, OPT_RUN_BASE + 20 },
	{ "no-hosts", no_argument, NULL, OPT_RUN_BASE + 21 },
	{ NULL, 0, NULL, 0 },
};

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static const char *option_name(int c)
{
	for (const struct option *o = build_opts_long; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

/* The option that getopt_long just returned, by its index. */
static int run_option(struct build_opts *o, const char *name, const char *arg)
{
	pea_strv_push_take(&o->run_opts,
			   arg ? xasprintf("--%s=%s", name, arg) : xasprintf("--%s", name));
	return 0;
}

static int build_option(struct build_opts *o, int c, const char *longname, struct pea_error **err)
{
	switch (c) {
	case 't':
		pea_strv_push(&o->tags, optarg);
		return 0;
	case 'f':
		pea_strv_push(&o->files, optarg);
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case 'v':
		return run_option(o, "volume", optarg);
	case OPT_BUILD_ARG:
		pea_strv_push(&o->build_args, optarg);
		return 0;
	case OPT_TARGET:
		set_str(&o->target, optarg);
		return 0;
	case OPT_LAYERS:
		return parse_bool_arg("--layers", optarg, &o->layers, err);
	case OPT_NO_CACHE:
		o->no_cache = true;
		return 0;
	case OPT_PULL:
		if (!optarg || strcmp(optarg, "true") == 0)
			set_str(&o->pull, "always");
		else if (strcmp(optarg, "false") == 0)
			set_str(&o->pull, "missing");
		else if (strcmp(optarg, "always") == 0 || strcmp(optarg, "missing") == 0 ||
			 strcmp(optarg, "never") == 0 || strcmp(optarg, "newer") == 0)
			set_str(&o->pull, optarg);
		else
			return pea_error_new(err, EINVAL,
					     "invalid pull policy \"%s\": use always, missing, "
					     "never or newer",
					     optarg);
		return 0;
	case OPT_PULL_ALWAYS:
		set_str(&o->pull, "always");
		return 0;
	case OPT_PULL_NEVER:
		set_str(&o->pull, "never");
		return 0;
	case OPT_FROM:
		set_str(&o->from, optarg);
		return 0;
	case OPT_LABEL:
		pea_strv_push(&o->labels, optarg);
		return 0;
	case OPT_ANNOTATION:
		pea_strv_push(&o->annotations, optarg);
		return 0;
	case OPT_ENV:
		if (!strchr(optarg, '=')) {
			const char *v = getenv(optarg);
			if (v)
				pea_strv_push_take(&o->env, xasprintf("%s=%s", optarg, v));
			return 0;
		}
		pea_strv_push(&o->env, optarg);
		return 0;
	case OPT_FORMAT:
		if (strcmp(optarg, "oci") != 0 && strcmp(optarg, "docker") != 0)
			return pea_error_new(err, EINVAL,
					     "unrecognized image type \"%s\": use oci or docker",
					     optarg);
		set_str(&o->format, optarg);
		return 0;
	case OPT_IGNOREFILE:
		set_str(&o->ignorefile, optarg);
		return 0;
	case OPT_IIDFILE:
		set_str(&o->iidfile, optarg);
		return 0;
	case OPT_RM:
		return parse_bool_arg("--rm", optarg, &o->rm, err);
	case OPT_FORCE_RM:
		return parse_bool_arg("--force-rm", optarg, &o->force_rm, err);
	case OPT_SQUASH:
		o->squash = true;
		return 0;
	case OPT_SQUASH_ALL:
		o->squash_all = true;
		return 0;
	case OPT_PLATFORM:
		if (platform_parse(optarg, NULL, err) < 0)
			return -1;
		set_str(&o->platform, optarg);
		return 0;
	default:
		if (c >= OPT_RUN_BASE)
			return run_option(o, strcmp(longname, "net") == 0 ? "network" : longname,
					  optarg);
		return 0;
	}
}

/* --logfile: standard output and error go to the file from here on. */
static int redirect_log(const char *path, struct pea_error **err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return pea_error_errno(err, "opening logfile \"%s\"", path);
	fflush(stdout);
	fflush(stderr);
	if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
		return pea_error_errno(err, "logfile \"%s\"", path);
	return 0;
}

/* --os, --arch, --variant: what they name replaces that part of --platform (podman's order). */
struct platform_parts {
	const char *os, *arch, *variant;
};

static int platform_merge(struct build_opts *o, const struct platform_parts *pp,
			  struct pea_error **err)
{
	struct platform_spec p = { 0 };
	_cleanup_free_ char *s = NULL;
	int r;

	if (!pp->os && !pp->arch && !pp->variant)
		return 0;
	if (o->platform && platform_parse(o->platform, &p, err) < 0)
		return -1;
	s = xasprintf("%s/%s%s%s",
		      pp->os ? pp->os
		      : p.os ? p.os
			     : "linux",
		      pp->arch ? pp->arch
		      : p.arch ? p.arch
			       : frontend_oci_arch(),
		      pp->variant || p.variant ? "/" : "",
		      pp->variant ? pp->variant
		      : p.variant ? p.variant
				  : "");
	platform_spec_clear(&p);
	r = platform_parse(s, NULL, err);
	if (r < 0)
		return pea_error_wrap(err, "--os/--arch/--variant");
	set_str(&o->platform, s);
	return 0;
}

static int build_parse_args(int argc, char **argv, struct build_opts *o, char **ret_logfile,
			    struct pea_error **err)
{
	const char *env = getenv("BUILDAH_LAYERS");
	struct platform_parts pp = { 0 };
	int r, c = 0;

	o->layers = true;
	o->rm = true;
	if (env && *env && parse_bool_arg("BUILDAH_LAYERS", env, &o->layers, err) < 0)
		return -1;
	optind = 0;
	for (;;) {
		r = cmd_getopt(argc, argv, "ht:f:qv:", build_opts_long, build_usage, &c, err);
		if (r != 2)
			break;
		if (c == OPT_LOGFILE) {
			set_str(ret_logfile, optarg);
			continue;
		}
		if (c == OPT_AUTHFILE) {
			struct stat s;
			if (stat(optarg, &s) < 0)
				return pea_error_new(err, errno, "checking authfile: stat %s: %s",
						     optarg,
						     errno == ENOENT ? "no such file or directory"
								     : strerror(errno));
			continue;
		}
		if (c == OPT_OS || c == OPT_ARCH || c == OPT_VARIANT) {
			*(c == OPT_OS ? &pp.os : c == OPT_ARCH ? &pp.arch : &pp.variant) = optarg;
			continue;
		}
		if (c == OPT_TIMESTAMP)
			/* buildah's clamps every file's time in the layers too: not done here */
			return pea_error_new(err, ENOTSUP, "--timestamp is not supported");
		if (build_option(o, c, option_name(c), err) < 0)
			return -1;
	}
	if (r == 0 && platform_merge(o, &pp, err) < 0)
		return -1;
	return r;
}

int cmd_build(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct build_opts o = { 0 };
	_cleanup_free_ char *logfile = NULL;
	int r;

	r = build_parse_args(argc, argv, &o, &logfile, err);
	if (r == 1) { /* --help printed */
		build_opts_clear(&o);
		return 0;
	}
	if (r == 0 && argc - optind > 1)
		r = check_nargs(argc - optind, 0, 1, err);
	if (r == 0) {
		if (argc - optind == 1)
			o.context = xstrdup(argv[optind]);
		/* every RUN needs it: say so before the first step, as podman */
		if (!g->runtime || access(g->runtime, X_OK) < 0) {
			const char *rt = g->runtime ? g->runtime : "";
			const char *base = strrchr(rt, '/');
			r = pea_error_new(err, ENOENT,
					  "default OCI runtime \"%s\" not found: invalid argument",
					  base ? base + 1 : rt);
		}
		if (r == 0 && logfile)
			r = redirect_log(logfile, err);
		if (r == 0)
			r = build_run(g, &o, err);
	}
	build_opts_clear(&o);
	if (r > 0 && *err) {
		/* a RUN that failed: podman's exit status is its own */
		fprintf(stderr, "Error: %s\n", (*err)->message);
		*err = pea_error_free(*err);
	}
	return r < 0 ? -1 : r;
}

/* buildx build: podman's alias of build (--load is what it does anyway). */
int cmd_buildx(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "build", cmd_build },
		{ "b", cmd_build },
	};

	return cmd_dispatch(g, "buildx",
			    "Usage: pea buildx COMMAND\n\n"
			    "Build images, as pea build does (docker buildx's name for it).\n\n"
			    "Commands:\n  build     build an image from a Containerfile\n",
			    sub, ARRAY_SIZE(sub), argc, argv, err);
}
