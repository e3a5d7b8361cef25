/*
 * pea secret create|ls|inspect|rm: podman's secrets with its file driver. The
 * records are ROOT/secrets/secrets.json in podman's layout ({"secrets": {ID:
 * record}, "nameToID", "idToName"}), written atomically under
 * ROOT/secrets/secrets.lock; the data of a secret is ROOT/secrets/filedriver/ID
 * (0600).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/secret.h"

#define SECRET_MAX   512000 /* podman's limit of a secret's data */
#define RECORDS_MAX  (16u << 20)
#define SECRET_IDLEN 25

static const char secret_usage[] = "Usage: pea secret COMMAND\n"
				   "\n"
				   "Manage secrets.\n"
				   "\n"
				   "Commands:\n"
				   "  create      create a secret\n"
				   "  inspect     show secrets as JSON\n"
				   "  ls          list secrets\n"
				   "  rm          remove secrets\n";

/* ---- the records ------------------------------------------------------------ */

struct secrets {
	char *dir;   /* ROOT/secrets */
	int lock_fd; /* held while the records are read and written */
	struct json_object *doc;
};

static void secrets_close(struct secrets *s)
{
	free(s->dir);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	json_object_put(s->doc);
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
}

static struct json_object *doc_map(struct json_object *doc, const char *key)
{
	struct json_object *m = NULL;

	if (!json_object_object_get_ex(doc, key, &m) || !json_object_is_type(m, json_type_object)) {
		m = json_object_new_object();
		json_object_object_add(doc, key, m);
	}
	return m;
}

/*
 * Data that no record names: create writes the data before the records, rm the
 * records before unlinking the data (and an atomic write leaves a temporary
 * behind when killed), so a crash in between leaves a secret's bytes that no
 * rm would ever reach. Under the lock (shared or exclusive: no writer is in
 * between), anything in filedriver/ that the records do not name goes.
 */
static void secrets_sweep(struct secrets *s)
{
	_cleanup_free_ char *path = xasprintf("%s/filedriver", s->dir);
	_cleanup_closedir_ DIR *d = opendir(path);
	struct json_object *recs = doc_map(s->doc, "secrets");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    json_object_object_get_ex(recs, e->d_name, NULL))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
			log_warning("removing %s/%s, a secret's data no record names: %m, ignoring",
				    path, e->d_name);
	}
}

static int secrets_open(const struct global_options *g, bool write, struct secrets *s,
			struct pea_error **err)
{
	_cleanup_free_ char *file = NULL;

	s->lock_fd = -1;
	s->dir = xasprintf("%s/secrets", g->root);
	if (write && frontend_mkdir_p(s->dir, err) < 0)
		return -1;
	if (!write && !pea_path_exists_at(AT_FDCWD, s->dir)) {
		s->doc = json_object_new_object();
		return 0;
	}
	if (pea_lock_at(AT_FDCWD, file = xasprintf("%s/secrets.lock", s->dir),
			write ? PEA_LOCK_EXCLUSIVE : PEA_LOCK_SHARED, false, &s->lock_fd, err) < 0)
		return -1;
	free(file);
	file = xasprintf("%s/secrets.json", s->dir);
	if (!pea_path_exists_at(AT_FDCWD, file))
		s->doc = json_object_new_object();
	else if (pea_json_parse_file_at(AT_FDCWD, file, RECORDS_MAX, &s->doc, err) < 0)
		return -1;
	if (!json_object_is_type(s->doc, json_type_object))
		return pea_error_new(err, EINVAL, "'%s': not a JSON object", file);
	doc_map(s->doc, "secrets");
	doc_map(s->doc, "nameToID");
	doc_map(s->doc, "idToName");
	secrets_sweep(s);
	return 0;
}

