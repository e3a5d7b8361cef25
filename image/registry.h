#pragma once

/*
 * A Docker Registry HTTP API v2 / OCI distribution client on libcurl:
 * https with an http fallback for insecure registries, certs.d, anonymous,
 * Basic and Bearer (token from the WWW-Authenticate challenge) auth,
 * parallel blob downloads with the multi interface, retries with Range resume.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pea_error;
struct blob_sink;
struct credentials;

struct registry_options {
	int tls_verify;	      /* -1: default (verify unless insecure in registries.conf) */
	bool insecure;	      /* from registries.conf: no TLS verification, http allowed */
	const char *cert_dir; /* NULL: /etc/containers/certs.d/HOST, /etc/docker/certs.d/HOST */
	const char *user;     /* NULL: anonymous or the token */
	const char *password;
	const char *identity_token;
	const char *registry_token; /* a bearer token given by the user */
	long timeout_s;		    /* 0: none */
	int parallel;		    /* blob downloads at once */
	int retries;
	int64_t chunk_size; /* > 0: upload blobs larger than this in chunks (PATCH) */
};

struct registry_client;

struct http_response {
	long status;
	char *body;
	size_t body_len;
	char *content_type;
	char *docker_digest;
	char *location;
	char *www_authenticate;
	char *link;
	char *range; /* an upload's Range: "0-N" */
	int64_t content_length;
};

void http_response_clear(struct http_response *r);

int registry_client_new(const char *host, const struct registry_options *o,
			struct registry_client **ret, struct pea_error **err);
struct registry_client *registry_client_free(struct registry_client *c);
const char *registry_client_host(const struct registry_client *c);

/* GET /v2/ with credentials: checks the login works (login). */
int registry_check_login(struct registry_client *c, struct pea_error **err);

#define MANIFEST_MAX (4u << 20)

/* GET (or HEAD) /v2/REPO/manifests/REF with the Accept header of every manifest type. */
int registry_get_manifest(struct registry_client *c, const char *repo, const char *ref, bool head,
			  struct http_response *ret, struct pea_error **err);
int registry_put_manifest(struct registry_client *c, const char *repo, const char *ref,
			  const char *buf, size_t len, const char *media_type,
			  struct pea_error **err);
int registry_delete_manifest(struct registry_client *c, const char *repo, const char *digest,
			     struct pea_error **err);
/*
 * GET first, then each page its answer's Link names (rel="next"), with a token for
 * scope: each answer's body to page(), which returns < 0 to fail, 1 to stop there.
 * A registry that answers with pages for ever is stopped after REGISTRY_PAGES_MAX.
 * Errors name what; an answer other than 200 is its HTTP error (404: ENOENT).
 */
#define REGISTRY_PAGES_MAX 10000
typedef int (*registry_page_fn)(void *data, const char *body, size_t len, struct pea_error **err);
int registry_get_pages(struct registry_client *c, const char *first, const char *scope,
		       const char *what, registry_page_fn page, void *data, struct pea_error **err);
/* GET /v2/REPO/tags/list, following Link pages; a vector of tags. */
int registry_list_tags(struct registry_client *c, const char *repo, char ***ret,
		       struct pea_error **err);

/*
 * Link: </v2/x/tags/list?n=100&last=b>; rel="next": the path and query of the next
 * page (an absolute URL's path: the next page stays on the same host), or NULL.
 */
char *registry_next_link(const char *link);

#define SEARCH_BODY_MAX (16u << 20)
/*
 * GET /v1/search?QUERY (query: "q=TERM&n=LIMIT", escaped), anonymous. Any answer is
 * success, its status in ret->status (registries of the distribution API answer 404);
 * only no answer at all is the error.
 */
int registry_v1_search(struct registry_client *c, const char *query, struct http_response *ret,
		       struct pea_error **err);

/* HEAD a blob: *ret_exists. */
int registry_blob_exists(struct registry_client *c, const char *repo, const char *digest,
			 bool *ret_exists, struct pea_error **err);
/*
 * Upload fd (size bytes) as digest: POST then PUT (monolithic), or with a
 * chunk size PATCHes of that size in between, resumed where the registry
 * stands after a failure.
 */
int registry_put_blob(struct registry_client *c, const char *repo, const char *digest, int fd,
		      uint64_t size, struct pea_error **err);
/* Try a cross-repository mount from from_repo; *ret_mounted. */
int registry_mount_blob(struct registry_client *c, const char *repo, const char *from_repo,
			const char *digest, bool *ret_mounted, struct pea_error **err);

struct blob_fetch {
	const char *digest;
	struct blob_sink *sink;
	int result; /* 0 ok, < 0 failed (error in sink->error) */
};

/*
 * What the consumer of a batch of downloads does meanwhile: blob_done when blob
 * index is complete and verified; tick on every turn of the loop, giving an fd
 * to wake the loop up (or -1) and the poll(2) events to wait for. Either may be NULL.
 */
struct fetch_hooks {
	int (*blob_done)(void *data, size_t index, struct pea_error **err);
	int (*tick)(void *data, int *ret_fd, short *ret_events, struct pea_error **err);
	void *data;
};

/* Download blobs in parallel into their sinks, verifying each (blob_sink_finish). */
int registry_fetch_blobs(struct registry_client *c, const char *repo, struct blob_fetch *fetches,
			 size_t n, const struct fetch_hooks *hooks, struct pea_error **err);
