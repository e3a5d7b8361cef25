#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "overlayfs/options.h"

void ovl_options_init(struct ovl_options *o)
{
	*o = (struct ovl_options){
		.squash_uid = -1,
		.squash_gid = -1,
		.fsync = true,
		.threaded = true,
		.passthrough = true,
		.timeout = 1000000000.0,
		.log_level = -1,
		.log_format = -1,
	};
}

void ovl_options_free(struct ovl_options *o)
{
	pea_strv_free(o->lowerdirs);
	free(o->upperdir);
	free(o->workdir);
	free(o->mountpoint);
	ovl_idmap_clear(&o->uidmap);
	ovl_idmap_clear(&o->gidmap);
	pea_strv_free(o->fuse_opts);
	ovl_options_init(o);
}

/* Mount options libfuse understands; handed over unchanged. */
static const char *const fuse_flag_opts[] = {
	"allow_other", "allow_root", "auto_unmount", "default_permissions",
	"blkdev",      "suid",	     "nosuid",	     "dev",
	"nodev",       "exec",	     "noexec",	     "async",
	"sync",	       "dirsync",    "atime",	     "noatime",
	"relatime",    "norelatime", "strictatime",  "nodiratime",
	"lazytime",    "nolazytime", "rw",	     "kernel_cache",
	"auto_cache",  "noforget",   NULL,
};
static const char *const fuse_value_opts[] = {
	"fsname",    "subtype",	   "max_read",	  "blksize", "context",
	"fscontext", "defcontext", "rootcontext", NULL,
};
/* Kernel overlayfs and fuse-overlayfs options that change nothing here. */
static const char *const ignored_flag_opts[] = {
	"userxattr", "nfs_export=off", "index=off", "metacopy=off", NULL,
};
static const char *const ignored_value_opts[] = {
	"xino", "fast_ino", "uid", "gid", "redirect_dir", NULL,
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* "0"/"1" (and any decimal) of fuse-overlayfs's integer switches. */
static int parse_int(const char *key, const char *v, long min, long max, long *ret,
		     struct pea_error **err)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		return pea_error_new(err, EINVAL, "invalid value '%s' for option '%s'", v, key);
	*ret = n;
	return 0;
}

static int parse_lowerdir(struct ovl_options *o, const char *v, struct pea_error **err)
{
	_cleanup_strv_ char **dirs = NULL;

	for (const char *p = v;; p++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 0)
			return pea_error_new(err, EINVAL, "invalid lowerdir '%s': empty directory",
					     v);
		pea_strv_push_take(&dirs, xstrndup(p, len));
		if (pea_strv_length(dirs) > OVL_MAX_LAYERS)
			return pea_error_new(err, EINVAL, "invalid lowerdir: more than %d layers",
					     OVL_MAX_LAYERS);
		if (!end)
			break;
		p = end;
	}
	pea_strv_free(o->lowerdirs);
	o->lowerdirs = TAKE_PTR(dirs);
	return 0;
}

