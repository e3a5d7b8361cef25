#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dl.h"
#include "lib/log.h"

static _Noreturn void dl_fail(const char *what, const char *why)
{
	log_error("cannot load %s: %s (is the library's package installed?)", what,
		  why ? why : "unknown error");
	exit(EXIT_FAILURE);
}

static void *dl_open(struct pea_dl *lib)
{
	void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
	const char *why = NULL;

	if (h)
		return h;
	for (size_t i = 0; lib->sonames[i]; i++) {
		h = dlopen(lib->sonames[i], RTLD_NOW | RTLD_LOCAL);
		if (h)
			break;
		why = dlerror();
	}
	if (!h)
		dl_fail(lib->sonames[0], why);
	/* two threads may both open it: dlopen counts references, either handle serves */
	__atomic_store_n(&lib->handle, h, __ATOMIC_RELEASE);
	return h;
}

void *pea_dl_sym(struct pea_dl *lib, const char *name)
{
	void *h = dl_open(lib), *sym;

	dlerror();
	sym = dlsym(h, name);
	if (!sym) {
		char what[256];

		snprintf(what, sizeof(what), "%s from %s", name, lib->sonames[0]);
		dl_fail(what, dlerror());
	}
	return sym;
}
