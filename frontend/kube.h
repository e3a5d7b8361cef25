#pragma once

/*
 * pea kube play|down|generate. play turns the YAML into a plan of pea
 * commands (pod create, create --pod, volume create, pod start), checks all
 * of it before it acts, and runs the plan through pea's own command line, as
 * a user would type it: kube depends on podman's CLI, not on pea's records.
 */

#include <stdbool.h>
#include <stddef.h>

struct global_options;
struct kube_node;
struct pea_error;

/* The longest annotation value Kubernetes takes. */
#define KUBE_MAX_ANNOTATION 63

struct kube_play_opts {
	bool start;		/* --start (default true) */
	bool replace;		/* --replace */
	char *network;		/* --network */
	char *log_driver;	/* --log-driver */
	char **annotations;	/* --annotation KEY=VALUE */
	bool build;		/* --build: images from CONTEXT/NAME/Containerfile */
	char *context_dir;	/* --context-dir (default: the current folder) */
	const char *tls_verify; /* --tls-verify: "true" or "false" for the pulls; NULL: default */
	bool names_only; /* kube down: the pods' names alone (no file the YAML names is read) */
	/* --service-container: its name, the YAML's sha256's first 12 digits + "-service" */
	bool service_container;
	char service_name[24];
};

struct kube_ctr_plan {
	char *name;  /* POD-CONTAINER */
	char *image; /* as the YAML names it */
	char **args; /* pea create ARGS */
	/* io.containers.sdnotify/NAME, else the pod's io.containers.sdnotify, else ignore */
	char *sdnotify;
};

struct kube_pod_plan {
	char *name;
	char **args; /* pea pod create ARGS */
	struct kube_ctr_plan *ctrs;
	size_t nctrs;
	struct kube_ctr_plan *inits; /* initContainers: run in order while playing, then removed */
	size_t ninits;
	char **mkdirs;	/* hostPath DirectoryOrCreate folders */
	char **mkfiles; /* hostPath FileOrCreate files */
};

/* A named volume made from a ConfigMap: its files, key and content pairs. */
struct kube_cm_volume {
	char *name;
	char **files; /* name, content, name, content, ... */
};

struct kube_plan {
	struct kube_pod_plan *pods;
	size_t npods;
	char **volumes; /* PersistentVolumeClaims: volumes to make */
	struct kube_cm_volume *cmvols;
	size_t ncmvols;
};

/*
 * The plan of docs (configmaps: the documents of --configmap files). Every
 * check is done here: a plan that builds can be run.
 */
int kube_plan_build(struct kube_node *const *docs, size_t ndocs,
		    struct kube_node *const *configmaps, size_t ncm, const struct kube_play_opts *o,
		    struct kube_plan *ret, struct pea_error **err);
void kube_plan_clear(struct kube_plan *p);
/* The plan as the commands it runs, one a line (kube play --dry-run, for tests). */
void kube_plan_print(const struct kube_plan *p);

/* Run it: print podman's report; undo what this run made on a failure. */
int kube_play_run(struct global_options *g, const struct kube_plan *p,
		  const struct kube_play_opts *o, struct pea_error **err);
/* Stop and remove the pods of the plan (kube down). */
int kube_down_run(struct global_options *g, const struct kube_plan *p, struct pea_error **err);

/* kube generate: the YAML of containers or pods (podman 4.3's), to *ret. */
int kube_generate(struct global_options *g, char *const *names, bool service, char **ret,
		  struct pea_error **err);

/* A Kubernetes quantity ("512Mi", "1.5G", "500m") times unit; -EINVAL if not one. */
int kube_parse_quantity(const char *s, double *ret);
