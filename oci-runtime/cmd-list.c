#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"

#include "runtime.h"
#include "state.h"

static const char list_usage[] = "Usage: pea-runtime list [--format table|json] [--quiet]\n"
				 "\n"
				 "List the containers under --root.\n"
				 "\n"
				 "  -f, --format FMT   table (default) or json\n"
				 "  -q, --quiet        only the IDs\n";

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_ids(const char *root)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	char **ids = NULL;
	struct dirent *e;

	pea_strv_push(&ids, ""); /* never NULL */
	free(ids[0]);
	ids[0] = NULL;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && e->d_type == DT_DIR)
			pea_strv_push(&ids, e->d_name);
	qsort(ids, pea_strv_length(ids), sizeof(char *), cmp_str);
	return ids;
}

static void print_table(struct json_object *arr)
{
	static const char *const cols[] = { "id", "pid", "status", "bundle", "created", "owner" };
	size_t w[ARRAY_SIZE(cols)] = { 2, 3, 6, 6, 7, 5 };
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(cols); k++) {
			struct json_object *v = NULL;
			size_t len;

			json_object_object_get_ex(json_object_array_get_idx(arr, i), cols[k], &v);
			len = strlen(json_object_get_string(v));
			if (len > w[k])
				w[k] = len;
		}
	printf("%-*s   %-*s   %-*s   %-*s   %-*s   %s\n", (int)w[0], "ID", (int)w[1], "PID",
	       (int)w[2], "STATUS", (int)w[3], "BUNDLE", (int)w[4], "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *v[ARRAY_SIZE(cols)];

		for (size_t k = 0; k < ARRAY_SIZE(cols); k++)
			json_object_object_get_ex(o, cols[k], &v[k]);
		printf("%-*s   %-*s   %-*s   %-*s   %-*s   %s\n", (int)w[0],
		       json_object_get_string(v[0]), (int)w[1], json_object_get_string(v[1]),
		       (int)w[2], json_object_get_string(v[2]), (int)w[3],
		       json_object_get_string(v[3]), (int)w[4], json_object_get_string(v[4]),
		       json_object_get_string(v[5]));
	}
}

int cmd_list(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *arr = json_object_new_array();
	_cleanup_strv_ char **ids = NULL;
	_cleanup_close_ int rootfd = -1;
	bool quiet = false, json = false;
	int opt;

	/* 0, not 1: getopt starts over and permutes (runc takes options after the ID) */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "f:qh", longopts, NULL)) != -1) {
		if (opt == 'f' && strcmp(optarg, "json") == 0)
			json = true;
		else if (opt == 'f' && strcmp(optarg, "table") == 0)
			json = false;
		else if (opt == 'f')
			return runtime_usage_error(err, "list", "unknown format '%s'", optarg);
		else if (opt == 'q')
			quiet = true;
		else if (opt == 'h') {
			fputs(list_usage, stdout);
			return 0;
		} else
			return runtime_usage_error(err, "list", "unknown option '%s'",
						   argv[optind - 1]);
	}
	if (optind != argc)
		return runtime_usage_error(err, "list", "takes no arguments");
	ids = list_ids(g->root);
	rootfd = open(g->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; rootfd >= 0 && ids[i]; i++) {
		struct container_handle h;

		/* one that vanished meanwhile is simply not listed */
		if (state_peek(rootfd, ids[i], &h) < 0)
			continue;
		json_object_array_add(arr, state_to_json(h.st, h.status));
		state_handle_close(&h);
	}
	if (quiet) {
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *id = NULL;

			json_object_object_get_ex(json_object_array_get_idx(arr, i), "id", &id);
			puts(json_object_get_string(id));
		}
	} else if (json) {
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		print_table(arr);
	}
	return 0;
}
