#pragma once

/*
 * containers.conf, as far as pea reads it: [engine] runtime and conmon_path,
 * [engine.runtimes]. Files, later ones winning: CONTAINERS_CONF alone when
 * set; else pea's own (BINDIR/../share/pea/containers.conf), then
 * /usr/share/containers/containers.conf, /etc/containers/containers.conf,
 * /etc/containers/containers.conf.d/NAME.conf, and for an ordinary user
 * $XDG_CONFIG_HOME/containers/containers.conf (~/.config/containers/ without
 * it); then CONTAINERS_CONF_OVERRIDE (as podman). Command-line flags win over all.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct pea_error;
struct global_options;

struct engine_config {
	char *runtime;	    /* [engine] runtime: a name or a path */
	char **conmon_path; /* [engine] conmon_path */
	char **runtimes;    /* [engine.runtimes]: "name=path1:path2" */
};

void engine_config_clear(struct engine_config *c);
/*
 * pea_toml_parse of a containers.conf text, parsed once per process: the
 * same text again gets a new reference to the same document, which callers
 * only read (json_object_put it as usual).
 */
int config_toml_parse(const char *text, size_t len, const char *what, struct json_object **ret,
		      struct pea_error **err);
/* Parse one file's text (lib/toml.h) into c; what names it in errors. */
int engine_config_parse(struct engine_config *c, const char *text, const char *what,
			struct pea_error **err);
int engine_config_load(const struct global_options *g, struct engine_config *c,
		       struct pea_error **err);
/*
 * The containers.conf files in the order they are read (missing ones are
 * skipped by readers), CONTAINERS_CONF_OVERRIDE last when set.
 */
char **containers_conf_paths(const struct global_options *g);
/* The runtime's path ([engine.runtimes] first, then next to pea and PATH), or NULL. */
char *engine_config_runtime(const struct global_options *g, const struct engine_config *c);
/* The first conmon_path entry that exists, or NULL. */
char *engine_config_conmon(const struct global_options *g, const struct engine_config *c);

/*
 * [containers] keys of a container's creation: log_driver, log_size_max,
 * log_tag, annotations, tz, seccomp_profile, default_sysctls. Same files, later
 * ones winning.
 */
struct ctr_config {
	char *log_driver;	 /* NULL: pea's default, k8s-file */
	int64_t log_size_max;	 /* bytes; < 0: no cap */
	bool log_size_set;	 /* a file set log_size_max */
	char *log_tag;		 /* NULL: none */
	char **annotations;	 /* "K=V" */
	char *tz;		 /* NULL: none */
	char *seccomp_profile;	 /* NULL: pea's built-in profile (seccomp-profile.h) */
	char *image_volume_mode; /* [engine] image_volume_mode: bind, tmpfs, ignore; NULL: bind */
	char **default_sysctls;	 /* "K=V", set in every container (podman's default_sysctls) */
};

/* pea's cap of a k8s-file log when no containers.conf sets log_size_max (10 MiB). */
#define CTR_LOG_SIZE_MAX_DEFAULT (10ll << 20)

void ctr_config_clear(struct ctr_config *c);
/* Parse one file's text into c; what names it in errors. */
int ctr_config_parse(struct ctr_config *c, const char *text, size_t len, const char *what,
		     struct pea_error **err);
int ctr_config_load(const struct global_options *g, struct ctr_config *c, struct pea_error **err);

/*
 * Rootless: the user's storage.conf ($XDG_CONFIG_HOME/containers, else
 * ~/.config/containers) for pea-storage through CONTAINERS_STORAGE_CONF,
 * unless that is set already (its mount_program, driver and options).
 */
void config_rootless_storage_conf(const struct global_options *g);
/* A user's file NAME: $XDG_CONFIG_HOME/containers/NAME, else ~/.config/containers/NAME. */
char *config_user_file(const char *name);
