#pragma once

/*
 * A container's log (podman-run(1) --log-driver, --log-opt; containers.conf(5)
 * log_driver, log_size_max, log_tag): k8s-file (the default; json-file is its
 * alias, kept as given), journald, none, passthrough (the container's stdio
 * are pea's own). The record keeps, in its opts: log_driver, log_path (only
 * when --log-opt path= was given), log_size (bytes, -1: no cap) and log_tag.
 * Records made before these keys are k8s-file logs without a cap.
 */

#include <stdbool.h>

struct json_object;
struct pea_error;
struct global_options;
struct ctr_record;
struct ctr_config;

/* --log-driver and --log-opt as given (the last of each wins). */
struct ctr_log_flags {
	char *driver;
	char *path;
	char *tag;
	long long size; /* 0: not given (podman's max-size=0 is no flag either) */
};

void ctr_log_flags_clear(struct ctr_log_flags *f);
int ctr_log_parse_driver(struct ctr_log_flags *f, const char *arg, struct pea_error **err);
/* NAME=VALUE: path, max-size (decimal units as podman: 10k is 10000), tag; others ignored. */
int ctr_log_parse_opt(struct ctr_log_flags *f, const char *arg, struct pea_error **err);
/*
 * The flags over containers.conf's defaults, checked (a journald driver needs
 * the journal's socket; passthrough neither -t nor a terminal on pea's stdio;
 * a path's folder must exist), into opts.
 */
int ctr_log_finish(const struct ctr_log_flags *f, const struct ctr_config *conf, bool tty,
		   struct json_object *opts, struct pea_error **err);

/* The driver as given: k8s-file, json-file, journald, none or passthrough. */
const char *ctr_log_driver(const struct ctr_record *r);
bool ctr_log_is_passthrough(const struct ctr_record *r);
/* The k8s-file log's path (new string), NULL for the other drivers. */
char *ctr_log_path(const struct global_options *g, const struct ctr_record *r);
/*
 * The k8s-file log has a cap: the monitor empties it when full, so a reader
 * following it may miss what came between (a foreground run then takes the
 * output from the attach socket, as podman always does).
 */
bool ctr_log_capped(const struct ctr_record *r);
/* The monitor's log options (conmon's -l, --log-size-max, --log-tag), pushed to *argv. */
void ctr_log_monitor_args(const struct global_options *g, const struct ctr_record *r, char ***argv);
/* inspect's HostConfig.LogConfig {Type, Config, Path, Tag, Size}. */
struct json_object *ctr_log_inspect(const struct global_options *g, const struct ctr_record *r);
/* pea logs: podman's error (ENODATA) for a container whose driver keeps no log pea reads. */
int ctr_log_check_readable(const struct ctr_record *r, struct pea_error **err);
/* go-units FromHumanSize: "10k", "10 MB", "1.5g" (1000-based; i and b ignored); -EINVAL. */
int ctr_log_parse_human_size(const char *s, long long *ret);
