#pragma once

/*
 * podman's event log (events_logger = "file"): one JSON object a line,
 * {"ID":..,"Image":..,"Name":..,"Status":..,"Time":..,"Type":..,"Attributes":{..}},
 * appended with one write(2) on an O_APPEND descriptor, so that concurrent
 * writers never interleave. The file is [engine] events_logfile_path, else
 * TMP_DIR/events/events.log with [engine] tmp_dir, else RUNROOT/events/events.log;
 * with events_logfile_max_size it is rotated as podman does (its second half
 * kept, then a "system log-rotation" event). events_logger = "none" (or the
 * global --events-backend=none) writes nothing. "journald" sends each event to
 * the journal with podman's fields (PODMAN_EVENT, PODMAN_TYPE, PODMAN_TIME,
 * PODMAN_ID, PODMAN_NAME, ...: events.c) and SYSLOG_IDENTIFIER=pea (podman's is
 * "podman": the two engines' events stay apart, as their event files do);
 * `pea events` reads them back through journalctl (journal.h).
 *
 * Writing an event never fails the command: a problem is a warning.
 */

#include <stdbool.h>
#include <stddef.h>

struct global_options;
struct ctr_record;
struct json_object;
struct pea_error;

/* Types of podman's events. */
#define EVENT_CONTAINER "container"
#define EVENT_IMAGE	"image"
#define EVENT_POD	"pod"
#define EVENT_VOLUME	"volume"
#define EVENT_SYSTEM	"system"

struct event {
	const char *type;	 /* EVENT_* */
	const char *status;	 /* "create", "start", "died", "pull", ... */
	const char *id;		 /* NULL: none */
	const char *name;	 /* NULL: none */
	const char *image;	 /* NULL: none */
	const char *pod_id;	 /* NULL: none */
	const char *network;	 /* NULL: none */
	const char *health;	 /* a "health_status" event: the new status; NULL: none */
	bool has_exit_code;	 /* a "died" event: exit_code set */
	int exit_code;		 /* ContainerExitCode */
	char *const *attributes; /* "K=V" (a container's labels); NULL: none */
};

/* The events backend of the global --events-backend (file, journald, none); options.c. */
void events_set_backend(const char *backend);
/* The --events-backend to pass to pea's own children (the exit command); NULL: the default. */
const char *events_backend_option(void);

/* Append one event to the log (a warning if that fails). */
void events_write(const struct global_options *g, const struct event *e);

/* A container event from its record: id, name, image, labels (and exit code for "died"). */
void events_container(const struct global_options *g, const struct ctr_record *r,
		      const char *status);
/* A "health_status" event of a check's run: the container's health after it (podman's). */
void events_health(const struct global_options *g, const struct ctr_record *r, const char *health);
/* An image event: "pull", "push", "tag", "untag", "remove", "loadfromarchive", "save", ... */
void events_image(const struct global_options *g, const char *status, const char *id,
		  const char *name);
/* A volume event: "create", "remove", "prune". */
void events_volume(const struct global_options *g, const char *status, const char *name);
/* A pod event: "create", "start", "stop", "kill", "pause", "unpause", "remove". */
void events_pod(const struct global_options *g, const char *status, const char *id,
		const char *name);

/* The journal's SYSLOG_IDENTIFIER of pea's events (journald backend). */
#define EVENTS_JOURNAL_IDENTIFIER "pea"

/*
 * Read: where the log is (new string; NULL with the journald backend), and whether
 * the backend lets events be read (podman's error for "none").
 */
int events_log_path(const struct global_options *g, char **ret, struct pea_error **err);
/* The events backend in use: --events-backend, else containers.conf's, else "file". */
const char *events_backend_name(const struct global_options *g);

/*
 * One line of the log as the object --format renders: podman's fields (ID,
 * Image, Name, Status, Time, Type, Attributes, ContainerExitCode, PodID,
 * Network, health_status: a template's HealthStatus), Time kept as written. *ret_time: the time in
 * seconds since the epoch. Lines longer than EVENTS_LINE_MAX are refused.
 */
#define EVENTS_LINE_MAX (64u << 10)
int events_parse_line(const char *line, size_t len, struct json_object **ret, double *ret_time,
		      struct pea_error **err);
/*
 * A journal entry of the journald backend (journalctl -o json's object) as the object
 * of a log line (events_parse_line's); an entry without PODMAN_TYPE (ENOMSG: not an
 * event, skipped quietly as podman does), without PODMAN_EVENT or PODMAN_TIME, or with
 * fields that do not parse, is refused.
 */
int events_from_journal(struct json_object *entry, struct json_object **ret, double *ret_time,
			struct pea_error **err);
/* An event as podman prints it without --format ("TIME TYPE STATUS ID (image=..)"; cmd-events.c).
 */
char *events_human(struct json_object *e, bool no_trunc);

/*
 * podman's ParseInputTime for --since/--until: an RFC 3339 time, a Unix time,
 * or a Go duration back from now (since) or on from now (until) (cmd-logs.c).
 */
int logs_parse_input_time(const char *flag, const char *s, bool since, double *ret,
			  struct pea_error **err);

/* pea events (cmd-events.c). */
int cmd_events(struct global_options *g, int argc, char **argv, struct pea_error **err);
