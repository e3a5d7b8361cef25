/*
 * pea generate systemd: systemd unit files of a container or a pod, as podman
 * 4.3's podman-generate-systemd(1) writes them. Without --new a unit starts and
 * stops the container that exists; with --new it makes the container at each
 * start (pea run --replace --rm) from its record and removes it at each stop.
 * pea generate kube goes on to cmd-kube.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/pod.h"
#include "frontend/records.h"
#include "frontend/restart.h"

#define GEN_DEFAULT_STOP_TIMEOUT 10
/* systemd's stop timeout: the container's plus podman's 60 s of slack */
#define GEN_STOP_SLACK 60

struct gen_opts {
	bool new_set, new;
	bool name, files, template, no_header, json;
	long stop_timeout; /* -1: the container's */
	long start_timeout;
	const char *restart_policy;
	long restart_sec;
	const char *container_prefix, *pod_prefix, *separator;
	char **env, **wants, **after, **requires;
	const char *target;
};

/* One unit: its name (without .service) and text. */
struct gen_unit {
	char *name;
	char *text;
};

static const char generate_usage[] =
	"Usage: pea generate COMMAND\n"
	"\n"
	"Generate structured data from containers and pods.\n"
	"\n"
	"Commands:\n"
	"  kube      Kubernetes YAML of containers and pods (pea kube generate)\n"
	"  systemd   systemd unit files of a container or a pod\n";

static const char systemd_usage[] =
	"Usage: pea generate systemd [options] {CONTAINER|POD}\n"
	"\n"
	"Generate systemd unit files of a container or a pod.\n"
	"\n"
	"Options:\n"
	"      --after=UNIT            add an After= line (repeatable)\n"
	"      --container-prefix=P    prefix of container unit names (default \"container\")\n"
	"  -e, --env=KEY[=VALUE]       an Environment= line (KEY alone: its value here)\n"
	"  -f, --files                 write the units to files in the current folder\n"
	"      --format=json           print the units as a JSON object\n"
	"  -n, --name                  name units after the names, not the IDs\n"
	"      --new                   create the container at start, remove it at stop\n"
	"      --no-header             leave out the header comment\n"
	"      --pod-prefix=P          prefix of pod unit names (default \"pod\")\n"
	"      --requires=UNIT         add a Requires= line (repeatable)\n"
	"      --restart-policy=P      no, on-success, on-failure, on-abnormal, on-watchdog,\n"
	"                              on-abort, always (default: the container's, else\n"
	"                              on-failure)\n"
	"      --restart-sec=N         RestartSec=N\n"
	"      --separator=S           between prefix and name (default \"-\")\n"
	"      --start-timeout=N       TimeoutStartSec=N\n"
	"  -t, --time=N, --stop-timeout=N  stop timeout of the container (default: its own)\n"
	"      --template              a template unit (name@.service; implies --new)\n"
	"      --wants=UNIT            add a Wants= line (repeatable)\n";

static const char *const restart_policies[] = { "no",	       "on-success",  "on-failure",
						"on-abnormal", "on-watchdog", "on-abort",
						"always" };

static struct gen_unit *gen_units_free(struct gen_unit *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].text);
	}
	free(v);
	return NULL;
}

/*
 * One argument of a command line as systemd reads it (podman's escaping): '%'
 * and '$' doubled; quoted as Go quotes a string when it holds a blank or a
 * double quote, else backslashes doubled.
 */
static char *gen_escape(const char *arg)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool quote = strpbrk(arg, " \"") != NULL;

	if (!f)
		abort();
	/* a control character (a newline would start a directive of its own): quoted, escaped */
	for (const char *p = arg; *p; p++)
		quote |= (unsigned char)*p < 0x20 || *p == 0x7f;
	if (quote)
		fputc('"', f);
	for (const char *p = arg; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (*p == '%' || *p == '$')
			fputc(*p, f);
		if (*p == '\\' || (quote && *p == '"'))
			fputc('\\', f);
		if (c == '\t')
			fputs("\\t", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
	fclose(f);
	return TAKE_PTR(buf);
}

/*
 * A command line of escaped arguments: those that start with '-' begin a
 * continued line, as podman's.
 */
static void gen_print_command(FILE *f, const char *key, char *const *argv)
{
	fprintf(f, "%s=", key);
	for (size_t i = 0; argv[i]; i++) {
		if (i > 0)
			fputs(argv[i][0] == '-' ? " \\\n\t" : " ", f);
		fputs(argv[i], f);
	}
	fputc('\n', f);
}

/* gen_escape of s, freed. */
static char *gen_escape_take(char *s)
{
	char *e = gen_escape(s);

	free(s);
	return e;
}

/* Push arg escaped (a value of the user's, where '%' is no systemd specifier). */
static void push_esc(char ***v, const char *arg)
{
	pea_strv_push_take(v, gen_escape(arg));
}

static void gen_header(FILE *f, const struct gen_opts *o, const char *unit)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	if (o->no_header)
		return;
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Z %Y", &tm);
	fprintf(f, "# %s%s.service\n# autogenerated by pea %s\n# %s\n\n", unit,
		o->template ? "@" : "", PEA_VERSION, date);
}

