/* logs: the container's output from its k8s-file log (podman-logs(1)). */
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
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "frontend/k8s-log.h"
#include "frontend/records.h"

#define LOG_LINE_MAX (1u << 20)

static const char logs_usage[] = "Usage: pea logs [OPTIONS] CONTAINER [CONTAINER...]\n"
				 "\n"
				 "Print the output of containers.\n"
				 "\n"
				 "  -f, --follow       keep printing while the container runs\n"
				 "      --tail=N       only the last N lines (-1: all)\n"
				 "  -t, --timestamps   show the time of each line\n";

enum { OPT_TAIL = 1000 };

static int logs_one(struct global_options *g, const char *name, bool follow, long tail, bool ts,
		    struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len = 0, off;

	if (record_lookup(g, name, &r, err) < 0)
		return -1;
	path = xasprintf("%s/containers/%s/ctr.log", g->root, r->id);
	if (pea_read_file_at(AT_FDCWD, path, 1u << 30, &buf, &len, NULL) < 0)
		len = 0;
	off = k8s_log_print(stdout, stderr, buf ? buf : "", len,
			    k8s_log_tail_start(buf ? buf : "", len, tail), ts);
	while (follow) {
		bool ended;

		(void)record_refresh(g, r, NULL);
		ended = r->state != CTR_RUNNING;
		free(buf);
		buf = NULL;
		if (pea_read_file_at(AT_FDCWD, path, 1u << 30, &buf, &len, NULL) < 0)
			len = 0;
		if (len < off)
			off = 0; /* rotated */
		off = k8s_log_print(stdout, stderr, buf ? buf : "", len, off, ts);
		if (ended)
			break;
		usleep(100000);
	}
	return 0;
}

int cmd_logs(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "follow", no_argument, NULL, 'f' },
		{ "tail", required_argument, NULL, OPT_TAIL },
		{ "timestamps", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	bool follow = false, ts = false;
	long tail = -1;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hft", opts, logs_usage, &c, err)) == 2) {
		if (c == 'f')
			follow = true;
		else if (c == 't')
			ts = true;
		else if (c == OPT_TAIL) {
			char *end = NULL;
			errno = 0;
			tail = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || tail < -1)
				return pea_error_new(err, EINVAL,
						     "invalid argument \"%s\" for "
						     "\"--tail\" flag: must be an integer "
						     ">= -1",
						     optarg);
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind >= argc)
		return pea_error_new(err, EINVAL, "requires at least 1 arg(s), only received 0");
	for (int i = optind; i < argc; i++)
		if (logs_one(g, argv[i], follow, tail, ts, err) < 0)
			return -1;
	return 0;
}