static int secrets_save(struct secrets *s, struct pea_error **err)
{
	_cleanup_free_ char *file = xasprintf("%s/secrets.json", s->dir);
	const char *text = json_object_to_json_string_ext(
		s->doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

	return pea_write_file_atomic_at(AT_FDCWD, file, text, strlen(text), 0600, err);
}

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The record of a secret by name, id or unique id prefix; ENOENT podman's words. */
static int secret_find(struct secrets *s, const char *what, struct json_object **ret,
		       struct pea_error **err)
{
	struct json_object *all = doc_map(s->doc, "secrets"), *hit = NULL;
	const char *id = str_of(doc_map(s->doc, "nameToID"), what);
	size_t n = 0;

	if (id && json_object_object_get_ex(all, id, &hit)) {
		*ret = hit;
		return 0;
	}
	json_object_object_foreach(all, k, v)
	{
		if (*what && strncmp(k, what, strlen(what)) == 0) {
			hit = v;
			n++;
		}
	}
	if (n == 1) {
		*ret = hit;
		return 0;
	}
	if (n > 1)
		return pea_error_new(err, EINVAL, "more than one result secret with prefix %s",
				     what);
	return pea_error_new(err, ENOENT, "no secret with name or id \"%s\": no such secret", what);
}

/* podman's rule: 1 to 64 of [a-zA-Z0-9-_.], starting and ending with [a-zA-Z0-9]. */
static bool name_is_valid(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 64 || !isalnum((unsigned char)n[0]) ||
	    !isalnum((unsigned char)n[len - 1]))
		return false;
	return strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
	       len;
}

/* The secret's JSON as podman's inspect shows it. */
static struct json_object *inspect_json(struct secrets *s, struct json_object *rec)
{
	struct json_object *o = json_object_new_object(), *spec = json_object_new_object();
	struct json_object *drv = json_object_new_object(), *opts = NULL, *labels = NULL;
	const char *created = str_of(rec, "createdAt");

	json_object_object_add(o, "ID", json_object_new_string(str_of(rec, "id")));
	json_object_object_add(o, "CreatedAt", json_object_new_string(created ? created : ""));
	json_object_object_add(o, "UpdatedAt", json_object_new_string(created ? created : ""));
	json_object_object_add(spec, "Name", json_object_new_string(str_of(rec, "name")));
	json_object_object_add(drv, "Name", json_object_new_string(str_of(rec, "driver")));
	if (!json_object_object_get_ex(rec, "driverOptions", &opts))
		opts = NULL;
	json_object_object_add(drv, "Options",
			       opts ? json_object_get(opts) : json_object_new_object());
	json_object_object_add(spec, "Driver", drv);
	if (!json_object_object_get_ex(rec, "labels", &labels))
		labels = NULL;
	json_object_object_add(spec, "Labels",
			       labels ? json_object_get(labels) : json_object_new_object());
	json_object_object_add(o, "Spec", spec);
	(void)s;
	return o;
}

/* ---- create ----------------------------------------------------------------- */

enum { OPT_DRIVER_OPTS = 256, OPT_ENV, OPT_FORMAT, OPT_FILTER, OPT_NOHEADING };

struct create_opts {
	const char *driver;
	char **labels;
	char **driver_opts;
	bool env;
};

/* The secret's data: the file, standard input ("-") or (--env) the variable. */
static int read_data(const struct create_opts *o, const char *src, char **ret, size_t *ret_len,
		     struct pea_error **err)
{
	if (o->env) {
		const char *v = getenv(src);
		if (!v)
			return pea_error_new(err, ENOENT,
					     "cannot create store secret data: "
					     "environment variable %s is not set",
					     src);
		*ret = xstrdup(v);
		*ret_len = strlen(v);
		return 0;
	}
	if ((strcmp(src, "-") == 0
		     ? pea_read_all(STDIN_FILENO, SECRET_MAX, ret, ret_len, err)
		     : pea_read_file_at(AT_FDCWD, src, SECRET_MAX, ret, ret_len, err)) == 0)
		return 0;
	if ((*err)->code == EFBIG) { /* podman's words for it */
		*err = pea_error_free(*err);
		return pea_error_new(err, EFBIG,
				     "secret data must be larger than 0 and less than %d bytes",
				     SECRET_MAX);
	}
	return -1;
}

