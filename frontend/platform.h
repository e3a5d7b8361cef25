#pragma once

/* --platform OS/ARCH[/VARIANT] of run, create and pull (podman-run(1)). */

#include <stdbool.h>

struct json_object;
struct pea_error;

struct platform_spec {
	char *os;
	char *arch;    /* NULL: this machine's (OS alone was given) */
	char *variant; /* NULL: any, or the machine's for a pull */
};

void platform_spec_clear(struct platform_spec *p);
/* Parse and check; ret may be NULL to check only. EINVAL names the value. */
int platform_parse(const char *s, struct platform_spec *ret, struct pea_error **err);
/* "os/arch[/variant]" of an image's OCI config (new string). */
char *platform_of_config(struct json_object *config);
/* The image's OCI config is of the platform asked for (a variant only when both have one). */
bool platform_matches(const struct platform_spec *want, struct json_object *config);
