#pragma once

/*
 * Rootless pea (podman's rootless mode): an ordinary user's pea runs in a user
 * namespace where uid 0 is the user and 1..N the user's ranges of /etc/subuid
 * and /etc/subgid (mapped by newuidmap and newgidmap), with a mount namespace
 * of its own. One pause process per user holds both namespaces; every later
 * pea joins them (setns) before it does anything else, so all see the same
 * mounts. Its pid file is PAUSE_DIR/pause.pid, PAUSE_DIR being the user's
 * default run root ($XDG_RUNTIME_DIR/pea, else /tmp/pea-run-UID).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ctr_record;
struct json_object;
struct global_options;
struct pea_error;

struct subid_range {
	unsigned long start;
	unsigned long count;
};

#define SUBID_MAX_RANGES 64

/*
 * The ranges of user (by name, or by uid) in the text of /etc/subuid or
 * /etc/subgid (what names the file in errors). Comments and lines of other
 * users are skipped; a malformed line of this user is an error. *ret_n may be 0.
 */
int subid_parse(const char *text, size_t len, const char *what, const char *user, uid_t uid,
		struct subid_range **ret, size_t *ret_n, struct pea_error **err);

/*
 * The ranges of user (or uid id) in file (/etc/subuid, /etc/subgid); none is ENOENT
 * ("no subuid ranges found for user NAME in /etc/subuid").
 */
int rootless_read_ranges(const char *file, const char *user, uid_t id, struct subid_range **ret,
			 size_t *ret_n, struct pea_error **err);

/* Are we in a user namespace other than the initial one (pea's own, or any)? */
bool rootless_in_userns(void);
/* pea is rootless: not root, or root of a user namespace. */
bool rootless_detect(void);
/* The user's uid outside the namespace (geteuid() when not in one). */
uid_t rootless_uid(void);
/* The user's gid outside the namespace. */
gid_t rootless_gid(void);

/* argv[0] is "pea-pause": the pause process (rootless_enter starts it so). */
bool rootless_is_pause(int argc, char **argv);
int rootless_pause_main(void);

enum rootless_join {
	ROOTLESS_JOIN_NONE,	/* version: no namespace */
	ROOTLESS_JOIN,		/* the pause process's, started when there is none */
	ROOTLESS_JOIN_EXISTING, /* system migrate: only a running one's */
};

/* What the command (argv[0] and on) needs of the user namespace. */
enum rootless_join rootless_join_mode(int argc, char **argv);
/*
 * Join the user's pause process's namespaces as mode says. Nothing to do as
 * root or when already inside a user namespace.
 */
int rootless_enter(struct global_options *g, enum rootless_join mode, struct pea_error **err);
/* Stop the pause process; *ret_stopped says whether one ran. */
int rootless_stop_pause(bool *ret_stopped, struct pea_error **err);
/* pea system migrate: the running containers (when joined) and then the pause process stop. */
int rootless_migrate(struct global_options *g, struct pea_error **err);

/* pea unshare [CMD [ARG...]] */
int cmd_unshare(struct global_options *g, int argc, char **argv, struct pea_error **err);

/* rootless-net.c: --network pasta[:OPT,...] (the passt package), podman's rootless default. */
bool rootless_net_is_pasta(const char *mode);
/* The namespace at RUNROOT/containers/ID/netns, configured by pasta with the published ports. */
int rootless_net_setup(const struct global_options *g, const struct ctr_record *r, const char *mode,
		       char **ret_nspath, struct pea_error **err);
/* The published ports (netavark's port_mappings) of a container whose pasta runs, else NULL. */
struct json_object *rootless_net_ports(const struct global_options *g, const struct ctr_record *r);
/* Stop the container's pasta, if any (network_teardown removes the namespace). */
void rootless_net_teardown(const struct global_options *g, const char *id);