static int parse_create(int argc, char **argv, struct create_opts *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "driver", required_argument, NULL, 'd' },
		{ "driver-opts", required_argument, NULL, OPT_DRIVER_OPTS },
		{ "env", no_argument, NULL, OPT_ENV },
		{ "label", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int rc, c = 0;

	o->driver = "file";
	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "hd:l:", opts,
				"Usage: pea secret create [options] NAME FILE|-\n"
				"\n"
				"Create a secret from a file, standard input (-) or (--env) an\n"
				"environment variable; print its ID.\n"
				"\n"
				"Options:\n"
				"  -d, --driver=DRIVER      file (the only one)\n"
				"      --driver-opts=K=V    options of the driver (none for file)\n"
				"      --env                FILE names an environment variable\n"
				"  -l, --label=KEY=VALUE    a label (repeatable)\n",
				&c, err)) == 2) {
		if (c == 'd')
			o->driver = optarg;
		else if (c == 'l')
			pea_strv_push(&o->labels, optarg);
		else if (c == OPT_DRIVER_OPTS)
			pea_strv_push(&o->driver_opts, optarg);
		else
			o->env = true;
	}
	if (rc != 0)
		return rc;
	if (argc - optind != 2)
		return check_nargs(argc - optind, 2, 2, err);
	if (strcmp(o->driver, "file") != 0)
		return pea_error_new(err, EINVAL, "secret driver '%s' is not supported: use file",
				     o->driver);
	if (o->driver_opts)
		return pea_error_new(err, EINVAL, "--driver-opts: the file driver has no options");
	for (size_t i = 0; o->labels && o->labels[i]; i++)
		if (o->labels[i][0] == '=')
			return pea_error_new(err, EINVAL, "invalid label '%s'", o->labels[i]);
	return 0;
}

static int secret_create(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct create_opts o = { 0 };
	struct secrets s = { .lock_fd = -1 };
	_cleanup_free_ char *data = NULL, *id = NULL, *file = NULL, *now = NULL, *full = NULL;
	struct json_object *rec = NULL, *opts = NULL, *found = NULL;
	const char *name;
	size_t len = 0;
	int r = -1;

	r = parse_create(argc, argv, &o, err);
	if (r != 0) {
		r = r < 0 ? -1 : 0;
		goto out;
	}
	r = -1;
	name = argv[optind];
	if (!name_is_valid(name)) {
		pea_error_new(err, EINVAL,
			      "only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end "
			      "character must be [a-zA-Z0-9]: %s: invalid secret name",
			      name);
		goto out;
	}
	if (read_data(&o, argv[optind + 1], &data, &len, err) < 0)
		goto out;
	if (len == 0 || len >= SECRET_MAX) {
		pea_error_new(err, EINVAL,
			      "secret data must be larger than 0 and less than %d bytes",
			      SECRET_MAX);
		goto out;
	}
	if (secrets_open(g, true, &s, err) < 0)
		goto out;
	if (str_of(doc_map(s.doc, "nameToID"), name)) {
		pea_error_new(err, EEXIST, "%s: secret name in use", name);
		goto out;
	}
	full = frontend_new_id();
	id = xstrndup(full, SECRET_IDLEN);
	while (secret_find(&s, id, &found, NULL) == 0) { /* an id prefix taken: another */
		free(full);
		free(id);
		full = frontend_new_id();
		id = xstrndup(full, SECRET_IDLEN);
	}
	file = xasprintf("%s/filedriver", s.dir);
	if (frontend_mkdir_p(file, err) < 0)
		goto out;
	free(file);
	file = xasprintf("%s/filedriver/%s", s.dir, id);
	if (pea_write_file_atomic_at(AT_FDCWD, file, data, len, 0600, err) < 0)
		goto out;
	now = frontend_now();
	rec = json_object_new_object();
	json_object_object_add(rec, "name", json_object_new_string(name));
	json_object_object_add(rec, "id", json_object_new_string(id));
	json_object_object_add(rec, "labels", frontend_labels_json(o.labels));
	json_object_object_add(rec, "metadata", json_object_new_object());
	json_object_object_add(rec, "createdAt", json_object_new_string(now));
	json_object_object_add(rec, "driver", json_object_new_string("file"));
	opts = json_object_new_object();
	{
		_cleanup_free_ char *p = xasprintf("%s/filedriver", s.dir);
		json_object_object_add(opts, "path", json_object_new_string(p));
	}
	json_object_object_add(rec, "driverOptions", opts);
	json_object_object_add(doc_map(s.doc, "secrets"), id, rec);
	json_object_object_add(doc_map(s.doc, "nameToID"), name, json_object_new_string(id));
	json_object_object_add(doc_map(s.doc, "idToName"), id, json_object_new_string(name));
	if (secrets_save(&s, err) < 0) {
		(void)unlink(file);
		goto out;
	}
	printf("%s\n", id);
	r = 0;
out:
	secrets_close(&s);
	pea_strv_free(o.labels);
	pea_strv_free(o.driver_opts);
	return r;
}

