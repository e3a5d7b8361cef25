#pragma once

/* What every pea-storage command receives, and small helpers shared by the commands. */

#include <stdbool.h>
#include <stdint.h>

struct pea_error;
struct json_object;

struct global_options {
	const char *root;    /* --root: graph root */
	const char *runroot; /* --runroot */
	const char *driver;  /* --storage-driver */
	const char *config;  /* --config: storage.conf */
	char **storage_opts; /* --storage-opt K=V, repeated */
};

/* A usage error: code EINVAL, and main() exits with 2 instead of 1. */
int cli_usage_error(struct pea_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool cli_usage_failed(void);

/* Print {"result": result} on stdout (takes ownership; NULL is {}). */
int cli_reply(struct json_object *result, struct pea_error **err);

/* A new random 64-hex-digit id. */
char *cli_random_id(void);
/* Is s a 64-digit lowercase hex id? */
bool cli_is_full_id(const char *s);
/* Names: [A-Za-z0-9][A-Za-z0-9_.:/@-]*, at most 255 bytes. */
bool cli_is_valid_name(const char *s);
/* "2026-01-02T03:04:05Z" for now. */
char *cli_now_rfc3339(void);

struct option;

/*
 * getopt_long over argv (argv[0] is the command's name), reporting unknown options and
 * missing arguments as usage errors naming cmd. Returns the option, -1 at the end, or
 * -2 with *err set. Start each command with cli_getopt_reset().
 */
void cli_getopt_reset(void);
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       const char *cmd, struct pea_error **err);
/* Exactly n operands after the options, else a usage error. */
int cli_expect_operands(int argc, int optind_, int n, const char *cmd, const char *what,
			struct pea_error **err);

/* stdout carries a stream (layer diff): errors then go to stderr only. */
void cli_set_stream_output(void);
bool cli_stream_output(void);
/* A command with no options but --help and exactly n operands (what names them). */
int cli_simple_args(int argc, char **argv, const char *cmd, int n, const char *what,
		    const char *usage, struct pea_error **err);
