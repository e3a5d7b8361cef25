/*
 * pea image trust set|show: the trust policy of containers-policy.json(5)
 * (the file pea-image checks pulls against), as podman-image-trust(1) edits
 * and shows it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/format.h"
#include "frontend/frontend.h"

#define TRUST_POLICY_MAX (4u << 20)

static const char trust_usage[] = "Usage: pea image trust COMMAND\n"
				  "\n"
				  "Manage the trust policy of images (containers-policy.json).\n"
				  "\n"
				  "Commands:\n"
				  "  set    set the default policy or a registry's\n"
				  "  show   show the policy\n";

static const char set_usage[] =
	"Usage: pea image trust set [options] REGISTRY\n"
	"\n"
	"Set the default trust policy, or a registry's (or repository's).\n"
	"\n"
	"  -f, --pubkeysfile=FILE   a public key to trust (signedBy, sigstoreSigned; repeatable)\n"
	"      --policypath=FILE    the policy file (default /etc/containers/policy.json)\n"
	"  -t, --type=TYPE          accept, reject, signedBy (default), sigstoreSigned\n";

static const char show_usage[] = "Usage: pea image trust show [options] [REGISTRY]\n"
				 "\n"
				 "Show the trust policy.\n"
				 "\n"
				 "  -j, --json            as JSON\n"
				 "  -n, --noheading       no header row\n"
				 "      --policypath=FILE the policy file (default "
				 "/etc/containers/policy.json)\n"
				 "      --raw             the policy file as it is\n";

enum {
	OPT_POLICYPATH = 256,
	OPT_RAW,
};

/* The policy file: --policypath, else the user's (rootless), else the system's. */
static char *trust_policy_path(const struct global_options *g, const char *given)
{
	const char *home = getenv("HOME");

	if (given)
		return xstrdup(given);
	if (g->rootless && home) {
		char *p = xasprintf("%s/.config/containers/policy.json", home);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return xstrdup("/etc/containers/policy.json");
}

/* Read and parse the policy; a missing file is ENOENT (set starts from nothing then). */
static int trust_read(const char *path, char **ret_text, struct json_object **ret,
		      struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct json_object *j = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, TRUST_POLICY_MAX, &buf, &len, err) < 0)
		return -1;
	if (pea_json_parse(buf, len, "policy", &j, err) < 0)
		return pea_error_wrap(err, "could not parse trust policies from %s", path);
	if (!json_object_is_type(j, json_type_object))
		return pea_error_new(err, EINVAL,
				     "could not parse trust policies from %s: not a JSON object",
				     path);
	if (ret_text)
		*ret_text = TAKE_PTR(buf);
	*ret = TAKE_PTR(j);
	return 0;
}

/* The requirements of a --type; the keys are made absolute (podman's). */
static int trust_requirements(const char *type, char *const *keys, struct json_object **ret,
			      struct pea_error **err)
{
	_cleanup_json_ struct json_object *reqs = json_object_new_array();
	bool signed_by = strcmp(type, "signedBy") == 0;

	if (strcmp(type, "accept") == 0 || strcmp(type, "reject") == 0) {
		struct json_object *r = json_object_new_object();
		json_object_object_add(r, "type",
				       json_object_new_string(strcmp(type, "accept") == 0
								      ? "insecureAcceptAnything"
								      : "reject"));
		json_object_array_add(reqs, r);
		*ret = TAKE_PTR(reqs);
		return 0;
	}
	if (!keys)
		return pea_error_new(err, EINVAL,
				     "at least one public key must be defined for type '%s'", type);
	for (size_t i = 0; keys[i]; i++) {
		_cleanup_free_ char *abs = realpath(keys[i], NULL);
		struct json_object *r;

		if (!abs)
			return pea_error_errno(err, "public key '%s'", keys[i]);
		r = json_object_new_object();
		json_object_object_add(r, "type", json_object_new_string(type));
		if (signed_by)
			json_object_object_add(r, "keyType", json_object_new_string("GPGKeys"));
		json_object_object_add(r, "keyPath", json_object_new_string(abs));
		json_object_array_add(reqs, r);
	}
	*ret = TAKE_PTR(reqs);
	return 0;
}

/* The policy text as podman writes it: 4-space indents, newline-terminated. */
static char *trust_text(struct json_object *policy)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fmt_print_json(f, policy);
	fclose(f);
	return TAKE_PTR(buf);
}

static int trust_set(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "pubkeysfile", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 't' },
		{ "policypath", required_argument, NULL, OPT_POLICYPATH },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const types[] = { "accept", "reject", "signedBy", "sigstoreSigned" };
	_cleanup_strv_ char **keys = NULL;
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_json_ struct json_object *policy = NULL, *reqs = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	const char *type = "signedBy", *given = NULL, *target;
	struct json_object *trans = NULL, *docker = NULL;
	bool known = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:t:", opts, set_usage, &c, err)) == 2) {
		if (c == 'f')
			pea_strv_push(&keys, optarg);
		else if (c == 't')
			type = optarg;
		else
			given = optarg;
	}
	if (r != 0)
		return r < 0 ? -1 : 0;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		known |= strcmp(type, types[i]) == 0;
	if (!known)
		return pea_error_new(err, EINVAL,
				     "invalid choice: %s (choose from 'accept', 'reject', "
				     "'signedBy', 'sigstoreSigned')",
				     type);
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	target = argv[optind];
	if (!*target)
		return pea_error_new(err, EINVAL, "a registry or 'default' must be given");
	if (trust_requirements(type, keys, &reqs, err) < 0)
		return -1;
	path = trust_policy_path(g, given);
	if (trust_read(path, NULL, &policy, &e) < 0) {
		if (e->code != ENOENT)
			return pea_error_new(err, e->code, "could not read trust policies: %s",
					     e->message);
		policy = json_object_new_object();
	}
	if (strcmp(target, "default") == 0) {
		json_object_object_add(policy, "default", TAKE_PTR(reqs));
	} else {
		if (!json_object_object_get_ex(policy, "transports", &trans) ||
		    !json_object_is_type(trans, json_type_object)) {
			trans = json_object_new_object();
			json_object_object_add(policy, "transports", trans);
		}
		if (!json_object_object_get_ex(trans, "docker", &docker) ||
		    !json_object_is_type(docker, json_type_object)) {
			docker = json_object_new_object();
			json_object_object_add(trans, "docker", docker);
		}
		json_object_object_add(docker, target, TAKE_PTR(reqs));
	}
	text = trust_text(policy);
	return pea_write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0644, err);
}