static void set_string(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int parse_value_opt(struct ovl_options *o, const char *key, const char *v,
			   struct pea_error **err)
{
	long n = 0;
	int r = 0;

	if (strcmp(key, "lowerdir") == 0)
		return parse_lowerdir(o, v, err);
	if (strcmp(key, "upperdir") == 0 || strcmp(key, "workdir") == 0) {
		if (*v == '\0')
			return pea_error_new(err, EINVAL, "option '%s' needs a directory", key);
		set_string(strcmp(key, "upperdir") == 0 ? &o->upperdir : &o->workdir, v);
		return 0;
	}
	if (strcmp(key, "uidmapping") == 0)
		return ovl_idmap_parse(v, "uidmapping", &o->uidmap, err);
	if (strcmp(key, "gidmapping") == 0)
		return ovl_idmap_parse(v, "gidmapping", &o->gidmap, err);
	if (strcmp(key, "squash_to_uid") == 0 || strcmp(key, "squash_to_gid") == 0) {
		r = parse_int(key, v, 0, UINT32_MAX - 1, &n, err);
		if (r == 0)
			*(key[10] == 'u' ? &o->squash_uid : &o->squash_gid) = n;
		return r;
	}
	if (strcmp(key, "noxattrs") == 0 || strcmp(key, "fsync") == 0 ||
	    strcmp(key, "threaded") == 0 || strcmp(key, "writeback") == 0 ||
	    strcmp(key, "passthrough") == 0) {
		r = parse_int(key, v, 0, 2, &n, err);
		if (r < 0)
			return r;
		if (key[0] == 'p')
			o->passthrough = n != 0;
		else if (key[0] == 'n')
			o->noxattrs = n != 0;
		else if (key[0] == 'f')
			o->fsync = o->fsync_copy_up = n != 0;
		else if (key[0] == 't')
			o->threaded = n != 0;
		else
			o->writeback = n != 0;
		return 0;
	}
	if (strcmp(key, "xattr_permissions") == 0) {
		r = parse_int(key, v, 0, 2, &n, err);
		if (r == 0)
			o->xattr_permissions = (int)n;
		return r;
	}
	if (strcmp(key, "max_threads") == 0 || strcmp(key, "max_idle_threads") == 0) {
		r = parse_int(key, v, -1, 100000, &n, err);
		if (r == 0 && key[4] == 't' && n > 0)
			o->max_threads = (unsigned)n;
		return r;
	}
	if (strcmp(key, "spin") == 0) {
		r = parse_int(key, v, 0, 1000, &n, err);
		if (r == 0)
			o->spin_us = (unsigned)n;
		return r;
	}
	if (strcmp(key, "timeout") == 0) {
		char *end = NULL;
		double t;

		errno = 0;
		t = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || errno != 0 || !(t >= 0.0) || t > 1e10)
			return pea_error_new(err, EINVAL, "invalid value '%s' for option 'timeout'",
					     v);
		o->timeout = t;
		return 0;
	}
	if (strcmp(key, "plugins") == 0) {
		if (*v != '\0')
			return pea_error_new(err, ENOTSUP, "option 'plugins' is not supported");
		return 0;
	}
	if (strcmp(key, "redirect_dir") == 0 && strcmp(v, "off") != 0 && strcmp(v, "nofollow") != 0)
		return pea_error_new(err, ENOTSUP, "only redirect_dir=off is supported, not '%s'",
				     v);
	if (strcmp(key, "xino") == 0 && strcmp(v, "on") != 0 && strcmp(v, "off") != 0 &&
	    strcmp(v, "auto") != 0)
		return pea_error_new(err, EINVAL, "invalid value '%s' for option 'xino'", v);
	if (in_list(ignored_value_opts, key))
		return 0;
	if (in_list(fuse_value_opts, key)) {
		_cleanup_free_ char *opt = xasprintf("%s=%s", key, v);

		if (*v == '\0')
			return pea_error_new(err, EINVAL, "option '%s' needs a value", key);
		pea_strv_push(&o->fuse_opts, opt);
		return 0;
	}
	return pea_error_new(err, EINVAL, "unknown option '%s=%s'", key, v);
}

static int parse_flag_opt(struct ovl_options *o, const char *key, struct pea_error **err)
{
	if (strcmp(key, "squash_to_root") == 0)
		o->squash_to_root = true;
	else if (strcmp(key, "static_nlink") == 0)
		o->static_nlink = true;
	else if (strcmp(key, "volatile") == 0)
		o->fsync = o->fsync_copy_up = false;
	else if (strcmp(key, "ro") == 0)
		o->ro = true;
	else if (strcmp(key, "debug") == 0)
		o->debug = true;
	else if (strcmp(key, "clone_fd") == 0)
		o->clone_fd = true;
	else if (strcmp(key, "noacl") == 0)
		o->noacl = true;
	else if (in_list(fuse_flag_opts, key))
		pea_strv_push(&o->fuse_opts, key);
	else if (!in_list(ignored_flag_opts, key))
		return pea_error_new(err, EINVAL, "unknown option '%s'", key);
	return 0;
}

static int parse_one(struct ovl_options *o, char *opt, struct pea_error **err)
{
	char *eq = strchr(opt, '=');

	if (*opt == '\0')
		return 0;
	if (in_list(ignored_flag_opts, opt))
		return 0;
	if (!eq)
		return parse_flag_opt(o, opt, err);
	*eq = '\0';
	if (*opt == '\0')
		return pea_error_new(err, EINVAL, "invalid option '=%s': no name", eq + 1);
	return parse_value_opt(o, opt, eq + 1, err);
}

int ovl_options_parse_opts(struct ovl_options *o, const char *s, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = strlen(s), n = 0;

	if (len > OVL_OPTS_MAX)
		return pea_error_new(err, E2BIG, "option string longer than %u bytes",
				     OVL_OPTS_MAX);
	buf = xmalloc(len + 1);
	for (size_t i = 0;; i++) {
		int r;

		if (s[i] == '\\' && s[i + 1] != '\0') {
			buf[n++] = s[++i];
			continue;
		}
		if (s[i] != ',' && s[i] != '\0') {
			buf[n++] = s[i];
			continue;
		}
		buf[n] = '\0';
		r = parse_one(o, buf, err);
		if (r < 0)
			return r;
		n = 0;
		if (s[i] == '\0')
			break;
	}
	return 0;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [-f] [-d] [-s] -o "
		"lowerdir=DIR[:DIR...][,upperdir=DIR,workdir=DIR][,...] "
		"MOUNTPOINT\n"
		"\n"
		"Mount an overlay of the lower directories (top first) and the upper directory\n"
		"with FUSE, as fuse-overlayfs does. Without upperdir the mount is read-only.\n"
		"\n"
		"  -f                  stay in the foreground\n"
		"  -d, --debug         debug output (implies -f)\n"
		"  -s                  single-threaded loop\n"
		"      --log-level=L   error, warning, info or debug\n"
		"      --log-format=F  text or json\n"
		"  -o OPTS             lowerdir=, upperdir=, workdir=, uidmapping=, gidmapping=,\n"
		"                      squash_to_root, squash_to_uid=, squash_to_gid=, "
		"static_nlink,\n"
		"                      noxattrs=, fsync=, threaded=, timeout=, writeback=, noacl,\n"
		"                      passthrough=, spin=,\n"
		"                      and FUSE's own (allow_other, ro, fsname=, ...)\n"
		"  -h, --help          print this help\n"
		"  -V, --version       print the version\n"
		"\n"
		"Unmount with fusermount3 -u MOUNTPOINT. See pea-overlayfs(1).\n",
		prog);
}

