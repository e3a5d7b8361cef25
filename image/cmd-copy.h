#pragma once

/* The command line of copy, which sync shares, and one copy as copy makes it. */

#include <stdbool.h>

#include "image/blob.h"
#include "image/copy.h"
#include "image/transport.h"

struct global_options;
struct pea_error;

struct copy_args {
	bool dry_run;
	char **additional_tags;
	bool accept_uncompressed;
	struct side_options src, dst;
	struct copy_options copy;
	struct progress progress;
	const char *digestfile;
	const char *iidfile;
	const char *sign_by;
	const char *sign_identity;
	const char *sign_passphrase_file;
	bool remove_signatures;
	const char *format;
	long retries;
	long parallel;
	const char *source;
	const char *dest;
	/* sync: set before copy_parse, which then takes --src, --dest, --scoped, --keep-going */
	bool sync;
	const char *sync_src, *sync_dest;
	bool scoped;
	bool keep_going;
};

/* 1 for --help (usage printed), < 0 for a bad command line, 0 with a->source and a->dest. */
int copy_parse(int argc, char **argv, const char *usage, struct copy_args *a,
	       struct pea_error **err);
/*
 * Copy source to dest (transport:name strings) as a says; a's additional tags go to the
 * destination.
 */
int copy_one(const struct global_options *g, struct copy_args *a, const char *source,
	     const char *dest, struct pea_error **err);