/* The [Unit] lines every unit has, and --wants, --after, --requires. */
static void gen_unit_section(FILE *f, const struct gen_opts *o, const char *unit,
			     const char *mounts)
{
	fprintf(f,
		"[Unit]\n"
		"Description=pea %s.service%s\n"
		"Documentation=man:pea-generate(1)\n"
		"Wants=network-online.target\n"
		"After=network-online.target\n"
		"RequiresMountsFor=%s\n",
		unit, o->template ? " for %I" : "", mounts);
	for (size_t i = 0; o->wants && o->wants[i]; i++)
		fprintf(f, "Wants=%s\n", o->wants[i]);
	for (size_t i = 0; o->after && o->after[i]; i++)
		fprintf(f, "After=%s\n", o->after[i]);
	for (size_t i = 0; o->requires && o->requires[i]; i++)
		fprintf(f, "Requires=%s\n", o->requires[i]);
}

/* Environment=, Restart=, the timeouts: the head of [Service]. */
static void gen_service_head(FILE *f, const struct gen_opts *o, const char *policy, int retries,
			     long stop, char *const *ctr_env)
{
	fprintf(f, "\n[Service]\nEnvironment=PODMAN_SYSTEMD_UNIT=%s\n",
		o->template ? "%n-%i" : "%n");
	for (size_t i = 0; o->env && o->env[i]; i++) {
		_cleanup_free_ char *e = gen_escape(o->env[i]);
		fprintf(f, "Environment=%s\n", e);
	}
	for (size_t i = 0; ctr_env && ctr_env[i]; i++) {
		_cleanup_free_ char *e = gen_escape(ctr_env[i]);
		fprintf(f, "Environment=%s\n", e);
	}
	fprintf(f, "Restart=%s\n", policy);
	if (retries > 0)
		fprintf(f, "StartLimitBurst=%d\n", retries);
	if (o->restart_sec > 0)
		fprintf(f, "RestartSec=%ld\n", o->restart_sec);
	if (o->start_timeout > 0)
		fprintf(f, "TimeoutStartSec=%ld\n", o->start_timeout);
	fprintf(f, "TimeoutStopSec=%ld\n", stop + GEN_STOP_SLACK);
}

static void gen_install(FILE *f)
{
	fputs("\n[Install]\nWantedBy=default.target\n", f);
}

/* The pea command and the global options that name a store other than the default one. */
static char **gen_self(const struct global_options *g)
{
	char **v = NULL;

	push_esc(&v, g->self);
	if (!g->rootless &&
	    (strcmp(g->root, "/var/lib/pea") != 0 || strcmp(g->runroot, "/run/pea") != 0)) {
		pea_strv_push(&v, "--root");
		push_esc(&v, g->root);
		pea_strv_push(&v, "--runroot");
		push_esc(&v, g->runroot);
	}
	return v;
}

static char **json_strv_of(struct json_object *o, const char *key)
{
	struct json_object *a = NULL;
	char **v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));
		if (s)
			pea_strv_push(&v, s);
	}
	return v;
}

