/*
 * volume create|ls|inspect|rm|prune|exists|export|import|mount|unmount: named
 * volumes (podman-volume(1)).
 * A volume is ROOT/volumes/NAME: its record volume.json (written atomically
 * under ROOT/volumes.lock) and its files in _data, as podman lays them out.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/events.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/volumes-run.h"

#define VOLUME_RECORD	  "volume.json"
#define VOLUME_RECORD_MAX (1u << 20)

static int volumes_lock(const struct global_options *g, int *ret_fd, struct pea_error **err)
{
	_cleanup_free_ char *dir = volumes_root(g), *lock = xasprintf("%s/volumes.lock", g->root);

	/* the root too: --volumepath puts the volumes elsewhere */
	if (frontend_mkdir_p(dir, err) < 0 || frontend_mkdir_p(g->root, err) < 0)
		return -1;
	return pea_lock_at(AT_FDCWD, lock, PEA_LOCK_EXCLUSIVE, false, ret_fd, err) < 0 ? -1 : 0;
}

/* A volume's record with its Mountpoint, as `volume inspect` prints it. */
static int volume_load(const struct global_options *g, const char *name, struct json_object **ret,
		       struct pea_error **err)
{
	_cleanup_free_ char *dir = volumes_root(g), *path = NULL, *data = NULL;
	_cleanup_json_ struct json_object *j = NULL;
	_cleanup_error_ struct pea_error *e = NULL;

	if (!container_name_valid(name))
		return pea_error_new(err, ENOENT,
				     "no volume with name \"%s\" found: no such volume", name);
	path = xasprintf("%s/%s/%s", dir, name, VOLUME_RECORD);
	if (pea_json_parse_file_at(AT_FDCWD, path, VOLUME_RECORD_MAX, &j, &e) < 0) {
		if (e->code == ENOENT)
			return pea_error_new(err, ENOENT,
					     "no volume with name \"%s\" found: no such volume",
					     name);
		return pea_error_new(err, e->code, "%s", e->message);
	}
	if (!j || pea_json_expect_object(j, "", err) < 0)
		return pea_error_new(err, EINVAL, "'%s': not a volume record", path);
	data = xasprintf("%s/%s/_data", dir, name);
	json_object_object_add(j, "Mountpoint", json_object_new_string(data));
	*ret = TAKE_PTR(j);
	return 0;
}

/* Every volume's record, by name. */
static int volumes_list(const struct global_options *g, struct json_object **ret,
			struct pea_error **err)
{
	_cleanup_free_ char *dir = volumes_root(g);
	_cleanup_closedir_ DIR *d = opendir(dir);
	_cleanup_json_ struct json_object *all = json_object_new_array();
	_cleanup_strv_ char **names = NULL;
	struct dirent *e;