/* ---- ls, inspect ------------------------------------------------------------ */

static const char *secret_header(const char *field)
{
	if (strcmp(field, "CreatedAt") == 0)
		return "CREATED";
	if (strcmp(field, "UpdatedAt") == 0)
		return "UPDATED";
	return NULL;
}

/* podman's ls reporter: ID, Name, Driver, CreatedAt and UpdatedAt as "N ago". */
static struct json_object *ls_item(struct json_object *rec)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *d = fmt_human_duration(frontend_now_seconds() -
						    frontend_parse_time(str_of(rec, "createdAt")));
	_cleanup_free_ char *ago = xasprintf("%s ago", d);

	json_object_object_add(o, "ID", json_object_new_string(str_of(rec, "id")));
	json_object_object_add(o, "Name", json_object_new_string(str_of(rec, "name")));
	json_object_object_add(o, "Driver", json_object_new_string(str_of(rec, "driver")));
	json_object_object_add(o, "CreatedAt", json_object_new_string(ago));
	json_object_object_add(o, "UpdatedAt", json_object_new_string(ago));
	return o;
}

/* --filter name=N / id=I (podman's: a prefix of either). */
static int filter_ok(struct json_object *rec, char *const *filters, bool *ret,
		     struct pea_error **err)
{
	*ret = true;
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *f = filters[i], *v = strchr(f, '=');
		const char *have = NULL;
		if (v && strncmp(f, "name=", 5) == 0)
			have = str_of(rec, "name");
		else if (v && strncmp(f, "id=", 3) == 0)
			have = str_of(rec, "id");
		else
			return pea_error_new(err, EINVAL,
					     "invalid filter \"%s\": use name= or id=", f);
		if (strncmp(have ? have : "", v + 1, strlen(v + 1)) != 0)
			*ret = false;
	}
	return 0;
}

/* The ls items of the secrets filters keep. */
static int collect_ls(struct secrets *s, char *const *filters, struct json_object *items,
		      struct pea_error **err)
{
	json_object_object_foreach(doc_map(s->doc, "secrets"), k, rec)
	{
		bool ok = true;
		(void)k;
		if (filter_ok(rec, filters, &ok, err) < 0)
			return -1;
		if (ok)
			json_object_array_add(items, ls_item(rec));
	}
	return 0;
}

static int secret_ls(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "filter", required_argument, NULL, 'f' },
		{ "noheading", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *items = json_object_new_array();
	_cleanup_strv_ char **filters = NULL;
	struct secrets s = { .lock_fd = -1 };
	const char *format = NULL;
	struct template *t = NULL;
	bool quiet = false, noheading = false;
	int rc, r = -1, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(
			argc, argv, "hf:nq", opts,
			"Usage: pea secret ls [options]\n"
			"\n"
			"List secrets.\n"
			"\n"
			"Options:\n"
			"  -f, --filter=KEY=VALUE  name= or id= (a prefix)\n"
			"      --format=FORMAT     Go template ({{.ID}}, {{.Name}}, {{.Driver}},\n"
			"                          {{.CreatedAt}}, {{.UpdatedAt}}) or json\n"
			"  -n, --noheading         no header row\n"
			"  -q, --quiet             the IDs only\n",
			&c, err)) == 2) {
		if (c == 'f')
			pea_strv_push(&filters, optarg);
		else if (c == 'n')
			noheading = true;
		else if (c == 'q')
			quiet = true;
		else
			format = optarg;
	}
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (secrets_open(g, false, &s, err) < 0)
		goto out;
	if (collect_ls(&s, filters, items, err) < 0)
		goto out;
	if (format && strcmp(format, "json") == 0) {
		fmt_print_json(stdout, items);
		r = 0;
		goto out;
	}
	if (!format)
		format = quiet ? "{{.ID}}"
			       : "table "
				 "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}";
	if (template_parse(format, secret_header, &t, err) < 0)
		goto out;
	if (noheading)
		template_drop_header(t);
	template_set_context(t, "ls", "secrets.secretListReporter");
	r = template_print(stdout, t, items, err);
	template_free(t);
