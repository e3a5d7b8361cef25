/* inspect: containers (and images) as podman's JSON (podman-inspect(1)). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/ctr-log.h"
#include "frontend/external.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/health.h"
#include "frontend/images.h"
#include "frontend/network.h"
#include "frontend/pod.h"
#include "frontend/ps.h"
#include "frontend/records.h"
#include "frontend/restart.h"
#include "frontend/sdnotify.h"
#include "frontend/security-run.h"
#include "frontend/spec.h"
#include "frontend/userns.h"
#include "frontend/volumes-run.h"

static struct json_object *opt_get(struct json_object *opts, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(opts, key, &v) ? json_object_get(v) : NULL;
}

/*
 * Config.Entrypoint as podman 4.3 prints it: its words joined by spaces, one
 * string ("" without one); image inspect keeps the image's array.
 */
static struct json_object *entrypoint_string(struct json_object *opts)
{
	struct json_object *v = NULL;
	_cleanup_free_ char *s = NULL;
	size_t n;

	if (!json_object_object_get_ex(opts, "entrypoint", &v) || !v)
		return json_object_new_string("");
	if (!json_object_is_type(v, json_type_array))
		return json_object_get(v);
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		const char *w = json_object_get_string(json_object_array_get_idx(v, i));
		char *t = s ? xasprintf("%s %s", s, w ?: "") : xstrdup(w ?: "");
		free(s);
		s = t;
	}
	return json_object_new_string(s ? s : "");
}

/* The monitor's pid while the container runs (its conmon.pid), else 0. */
static int conmon_pid(const char *dir, const struct ctr_record *r)
{
	_cleanup_free_ char *f = NULL, *buf = NULL;
	size_t len = 0;

	if (r->state != CTR_RUNNING)
		return 0;
	f = xasprintf("%s/conmon.pid", dir);
	if (pea_read_file_at(AT_FDCWD, f, 64, &buf, &len, NULL) < 0)
		return 0;
	return atoi(buf);
}

/* The digest of the container's image ("" for --rootfs or an image gone since). */
static struct json_object *image_digest(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_json_ struct json_object *img = NULL;
	const char *d = NULL;

	if (r->image_id && *r->image_id && image_find(g, r->image_id, &img, NULL) == 0)
		(void)pea_json_get_string_opt(img, "", "digest", &d, NULL);
	return json_object_new_string(d ? d : "");
}

static struct json_object *state_json(const struct global_options *g, const char *dir,
				      const struct ctr_record *r)
{
	struct json_object *s = json_object_new_object();
	const char *status = ps_state_name(r);

	/* podman's state while a stop waits for the container to exit (050-stop) */
	if (r->state == CTR_RUNNING && !r->paused && container_is_stopping(g, r->id))
		status = "stopping";
	json_object_object_add(s, "OciVersion", json_object_new_string("1.0.2"));
	json_object_object_add(s, "Status", json_object_new_string(status));
	json_object_object_add(s, "Running",
			       json_object_new_boolean(r->state == CTR_RUNNING && !r->paused));
	json_object_object_add(s, "Paused", json_object_new_boolean(r->paused));
	json_object_object_add(s, "Restarting", json_object_new_boolean(false));
	json_object_object_add(s, "OOMKilled", json_object_new_boolean(false));
	json_object_object_add(s, "Dead", json_object_new_boolean(false));
	json_object_object_add(s, "Pid", json_object_new_int(r->pid));
	json_object_object_add(s, "ConmonPid", json_object_new_int(conmon_pid(dir, r)));
	json_object_object_add(s, "ExitCode", json_object_new_int(r->exit_code));
	json_object_object_add(s, "Error", json_object_new_string(""));
	json_object_object_add(s, "StartedAt",
			       json_object_new_string(r->started_at ?: "0001-01-01T00:00:00Z"));
	json_object_object_add(s, "FinishedAt",
			       json_object_new_string(r->finished_at ?: "0001-01-01T00:00:00Z"));
	return s;
}

static struct json_object *mounts_json(const struct global_options *g, struct json_object *opts)
{
	struct json_object *out = json_object_new_array(), *vols = NULL;

