#pragma once

/*
 * Containerfile / Dockerfile parsing (pea build): instructions, line
 * continuations, comments, the escape directive, JSON exec form against
 * shell form; and the word rules of the builder (quotes, ${VAR} expansion).
 */

#include <stdbool.h>
#include <stddef.h>

struct pea_error;

#define BUILD_FILE_MAX	 (4u << 20)
#define BUILD_INSTR_MAX	 10000
#define BUILD_EXPAND_MAX (1u << 20)

struct build_instr {
	char *cmd;	/* upper case: FROM, RUN, ... */
	char **flags;	/* "--from=x", "--chown=u:g" (FROM, RUN, COPY, ADD, HEALTHCHECK) */
	char *args;	/* the rest, continuations joined */
	char **exec;	/* the JSON exec form's strings, or NULL for the shell form */
	char *original; /* "RUN echo hi" as buildah prints it in STEP lines */
	int line;
};

struct build_file {
	struct build_instr *v;
	size_t n;
	char escape;
};

/* Parse a whole file; an unknown instruction or a bad line is EINVAL naming its line. */
int build_parse(const char *text, size_t len, struct build_file *ret, struct pea_error **err);
void build_file_clear(struct build_file *f);

/* The value of a variable, or NULL when unset. */
typedef const char *(*build_lookup_fn)(void *ctx, const char *name);

/*
 * The builder's word rules: quotes removed, escapes applied, $VAR, ${VAR},
 * ${VAR:-word}, ${VAR:+word} expanded (not inside single quotes; lookup may be
 * NULL: no expansion). split: words on blanks; else one word, blanks kept.
 */
int build_words(const char *s, char escape, bool split, build_lookup_fn lookup, void *ctx,
		char ***ret, struct pea_error **err);
/* build_words without splitting: one new string. */
int build_expand(const char *s, char escape, build_lookup_fn lookup, void *ctx, char **ret,
		 struct pea_error **err);
/*
 * KEY=VALUE pairs of ENV, LABEL, ARG (each expanded, quotes removed), or the
 * legacy "KEY VALUE..." form (legacy allowed: ENV and LABEL). ARG's KEY
 * without '=' comes back as "KEY".
 */
int build_pairs(const char *s, char escape, bool legacy, build_lookup_fn lookup, void *ctx,
		char ***ret, struct pea_error **err);
