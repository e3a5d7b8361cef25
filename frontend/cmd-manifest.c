/*
 * pea manifest: manifest lists (image indexes), as podman's. A list is an image
 * of the store with no layers and no config whose manifest is the list (Docker's
 * manifest list by default, as podman 4.3 keeps it); a change replaces the
 * record under the same id and names.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/images.h"

#define LIST_MAX	  (4u << 20)
#define MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_OCI_INDEX	  "application/vnd.oci.image.index.v1+json"
#define MEDIA_OCI_MANIF	  "application/vnd.oci.image.manifest.v1+json"

static const char manifest_usage[] = "Usage: pea manifest COMMAND\n"
				     "\n"
				     "Manage manifest lists and image indexes.\n"
				     "\n"
				     "Commands:\n"
				     "  add       add images to a manifest list\n"
				     "  create    create a manifest list\n"
				     "  exists    exit 0 when a manifest list exists, 1 when not\n"
				     "  inspect   show a manifest list\n"
				     "  remove    remove an entry from a manifest list\n"
				     "  rm        remove manifest lists from the store\n";

static const char create_usage[] =
	"Usage: pea manifest create [options] LIST [IMAGE...]\n"
	"\n"
	"Create a manifest list, with the images given.\n"
	"\n"
	"Options:\n"
	"      --all          accepted (an image given is one manifest)\n"
	"  -a, --amend        add to the list of that name if there is one\n"
	"      --tls-verify   accepted (images are taken from the store)\n";

static const char add_usage[] =
	"Usage: pea manifest add [options] LIST IMAGE [IMAGE...]\n"
	"\n"
	"Add images of the store to a manifest list (an entry of the same digest is\n"
	"replaced).\n"
	"\n"
	"Options:\n"
	"      --all                 accepted (an image given is one manifest)\n"
	"      --annotation=KEY=VALUE  an annotation of the entry (repeatable)\n"
	"      --arch=ARCH           the entry's architecture instead of the image's\n"
	"      --features=F          the entry's features (repeatable)\n"
	"      --os=OS               the entry's OS instead of the image's\n"
	"      --os-version=V        the entry's OS version\n"
	"      --variant=V           the entry's variant instead of the image's\n"
	"      --tls-verify          accepted (images are taken from the store)\n";

/* ---- a list in the store --------------------------------------------------- */

static bool is_list_media(const char *mt)
{
	return mt && (strcmp(mt, MEDIA_DOCKER_LIST) == 0 || strcmp(mt, MEDIA_OCI_INDEX) == 0);
}

/* The record of LIST and its list; EINVAL when the image is not a list. */
static int list_load(const struct global_options *g, const char *name, struct json_object **ret_rec,
		     struct json_object **ret_doc, struct pea_error **err)
{
	_cleanup_json_ struct json_object *rec = NULL, *doc = NULL;
	const char *path = NULL, *mt = NULL;
	bool has_config = false;

	if (image_find(g, name, &rec, err) < 0)
		return -1;
	if (pea_json_get_bool_opt(rec, "image", "has_config", &has_config, err) < 0 ||
	    pea_json_get_string_opt(rec, "image", "manifest_path", &path, err) < 0)
		return -1;
	if (has_config || !path)
		return pea_error_new(err, EINVAL, "%s: image is not a manifest list", name);
	if (pea_json_parse_file_at(AT_FDCWD, path, LIST_MAX, &doc, err) < 0)
		return pea_error_wrap(err, "%s", name);
	if (pea_json_get_string_opt(doc, "manifest", "mediaType", &mt, err) < 0)
		return -1;
	if (!is_list_media(mt))
		return pea_error_new(err, EINVAL, "%s: image is not a manifest list", name);
	*ret_rec = TAKE_PTR(rec);
	*ret_doc = TAKE_PTR(doc);
	return 0;
}

static const char *rec_id(struct json_object *rec)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(rec, "id", &v) ? json_object_get_string(v) : "";
}

