/*
 * A container's log driver and its options (ctr-log.h): parsed from run and
 * create's flags over containers.conf's defaults, kept in the record, turned
 * into the monitor's flags (conmon's) at each start and into inspect's
 * HostConfig.LogConfig.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/journal-native.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/config.h"
#include "frontend/ctr-log.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/records.h"

static const char *const drivers[] = { "k8s-file", "json-file", "journald", "none", "passthrough" };

void ctr_log_flags_clear(struct ctr_log_flags *f)
{
	free(f->driver);
	free(f->path);
	free(f->tag);
	memset(f, 0, sizeof(*f));
}

static void set(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static bool driver_known(const char *d)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (strcmp(d, drivers[i]) == 0)
			return true;
	return false;
}

/*
 * --log-driver's: podman's words (libpod's WithLogDriver, podman's 030-run); containers.conf's
 * name the file, the value and the drivers.
 */
static int check_driver(const char *d, const char *where, struct pea_error **err)
{
	if (!*where && !*d)
		return pea_error_new(err, EINVAL,
				     "running container create option: log driver must be set: "
				     "invalid argument");
	if (!*where && !driver_known(d))
		return pea_error_new(err, EINVAL,
				     "running container create option: invalid log driver: "
				     "invalid argument");
	if (!*d)
		return pea_error_new(err, EINVAL,
				     "%slog driver must be set: use k8s-file, "
				     "json-file, journald, none or passthrough",
				     where);
	if (!driver_known(d))
		return pea_error_new(err, EINVAL,
				     "%sinvalid log driver \"%s\": use k8s-file, json-file, "
				     "journald, none or passthrough",
				     where, d);
	return 0;
}

int ctr_log_parse_driver(struct ctr_log_flags *f, const char *arg, struct pea_error **err)
{
	if (check_driver(arg, "", err) < 0)
		return -1;
	set(&f->driver, arg);
	return 0;
}

int ctr_log_parse_human_size(const char *s, long long *ret)
{
	static const char units[] = "kmgtp";
	const char *p = s, *u;
	double v, mult = 1;
	char *end = NULL;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	/* digits, then groups of ".digits" (go-units' regexp) */
	while (isdigit((unsigned char)*p))
		p++;
	while (*p == '.' && isdigit((unsigned char)p[1]))
		for (p++; isdigit((unsigned char)*p); p++)
			;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end > p)
		return -EINVAL;
	if (end < p) /* "1.2.3": go-units' regexp takes it; strconv does not */
		return -EINVAL;
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, tolower((unsigned char)*p)))) {
		for (long i = 0; i <= u - units; i++)
			mult *= 1000;
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return -EINVAL;
	v *= mult;
	if (!isfinite(v) || v >= 9.2e18)
		return -EINVAL;
	*ret = (long long)v;
	return 0;
}

int ctr_log_parse_opt(struct ctr_log_flags *f, const char *arg, struct pea_error **err)
{
	const char *eq = strchr(arg, '=');
	_cleanup_free_ char *key = NULL;
	const char *v;

	if (!eq)
		return pea_error_new(err, EINVAL,
				     "invalid log option \"%s\": use NAME=VALUE "
				     "(path, max-size, tag)",
				     arg);
	key = xstrndup(arg, (size_t)(eq - arg));
	for (char *k = key; *k; k++)
		*k = (char)tolower((unsigned char)*k);
	v = eq + 1;
	if (strcmp(key, "driver") == 0)
		return ctr_log_parse_driver(f, v, err);
	if (strcmp(key, "path") == 0) {
		if (!*v)
			return pea_error_new(err, EINVAL,
					     "log path must be set: --log-opt path=FILE");
		set(&f->path, v);
	} else if (strcmp(key, "max-size") == 0) {
		if (ctr_log_parse_human_size(v, &f->size) < 0)
			return pea_error_new(err, EINVAL, "invalid size: '%s'", v);
	} else if (strcmp(key, "tag") == 0) {
		if (!*v)
			return pea_error_new(err, EINVAL, "log tag must be set: --log-opt tag=TAG");
		set(&f->tag, v);
	}
	/* podman keeps other names as driver options that no driver reads */
	return 0;
}

