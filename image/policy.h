#pragma once

/*
 * containers-policy.json(5): insecureAcceptAnything and reject are honoured;
 * signature requirements (signedBy, sigstoreSigned) are refused clearly,
 * since pea-image cannot verify signatures yet.
 */

#include <stdbool.h>
#include <stddef.h>

struct pea_error;
struct image_name;

#define POLICY_MAX (4u << 20)

/* path NULL: ~/.config/containers/policy.json, then /etc/containers/policy.json. */
int policy_check(const char *path, const struct image_name *src, struct pea_error **err);
/* Check a policy document held in memory (for tests and the fuzz target). */
int policy_check_buffer(const char *buf, size_t len, const char *what, const struct image_name *src,
			struct pea_error **err);
