#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/xalloc.h"
#include "image/auth.h"
#include "image/cli.h"
#include "image/reference.h"
#include "image/registries.h"
#include "image/registry.h"
#include "image/transport.h"

enum {
	OPT_PASSWORD_STDIN = 3000,
	OPT_GET_LOGIN,
};

static const struct option login_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
	{ "get-login", no_argument, NULL, OPT_GET_LOGIN },
	{ "verbose", no_argument, NULL, 'v' },
	CLI_SIDE_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char login_usage[] =
	"Usage: pea-image login [OPTIONS] REGISTRY\n"
	"\n"
	"Check credentials against a registry and store them in the auth file\n"
	"($REGISTRY_AUTH_FILE or $XDG_RUNTIME_DIR/containers/auth.json), mode 0600.\n"
	"\n"
	"  -u, --username=USER\n"
	"  -p, --password=PASSWORD\n"
	"      --password-stdin        read the password from standard input\n"
	"      --get-login             print the user stored for REGISTRY\n"
	"      --authfile=PATH         the auth file to write\n"
	"      --cert-dir=DIR, --tls-verify[=false]\n";

struct login_args {
	struct side_options side;
	bool password_stdin, get_login;
	const char *registry;
};

/* "docker://host/ns" or "host/ns" -> "host/ns" (a key of the auth file). */
static int login_key(const char *arg, char **ret, struct pea_error **err)
{
	const char *s = strncmp(arg, "docker://", 9) == 0 ? arg + 9 : arg;
	_cleanup_free_ char *key = auth_normalize_key(s);
	const char *slash = strchr(key, '/');
	_cleanup_free_ char *host = xstrndup(key, slash ? (size_t)(slash - key) : strlen(key));

	if (!*key || !reference_domain_is_valid(host) || strchr(key, '@') ||
	    (slash && !reference_path_is_valid(slash + 1)))
		return pea_error_new(err, EINVAL, "invalid registry '%s'", arg);
	*ret = TAKE_PTR(key);
	return 0;
}

static int read_password_stdin(char **ret, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_all(STDIN_FILENO, 4096, &buf, &len, err) < 0)
		return pea_error_wrap(err, "reading the password from standard input");
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

static int login_parse(int argc, char **argv, struct login_args *a, struct pea_error **err)
{
	int c;

	a->side.tls_verify = -1;
	optind = 0; /* glibc: 0 re-initialises getopt for the command's argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hu:p:v", login_options, NULL)) != -1) {
		int r = cli_side_option(c, optarg, &a->side, err);

		if (r < 0)
			return r;
		if (r > 0)
			continue;
		switch (c) {
		case 'h':
			fputs(login_usage, stdout);
			return 1;
		case 'u':
			a->side.username = optarg;
			break;
		case 'p':
			a->side.password = optarg;
			break;
		case 'v':
			break;
		case OPT_PASSWORD_STDIN:
			a->password_stdin = true;
			break;
		case OPT_GET_LOGIN:
			a->get_login = true;
			break;
		default:
			return cli_usage(err, "login: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage(err, "login: expected one REGISTRY, got %d argument(s)",
				 argc - optind);
	if (a->password_stdin && a->side.password)
		return cli_usage(err, "login: --password and --password-stdin are exclusive");
	a->registry = argv[optind];
	return 0;
}

static int login_get(const struct login_args *a, const char *key, struct pea_error **err)
{
	struct credentials creds = { 0 };

	if (auth_lookup(a->side.authfile, key, &creds, err) < 0)
		return -EINVAL;
	if (!creds.user) {
		credentials_clear(&creds);
		return pea_error_new(err, ENOENT, "not logged into '%s'", key);
	}
	printf("%s\n", creds.user);
	credentials_clear(&creds);
	return 0;
}

static int login_check(const struct global_options *g, const struct login_args *a, const char *key,
		       const char *user, const char *password, struct pea_error **err)
{
	_cleanup_free_ char *probe_text = xasprintf("%s/probe", key);
	_cleanup_(reference_free_p) struct image_reference *probe = NULL;
	struct side_options side = a->side;
	struct transport_context ctx;
	struct registry_client *client = NULL;
	struct pull_source primary = { 0 };
	int r;

	if (reference_parse(probe_text, false, &probe, err) < 0)
		return -EINVAL;
	if (cli_context(g, &ctx, err) < 0)
		return -EINVAL;
	side.username = user;
	side.password = password;
	side.creds = NULL;
	r = registries_primary(ctx.registries, probe, &primary, err);
	if (r == 0)
		r = docker_client_for(primary.ref, primary.insecure, &side, &ctx, &client, err);
	if (r == 0)
		r = registry_check_login(client, err);
	registry_client_free(client);
	reference_free(primary.ref);
	cli_context_done(&ctx);
	return r;
}

int cmd_login(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct login_args a = { 0 };
	_cleanup_free_ char *key = NULL, *password = NULL, *path = NULL;
	_cleanup_free_ char *user = NULL;
	int r;

	r = login_parse(argc, argv, &a, err);
	if (r != 0)
		return r;
	if (login_key(a.registry, &key, err) < 0)
		return -EINVAL;
	if (a.get_login)
		return login_get(&a, key, err);
	if (a.side.creds) {
		const char *colon = strchr(a.side.creds, ':');

		user = colon ? xstrndup(a.side.creds, (size_t)(colon - a.side.creds))
			     : xstrdup(a.side.creds);
		if (colon)
			password = xstrdup(colon + 1);
	} else if (a.side.username) {
		user = xstrdup(a.side.username);
	}
	if (a.side.password)
		password = xstrdup(a.side.password);
	else if (a.password_stdin && read_password_stdin(&password, err) < 0)
		return -EIO;
	if (!user || !*user)
		return cli_usage(err, "login: give a user with --username (pea-image does not "
				      "prompt)");
	if (!password)
		return cli_usage(err, "login: give a password with --password or --password-stdin");
	if (login_check(g, &a, key, user, password, err) < 0) {
		explicit_bzero(password, strlen(password));
		return -EACCES;
	}
	path = a.side.authfile ? xstrdup(a.side.authfile) : auth_primary_path();
	r = auth_store(path, key, user, password, err);
	explicit_bzero(password, strlen(password));
	if (r < 0)
		return pea_error_wrap(err, "storing the credentials");
	printf("Login Succeeded!\n");
	return 0;
}