/*
 * Store doc as the image ID named names: a new record, or the old one replaced
 * (removed, then made again with the same id and names).
 */
static int list_store(const struct global_options *g, const char *id, char *const *names,
		      struct json_object *doc, bool replace, struct pea_error **err)
{
	const char *text = json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *dir = NULL, *file = NULL;
	_cleanup_strv_ char **args = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	char digest[PEA_DIGEST_MAX];
	int r = -1;

	dir = xasprintf("%s/tmp", g->runroot);
	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	file = xasprintf("%s/manifest-list-%s.json", dir, id);
	if (pea_write_file_atomic_at(AT_FDCWD, file, text, strlen(text), 0600, err) < 0)
		return -1;
	pea_digest_buffer("sha256", text, strlen(text), digest);
	if (replace) {
		static const char *rm[] = { "image", "rm", NULL, NULL };
		_cleanup_json_ struct json_object *gone = NULL;
		rm[2] = id;
		if (store_call(g, rm, &gone, err) < 0)
			goto out;
	}
	pea_strv_push(&args, "image");
	pea_strv_push(&args, "create");
	pea_strv_push(&args, "--layers");
	pea_strv_push(&args, "");
	pea_strv_push(&args, "--manifest");
	pea_strv_push(&args, file);
	pea_strv_push(&args, "--id");
	pea_strv_push(&args, id);
	pea_strv_push(&args, "--digest");
	pea_strv_push(&args, digest);
	for (size_t i = 0; names && names[i]; i++) {
		pea_strv_push(&args, "--name");
		pea_strv_push(&args, names[i]);
	}
	r = store_call(g, (const char *const *)args, &res, err);
out:
	(void)unlink(file);
	return r;
}

/* podman qualifies a list's short name with localhost/ */
static int list_name(const char *name, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *full = NULL;

	if (image_normalize(name, &full, err) < 0)
		return -1;
	if (!image_name_has_domain(full)) {
		char *q = xasprintf("localhost/%s", full);
		free(full);
		full = q;
	}
	*ret = TAKE_PTR(full);
	return 0;
}

/* ---- an entry -------------------------------------------------------------- */

struct entry_opts {
	const char *arch, *os, *os_version, *variant;
	char **features;
	char **annotations; /* KEY=VALUE */
};

static void set_str(struct json_object *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_object_add(o, key, json_object_new_string(v));
}