	if (!json_object_object_get_ex(opts, "volumes", &vols))
		return out;
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		struct json_object *v = json_object_array_get_idx(vols, i),
				   *m = json_object_new_object();
		struct json_object *o = NULL;
		const char *type = NULL, *src = NULL;
		bool rw = true;
		json_object_object_get_ex(v, "options", &o);
		for (size_t k = 0; o && k < json_object_array_length(o); k++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(o, k)), "ro") ==
			    0)
				rw = false;
		(void)pea_json_get_string_opt(v, "", "type", &type, NULL);
		(void)pea_json_get_string_opt(v, "", "source", &src, NULL);
		if (type && strcmp(type, "volume") == 0 && src) {
			/* a named volume: its name, and its folder as the source (volumes-run.h) */
			_cleanup_free_ char *data = volume_data_dir(g, src);
			json_object_object_add(m, "Type", json_object_new_string("volume"));
			json_object_object_add(m, "Name", json_object_new_string(src));
			json_object_object_add(m, "Source", json_object_new_string(data));
		} else if (type && strcmp(type, "image") == 0) {
			/* --mount type=image: the image as named; read-only unless rw */
			rw = false;
			for (size_t k = 0; o && k < json_object_array_length(o); k++)
				rw = rw ||
				     strcmp(json_object_get_string(json_object_array_get_idx(o, k)),
					    "rw") == 0;
			json_object_object_add(m, "Type", json_object_new_string("image"));
			json_object_object_add(m, "Source", opt_get(v, "source"));
		} else {
			json_object_object_add(m, "Type", json_object_new_string("bind"));
			json_object_object_add(m, "Source", opt_get(v, "source"));
		}
		json_object_object_add(m, "Destination", opt_get(v, "destination"));
		json_object_object_add(
			m, "Driver",
			json_object_new_string(type && strcmp(type, "volume") == 0 ? "local" : ""));
		json_object_object_add(m, "Mode", json_object_new_string(""));
		json_object_object_add(m, "Options",
				       o ? json_object_get(o) : json_object_new_array());
		json_object_object_add(m, "RW", json_object_new_boolean(rw));
		json_object_object_add(m, "Propagation", json_object_new_string("rprivate"));
		json_object_array_add(out, m);
	}
	return out;
}