/* The journal takes datagrams on its socket: one must be listening there. */
static int check_journal(struct pea_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return pea_error_errno(err, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return pea_error_new(err, errno,
				     "failed to initialize journal: connect '%s': %s (is "
				     "systemd-journald running? use --log-driver k8s-file)",
				     JOURNAL_SOCKET, strerror(errno));
	return 0;
}

static int check_passthrough(bool tty, struct pea_error **err)
{
	if (tty)
		return pea_error_new(err, EINVAL,
				     "the '--log-driver passthrough' option cannot be used with "
				     "-t/--tty");
	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd))
			return pea_error_new(err, EINVAL,
					     "the '--log-driver passthrough' option cannot be used "
					     "on a TTY");
	return 0;
}

/* The names a tag template may use (podman renders it with the inspect data). */
static struct json_object *tag_context(const char *id, const char *name, const char *image_name,
				       const char *image_id)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ID", json_object_new_string(id));
	json_object_object_add(o, "Id", json_object_new_string(id));
	json_object_object_add(o, "Name", json_object_new_string(name));
	json_object_object_add(o, "ImageName", json_object_new_string(image_name));
	json_object_object_add(o, "Image", json_object_new_string(image_id));
	json_object_object_add(o, "ImageID", json_object_new_string(image_id));
	return o;
}

static int render_tag(const char *tag, struct json_object *ctx, char **ret, struct pea_error **err)
{
	struct template *t = NULL;
	int r;

	if (!strstr(tag, "{{")) {
		*ret = xstrdup(tag);
		return 0;
	}
	if (template_parse(tag, NULL, &t, err) < 0)
		return pea_error_wrap(err, "log tag '%s'", tag);
	template_set_context(t, "log tag", "*define.InspectContainerData");
	r = template_render(t, ctx, ret, err);
	template_free(t);
	return r < 0 ? pea_error_wrap(err, "log tag '%s'", tag) : 0;
}

static int absolute_path(const char *p, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *abs = NULL, *dir = NULL;
	char cwd[PATH_MAX];
	struct stat st;
	char *slash;

	if (p[0] == '/')
		abs = xstrdup(p);
	else if (getcwd(cwd, sizeof(cwd)))
		abs = xasprintf("%s/%s", cwd, p);
	else
		return pea_error_errno(err, "getcwd");
	dir = xstrdup(abs);
	slash = strrchr(dir, '/');
	slash[slash == dir ? 1 : 0] = '\0';
	if (stat(dir, &st) < 0)
		return pea_error_errno(err, "--log-opt path=%s: folder '%s'", p, dir);
	if (!S_ISDIR(st.st_mode))
		return pea_error_new(err, ENOTDIR, "--log-opt path=%s: '%s' is not a folder", p,
				     dir);
	if (abs[strlen(abs) - 1] == '/')
		return pea_error_new(err, EISDIR, "--log-opt path=%s: a folder, not a file", p);
	*ret = TAKE_PTR(abs);
	return 0;
}

int ctr_log_finish(const struct ctr_log_flags *f, const struct ctr_config *conf, bool tty,
		   struct json_object *opts, struct pea_error **err)
{
	const char *driver = f->driver, *tag = f->tag ? f->tag : conf->log_tag;
	long long size = f->size > 0 ? f->size : conf->log_size_max;

	if (!driver) {
		driver = conf->log_driver ? conf->log_driver : "k8s-file";
		if (check_driver(driver, "containers.conf: ", err) < 0)
			return -1;
	}
	if (tag) {
		_cleanup_json_ struct json_object *ctx = tag_context("0", "n", "i", "0");
		_cleanup_free_ char *out = NULL;
		if (render_tag(tag, ctx, &out, err) < 0)
			return -1;
	}
	if (strcmp(driver, "journald") == 0 && check_journal(err) < 0)
		return -1;
	if (strcmp(driver, "passthrough") == 0 && check_passthrough(tty, err) < 0)
		return -1;
	if (f->path && (strcmp(driver, "k8s-file") == 0 || strcmp(driver, "json-file") == 0)) {
		_cleanup_free_ char *abs = NULL;
		if (absolute_path(f->path, &abs, err) < 0)
			return -1;
		json_object_object_add(opts, "log_path", json_object_new_string(abs));
	}
	json_object_object_add(opts, "log_driver", json_object_new_string(driver));
	/* the cap is the k8s-file's: the other drivers keep no file */
	if (strcmp(driver, "k8s-file") != 0 && strcmp(driver, "json-file") != 0)
		size = -1;
	json_object_object_add(opts, "log_size", json_object_new_int64(size > 0 ? size : -1));
	if (tag)
		json_object_object_add(opts, "log_tag", json_object_new_string(tag));
	return 0;
}

