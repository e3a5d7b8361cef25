#pragma once

/* What the commands of pea-image share: global options, option helpers, output. */

#include <stdbool.h>
#include <stdio.h>

#include "image/transport.h"

struct pea_error;
struct json_object;
struct registries_conf;

struct global_options {
	const char *policy;
	bool insecure_policy;
	const char *registries_conf;
	const char *tmpdir;
	const char *registries_d;
	const char *override_arch;
	const char *override_os;
	const char *override_variant;
	long command_timeout;
	bool resolve_short_names;
};

/* Returned by a command for a usage error (exit status 2); *err is set. */
#define CLI_USAGE (-1000)

int cli_usage(struct pea_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A file the user names (-o, --digestfile): replaced atomically when it is a regular
 * file or none, written into when it is anything else (/dev/null, a fifo).
 */
int cli_write_output(const char *path, const void *data, size_t len, struct pea_error **err);
/* --flag, --flag=true, --flag=false */
int cli_bool(const char *opt, const char *arg, bool *ret, struct pea_error **err);
int cli_tls(const char *opt, const char *arg, int *ret, struct pea_error **err);
int cli_int(const char *opt, const char *arg, long min, long max, long *ret,
	    struct pea_error **err);

/* Registries and the transport context from the global options. */
int cli_context(const struct global_options *g, struct transport_context *ctx,
		struct pea_error **err);
void cli_context_done(struct transport_context *ctx);

/* Pretty JSON like skopeo's (4 spaces, "[]" and "{}" when empty), newline-terminated. */
void cli_print_json(FILE *f, struct json_object *o);

int cmd_copy(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_inspect(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_login(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_logout(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_list_tags(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_search(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_delete(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_manifest_digest(const struct global_options *g, int argc, char **argv,
			struct pea_error **err);
int cmd_sync(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_resolve(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_standalone_sign(const struct global_options *g, int argc, char **argv,
			struct pea_error **err);
int cmd_standalone_verify(const struct global_options *g, int argc, char **argv,
			  struct pea_error **err);

/* Options that say how to reach one registry (inspect, list-tags, delete). */
enum {
	SIDE_AUTHFILE = 2000,
	SIDE_CREDS,
	SIDE_USERNAME,
	SIDE_PASSWORD,
	SIDE_CERT_DIR,
	SIDE_TLS,
	SIDE_NO_CREDS,
	SIDE_TOKEN,
	SIDE_RETRY,
};

#define CLI_SIDE_OPTIONS                                                   \
	{ "authfile", required_argument, NULL, SIDE_AUTHFILE },            \
		{ "creds", required_argument, NULL, SIDE_CREDS },          \
		{ "username", required_argument, NULL, SIDE_USERNAME },    \
		{ "password", required_argument, NULL, SIDE_PASSWORD },    \
		{ "cert-dir", required_argument, NULL, SIDE_CERT_DIR },    \
		{ "tls-verify", optional_argument, NULL, SIDE_TLS },       \
		{ "no-creds", optional_argument, NULL, SIDE_NO_CREDS },    \
		{ "registry-token", required_argument, NULL, SIDE_TOKEN }, \
	{                                                                  \
		"retry-times", required_argument, NULL, SIDE_RETRY         \
	}

#define CLI_SIDE_USAGE                                                                          \
	"      --authfile=PATH         credentials file (containers-auth.json(5))\n"            \
	"      --creds=USER[:PASS]     credentials (or --username and --password)\n"            \
	"      --cert-dir=DIR          certs.d-style folder (ca.crt, client.cert/client.key)\n" \
	"      --tls-verify[=false]    verify TLS certificates (false also allows http)\n"      \
	"      --no-creds              access the registry anonymously\n"                       \
	"      --registry-token=TOKEN  a bearer token to use as is\n"

/* 1: handled, 0: not a side option, < 0: error. */
int cli_side_option(int c, const char *arg, struct side_options *s, struct pea_error **err);
/*
 * The command line of a command with the side options alone and one operand (delete,
 * list-tags): 1 for --help (usage printed), < 0 for a bad option or another count of
 * operands ("CMD: expected one OPERAND, got N argument(s)"), 0 with *ret_operand set.
 */
int cli_side_command(int argc, char **argv, const char *cmd, const char *usage, const char *operand,
		     struct side_options *side, const char **ret_operand, struct pea_error **err);
/* The tags of a docker:// repository (list-tags, sync), through registries.conf's primary. */
struct image_reference;
int cli_repo_tags(const struct transport_context *ctx, const struct image_reference *repo,
		  const struct side_options *side, char ***ret, struct pea_error **err);
/* Source and its context for the read-only commands; policy is checked. */
int cli_open_source(const struct global_options *g, const char *image,
		    const struct side_options *side, struct transport_context *ctx,
		    struct image_source **ret, struct pea_error **err);
