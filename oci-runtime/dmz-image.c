/*
 * The image of pea-runtime-dmz (dmz/dmz.c), built by oci-runtime/module.mk
 * without a C library and embedded here; exe-seal.c copies it into a sealed
 * memfd for the container's init.
 */

#ifdef PEA_DMZ_IMAGE
__asm__(".pushsection .rodata\n"
	".global pea_dmz_image_start\n"
	".hidden pea_dmz_image_start\n"
	".global pea_dmz_image_end\n"
	".hidden pea_dmz_image_end\n"
	".balign 16\n"
	"pea_dmz_image_start:\n"
	".incbin \"" PEA_DMZ_IMAGE "\"\n"
	"pea_dmz_image_end:\n"
	".popsection\n");
#else
/* no stub for this architecture: create and run keep the sealed copy of the runtime */
const char pea_dmz_image_start[1] = { 0 }, pea_dmz_image_end[1] = { 0 };
#endif
