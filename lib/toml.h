#pragma once

/*
 * A strict parser of the TOML subset that containers' configuration files use
 * (registries.conf, storage.conf): tables, arrays of tables, dotted and quoted keys, basic and
 * literal strings (single- and multi-line), integers, booleans, arrays and
 * inline tables. Floats and dates are refused. The document becomes a
 * json_object (tables as objects), so callers use lib/json.h's getters; lines
 * are not kept, so a caller's errors about values name their dotted path.
 */

#include <stddef.h>

struct json_object;
struct pea_error;

#define PEA_TOML_MAX_SIZE  (1u << 20)
#define PEA_TOML_MAX_DEPTH 32

/* A syntax error is "what:LINE: reason"; too large or a NUL byte "what: reason". */
int pea_toml_parse(const char *buf, size_t len, const char *what, struct json_object **ret,
		   struct pea_error **err);
