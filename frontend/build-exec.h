#pragma once

/*
 * pea build's executor: stages, RUN through `pea run` of the step's image,
 * COPY/ADD as layers made from the context, an image per instruction (the
 * --layers cache), the final commit and its names.
 */

#include <stdbool.h>

struct global_options;
struct pea_error;

struct build_opts {
	char **tags;
	char **files;	   /* -f (joined); NULL: Containerfile or Dockerfile of the context */
	char *context;	   /* a directory, "-" (a tar on stdin) or an http(s) URL */
	char **build_args; /* KEY=VALUE or KEY (from pea's environment) */
	char *target;
	bool no_cache;
	bool layers;
	char *pull; /* always, missing, never, newer */
	char **labels, **annotations;
	char *format; /* oci or docker */
	bool squash, squash_all;
	bool rm, force_rm;
	bool quiet;
	char *iidfile;
	char *ignorefile;
	char *from;
	char *platform;
	char **env;	 /* --env KEY=VALUE: into the image and RUN */
	char **run_opts; /* options passed on to the RUN containers (pea run) */
};

void build_opts_clear(struct build_opts *o);

/* Build; the exit status (a failing RUN's own), or < 0 with err. */
int build_run(struct global_options *g, const struct build_opts *o, struct pea_error **err);

/* build-ignore.c: .containerignore / .dockerignore */
/* The patterns of a file (NULL path: CONTEXT/.containerignore, then .dockerignore). */
int build_ignore_load(const char *context, const char *path, char ***ret, struct pea_error **err);
/* Is rel (a path relative to the context, no leading '/') excluded by the patterns? */
bool build_ignore_match(char *const *patterns, const char *rel);
