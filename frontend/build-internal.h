#pragma once

/*
 * Between the files of pea build's executor: build-exec.c (stages, steps,
 * images, the cache) and build-copy.c (the layers of COPY and ADD, --squash-all).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "frontend/build-parse.h"

struct build_opts;
struct global_options;
struct json_object;
struct pea_error;

struct stage {
	size_t first, n; /* its instructions; first is the FROM */
	char *name;	 /* AS NAME, else NULL */
	char *image_id;	 /* the current image; NULL: scratch with nothing made yet */
	struct json_object *rec, *cfg;
	char **args;  /* ARG values in scope: KEY=VALUE (KEY alone: declared, unset) */
	char **shell; /* SHELL */
	bool cmd_set; /* CMD given in this stage (ENTRYPOINT keeps it) */
	bool made;    /* the current image is a step's (made or from the cache) */
};

struct builder {
	struct global_options *g;
	const struct build_opts *o;
	struct build_file file;
	char *ctx;	    /* the context folder */
	char *tmpctx;	    /* a context unpacked by us, removed at the end */
	char **ignore;	    /* .containerignore patterns */
	char **global_args; /* ARGs before the first FROM */
	char **used_args;   /* build args consumed */
	struct stage *st;
	size_t nst, nrun; /* stages, stages to run */
	char **intermediates;
	char **working;	     /* the working containers (pea's store), buildah's */
	char *working_image; /* the image of the last one */
	FILE *out;
};

/* build-exec.c */
struct json_object *build_cfg_obj(struct json_object *cfg, const char *key);
/* ENV first, then ARG (a build_lookup_fn over a struct stage). */
const char *build_stage_lookup(void *ctx, const char *name);
bool build_is_docker(const struct builder *b);
void build_history_add(struct json_object *cfg, const char *created_by, bool empty);
void build_diff_id_add(struct json_object *cfg, const char *diff_id);
char *build_cache_key(const struct stage *st, const char *what, const char *extra);
struct json_object *build_cache_find(struct builder *b, const char *key);
void build_layer_drop(struct builder *b, struct json_object *layer);
/* RUN's --mount flags as pea run --mount arguments (build-mount.c); another flag is EINVAL. */
int build_run_mounts(struct builder *b, char *const *flags, char ***ret, struct pea_error **err);
/* Parse and check one RUN flag as build_run_mounts does, without looking at any file. */
int build_mount_check(const char *flag, struct pea_error **err);
int build_stage_commit(struct builder *b, struct stage *st, struct json_object *layer,
		       const char *name, const char *key, struct pea_error **err);
int build_stage_use(struct builder *b, struct stage *st, struct json_object *rec,
		    struct pea_error **err);
const char *build_top_layer(const struct stage *st);
int build_find_or_pull(struct builder *b, const char *name, const char *platform,
		       struct json_object **ret, struct pea_error **err);
ssize_t build_stage_index(struct builder *b, const char *name, size_t before);

/* build-copy.c */
bool build_is_url(const char *s);
int build_copy(struct builder *b, size_t si, const struct build_instr *in, const char *name,
	       struct pea_error **err);
int build_squash_all(struct builder *b, struct stage *st, const char *name, char **ret_id,
		     struct pea_error **err);