static const char *cfg_str(struct json_object *cfg, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(cfg, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The list entry of a local image: its manifest's media type, size and digest, its platform. */
static int entry_of_image(const struct global_options *g, const char *name,
			  const struct entry_opts *o, struct json_object **ret,
			  struct pea_error **err)
{
	_cleanup_json_ struct json_object *rec = NULL, *cfg = NULL, *man = NULL;
	_cleanup_json_ struct json_object *e = NULL, *platform = NULL;
	const char *path = NULL, *digest = NULL, *mt = NULL;
	const char *local = name;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (strncmp(local, "containers-storage:", 19) == 0)
		local += 19;
	if (image_find(g, local, &rec, err) < 0)
		return -1;
	if (pea_json_get_string_opt(rec, "image", "manifest_path", &path, err) < 0 ||
	    pea_json_get_string_opt(rec, "image", "digest", &digest, err) < 0)
		return -1;
	if (!path || !digest)
		return pea_error_new(err, EINVAL, "%s: the image has no manifest", name);
	if (pea_read_file_at(AT_FDCWD, path, LIST_MAX, &text, &len, err) < 0 ||
	    pea_json_parse(text, len, "manifest", &man, err) < 0)
		return pea_error_wrap(err, "%s", name);
	if (pea_json_get_string_opt(man, "manifest", "mediaType", &mt, err) < 0)
		return -1;
	if (is_list_media(mt))
		return pea_error_new(err, EINVAL, "%s: is a manifest list: add its images", name);
	if (image_read_config(rec, &cfg, err) < 0)
		return -1;
	e = json_object_new_object();
	set_str(e, "mediaType", mt ? mt : MEDIA_OCI_MANIF);
	json_object_object_add(e, "size", json_object_new_int64((int64_t)len));
	set_str(e, "digest", digest);
	platform = json_object_new_object();
	set_str(platform, "architecture", o->arch ? o->arch : cfg_str(cfg, "architecture"));
	set_str(platform, "os", o->os ? o->os : cfg_str(cfg, "os"));
	set_str(platform, "os.version", o->os_version ? o->os_version : cfg_str(cfg, "os.version"));
	set_str(platform, "variant", o->variant ? o->variant : cfg_str(cfg, "variant"));
	if (o->features) {
		struct json_object *f = json_object_new_array();
		for (size_t i = 0; o->features[i]; i++)
			json_object_array_add(f, json_object_new_string(o->features[i]));
		json_object_object_add(platform, "features", f);
	}
	json_object_object_add(e, "platform", TAKE_PTR(platform));
	if (o->annotations) {
		struct json_object *a = json_object_new_object();
		for (size_t i = 0; o->annotations[i]; i++) {
			const char *eq = strchr(o->annotations[i], '=');
			_cleanup_free_ char *k =
				xstrndup(o->annotations[i], (size_t)(eq - o->annotations[i]));
			json_object_object_add(a, k, json_object_new_string(eq + 1));
		}
		json_object_object_add(e, "annotations", a);
	}
	*ret = TAKE_PTR(e);
	return 0;
}

/* Add entry to doc's manifests, replacing one of the same digest. Takes entry. */
static void list_put(struct json_object *doc, struct json_object *entry)
{
	struct json_object *ms = NULL, *d = NULL;
	const char *digest = cfg_str(entry, "digest");

	if (!json_object_object_get_ex(doc, "manifests", &ms) ||
	    !json_object_is_type(ms, json_type_array)) {
		ms = json_object_new_array();
		json_object_object_add(doc, "manifests", ms);
	}
	for (size_t i = 0; i < json_object_array_length(ms); i++) {
		struct json_object *m = json_object_array_get_idx(ms, i);
		if (json_object_object_get_ex(m, "digest", &d) &&
		    strcmp(json_object_get_string(d), digest) == 0) {
			json_object_array_put_idx(ms, i, entry);
			return;
		}
	}
	json_object_array_add(ms, entry);
}

/* Every entry of the images given, into doc; nothing changes when one fails. */
static int add_images(const struct global_options *g, struct json_object *doc, char *const *images,
		      const struct entry_opts *o, struct pea_error **err)
{
	_cleanup_json_ struct json_object *entries = json_object_new_array();

	for (size_t i = 0; images[i]; i++) {
		struct json_object *e = NULL;
		if (entry_of_image(g, images[i], o, &e, err) < 0)
			return -1;
		json_object_array_add(entries, e);
	}
	for (size_t i = 0; i < json_object_array_length(entries); i++)
		list_put(doc, json_object_get(json_object_array_get_idx(entries, i)));
	return 0;
}

static char **rec_names(struct json_object *rec)
{
	char **names = NULL;

	(void)pea_json_get_strv_opt(rec, "image", "names", &names, NULL);
	return names;
}

/* ---- the commands ---------------------------------------------------------- */

enum {
	OPT_ALL = 256,
	OPT_TLS,
	OPT_ANNOTATION,
	OPT_ARCH,
	OPT_FEATURES,
	OPT_OS,
	OPT_OS_VERSION,
	OPT_VARIANT,
	OPT_AUTHFILE,
	OPT_CERT_DIR,
	OPT_CREDS,
	OPT_RM,
	OPT_DIGESTFILE,
};

static int manifest_create(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "amend", no_argument, NULL, 'a' },
		{ "tls-verify", optional_argument, NULL, OPT_TLS },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *name = NULL, *id = NULL;
	_cleanup_json_ struct json_object *doc = NULL, *old = NULL, *old_doc = NULL;
	_cleanup_strv_ char **names = NULL;
	struct entry_opts eo = { 0 };
	bool amend = false;
	int rc, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "ha", opts, create_usage, &c, err)) == 2)
		if (c == 'a')
			amend = true;
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (argc - optind < 1)
		return check_nargs(0, 1, -1, err);
	if (list_name(argv[optind], &name, err) < 0)
		return -1;
	if (image_find(g, name, &old, NULL) == 0) {
		if (!amend)
			return pea_error_new(err, EEXIST,
					     "image name \"%s\" is already associated with image "
					     "\"%s\": that name is already in use",
					     name, rec_id(old));
		json_object_put(old);
		old = NULL;
		if (list_load(g, name, &old, &old_doc, err) < 0)
			return -1;
		if (add_images(g, old_doc, argv + optind + 1, &eo, err) < 0)
			return -1;
		names = rec_names(old);
		if (argv[optind + 1] && list_store(g, rec_id(old), names, old_doc, true, err) < 0)
			return -1;
		printf("%s\n", rec_id(old));
		return 0;
	}
	doc = json_object_new_object();
	json_object_object_add(doc, "schemaVersion", json_object_new_int(2));
	json_object_object_add(doc, "mediaType", json_object_new_string(MEDIA_DOCKER_LIST));
	json_object_object_add(doc, "manifests", json_object_new_array());
	if (add_images(g, doc, argv + optind + 1, &eo, err) < 0)
		return -1;
	id = frontend_new_id();
	pea_strv_push(&names, name);
	if (list_store(g, id, names, doc, false, err) < 0)
		return -1;
	printf("%s\n", id);
	return 0;
}

