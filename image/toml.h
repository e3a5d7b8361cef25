#pragma once

/*
 * A strict parser of the TOML subset that containers' configuration files use
 * (registries.conf): tables, arrays of tables, dotted and quoted keys, basic and
 * literal strings (single- and multi-line), integers, booleans, arrays and
 * inline tables. Floats and dates are refused. The document becomes a
 * json_object (tables as objects), so callers use lib/json.h's getters.
 */

#include <stddef.h>

struct json_object;
struct pea_error;

#define TOML_MAX_SIZE  (1u << 20)
#define TOML_MAX_DEPTH 32

/* what names the source in errors: "what:LINE: reason". */
int toml_parse(const char *buf, size_t len, const char *what, struct json_object **ret,
	       struct pea_error **err);
