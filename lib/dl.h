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

/*
 * The pattern of a lazily loaded library's file (lib/archive-dl.c,
 * frontend/kube-yaml-dl.c): a function of the library's own name and
 * signature (its header declares it, so the compiler checks the two agree)
 * that finds the real one in LIB (a struct pea_dl) on its first call.
 *
 *   static struct pea_dl libfoo = { .sonames = foo_sonames };
 *   #define LAZY(...) PEA_DL_LAZY(libfoo, __VA_ARGS__)
 *   LAZY(int, foo_open, (struct foo * a0, const char *a1), (a0, a1))
 *
 * PEA_DL_REAL(LIB, NAME) declares `real`, the real function, in a body
 * written by hand (a variadic function).
 */
#define PEA_DL_REAL(lib, name)                                                    \
	__typeof__(name) *real = __atomic_load_n(&name##_real, __ATOMIC_RELAXED); \
	if (!real) {                                                              \
		real = (__typeof__(name) *)pea_dl_sym(&(lib), #name);             \
		__atomic_store_n(&name##_real, real, __ATOMIC_RELAXED);           \
	}

#define PEA_DL_LAZY(lib, ret, name, params, args) \
	static __typeof__(name) *name##_real;     \
	ret name params                           \
	{                                         \
		PEA_DL_REAL(lib, name)            \
		return real args;                 \
	}

#define PEA_DL_LAZY_VOID(lib, name, params, args) \
	static __typeof__(name) *name##_real;     \
	void name params                          \
	{                                         \
		PEA_DL_REAL(lib, name)            \
		real args;                        \
	}