	if (!d && errno != ENOENT)
		return pea_error_errno(err, "open '%s'", dir);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && container_name_valid(e->d_name))
			pea_strv_push(&names, e->d_name);
	for (size_t i = 0, n = pea_strv_length(names); names && i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (strcmp(names[k], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[k];
				names[k] = t;
			}
	for (size_t i = 0; names && names[i]; i++) {
		struct json_object *v = NULL;
		if (volume_load(g, names[i], &v, NULL) == 0)
			json_object_array_add(all, v);
	}
	*ret = TAKE_PTR(all);
	return 0;
}

/* The containers whose options mount the volume. */
static char **volume_users(const struct global_options *g, const char *name)
{
	struct ctr_record **v = NULL;
	char **ids = NULL;
	size_t n = 0;

	if (records_list(g, &v, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct json_object *vols = NULL;
		if (!json_object_object_get_ex(v[i]->opts, "volumes", &vols) ||
		    !json_object_is_type(vols, json_type_array))
			continue;
		for (size_t k = 0; k < json_object_array_length(vols); k++) {
			const char *src = NULL;
			if (pea_json_get_string_opt(json_object_array_get_idx(vols, k), "",
						    "source", &src, NULL) == 1 &&
			    strcmp(src, name) == 0) {
				pea_strv_push(&ids, v[i]->id);
				break;
			}
		}
	}
	records_free(v, n);
	return ids;
}

int volume_count_used(const struct global_options *g, size_t *ret_total, size_t *ret_used)
{
	_cleanup_json_ struct json_object *all = NULL;

	*ret_total = *ret_used = 0;
	if (volumes_list(g, &all, NULL) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		const char *name = NULL;
		_cleanup_strv_ char **users = NULL;
		(void)pea_json_get_string_opt(json_object_array_get_idx(all, i), "", "Name", &name,
					      NULL);
		users = name ? volume_users(g, name) : NULL;
		if (users)
			(*ret_used)++;
	}
	*ret_total = json_object_array_length(all);
	return 0;
}

/* ---- create ------------------------------------------------------------- */

/* "k=v" items into an object; a bare "k" is "k": "". */
static int kv_object(char *const *items, const char *what, struct json_object **ret,
		     struct pea_error **err)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; items && items[i]; i++) {
		const char *eq = strchr(items[i], '=');
		_cleanup_free_ char *k =
			xstrndup(items[i], eq ? (size_t)(eq - items[i]) : strlen(items[i]));
		if (!*k) {
			json_object_put(o);
			return pea_error_new(err, EINVAL, "invalid %s \"%s\": no key", what,
					     items[i]);
		}
		json_object_object_add(o, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	*ret = o;
	return 0;
}

int volume_create(const struct global_options *g, const char *name, const char *driver,
		  struct json_object *labels, struct json_object *options, bool ignore,
		  struct pea_error **err)
{
	_cleanup_free_ char *dir = volumes_root(g), *vdir = NULL, *data = NULL;
	_cleanup_free_ char *now = frontend_now();
	_cleanup_json_ struct json_object *rec = json_object_new_object();
	_cleanup_close_ int lock = -1, dfd = -1;
	const char *text;

	if (volumes_lock(g, &lock, err) < 0)
		return -1;
	vdir = xasprintf("%s/%s", dir, name);
	if (pea_path_exists_at(AT_FDCWD, vdir)) {
		if (ignore)
			return 0;
		return pea_error_new(err, EEXIST,
				     "volume with name %s already exists: volume already exists",
				     name);
	}
	data = xasprintf("%s/_data", vdir);
	if (mkdir(vdir, 0700) < 0)
		return pea_error_errno(err, "mkdir '%s'", vdir);
	if (mkdir(data, 0755) < 0) {
		pea_error_errno(err, "mkdir '%s'", data);
		goto fail;
	}
	json_object_object_add(rec, "Name", json_object_new_string(name));
	json_object_object_add(rec, "Driver", json_object_new_string(driver));
	json_object_object_add(rec, "CreatedAt", json_object_new_string(now));
	json_object_object_add(rec, "Labels", json_object_get(labels));
	json_object_object_add(rec, "Scope", json_object_new_string("local"));
	json_object_object_add(rec, "Options", json_object_get(options));
	json_object_object_add(rec, "MountCount", json_object_new_int(0));
	json_object_object_add(rec, "NeedsCopyUp", json_object_new_boolean(true));
	json_object_object_add(rec, "NeedsChown", json_object_new_boolean(true));
	text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	dfd = open(vdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		pea_error_errno(err, "open '%s'", vdir);
		goto fail;
	}
	if (pea_write_file_atomic_at(dfd, VOLUME_RECORD, text, strlen(text), 0600, err) < 0)
		goto fail;
	events_volume(g, "create", name);
	return 0;
fail:
	(void)pea_rm_rf_at(AT_FDCWD, vdir, NULL);
	return -1;
}

/* -o type=bind -o device=DIR: DIR must be there (podman stats it at create). */
static int check_device(struct json_object *options, struct pea_error **err)
{
	const char *type = NULL, *device = NULL;
	struct stat st;

	(void)pea_json_get_string_opt(options, "", "type", &type, NULL);
	(void)pea_json_get_string_opt(options, "", "device", &device, NULL);
	if (!type || strcmp(type, "bind") != 0 || !device)
		return 0;
	if (stat(device, &st) < 0)
		return pea_error_new(
			err, errno, "invalid volume option device for driver 'local': stat %s: %s",
			device, errno == ENOENT ? "no such file or directory" : strerror(errno));
	return 0;
}

static const char create_usage[] =
	"Usage: pea volume create [OPTIONS] [NAME]\n"
	"\n"
	"Create a named volume (a random name when none is given).\n"
	"\n"
	"  -d, --driver=DRIVER   local (the only one)\n"
	"      --ignore          an existing volume of that name is fine\n"
	"  -l, --label=KEY=VALUE a label (repeatable)\n"
	"  -o, --opt=KEY=VALUE   a driver option, recorded (repeatable)\n";

static int volume_create_cmd(struct global_options *g, int argc, char **argv,
			     struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },	 { "driver", required_argument, NULL, 'd' },
		{ "ignore", no_argument, NULL, 'i' },	 { "label", required_argument, NULL, 'l' },
		{ "opt", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **labels = NULL, **options = NULL;
	_cleanup_json_ struct json_object *lj = NULL, *oj = NULL;
	_cleanup_free_ char *name = NULL;
	const char *driver = "local";
	bool ignore = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hd:l:o:", opts, create_usage, &c, err)) == 2) {
		if (c == 'd')
			driver = optarg;
		else if (c == 'i')
			ignore = true;
		else if (c == 'l')
			pea_strv_push(&labels, optarg);
		else if (c == 'o')
			pea_strv_push(&options, optarg);
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind > 1)
		return pea_error_new(err, EINVAL,
				     "too many arguments, create takes at most 1 "
				     "argument");
	if (strcmp(driver, "local") != 0)
		return pea_error_new(err, EINVAL,
				     "volume driver \"%s\": no such volume plugin (only local)",
				     driver);
	name = argc - optind == 1 ? xstrdup(argv[optind]) : frontend_new_id();
	if (!container_name_valid(name))
		return pea_error_new(err, EINVAL,
				     "volume name \"%s\": names must match "
				     "[a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
				     name);
	if (kv_object(labels, "label", &lj, err) < 0 || kv_object(options, "option", &oj, err) < 0)
		return -1;
	if (check_device(oj, err) < 0)
		return -1;
	if (volume_create(g, name, driver, lj, oj, ignore, err) < 0)
		return -1;
	printf("%s\n", name);
	return 0;
}

/* ---- ls, inspect, exists ------------------------------------------------ */

/* --filter name=, label=, driver=, dangling=: does the volume pass every one? */
static int filter_match(const struct global_options *g, struct json_object *v, char *const *filters,
			bool *ret, struct pea_error **err)
{
	const char *name = NULL, *driver = NULL;
	struct json_object *labels = NULL;

	(void)pea_json_get_string_opt(v, "", "Name", &name, NULL);
	(void)pea_json_get_string_opt(v, "", "Driver", &driver, NULL);
	(void)json_object_object_get_ex(v, "Labels", &labels);
	*ret = true;
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '='), *val = eq ? eq + 1 : "";
		size_t kl = eq ? (size_t)(eq - filters[i]) : strlen(filters[i]);
		if (kl == 4 && strncmp(filters[i], "name", 4) == 0) {
			/* a regular expression, as podman's (unanchored) */
			regex_t re;
			if (regcomp(&re, val, REG_EXTENDED | REG_NOSUB) != 0)
				return pea_error_new(err, EINVAL, "invalid name filter \"%s\"",
						     val);
			*ret = *ret && name && regexec(&re, name, 0, NULL, 0) == 0;
			regfree(&re);
		} else if (kl == 6 && strncmp(filters[i], "driver", 6) == 0) {
			*ret = *ret && driver && strcmp(driver, val) == 0;
		} else if (kl == 5 && strncmp(filters[i], "label", 5) == 0) {
			const char *leq = strchr(val, '=');
			_cleanup_free_ char *k =
				xstrndup(val, leq ? (size_t)(leq - val) : strlen(val));
			struct json_object *lv = NULL;
			*ret = *ret && labels && json_object_object_get_ex(labels, k, &lv) &&
			       (!leq || strcmp(json_object_get_string(lv), leq + 1) == 0);
		} else if (kl == 8 && strncmp(filters[i], "dangling", 8) == 0) {
			_cleanup_strv_ char **users = name ? volume_users(g, name) : NULL;
			bool want;
			if (parse_bool_arg("--filter dangling", val, &want, err) < 0)
				return -1;
			*ret = *ret && (users == NULL) == want;
		} else {
			return pea_error_new(err, EINVAL, "invalid filter \"%.*s\"", (int)kl,
					     filters[i]);
		}
	}
	return 0;
}

