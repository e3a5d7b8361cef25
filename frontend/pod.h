#pragma once

/*
 * Pods (podman-pod(1)): ROOT/pods/ID/pod.json, one per pod, replaced whole
 * (pea_write_file_atomic_at), so readers need no lock. A pod's containers
 * are the container records whose options name it ("pod": ID); its infra
 * container (when it has one) is an ordinary container made from the pause
 * image ("pod_infra": true) that holds the namespaces the pod shares and its
 * published ports; the other containers join them (--network, --ipc, --uts,
 * --pid container:INFRA) and it is started before the first of them.
 *
 * Locks: ROOT/pods.lock for names and removals (create, rm), held for the
 * time of a record's change (never while a container's lock is wanted). A
 * removal first renames the pod's folder away (no lookup finds it), then
 * removes the containers it lists then; a member's create checks after its
 * record is saved that its pod is still there (pod_exists), else takes its
 * container back: no container is left in a pod that is gone.
 */

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct pea_error;
struct global_options;
struct ctr_record;

struct pod_record {
	char *id;
	char *name;
	char *created;
	char *infra_id;	   /* NULL: --infra=false */
	char **share;	   /* the namespaces the members join: ipc, net, uts, pid, cgroup */
	char *exit_policy; /* continue, stop */
	char *service_id;  /* kube play --service-container: its service container, or NULL */
	char *hostname;
	char *cgroup_parent;
	struct json_object *labels;	  /* {K: V} */
	struct json_object *infra_config; /* what pod inspect shows as InfraConfig */
	struct json_object *create_command;
};

struct pod_record *pod_record_free(struct pod_record *p);
void pod_record_freep(struct pod_record **p);
#define _cleanup_pod_ __attribute__((cleanup(pod_record_freep)))

/* The pods lock (exclusive), creating ROOT/pods. */
int pods_lock(const struct global_options *g, int *ret_fd, struct pea_error **err);
int pod_save(const struct global_options *g, const struct pod_record *p, struct pea_error **err);
/* A pod.json text (strict JSON, at most 1 MiB; unknown keys ignored). */
int pod_record_parse(const char *buf, size_t len, struct pod_record **ret, struct pea_error **err);
int pod_load(const struct global_options *g, const char *id, struct pod_record **ret,
	     struct pea_error **err);
/* Every pod, oldest first. */
int pods_list(const struct global_options *g, struct pod_record ***ret, size_t *ret_n,
	      struct pea_error **err);
void pods_free(struct pod_record **v, size_t n);
/* By id, name or unique id prefix; ENOENT: 'no pod with name or ID x found: no such pod'. */
int pod_lookup(const struct global_options *g, const char *what, struct pod_record **ret,
	       struct pea_error **err);
/* Remove the pod's folder (its containers gone; caller holds the pods lock). */
int pod_delete(const struct global_options *g, const char *id, struct pea_error **err);

/* Is pod id's record there (not removed, nor being removed)? */
bool pod_exists(const struct global_options *g, const char *id);
/* The pod a container belongs to (its id, borrowed from r->opts), or NULL. */
const char *pod_of(const struct ctr_record *r);
/* Is it a pod's infra container? */
bool pod_is_infra(const struct ctr_record *r);
/* The ids of the pod's containers, infra last (NULL: none); oldest first otherwise. */
int pod_containers(const struct global_options *g, const char *pod_id, bool with_infra, char ***ret,
		   struct pea_error **err);
/* Does the pod share namespace ns ("net", "ipc", ...)? */
bool pod_shares(const struct pod_record *p, const char *ns);

/* podman's state of a pod from its containers': Created, Running, Degraded, Exited, Paused. */
const char *pod_state(const struct global_options *g, const struct pod_record *p);

/*
 * The infra container's image, made on first use from pea-pause when it is
 * pea's own (pod_pause_image_name()); its name (new string).
 */
char *pod_pause_image_name(void);
int pod_pause_image_ensure(const struct global_options *g, struct pea_error **err);

/* What `pod create` takes (cmd-pod.c fills it). */
struct pod_create_opts {
	char *name;
	bool infra;
	char *infra_image, *infra_command, *infra_name;
	char **share;
	bool share_given;
	char **labels;
	char **publish;
	char *network;
	char *hostname;
	char **add_host, **dns, **dns_search, **dns_option;
	char *mac;
	char *pod_id_file;
	char *cgroup_parent;
	char *exit_policy;
	char *userns;
	char **uidmap, **gidmap; /* the infra's; members join its user namespace */
	bool replace;
	struct json_object *create_command;
};
void pod_create_opts_clear(struct pod_create_opts *o);
/* Check the options (podman's errors), then make the pod and its infra container. */
int pod_create(struct global_options *g, struct pod_create_opts *o, struct pod_record **ret,
	       struct pea_error **err);
/*
 * Remove a pod: its containers (running ones only with force, stopped first
 * with timeout, < 0 their own), its infra, its record; the ids of the
 * containers removed pushed to *ret_removed (when not NULL).
 */
int pod_remove(struct global_options *g, const char *what, bool force, long timeout,
	       char ***ret_removed, struct pea_error **err);
/* Start the pod's infra container when it is not running (a member's start). */
int pod_start_infra(const struct global_options *g, const struct ctr_record *member,
		    struct pea_error **err);
/*
 * --pod of run/create: "new:NAME" makes the pod; the container then joins
 * what the pod shares. Sets opts keys pod, network, ipc, uts, pid, hostname;
 * given: which of them the user set (podman refuses those the pod holds).
 */
struct pod_join {
	const char *net_mode; /* as given, NULL: none */
	bool networks_given, ports_given, ipc_given, pid_given, hostname_given, uts_given;
	const char *hostname; /* --hostname: a new pod's */
};
int pod_join_resolve(struct global_options *g, const char *pod, const struct pod_join *given,
		     char **ret_pod_id, char **ret_infra_id, char ***ret_share, char **ret_hostname,
		     bool *ret_made, struct pea_error **err);
/*
 * The /dev/shm of a container of a pod that shares its IPC namespace: a tmpfs
 * of the host, RUNROOT/pods/ID/shm, mounted at its first use and unmounted
 * with the pod, bound in the infra and the members (a mount of another mount
 * namespace cannot be bound). *ret NULL for any other container.
 */
int pod_shm(const struct global_options *g, const struct ctr_record *r, char **ret,
	    struct pea_error **err);
/*
 * kube play --service-container: the service container ID of pod WHAT (under the
 * pods lock). It starts with the pod's infra container, stops when the pod does
 * (exit policy stop), goes with pod rm; rm of it alone is refused
 * (pod_service_check_rm).
 */
int pod_set_service(const struct global_options *g, const char *what, const char *id,
		    struct pea_error **err);
/* Whether a pod names container ID as its service container. */
bool pod_is_service(const struct global_options *g, const char *id);
/* rm of a service container: refused, in podman's words, while its pods exist. */
int pod_service_check_rm(const struct global_options *g, const char *id, struct pea_error **err);

/* After a member's exit: with exit policy stop, the pod stops when no member runs. */
void pod_after_exit(struct global_options *g, const struct ctr_record *r);
