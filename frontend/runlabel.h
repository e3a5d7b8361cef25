#pragma once

/* pea container runlabel (cmd-runlabel.c): a label's command into words. */

struct pea_error;

/* The values of ${NAME}, ${IMAGE}, ${OPT1}..${OPT3} (NULL: empty). */
struct runlabel_vars {
	const char *name;
	const char *image;
	const char *opt[3];
};

/*
 * Expand the variables of a label's text (${VAR} and $VAR, others from the
 * environment, as Go's os.Expand), then split it into words as a shell does
 * (blanks, '...' and "..." quoting, backslash escapes). NULL when it has none.
 * EINVAL: an unterminated "${" or quote; E2BIG: longer than 64 KiB once expanded.
 */
int runlabel_words(const struct runlabel_vars *v, const char *label, char ***ret,
		   struct pea_error **err);