static struct json_object *container_json(const struct global_options *g,
					  const struct ctr_record *r)
{
	struct json_object *o = json_object_new_object(), *cfg = json_object_new_object();
	struct json_object *hc = json_object_new_object(), *args = NULL, *path = NULL;
	_cleanup_free_ char *dir = record_dir(g, r->id);
	const char *host = NULL;
	int64_t mem = 0, pids = 0;

	json_object_object_get_ex(r->opts, "args", &args);
	if (args && json_object_array_length(args) > 0)
		path = json_object_array_get_idx(args, 0);
	json_object_object_add(o, "Id", json_object_new_string(r->id));
	json_object_object_add(o, "Created", json_object_new_string(r->created));
	json_object_object_add(o, "Path",
			       path ? json_object_get(path) : json_object_new_string(""));
	{
		struct json_object *rest = json_object_new_array();
		for (size_t i = 1; args && i < json_object_array_length(args); i++)
			json_object_array_add(rest,
					      json_object_get(json_object_array_get_idx(args, i)));
		json_object_object_add(o, "Args", rest);
	}
	json_object_object_add(o, "State", state_json(g, dir, r));
	json_object_object_add(o, "Image", json_object_new_string(r->image_id ?: ""));
	json_object_object_add(o, "ImageDigest", image_digest(g, r));
	json_object_object_add(o, "ImageName", json_object_new_string(r->image_name ?: ""));
	json_object_object_add(o, "Rootfs", json_object_new_string(""));
	json_object_object_add(o, "Pod", json_object_new_string(pod_of(r) ? pod_of(r) : ""));
	json_object_object_add(o, "IsInfra", json_object_new_boolean(pod_is_infra(r)));
	json_object_object_add(o, "IsService", json_object_new_boolean(pod_is_service(g, r->id)));
	json_object_object_add(o, "ResolvConfPath", json_object_new_string(""));
	{
		_cleanup_free_ char *p = xasprintf("%s/config.json", dir);
		_cleanup_free_ char *l = ctr_log_path(g, r);
		_cleanup_free_ char *cp = xasprintf("%s/conmon.pid", dir);
		json_object_object_add(o, "OCIConfigPath", json_object_new_string(p));
		json_object_object_add(o, "ConmonPidFile", json_object_new_string(cp));
		json_object_object_add(o, "LogPath", json_object_new_string(l ? l : ""));
	}
	json_object_object_add(o, "Name", json_object_new_string(r->name));
	json_object_object_add(o, "RestartCount", json_object_new_int(r->restart_count));
	json_object_object_add(o, "Driver", json_object_new_string(g->storage_driver ?: "overlay"));
	json_object_object_add(o, "MountLabel", json_object_new_string(""));
	json_object_object_add(o, "ProcessLabel", json_object_new_string(""));
	json_object_object_add(o, "AppArmorProfile", json_object_new_string(""));
	json_object_object_add(o, "OCIRuntime", json_object_new_string(r->runtime ?: g->runtime));
	json_object_object_add(o, "Mounts", mounts_json(g, r->opts));
	(void)pea_json_get_string_opt(r->opts, "", "hostname", &host, NULL);
	if (host)
		json_object_object_add(cfg, "Hostname", json_object_new_string(host));
	else {
		_cleanup_free_ char *h = xstrndup(r->id, 12);
		json_object_object_add(cfg, "Hostname", json_object_new_string(h));
	}
	json_object_object_add(cfg, "User", opt_get(r->opts, "user"));
	json_object_object_add(cfg, "Env", opt_get(r->opts, "env"));
	json_object_object_add(cfg, "Cmd", opt_get(r->opts, "cmd"));
	json_object_object_add(cfg, "Image", json_object_new_string(r->image_name ?: ""));
	json_object_object_add(cfg, "WorkingDir", opt_get(r->opts, "workdir"));
	json_object_object_add(cfg, "Entrypoint", entrypoint_string(r->opts));
	json_object_object_add(cfg, "StopSignal", opt_get(r->opts, "stop_signal"));
	json_object_object_add(cfg, "StopTimeout", opt_get(r->opts, "stop_timeout"));
	{
		struct json_object *cc = opt_get(r->opts, "create_command");
		json_object_object_add(cfg, "CreateCommand", cc ? cc : json_object_new_array());
	}
	json_object_object_add(cfg, "Labels", container_labels(r->opts));
	json_object_object_add(cfg, "Annotations", spec_annotations(r, r->started_at != NULL));
	{
		struct json_object *tz = opt_get(r->opts, "tz");
		json_object_object_add(cfg, "Timezone", tz ? tz : json_object_new_string(""));
	}
	json_object_object_add(cfg, "Tty", opt_get(r->opts, "tty"));
	json_object_object_add(cfg, "OpenStdin", opt_get(r->opts, "interactive"));
	json_object_object_add(cfg, "SdNotifyMode", json_object_new_string(sdnotify_mode(r)));
	json_object_object_add(cfg, "SdNotifySocket", json_object_new_string(sdnotify_socket(r)));
	health_inspect(g, r, json_object_object_get(o, "State"), cfg);
	json_object_object_add(o, "Config", cfg);
	(void)pea_json_get_int64_opt(r->opts, "", "memory", &mem, NULL);
	(void)pea_json_get_int64_opt(r->opts, "", "pids_limit", &pids, NULL);
	json_object_object_add(hc, "Memory", json_object_new_int64(mem));
	json_object_object_add(hc, "PidsLimit", json_object_new_int64(pids));
	json_object_object_add(hc, "ReadonlyRootfs", opt_get(r->opts, "read_only"));
	{
		/* podman's mode without its options ("slirp4netns", not "slirp4netns:mtu=..") */
		const char *mode = NULL;
		(void)pea_json_get_string_opt(r->opts, "", "network", &mode, NULL);
		if (mode &&
		    (strncmp(mode, "slirp4netns:", 12) == 0 || strncmp(mode, "pasta:", 6) == 0))
			json_object_object_add(
				hc, "NetworkMode",
				json_object_new_string_len(mode, (int)strcspn(mode, ":")));
		else
			json_object_object_add(hc, "NetworkMode", opt_get(r->opts, "network"));
	}
	json_object_object_add(hc, "PortBindings",
			       network_port_bindings(json_object_object_get(r->opts, "ports")));
	json_object_object_add(hc, "AutoRemove", json_object_new_boolean(r->rm));
	json_object_object_add(hc, "LogConfig", ctr_log_inspect(g, r));
	{
		struct json_object *rp = json_object_new_object();
		int retries = 0;
		const char *policy = restart_policy(r, &retries);
		/* podman's "" when none was given */
		if (!json_object_object_get_ex(r->opts, "restart_policy", NULL))
			policy = "";
		json_object_object_add(rp, "Name", json_object_new_string(policy));
		json_object_object_add(rp, "MaximumRetryCount", json_object_new_int(retries));
		json_object_object_add(hc, "RestartPolicy", rp);
	}
	secres_inspect(json_object_object_get(r->opts, "security"), hc);
	userns_inspect(r->opts, hc);
	json_object_object_add(o, "HostConfig", hc);
	json_object_object_add(o, "NetworkSettings", network_inspect_settings(g, r));
	return o;
}