static int add_option(struct entry_opts *o, int c, const char *arg, struct pea_error **err)
{
	switch (c) {
	case OPT_ANNOTATION:
		if (!strchr(arg, '=') || arg[0] == '=')
			return pea_error_new(err, EINVAL, "no value given for annotation \"%s\"",
					     arg);
		pea_strv_push(&o->annotations, arg);
		return 0;
	case OPT_ARCH:
		o->arch = arg;
		return 0;
	case OPT_FEATURES:
		pea_strv_push(&o->features, arg);
		return 0;
	case OPT_OS:
		o->os = arg;
		return 0;
	case OPT_OS_VERSION:
		o->os_version = arg;
		return 0;
	case OPT_VARIANT:
		o->variant = arg;
		return 0;
	default:
		return 0; /* --all, --tls-verify, --authfile, --cert-dir, --creds: accepted */
	}
}

static int manifest_add(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "annotation", required_argument, NULL, OPT_ANNOTATION },
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "features", required_argument, NULL, OPT_FEATURES },
		{ "os", required_argument, NULL, OPT_OS },
		{ "os-version", required_argument, NULL, OPT_OS_VERSION },
		{ "variant", required_argument, NULL, OPT_VARIANT },
		{ "tls-verify", optional_argument, NULL, OPT_TLS },
		{ "authfile", required_argument, NULL, OPT_AUTHFILE },
		{ "cert-dir", required_argument, NULL, OPT_CERT_DIR },
		{ "creds", required_argument, NULL, OPT_CREDS },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *rec = NULL, *doc = NULL;
	_cleanup_strv_ char **names = NULL;
	struct entry_opts eo = { 0 };
	int rc, r = -1, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "h", opts, add_usage, &c, err)) == 2)
		if (add_option(&eo, c, optarg, err) < 0)
			goto out;
	if (rc != 0) {
		r = rc < 0 ? -1 : 0;
		goto out;
	}
	if (argc - optind < 2) {
		check_nargs(argc - optind, 2, -1, err);
		goto out;
	}
	if (list_load(g, argv[optind], &rec, &doc, err) < 0 ||
	    add_images(g, doc, argv + optind + 1, &eo, err) < 0)
		goto out;
	names = rec_names(rec);
	if (list_store(g, rec_id(rec), names, doc, true, err) < 0)
		goto out;
	printf("%s\n", rec_id(rec));
	r = 0;
