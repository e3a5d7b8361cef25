#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/cli.h"
#include "image/reference.h"
#include "image/registries.h"
#include "image/registry.h"
#include "image/tarball.h"
#include "image/transport.h"

static const char list_tags_usage[] = "Usage: pea-image list-tags [OPTIONS] docker://REPOSITORY\n"
				      "\n"
				      "List the tags of a repository as JSON.\n"
				      "\n" CLI_SIDE_USAGE;

/* The RepoTags of every image of a docker-archive, as skopeo lists them. */
static int list_archive_tags(const struct image_name *name, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct json_object *doc = NULL, *out = json_object_new_object();
	struct json_object *tags = json_object_new_array();
	size_t len = 0;

	json_object_object_add(out, "Tags", tags);
	if (tar_read_file(name->path, "manifest.json", 4u << 20, &buf, &len, err) < 0 ||
	    pea_json_parse(buf, len, "manifest.json", &doc, err) < 0)
		return pea_error_wrap(err, "list-tags: '%s'", name->input);
	if (!json_object_is_type(doc, json_type_array))
		return pea_error_new(err, EINVAL, "list-tags: '%s': manifest.json is not an array",
				     name->input);
	for (size_t i = 0; i < json_object_array_length(doc); i++) {
		_cleanup_strv_ char **repo_tags = NULL;
		_cleanup_free_ char *path = pea_json_path_index("manifest.json", i);

		if (pea_json_get_strv_opt(json_object_array_get_idx(doc, i), path, "RepoTags",
					  &repo_tags, err) < 0)
			return pea_error_wrap(err, "list-tags: '%s'", name->input);
		for (size_t k = 0; repo_tags && repo_tags[k]; k++)
			json_object_array_add(tags, json_object_new_string(repo_tags[k]));
	}
	cli_print_json(stdout, out);
	return 0;
}

int cli_repo_tags(const struct transport_context *ctx, const struct image_reference *repo,
		  const struct side_options *side, char ***ret, struct pea_error **err)
{
	struct registry_client *client = NULL;
	struct pull_source primary = { 0 };
	int r = registries_primary(ctx->registries, repo, &primary, err);

	if (r == 0)
		r = docker_client_for(primary.ref, primary.insecure, side, ctx, &client, err);
	if (r == 0)
		r = registry_list_tags(client, primary.ref->path, ret, err);
	registry_client_free(client);
	reference_free(primary.ref);
	return r;
}

static int list_tags_run(const struct global_options *g, const char *image,
			 const struct side_options *side, struct pea_error **err)
{
	_cleanup_(image_name_free_p) struct image_name *name = NULL;
	_cleanup_strv_ char **tags = NULL;
	_cleanup_json_ struct json_object *out = NULL;
	_cleanup_free_ char *repo = NULL;
	struct transport_context ctx;
	struct json_object *arr;
	int r;

	if (image_name_parse(image, &name, err) < 0)
		return -EINVAL;
	if (name->kind == TRANSPORT_DOCKER_ARCHIVE)
		return list_archive_tags(name, err);
	if (name->kind != TRANSPORT_DOCKER)
		return pea_error_new(err, ENOTSUP,
				     "list-tags: '%s': only docker:// repositories and "
				     "docker-archive: files have tags to list",
				     image);
	if (name->ref->tag || name->ref->digest)
		return pea_error_new(err, EINVAL,
				     "list-tags: '%s': name a repository, without a "
				     "tag or digest",
				     image);
	if (cli_context(g, &ctx, err) < 0)
		return -EINVAL;
	r = cli_repo_tags(&ctx, name->ref, side, &tags, err);
	if (r == 0) {
		repo = reference_name(name->ref);
		out = json_object_new_object();
		json_object_object_add(out, "Repository", json_object_new_string(repo));
		arr = json_object_new_array();
		for (size_t i = 0; tags[i]; i++)
			json_object_array_add(arr, json_object_new_string(tags[i]));
		json_object_object_add(out, "Tags", arr);
		cli_print_json(stdout, out);
	}
	cli_context_done(&ctx);
	return r;
}

int cmd_list_tags(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct side_options side = { .tls_verify = -1 };
	const char *operand = NULL;
	int r = cli_side_command(argc, argv, "list-tags", list_tags_usage, "REPOSITORY", &side,
				 &operand, err);

	return r != 0 ? r : list_tags_run(g, operand, &side, err);
}
