#pragma once

/* The OCI spec's annotations of a container (spec.c). */

#include <stdbool.h>

struct json_object;
struct ctr_record;

/*
 * podman's: io.kubernetes.cri-o.TTY and io.podman.annotations.{autoremove,
 * init, privileged, publish-all, volumes-from}, then --annotation and
 * containers.conf's annotations; with started, what podman adds when it makes
 * the spec of a start (io.container.manager, io.kubernetes.cri-o.Created,
 * org.opencontainers.image.stopSignal). A new object.
 */
struct json_object *spec_annotations(const struct ctr_record *r, bool started);

struct pea_error;
/* --tz: "local" or a zone file of /usr/share/zoneinfo (no ".."); the error names it. */
int spec_tz_check(const char *tz, struct pea_error **err);

/*
 * A --workdir (not the image's) that is neither in the container's root nor
 * a volume's destination or above one: podman's error, which pea run exits
 * 126 for; the runtime would make it.
 */
int spec_check_workdir(const struct ctr_record *r, const char *rootfs, struct pea_error **err);

/* --conmon-pidfile: the monitor's pid (bundle/conmon.pid) into the file the user named. */
int spec_conmon_pidfile(const struct ctr_record *r, const char *bundle, struct pea_error **err);