out:
	secrets_close(&s);
	return r;
}

static int secret_inspect(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *out = json_object_new_array();
	struct secrets s = { .lock_fd = -1 };
	const char *format = NULL;
	struct template *t = NULL;
	int rc, r = -1, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "hf:", opts,
				"Usage: pea secret inspect [options] SECRET [SECRET...]\n"
				"\n"
				"Show secrets (not their data) as JSON.\n"
				"\n"
				"Options:\n"
				"  -f, --format=FORMAT   Go template ({{.ID}}, {{.Spec.Name}}, "
				"...) or json\n",
				&c, err)) == 2)
		format = optarg;
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (optind >= argc)
		return check_nargs(0, 1, -1, err);
	if (secrets_open(g, false, &s, err) < 0)
		goto out;
	for (int i = optind; i < argc; i++) {
		struct json_object *rec = NULL;
		if (secret_find(&s, argv[i], &rec, err) < 0) {
			pea_error_wrap(err, "inspecting secret");
			goto out;
		}
		json_object_array_add(out, inspect_json(&s, rec));
	}
	if (!format || strcmp(format, "json") == 0) {
		fmt_print_json(stdout, out);
		r = 0;
		goto out;
	}
	if (template_parse(format, NULL, &t, err) < 0)
		goto out;
	template_set_context(t, "inspect", "*entities.SecretInfoReport");
	r = template_print(stdout, t, out, err);
	template_free(t);
out:
	secrets_close(&s);
	return r;
}

/* ---- rm --------------------------------------------------------------------- */

static int secret_rm(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **ids = NULL;
	struct secrets s = { .lock_fd = -1 };
	bool all = false;
	int rc, r = -1, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "ha", opts,
				"Usage: pea secret rm [options] SECRET [SECRET...]\n"
				"\n"
				"Remove secrets (their data too).\n"
				"\n"
				"Options:\n"
				"  -a, --all   remove every secret\n",
				&c, err)) == 2)
		all = true;
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (all && optind < argc)
		return pea_error_new(err, EINVAL,
				     "secret rm: --all and secrets cannot be used "
				     "together");
	if (!all && optind >= argc)
		return check_nargs(0, 1, -1, err);
	if (secrets_open(g, true, &s, err) < 0)
		goto out;
	/* every name known before anything is removed */
	if (all) {
		json_object_object_foreach(doc_map(s.doc, "secrets"), k, v)
		{
			(void)v;
			pea_strv_push(&ids, k);
		}
	}
	for (int i = optind; i < argc; i++) {
		struct json_object *rec = NULL;
		if (secret_find(&s, argv[i], &rec, err) < 0)
			goto out;
		pea_strv_push(&ids, str_of(rec, "id"));
	}
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_free_ char *name =
			xstrdup(str_of(doc_map(s.doc, "idToName"), ids[i]) ?: "");
		json_object_object_del(doc_map(s.doc, "nameToID"), name);
		json_object_object_del(doc_map(s.doc, "idToName"), ids[i]);
		json_object_object_del(doc_map(s.doc, "secrets"), ids[i]);
	}
	if (ids && secrets_save(&s, err) < 0)
		goto out;
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_free_ char *file = xasprintf("%s/filedriver/%s", s.dir, ids[i]);
		if (unlink(file) < 0 && errno != ENOENT)
			log_warning("removing '%s': %m, ignoring", file);
		printf("%s\n", ids[i]);
	}
	r = 0;
out:
	secrets_close(&s);
	return r;
}

/* ---- run/create --secret ------------------------------------------------------ */

static int ref_uint(const char *what, const char *v, int base, long long max, long long *ret,
		    struct pea_error **err)
{
	char *end = NULL;

	errno = 0;
	*ret = strtoll(v, &end, base);
	if (!*v || *end || errno || *ret < 0 || *ret > max)
		return pea_error_new(err, EINVAL, "%s %s invalid: error parsing secret", what, v);
	return 0;
}

