/*
 * libyaml, loaded on first use (lib/dl.h): only kube play and kube generate
 * read or write YAML, and every other pea command would pay for the library
 * at each exec. pea does not link libyaml; it links these functions of the
 * same names, each of which finds the real one in libyaml-0.so.2 the first
 * time it is called. <yaml.h> declares them, so the compiler checks every
 * signature against libyaml's. (lib/dl.h's PEA_DL_LAZY, as lib/archive-dl.c.)
 */
#include <yaml.h>

#include "lib/dl.h"

static const char *const yaml_sonames[] = { "libyaml-0.so.2", "libyaml.so", NULL };
static struct pea_dl libyaml = { .sonames = yaml_sonames };

#define LAZY(...)      PEA_DL_LAZY(libyaml, __VA_ARGS__)
#define LAZY_VOID(...) PEA_DL_LAZY_VOID(libyaml, __VA_ARGS__)

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
