#pragma once

/*
 * run/create --userns=host|keep-id[:uid=U,gid=G]|nomap|auto[:size=N], --uidmap,
 * --gidmap (podman-run(1)). With maps, the container gets a user namespace of its
 * own (linux.uidMappings), and pea-storage maps its layers the same way (container
 * create --uidmap). The record keeps "uid_map" and "gid_map" ("C:H:N,..."), for
 * keep-id "userns_user" (the process's user unless --user) and "userns_passwd" (the
 * /etc/passwd and /etc/group entries it adds), for auto "userns_auto_size" until the
 * maps are allocated under the records' lock.
 *
 * Host ids are those of pea's namespace: for rootless pea 0 is the user, 1 and up
 * its ranges of /etc/subuid (podman's "intermediate" ids).
 */

#include <stdbool.h>
#include <stddef.h>

struct ctr_record;
struct global_options;
struct json_object;
struct pea_error;

enum userns_flag {
	USERNS_FLAG_MODE,
	USERNS_FLAG_UIDMAP,
	USERNS_FLAG_GIDMAP,
};

struct userns_opts {
	char *mode;	 /* --userns as given */
	bool mode_given; /* mode is the command line's (not containers.conf's or PODMAN_USERNS) */
	char **uidmap;	 /* each --uidmap */
	char **gidmap;	 /* each --gidmap */
	/* after validate */
	char *uid_map; /* "C:H:N,..." or NULL */
	char *gid_map;
	char *user;		    /* keep-id: "uid:gid" */
	struct json_object *passwd; /* keep-id: the entries to add */
	bool is_auto;		    /* --userns=auto */
	unsigned long auto_size;    /* its size:, 0: from the image's ids */
	char *mode_from;	    /* the containers.conf mode came from, or NULL */
	char *join;		    /* a pod's infra whose user namespace is joined */
};

void userns_opts_clear(struct userns_opts *u);
/* One flag (checked: CONTAINER:HOST:SIZE). */
int userns_opts_add(struct userns_opts *u, enum userns_flag flag, const char *arg,
		    struct pea_error **err);
/*
 * Without --userns, --uidmap or --gidmap and without PODMAN_USERNS: the mode of
 * containers.conf's [containers] userns, if any (the last file that sets it).
 */
int userns_opts_defaults(const struct global_options *g, struct userns_opts *u,
			 struct pea_error **err);
/* The maps from the flags; clear errors for bad and conflicting ones. */
int userns_opts_validate(struct userns_opts *u, struct pea_error **err);
/*
 * A container of a pod whose infra container has maps: the infra's maps replace
 * the container's own (podman: a pod's containers use the pod's user namespace;
 * the layers are mapped alike) and each start joins the infra's user namespace
 * (userns_join_spec). Nothing changes when the infra has no maps; with maps, a
 * --userns, --uidmap or --gidmap of the command line is refused (podman's error),
 * a default (containers.conf, PODMAN_USERNS) gives way.
 */
int userns_opts_from_infra(const struct global_options *g, struct userns_opts *u,
			   const char *infra_id, struct pea_error **err);
/* Into the record's options. */
void userns_opts_to_json(const struct userns_opts *u, struct json_object *opts);
/*
 * --userns=auto: the lowest free range of the size asked for (else the image's
 * largest owner id + 1, at least 1024, at most 65536, as podman's estimate) of
 * /etc/subuid's "containers" as root, of the user's as rootless, that no other
 * container's maps use, written into r's opts. Call under the records' lock with
 * every record.
 */
int userns_auto_allocate(const struct global_options *g, struct ctr_record *r,
			 struct ctr_record *const *all, size_t n, struct pea_error **err);
/* config.json: the user namespace and its maps, when the record has maps. */
void userns_spec(struct json_object *opts, struct json_object *linux_obj);
/*
 * config.json, last: a pod's member (opts "userns_join") names the running infra
 * container's /proc/PID/ns/user instead of maps of its own (a user namespace
 * joined takes none).
 */
int userns_join_spec(const struct global_options *g, const struct ctr_record *r,
		     struct json_object *spec, struct pea_error **err);
/*
 * Before the container starts: what its root (a host id of the map) must reach
 * (the store's folders searchable, the /etc files of rundir its own), and keep-id's
 * passwd and group entries (bound over /etc/passwd and /etc/group) and HOME.
 */
int userns_prepare(const struct global_options *g, const struct ctr_record *r, int rootfd,
		   const char *rootfs, const char *rundir, struct json_object *spec,
		   struct pea_error **err);
/* The host ids of the container's root through the record's maps; false without maps. */
bool userns_root_ids(struct json_object *opts, unsigned long long *uid, unsigned long long *gid);
/* keep-id's user (uid:gid), or NULL. */
const char *userns_default_user(struct json_object *opts);
/* pea info's host.idMappings: {"uidmap": [...], "gidmap": [...]}, null as root. */
struct json_object *userns_info_mappings(void);
/*
 * pea inspect's HostConfig.UsernsMode ("private" with maps of its own, else "") and
 * HostConfig.IDMappings ({"UidMap": ["C:H:N", ...], "GidMap": [...]}, else null), as
 * podman 4.3's.
 */
void userns_inspect(struct json_object *opts, struct json_object *host_config);
