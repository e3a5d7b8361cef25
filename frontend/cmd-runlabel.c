/*
 * pea container runlabel: run the command an image's label holds
 * (podman-container-runlabel(1)): ${NAME}, ${IMAGE}, ${OPT1}..${OPT3} and the
 * environment's variables expanded, podman or docker as the program replaced by
 * this pea, then printed ("command: ...") and run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/runlabel.h"

/* a label's command is short; a longer one is refused rather than expanded without end */
#define RUNLABEL_MAX 65536

static const char runlabel_usage[] =
	"Usage: pea container runlabel [options] LABEL IMAGE [ARG...]\n"
	"\n"
	"Run the command of an image's label.\n"
	"\n"
	"      --display          print the command, do not run it\n"
	"  -n, --name=NAME       ${NAME} (default: the image's name)\n"
	"      --opt1, --opt2, --opt3=VALUE   ${OPT1}, ${OPT2}, ${OPT3}\n"
	"  -q, --quiet           do not print the command before running it\n"
	"      --replace         accepted for podman's sake\n";

enum {
	OPT_DISPLAY = 256,
	OPT_OPT1,
	OPT_OPT2,
	OPT_OPT3,
	OPT_REPLACE,
	OPT_IGNORED,
};

struct runlabel_opts {
	bool display, quiet;
	const char *name, *opt[3];
	const char *label, *image;
	char **args;
};

/* The value of a ${VAR} or $VAR of the label. */
static const char *runlabel_var(const struct runlabel_vars *v, const char *var)
{
	static const char *const opts[] = { "OPT1", "OPT2", "OPT3" };

	if (strcmp(var, "NAME") == 0)
		return v->name ? v->name : "";
	if (strcmp(var, "IMAGE") == 0)
		return v->image ? v->image : "";
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (strcmp(var, opts[i]) == 0)
			return v->opt[i] ? v->opt[i] : "";
	return getenv(var) ?: "";
}

/* Expand the variables of s (as Go's os.Expand: ${VAR} and $VAR). */
static int runlabel_expand(const struct runlabel_vars *vars, const char *s, char **ret,
			   struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	for (const char *p = s; *p; p++) {
		_cleanup_free_ char *var = NULL;
		const char *end;

		if (*p != '$' || !p[1]) {
			fputc(*p, f);
			continue;
		}
		if (p[1] == '{') {
			end = strchr(p + 2, '}');
			if (!end) {
				fclose(f);
				return pea_error_new(err, EINVAL,
						     "label: unterminated '${' in '%s'", s);
			}
			var = xstrndup(p + 2, (size_t)(end - p - 2));
			p = end;
		} else {
			end = p + 1;
			while (*end == '_' || (*end >= 'A' && *end <= 'Z') ||
			       (*end >= 'a' && *end <= 'z') || (*end >= '0' && *end <= '9'))
				end++;
			if (end == p + 1) {
				fputc(*p, f);
				continue;
			}
			var = xstrndup(p + 1, (size_t)(end - p - 1));
			p = end - 1;
		}
		fputs(runlabel_var(vars, var), f);
	}
	fclose(f);
	if (len > RUNLABEL_MAX)
		return pea_error_new(err, E2BIG, "label: the command is longer than %d bytes",
				     RUNLABEL_MAX);
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Words as a shell splits them: blanks between, '...' and "..." quoting, \ escaping. */
static int runlabel_split(const char *s, char ***ret, struct pea_error **err)
{
	_cleanup_strv_ char **v = NULL;
	_cleanup_free_ char *w = xmalloc(strlen(s) + 1);

	for (const char *p = s;;) {
		size_t n = 0;
		bool any = false;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			char q = *p;
			any = true;
			if (q == '\'' || q == '"') {
				const char *e = strchr(p + 1, q);
				if (!e)
					return pea_error_new(err, EINVAL,
							     "label: unterminated quote in '%s'",
							     s);
				memcpy(w + n, p + 1, (size_t)(e - p - 1));
				n += (size_t)(e - p - 1);
				p = e + 1;
			} else if (q == '\\' && p[1]) {
				w[n++] = p[1];
				p += 2;
			} else {
				w[n++] = *p++;
			}
		}
		if (any) {
			w[n] = '\0';
			pea_strv_push(&v, w);
		}
	}
	*ret = TAKE_PTR(v);
	return 0;
}

int runlabel_words(const struct runlabel_vars *v, const char *label, char ***ret,
		   struct pea_error **err)
{
	_cleanup_free_ char *cmd = NULL;

	if (runlabel_expand(v, label, &cmd, err) < 0)
		return -1;
	return runlabel_split(cmd, ret, err);
}

/* The label's value, its key matched without case (INSTALL for install). */
static const char *runlabel_value(struct json_object *img, const char *label)
{
	struct json_object *labels = NULL, *cfg = NULL;

	if (json_object_object_get_ex(img, "Config", &cfg))
		json_object_object_get_ex(cfg, "Labels", &labels);
	if (!labels || !json_object_is_type(labels, json_type_object))
		json_object_object_get_ex(img, "Labels", &labels);
	if (!labels || !json_object_is_type(labels, json_type_object))
		return NULL;
	json_object_object_foreach(
		labels, k,
		v) if (strcasecmp(k, label) == 0 &&
		       json_object_is_type(v, json_type_string)) return json_object_get_string(v);
	return NULL;
}

