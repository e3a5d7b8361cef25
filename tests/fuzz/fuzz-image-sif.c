/*
 * SIF files from untrusted bytes (sif: sources): the header and descriptor
 * table, the primary partition lookup, and a definition file's sections.
 */
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "image/sif.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_(sif_image_free_p) struct sif_image *img = NULL;
	_cleanup_free_ char *script = NULL;
	const struct sif_object *part = NULL;

	if (size > (4u << 20))
		return 0;
	/* the same bytes as a definition file */
	script = sif_deffile_script((const char *)data, size);
	if (script && strncmp(script, "#!/bin/sh\n", 10) != 0)
		__builtin_trap();
	if (sif_parse(data, size, &img, &err) < 0)
		return 0;
	for (size_t i = 0; i < img->nobjects; i++) {
		const struct sif_object *o = &img->objects[i];

		if (o->offset > size || size - o->offset < o->size || strlen(o->name) > 128)
			__builtin_trap();
	}
	if (sif_primary_partition(img, &part, &err) == 0 &&
	    (part->datatype != SIF_DATA_PARTITION || part->parttype != SIF_PART_PRIMARY_SYSTEM))
		__builtin_trap();
	if (part)
		(void)sif_arch_name(part->arch);
	(void)sif_arch_name(img->arch);
	return 0;
}
