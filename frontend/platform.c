/* --platform: parsing it, and whether an image in the store is of it (platform.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/platform.h"

void platform_spec_clear(struct platform_spec *p)
{
	free(p->os);
	free(p->arch);
	free(p->variant);
	p->os = p->arch = p->variant = NULL;
}

/* Lowercase letters, digits, '_', '.' and '-', as Go names OSes and architectures. */
static bool word_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
		    *s != '.' && *s != '-')
			return false;
	return true;
}

int platform_parse(const char *s, struct platform_spec *ret, struct pea_error **err)
{
	_cleanup_strv_ char **parts = NULL;
	size_t n = 0;
	const char *p = s;

	/* split keeping empty parts: "linux//v8" is wrong, not "linux/v8" */
	for (const char *slash; (slash = strchr(p, '/')); p = slash + 1)
		pea_strv_push_take(&parts, xstrndup(p, (size_t)(slash - p)));
	pea_strv_push(&parts, p);
	n = pea_strv_length(parts);
	for (size_t i = 0; i < n; i++)
		if (!word_valid(parts[i]) || n > 3)
			return pea_error_new(err, EINVAL,
					     "invalid platform \"%s\": use OS/ARCH[/VARIANT] "
					     "(linux/amd64, linux/arm64/v8)",
					     s);
	if (strcmp(parts[0], "linux") != 0)
		return pea_error_new(err, EINVAL,
				     "invalid platform \"%s\": pea runs linux containers only", s);
	if (ret) {
		platform_spec_clear(ret);
		ret->os = xstrdup(parts[0]);
		ret->arch = n > 1 ? xstrdup(parts[1]) : NULL;
		ret->variant = n > 2 ? xstrdup(parts[2]) : NULL;
	}
	return 0;
}

static const char *cfg_str(struct json_object *config, const char *key)
{
	const char *v = NULL;

	if (!config || pea_json_get_string_opt(config, "config", key, &v, NULL) != 1)
		return "";
	return v;
}

char *platform_of_config(struct json_object *config)
{
	const char *variant = cfg_str(config, "variant");

	return xasprintf("%s/%s%s%s", cfg_str(config, "os"), cfg_str(config, "architecture"),
			 *variant ? "/" : "", variant);
}

bool platform_matches(const struct platform_spec *want, struct json_object *config)
{
	const char *arch = want->arch ? want->arch : frontend_oci_arch();
	const char *variant = cfg_str(config, "variant");

	const char *os = cfg_str(config, "os"), *have = cfg_str(config, "architecture");

	/* a config that does not say is taken for any */
	if ((*os && strcmp(os, want->os) != 0) || (*have && strcmp(have, arch) != 0))
		return false;
	return !want->variant || !*variant || strcmp(want->variant, variant) == 0;
}
