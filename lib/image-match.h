#pragma once

/*
 * An image of the store by the name a user typed, as pea looks local images
 * up (podman's rules): its id (sha256: or not), its full name, a short name's
 * REGISTRY/.../NAME:TAG, else a unique id prefix of 3 or more hex digits.
 * The frontend (image_find, over `pea-storage image ls`) and pea-storage's
 * `container create --image-find` (one exec fewer for a run) share it.
 */

#include <stdbool.h>

struct json_object;

/*
 * The record of all (an array of image records as `image ls` gives them, with
 * "id" and "names") that name names: full is its normalized full form with a
 * tag (NULL when name does not parse as a reference), shortname whether it
 * names no registry. A reference into all, or NULL when none does.
 */
struct json_object *pea_image_match(struct json_object *all, const char *name, const char *full,
				    bool shortname);