/* The words of show's TYPE column for a requirement's type. */
static const char *trust_type_word(struct json_object *reqs)
{
	struct json_object *first = NULL, *t = NULL;
	const char *s;

	if (!json_object_is_type(reqs, json_type_array) || json_object_array_length(reqs) == 0)
		return "";
	first = json_object_array_get_idx(reqs, 0);
	if (!json_object_object_get_ex(first, "type", &t) || !(s = json_object_get_string(t)))
		return "";
	if (strcmp(s, "insecureAcceptAnything") == 0)
		return "accept";
	if (strcmp(s, "signedBy") == 0)
		return "signed";
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One row: transport, name, repo_name, type. */
static void trust_row(struct json_object *rows, const char *transport, const char *name,
		      const char *repo, struct json_object *reqs)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "transport", json_object_new_string(transport));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "repo_name", json_object_new_string(repo));
	json_object_object_add(o, "type", json_object_new_string(trust_type_word(reqs)));
	json_object_array_add(rows, o);
}

/* The rows of show: the default, then each transport's scopes by name ("repository": docker's). */
static struct json_object *trust_rows(struct json_object *policy, const char *only)
{
	struct json_object *rows = json_object_new_array(), *def = NULL, *trans = NULL;

	if (json_object_object_get_ex(policy, "default", &def) && (!only || !*only))
		trust_row(rows, "all", "* (default)", "default", def);
	if (!json_object_object_get_ex(policy, "transports", &trans) ||
	    !json_object_is_type(trans, json_type_object))
		return rows;
	json_object_object_foreach(trans, tname, scopes)
	{
		_cleanup_strv_ char **names = NULL;
		bool docker = strcmp(tname, "docker") == 0;

		if (!json_object_is_type(scopes, json_type_object))
			continue;
		json_object_object_foreach(scopes, sname, sreqs)
		{
			(void)sreqs;
			pea_strv_push(&names, sname);
		}
		if (names)
			qsort(names, pea_strv_length(names), sizeof(*names), cmp_str);
		for (size_t i = 0; names && names[i]; i++) {
			struct json_object *reqs = NULL;
			if (only && *only && strcmp(only, names[i]) != 0)
				continue;
			json_object_object_get_ex(scopes, names[i], &reqs);
			trust_row(rows, docker ? "repository" : tname, names[i], names[i], reqs);
		}
	}
	return rows;
}

static void trust_print_table(struct json_object *rows, bool heading)
{
	struct table t = { 0 };

	if (heading)
		table_add(&t, pea_strv_split("TRANSPORT NAME TYPE ID STORE", " "));
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i), *v = NULL;
		char **row = NULL;
		const char *keys[] = { "transport", "repo_name", "type" };

		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			json_object_object_get_ex(r, keys[k], &v);
			pea_strv_push(&row, json_object_get_string(v));
		}
		pea_strv_push(&row, "");
		pea_strv_push(&row, "");
		table_add(&t, row);
	}
	table_print(stdout, &t);
	table_clear(&t);
}

static int trust_show(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "noheading", no_argument, NULL, 'n' },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "policypath", required_argument, NULL, OPT_POLICYPATH },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_json_ struct json_object *policy = NULL, *rows = NULL;
	const char *given = NULL;
	bool json = false, heading = true, raw = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hjn", opts, show_usage, &c, err)) == 2) {
		if (c == 'j')
			json = true;
		else if (c == 'n')
			heading = false;
		else if (c == OPT_RAW)
			raw = true;
		else
			given = optarg;
	}
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (argc - optind > 1)
		return check_nargs(argc - optind, 0, 1, err);
	if (json && raw)
		return pea_error_new(err, EINVAL, "--json and --raw cannot be used together");
	path = trust_policy_path(g, given);
	if (trust_read(path, &text, &policy, err) < 0) {
		if ((*err)->code == ENOENT)
			return -1;
		return pea_error_wrap(err, "could not show trust policies: could not read trust "
					   "policies");
	}
	if (raw) {
		fputs(text, stdout);
		return 0;
	}
	rows = trust_rows(policy, optind < argc ? argv[optind] : NULL);
	if (json)
		fmt_print_json(stdout, rows);
	else
		trust_print_table(rows, heading);
	return 0;
}

int cmd_image_trust(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "set", trust_set },
		{ "show", trust_show },
	};

	return cmd_dispatch(g, "image trust", trust_usage, sub, ARRAY_SIZE(sub), argc, argv, err);
}