const char *ctr_log_driver(const struct ctr_record *r)
{
	const char *d = NULL;

	if (pea_json_get_string_opt(r->opts, "opts", "log_driver", &d, NULL) != 1 || !*d)
		return "k8s-file";
	return d;
}

static bool is_file_driver(const char *d)
{
	return strcmp(d, "k8s-file") == 0 || strcmp(d, "json-file") == 0;
}

bool ctr_log_is_passthrough(const struct ctr_record *r)
{
	return strcmp(ctr_log_driver(r), "passthrough") == 0;
}

char *ctr_log_path(const struct global_options *g, const struct ctr_record *r)
{
	const char *p = NULL;

	if (!is_file_driver(ctr_log_driver(r)))
		return NULL;
	if (pea_json_get_string_opt(r->opts, "opts", "log_path", &p, NULL) == 1 && *p)
		return xstrdup(p);
	{
		_cleanup_free_ char *dir = record_dir(g, r->id);
		return xasprintf("%s/ctr.log", dir);
	}
}

static long long log_size(const struct ctr_record *r)
{
	int64_t size = -1;

	(void)pea_json_get_int64_opt(r->opts, "opts", "log_size", &size, NULL);
	return size;
}

bool ctr_log_capped(const struct ctr_record *r)
{
	return is_file_driver(ctr_log_driver(r)) && log_size(r) > 0;
}

void ctr_log_monitor_args(const struct global_options *g, const struct ctr_record *r, char ***argv)
{
	const char *d = ctr_log_driver(r), *tag = NULL;
	_cleanup_free_ char *path = ctr_log_path(g, r);

	if (path) {
		pea_strv_push_take(argv, xasprintf("--log-path=k8s-file:%s", path));
		if (log_size(r) > 0)
			pea_strv_push_take(argv, xasprintf("--log-size-max=%lld", log_size(r)));
		return;
	}
	pea_strv_push_take(argv, xasprintf("--log-path=%s", d));
	/* conmon refuses a tag with k8s-file alone: only the journal gets it */
	if (strcmp(d, "journald") == 0 &&
	    pea_json_get_string_opt(r->opts, "opts", "log_tag", &tag, NULL) == 1) {
		_cleanup_json_ struct json_object *ctx =
			tag_context(r->id, r->name, r->image_name ? r->image_name : "",
				    r->image_id ? r->image_id : "");
		_cleanup_error_ struct pea_error *e = NULL;
		_cleanup_free_ char *out = NULL;

		if (render_tag(tag, ctx, &out, &e) < 0) {
			log_warning("%s, ignoring", e->message);
			return;
		}
		pea_strv_push_take(argv, xasprintf("--log-tag=%s", out));
	}
}

/* go-units HumanSize: 4 significant digits, 1000-based ("0B", "10kB", "10.49MB"). */
static char *human_size(double size)
{
	static const char *const abbrs[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
	size_t i = 0;

	while (size >= 1000 && i + 1 < ARRAY_SIZE(abbrs)) {
		size /= 1000;
		i++;
	}
	return xasprintf("%.4g%s", size, abbrs[i]);
}

struct json_object *ctr_log_inspect(const struct global_options *g, const struct ctr_record *r)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *path = ctr_log_path(g, r), *size = NULL;
	const char *tag = NULL;

	(void)pea_json_get_string_opt(r->opts, "opts", "log_tag", &tag, NULL);
	size = human_size(log_size(r) > 0 ? (double)log_size(r) : 0);
	json_object_object_add(o, "Type", json_object_new_string(ctr_log_driver(r)));
	json_object_object_add(o, "Config", NULL);
	json_object_object_add(o, "Path", json_object_new_string(path ? path : ""));
	json_object_object_add(o, "Tag", json_object_new_string(tag ? tag : ""));
	json_object_object_add(o, "Size", json_object_new_string(size));
	return o;
}

int ctr_log_check_readable(const struct ctr_record *r, struct pea_error **err)
{
	const char *d = ctr_log_driver(r);

	if (strcmp(d, "none") == 0 || strcmp(d, "passthrough") == 0)
		return pea_error_new(err, ENODATA,
				     "this container is using the '%s' log driver, cannot read "
				     "logs: this container is not logging output",
				     d);
	return 0;
}
