/*
 * libyaml, loaded on first use (lib/dl.h): only kube play and kube generate
 * read or write YAML, and every other pea command would pay for the library
 * at each exec. pea does not link libyaml; it links these functions of the
 * same names, each of which finds the real one in libyaml-0.so.2 the first
 * time it is called. <yaml.h> declares them, so the compiler checks every
 * signature against libyaml's. (The same pattern as lib/archive-dl.c; a
 * generic LAZY macro in lib/dl.h would serve both.)
 */
#include <yaml.h>

#include "lib/dl.h"

static const char *const yaml_sonames[] = { "libyaml-0.so.2", "libyaml.so", NULL };
static struct pea_dl libyaml = { .sonames = yaml_sonames };

#define REAL(name)                                                                \
	__typeof__(name) *real = __atomic_load_n(&name##_real, __ATOMIC_RELAXED); \
	if (!real) {                                                              \
		real = (__typeof__(name) *)pea_dl_sym(&libyaml, #name);           \
		__atomic_store_n(&name##_real, real, __ATOMIC_RELAXED);           \
	}

#define LAZY(ret, name, params, args)         \
	static __typeof__(name) *name##_real; \
	ret name params                       \
	{                                     \
		REAL(name)                    \
		return real args;             \
	}

#define LAZY_VOID(name, params, args)         \
	static __typeof__(name) *name##_real; \
	void name params                      \
	{                                     \
		REAL(name)                    \
		real args;                    \
	}

LAZY(int, yaml_parser_initialize, (yaml_parser_t * a0), (a0))
LAZY_VOID(yaml_parser_delete, (yaml_parser_t * a0), (a0))
LAZY_VOID(yaml_parser_set_input_string, (yaml_parser_t * a0, const unsigned char *a1, size_t a2),
	  (a0, a1, a2))
LAZY(int, yaml_parser_parse, (yaml_parser_t * a0, yaml_event_t *a1), (a0, a1))
LAZY_VOID(yaml_event_delete, (yaml_event_t * a0), (a0))
LAZY(int, yaml_emitter_initialize, (yaml_emitter_t * a0), (a0))
LAZY_VOID(yaml_emitter_delete, (yaml_emitter_t * a0), (a0))
LAZY_VOID(yaml_emitter_set_output, (yaml_emitter_t * a0, yaml_write_handler_t *a1, void *a2),
	  (a0, a1, a2))
LAZY_VOID(yaml_emitter_set_unicode, (yaml_emitter_t * a0, int a1), (a0, a1))
LAZY_VOID(yaml_emitter_set_width, (yaml_emitter_t * a0, int a1), (a0, a1))
LAZY_VOID(yaml_emitter_set_indent, (yaml_emitter_t * a0, int a1), (a0, a1))
LAZY(int, yaml_emitter_emit, (yaml_emitter_t * a0, yaml_event_t *a1), (a0, a1))
LAZY(int, yaml_stream_start_event_initialize, (yaml_event_t * a0, yaml_encoding_t a1), (a0, a1))
LAZY(int, yaml_stream_end_event_initialize, (yaml_event_t * a0), (a0))
LAZY(int, yaml_document_start_event_initialize,
     (yaml_event_t * a0, yaml_version_directive_t *a1, yaml_tag_directive_t *a2,
      yaml_tag_directive_t *a3, int a4),
     (a0, a1, a2, a3, a4))
LAZY(int, yaml_document_end_event_initialize, (yaml_event_t * a0, int a1), (a0, a1))
LAZY(int, yaml_mapping_start_event_initialize,
     (yaml_event_t * a0, const yaml_char_t *a1, const yaml_char_t *a2, int a3,
      yaml_mapping_style_t a4),
     (a0, a1, a2, a3, a4))
LAZY(int, yaml_mapping_end_event_initialize, (yaml_event_t * a0), (a0))
LAZY(int, yaml_sequence_start_event_initialize,
     (yaml_event_t * a0, const yaml_char_t *a1, const yaml_char_t *a2, int a3,
      yaml_sequence_style_t a4),
     (a0, a1, a2, a3, a4))
LAZY(int, yaml_sequence_end_event_initialize, (yaml_event_t * a0), (a0))
LAZY(int, yaml_scalar_event_initialize,
     (yaml_event_t * a0, const yaml_char_t *a1, const yaml_char_t *a2, const yaml_char_t *a3,
      int a4, int a5, int a6, yaml_scalar_style_t a7),
     (a0, a1, a2, a3, a4, a5, a6, a7))
