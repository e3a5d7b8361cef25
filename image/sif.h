#pragma once

/*
 * The Singularity Image Format (SIF), read only: the global header, the
 * descriptor table and where each data object lies in the file. Every
 * number comes from the file, so each is checked against the file's size
 * before anything is read or allocated.
 *
 * Layout (all little-endian): a 128-byte header (launch line, "SIF_MAGIC",
 * version "01", arch code, uuid, times, descriptor counts and the offsets of
 * the descriptor table and of the data), then a table of fixed 585-byte
 * descriptors, then the data objects.
 */

#include <stddef.h>
#include <stdint.h>

struct pea_error;

#define SIF_HEADER_SIZE	    128
#define SIF_DESCRIPTOR_SIZE 585
#define SIF_DESCRIPTORS_MAX 4096 /* sif writes 48; more is refused before allocating */

enum sif_datatype {
	SIF_DATA_DEFFILE = 0x4001,
	SIF_DATA_ENVVAR = 0x4002,
	SIF_DATA_LABELS = 0x4003,
	SIF_DATA_PARTITION = 0x4004,
	SIF_DATA_SIGNATURE = 0x4005,
	SIF_DATA_GENERIC_JSON = 0x4006,
	SIF_DATA_GENERIC = 0x4007,
	SIF_DATA_CRYPTO_MESSAGE = 0x4008,
};

enum sif_fstype {
	SIF_FS_SQUASHFS = 1,
	SIF_FS_EXT3 = 2,
	SIF_FS_IMMUTABLE_OBJECTS = 3,
	SIF_FS_RAW = 4,
	SIF_FS_ENCRYPTED_SQUASHFS = 5,
};

enum sif_parttype {
	SIF_PART_SYSTEM = 1,
	SIF_PART_PRIMARY_SYSTEM = 2,
	SIF_PART_DATA = 3,
	SIF_PART_OVERLAY = 4,
};

/* One used descriptor: where its object lies (checked: offset + size <= the file's size). */
struct sif_object {
	int32_t datatype;
	uint32_t id;
	uint32_t group;
	uint32_t link;
	uint64_t offset;
	uint64_t size;
	char name[129];
	/* partitions only */
	int32_t fstype;
	int32_t parttype;
	char arch[3]; /* two-digit code, "02" */
};

struct sif_image {
	char arch[3];  /* the header's two-digit arch code */
	char uuid[37]; /* 8-4-4-4-12 lowercase hex */
	int64_t created;
	uint64_t descriptors_offset;
	uint64_t descriptors_total;
	uint64_t file_size;
	struct sif_object *objects; /* the used descriptors, in table order */
	size_t nobjects;
};

/*
 * The header from buf (the file's first len bytes) for a file of file_size
 * bytes: magic, version, and a descriptor table that lies inside the file.
 * Fills the header fields of *img (objects stay empty).
 */
int sif_parse_header(const uint8_t *buf, size_t len, uint64_t file_size, struct sif_image *img,
		     struct pea_error **err);
/* The descriptor table (img->descriptors_total * SIF_DESCRIPTOR_SIZE bytes in buf). */
int sif_parse_descriptors(struct sif_image *img, const uint8_t *buf, size_t len,
			  struct pea_error **err);
/* A whole SIF file in memory (tests, fuzzing). */
int sif_parse(const uint8_t *buf, size_t len, struct sif_image **ret, struct pea_error **err);
/* Header and descriptors of the SIF file open at fd (pread; its offset is left alone). */
int sif_read(int fd, struct sif_image **ret, struct pea_error **err);
struct sif_image *sif_image_free(struct sif_image *img);

/*
 * The primary system partition (the root filesystem): an error when there is
 * none or more than one.
 */
int sif_primary_partition(const struct sif_image *img, const struct sif_object **ret,
			  struct pea_error **err);
/* The first object of datatype (and of that name unless NULL), or NULL. */
const struct sif_object *sif_find(const struct sif_image *img, int32_t datatype, const char *name);
/*
 * A definition file's %environment and %runscript as one /bin/sh script
 * (the environment's lines without blanks and comments, then the
 * runscript's, each trimmed), or NULL when it has neither.
 */
char *sif_deffile_script(const char *text, size_t len);
/* A two-digit arch code in OCI/Go names ("02": "amd64"), NULL when unknown. */
const char *sif_arch_name(const char code[3]);

static inline void sif_image_free_p(struct sif_image **img)
{
	sif_image_free(*img);
}
