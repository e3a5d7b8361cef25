#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/blob.h"
#include "image/registry.h"

#define ACCEPT_MANIFESTS                                              \
	"Accept: application/vnd.oci.image.manifest.v1+json, "        \
	"application/vnd.oci.image.index.v1+json, "                   \
	"application/vnd.docker.distribution.manifest.v2+json, "      \
	"application/vnd.docker.distribution.manifest.list.v2+json, " \
	"application/vnd.docker.distribution.manifest.v1+prettyjws, " \
	"application/vnd.docker.distribution.manifest.v1+json"

#define ERROR_BODY_MAX (64u << 10)
#define TOKEN_MAX      (1u << 20)
#define CA_BUNDLE      "/etc/ssl/certs/ca-certificates.crt"

enum auth_kind {
	AUTH_NONE,
	AUTH_BASIC,
	AUTH_BEARER,
};

struct token {
	char *scope;
	char *token;
};

struct registry_client {
	char *host;
	char *api_host;
	char *base; /* "https://host" or "http://host", set by the ping */
	bool tls_verify;
	bool allow_http;
	char *ca_blob; /* system bundle + certs.d *.crt, or NULL */
	size_t ca_blob_len;
	char *client_cert, *client_key;
	char *user, *password, *registry_token, *identity_token;
	enum auth_kind auth;
	char *realm, *service;
	struct token *tokens;
	size_t ntokens;
	long timeout_s;
	int parallel;
	int retries;
	int64_t chunk_size;
	CURLSH *share;
};

void http_response_clear(struct http_response *r)
{
	free(r->body);
	free(r->content_type);
	free(r->docker_digest);
	free(r->location);
	free(r->www_authenticate);
	free(r->link);
	free(r->range);
	memset(r, 0, sizeof(*r));
}

const char *registry_client_host(const struct registry_client *c)
{
	return c->host;
}

static char *read_small_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, 1u << 20, &buf, &len, NULL) < 0)
		return NULL;
	return buf;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* certs.d: *.crt are CAs added to the system's, NAME.cert + NAME.key a client pair. */
static void client_load_certs(struct registry_client *c, const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	_cleanup_free_ char *blob = NULL;
	struct dirent *e;
	bool any_ca = false;

	if (!d)
		return;
	blob = read_small_file(CA_BUNDLE);
	if (!blob)
		blob = xstrdup("");
	while ((e = readdir(d))) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, e->d_name);

		if (has_suffix(e->d_name, ".crt")) {
			_cleanup_free_ char *pem = read_small_file(path);
			char *joined;

			if (!pem)
				continue;
			joined = xasprintf("%s\n%s", blob, pem);
			free(blob);
			blob = joined;
			any_ca = true;
		} else if (has_suffix(e->d_name, ".cert") && !c->client_cert) {
			_cleanup_free_ char *key = xstrdup(path);

			strcpy(key + strlen(key) - 5, ".key");
			if (pea_path_exists_at(AT_FDCWD, key)) {
				c->client_cert = xstrdup(path);
				c->client_key = TAKE_PTR(key);
			}
		}
	}
	if (any_ca) {
		c->ca_blob_len = strlen(blob);
		c->ca_blob = TAKE_PTR(blob);
	}
}

int registry_client_new(const char *host, const struct registry_options *o,
			struct registry_client **ret, struct pea_error **err)
{
	struct registry_client *c = xnew(struct registry_client, 1);
	const char *home = getenv("HOME");

	c->host = xstrdup(host);
	c->api_host = xstrdup(strcmp(host, "docker.io") == 0 ? "registry-1.docker.io" : host);
	c->tls_verify = o->tls_verify >= 0 ? o->tls_verify != 0 : !o->insecure;
	c->allow_http = !c->tls_verify;
	c->user = o->user ? xstrdup(o->user) : NULL;
	c->password = o->password ? xstrdup(o->password) : NULL;
	c->registry_token = o->registry_token ? xstrdup(o->registry_token) : NULL;
	c->identity_token = o->identity_token ? xstrdup(o->identity_token) : NULL;
	c->timeout_s = o->timeout_s;
	c->parallel = o->parallel > 0 ? o->parallel : 6;
	c->retries = o->retries >= 0 ? o->retries : 3;
	c->chunk_size = o->chunk_size;
	if (o->cert_dir) {
		client_load_certs(c, o->cert_dir);
	} else {
		_cleanup_free_ char *user_dir =
			home ? xasprintf("%s/.config/containers/certs.d/%s", home, host) : NULL;
		_cleanup_free_ char *sys_dir = xasprintf("/etc/containers/certs.d/%s", host);
		_cleanup_free_ char *docker_dir = xasprintf("/etc/docker/certs.d/%s", host);

		if (user_dir && pea_path_exists_at(AT_FDCWD, user_dir))
			client_load_certs(c, user_dir);
		else if (pea_path_exists_at(AT_FDCWD, sys_dir))
			client_load_certs(c, sys_dir);
		else
			client_load_certs(c, docker_dir);
	}
	c->share = curl_share_init();
	if (!c->share) {
		registry_client_free(c);
		return pea_error_new(err, ENOMEM, "cannot initialise libcurl");
	}
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	*ret = c;
	return 0;
}

struct registry_client *registry_client_free(struct registry_client *c)
{
	if (!c)
		return NULL;
	free(c->host);
	free(c->api_host);
	free(c->base);
	free(c->ca_blob);
	free(c->client_cert);
	free(c->client_key);
	free(c->user);
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	free(c->password);
	free(c->registry_token);
	free(c->identity_token);
	free(c->realm);
	free(c->service);
	for (size_t i = 0; i < c->ntokens; i++) {
		free(c->tokens[i].scope);
		free(c->tokens[i].token);
	}
	free(c->tokens);
	if (c->share)
		curl_share_cleanup(c->share);
	free(c);
	return NULL;
}

/* ---- one transfer -------------------------------------------------------- */

enum write_mode {
	WRITE_BODY, /* into the response body (capped) */
	WRITE_SINK, /* into the blob sink */
	WRITE_DISCARD,
};

struct transfer {
	struct registry_client *c;
	CURL *easy;
	struct curl_slist *headers;
	struct http_response resp;
	size_t max_body;
	bool too_large;
	struct blob_sink *sink;
	uint64_t resume_from;
	enum write_mode mode;
	int upload_fd;
	uint64_t upload_left; /* bytes still to read from upload_fd */
	const char *upload_buf;
	size_t upload_len, upload_off;
	/* for the multi loop */
	struct blob_fetch *fetch;
	char *pend; /* a fetch's body bytes not given to its sink yet (TRANSFER_PEND_MAX) */
	size_t pend_len;
	bool held;    /* its sink's consumer was full: pend is offered again each turn */
	bool paused;  /* curl holds the body too (CURL_WRITEFUNC_PAUSE) until pend drains */
	bool no_hold; /* held too long once: its sink stages what its consumer cannot take */
	uint64_t held_since_ms; /* when its consumer last took some of pend while held */
	int attempts;
	int auth_retries;
	uint64_t retry_at_ms;
	char errbuf[CURL_ERROR_SIZE];
};

static char *trim_dup(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	return xstrndup(s, n);
}

