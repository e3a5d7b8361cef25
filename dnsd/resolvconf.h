#pragma once

/* The host's resolvers, from /etc/resolv.conf ("nameserver ADDR[%SCOPE]" lines). */

#include <stddef.h>

#include "dnsd/query.h"

struct pea_error;

#define DNSD_RESOLV_CONF     "/etc/resolv.conf"
#define DNSD_RESOLV_CONF_MAX 3 /* what the libc resolver uses, as aardvark-dns does */

/*
 * Parse resolv.conf content into at most max upstreams. Lines that do not
 * parse are skipped. Returns the count.
 */
size_t dnsd_resolv_conf_parse(const char *buf, size_t len, struct dnsd_upstream *out, size_t max);

/* Read path and parse it. A missing file is no resolvers, not an error. */
int dnsd_resolv_conf_load(const char *path, struct dnsd_upstream *out, size_t max, size_t *ret_n,
			  struct pea_error **err);