/* a mount's target: an absolute path of plain components (no "..", ".", "//", no '/' last) */
static bool target_ok(const char *t)
{
	size_t n = strlen(t);

	return t[0] == '/' && n > 1 && t[n - 1] != '/' && !strstr(t, "//") && !strstr(t, "/../") &&
	       !strstr(t, "/./") && !(n >= 3 && strcmp(t + n - 3, "/..") == 0) &&
	       !(n >= 2 && strcmp(t + n - 2, "/.") == 0);
}

int secret_ref_parse(const struct global_options *g, const char *arg, struct json_object **ret,
		     struct pea_error **err)
{
	_cleanup_strv_ char **parts = pea_strv_split(arg, ",");
	_cleanup_free_ char *source = NULL, *type = NULL, *target = NULL, *tpath = NULL;
	struct secrets s = { .lock_fd = -1 };
	struct json_object *rec = NULL, *ref;
	long long uid = 0, gid = 0, mode = 0444;
	bool mount_only = false;
	size_t i = 0;
	int r = -1;

	if (!parts || !parts[0] || !*arg)
		return pea_error_new(err, EINVAL, "no secret given: error parsing secret");
	if (!strchr(parts[0], '='))
		source = xstrdup(parts[i++]);
	for (; parts[i]; i++) {
		const char *kv = parts[i], *eq = strchr(kv, '=');
		_cleanup_free_ char *k = eq ? xstrndup(kv, (size_t)(eq - kv)) : NULL;
		const char *v = eq ? eq + 1 : NULL;

		if (!eq)
			return pea_error_new(
				err, EINVAL,
				"option %s must be in form option=value: error parsing "
				"secret",
				kv);
		if (strcmp(k, "source") == 0) {
			free(source);
			source = xstrdup(v);
		} else if (strcmp(k, "type") == 0) {
			if (type)
				return pea_error_new(err, EINVAL,
						     "cannot set more than one secret type: error "
						     "parsing secret");
			if (strcmp(v, "mount") != 0 && strcmp(v, "env") != 0)
				return pea_error_new(err, EINVAL,
						     "type %s is invalid: error parsing secret", v);
			type = xstrdup(v);
		} else if (strcmp(k, "target") == 0) {
			free(target);
			target = xstrdup(v);
		} else if (strcmp(k, "mode") == 0) {
			mount_only = true;
			if (ref_uint("mode", v, 8, 07777, &mode, err) < 0)
				return -1;
		} else if (strcmp(k, "uid") == 0 || strcmp(k, "UID") == 0) {
			mount_only = true;
			if (ref_uint("UID", v, 10, 0xffffffffLL, &uid, err) < 0)
				return -1;
		} else if (strcmp(k, "gid") == 0 || strcmp(k, "GID") == 0) {
			mount_only = true;
			if (ref_uint("GID", v, 10, 0xffffffffLL, &gid, err) < 0)
				return -1;
		} else {
			return pea_error_new(err, EINVAL, "option %s invalid: error parsing secret",
					     kv);
		}
	}
	if (!type)
		type = xstrdup("mount");
	if (!source || !*source)
		return pea_error_new(err, EINVAL, "no source found %s: error parsing secret", arg);
	if (strcmp(type, "env") == 0 && mount_only)
		return pea_error_new(err, EINVAL,
				     "UID, GID, Mode options cannot be set with secret type env: "
				     "error parsing secret");
	if (strcmp(type, "env") == 0) {
		const char *t = target && *target ? target : source;
		for (const char *c = t; *c; c++)
			if (*c == '=')
				return pea_error_new(err, EINVAL,
						     "secret %s: invalid environment variable name "
						     "\"%s\"",
						     source, t);
		tpath = xstrdup(t);
	} else if (target && target[0] == '/') {
		tpath = xstrdup(target);
	} else {
		tpath = xasprintf("/run/secrets/%s", target && *target ? target : source);
	}
	if (strcmp(type, "mount") == 0 && !target_ok(tpath))
		return pea_error_new(err, EINVAL, "secret %s: invalid target \"%s\"", source,
				     tpath);
	if (secrets_open(g, false, &s, err) < 0)
		goto out;
	if (secret_find(&s, source, &rec, err) < 0)
		goto out;
	ref = json_object_new_object();
	json_object_object_add(ref, "name", json_object_new_string(str_of(rec, "name")));
	json_object_object_add(ref, "id", json_object_new_string(str_of(rec, "id")));
	json_object_object_add(ref, "type", json_object_new_string(type));
	json_object_object_add(ref, "target", json_object_new_string(tpath));
	json_object_object_add(ref, "uid", json_object_new_int64(uid));
	json_object_object_add(ref, "gid", json_object_new_int64(gid));
	json_object_object_add(ref, "mode", json_object_new_int64(mode));
	*ret = ref;
	r = 0;
out:
	secrets_close(&s);
	return r;
}

