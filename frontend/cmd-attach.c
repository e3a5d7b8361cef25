/*
 * attach: a running container's output on ours, our stdin to it (podman-attach(1)),
 * through the monitor's attach socket (conmon's protocol: each packet from
 * the monitor is one byte of stream id, 2 stdout or 3 stderr, then data;
 * each packet to it is input). A container made with -t gets our terminal in
 * raw mode, its size (and each SIGWINCH), and the detach keys are watched.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/ctr-log.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/tty.h"

#define EXIT_WAIT_MS 10000

struct attach_ctx {
	struct global_options *g;
	const struct ctr_record *r;
};

static void attach_resize(void *data)
{
	struct attach_ctx *c = data;

	tty_resize_monitor(c->g, c->r->id);
}

static void attach_signal(void *data, int sig)
{
	struct attach_ctx *c = data;
	_cleanup_free_ char *num = xasprintf("%d", sig);
	const char *args[] = { "kill", c->r->id, num, NULL };

	(void)container_runtime(c->g, c->r, args, true, NULL);
}

static int exit_code(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *file = record_exit_file(g, id), *buf = NULL;
	size_t len;

	if (container_wait_exit(g, id, EXIT_WAIT_MS, NULL) < 0 ||
	    pea_read_file_at(AT_FDCWD, file, 64, &buf, &len, NULL) < 0 || len == 0)
		return 0; /* still running: its socket closed on us */
	return atoi(buf);
}

struct attach_options {
	bool no_stdin, sig_proxy, latest;
	const char *keys_spec;
	char *keys;
	size_t nkeys;
};

/*
 * Copy until the container ends (its exit code), the detach keys are typed
 * (0, the container runs on) or, on a terminal, a signal comes (128 + it:
 * with -t signals are not passed on, as podman).
 */
static int attach_run(struct global_options *g, const struct ctr_record *r, int sock,
		      const struct attach_options *o, struct pea_error **err)
{
	_cleanup_free_ char *exitf = record_exit_file(g, r->id);
	struct attach_ctx ctx = { g, r };
	struct tty_state ts = { 0 };
	bool tty = false, interactive = false, detached = false;
	int sig = 0, rc;
	struct tty_proxy p = { .fd = sock,
			       .packets = true,
			       .keys = o->keys,
			       .nkeys = o->nkeys,
			       .data = &ctx,
			       .exit_file = exitf };

	(void)pea_json_get_bool_opt(r->opts, "opts", "tty", &tty, NULL);
	(void)pea_json_get_bool_opt(r->opts, "opts", "interactive", &interactive, NULL);
	p.input = interactive && !o->no_stdin;
	if (tty) {
		p.resize = attach_resize;
		p.ret_signal = &sig;
		tty_resize_monitor(g, r->id);
	} else if (o->sig_proxy) {
		p.signal = attach_signal;
	}
	if (tty && p.input)
		tty_make_raw(&ts);
	rc = tty_proxy_run(&p, &detached, err);
	tty_restore(&ts);
	if (rc < 0)
		return pea_error_wrap(err, "attach to container '%s'", r->name);
	fflush(stdout);
	if (detached)
		return 0;
	if (sig)
		return 128 + sig;
	return exit_code(g, r->id);
}

static const char attach_usage[] =
	"Usage: pea attach [OPTIONS] CONTAINER\n"
	"\n"
	"Attach to a running container: its output on ours, our input to it (when it\n"
	"was made with -i), our terminal (raw) when it was made with -t; exit with its\n"
	"status when it ends.\n"
	"\n"
	"      --detach-keys=KEYS  keys that detach and leave it running (default\n"
	"                          ctrl-p,ctrl-q; \"\": none)\n"
	"  -l, --latest            the container created last\n"
	"      --no-stdin          do not send our input\n"
	"      --sig-proxy[=BOOL]  pass the signals pea gets to the container (not with -t;\n"
	"                          default true)\n";

enum { OPT_NOSTDIN = 256, OPT_SIGPROXY, OPT_DETACHKEYS };

static int attach_parse(int argc, char **argv, struct attach_options *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-stdin", no_argument, NULL, OPT_NOSTDIN },
		{ "sig-proxy", optional_argument, NULL, OPT_SIGPROXY },
		{ "detach-keys", required_argument, NULL, OPT_DETACHKEYS },
		{ "latest", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int rc, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "hl", opts, attach_usage, &c, err)) == 2) {
		if (c == 'l')
			o->latest = true;
		else if (c == OPT_NOSTDIN)
			o->no_stdin = true;
		else if (c == OPT_SIGPROXY &&
			 parse_bool_arg("--sig-proxy", optarg, &o->sig_proxy, err) < 0)
			return -1;
		else if (c == OPT_DETACHKEYS)
			o->keys_spec = optarg;
	}
	if (rc != 0)
		return rc;
	if (tty_parse_detach_keys(o->keys_spec, &o->keys, &o->nkeys, err) < 0)
		return -1;
	if (o->latest && argc - optind != 0)
		return pea_error_new(err, EINVAL,
				     "--latest and containers cannot be used together");
	if (!o->latest && argc - optind != 1)
		return pea_error_new(err, EINVAL,
				     "attach requires the name or id of one running container");
	return 0;
}

int cmd_attach(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct attach_options o = { .sig_proxy = true, .keys_spec = TTY_DETACH_KEYS_DEFAULT };
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_free_ char *last = NULL;
	_cleanup_close_ int sock = -1;
	int rc;

	rc = attach_parse(argc, argv, &o, err);
	if (rc == 1) {
		free(o.keys);
		return 0;
	}
	if (rc == 0 && o.latest && container_latest(g, &last, err) < 0)
		rc = -1;
	if (rc == 0 && record_lookup(g, last ? last : argv[optind], &r, err) < 0)
		rc = -1;
	if (rc == 0) {
		(void)record_refresh(g, r, NULL);
		if (r->state != CTR_RUNNING)
			rc = pea_error_new(err, EINVAL,
					   "you can only attach to running containers");
		else if (ctr_log_is_passthrough(r))
			rc = pea_error_new(err, ENODATA,
					   "this container is using the 'passthrough' log driver, "
					   "cannot attach: this container is not logging output");
	}
	if (rc == 0 && container_attach_connect(g, r->id, &sock, err) < 0)
		rc = -1;
	if (rc == 0)
		rc = attach_run(g, r, sock, &o, err);
	free(o.keys);
	return rc;
}