static const char *json_str_of(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool json_bool_of(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static bool strv_equal(char *const *a, char *const *b)
{
	size_t n = pea_strv_length(a);

	if (n != pea_strv_length(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* A variable pea or the image sets anyway is no -e of the container's. */
static bool env_is_default(const char *kv, char *const *ienv)
{
	static const char *const defaults[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm",
		"container=pea",
	};

	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
		if (strcmp(kv, defaults[i]) == 0)
			return true;
	return pea_strv_contains(ienv, kv);
}

/* The process flags of the container (-e, --entrypoint, -w, -u, ...) from its record. */
static void gen_run_process_flags(const struct global_options *g, const struct ctr_record *r,
				  char ***argv)
{
	_cleanup_json_ struct json_object *img = NULL;
	_cleanup_strv_ char **env = json_strv_of(r->opts, "env"), **ienv = NULL;
	_cleanup_strv_ char **entry = json_strv_of(r->opts, "entrypoint"), **ientry = NULL;
	struct json_object *icfg = NULL;
	const char *user = json_str_of(r->opts, "user"), *iuser = NULL;

	if (r->image_id && image_inspect_one(g, r->image_id, &img, NULL) == 0 &&
	    json_object_object_get_ex(img, "Config", &icfg)) {
		ienv = json_strv_of(icfg, "Env");
		ientry = json_strv_of(icfg, "Entrypoint");
		iuser = json_str_of(icfg, "User");
	}
	for (size_t i = 0; env && env[i]; i++) {
		if (env_is_default(env[i], ienv))
			continue;
		pea_strv_push(argv, "-e");
		push_esc(argv, env[i]);
	}
	if (!strv_equal(entry, ientry)) {
		_cleanup_json_ struct json_object *a = json_object_new_array();
		for (size_t i = 0; entry && entry[i]; i++)
			json_object_array_add(a, json_object_new_string(entry[i]));
		pea_strv_push(argv, "--entrypoint");
		push_esc(argv, json_object_to_json_string_ext(
				       a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	if (json_bool_of(r->opts, "workdir_given") && json_str_of(r->opts, "workdir")) {
		pea_strv_push(argv, "-w");
		push_esc(argv, json_str_of(r->opts, "workdir"));
	}
	if (user && *user && (!iuser || strcmp(user, iuser) != 0)) {
		pea_strv_push(argv, "-u");
		push_esc(argv, user);
	}
}

static const char *json_key_str(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static int64_t json_key_int(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* -v SRC:DST[:OPTS] of binds and named volumes (rbind and rw are the defaults), --tmpfs DST. */
static void gen_run_mounts(const struct ctr_record *r, char ***argv)
{
	struct json_object *vols = NULL, *tmpfs = NULL;

	if (json_object_object_get_ex(r->opts, "volumes", &vols) &&
	    json_object_is_type(vols, json_type_array))
		for (size_t i = 0; i < json_object_array_length(vols); i++) {
			struct json_object *m = json_object_array_get_idx(vols, i);
			const char *type = json_key_str(m, "type"),
				   *src = json_key_str(m, "source");
			const char *dst = json_key_str(m, "destination");
			_cleanup_strv_ char **keep = NULL, **opts = json_strv_of(m, "options");
			_cleanup_free_ char *o = NULL;

			if (!type || !src || !dst ||
			    (strcmp(type, "bind") != 0 && strcmp(type, "volume") != 0))
				continue;
			for (size_t k = 0; opts && opts[k]; k++)
				if (strcmp(opts[k], "rbind") != 0 && strcmp(opts[k], "rw") != 0)
					pea_strv_push(&keep, opts[k]);
			o = keep ? pea_strv_join(keep, ",") : NULL;
			pea_strv_push(argv, "-v");
			pea_strv_push_take(argv,
					   gen_escape_take(o ? xasprintf("%s:%s:%s", src, dst, o)
							     : xasprintf("%s:%s", src, dst)));
		}
	if (json_object_object_get_ex(r->opts, "tmpfs", &tmpfs) &&
	    json_object_is_type(tmpfs, json_type_array))
		for (size_t i = 0; i < json_object_array_length(tmpfs); i++) {
			const char *dst =
				json_key_str(json_object_array_get_idx(tmpfs, i), "destination");
			if (dst) {
				pea_strv_push(argv, "--tmpfs");
				push_esc(argv, dst);
			}
		}
}

/* -p [IP:]HOST:CONTAINER[/udp] of the published ports; --network when not the default. */
static void gen_run_ports(const struct ctr_record *r, char ***argv)
{
	struct json_object *ports = NULL;
	const char *net = json_str_of(r->opts, "network");

	if (json_object_object_get_ex(r->opts, "ports", &ports) &&
	    json_object_is_type(ports, json_type_array))
		for (size_t i = 0; i < json_object_array_length(ports); i++) {
			struct json_object *p = json_object_array_get_idx(ports, i);
			const char *ip = json_key_str(p, "host_ip"),
				   *proto = json_key_str(p, "protocol");
			int64_t hp = json_key_int(p, "host_port"),
				cp = json_key_int(p, "container_port");
			int64_t n = json_key_int(p, "range");
			_cleanup_free_ char *h =
				n > 1 ? xasprintf("%" PRId64 "-%" PRId64, hp, hp + n - 1)
				      : xasprintf("%" PRId64, hp);
			_cleanup_free_ char *c =
				n > 1 ? xasprintf("%" PRId64 "-%" PRId64, cp, cp + n - 1)
				      : xasprintf("%" PRId64, cp);

			pea_strv_push(argv, "-p");
			pea_strv_push_take(
				argv,
				gen_escape_take(xasprintf(
					"%s%s%s:%s%s%s", ip && *ip ? ip : "", ip && *ip ? ":" : "",
					h, c, proto && strcmp(proto, "tcp") != 0 ? "/" : "",
					proto && strcmp(proto, "tcp") != 0 ? proto : "")));
		}
	if (net && *net && strcmp(net, "bridge") != 0) {
		pea_strv_push(argv, "--network");
		push_esc(argv, net);
	}
}

/* The other flags the record keeps as they were given. */
static void gen_run_flags(const struct ctr_record *r, char ***argv)
{
	_cleanup_strv_ char **labels = json_strv_of(r->opts, "labels");
	const char *hostname = json_str_of(r->opts, "hostname");

	if (hostname) {
		pea_strv_push(argv, "--hostname");
		push_esc(argv, hostname);
	}
	for (size_t i = 0; labels && labels[i]; i++) {
		pea_strv_push(argv, "--label");
		push_esc(argv, labels[i]);
	}
	if (json_bool_of(r->opts, "tty"))
		pea_strv_push(argv, "-t");
	if (json_bool_of(r->opts, "interactive"))
		pea_strv_push(argv, "-i");
	if (json_bool_of(r->opts, "read_only"))
		pea_strv_push(argv, "--read-only");
	gen_run_mounts(r, argv);
	gen_run_ports(r, argv);
}

/* ARG is the flag NAME, alone or as NAME=VALUE (*ret_value: VALUE, else NULL). */
static bool flag_is(const char *arg, const char *name, const char **ret_value)
{
	size_t n = strlen(name);

	*ret_value = NULL;
	if (strncmp(arg, name, n) != 0 || (arg[n] && arg[n] != '='))
		return false;
	if (arg[n] == '=')
		*ret_value = arg + n + 1;
	return true;
}

/* -d among short boolean flags (-d, -dit): detached */
static bool short_detach(const char *arg)
{
	return arg[0] == '-' && arg[1] && arg[1] != '-' && strchr(arg, 'd') &&
	       strspn(arg + 1, "dit") == strlen(arg + 1);
}

/*
 * podman 4.3's ExecStart of --new: the container's CreateCommand as it was, a run instead of
 * its create, detached (-d unless it was), --replace for a named container; its own --rm,
 * --cidfile, --pidfile, --conmon-pidfile, --cgroups (in a pod: --pod, --pod-id-file) give way
 * to the unit's. NULL when the command has no run or create in it.
 */
static char **gen_run_argv_cc(const struct global_options *g, const struct gen_opts *o,
			      const struct ctr_record *r, const char *pod_unit, char *const *cc,
			      size_t nargs, char ***ret_env)
{
	_cleanup_strv_ char **cenv = json_strv_of(r->opts, "env");
	static const char *const dropped[] = { "--cgroups",	   "--cidfile", "--pidfile",
					       "--conmon-pidfile", "--pod",	"--pod-id-file" };
	_cleanup_strv_ char **rest = NULL;
	size_t n = pea_strv_length(cc), index = 0, end;
	bool detach = false, named = false, replace = false;
	char **argv = NULL;

	for (size_t i = 1; i < n && !index; i++)
		if (strcmp(cc[i], "run") == 0 || strcmp(cc[i], "create") == 0)
			index = i + 1;
	if (!index || nargs > n - index)
		return NULL;
	end = n - nargs;
	for (size_t i = index; i < end; i++) {
		const char *a = cc[i], *v;
		bool drop = false;

		for (size_t k = 0; k < ARRAY_SIZE(dropped) && !drop; k++)
			if ((k < 4 || pod_unit) && flag_is(a, dropped[k], &v)) {
				drop = true;
				if (!v)
					i++; /* and its value */
			}
		if (drop || flag_is(a, "--rm", &v))
			continue;
		if (flag_is(a, "--env", &v) || strncmp(a, "-e", 2) == 0) {
			/* -e NAME took its value from create's environment: the unit's has it */
			const char *e = v		      ? v
					: a[1] == 'e' && a[2] ? a + 2
					: i + 1 < end	      ? cc[i + 1]
							      : "";
			size_t len = strlen(e);

			for (size_t k = 0; !strchr(e, '=') && cenv && cenv[k]; k++)
				if (strncmp(cenv[k], e, len) == 0 && cenv[k][len] == '=' &&
				    !pea_strv_contains(*ret_env, cenv[k]))
					pea_strv_push(ret_env, cenv[k]);
		}
		if (flag_is(a, "--detach", &v) || short_detach(a)) {
			if (v && strcmp(v, "true") != 0)
				continue; /* --detach=false: -d instead */
			detach = true;
		} else if (flag_is(a, "--replace", &v)) {
			if (v && strcmp(v, "true") != 0)
				continue; /* --replace=false: --replace instead, for a named one */
			replace = true;
		} else if (flag_is(a, "--name", &v)) {
			named = true;
			if (o->template) {
				_cleanup_free_ char *e = NULL;
				if (!v && i + 1 < end)
					v = cc[++i];
				e = gen_escape(v ? v : "");
				pea_strv_push(&rest, "--name");
				pea_strv_push_take(&rest, xasprintf("%s-%%i", e));
				continue;
			}
		}
		push_esc(&rest, a);
	}
	push_esc(&argv, g->self);
	for (size_t i = 1; i + 1 < index; i++)
		push_esc(&argv, cc[i]);
	pea_strv_push(&argv, "run");
	pea_strv_push(&argv, "--cidfile=%t/%n.ctr-id");
	pea_strv_push(&argv, "--conmon-pidfile=%t/%n.pid");
	pea_strv_push(&argv, "--rm");
	if (pod_unit) {
		pea_strv_push(&argv, "--pod-id-file");
		pea_strv_push_take(&argv, xasprintf("%%t/%s.pod-id", pod_unit));
	}
	if (!detach)
		pea_strv_push(&argv, "-d");
	if (named && !replace)
		pea_strv_push(&argv, "--replace");
	for (size_t i = 0; rest && rest[i]; i++)
		pea_strv_push(&argv, rest[i]); /* escaped already */
	for (size_t i = end; i < n; i++)
		push_esc(&argv, cc[i]);
	return argv;
}

/* The ExecStart of --new: pea run of what the container was made with. */
static char **gen_run_argv(const struct global_options *g, const struct gen_opts *o,
			   const struct ctr_record *r, const char *pod_unit, char ***ret_env)
{
	_cleanup_strv_ char **cmd = json_strv_of(r->opts, "cmd");
	_cleanup_strv_ char **cc = json_strv_of(r->opts, "create_command");
	_cleanup_free_ char *name = NULL;
	int64_t nargs = 0;
	char **argv = NULL;

	if (cc && pea_json_get_int64_opt(r->opts, "", "create_command_args", &nargs, NULL) == 1 &&
	    nargs > 0) {
		argv = gen_run_argv_cc(g, o, r, pod_unit, cc, (size_t)nargs, ret_env);
		if (argv)
			return argv;
	}
	/* a container of an older pea: the flags rebuilt from its record */
	argv = gen_self(g);

	pea_strv_push(&argv, "run");
	pea_strv_push(&argv, "--cidfile=%t/%n.ctr-id");
	pea_strv_push(&argv, "--conmon-pidfile=%t/%n.pid");
	pea_strv_push(&argv, "--rm");
	if (pod_unit) {
		pea_strv_push(&argv, "--pod-id-file");
		pea_strv_push_take(&argv, xasprintf("%%t/%s.pod-id", pod_unit));
	}
	pea_strv_push(&argv, "-d");
	pea_strv_push(&argv, "--replace");
	pea_strv_push(&argv, "--name");
	name = gen_escape(r->name);
	pea_strv_push_take(&argv, o->template ? xasprintf("%s-%%i", name) : xstrdup(name));
	gen_run_process_flags(g, r, &argv);
	gen_run_flags(r, &argv);
	push_esc(&argv, r->image_name ? r->image_name : r->image_id);
	for (size_t i = 0; cmd && cmd[i]; i++)
		push_esc(&argv, cmd[i]);
	return argv;
}

/* The policy of the unit: --restart-policy, else (--new) the container's, else on-failure. */
static const char *gen_policy(const struct gen_opts *o, const struct ctr_record *r,
			      int *ret_retries)
{
	const char *p;
	int retries = 0;

	*ret_retries = 0;
	if (o->restart_policy)
		return o->restart_policy;
	p = restart_policy(r, &retries);
	if (!p || strcmp(p, "no") == 0)
		return "on-failure";
	if (!o->new) {
		log_warning("Container %s has restart policy \"%s\" which can lead to issues on "
			    "shutdown: consider recreating the container without a restart "
			    "policy and use systemd's restart mechanism instead",
			    r->id, p);
		return "on-failure";
	}
	if (strcmp(p, "unless-stopped") == 0)
		return "always";
	if (strcmp(p, "on-failure") == 0)
		*ret_retries = retries;
	return p;
}

static long gen_stop_timeout(const struct gen_opts *o, const struct ctr_record *r)
{
	int64_t t = GEN_DEFAULT_STOP_TIMEOUT;

	if (o->stop_timeout >= 0)
		return o->stop_timeout;
	if (pea_json_get_int64_opt(r->opts, "", "stop_timeout", &t, NULL) != 1 || t < 0)
		t = GEN_DEFAULT_STOP_TIMEOUT;
	return (long)t;
}

static char *gen_unit_name(const struct gen_opts *o, bool pod, const char *id, const char *name)
{
	return xasprintf("%s%s%s", pod ? o->pod_prefix : o->container_prefix, o->separator,
			 o->name ? name : id);
}

/* A container's unit; pod_unit: the unit of its pod (NULL: none). */
static char *gen_container_text(const struct global_options *g, const struct gen_opts *o,
				const struct ctr_record *r, const char *unit, const char *pod_unit)
{
	_cleanup_free_ char *buf = NULL, *dir = record_dir(g, r->id);
	_cleanup_strv_ char **self = gen_self(g), **argv = NULL, **ctr_env = NULL;
	_cleanup_free_ char *self_s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int retries = 0;
	const char *policy = gen_policy(o, r, &retries);
	long stop = gen_stop_timeout(o, r);

	if (!f)
		abort();
	self_s = pea_strv_join(self, " ");
	if (o->new)
		argv = gen_run_argv(g, o, r, pod_unit, &ctr_env);
	gen_header(f, o, unit);
	gen_unit_section(f, o, unit, o->new ? "%t/containers" : g->runroot);
	if (pod_unit)
		fprintf(f, "BindsTo=%s.service\nAfter=%s.service\n", pod_unit, pod_unit);
	gen_service_head(f, o, policy, retries, stop, ctr_env);
	if (o->new) {
		fputs("ExecStartPre=/bin/rm \\\n\t-f %t/%n.ctr-id %t/%n.pid\n", f);
		gen_print_command(f, "ExecStart", argv);
		fprintf(f,
			"ExecStop=%s stop \\\n\t--ignore -t %ld \\\n\t--cidfile=%%t/%%n.ctr-id\n",
			self_s, stop);
		fprintf(f,
			"ExecStopPost=%s rm \\\n\t-f \\\n\t--ignore -t %ld \\\n"
			"\t--cidfile=%%t/%%n.ctr-id\n",
			self_s, stop);
		fputs("PIDFile=%t/%n.pid\nType=forking\n", f);
	} else {
		const char *who = o->name ? r->name : r->id;
		fprintf(f, "ExecStart=%s start %s\n", self_s, who);
		fprintf(f, "ExecStop=%s stop  \\\n\t-t %ld %s\n", self_s, stop, who);
		fprintf(f, "ExecStopPost=%s stop  \\\n\t-t %ld %s\n", self_s, stop, who);
		fprintf(f, "PIDFile=%s/conmon.pid\nType=forking\n", dir);
	}
	gen_install(f);
	fclose(f);
	return TAKE_PTR(buf);
}

/* A pod's unit: it starts and stops the pod's infra container (members: their units). */
static char *gen_pod_text(const struct global_options *g, const struct gen_opts *o,
			  const struct pod_record *p, const struct ctr_record *infra,
			  const char *unit, char *const *members)
{
	_cleanup_free_ char *buf = NULL, *dir = record_dir(g, infra->id), *self_s = NULL;
	_cleanup_strv_ char **self = gen_self(g);
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int retries = 0;
	const char *policy = gen_policy(o, infra, &retries);
	long stop = gen_stop_timeout(o, infra);

	if (!f)
		abort();
	self_s = pea_strv_join(self, " ");
	gen_header(f, o, unit);
	gen_unit_section(f, o, unit, g->runroot);
	for (size_t i = 0; members && members[i]; i++)
		fprintf(f, "Wants=%s.service\nBefore=%s.service\n", members[i], members[i]);
	gen_service_head(f, o, policy, retries, stop, NULL);
	if (o->new) {
		_cleanup_free_ char *name = gen_escape(p->name);
		fprintf(f, "ExecStartPre=/bin/rm \\\n\t-f %%t/%s.pod-id\n", unit);
		fprintf(f,
			"ExecStartPre=%s pod create \\\n\t--pod-id-file %%t/%s.pod-id \\\n"
			"\t--exit-policy=stop \\\n\t--name %s \\\n\t--replace\n",
			self_s, unit, name);
		fprintf(f, "ExecStart=%s pod start \\\n\t--pod-id-file %%t/%s.pod-id\n", self_s,
			unit);
		fprintf(f,
			"ExecStop=%s pod stop \\\n\t--ignore \\\n\t--pod-id-file %%t/%s.pod-id  "
			"\\\n\t-t %ld\n",
			self_s, unit, stop);
		fprintf(f,
			"ExecStopPost=%s pod rm \\\n\t--ignore \\\n\t-f \\\n"
			"\t--pod-id-file %%t/%s.pod-id\n",
			self_s, unit);
		fputs("Type=oneshot\nRemainAfterExit=yes\n", f);
	} else {
		fprintf(f, "ExecStart=%s start %s\n", self_s, infra->name);
		fprintf(f, "ExecStop=%s stop  \\\n\t-t %ld %s\n", self_s, stop, infra->name);
		fprintf(f, "ExecStopPost=%s stop  \\\n\t-t %ld %s\n", self_s, stop, infra->name);
		fprintf(f, "PIDFile=%s/conmon.pid\nType=forking\n", dir);
	}
	gen_install(f);
	fclose(f);
	return TAKE_PTR(buf);
}

static void gen_push(struct gen_unit **v, size_t *n, char *name, char *text)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].name = name;
	(*v)[*n].text = text;
	(*n)++;
}

static int gen_pod(const struct global_options *g, const struct gen_opts *o,
		   const struct pod_record *p, struct gen_unit **ret, size_t *ret_n,
		   struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *infra = NULL;
	_cleanup_strv_ char **ids = NULL, **members = NULL;
	_cleanup_free_ char *unit = NULL;
	struct gen_unit *v = NULL;
	size_t n = 0;

	if (o->template)
		return pea_error_new(err, EINVAL, "--template is not supported for pods");
	if (!p->infra_id)
		return pea_error_new(err, EINVAL,
				     "generating systemd unit files for a pod requires an infra "
				     "container: pod %s has none",
				     p->name);
	if (record_lookup(g, p->infra_id, &infra, err) < 0 ||
	    pod_containers(g, p->id, false, &ids, err) < 0)
		return pea_error_wrap(err, "pod %s", p->name);
	unit = gen_unit_name(o, true, p->id, p->name);
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_record_ struct ctr_record *r = NULL;
		char *name;

		if (record_lookup(g, ids[i], &r, err) < 0) {
			v = gen_units_free(v, n);
			return pea_error_wrap(err, "pod %s", p->name);
		}
		name = gen_unit_name(o, false, r->id, r->name);
		pea_strv_push(&members, name);
		gen_push(&v, &n, name, gen_container_text(g, o, r, name, unit));
	}
	/* the pod's unit first, as podman prints it */
	gen_push(&v, &n, NULL, NULL);
	memmove(v + 1, v, (n - 1) * sizeof(*v));
	v[0].text = gen_pod_text(g, o, p, infra, unit, members);
	v[0].name = TAKE_PTR(unit);
	*ret = v;
	*ret_n = n;
	return 0;
}

static int gen_units(const struct global_options *g, const struct gen_opts *o,
		     struct gen_unit **ret, size_t *ret_n, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_pod_ struct pod_record *p = NULL;
	_cleanup_error_ struct pea_error *ce = NULL, *pe = NULL;
	struct gen_unit *v = NULL;
	size_t n = 0;
	char *name;

	if (record_lookup(g, o->target, &r, &ce) == 0) {
		if (pod_is_infra(r))
			return pea_error_new(err, EINVAL,
					     "%s is an infra container of a pod: generate the "
					     "units of its pod",
					     o->target);
		name = gen_unit_name(o, false, r->id, r->name);
		gen_push(&v, &n, name, gen_container_text(g, o, r, name, NULL));
		*ret = v;
		*ret_n = n;
		return 0;
	}
	if (ce->code != ENOENT) {
		*err = TAKE_PTR(ce);
		return -1;
	}
	if (pod_lookup(g, o->target, &p, &pe) == 0)
		return gen_pod(g, o, p, ret, ret_n, err);
	if (pe->code != ENOENT) {
		*err = TAKE_PTR(pe);
		return -1;
	}
	return pea_error_new(err, ENOENT, "%s does not refer to a container or pod: %s: %s",
			     o->target, pe->message, ce->message);
}

static int gen_write_files(struct gen_unit *v, size_t n, struct pea_error **err)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		return pea_error_errno(err, "current folder");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *file = xasprintf("%s/%s.service", cwd, v[i].name);
		if (pea_write_file_atomic_at(AT_FDCWD, file, v[i].text, strlen(v[i].text), 0644,
					     err) < 0)
			return -1;
		printf("%s\n", file);
	}
	return 0;
}

static int gen_print(const struct gen_opts *o, struct gen_unit *v, size_t n, struct pea_error **err)
{
	if (o->json) {
		_cleanup_json_ struct json_object *j = json_object_new_object();
		for (size_t i = 0; i < n; i++)
			json_object_object_add(j, v[i].name, json_object_new_string(v[i].text));
		fmt_print_json(stdout, j);
		return 0;
	}
	if (o->files)
		return gen_write_files(v, n, err);
	for (size_t i = 0; i < n; i++)
		fputs(v[i].text, stdout);
	return 0;
}

static int parse_seconds(const char *opt, const char *arg, long *ret, struct pea_error **err)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > INT_MAX)
		return pea_error_new(err, EINVAL, "invalid argument \"%s\" for \"%s\" flag", arg,
				     opt);
	*ret = v;
	return 0;
}

enum {
	OPT_NEW = 256,
	OPT_NO_HEADER,
	OPT_RESTART_POLICY,
	OPT_RESTART_SEC,
	OPT_START_TIMEOUT,
	OPT_STOP_TIMEOUT,
	OPT_TEMPLATE,
	OPT_CONTAINER_PREFIX,
	OPT_POD_PREFIX,
	OPT_SEPARATOR,
	OPT_WANTS,
	OPT_AFTER,
	OPT_REQUIRES,
	OPT_FORMAT,
};

static int gen_env_arg(struct gen_opts *o, const char *arg)
{
	const char *v;

	if (strchr(arg, '=')) {
		pea_strv_push(&o->env, arg);
		return 0;
	}
	/* KEY alone: its value here, left out when it has none (podman's) */
	v = getenv(arg);
	if (v)
		pea_strv_push_take(&o->env, xasprintf("%s=%s", arg, v));
	return 0;
}

static int gen_opt(struct gen_opts *o, int c, const char *arg, struct pea_error **err)
{
	switch (c) {
	case 'e':
		return gen_env_arg(o, arg);
	case 'f':
		o->files = true;
		return 0;
	case 'n':
		o->name = true;
		return 0;
	case 't':
	case OPT_STOP_TIMEOUT:
		return parse_seconds(c == 't' ? "time" : "stop-timeout", arg, &o->stop_timeout,
				     err);
	case OPT_NEW:
		o->new_set = true;
		return parse_bool_arg("new", arg, &o->new, err);
	case OPT_NO_HEADER:
		o->no_header = true;
		return 0;
	case OPT_RESTART_POLICY:
		o->restart_policy = arg;
		return 0;
	case OPT_RESTART_SEC:
		return parse_seconds("restart-sec", arg, &o->restart_sec, err);
	case OPT_START_TIMEOUT:
		return parse_seconds("start-timeout", arg, &o->start_timeout, err);
	case OPT_TEMPLATE:
		o->template = true;
		return 0;
	case OPT_CONTAINER_PREFIX:
		o->container_prefix = arg;
		return 0;
	case OPT_POD_PREFIX:
		o->pod_prefix = arg;
		return 0;
	case OPT_SEPARATOR:
		o->separator = arg;
		return 0;
	case OPT_WANTS:
		pea_strv_push(&o->wants, arg);
		return 0;
	case OPT_AFTER:
		pea_strv_push(&o->after, arg);
		return 0;
	case OPT_REQUIRES:
		pea_strv_push(&o->requires, arg);
		return 0;
	case OPT_FORMAT:
		if (strcmp(arg, "json") != 0)
			return pea_error_new(err, EINVAL,
					     "unknown --format argument: %s (only json)", arg);
		o->json = true;
		return 0;
	default:
		return 0;
	}
}

/* 1: --help printed. */
static int gen_parse(int argc, char **argv, struct gen_opts *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "env", required_argument, NULL, 'e' },
		{ "files", no_argument, NULL, 'f' },
		{ "name", no_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
		{ "new", optional_argument, NULL, OPT_NEW },
		{ "no-header", no_argument, NULL, OPT_NO_HEADER },
		{ "restart-policy", required_argument, NULL, OPT_RESTART_POLICY },
		{ "restart-sec", required_argument, NULL, OPT_RESTART_SEC },
		{ "start-timeout", required_argument, NULL, OPT_START_TIMEOUT },
		{ "template", no_argument, NULL, OPT_TEMPLATE },
		{ "container-prefix", required_argument, NULL, OPT_CONTAINER_PREFIX },
		{ "pod-prefix", required_argument, NULL, OPT_POD_PREFIX },
		{ "separator", required_argument, NULL, OPT_SEPARATOR },
		{ "wants", required_argument, NULL, OPT_WANTS },
		{ "after", required_argument, NULL, OPT_AFTER },
		{ "requires", required_argument, NULL, OPT_REQUIRES },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ NULL, 0, NULL, 0 },
	};
	int rc, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "he:fnt:", opts, systemd_usage, &c, err)) == 2)
		if (gen_opt(o, c, optarg, err) < 0)
			return -1;
	if (rc != 0)
		return rc;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	o->target = argv[optind];
	return 0;
}