static int parse_log_option(struct ovl_options *o, int c, const char *v, struct pea_error **err)
{
	enum log_level level;
	enum log_format format;

	if (c == 'L') {
		if (log_level_from_string(v, &level) < 0)
			return pea_error_new(err, EINVAL, "invalid --log-level '%s'", v);
		o->log_level = (int)level;
	} else {
		if (log_format_from_string(v, &format) < 0)
			return pea_error_new(err, EINVAL, "invalid --log-format '%s'", v);
		o->log_format = (int)format;
	}
	return 0;
}

int ovl_options_parse_args(struct ovl_options *o, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "debug", no_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "log-format", required_argument, NULL, 'F' },
		{ 0 },
	};
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+fdso:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 'd':
			o->debug = true;
			o->foreground = true;
			break;
		case 's':
			o->threaded = false;
			break;
		case 'o':
			r = ovl_options_parse_opts(o, optarg, err);
			if (r < 0)
				return r;
			break;
		case 'L':
		case 'F':
			r = parse_log_option(o, c, optarg, err);
			if (r < 0)
				return r;
			break;
		case 'h':
			usage(stdout, "pea-overlayfs");
			return 1;
		case 'V':
			printf("pea-overlayfs %s\n", PEA_VERSION);
			return 1;
		case '?':
			if (optopt == 'o')
				return pea_error_new(err, EINVAL, "option '-o' needs a value");
			return pea_error_new(err, EINVAL, "unknown option '%s'", argv[optind - 1]);
		default:
			return pea_error_new(err, EINVAL, "unexpected option");
		}
	}
	if (o->debug)
		o->foreground = true;
	if (optind >= argc)
		return pea_error_new(err, EINVAL,
				     "no mountpoint given (usage: pea-overlayfs -o "
				     "lowerdir=...,upperdir=...,workdir=... MOUNTPOINT)");
	if (optind + 1 < argc)
		return pea_error_new(err, EINVAL, "unexpected argument '%s' after the mountpoint",
				     argv[optind + 1]);
	set_string(&o->mountpoint, argv[optind]);
	return 0;
}

int ovl_options_validate(const struct ovl_options *o, struct pea_error **err)
{
	if (pea_strv_length(o->lowerdirs) == 0)
		return pea_error_new(err, EINVAL, "no lowerdir given (-o lowerdir=DIR[:DIR...])");
	if (o->upperdir && !o->workdir)
		return pea_error_new(err, EINVAL, "upperdir needs a workdir (-o workdir=DIR)");
	if (o->workdir && !o->upperdir)
		return pea_error_new(err, EINVAL, "workdir given without an upperdir");
	if (o->upperdir && o->workdir && strcmp(o->upperdir, o->workdir) == 0)
		return pea_error_new(err, EINVAL,
				     "upperdir and workdir are the same directory '%s'",
				     o->upperdir);
	if (!o->mountpoint)
		return pea_error_new(err, EINVAL, "no mountpoint given");
	return 0;
}

char *ovl_options_fuse_string(const struct ovl_options *o)
{
	_cleanup_strv_ char **v = NULL;

	pea_strv_push(&v, "fsname=pea-overlayfs");
	pea_strv_push(&v, "subtype=pea-overlayfs");
	pea_strv_push(&v, "default_permissions");
	pea_strv_push(&v, "noatime");
	/* As fuse-overlayfs: root's mounts serve every user of the container. */
	if (geteuid() == 0 && !pea_strv_contains(o->fuse_opts, "allow_other"))
		pea_strv_push(&v, "allow_other");
	if (o->ro || !o->upperdir)
		pea_strv_push(&v, "ro");
	for (char **p = o->fuse_opts; p && *p; p++) {
		/* libfuse's parser splits on commas: escape them in values. */
		_cleanup_free_ char *esc = xmalloc(2 * strlen(*p) + 1);
		size_t n = 0;

		for (const char *c = *p; *c; c++) {
			if (*c == ',' || *c == '\\')
				esc[n++] = '\\';
			esc[n++] = *c;
		}
		esc[n] = '\0';
		pea_strv_push(&v, esc);
	}
	return pea_strv_join(v, ",");
}