static const char *volume_header(const char *field)
{
	if (strcmp(field, "Name") == 0)
		return "VOLUME NAME";
	if (strcmp(field, "Driver") == 0)
		return "DRIVER";
	if (strcmp(field, "Mountpoint") == 0)
		return "MOUNT POINT";
	if (strcmp(field, "CreatedAt") == 0)
		return "CREATED AT";
	return NULL;
}

enum { OPT_FORMAT = 256, OPT_FILTER };

static int volume_ls(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "filter", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "noheading", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *all = NULL, *items = json_object_new_array();
	_cleanup_strv_ char **filters = NULL;
	_cleanup_free_ char *format = NULL;
	struct template *t = NULL;
	bool quiet = false, noheading = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:qn", opts,
			       "Usage: pea volume ls [OPTIONS]\n\nList volumes.\n\n"
			       "  -f, --filter=KEY=VALUE  name, label, driver, dangling\n"
			       "      --format=FORMAT     Go template ({{.Name}}, {{.Driver}}, "
			       "{{.Mountpoint}}) or json\n"
			       "  -n, --noheading         no header row\n"
			       "  -q, --quiet             the names only\n",
			       &c, err)) == 2) {
		if (c == 'f')
			pea_strv_push(&filters, optarg);
		else if (c == 'q')
			quiet = true;
		else if (c == 'n')
			noheading = true;
		else if (c == OPT_FORMAT) {
			free(format);
			format = xstrdup(optarg);
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (volumes_list(g, &all, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *v = json_object_array_get_idx(all, i);
		bool ok = true;
		if (filter_match(g, v, filters, &ok, err) < 0)
			return -1;
		if (ok)
			json_object_array_add(items, json_object_get(v));
	}
	if (format && strcmp(format, "json") == 0) {
		fmt_print_json(stdout, items);
		return 0;
	}
	if (!format)
		format = xstrdup(quiet ? "{{.Name}}" : "table {{.Driver}}\t{{.Name}}");
	if (template_parse(format, volume_header, &t, err) < 0)
		return -1;
	if (noheading)
		template_drop_header(t);
	template_set_context(t, "ls", "volumes.volumeReporter");
	r = template_print(stdout, t, items, err);
	template_free(t);
	return r;
}

static int volume_inspect(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *out = json_object_new_array();
	_cleanup_free_ char *format = NULL;
	struct template *t = NULL;
	bool all = false;
	int r, c = 0, status = 0;

	optind = 0;
	while ((r = cmd_getopt(
			argc, argv, "hf:a", opts,
			"Usage: pea volume inspect [OPTIONS] VOLUME [VOLUME...]\n\n"
			"Show volumes as JSON.\n\n"
			"  -a, --all             every volume\n"
			"  -f, --format=FORMAT   Go template ({{.Mountpoint}}, ...) or json\n",
			&c, err)) == 2) {
		if (c == 'a')
			all = true;
		else if (c == 'f') {
			free(format);
			format = xstrdup(optarg);
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (!all && optind >= argc)
		return pea_error_new(err, EINVAL, "provide one or more volume names or use --all");
	if (all) {
		json_object_put(out);
		if (volumes_list(g, &out, err) < 0)
			return -1;
	}
	for (int i = optind; !all && i < argc; i++) {
		struct json_object *v = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		if (volume_load(g, argv[i], &v, &e) < 0) {
			if (argc - optind == 1) {
				*err = TAKE_PTR(e);
				return -1;
			}
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		json_object_array_add(out, v);
	}
	if (!format || strcmp(format, "json") == 0) {
		fmt_print_json(stdout, out);
		return status;
	}
	if (template_parse(format, volume_header, &t, err) < 0)
		return -1;
	template_set_context(t, "inspect", "*entities.VolumeInspectReport");
	r = template_print(stdout, t, out, err);
	template_free(t);
	return r < 0 ? -1 : status;
}

static int volume_exists(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_json_ struct json_object *v = NULL;
	_cleanup_error_ struct pea_error *e = NULL;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cmd_print_help(stdout, "Usage: pea volume exists VOLUME\n\nExit 0 when the volume "
				       "exists, 1 when not.\n");
		return 0;
	}
	if (argc != 2)
		return check_nargs(argc - 1, 1, 1, err);
	if (volume_load(g, argv[1], &v, &e) == 0)
		return 0;
	if (e->code == ENOENT)
		return 1;
	*err = TAKE_PTR(e);
	return -1;
}

/* ---- rm, prune --------------------------------------------------------- */

/* Remove a volume; force removes the containers that use it first. */
static int volume_remove(struct global_options *g, const char *name, bool force,
			 struct pea_error **err)
{
	_cleanup_free_ char *dir = volumes_root(g), *vdir = NULL, *data = NULL;
	_cleanup_json_ struct json_object *v = NULL;
	_cleanup_strv_ char **users = NULL;
	_cleanup_close_ int lock = -1;

	if (volume_load(g, name, &v, err) < 0)
		return -1;
	users = volume_users(g, name);
	if (users && !force)
		return pea_error_new(err, EBUSY,
				     "volume %s is being used by the following container(s): %s: "
				     "volume is being used",
				     name, users[0]);
	for (size_t i = 0; users && users[i]; i++) {
		_cleanup_record_ struct ctr_record *r = NULL;
		_cleanup_close_ int rlock = -1;
		if (container_stop(g, users[i], 0, err) < 0 || records_lock(g, &rlock, err) < 0 ||
		    record_load(g, users[i], &r, err) < 0 || container_remove(g, r, err) < 0)
			return pea_error_wrap(err, "removing container %s of volume %s", users[i],
					      name);
	}
	if (volumes_lock(g, &lock, err) < 0)
		return -1;
	vdir = xasprintf("%s/%s", dir, name);
	/* a volume of -o type=tmpfs (another file system) is mounted on its _data from its first
	 * use */
	data = xasprintf("%s/_data", vdir);
	if (umount2(data, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return pea_error_errno(err, "unmount volume %s", name);
	if (pea_rm_rf_at(AT_FDCWD, vdir, err) < 0)
		return -1;
	events_volume(g, "remove", name);
	return 0;
}

/* -t N: podman's uint; pea stops the containers of a volume at once (SIGKILL). */
static int parse_stop_time(const char *s, struct pea_error **err)
{
	char *end = NULL;

	errno = 0;
	(void)strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno)
		return pea_error_new(err, EINVAL,
				     "invalid argument \"%s\" for \"-t, --time\" flag: "
				     "strconv.ParseUint: parsing \"%s\": invalid syntax",
				     s, s);
	return 0;
}

/* podman-volume-rm(1)'s exit status: 1 no such volume, 2 in use, 125 other. */
static int volume_rm_status(const struct pea_error *e)
{
	return e->code == ENOENT ? 1 : e->code == EBUSY ? 2 : PEA_EXIT_ENGINE;
}

static const char volume_rm_usage[] =
	"Usage: pea volume rm [OPTIONS] VOLUME [VOLUME...]\n\n"
	"Remove volumes.\n\n"
	"  -a, --all      every volume\n"
	"  -f, --force    remove the containers that use them first; a missing volume is fine\n"
	"  -t, --time=N   seconds to wait for those containers to stop (pea kills them)\n";

static int volume_rm(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "time", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **targets = NULL;
	bool all = false, force = false;
	int r, c = 0, status = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "haft:", opts, volume_rm_usage, &c, err)) == 2) {
		if (c == 'a')
			all = true;
		else if (c == 'f')
			force = true;
		else if (c == 't' && parse_stop_time(optarg, err) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (all == (optind < argc))
		return pea_error_new(err, EINVAL, "choose either one or more volumes or all");
	if (all) {
		_cleanup_json_ struct json_object *vs = NULL;
		if (volumes_list(g, &vs, err) < 0)
			return -1;
		for (size_t i = 0; i < json_object_array_length(vs); i++)
			pea_strv_push(&targets, json_object_get_string(json_object_object_get(
							json_object_array_get_idx(vs, i), "Name")));
	} else {
		for (int i = optind; i < argc; i++)
			pea_strv_push(&targets, argv[i]);
	}
	for (size_t i = 0; targets && targets[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (volume_remove(g, targets[i], force, &e) == 0) {
			printf("%s\n", targets[i]);
			continue;
		}
		if (force && e->code == ENOENT)
			continue; /* podman: --force passes over volumes that are not there */
		/* one failure alone is the command's error, as podman reports it */
		if (!targets[i + 1] && status == 0) {
			g->error_status = volume_rm_status(e);
			*err = TAKE_PTR(e);
			return -1;
		}
		fprintf(stderr, "Error: %s\n", e->message);
		if (status == 0)
			status = volume_rm_status(e);
	}
	return status;
}

/* The volumes a prune would remove now: matching the filters, used by no container. */
static int volume_prunable(struct global_options *g, char *const *filters, char ***ret,
			   struct pea_error **err)
{
	_cleanup_json_ struct json_object *all = NULL;
	_cleanup_strv_ char **names = NULL;

	if (volumes_list(g, &all, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *v = json_object_array_get_idx(all, i);
		_cleanup_strv_ char **users = NULL;
		const char *name = NULL;
		bool ok = true;

		if (filter_match(g, v, filters, &ok, err) < 0)
			return -1;
		(void)pea_json_get_string_opt(v, "", "Name", &name, NULL);
		users = name ? volume_users(g, name) : NULL;
		if (ok && name && !users)
			pea_strv_push(&names, name);
	}
	*ret = TAKE_PTR(names);
	return 0;
}

int volume_prune_all(struct global_options *g, char *const *filters, bool print,
		     struct pea_error **err)
{
	_cleanup_strv_ char **names = NULL;
	int status = 0;

	if (volume_prunable(g, filters, &names, err) < 0)
		return -1;
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (volume_remove(g, names[i], false, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		if (print)
			printf("%s\n", names[i]);
	}
	return status;
}

static int volume_prune(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "force", no_argument, NULL, 'f' },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **filters = NULL, **names = NULL;
	_cleanup_free_ char *warning = NULL, *list = NULL;
	bool force = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf", opts,
			       "Usage: pea volume prune [OPTIONS]\n\n"
			       "Remove every volume no container uses.\n\n"
			       "  -f, --force             do not ask for confirmation\n"
			       "      --filter=KEY=VALUE  name, label, driver\n",
			       &c, err)) == 2) {
		if (c == 'f')
			force = true;
		else if (c == OPT_FILTER)
			pea_strv_push(&filters, optarg);
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (!force) {
		/* podman names them before it asks */
		if (volume_prunable(g, filters, &names, err) < 0)
			return -1;
		list = names ? pea_strv_join(names, "\n") : xstrdup("");
		warning =
			xasprintf("WARNING! This will remove all volumes not used by at least one "
				  "container. The following volumes will be removed:\n%s%s",
				  list, *list ? "\n" : "");
		if (!confirm_unless(false, warning))
			return 0;
	}
	return volume_prune_all(g, filters, true, err);
}

/* ---- the command ------------------------------------------------------- */

static const char volume_usage[] = "Usage: pea volume COMMAND\n"
				   "\n"
				   "Manage volumes.\n"
				   "\n"
				   "Commands:\n"
				   "  create    create a volume\n"
				   "  exists    tell whether a volume exists\n"
				   "  export    write the files of a volume as a tar\n"
				   "  import    unpack a tar into a volume\n"
				   "  inspect   show volumes as JSON\n"
				   "  ls, list  list volumes\n"
				   "  mount     print where the files of volumes are\n"
				   "  prune     remove the volumes no container uses\n"
				   "  rm        remove volumes\n"
				   "  unmount   undo mount\n";

/* ---- export, import ----------------------------------------------------- */

/* The folder that holds a volume's files (volume_source: mounted if its type asks). */
static int volume_data_path(const struct global_options *g, const char *name, char **ret,
			    struct pea_error **err)
{
	_cleanup_json_ struct json_object *v = NULL;

	if (volume_load(g, name, &v, err) < 0)
		return -1;
	return volume_source(g, name, ret, err);
}

static int volume_data_fd(const struct global_options *g, const char *name, int *ret_fd,
			  struct pea_error **err)
{
	_cleanup_free_ char *dir = NULL;
	int fd;

	if (volume_data_path(g, name, &dir, err) < 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	*ret_fd = fd;
	return 0;
}

/* ---- mount, unmount ---------------------------------------------------- */

/*
 * A local volume's files are always there (pea mounts nothing for it): mount
 * prints where they are, unmount the names, as podman's for such volumes.
 */
static int volume_mount_cmd(struct global_options *g, int argc, char **argv, bool mount,
			    struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **out = NULL;
	int r, c = 0;

	optind = 0;
	r = cmd_getopt(argc, argv, "h", opts,
		       mount ? "Usage: pea volume mount VOLUME [VOLUME...]\n\n"
			       "Print where the files of volumes are on the host (mounted first\n"
			       "when made with -o type=TYPE).\n"
			     : "Usage: pea volume unmount VOLUME [VOLUME...]\n\n"
			       "Undo volume mount (nothing to undo for a local volume).\n",
		       &c, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind >= argc)
		return check_nargs(0, 1, -1, err);
	/* every name checked before anything is printed */
	for (int i = optind; i < argc; i++) {
		char *dir = NULL;
		if (volume_data_path(g, argv[i], &dir, err) < 0)
			return -1;
		pea_strv_push_take(&out, mount ? dir : xstrdup(argv[i]));
		if (!mount)
			free(dir);
	}
	for (size_t i = 0; out && out[i]; i++)
		printf("%s\n", out[i]);
	return 0;
}

static int volume_mount(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return volume_mount_cmd(g, argc, argv, true, err);
}

static int volume_unmount(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return volume_mount_cmd(g, argc, argv, false, err);
}

static const char export_usage[] = "Usage: pea volume export [OPTIONS] VOLUME\n\n"
				   "Write the files of a volume as a tar.\n\n"
				   "  -o, --output=FILE   to FILE, not standard output\n";

static int volume_export(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_close_ int data = -1, out = -1;
	const char *output = NULL;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "ho:", opts, export_usage, &c, err)) == 2)
		if (c == 'o')
			output = optarg;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	if (volume_data_fd(g, argv[optind], &data, err) < 0)
		return -1;
	if (!output && isatty(STDOUT_FILENO))
		return pea_error_new(
			err, EINVAL,
			"cannot write to terminal, use command-line redirection or the "
			"--output flag");
	if (output) {
		out = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0)
			return pea_error_errno(err, "open '%s'", output);
	}
	fflush(stdout);
	if (cp_write_tar(data, ".", ".", output ? out : STDOUT_FILENO, err) < 0)
		return pea_error_wrap(err, "volume %s", argv[optind]);
	return 0;
}

static int volume_import(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_close_ int data = -1, in = -1;
	struct switches o;
	const char *src;
	int r;

	r = cmd_switches(argc, argv, "",
			 "Usage: pea volume import VOLUME SOURCE\n\n"
			 "Unpack a tar (a file, or - for standard input) into a volume.\n",
			 &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind != 2)
		return check_nargs(argc - optind, 2, 2, err);
	src = argv[optind + 1];
	if (volume_data_fd(g, argv[optind], &data, err) < 0)
		return -1;
	if (strcmp(src, "-") != 0) {
		in = open(src, O_RDONLY | O_CLOEXEC);
		if (in < 0)
			return pea_error_errno(err, "open '%s'", src);
	}
	if (cp_read_tar(data, in >= 0 ? in : STDIN_FILENO, err) < 0)
		return pea_error_wrap(err, "volume %s", argv[optind]);
	return 0;
}

int cmd_volume(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "create", volume_create_cmd },
		{ "exists", volume_exists },
		{ "export", volume_export },
		{ "import", volume_import },
		{ "inspect", volume_inspect },
		{ "list", volume_ls },
		{ "ls", volume_ls },
		{ "mount", volume_mount },
		{ "prune", volume_prune },
		{ "remove", volume_rm },
		{ "rm", volume_rm },
		{ "umount", volume_unmount },
		{ "unmount", volume_unmount },
	};

	return cmd_dispatch(g, "volume", volume_usage, sub, ARRAY_SIZE(sub), argc, argv, err);
}