out:
	pea_strv_free(eo.features);
	pea_strv_free(eo.annotations);
	return r;
}

static int manifest_inspect(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_json_ struct json_object *rec = NULL, *doc = NULL;
	struct json_object *ms = NULL;
	int rc, c = 0;

	optind = 0;
	rc = cmd_getopt(argc, argv, "h", (const struct option[]){ { "help", 0, NULL, 'h' }, { 0 } },
			"Usage: pea manifest inspect LIST\n\nShow a manifest list as JSON.\n", &c,
			err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	if (list_load(g, argv[optind], &rec, &doc, err) < 0)
		return -1;
	/* podman's: an empty list shows its manifests as null */
	if (json_object_object_get_ex(doc, "manifests", &ms) && json_object_array_length(ms) == 0)
		json_object_object_add(doc, "manifests", NULL);
	fmt_print_json(stdout, doc);
	return 0;
}

static int manifest_remove(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_json_ struct json_object *rec = NULL, *doc = NULL;
	_cleanup_strv_ char **names = NULL;
	struct json_object *ms = NULL, *keep = NULL;
	bool found = false;
	int rc, c = 0;

	optind = 0;
	rc = cmd_getopt(argc, argv, "h", (const struct option[]){ { "help", 0, NULL, 'h' }, { 0 } },
			"Usage: pea manifest remove LIST DIGEST\n\n"
			"Remove the entry of that digest from a manifest list.\n",
			&c, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (argc - optind != 2)
		return check_nargs(argc - optind, 2, 2, err);
	if (list_load(g, argv[optind], &rec, &doc, err) < 0)
		return -1;
	keep = json_object_new_array();
	if (json_object_object_get_ex(doc, "manifests", &ms))
		for (size_t i = 0; i < json_object_array_length(ms); i++) {
			struct json_object *m = json_object_array_get_idx(ms, i);
			const char *d = cfg_str(m, "digest");
			if (d && strcmp(d, argv[optind + 1]) == 0)
				found = true;
			else
				json_object_array_add(keep, json_object_get(m));
		}
	json_object_object_add(doc, "manifests", keep);
	if (!found)
		return pea_error_new(err, ENOENT,
				     "removing from manifest list %s: no instance matching digest "
				     "\"%s\" found in manifest list",
				     argv[optind], argv[optind + 1]);
	names = rec_names(rec);
	if (list_store(g, rec_id(rec), names, doc, true, err) < 0)
		return -1;
	printf("%s\n", rec_id(rec));
	return 0;
}

static int manifest_rm(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_strv_ char **args = NULL;
	int rc, c = 0;

	optind = 0;
	rc = cmd_getopt(argc, argv, "h", (const struct option[]){ { "help", 0, NULL, 'h' }, { 0 } },
			"Usage: pea manifest rm LIST [LIST...]\n\n"
			"Remove manifest lists from the store (the images they list stay).\n",
			&c, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (argc - optind < 1)
		return check_nargs(0, 1, -1, err);
	/* every one a list before anything is removed */
	for (int i = optind; i < argc; i++) {
		_cleanup_json_ struct json_object *rec = NULL, *doc = NULL;
		if (list_load(g, argv[i], &rec, &doc, err) < 0)
			return -1;
	}
	pea_strv_push(&args, "rmi");
	for (int i = optind; i < argc; i++)
		pea_strv_push(&args, argv[i]);
	rc = frontend_run_self(g, args, err);
	if (rc < 0)
		return -1;
	return rc;
}

static int manifest_exists(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_json_ struct json_object *rec = NULL, *doc = NULL;
	_cleanup_error_ struct pea_error *why = NULL;
	int rc, c = 0;

	optind = 0;
	rc = cmd_getopt(argc, argv, "h", (const struct option[]){ { "help", 0, NULL, 'h' }, { 0 } },
			"Usage: pea manifest exists LIST\n\n"
			"Exit 0 when the manifest list is in the store, 1 when not.\n",
			&c, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	if (list_load(g, argv[optind], &rec, &doc, &why) == 0)
		return 0;
	if (why->code == ENOENT || why->code == EINVAL)
		return 1;
	*err = TAKE_PTR(why);
	return -1;
}

/* ---- push ------------------------------------------------------------------- */

static const char push_usage[] =
	"Usage: pea manifest push [options] LIST [DESTINATION]\n"
	"\n"
	"Push a manifest list and the images it names (from the store) to a registry\n"
	"(docker://, the default) or another place pea-image writes.\n"
	"\n"
	"Options:\n"
	"      --all                 accepted (the images are always pushed)\n"
	"      --authfile=PATH       credentials file\n"
	"      --cert-dir=DIR        certs.d-style folder\n"
	"      --creds=USER[:PASS]   credentials\n"
	"      --digestfile=PATH     write the list's digest there\n"
	"  -f, --format=oci|v2s2     the images' manifest format\n"
	"  -q, --quiet               no progress\n"
	"      --rm                  remove the list from the store once pushed\n"
	"      --tls-verify[=BOOL]   verify TLS (false also allows http)\n";

/* pea-image ARGS...: its failure's last line. */
static int image_tool_run(char *const *argv, bool quiet, struct pea_error **err)
{
	struct run_result rr = { 0 };
	int r = 0;

	if (frontend_run_capture(argv, -1, &rr, err) < 0)
		return -1;
	if (!WIFEXITED(rr.status) || WEXITSTATUS(rr.status) != 0) {
		const char *m = rr.errtxt && *rr.errtxt ? rr.errtxt : "failed";
		const char *last = strrchr(m, '\n');
		m = last ? last + 1 : m;
		if (strncmp(m, "pea-image: ", 11) == 0)
			m += 11;
		r = pea_error_new(err, EIO, "%s", m);
	} else if (!quiet && rr.errtxt && *rr.errtxt) {
		fprintf(stderr, "%s\n", rr.errtxt);
	}
	run_result_clear(&rr);
	return r;
}

/* The id of the image of the store whose manifest has this digest. */
static int image_of_digest(const struct global_options *g, const char *digest, char **ret,
			   struct pea_error **err)
{
	static const char *const ls[] = { "image", "ls", NULL };
	_cleanup_json_ struct json_object *all = NULL;

	if (store_call(g, ls, &all, err) < 0)
		return -1;
	for (size_t i = 0;
	     json_object_is_type(all, json_type_array) && i < json_object_array_length(all); i++) {
		struct json_object *rec = json_object_array_get_idx(all, i);
		const char *d = cfg_str(rec, "digest");
		if (d && strcmp(d, digest) == 0) {
			*ret = xstrdup(rec_id(rec));
			return 0;
		}
	}
	return pea_error_new(err, ENOENT, "no image of the store has the manifest %s", digest);
}

/* An OCI layout at dir with each image of the list and the list itself, tagged "list". */
static int push_layout(const struct global_options *g, struct json_object *doc, const char *dir,
		       struct pea_error **err)
{
	const char *text = json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *blobdir = NULL, *blob = NULL, *index = NULL;
	_cleanup_json_ struct json_object *idx = NULL;
	struct json_object *ms = NULL, *e, *ann;
	const char *mt = cfg_str(doc, "mediaType");
	char digest[PEA_DIGEST_MAX];

	if (json_object_object_get_ex(doc, "manifests", &ms))
		for (size_t i = 0; i < json_object_array_length(ms); i++) {
			const char *d = cfg_str(json_object_array_get_idx(ms, i), "digest");
			_cleanup_free_ char *id = NULL, *src = NULL, *dst = NULL;
			_cleanup_strv_ char **argv = NULL;

			if (!d || image_of_digest(g, d, &id, err) < 0)
				return -1;
			src = store_transport(g, id);
			dst = xasprintf("oci:%s:image%zu", dir, i);
			pea_strv_push_take(&argv, frontend_find_binary(g, "pea-image"));
			pea_strv_push(&argv, "copy");
			pea_strv_push(&argv, "-q");
			pea_strv_push(&argv, "--preserve-digests");
			pea_strv_push(&argv, src);
			pea_strv_push(&argv, dst);
			if (image_tool_run(argv, true, err) < 0)
				return pea_error_wrap(err, "image %s", d);
		}
	/* the list itself: a blob of the layout, and its entry in index.json */
	pea_digest_buffer("sha256", text, strlen(text), digest);
	blobdir = xasprintf("%s/blobs/sha256", dir);
	if (frontend_mkdir_p(blobdir, err) < 0)
		return -1;
	blob = xasprintf("%s/%s", blobdir, pea_digest_hex(digest));
	if (pea_write_file_atomic_at(AT_FDCWD, blob, text, strlen(text), 0644, err) < 0)
		return -1;
	index = xasprintf("%s/index.json", dir);
	if (pea_path_exists_at(AT_FDCWD, index)) {
		if (pea_json_parse_file_at(AT_FDCWD, index, LIST_MAX, &idx, err) < 0)
			return -1;
	} else {
		idx = json_object_new_object();
		json_object_object_add(idx, "schemaVersion", json_object_new_int(2));
		json_object_object_add(idx, "mediaType", json_object_new_string(MEDIA_OCI_INDEX));
		json_object_object_add(idx, "manifests", json_object_new_array());
	}
	if (!json_object_object_get_ex(idx, "manifests", &ms) ||
	    !json_object_is_type(ms, json_type_array))
		return pea_error_new(err, EINVAL, "'%s': no manifests", index);
	e = json_object_new_object();
	set_str(e, "mediaType", mt);
	set_str(e, "digest", digest);
	json_object_object_add(e, "size", json_object_new_int64((int64_t)strlen(text)));
	ann = json_object_new_object();
	json_object_object_add(ann, "org.opencontainers.image.ref.name",
			       json_object_new_string("list"));
	json_object_object_add(e, "annotations", ann);
	json_object_array_add(ms, e);
	text = json_object_to_json_string_ext(idx, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	return pea_write_file_atomic_at(AT_FDCWD, index, text, strlen(text), 0644, err);
}

/* A destination without a transport is a registry's (docker://), as podman's. */
static char *push_dest(const char *d)
{
	static const char *const transports[] = { "docker://", "oci:", "oci-archive:", "dir:",
						  "docker-archive:" };

	for (size_t i = 0; i < ARRAY_SIZE(transports); i++)
		if (strncmp(d, transports[i], strlen(transports[i])) == 0)
			return xstrdup(d);
	return xasprintf("docker://%s", d);
}

struct push_opts {
	char **tool; /* pea-image copy's options */
	bool quiet, rm;
};

static int push_option(struct push_opts *o, int c, const char *arg, struct pea_error **err)
{
	bool verify = true;

	switch (c) {
	case 'q':
		o->quiet = true;
		return 0;
	case OPT_RM:
		o->rm = true;
		return 0;
	case 'f':
		if (strcmp(arg, "oci") != 0 && strcmp(arg, "v2s2") != 0)
			return pea_error_new(err, EINVAL,
					     "unrecognized image type \"%s\": use oci or v2s2",
					     arg);
		pea_strv_push_take(&o->tool, xasprintf("--format=%s", arg));
		return 0;
	case OPT_TLS:
		if (parse_bool_arg("--tls-verify", arg, &verify, err) < 0)
			return -1;
		pea_strv_push_take(&o->tool,
				   xasprintf("--dest-tls-verify=%s", verify ? "true" : "false"));
		return 0;
	case OPT_AUTHFILE:
		pea_strv_push_take(&o->tool, xasprintf("--authfile=%s", arg));
		return 0;
	case OPT_CERT_DIR:
		pea_strv_push_take(&o->tool, xasprintf("--dest-cert-dir=%s", arg));
		return 0;
	case OPT_CREDS:
		pea_strv_push_take(&o->tool, xasprintf("--dest-creds=%s", arg));
		return 0;
	case OPT_DIGESTFILE:
		pea_strv_push_take(&o->tool, xasprintf("--digestfile=%s", arg));
		return 0;
	default:
		return 0; /* --all */
	}
}

static int push_run(struct global_options *g, struct json_object *doc, const char *dest,
		    struct push_opts *o, struct pea_error **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s/tmp", g->runroot);
	_cleanup_free_ char *dir = xasprintf("%s/manifest-push-XXXXXX", tmp);
	_cleanup_free_ char *src = NULL, *dst = push_dest(dest);
	_cleanup_strv_ char **argv = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	int r;

	/* A folder of this push's own: two pushes of one list at once must not share one. */
	if (frontend_mkdir_p(tmp, err) < 0)
		return -1;
	if (!mkdtemp(dir))
		return pea_error_errno(err, "creating %s", dir);
	r = push_layout(g, doc, dir, err);
	if (r == 0) {
		src = xasprintf("oci:%s:list", dir);
		pea_strv_push_take(&argv, frontend_find_binary(g, "pea-image"));
		pea_strv_push(&argv, "copy");
		pea_strv_push(&argv, "--all");
		if (o->quiet)
			pea_strv_push(&argv, "-q");
		for (size_t i = 0; o->tool && o->tool[i]; i++)
			pea_strv_push(&argv, o->tool[i]);
		pea_strv_push(&argv, src);
		pea_strv_push(&argv, dst);
		r = image_tool_run(argv, o->quiet, err);
	}
	if (pea_rm_rf_at(AT_FDCWD, dir, &e) < 0)
		log_warning("%s, ignoring", e->message);
	return r;
}

static int manifest_push(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "authfile", required_argument, NULL, OPT_AUTHFILE },
		{ "cert-dir", required_argument, NULL, OPT_CERT_DIR },
		{ "creds", required_argument, NULL, OPT_CREDS },
		{ "digestfile", required_argument, NULL, OPT_DIGESTFILE },
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rm", no_argument, NULL, OPT_RM },
		{ "tls-verify", optional_argument, NULL, OPT_TLS },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *rec = NULL, *doc = NULL;
	struct push_opts o = { 0 };
	const char *dest;
	int rc, r = -1, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "hf:q", opts, push_usage, &c, err)) == 2)
		if (push_option(&o, c, optarg, err) < 0)
			goto out;
	if (rc != 0) {
		r = rc < 0 ? -1 : 0;
		goto out;
	}
	if (argc - optind < 1 || argc - optind > 2) {
		pea_error_new(err, EINVAL, "requires 1 or 2 arg(s), received %d", argc - optind);
		goto out;
	}
	if (list_load(g, argv[optind], &rec, &doc, err) < 0)
		goto out;
	dest = argc - optind == 2 ? argv[optind + 1] : argv[optind];
	if (push_run(g, doc, dest, &o, err) < 0) {
		pea_error_wrap(err, "pushing manifest list %s", argv[optind]);
		goto out;
	}
	if (o.rm) {
		char *rmi[] = { "rmi", (char *)rec_id(rec), NULL };
		if (frontend_run_self_capture(g, rmi, NULL, err) < 0)
			goto out;
	}
	r = 0;
out:
	pea_strv_free(o.tool);
	return r;
}

int cmd_manifest(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "add", manifest_add },       { "create", manifest_create },
		{ "exists", manifest_exists }, { "inspect", manifest_inspect },
		{ "push", manifest_push },     { "remove", manifest_remove },
		{ "rm", manifest_rm },
	};

	return cmd_dispatch(g, "manifest", manifest_usage, sub, ARRAY_SIZE(sub), argc, argv, err);
}
