#pragma once

/*
 * Shared libraries loaded on first use instead of at exec.
 *
 * Every library a binary names in DT_NEEDED is mapped and relocated at each
 * exec, used or not: libarchive (with libxml2, ICU and libstdc++ behind it)
 * and libcrypto cost pea-storage and pea several milliseconds per run, and
 * `pea run` execs them half a dozen times while only a layer apply or a tar
 * stream needs them. So those libraries are opened here the first time one of
 * their functions is called (as systemd does with its optional libraries).
 *
 * A library that cannot be loaded ends the program with one line naming it:
 * the package that provides it is a dependency of pea's, so this is a broken
 * installation, not an error a caller could handle.
 */

struct pea_dl {
	const char *const *sonames; /* tried in order */
	void *handle;
};

/* The address of NAME in LIB, opening LIB on first use; does not return on failure. */
void *pea_dl_sym(struct pea_dl *lib, const char *name);
