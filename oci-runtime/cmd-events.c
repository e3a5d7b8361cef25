#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"

#include "cgroup.h"
#include "runtime.h"
#include "state.h"

static const char events_usage[] =
	"Usage: pea-runtime events [--stats] [--interval DURATION] ID\n"
	"\n"
	"Print the container's resource usage as JSON: once with --stats, else every\n"
	"DURATION (5s; units ms, s, m) until it stops, with {\"type\":\"oom\"} when the\n"
	"OOM killer killed one of its processes.\n";

/* "5s", "250ms", "1m", "2" (seconds): milliseconds, or -1 */
static long parse_interval(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v <= 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		return (long)v;
	if (strcmp(end, "s") == 0 || *end == '\0')
		return (long)(v * 1000);
	if (strcmp(end, "m") == 0)
		return (long)(v * 60000);
	return -1;
}

static void print_event(const char *type, const char *id, struct json_object *data)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "id", json_object_new_string(id));
	if (data)
		json_object_object_add(o, "data", data);
	puts(pea_json_to_string(o));
	fflush(stdout);
}

#define OOM_POLL_MS 100L

/* The container's state directory was removed (deleted under us). */
static bool is_removed(int dirfd)
{
	struct stat st;

	return fstat(dirfd, &st) < 0 || st.st_nlink == 0;
}

int cmd_events(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct container_handle h;
	struct cgroup *cg = NULL;
	bool stats = false;
	long interval = 5000;
	uint64_t ooms = 0;
	const char *id;
	int opt;

	/* 0, not 1: getopt starts over and permutes (runc takes options after the ID) */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 's')
			stats = true;
		else if (opt == 'i') {
			interval = parse_interval(optarg);
			if (interval <= 0)
				return runtime_usage_error(err, "events",
							   "--interval: '%s' is not a duration",
							   optarg);
		} else if (opt == 'h') {
			fputs(events_usage, stdout);
			return 0;
		} else
			return runtime_usage_error(err, "events", "unknown option '%s'",
						   argv[optind - 1]);
	}
	if (argc - optind != 1)
		return runtime_usage_error(err, "events", "expects exactly one container ID");
	id = argv[optind];
	if (state_lookup(g->root, id, false, &h, err) < 0)
		return -EINVAL;
	if (cgroup_of_state(h.st->cgroups, id, &cg, err) < 0) {
		state_handle_close(&h);
		return -EINVAL;
	}
	/* what we need is read: a delete must not wait for us (we end when it is done) */
	flock(h.dirfd, LOCK_UN);
	/* OOM kills are looked for every 100 ms, so that they are told at once, as runc does */
	for (long waited = interval;;) {
		uint64_t now = cgroup_oom_kills(cg);
		struct timespec ts;
		long step;

		if (now > ooms)
			print_event("oom", id, NULL);
		ooms = now;
		if (waited >= interval) {
			print_event("stats", id, cgroup_stats(cg));
			waited = 0;
		}
		if (stats || !state_pid_alive(h.st) || is_removed(h.dirfd))
			break;
		step = interval - waited < OOM_POLL_MS ? interval - waited : OOM_POLL_MS;
		ts.tv_sec = step / 1000;
		ts.tv_nsec = (step % 1000) * 1000000;
		nanosleep(&ts, NULL);
		waited += step;
	}
	cgroup_free(cg);
	state_handle_close(&h);
	return 0;
}
