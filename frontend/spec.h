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
