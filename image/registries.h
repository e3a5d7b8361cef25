#pragma once

/*
 * registries.conf (containers-registries.conf(5)), version 2, plus the
 * version 1 tables: unqualified-search-registries, short-name-mode,
 * [aliases], [[registry]] with prefix, location, insecure, blocked,
 * mirror-by-digest-only and [[registry.mirror]].
 */

#include <stdbool.h>
#include <stddef.h>

struct pea_error;
struct image_reference;

enum short_name_mode {
	SHORT_NAME_PERMISSIVE,
	SHORT_NAME_ENFORCING,
	SHORT_NAME_DISABLED,
};

enum pull_from_mirror {
	PULL_FROM_MIRROR_ALL,
	PULL_FROM_MIRROR_DIGEST_ONLY,
	PULL_FROM_MIRROR_TAG_ONLY,
};

struct registry_mirror {
	char *location;
	bool insecure;
	enum pull_from_mirror pull_from;
};

struct registry_entry {
	char *prefix;
	char *location;
	bool insecure;
	bool blocked;
	bool mirror_by_digest_only;
	struct registry_mirror *mirrors;
	size_t nmirrors;
};

struct registries_conf {
	char **search;		   /* unqualified-search-registries */
	char **credential_helpers; /* NULL: ["containers-auth.json"] */
	bool search_set;
	enum short_name_mode mode;
	char **alias_names;
	char **alias_values;
	struct registry_entry *regs;
	size_t nregs;
};

/* One place to pull a reference from: the rewritten reference and its TLS setting. */
struct pull_source {
	struct image_reference *ref;
	bool insecure;
	bool mirror;
};

/*
 * Load the configuration: path when given (else $CONTAINERS_REGISTRIES_CONF,
 * else ~/.config/containers/registries.conf if present, else
 * /etc/containers/registries.conf), then the drop-ins of registries.conf.d.
 * Missing files are fine.
 */
int registries_conf_load(const char *path, struct registries_conf **ret, struct pea_error **err);
/* Merge one file's content into conf; what names it in errors. */
int registries_conf_parse(struct registries_conf *conf, const char *buf, size_t len,
			  const char *what, struct pea_error **err);
struct registries_conf *registries_conf_new(void);
struct registries_conf *registries_conf_free(struct registries_conf *conf);

/* The [[registry]] whose prefix matches ref best, or NULL. */
const struct registry_entry *registries_find(const struct registries_conf *conf,
					     const struct image_reference *ref);
/*
 * Where to pull ref from, in order: the mirrors that apply, then the primary
 * location. A blocked registry is an error (EACCES).
 */
int registries_pull_sources(const struct registries_conf *conf, const struct image_reference *ref,
			    struct pull_source **ret, size_t *ret_n, struct pea_error **err);
void pull_sources_free(struct pull_source *s, size_t n);

/* The primary location of ref (rewritten by location), for push and delete. */
int registries_primary(const struct registries_conf *conf, const struct image_reference *ref,
		       struct pull_source *ret, struct pea_error **err);

/*
 * Short-name resolution: candidates for a reference given without a
 * registry (name[:tag][@digest]) from the aliases, then the
 * unqualified-search registries. *ret_alias tells whether an alias matched.
 */
int registries_resolve_short_name(const struct registries_conf *conf, const char *name, char ***ret,
				  bool *ret_alias, struct pea_error **err);