static void set_header(char **slot, const char *v, size_t n)
{
	free(*slot);
	*slot = trim_dup(v, n);
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *data)
{
	struct transfer *t = data;
	size_t n = size * nitems;
	const char *colon;

	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		const char *sp = memchr(buf, ' ', n);
		long status = sp ? strtol(sp + 1, NULL, 10) : 0;

		http_response_clear(&t->resp);
		t->resp.status = status;
		t->resp.content_length = -1;
		t->too_large = false;
		if (status >= 300 && status < 400)
			t->mode = WRITE_DISCARD;
		else if (t->sink && (status == 200 || status == 206))
			t->mode = WRITE_SINK;
		else
			t->mode = WRITE_BODY;
		return n;
	}
	colon = memchr(buf, ':', n);
	if (!colon)
		return n;
#define HDR(name, slot)                                                                         \
	if ((size_t)(colon - buf) == strlen(name) && strncasecmp(buf, name, strlen(name)) == 0) \
		set_header(&t->resp.slot, colon + 1, n - (size_t)(colon + 1 - buf));
	HDR("content-type", content_type)
	HDR("docker-content-digest", docker_digest)
	HDR("location", location)
	HDR("www-authenticate", www_authenticate)
	HDR("link", link)
	HDR("range", range)
#undef HDR
	if ((size_t)(colon - buf) == 14 && strncasecmp(buf, "content-length", 14) == 0)
		t->resp.content_length = strtoll(colon + 1, NULL, 10);
	return n;
}

/*
 * libcurl hands a body to its write callback 16 KiB at a time, however much one
 * read of the socket brought: a blob fetch gathers them and gives its sink one
 * write per socket read (after each turn of the multi loop and at the end), not
 * a write to the staged file or the apply's pipe per 16 KiB.
 */
#define TRANSFER_PEND_MAX (512u << 10)

/*
 * A consumer that takes nothing for this long (an apply stalled on its disk, a
 * lock) gets the held bytes and the rest of the body staged: a connection left
 * unread for minutes is one that proxies and CDNs close, and CURLOPT_TIMEOUT
 * counts the pause.
 */
#define TRANSFER_HOLD_MAX_MS 10000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * TRANSFER_HOLD_MAX_MS, or PEA_IMAGE_TEST_HOLD_MAX_MS (1 to 600000, for tests:
 * pea-image(1)), so that a test of the cap need not stall an apply for 10 s.
 */
static long transfer_hold_max_ms(void)
{
	static long max = -1;

	if (max < 0) {
		const char *s = getenv("PEA_IMAGE_TEST_HOLD_MAX_MS");
		char *end = NULL;
		long v = s && *s ? strtol(s, &end, 10) : 0;

		max = end && *end == '\0' && v > 0 && v <= 600000 ? v : TRANSFER_HOLD_MAX_MS;
	}
	return max;
}

/*
 * Whether a transfer may hold its body for its sink's consumer: only over
 * HTTP/1.x. libcurl 7.88 can stall an HTTP/2 stream after a pause and its
 * resume (curl issues #10988, #16960, #19334): there the sink stages instead.
 */
static bool transfer_may_hold(struct transfer *t)
{
	long v = 0;

	if (t->no_hold)
		return false;
	if (curl_easy_getinfo(t->easy, CURLINFO_HTTP_VERSION, &v) != CURLE_OK ||
	    (v != CURL_HTTP_VERSION_1_0 && v != CURL_HTTP_VERSION_1_1))
		t->no_hold = true;
	return !t->no_hold;
}

/*
 * Give the sink what pend holds. With may_hold, a sink whose consumer is full
 * (the store's apply: its pipe) may leave some: they stay in pend (held) and
 * the transfer pauses once pend is full, so that the body waits in the socket
 * instead of being staged in a file and read back (a copy into the page cache
 * per byte, a third of a pull's CPU). Without (the body's end, a failure), the
 * sink stages what its consumer cannot take.
 */
static int transfer_flush(struct transfer *t, bool may_hold)
{
	size_t n = t->pend_len, taken = n;
	bool was_held = t->held;

	t->held = false;
	if (n == 0)
		return 0;
	if (!may_hold || !transfer_may_hold(t)) {
		t->pend_len = 0;
		return blob_sink_write(t->sink, t->pend, n, &t->sink->error);
	}
	if (blob_sink_write_some(t->sink, t->pend, n, &taken, &t->sink->error) < 0)
		return -1;
	if (taken < n) {
		memmove(t->pend, t->pend + taken, n - taken);
		t->held = true;
		if (!was_held || taken > 0)
			t->held_since_ms = now_ms();
	}
	t->pend_len = n - taken;
	return 0;
}

/* 1: pend is full of held bytes, the transfer pauses (buf not taken). */
static int transfer_pend(struct transfer *t, const char *buf, size_t n)
{
	if (t->pend_len + n > TRANSFER_PEND_MAX && transfer_flush(t, true) < 0)
		return -1;
	if (t->pend_len + n > TRANSFER_PEND_MAX)
		return 1;
	if (!t->pend)
		t->pend = xmalloc(TRANSFER_PEND_MAX);
	memcpy(t->pend + t->pend_len, buf, n);
	t->pend_len += n;
	return 0;
}

static size_t write_cb(char *buf, size_t size, size_t nmemb, void *data)
{
	struct transfer *t = data;
	size_t n = size * nmemb;

	switch (t->mode) {
	case WRITE_DISCARD:
		return n;
	case WRITE_SINK:
		if (t->resume_from > 0 && t->resp.status == 200) {
			/* The server ignored the Range: start over. */
			t->resume_from = 0;
			t->pend_len = 0;
			t->held = false;
			if (blob_sink_reset(t->sink, &t->sink->error) < 0)
				return 0;
		}
		if (t->fetch && n < TRANSFER_PEND_MAX) {
			int r = transfer_pend(t, buf, n);

			if (r == 1) {
				t->paused = true;
				return CURL_WRITEFUNC_PAUSE;
			}
			return r < 0 ? 0 : n;
		}
		if (transfer_flush(t, false) < 0 ||
		    blob_sink_write(t->sink, buf, n, &t->sink->error) < 0)
			return 0;
		return n;
	case WRITE_BODY:
	default:
		if (t->resp.body_len + n > t->max_body) {
			t->too_large = true;
			return 0;
		}
		t->resp.body = xrealloc(t->resp.body, t->resp.body_len + n + 1);
		memcpy(t->resp.body + t->resp.body_len, buf, n);
		t->resp.body_len += n;
		t->resp.body[t->resp.body_len] = '\0';
		return n;
	}
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *data)
{
	struct transfer *t = data;
	size_t n = size * nitems;

	if (t->upload_buf) {
		size_t left = t->upload_len - t->upload_off;

		if (n > left)
			n = left;
		memcpy(buf, t->upload_buf + t->upload_off, n);
		t->upload_off += n;
		return n;
	}
	if (n > t->upload_left)
		n = (size_t)t->upload_left;
	for (;;) {
		ssize_t r = n ? read(t->upload_fd, buf, n) : 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return CURL_READFUNC_ABORT;
		t->upload_left -= (uint64_t)r;
		return (size_t)r;
	}
}

static const char *client_token_for(const struct registry_client *c, const char *scope)
{
	for (size_t i = 0; i < c->ntokens; i++)
		if (strcmp(c->tokens[i].scope, scope) == 0)
			return c->tokens[i].token;
	return NULL;
}