static const char *ref_str(struct json_object *ref, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(ref, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

static int64_t ref_int(struct json_object *ref, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(ref, key, &v) ? json_object_get_int64(v) : 0;
}

int secret_refs_apply(const struct global_options *g, struct json_object *refs, const char *rundir,
		      struct json_object *spec, struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/secrets", rundir), *fdir = NULL;
	struct json_object *mounts = NULL, *proc = NULL, *env = NULL, *lnx = NULL, *uids = NULL,
			   *gids = NULL;
	size_t n = refs ? json_object_array_length(refs) : 0;

	if (n == 0)
		return 0;
	fdir = xasprintf("%s/secrets/filedriver", g->root);
	if (!json_object_object_get_ex(spec, "mounts", &mounts) ||
	    !json_object_object_get_ex(spec, "process", &proc) ||
	    !json_object_object_get_ex(proc, "env", &env))
		return pea_error_new(err, EINVAL, "config.json without mounts or process.env");
	if (json_object_object_get_ex(spec, "linux", &lnx)) {
		(void)json_object_object_get_ex(lnx, "uidMappings", &uids);
		(void)json_object_object_get_ex(lnx, "gidMappings", &gids);
	}
	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *ref = json_object_array_get_idx(refs, i);
		const char *name = ref_str(ref, "name"), *id = ref_str(ref, "id");
		_cleanup_free_ char *data = NULL, *src = NULL, *file = xasprintf("%s/%s", fdir, id);
		_cleanup_close_ int fd = -1;
		size_t len = 0;
		int64_t uid, gid;

		if (!*id || strchr(id, '/') ||
		    pea_read_file_at(AT_FDCWD, file, SECRET_MAX, &data, &len, NULL) < 0)
			return pea_error_new(err, ENOENT,
					     "no secret with name or id \"%s\": no such secret",
					     name);
		if (strcmp(ref_str(ref, "type"), "env") == 0) {
			_cleanup_free_ char *kv = xasprintf("%s=%s", ref_str(ref, "target"), data);

			frontend_env_put(env, kv);
			continue;
		}
		src = xasprintf("%s/%zu", dir, i);
		fd = open(src, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return pea_error_errno(err, "secret %s: creating '%s'", name, src);
		if (pea_write_all(fd, data, len, err) < 0)
			return pea_error_wrap(err, "secret %s: writing '%s'", name, src);
		uid = frontend_map_id(uids, ref_int(ref, "uid"));
		gid = frontend_map_id(gids, ref_int(ref, "gid"));
		if (uid < 0 || gid < 0)
			return pea_error_new(err, EINVAL,
					     "secret %s: uid %" PRId64 " or gid %" PRId64
					     " is not mapped in the container's user namespace",
					     name, ref_int(ref, "uid"), ref_int(ref, "gid"));
		if (fchown(fd, (uid_t)uid, (gid_t)gid) < 0 ||
		    fchmod(fd, (mode_t)ref_int(ref, "mode") & 07777) < 0)
			return pea_error_errno(err, "secret %s: '%s'", name, src);
		json_object_array_add(
			mounts,
			frontend_bind_mount(ref_str(ref, "target"), src,
					    (const char *const[]){ "rbind", "rprivate", "ro",
								   "nosuid", "nodev", NULL }));
	}
	return 0;
}

int cmd_secret(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "create", secret_create }, { "inspect", secret_inspect }, { "ls", secret_ls },
		{ "list", secret_ls },	     { "rm", secret_rm },
	};

	return cmd_dispatch(g, "secret", secret_usage, sub, ARRAY_SIZE(sub), argc, argv, err);
}