/* podman's checks of the options, before any record is read. */
static int gen_validate(struct gen_opts *o, struct pea_error **err)
{
	bool known = !o->restart_policy;

	for (size_t i = 0; !known && i < ARRAY_SIZE(restart_policies); i++)
		known = strcmp(o->restart_policy, restart_policies[i]) == 0;
	if (!known)
		return pea_error_new(err, EINVAL, "%s is not a valid restart policy",
				     o->restart_policy);
	if (o->template) {
		if (o->new_set && !o->new)
			return pea_error_new(err, EINVAL,
					     "--template cannot be set with --new=false");
		o->new = true;
	}
	if (o->json && o->files)
		return pea_error_new(err, EINVAL, "--files and --format cannot be used together");
	return 0;
}

static int cmd_generate_systemd(struct global_options *g, int argc, char **argv,
				struct pea_error **err)
{
	struct gen_opts o = {
		.stop_timeout = -1,
		.container_prefix = "container",
		.pod_prefix = "pod",
		.separator = "-",
	};
	struct gen_unit *v = NULL;
	size_t n = 0;
	int r;

	r = gen_parse(argc, argv, &o, err);
	if (r == 0)
		r = gen_validate(&o, err);
	if (r == 0)
		r = gen_units(g, &o, &v, &n, err);
	if (r == 0) {
		if (o.template)
			for (size_t i = 0; i < n; i++) {
				char *s = xasprintf("%s@", v[i].name);
				free(v[i].name);
				v[i].name = s;
			}
		r = gen_print(&o, v, n, err);
	}
	gen_units_free(v, n);
	pea_strv_free(o.env);
	pea_strv_free(o.wants);
	pea_strv_free(o.after);
	pea_strv_free(o.requires);
	return r < 0 ? -1 : 0;
}

/* pea generate: systemd here, kube (and the usage of kube's older name) in cmd-kube.c. */
int cmd_generate_any(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	if (argc >= 2 && strcmp(argv[1], "systemd") == 0) {
		cmd_path_push("systemd");
		return cmd_generate_systemd(g, argc - 1, argv + 1, err);
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cmd_print_help(argc < 2 ? stderr : stdout, generate_usage);
		return argc < 2
			       ? pea_error_new(err, EINVAL, "missing command '%s generate COMMAND'",
					       frontend_progname())
			       : 0;
	}
	return cmd_generate(g, argc, argv, err);
}
