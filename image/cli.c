#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/xalloc.h"
#include "image/blob.h"
#include "image/cli.h"
#include "image/policy.h"
#include "image/registries.h"
#include "image/signature.h"
#include "image/transport.h"

int cli_usage(struct pea_error **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pea_error_newv(err, EINVAL, fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

int cli_write_output(const char *path, const void *data, size_t len, struct pea_error **err)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0 || S_ISREG(st.st_mode))
		return pea_write_file_atomic_at(AT_FDCWD, path, data, len, 0644, err);
	/* /dev/null, a fifo, /dev/stdout: written into, never renamed over */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	if (pea_write_all(fd, data, len, err) < 0) {
		close(fd);
		return pea_error_wrap(err, "'%s'", path);
	}
	if (close(fd) < 0)
		return pea_error_errno(err, "close '%s'", path);
	return 0;
}

int cli_bool(const char *opt, const char *arg, bool *ret, struct pea_error **err)
{
	if (!arg || strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0) {
		*ret = true;
		return 0;
	}
	if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0) {
		*ret = false;
		return 0;
	}
	return cli_usage(err, "invalid value '%s' for --%s: expected true or false", arg, opt);
}

int cli_tls(const char *opt, const char *arg, int *ret, struct pea_error **err)
{
	bool b = true;
	int r = cli_bool(opt, arg, &b, err);

	if (r == 0)
		*ret = b ? 1 : 0;
	return r;
}

int cli_int(const char *opt, const char *arg, long min, long max, long *ret, struct pea_error **err)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(arg ? arg : "", &end, 10);
	if (!arg || !*arg || *end || errno || v < min || v > max)
		return cli_usage(err,
				 "invalid value '%s' for --%s: expected a number from %ld to %ld",
				 arg ? arg : "", opt, min, max);
	*ret = v;
	return 0;
}

int cli_context(const struct global_options *g, struct transport_context *ctx,
		struct pea_error **err)
{
	memset(ctx, 0, sizeof(*ctx));
	if (registries_conf_load(g->registries_conf, &ctx->registries, err) < 0)
		return -EINVAL;
	ctx->tmpdir = g->tmpdir;
	ctx->registries_d = g->registries_d;
	ctx->timeout_s = g->command_timeout;
	ctx->parallel = 6;
	ctx->retries = 3;
	ctx->resolve_short_names = g->resolve_short_names;
	return 0;
}

void cli_context_done(struct transport_context *ctx)
{
	ctx->registries = registries_conf_free(ctx->registries);
}

static void print_indent(FILE *f, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("    ", f);
}

static void print_value(FILE *f, struct json_object *o, int depth)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;

	if (json_object_is_type(o, json_type_object)) {
		bool first = true;

		if (json_object_object_length(o) == 0) {
			fputs("{}", f);
			return;
		}
		fputs("{\n", f);
		json_object_object_foreach(o, key, val)
		{
			_cleanup_json_ struct json_object *k = json_object_new_string(key);

			if (!first)
				fputs(",\n", f);
			first = false;
			print_indent(f, depth + 1);
			fprintf(f, "%s: ", json_object_to_json_string_ext(k, flags));
			print_value(f, val, depth + 1);
		}
		fputc('\n', f);
		print_indent(f, depth);
		fputc('}', f);
	} else if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);

		if (n == 0) {
			fputs("[]", f);
			return;
		}
		fputs("[\n", f);
		for (size_t i = 0; i < n; i++) {
			print_indent(f, depth + 1);
			print_value(f, json_object_array_get_idx(o, i), depth + 1);
			fputs(i + 1 < n ? ",\n" : "\n", f);
		}
		print_indent(f, depth);
		fputc(']', f);
	} else {
		fputs(o ? json_object_to_json_string_ext(o, flags) : "null", f);
	}
}

void cli_print_json(FILE *f, struct json_object *o)
{
	print_value(f, o, 0);
	fputc('\n', f);
}

int cli_side_option(int c, const char *arg, struct side_options *s, struct pea_error **err)
{
	long v;
	int r = 0;

	switch (c) {
	case SIDE_AUTHFILE:
		s->authfile = arg;
		break;
	case SIDE_CREDS:
		s->creds = arg;
		break;
	case SIDE_USERNAME:
		s->username = arg;
		break;
	case SIDE_PASSWORD:
		s->password = arg;
		break;
	case SIDE_CERT_DIR:
		s->cert_dir = arg;
		break;
	case SIDE_TLS:
		r = cli_tls("tls-verify", arg, &s->tls_verify, err);
		break;
	case SIDE_NO_CREDS:
		r = cli_bool("no-creds", arg, &s->no_creds, err);
		break;
	case SIDE_TOKEN:
		s->registry_token = arg;
		break;
	case SIDE_RETRY:
		r = cli_int("retry-times", arg, 0, 100, &v, err);
		break;
	default:
		return 0;
	}
	return r < 0 ? r : 1;
}

int cli_side_command(int argc, char **argv, const char *cmd, const char *usage, const char *operand,
		     struct side_options *side, const char **ret_operand, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		CLI_SIDE_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0; /* glibc: 0 re-initialises getopt for the command's argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int r = cli_side_option(c, optarg, side, err);

		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		return cli_usage(err, "%s: unknown option '%s'", cmd, argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage(err, "%s: expected one %s, got %d argument(s)", cmd, operand,
				 argc - optind);
	*ret_operand = argv[optind];
	return 0;
}

int cli_open_source(const struct global_options *g, const char *image,
		    const struct side_options *side, struct transport_context *ctx,
		    struct image_source **ret, struct pea_error **err)
{
	_cleanup_(image_name_free_p) struct image_name *name = NULL;
	_cleanup_(sig_policy_clear) struct sig_policy sigs = { 0 };

	if (image_name_parse(image, &name, err) < 0)
		return -EINVAL;
	if (!g->insecure_policy && policy_check(g->policy, name, &sigs, err) < 0)
		return -EACCES;
	if (cli_context(g, ctx, err) < 0)
		return -EINVAL;
	if (source_open(name, side, ctx, ret, err) < 0) {
		cli_context_done(ctx);
		return -EIO;
	}
	if (source_check_signatures(*ret, &sigs, ctx, err) < 0) {
		*ret = source_close(*ret);
		cli_context_done(ctx);
		return -EACCES;
	}
	return 0;
}
