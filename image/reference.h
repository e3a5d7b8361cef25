#pragma once

/*
 * Docker image references: [domain/]path[:tag][@digest], with Docker's
 * normalisation ("busybox" -> "docker.io/library/busybox").
 */

#include <stdbool.h>

struct pea_error;

#define REFERENCE_DEFAULT_DOMAIN "docker.io"
#define REFERENCE_MAX_NAME	 255
#define REFERENCE_MAX_INPUT	 4096

struct image_reference {
	char *domain;	 /* "docker.io", "127.0.0.1:5000" */
	char *path;	 /* "library/busybox" */
	char *tag;	 /* NULL when none */
	char *digest;	 /* NULL when none */
	bool short_name; /* the input named no domain */
};

/*
 * Parse s. With normalize, a missing domain becomes docker.io (and a
 * one-component path gets "library/"), as Docker does; without it, a
 * missing domain is an error.
 */
int reference_parse(const char *s, bool normalize, struct image_reference **ret,
		    struct pea_error **err);
struct image_reference *reference_free(struct image_reference *r);
struct image_reference *reference_copy(const struct image_reference *r);

/* "domain/path" */
char *reference_name(const struct image_reference *r);
/* "domain/path[:tag][@digest]" */
char *reference_string(const struct image_reference *r);
/* Tag "latest" if there is neither a tag nor a digest. */
void reference_default_tag(struct image_reference *r);
/* Is s a valid tag? */
bool reference_tag_is_valid(const char *s);
/* Is s a valid repository path ("library/busybox")? */
bool reference_path_is_valid(const char *s);
/* Is s a valid domain ("host[:port]")? */
bool reference_domain_is_valid(const char *s);

static inline void reference_free_p(struct image_reference **r)
{
	reference_free(*r);
}