static const char inspect_usage[] =
	"Usage: pea inspect [OPTIONS] NAME [NAME...]\n"
	"\n"
	"Show containers or images as JSON.\n"
	"\n"
	"  -f, --format=FORMAT   Go template ({{.State.Status}}, {{.Id}}, ...) or json\n"
	"  -l, --latest          the container created last\n"
	"  -t, --type=TYPE       container, image or all (default)\n";

static int inspect(struct global_options *g, int argc, char **argv, const char *type,
		   struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 't' },
		{ "latest", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *out = json_object_new_array();
	_cleanup_free_ char *format = NULL, *want = xstrdup(type), *latest = NULL;
	char *latest_argv[2] = { NULL, NULL };
	bool use_latest = false;
	int r, c = 0, status = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:lt:", opts, inspect_usage, &c, err)) == 2) {
		if (c == 'l') {
			use_latest = true;
		} else if (c == 'f') {
			free(format);
			format = xstrdup(optarg);
		} else if (c == 't') {
			if (strcmp(optarg, "container") != 0 && strcmp(optarg, "image") != 0 &&
			    strcmp(optarg, "all") != 0)
				return pea_error_new(err, EINVAL,
						     "invalid type \"%s\": use "
						     "container, image or all",
						     optarg);
			free(want);
			want = xstrdup(optarg);
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (use_latest && optind < argc)
		return pea_error_new(err, EINVAL,
				     "--latest and containers cannot be used together");
	if (use_latest) {
		/* podman's -l: the container created last, as its only argument */
		if (container_latest(g, &latest, err) < 0)
			return -1;
		latest_argv[0] = latest;
		argv = latest_argv;
		argc = 1;
		optind = 0;
	}
	if (optind >= argc)
		return check_nargs(0, 1, -1, err);
	for (int i = optind; i < argc; i++) {
		_cleanup_record_ struct ctr_record *rec = NULL;
		struct json_object *img = NULL;

		if (strcmp(want, "image") != 0 && record_lookup(g, argv[i], &rec, NULL) == 0) {
			(void)record_refresh(g, rec, NULL);
			record_note_paused(g, rec);
			json_object_array_add(out, container_json(g, rec));
			continue;
		}
		if (strcmp(want, "container") != 0 &&
		    image_inspect_one(g, argv[i], &img, NULL) == 0) {
			json_object_array_add(out, img);
			continue;
		}
		/* podman's words, which scripts (and podman's own tests) match */
		if (strcmp(want, "image") == 0)
			fprintf(stderr, "Error: inspecting object: %s: image not known\n", argv[i]);
		else if (strcmp(want, "container") == 0)
			fprintf(stderr, "Error: inspecting object: no such container %s\n",
				argv[i]);
		else
			fprintf(stderr, "Error: inspecting object: no such object: \"%s\"\n",
				argv[i]);
		status = PEA_EXIT_ENGINE;
	}
	if (format && strcmp(format, "json") != 0) {
		struct template *t = NULL;
		if (template_parse(format, NULL, &t, err) < 0)
			return -1;
		template_set_context(t, "inspect", "*define.InspectContainerData");
		r = template_print(stdout, t, out, err);
		template_free(t);
		if (r < 0)
			return -1;
	} else {
		fmt_print_json(stdout, out); /* "[]" when nothing was found, as podman */
	}
	return status;
}

int cmd_inspect(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return inspect(g, argc, argv, "all", err);
}

int cmd_container_inspect(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return inspect(g, argc, argv, "container", err);
}

/*
 * container exists: exit 0 when the container is there, 1 when not; --external: also a
 * container of the store that pea did not make (podman-container-exists(1)).
 */
int cmd_container_exists(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "external", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	struct ext_ctr x = { 0 };
	bool external = false;
	int rc, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(
			argc, argv, "h", opts,
			"Usage: pea container exists [--external] CONTAINER\n\n"
			"Exit 0 when the container exists, 1 when not.\n\n"
			"      --external   also a container of the store pea did not make\n"
			"                   (buildah's)\n",
			&c, err)) == 2)
		external |= c == 'x';
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	if (record_lookup(g, argv[optind], &r, &e) == 0)
		return 0;
	if (e->code != ENOENT) {
		*err = TAKE_PTR(e);
		return -1;
	}
	if (!external)
		return 1;
	rc = ext_find(g, argv[optind], &x, err);
	ext_ctr_clear(&x);
	return rc < 0 ? -1 : (rc == 1 ? 0 : 1);
}
