#pragma once

/*
 * containers-policy.json(5): insecureAcceptAnything and reject are honoured,
 * signedBy (GPGKeys) requirements are handed back for the signatures to meet
 * (signature.h) once the source is open; sigstoreSigned and signedBaseLayer
 * are refused clearly.
 */

#include <stdbool.h>
#include <stddef.h>

struct pea_error;
struct image_name;
struct sig_policy;

#define POLICY_MAX (4u << 20)

/*
 * path NULL: ~/.config/containers/policy.json, then /etc/containers/policy.json.
 * *ret_sigs: the signedBy requirements the image's signatures must meet (none: n 0).
 */
int policy_check(const char *path, const struct image_name *src, struct sig_policy *ret_sigs,
		 struct pea_error **err);
/* Check a policy document held in memory (for tests and the fuzz target). */
int policy_check_buffer(const char *buf, size_t len, const char *what, const struct image_name *src,
			struct sig_policy *ret_sigs, struct pea_error **err);