static int xferinfo_cb(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	return blob_interrupted() ? 1 : 0;
}

static void client_apply_common(struct registry_client *c, CURL *e, struct transfer *t)
{
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "pea-image/" PEA_VERSION);
	curl_easy_setopt(e, CURLOPT_SHARE, c->share);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
	if (c->timeout_s > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT, c->timeout_s);
	if (c->ca_blob) {
		struct curl_blob blob = { .data = c->ca_blob,
					  .len = c->ca_blob_len,
					  .flags = CURL_BLOB_NOCOPY };

		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (c->client_cert) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, c->client_cert);
		curl_easy_setopt(e, CURLOPT_SSLKEY, c->client_key);
	}
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	if (getenv("PEA_IMAGE_CURL_VERBOSE"))
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
}

static void transfer_add_auth(struct transfer *t, const char *scope)
{
	struct registry_client *c = t->c;
	const char *tok = NULL;

	if (c->registry_token)
		tok = c->registry_token;
	else if (c->auth == AUTH_BEARER && scope)
		tok = client_token_for(c, scope);
	if (tok) {
		_cleanup_free_ char *h = xasprintf("Authorization: Bearer %s", tok);

		t->headers = curl_slist_append(t->headers, h);
	} else if (c->auth == AUTH_BASIC && c->user) {
		curl_easy_setopt(t->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(t->easy, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(t->easy, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
}

static int transfer_init(struct transfer *t, struct registry_client *c, const char *url,
			 struct pea_error **err)
{
	memset(t, 0, sizeof(*t));
	t->c = c;
	t->upload_fd = -1;
	t->max_body = ERROR_BODY_MAX;
	t->resp.content_length = -1;
	t->easy = curl_easy_init();
	if (!t->easy)
		return pea_error_new(err, ENOMEM, "cannot initialise libcurl");
	client_apply_common(c, t->easy, t);
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	return 0;
}

static void transfer_done(struct transfer *t)
{
	t->pend = (free(t->pend), NULL);
	t->pend_len = 0;
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	http_response_clear(&t->resp);
	t->easy = NULL;
	t->headers = NULL;
}

/* "MANIFEST_UNKNOWN" -> "manifest unknown" */
static char *lower_code(const char *code)
{
	char *s = xstrdup(code);

	for (char *p = s; *p; p++)
		*p = *p == '_' ? ' ' : (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
	return s;
}

/* The "errors" of a distribution-spec error body, as "code: message". */
static char *registry_error_text(const struct http_response *r)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *errors = NULL;
	_cleanup_strv_ char **parts = NULL;

	if (r->body && pea_json_parse(r->body, r->body_len, "error body", &doc, NULL) == 0 &&
	    json_object_object_get_ex(doc, "errors", &errors) &&
	    json_object_is_type(errors, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(errors) && i < 4; i++) {
			struct json_object *e = json_object_array_get_idx(errors, i), *code = NULL,
					   *msg = NULL;
			const char *cs, *ms;
			_cleanup_free_ char *pretty = NULL;

			json_object_object_get_ex(e, "code", &code);
			json_object_object_get_ex(e, "message", &msg);
			cs = code ? json_object_get_string(code) : NULL;
			ms = msg ? json_object_get_string(msg) : NULL;
			if (!cs)
				cs = "";
			cs = pretty = lower_code(cs);
			if (!ms)
				ms = "";
			pea_strv_push_take(&parts, xasprintf("%s%s%s", cs, *ms ? ": " : "", ms));
		}
	}
	if (parts) {
		_cleanup_free_ char *joined = pea_strv_join(parts, "; ");

		return xasprintf("%s (HTTP %ld)", joined, r->status);
	}
	switch (r->status) {
	case 401:
		/* the registry's error of no body, as docker's client names it */
		return xstrdup("unauthorized: authentication required (HTTP 401): log in with "
			       "pea-image login or give --creds");
	case 403:
		return xstrdup("access denied (HTTP 403)");
	case 404:
		return xstrdup("not found (HTTP 404)");
	default:
		return xasprintf("unexpected HTTP status %ld", r->status);
	}
}

static int http_status_error(struct pea_error **err, const struct http_response *r,
			     const char *what)
{
	_cleanup_free_ char *text = registry_error_text(r);
	int code = r->status == 404   ? ENOENT
		   : r->status == 401 ? EACCES
		   : r->status == 403 ? EPERM
				      : EPROTO;

	return pea_error_new(err, code, "%s: %s", what, text);
}

static int curl_failure(struct pea_error **err, CURLcode rc, const char *errbuf, const char *what)
{
	int code;

	if (rc == CURLE_ABORTED_BY_CALLBACK && blob_interrupted())
		return pea_error_new(err, ECANCELED, "%s: interrupted", what);
	code = rc == CURLE_COULDNT_CONNECT	  ? ECONNREFUSED
	       : rc == CURLE_OPERATION_TIMEDOUT	  ? ETIMEDOUT
	       : rc == CURLE_COULDNT_RESOLVE_HOST ? EHOSTUNREACH
						  : EIO;

	return pea_error_new(err, code, "%s: %s", what,
			     errbuf && *errbuf ? errbuf : curl_easy_strerror(rc));
}

/* ---- auth ------------------------------------------------------------------ */

/* Parse 'Bearer realm="x",service="y",scope="z"'. */
static void parse_challenge(struct registry_client *c, const char *h)
{
	const char *p = h;

	while (*p == ' ')
		p++;
	if (strncasecmp(p, "basic", 5) == 0) {
		c->auth = AUTH_BASIC;
		return;
	}
	if (strncasecmp(p, "bearer", 6) != 0)
		return;
	c->auth = AUTH_BEARER;
	p += 6;
	while (*p) {
		const char *eq, *kstart;
		char *val;
		size_t klen;

		while (*p == ' ' || *p == ',')
			p++;
		kstart = p;
		eq = strchr(p, '=');
		if (!eq)
			break;
		klen = (size_t)(eq - kstart);
		p = eq + 1;
		if (*p == '"') {
			const char *end = strchr(p + 1, '"');

			if (!end)
				break;
			val = xstrndup(p + 1, (size_t)(end - p - 1));
			p = end + 1;
		} else {
			size_t n = strcspn(p, ",");

			val = trim_dup(p, n);
			p += n;
		}
		if (klen == 5 && strncasecmp(kstart, "realm", 5) == 0) {
			free(c->realm);
			c->realm = val;
		} else if (klen == 7 && strncasecmp(kstart, "service", 7) == 0) {
			free(c->service);
			c->service = val;
		} else {
			free(val);
		}
	}
}

static int perform(struct transfer *t, const char *what, struct pea_error **err)
{
	CURLcode rc;

	if (t->headers)
		curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	rc = curl_easy_perform(t->easy);
	if (rc == CURLE_WRITE_ERROR && t->sink && t->sink->error) {
		*err = pea_error_free(*err);
		*err = TAKE_PTR(t->sink->error);
		return -(*err)->code;
	}
	if (rc == CURLE_WRITE_ERROR && t->too_large)
		return pea_error_new(err, EFBIG, "%s: response larger than %zu bytes", what,
				     t->max_body);
	if (rc != CURLE_OK)
		return curl_failure(err, rc, t->errbuf, what);
	return 0;
}

static int fetch_token(struct registry_client *c, const char *scope, struct pea_error **err)
{
	_cleanup_free_ char *url = NULL;
	_cleanup_free_ char *svc = NULL;
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_strv_ char **scopes = pea_strv_split(scope, " ");
	struct transfer t;
	const char *tok = NULL;
	char *q;
	int r;

	if (!c->realm)
		return pea_error_new(err, EPROTO,
				     "registry '%s' asked for a bearer token without "
				     "a realm",
				     c->host);
	svc = c->service ? curl_easy_escape(NULL, c->service, 0) : NULL;
	url = xasprintf("%s%sservice=%s", c->realm, strchr(c->realm, '?') ? "&" : "?",
			svc ? svc : "");
	for (size_t i = 0; scopes && scopes[i]; i++) {
		char *esc = curl_easy_escape(NULL, scopes[i], 0);

		q = xasprintf("%s&scope=%s", url, esc);
		curl_free(esc);
		free(url);
		url = q;
	}
	if (c->identity_token) {
		/* an OAuth2 refresh token (auth.json's identitytoken): POST to the realm */
		char *esc_tok = curl_easy_escape(NULL, c->identity_token, 0);
		_cleanup_free_ char *form = xasprintf("grant_type=refresh_token&refresh_token=%s"
						      "&client_id=pea-image&service=%s",
						      esc_tok, svc ? svc : "");

		curl_free(esc_tok);
		for (size_t i = 0; scopes && scopes[i]; i++) {
			char *esc = curl_easy_escape(NULL, scopes[i], 0);

			q = xasprintf("%s&scope=%s", form, esc);
			curl_free(esc);
			free(form);
			form = q;
		}
		free(url);
		url = xstrdup(c->realm);
		if (transfer_init(&t, c, url, err) < 0)
			return -ENOMEM;
		t.max_body = TOKEN_MAX;
		curl_easy_setopt(t.easy, CURLOPT_COPYPOSTFIELDS, form);
		explicit_bzero(form, strlen(form));
	} else {
		if (transfer_init(&t, c, url, err) < 0)
			return -ENOMEM;
		t.max_body = TOKEN_MAX;
	}
	if (c->user && !c->identity_token) {
		curl_easy_setopt(t.easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(t.easy, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(t.easy, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	r = perform(&t, "requesting a token", err);
	if (r == 0 && t.resp.status != 200) {
		if (t.resp.status == 401 && c->identity_token)
			r = pea_error_new(err, EACCES,
					  "requesting a token from '%s': the identity token was "
					  "refused (HTTP 401): log in again",
					  c->realm);
		else if (t.resp.status == 401 && c->user)
			r = pea_error_new(err, EACCES,
					  "requesting a token from '%s': invalid "
					  "username or password (HTTP 401)",
					  c->realm);
		else if (t.resp.status == 401)
			r = pea_error_new(err, EACCES,
					  "requesting a token from '%s': authentication "
					  "required: log in with pea-image login or give --creds "
					  "(HTTP 401)",
					  c->realm);
		else
			r = http_status_error(err, &t.resp, "requesting a token");
	}
	if (r == 0 && pea_json_parse(t.resp.body ? t.resp.body : "", t.resp.body_len,
				     "token response", &doc, err) < 0)
		r = -EPROTO;
	if (r == 0 && (pea_json_get_string_opt(doc, "", "token", &tok, err) < 0 ||
		       (!tok && pea_json_get_string_opt(doc, "", "access_token", &tok, err) < 0)))
		r = -EPROTO;
	if (r == 0 && (!tok || !*tok))
		r = pea_error_new(err, EPROTO, "token response from '%s' has no token", c->realm);
	if (r == 0) {
		bool found = false;

		for (size_t i = 0; i < c->ntokens; i++) {
			if (strcmp(c->tokens[i].scope, scope) == 0) {
				free(c->tokens[i].token);
				c->tokens[i].token = xstrdup(tok);
				found = true;
			}
		}
		if (!found) {
			c->tokens = xreallocarray(c->tokens, c->ntokens + 1, sizeof(*c->tokens));
			c->tokens[c->ntokens].scope = xstrdup(scope);
			c->tokens[c->ntokens].token = xstrdup(tok);
			c->ntokens++;
		}
	}
	transfer_done(&t);
	return r;
}

static int try_ping(struct registry_client *c, const char *scheme, struct pea_error **err)
{
	_cleanup_free_ char *url = xasprintf("%s://%s/v2/", scheme, c->api_host);
	_cleanup_free_ char *what = xasprintf("pinging registry '%s' (%s)", c->host, url);
	struct transfer t;
	int r;

	if (transfer_init(&t, c, url, err) < 0)
		return -ENOMEM;
	r = perform(&t, what, err);
	if (r == 0) {
		if (t.resp.status == 401 && t.resp.www_authenticate) {
			parse_challenge(c, t.resp.www_authenticate);
		} else if (t.resp.status != 200) {
			r = pea_error_new(err, EPROTO, "%s: HTTP %ld: not a container registry",
					  what, t.resp.status);
		}
	}
	if (r == 0) {
		free(c->base);
		c->base = xasprintf("%s://%s", scheme, c->api_host);
	}
	transfer_done(&t);
	return r;
}

static int client_ping(struct registry_client *c, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *https_err = NULL;

	if (c->base)
		return 0;
	if (try_ping(c, "https", &https_err) == 0)
		return 0;
	if (!c->allow_http) {
		*err = pea_error_free(*err);
		*err = TAKE_PTR(https_err);
		if (strstr((*err)->message, "wrong version number"))
			return pea_error_wrap(
				err, "%s",
				"TLS failed (for a plain-http registry, "
				"use --tls-verify=false or insecure in registries.conf)");
		if (strstr((*err)->message, "certificate"))
			return pea_error_wrap(err,
					      "TLS failed (trust its CA with --cert-dir or "
					      "/etc/containers/certs.d/%s/ca.crt)",
					      c->host);
		return -(*err)->code;
	}
	if (try_ping(c, "http", err) == 0)
		return 0;
	return pea_error_wrap(err, "after https failed too (%s)", https_err->message);
}

static int client_authorize(struct registry_client *c, const char *scope, bool force,
			    struct pea_error **err)
{
	if (client_ping(c, err) < 0)
		return -EIO;
	if (c->auth != AUTH_BEARER || c->registry_token || !scope)
		return 0;
	if (!force && client_token_for(c, scope))
		return 0;
	return fetch_token(c, scope, err);
}

struct request {
	const char *method; /* NULL: GET */
	const char *url;    /* absolute, or a path under base */
	const char *scope;
	const char *accept;
	const char *content_type;
	const char *header; /* one more header line, or NULL */
	const char *body;
	size_t body_len;
	int upload_fd; /* >= 0: the body is upload_size bytes of it from upload_offset */
	uint64_t upload_offset;
	uint64_t upload_size;
	size_t max_body;
	const char *what;
};

/* The body of a request: from memory, from an fd, or none (HEAD). */
static int transfer_set_body(struct transfer *t, const struct request *rq, struct pea_error **err)
{
	bool put = rq->method && strcmp(rq->method, "PUT") == 0;

	if (rq->method && strcmp(rq->method, "HEAD") == 0) {
		curl_easy_setopt(t->easy, CURLOPT_NOBODY, 1L);
	} else if (rq->upload_fd >= 0) {
		if (lseek(rq->upload_fd, (off_t)rq->upload_offset, SEEK_SET) < 0)
			return pea_error_errno(err, "%s: seek", rq->what);
		t->upload_fd = rq->upload_fd;
		t->upload_left = rq->upload_size;
		t->headers = curl_slist_append(t->headers, "Expect:");
		curl_easy_setopt(t->easy, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(t->easy, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(t->easy, CURLOPT_READDATA, t);
		curl_easy_setopt(t->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->upload_size);
		if (!put)
			curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, rq->method);
	} else if (put || (rq->method && strcmp(rq->method, "POST") == 0)) {
		t->upload_buf = rq->body ? rq->body : "";
		t->upload_len = rq->body_len;
		curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(t->easy, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(t->easy, CURLOPT_READDATA, t);
		curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		t->headers = curl_slist_append(t->headers, "Expect:");
		curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, rq->method);
	} else if (rq->method && strcmp(rq->method, "GET") != 0) {
		curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, rq->method);
	}
	return 0;
}

static int client_do(struct registry_client *c, const struct request *rq, struct http_response *ret,
		     struct pea_error **err)
{
	for (int attempt = 0;; attempt++) {
		_cleanup_free_ char *url = NULL;
		struct transfer t;
		int r;

		if (client_authorize(c, rq->scope, attempt > 0, err) < 0)
			return pea_error_wrap(err, "%s", rq->what);
		url = strncmp(rq->url, "http", 4) == 0 ? xstrdup(rq->url)
						       : xasprintf("%s%s", c->base, rq->url);
		if (transfer_init(&t, c, url, err) < 0)
			return -ENOMEM;
		t.max_body = rq->max_body ? rq->max_body : ERROR_BODY_MAX;
		transfer_add_auth(&t, rq->scope);
		if (rq->accept)
			t.headers = curl_slist_append(t.headers, rq->accept);
		if (rq->header)
			t.headers = curl_slist_append(t.headers, rq->header);
		if (rq->content_type) {
			_cleanup_free_ char *h = xasprintf("Content-Type: %s", rq->content_type);

			t.headers = curl_slist_append(t.headers, h);
		}
		r = transfer_set_body(&t, rq, err);
		if (r == 0)
			r = perform(&t, rq->what, err);
		if (r < 0) {
			transfer_done(&t);
			return r;
		}
		if (t.resp.status == 401 && attempt == 0 && t.resp.www_authenticate &&
		    !c->registry_token) {
			parse_challenge(c, t.resp.www_authenticate);
			if (c->auth == AUTH_BEARER || (c->auth == AUTH_BASIC && c->user)) {
				transfer_done(&t);
				continue;
			}
		}
		*ret = t.resp;
		memset(&t.resp, 0, sizeof(t.resp));
		transfer_done(&t);
		return 0;
	}
}

/*
 * One request whose answer must have one of the statuses in ok (0-terminated);
 * any other is the error. *ret (when given) takes the response either way, its
 * status 0 when none came: the caller clears it.
 */
static int client_call(struct registry_client *c, const struct request *rq, const long *ok,
		       struct http_response *ret, struct pea_error **err)
{
	struct http_response resp = { 0 };
	int r = -EPROTO;

	if (client_do(c, rq, &resp, err) < 0)
		return -EIO;
	for (size_t i = 0; ok[i]; i++)
		if (resp.status == ok[i])
			r = 0;
	if (r < 0)
		r = http_status_error(err, &resp, rq->what);
	if (ret)
		*ret = resp;
	else
		http_response_clear(&resp);
	return r;
}

static const long status_ok[] = { 200, 0 };

static char *scope_pull(const char *repo)
{
	return xasprintf("repository:%s:pull", repo);
}

static char *scope_push(const char *repo)
{
	return xasprintf("repository:%s:pull,push", repo);
}

int registry_check_login(struct registry_client *c, struct pea_error **err)
{
	/* podman's words (150-login) */
	_cleanup_free_ char *what = xasprintf("logging into \"%s\"", c->host);
	struct http_response resp = { 0 };
	struct request rq = { .url = "/v2/", .upload_fd = -1, .what = what };
	int r;

	if (client_ping(c, err) < 0)
		return -EIO;
	if (c->auth == AUTH_BEARER) {
		/* A token for no particular scope proves the credentials. */
		r = fetch_token(c, "", err);
		if (r < 0 && pea_error_is(*err, EACCES) && c->user && !c->identity_token) {
			pea_error_release(err);
			return pea_error_new(err, EACCES, "%s: invalid username/password", what);
		}
		return r < 0 ? pea_error_wrap(err, "%s", what) : 0;
	}
	r = client_call(c, &rq, status_ok, &resp, err);
	if (r < 0 && resp.status == 401) {
		pea_error_release(err);
		r = pea_error_new(err, EACCES, "%s: invalid username/password", what);
	}
	http_response_clear(&resp);
	return r;
}

int registry_get_manifest(struct registry_client *c, const char *repo, const char *ref, bool head,
			  struct http_response *ret, struct pea_error **err)
{
	_cleanup_free_ char *url = xasprintf("/v2/%s/manifests/%s", repo, ref);
	_cleanup_free_ char *scope = scope_pull(repo);
	_cleanup_free_ char *what =
		xasprintf("reading manifest '%s' in '%s/%s'", ref, c->host, repo);
	struct request rq = {
		.method = head ? "HEAD" : "GET",
		.url = url,
		.scope = scope,
		.accept = ACCEPT_MANIFESTS,
		.max_body = MANIFEST_MAX,
		.upload_fd = -1,
		.what = what,
	};
	struct http_response resp = { 0 };

	if (client_call(c, &rq, status_ok, &resp, err) < 0) {
		http_response_clear(&resp);
		return -EIO;
	}
	*ret = resp;
	return 0;
}

int registry_put_manifest(struct registry_client *c, const char *repo, const char *ref,
			  const char *buf, size_t len, const char *media_type,
			  struct pea_error **err)
{
	static const long ok[] = { 201, 200, 202, 0 };
	_cleanup_free_ char *url = xasprintf("/v2/%s/manifests/%s", repo, ref);
	_cleanup_free_ char *scope = scope_push(repo);
	_cleanup_free_ char *what =
		xasprintf("writing manifest '%s' to '%s/%s'", ref, c->host, repo);
	struct request rq = {
		.method = "PUT",
		.url = url,
		.scope = scope,
		.content_type = media_type,
		.body = buf,
		.body_len = len,
		.upload_fd = -1,
		.what = what,
	};

	return client_call(c, &rq, ok, NULL, err);
}

int registry_delete_manifest(struct registry_client *c, const char *repo, const char *digest,
			     struct pea_error **err)
{
	static const long ok[] = { 202, 200, 0 };
	_cleanup_free_ char *url = xasprintf("/v2/%s/manifests/%s", repo, digest);
	_cleanup_free_ char *scope = xasprintf("repository:%s:delete", repo);
	_cleanup_free_ char *what = xasprintf("deleting '%s/%s@%s'", c->host, repo, digest);
	struct request rq = {
		.method = "DELETE",
		.url = url,
		.scope = scope,
		.upload_fd = -1,
		.what = what,
	};

	return client_call(c, &rq, ok, NULL, err);
}

char *registry_next_link(const char *link)
{
	const char *lt = NULL, *gt = NULL, *path;

	/* Link: <URI>; rel="next", <URI>; rel="prev": the link-value whose own parameters
	 * (up to the next '<') say rel="next" or rel=next */
	for (const char *p = link ? strchr(link, '<') : NULL; p; p = strchr(gt, '<')) {
		const char *end, *rel;

		gt = strchr(p, '>');
		if (!gt)
			return NULL;
		end = strchr(gt, '<');
		if (!end)
			end = gt + strlen(gt);
		rel = memmem(gt, (size_t)(end - gt), "rel=", 4);
		if (rel &&
		    (strncmp(rel + 4, "\"next\"", 6) == 0 ||
		     (strncmp(rel + 4, "next", 4) == 0 && !isalnum((unsigned char)rel[8])))) {
			lt = p;
			break;
		}
	}
	if (!lt)
		return NULL;
	path = ++lt;
	/* an absolute URL: its path only, so the next page (and its token) stays on this host */
	if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0) {
		const char *host = strstr(path, "://") + 3;

		path = host < gt ? memchr(host, '/', (size_t)(gt - host)) : NULL;
		if (!path)
			return NULL;
	}
	if (path == gt)
		return NULL;
	return xasprintf("%s%.*s", *path == '/' ? "" : "/", (int)(gt - path), path);
}

int registry_get_pages(struct registry_client *c, const char *first, const char *scope,
		       const char *what, registry_page_fn page, void *data, struct pea_error **err)
{
	_cleanup_free_ char *url = xstrdup(first);

	for (int n = 0; url; n++) {
		struct request rq = {
			.url = url,
			.scope = scope,
			.max_body = 16u << 20,
			.upload_fd = -1,
			.what = what,
		};
		struct http_response resp = { 0 };
		int r;

		if (n == REGISTRY_PAGES_MAX)
			return pea_error_new(err, EPROTO, "%s: more than %d pages", what,
					     REGISTRY_PAGES_MAX);
		r = client_call(c, &rq, status_ok, &resp, err);
		if (r == 0)
			r = page(data, resp.body ? resp.body : "", resp.body_len, err);
		if (r < 0 && resp.status == 200)
			pea_error_wrap(err, "%s", what);
		free(url);
		url = r == 0 ? registry_next_link(resp.link) : NULL;
		http_response_clear(&resp);
		if (r < 0)
			return -(*err)->code;
	}
	return 0;
}

/* One page of a tag list: its tags appended to the vector data points to. */
static int tags_page(void *data, const char *body, size_t len, struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_strv_ char **page_tags = NULL;

	if (pea_json_parse(body, len, "tag list", &doc, err) < 0 ||
	    pea_json_get_strv_opt(doc, "", "tags", &page_tags, err) < 0)
		return -EINVAL;
	for (size_t i = 0; page_tags && page_tags[i]; i++)
		pea_strv_push(data, page_tags[i]);
	return 0;
}

int registry_list_tags(struct registry_client *c, const char *repo, char ***ret,
		       struct pea_error **err)
{
	_cleanup_free_ char *url = xasprintf("/v2/%s/tags/list", repo);
	_cleanup_free_ char *scope = scope_pull(repo);
	_cleanup_free_ char *what = xasprintf("listing tags of '%s/%s'", c->host, repo);
	_cleanup_strv_ char **tags = NULL;

	if (registry_get_pages(c, url, scope, what, tags_page, &tags, err) < 0)
		return -(*err)->code;
	*ret = tags ? TAKE_PTR(tags) : xnew(char *, 1);
	return 0;
}

int registry_v1_search(struct registry_client *c, const char *query, struct http_response *ret,
		       struct pea_error **err)
{
	_cleanup_free_ char *url = xasprintf("/v1/search?%s", query);
	_cleanup_free_ char *what = xasprintf("searching '%s'", c->host);
	struct request rq = {
		.url = url,
		.max_body = SEARCH_BODY_MAX,
		.upload_fd = -1,
		.what = what,
	};

	/* no scope: the v1 search is anonymous; whatever status it answers, the caller decides */
	return client_do(c, &rq, ret, err) < 0 ? -EIO : 0;
}

int registry_blob_exists(struct registry_client *c, const char *repo, const char *digest,
			 bool *ret_exists, struct pea_error **err)
{
	static const long ok[] = { 200, 404, 0 };
	_cleanup_free_ char *url = xasprintf("/v2/%s/blobs/%s", repo, digest);
	_cleanup_free_ char *scope = scope_push(repo);
	_cleanup_free_ char *what =
		xasprintf("checking blob '%s' in '%s/%s'", digest, c->host, repo);
	struct request rq = {
		.method = "HEAD",
		.url = url,
		.scope = scope,
		.upload_fd = -1,
		.what = what,
	};
	struct http_response resp = { 0 };
	int r = client_call(c, &rq, ok, &resp, err);

	if (r == 0)
		*ret_exists = resp.status == 200;
	http_response_clear(&resp);
	return r;
}

static char *absolute_location(const struct registry_client *c, const char *loc)
{
	if (strncmp(loc, "http://", 7) == 0 || strncmp(loc, "https://", 8) == 0)
		return xstrdup(loc);
	return xasprintf("%s%s%s", c->base, loc[0] == '/' ? "" : "/", loc);
}

int registry_mount_blob(struct registry_client *c, const char *repo, const char *from_repo,
			const char *digest, bool *ret_mounted, struct pea_error **err)
{
	static const long ok[] = { 201, 202, 0 };
	_cleanup_free_ char *url =
		xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", repo, digest, from_repo);
	_cleanup_free_ char *scope =
		xasprintf("repository:%s:pull,push repository:%s:pull", repo, from_repo);
	_cleanup_free_ char *what =
		xasprintf("mounting blob '%s' into '%s/%s'", digest, c->host, repo);
	struct request rq = {
		.method = "POST",
		.url = url,
		.scope = scope,
		.upload_fd = -1,
		.what = what,
	};
	struct http_response resp = { 0 };

	/* no answer is an error; any answer but 201 (mounted): upload it instead */
	if (client_call(c, &rq, ok, &resp, err) < 0) {
		if (resp.status == 0)
			return -EIO;
		pea_error_release(err);
	}
	*ret_mounted = resp.status == 201;
	http_response_clear(&resp);
	return 0;
}

/* ---- uploads -------------------------------------------------------------------- */

struct upload {
	struct registry_client *c;
	const char *scope;
	const char *what;
	char *location; /* absolute; each answer gives the next one */
	bool transient; /* trying again may help (no answer, 5xx, 429) */
};

static void upload_clear(struct upload *u)
{
	free(u->location);
	u->location = NULL;
}

static bool is_transient_status(long status)
{
	return status == 0 || status >= 500 || status == 429;
}

/* A request of the upload session; its Location becomes the next URL. */
static int upload_step(struct upload *u, struct request *rq, const long *ok,
		       struct http_response *ret, struct pea_error **err)
{
	struct http_response resp = { 0 };
	int r;

	rq->scope = u->scope;
	rq->what = u->what;
	r = client_call(u->c, rq, ok, &resp, err);
	u->transient = r < 0 && is_transient_status(resp.status);
	if (r == 0 && resp.location) {
		free(u->location);
		u->location = absolute_location(u->c, resp.location);
	}
	if (ret)
		*ret = resp;
	else
		http_response_clear(&resp);
	return r;
}

/* POST: a new upload session. */
static int upload_start(struct upload *u, const char *repo, struct pea_error **err)
{
	static const long ok[] = { 202, 0 };
	_cleanup_free_ char *url = xasprintf("/v2/%s/blobs/uploads/", repo);
	struct request rq = { .method = "POST", .url = url, .upload_fd = -1 };

	upload_clear(u);
	if (upload_step(u, &rq, ok, NULL, err) < 0)
		return -EIO;
	if (!u->location)
		return pea_error_new(err, EPROTO, "%s: the registry gave no upload location",
				     u->what);
	return 0;
}

/* PUT ?digest=: the upload ends, with the rest of the blob (size bytes from offset). */
static int upload_finish(struct upload *u, const char *digest, int fd, uint64_t offset,
			 uint64_t size, struct pea_error **err)
{
	static const long ok[] = { 201, 0 };
	char *esc = curl_easy_escape(NULL, digest, 0);
	_cleanup_free_ char *url =
		xasprintf("%s%sdigest=%s", u->location, strchr(u->location, '?') ? "&" : "?", esc);
	struct request rq = {
		.method = "PUT",
		.url = url,
		.upload_fd = size ? fd : -1,
		.upload_offset = offset,
		.upload_size = size,
		.content_type = "application/octet-stream",
	};

	curl_free(esc);
	return upload_step(u, &rq, ok, NULL, err);
}

/* "0-N" (Range of an upload): the bytes the registry has; -1 when it says nothing. */
static int64_t upload_range_end(const struct http_response *r)
{
	const char *dash = r->range ? strchr(r->range, '-') : NULL;

	return dash ? strtoll(dash + 1, NULL, 10) : -1;
}

/* GET the upload's status: where to go on from (the distribution spec's resume). */
static int upload_status(struct upload *u, uint64_t *ret_offset, struct pea_error **err)
{
	static const long ok[] = { 204, 0 };
	struct request rq = { .url = u->location, .upload_fd = -1 };
	struct http_response resp = { 0 };
	int64_t end;
	int r = upload_step(u, &rq, ok, &resp, err);

	end = upload_range_end(&resp);
	http_response_clear(&resp);
	if (r < 0)
		return r;
	/* "0-0" is both nothing and one byte: start again from 0 then */
	*ret_offset = end > 0 ? (uint64_t)end + 1 : 0;
	return 0;
}

/* PATCH one chunk at offset; the registry's Range says how far it got. */
static int upload_chunk(struct upload *u, int fd, uint64_t offset, uint64_t len,
			uint64_t *ret_offset, struct pea_error **err)
{
	static const long ok[] = { 202, 0 };
	_cleanup_free_ char *range =
		xasprintf("Content-Range: %" PRIu64 "-%" PRIu64, offset, offset + len - 1);
	_cleanup_free_ char *url = xstrdup(u->location);
	struct request rq = {
		.method = "PATCH",
		.url = url,
		.header = range,
		.upload_fd = fd,
		.upload_offset = offset,
		.upload_size = len,
		.content_type = "application/octet-stream",
	};
	struct http_response resp = { 0 };
	int64_t end;
	int r = upload_step(u, &rq, ok, &resp, err);

	end = upload_range_end(&resp);
	if (r == 0 && end >= 0 && (uint64_t)end != offset + len - 1)
		r = pea_error_new(err, EPROTO,
				  "%s: the registry has bytes 0-%" PRId64
				  " after a chunk ending at %" PRIu64,
				  u->what, end, offset + len - 1);
	if (r < 0 && resp.status == 416) /* not where it is: ask it */
		u->transient = true;
	http_response_clear(&resp);
	if (r == 0)
		*ret_offset = offset + len;
	return r;
}

/*
 * One try: monolithic (POST, then PUT with the blob), or in chunks of
 * chunk_size (POST, PATCH with Content-Range each, PUT ?digest=). A chunked
 * upload that fails on the way asks the registry where it stands and goes on
 * from there, as long as tries are left.
 */
static int upload_blob(struct upload *u, const char *repo, const char *digest, int fd,
		       uint64_t size, int *tries, struct pea_error **err)
{
	uint64_t chunk = (uint64_t)u->c->chunk_size, off = 0;

	if (upload_start(u, repo, err) < 0)
		return -EIO;
	if (chunk == 0 || size <= chunk)
		return upload_finish(u, digest, fd, 0, size, err);
	while (off < size) {
		uint64_t len = size - off < chunk ? size - off : chunk;

		if (upload_chunk(u, fd, off, len, &off, err) == 0)
			continue;
		if (!u->transient || *tries <= 0 || blob_interrupted())
			return -EIO;
		log_debug("%s, asking the registry where the upload stands", (*err)->message);
		pea_error_release(err);
		(*tries)--;
		usleep(200000);
		if (upload_status(u, &off, err) < 0)
			return -EIO;
	}
	return upload_finish(u, digest, fd, 0, 0, err);
}

int registry_put_blob(struct registry_client *c, const char *repo, const char *digest, int fd,
		      uint64_t size, struct pea_error **err)
{
	_cleanup_free_ char *scope = scope_push(repo);
	_cleanup_free_ char *what =
		xasprintf("uploading blob '%s' to '%s/%s'", digest, c->host, repo);
	struct upload u = { .c = c, .scope = scope, .what = what };
	int tries = c->retries;

	for (int attempt = 0;; attempt++) {
		int r = upload_blob(&u, repo, digest, fd, size, &tries, err);

		if (r == 0 || !u.transient || tries <= 0 || blob_interrupted()) {
			upload_clear(&u);
			return r;
		}
		log_debug("%s, retry %d", (*err)->message, attempt + 1);
		pea_error_release(err);
		tries--;
		usleep(200000u << (attempt < 5 ? attempt : 5));
	}
}

/* ---- parallel blob downloads -------------------------------------------------- */

static int fetch_start(struct registry_client *c, CURLM *multi, const char *repo, const char *scope,
		       struct transfer *t, struct pea_error **err)
{
	_cleanup_free_ char *url = xasprintf("%s/v2/%s/blobs/%s", c->base, repo, t->fetch->digest);
	struct blob_fetch *f = t->fetch;
	int attempts = t->attempts, auth_retries = t->auth_retries;

	transfer_done(t);
	if (transfer_init(t, c, url, err) < 0)
		return -ENOMEM;
	t->fetch = f;
	t->retry_at_ms = UINT64_MAX;
	t->attempts = attempts;
	t->auth_retries = auth_retries;
	t->sink = f->sink;
	t->resume_from = f->sink->written;
	curl_easy_setopt(t->easy, CURLOPT_BUFFERSIZE, 512L * 1024);
	transfer_add_auth(t, scope);
	if (t->resume_from > 0) {
		_cleanup_free_ char *h = xasprintf("Range: bytes=%" PRIu64 "-", t->resume_from);

		t->headers = curl_slist_append(t->headers, h);
	}
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	if (curl_multi_add_handle(multi, t->easy) != CURLM_OK)
		return pea_error_new(err, EIO, "cannot start the download of '%s'", f->digest);
	progress_event(f->sink->progress, t->resume_from ? "resume" : "start", f->digest,
		       f->sink->expected_size, t->resume_from);
	return 0;
}

static bool is_transient(CURLcode rc, long status)
{
	if (rc == CURLE_OK)
		return status == 429 || status >= 500;
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR ||
	       rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
	       rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM ||
	       rc == CURLE_SSL_CONNECT_ERROR;
}

/* One finished transfer: 0 done, 1 retry scheduled, < 0 failed. */
static int fetch_finished(struct registry_client *c, struct transfer *t, CURLcode rc,
			  const char *scope, struct pea_error **err)
{
	struct blob_fetch *f = t->fetch;
	_cleanup_free_ char *what = xasprintf("blob '%s'", f->digest);

	if (rc == CURLE_WRITE_ERROR && f->sink->error) {
		*err = pea_error_free(*err);
		*err = TAKE_PTR(f->sink->error);
		return -(*err)->code;
	}
	if (rc == CURLE_OK && t->resp.status == 401 && t->auth_retries++ == 0) {
		if (t->resp.www_authenticate)
			parse_challenge(c, t->resp.www_authenticate);
		if (client_authorize(c, scope, true, err) < 0)
			return pea_error_wrap(err, "fetching %s", what);
		t->retry_at_ms = now_ms();
		return 1;
	}
	if (is_transient(rc, t->resp.status) && t->attempts < c->retries) {
		/* a transfer that got somewhere starts counting its failures again */
		if (f->sink->written > t->resume_from)
			t->attempts = 0;
		t->attempts++;
		t->retry_at_ms = now_ms() + 200u * (1u << t->attempts);
		log_debug("fetching %s: %s, retry %d", what,
			  rc ? curl_easy_strerror(rc) : "server error", t->attempts);
		return 1;
	}
	if (rc != CURLE_OK)
		return curl_failure(err, rc, t->errbuf, what);
	if (t->resp.status != 200 && t->resp.status != 206) {
		_cleanup_free_ char *ctx = xasprintf("fetching %s from '%s'", what, c->host);

		return http_status_error(err, &t->resp, ctx);
	}
	if (blob_sink_finish(f->sink, what, err) < 0)
		return -EBADMSG;
	progress_event(f->sink->progress, "done", f->digest, f->sink->expected_size,
		       f->sink->written);
	f->result = 0;
	return 0;
}

int registry_fetch_blobs(struct registry_client *c, const char *repo, struct blob_fetch *fetches,
			 size_t n, const struct fetch_hooks *hooks, struct pea_error **err)
{
	_cleanup_free_ char *scope = scope_pull(repo);
	_cleanup_free_ struct transfer *ts = NULL;
	CURLM *multi = NULL;
	size_t next = 0, active = 0, done = 0;
	int r = 0;

	if (n == 0)
		return 0;
	if (client_authorize(c, scope, false, err) < 0)
		return -EIO;
	ts = xnew(struct transfer, n);
	multi = curl_multi_init();
	if (!multi)
		return pea_error_new(err, ENOMEM, "cannot initialise libcurl");
	curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	for (size_t i = 0; i < n; i++) {
		ts[i].fetch = &fetches[i];
		ts[i].retry_at_ms = UINT64_MAX;
		fetches[i].result = -1;
	}
	while (r == 0 && done < n) {
		int running = 0;
		CURLMsg *msg;
		int left;
		uint64_t now = now_ms();

		for (size_t i = 0; r == 0 && i < next; i++) {
			if (ts[i].retry_at_ms != UINT64_MAX && ts[i].retry_at_ms <= now) {
				ts[i].retry_at_ms = UINT64_MAX;
				r = fetch_start(c, multi, repo, scope, &ts[i], err);
				active++;
			}
		}
		while (r == 0 && next < n && active < (size_t)c->parallel) {
			r = fetch_start(c, multi, repo, scope, &ts[next++], err);
			active++;
		}
		if (r < 0)
			break;
		curl_multi_perform(multi, &running);
		while (r == 0 && (msg = curl_multi_info_read(multi, &left))) {
			struct transfer *t = NULL;
			CURLcode rc;
			int fr;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			curl_multi_remove_handle(multi, msg->easy_handle);
			active--;
			rc = msg->data.result;
			/* what the body brought before it ended or broke is the blob's */
			if (t->sink && transfer_flush(t, false) < 0)
				rc = CURLE_WRITE_ERROR;
			fr = fetch_finished(c, t, rc, scope, err);
			if (fr < 0)
				r = fr;
			else if (fr == 0)
				done++;
			if (fr == 0 && hooks && hooks->blob_done)
				r = hooks->blob_done(hooks->data, (size_t)(t->fetch - fetches),
						     err);
		}
		/* before the store's tick feeds the applies, and before any wait */
		for (size_t i = 0; r == 0 && i < next; i++) {
			if (ts[i].easy && ts[i].pend_len && transfer_flush(&ts[i], true) < 0) {
				*err = pea_error_free(*err);
				*err = TAKE_PTR(ts[i].sink->error);
				r = -EIO;
			}
			/* held too long: staged, and this blob's body no longer waits */
			if (r == 0 && ts[i].easy && ts[i].held &&
			    now_ms() - ts[i].held_since_ms >= (uint64_t)transfer_hold_max_ms()) {
				log_debug("blob '%s': nothing taken for %ld ms, staging it",
					  ts[i].fetch->digest, transfer_hold_max_ms());
				ts[i].no_hold = true;
				if (transfer_flush(&ts[i], false) < 0) {
					*err = pea_error_free(*err);
					*err = TAKE_PTR(ts[i].sink->error);
					r = -EIO;
				}
			}
			/* its sink took all: the body flows again (curl may call write_cb now) */
			if (r == 0 && ts[i].easy && ts[i].paused && !ts[i].held) {
				CURLcode pc;

				ts[i].paused = false;
				pc = curl_easy_pause(ts[i].easy, CURLPAUSE_CONT);
				/* libcurl 7.88 hands the bytes it held to write_cb in there */
				if (pc != CURLE_OK && ts[i].sink->error) {
					*err = pea_error_free(*err);
					*err = TAKE_PTR(ts[i].sink->error);
					r = -EIO;
				} else if (pc != CURLE_OK) {
					*err = pea_error_free(*err);
					r = pea_error_new(err, EIO, "blob '%s': resume: %s",
							  ts[i].fetch->digest,
							  curl_easy_strerror(pc));
				}
			}
		}
		if (r == 0 && done < n) {
			struct curl_waitfd wfd = { .fd = -1, .events = CURL_WAIT_POLLIN };
			short events = POLLIN;

			if (hooks && hooks->tick)
				r = hooks->tick(hooks->data, &wfd.fd, &events, err);
			if (events & POLLOUT)
				wfd.events = CURL_WAIT_POLLOUT;
			if (r == 0)
				curl_multi_poll(multi, wfd.fd >= 0 ? &wfd : NULL,
						wfd.fd >= 0 ? 1 : 0, 100, NULL);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (ts[i].easy)
			curl_multi_remove_handle(multi, ts[i].easy);
		transfer_done(&ts[i]);
	}
	curl_multi_cleanup(multi);
	return r;
}