/* The image's full name the user meant (one of RepoTags), else the name as given. */
static char *runlabel_image_name(struct json_object *img, const char *given)
{
	_cleanup_free_ char *full = NULL;
	struct json_object *tags = NULL;
	size_t n;

	if (image_normalize(given, &full, NULL) < 0)
		full = xstrdup(given);
	if (!json_object_object_get_ex(img, "RepoTags", &tags) ||
	    !json_object_is_type(tags, json_type_array))
		return xstrdup(given);
	n = json_object_array_length(tags);
	for (size_t i = 0; i < n; i++) {
		const char *t = json_object_get_string(json_object_array_get_idx(tags, i));
		size_t tl = t ? strlen(t) : 0, fl = strlen(full);
		if (t && (strcmp(t, full) == 0 ||
			  (tl > fl && strcmp(t + tl - fl, full) == 0 && t[tl - fl - 1] == '/')))
			return xstrdup(t);
	}
	return n > 0 ? xstrdup(json_object_get_string(json_object_array_get_idx(tags, 0)))
		     : xstrdup(given);
}

/* ${NAME}'s default: the image's last path component without tag or digest. */
static char *runlabel_default_name(const char *image)
{
	const char *slash = strrchr(image, '/');
	char *name = xstrdup(slash ? slash + 1 : image);

	name[strcspn(name, ":@")] = '\0';
	return name;
}

static int runlabel_parse(int argc, char **argv, struct runlabel_opts *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "display", no_argument, NULL, OPT_DISPLAY },
		{ "name", required_argument, NULL, 'n' },
		{ "opt1", required_argument, NULL, OPT_OPT1 },
		{ "opt2", required_argument, NULL, OPT_OPT2 },
		{ "opt3", required_argument, NULL, OPT_OPT3 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "pull", optional_argument, NULL, OPT_IGNORED },
		{ "tls-verify", optional_argument, NULL, OPT_IGNORED },
		{ "authfile", required_argument, NULL, OPT_IGNORED },
		{ "cert-dir", required_argument, NULL, OPT_IGNORED },
		{ "creds", required_argument, NULL, OPT_IGNORED },
		{ NULL, 0, NULL, 0 },
	};
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "+hn:q", opts, runlabel_usage, &c, err)) == 2) {
		if (c == OPT_DISPLAY)
			o->display = true;
		else if (c == 'n')
			o->name = optarg;
		else if (c == 'q')
			o->quiet = true;
		else if (c >= OPT_OPT1 && c <= OPT_OPT3)
			o->opt[c - OPT_OPT1] = optarg;
	}
	if (r != 0)
		return r;
	if (argc - optind < 2)
		return check_nargs(argc - optind, 2, -1, err);
	o->label = argv[optind];
	o->image = argv[optind + 1];
	o->args = argv + optind + 2;
	return 0;
}

/* After the program: the store's options when they are not the default ones (this store). */
static void runlabel_store_flags(const struct global_options *g, char ***v)
{
	char **out = NULL;

	if (g->rootless ||
	    (strcmp(g->root, "/var/lib/pea") == 0 && strcmp(g->runroot, "/run/pea") == 0))
		return;
	pea_strv_push(&out, (*v)[0]);
	pea_strv_push(&out, "--root");
	pea_strv_push(&out, g->root);
	pea_strv_push(&out, "--runroot");
	pea_strv_push(&out, g->runroot);
	for (size_t i = 1; (*v)[i]; i++)
		pea_strv_push(&out, (*v)[i]);
	pea_strv_free(*v);
	*v = out;
}

/* The command of the label, ready to run (new strv). */
static int runlabel_command(const struct global_options *g, const struct runlabel_opts *o,
			    char ***ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *img = NULL;
	_cleanup_free_ char *image = NULL, *name = NULL;
	_cleanup_strv_ char **v = NULL;
	struct runlabel_vars vars = { 0 };
	const char *value;
	const char *prog;

	if (image_inspect_one(g, o->image, &img, err) < 0)
		return -1;
	value = runlabel_value(img, o->label);
	if (!value || !*value)
		return pea_error_new(err, ENOENT, "cannot find the value of label: %s in image: %s",
				     o->label, o->image);
	image = runlabel_image_name(img, o->image);
	name = o->name ? xstrdup(o->name) : runlabel_default_name(image);
	vars.name = name;
	vars.image = image;
	memcpy(vars.opt, o->opt, sizeof(vars.opt));
	if (runlabel_words(&vars, value, &v, err) < 0)
		return -1;
	if (!v)
		return pea_error_new(err, EINVAL, "label %s of %s: an empty command", o->label,
				     o->image);
	/*
	 * podman or docker as the program: this pea, by the name it was run by
	 * (podman's os.Args[0]: podman's 037-runlabel expects $PODMAN itself)
	 */
	prog = strrchr(v[0], '/') ? strrchr(v[0], '/') + 1 : v[0];
	if (strcmp(prog, "podman") == 0 || strcmp(prog, "docker") == 0) {
		free(v[0]);
		v[0] = xstrdup(program_invocation_name && *program_invocation_name
				       ? program_invocation_name
				       : g->self);
		runlabel_store_flags(g, &v);
	}
	for (size_t i = 0; o->args[i]; i++)
		pea_strv_push(&v, o->args[i]);
	*ret = TAKE_PTR(v);
	return 0;
}

int cmd_container_runlabel(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct runlabel_opts o = { 0 };
	_cleanup_strv_ char **cmd = NULL;
	_cleanup_free_ char *line = NULL;
	int r;

	r = runlabel_parse(argc, argv, &o, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (runlabel_command(g, &o, &cmd, err) < 0)
		return -1;
	line = pea_strv_join(cmd, " ");
	if (o.display) {
		printf("command: %s\n", line);
		return 0;
	}
	if (!o.quiet)
		printf("command: %s\n", line);
	fflush(stdout);
	execvp(cmd[0], cmd);
	g->error_status = errno == ENOENT ? PEA_EXIT_NOT_FOUND : PEA_EXIT_CANNOT;
	return pea_error_errno(err, "run '%s'", cmd[0]);
}
