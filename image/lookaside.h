#pragma once

/*
 * Signatures kept beside a registry ("lookaside" storage), as
 * containers-registries.d(5) configures them and containers/image's
 * signature-protocols.md lays them out.
 */

#include <stdbool.h>
#include <stddef.h>

struct pea_error;
struct image_reference;
struct sig_blob;

/*
 * The lookaside URL for ref's repository from the *.yaml files of dir (NULL:
 * ~/.config/containers/registries.d if it exists, else /etc/containers/registries.d):
 * the most specific "docker" scope, else "default-docker"; with write, its
 * staging URL when it has one. *ret NULL: none.
 */
int lookaside_base(const char *dir, const struct image_reference *ref, bool write, char **ret,
		   struct pea_error **err);
/* The same from one file's text (what names it in errors): for tests and the fuzz target. */
int lookaside_parse_buffer(const char *buf, size_t len, const char *what,
			   const struct image_reference *ref, char **ret, struct pea_error **err);
/* The signatures of manifest digest from base (file://, http://, https://). */
int lookaside_read(const char *base, const struct image_reference *ref, const char *digest,
		   struct sig_blob **ret, size_t *ret_n, struct pea_error **err);
/* Add a signature of manifest digest under base (file:// only), after the ones there. */
int lookaside_write(const char *base, const struct image_reference *ref, const char *digest,
		    const char *sig, size_t len, struct pea_error **err);
