#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "image/cli.h"
#include "lib/digest.h"
#include "image/reference.h"
#include "image/registries.h"
#include "image/registry.h"
#include "image/transport.h"

static const char delete_usage[] =
	"Usage: pea-image delete [OPTIONS] docker://IMAGE\n"
	"\n"
	"Delete an image's manifest from a registry (a tag is resolved to its digest first).\n"
	"\n" CLI_SIDE_USAGE;

static int delete_run(const struct global_options *g, const char *image,
		      const struct side_options *side, struct pea_error **err)
{
	_cleanup_(image_name_free_p) struct image_name *name = NULL;
	_cleanup_free_ char *digest = NULL;
	struct transport_context ctx;
	struct registry_client *client = NULL;
	struct pull_source primary = { 0 };
	struct http_response resp = { 0 };
	int r;

	if (image_name_parse(image, &name, err) < 0)
		return -EINVAL;
	if (name->kind != TRANSPORT_DOCKER)
		return pea_error_new(err, ENOTSUP,
				     "delete: '%s': only docker:// images can be "
				     "deleted",
				     image);
	reference_default_tag(name->ref);
	if (cli_context(g, &ctx, err) < 0)
		return -EINVAL;
	r = registries_primary(ctx.registries, name->ref, &primary, err);
	if (r == 0)
		r = docker_client_for(primary.ref, primary.insecure, side, &ctx, &client, err);
	if (r == 0 && primary.ref->digest) {
		digest = xstrdup(primary.ref->digest);
	} else if (r == 0) {
		r = registry_get_manifest(client, primary.ref->path, primary.ref->tag, false, &resp,
					  err);
		if (r == 0) {
			char d[PEA_DIGEST_MAX];

			pea_digest_buffer("sha256", resp.body ? resp.body : "", resp.body_len, d);
			digest = xstrdup(resp.docker_digest &&
							 pea_digest_is_valid(resp.docker_digest)
						 ? resp.docker_digest
						 : d);
		}
		http_response_clear(&resp);
	}
	if (r == 0)
		r = registry_delete_manifest(client, primary.ref->path, digest, err);
	registry_client_free(client);
	reference_free(primary.ref);
	cli_context_done(&ctx);
	return r;
}

int cmd_delete(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct side_options side = { .tls_verify = -1 };
	const char *operand = NULL;
	int r = cli_side_command(argc, argv, "delete", delete_usage, "IMAGE", &side, &operand, err);

	return r != 0 ? r : delete_run(g, operand, &side, err);
}
