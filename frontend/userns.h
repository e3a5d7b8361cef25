#pragma once

/*
 * run/create --userns=host|keep-id, --uidmap, --gidmap (podman-run(1)). With
 * maps, the container gets a user namespace of its own (linux.uidMappings),
 * and pea-storage maps its layers the same way (container create --uidmap).
 * The record keeps "uid_map" and "gid_map" ("C:H:N,..."), and for keep-id
 * "userns_user" (the user's uid:gid, the process's user unless --user).
 * Host ids are those of pea's namespace: for rootless pea 0 is the user, 1
 * and up its ranges of /etc/subuid.
 */

#include <stdbool.h>

struct json_object;
struct pea_error;

enum userns_flag {
	USERNS_FLAG_MODE,
	USERNS_FLAG_UIDMAP,
	USERNS_FLAG_GIDMAP,
};

struct userns_opts {
	char *mode;    /* --userns as given */
	char **uidmap; /* each --uidmap */
	char **gidmap; /* each --gidmap */
	char *uid_map; /* after validate: "C:H:N,..." or NULL */
	char *gid_map;
	char *user; /* keep-id: "uid:gid" */
};

void userns_opts_clear(struct userns_opts *u);
/* One flag (checked: CONTAINER:HOST:SIZE). */
int userns_opts_add(struct userns_opts *u, enum userns_flag flag, const char *arg,
		    struct pea_error **err);
/* The maps from the flags; clear errors for bad and conflicting ones. */
int userns_opts_validate(struct userns_opts *u, struct pea_error **err);
/* Into the record's options. */
void userns_opts_to_json(const struct userns_opts *u, struct json_object *opts);
/* config.json: the user namespace and its maps, when the record has maps. */
void userns_spec(struct json_object *opts, struct json_object *linux_obj);
/* keep-id's user (uid:gid), or NULL. */
const char *userns_default_user(struct json_object *opts);
