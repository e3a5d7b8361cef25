#pragma once

/*
 * Kubernetes YAML as a small tree (libyaml's events, loaded on first use:
 * frontend/kube-yaml-dl.c). Scalars stay strings; the reader of a field
 * decides what it means. Anchors and aliases are refused (they are not in
 * what kubectl or podman write, and they make a small input a huge tree).
 */

#include <stdbool.h>
#include <stddef.h>

struct pea_error;

/* Limits of an input: its size, its nesting, its count of nodes and documents. */
#define KUBE_YAML_MAX_SIZE  (4u << 20)
#define KUBE_YAML_MAX_DEPTH 64
#define KUBE_YAML_MAX_NODES 200000

enum kube_node_kind {
	KUBE_SCALAR,
	KUBE_SEQ,
	KUBE_MAP,
};

struct kube_node {
	enum kube_node_kind kind;
	char *value;		  /* scalar */
	bool plain;		  /* scalar: unquoted in the input; emitted as is (numbers) */
	size_t n;		  /* items of a sequence or pairs of a map */
	char **keys;		  /* map: its keys */
	struct kube_node **items; /* sequence: its items; map: the values */
	size_t line, column;	  /* 1-based position in the input */
};

/* Every document of buf (a document that is empty or null is left out). */
int kube_yaml_parse(const char *buf, size_t len, struct kube_node ***ret_docs, size_t *ret_n,
		    struct pea_error **err);
struct kube_node *kube_node_free(struct kube_node *n);
void kube_docs_free(struct kube_node **docs, size_t n);

/* A plain null, ~ or empty scalar (or NULL). */
bool kube_is_null(const struct kube_node *n);
/* The value of key in a map; NULL when n is no map, has no key, or the value is null. */
const struct kube_node *kube_get(const struct kube_node *n, const char *key);
/*
 * The string at key: NULL when missing. A value that is no scalar is an
 * error naming where ("'spec.containers[0].image' is not a string").
 */
int kube_get_str(const struct kube_node *n, const char *key, const char *where, const char **ret,
		 struct pea_error **err);
/* The sequence at key: NULL when missing, an error when it is not a sequence. */
int kube_get_seq(const struct kube_node *n, const char *key, const char *where,
		 const struct kube_node **ret, struct pea_error **err);
/* A boolean scalar at key (true/false and YAML 1.1's yes/no/on/off); def when missing. */
int kube_get_bool(const struct kube_node *n, const char *key, const char *where, bool def,
		  bool *ret, struct pea_error **err);

/* Building a tree for kube generate; each takes ownership of what it is given. */
struct kube_node *kube_map_new(void);
struct kube_node *kube_seq_new(void);
/* A string (quoted on output when it would read as something else). */
struct kube_node *kube_str_new(const char *s);
/* A value written as is (a number, true, false). */
struct kube_node *kube_plain_new(const char *s);
void kube_map_add(struct kube_node *map, const char *key, struct kube_node *value);
void kube_seq_add(struct kube_node *seq, struct kube_node *item);

/* The YAML text of a tree (block style, as Go's yaml writes it); new string. */
int kube_yaml_emit(const struct kube_node *doc, char **ret, struct pea_error **err);
