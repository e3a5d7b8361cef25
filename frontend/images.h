#pragma once

/* Images in the store, through pea-storage (docs/protocol.md). */

#include <stdbool.h>

struct json_object;
struct pea_error;
struct global_options;
struct run_result;

/* pea-image's argv for cmd: the binary next to pea, its --log-level (cmd-push.c). */
char **image_tool(const struct global_options *g, const char *cmd);
/* pea-image's last line of standard error, without its "pea-image: " prefix. */
const char *image_tool_message(const struct run_result *r);

/* A docker reference's first component names a registry (has '.' or ':', or is localhost). */
bool image_name_has_domain(const char *name);
/*
 * Check a reference and give its full form with a tag (":latest" added when
 * it has neither tag nor digest). Short names stay short. EINVAL names the problem.
 */
int image_normalize(const char *name, char **ret, struct pea_error **err);
/* "repo" and "tag" of a full name ("<none>" when missing); new strings. */
void image_split_name(const char *full, char **ret_repo, char **ret_tag);

/*
 * The storage record of an image by name (full or short, as podman resolves
 * local names), id or id prefix. ENOENT: "NAME: image not known".
 */
int image_find(const struct global_options *g, const char *name, struct json_object **ret,
	       struct pea_error **err);
/* The image's OCI config (parsed), or an empty object when it has none. */
int image_read_config(struct json_object *rec, struct json_object **ret, struct pea_error **err);
/* Sum of the sizes of the image's layers (from a `layer ls` array). */
long long image_size(struct json_object *rec, struct json_object *layers);
/* Pull NAME (short names through registries.conf); the record of the image. */
int image_pull(const struct global_options *g, const char *name, bool quiet, bool tls_verify,
	       struct json_object **ret, struct pea_error **err);
/* image_pull of a platform's image from a manifest list (NULL: this machine's). */
struct platform_spec;
int image_pull_platform(const struct global_options *g, const char *name, bool quiet,
			bool tls_verify, const struct platform_spec *platform,
			struct json_object **ret, struct pea_error **err);
/*
 * --pull=newer: *rec, the local image of name, replaced by the registry's when
 * the registry has another digest for name; failures leave the local one.
 */
void image_pull_newer(const struct global_options *g, const char *name, bool quiet, bool tls_verify,
		      const struct platform_spec *plat, struct json_object **rec);
/* image_pull_platform with pea-image copy's options of credentials (--src-creds, --authfile) */
int image_pull_auth(const struct global_options *g, const char *name, bool quiet, bool tls_verify,
		    const struct platform_spec *platform, char *const *auth,
		    struct json_object **ret, struct pea_error **err);
/*
 * run --rmi, as podman removes the image by the name given: only that name
 * when the image has others, else the image unless a container uses it; 0
 * when done, 1 when kept (in use), -1 and err when the store failed.
 */
int image_remove_unused(const struct global_options *g, const char *name, struct pea_error **err);
/* `image inspect` JSON of one image, or ENOENT. */
int image_inspect_one(const struct global_options *g, const char *name, struct json_object **ret,
		      struct pea_error **err);
/* image mount, image umount|unmount: an image's root, read-only, on the host (cmd-mount.c). */
int cmd_image_mount(struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_image_unmount(struct global_options *g, int argc, char **argv, struct pea_error **err);
/* Download an http:// or https:// URL into a new temporary file of the run root (cmd-commit.c). */
int url_download(const struct global_options *g, const char *url, char **ret_path,
		 struct pea_error **err);
/*
 * pea build (cmd-commit.c): record an image of base_rec's layers (NULL: none) and layer
 * (NULL: none) with the config cfg as given (its diff_ids and history already in), and
 * the manifest's annotations (KEY=VALUE; NULL: none).
 */
int commit_build_image(const struct global_options *g, struct json_object *base_rec,
		       struct json_object *cfg, struct json_object *layer, const char *name,
		       bool docker, char *const *annotations, char **ret_id,
		       struct pea_error **err);
/* pea build: a container's changes as a new layer over parent (a layer id, NULL: none). */
int commit_container_layer(const struct global_options *g, const char *ctr, const char *parent,
			   struct json_object **ret, struct pea_error **err);
