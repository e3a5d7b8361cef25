#pragma once

/*
 * Scope-bound cleanup. Declare at the top of the block, initialised to NULL
 * or -1; ownership leaves only through TAKE_PTR() / TAKE_FD().
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct json_object;
struct pea_error;

void pea_cleanup_free(void *p);
void pea_cleanup_close(int *fd);
void pea_cleanup_fclose(FILE **f);
void pea_cleanup_closedir(DIR **d);
void pea_cleanup_json(struct json_object **j);
void pea_cleanup_error(struct pea_error **e);
void pea_cleanup_strv(char ***v);

#define _cleanup_(f) __attribute__((cleanup(f)))
/* For a variable that exists only for its cleanup (a held lock): clang warns otherwise. */
#define _unused_	   __attribute__((unused))
#define _cleanup_free_	   _cleanup_(pea_cleanup_free)
#define _cleanup_close_	   _cleanup_(pea_cleanup_close)
#define _cleanup_fclose_   _cleanup_(pea_cleanup_fclose)
#define _cleanup_closedir_ _cleanup_(pea_cleanup_closedir)
#define _cleanup_json_	   _cleanup_(pea_cleanup_json)
#define _cleanup_error_	   _cleanup_(pea_cleanup_error)
#define _cleanup_strv_	   _cleanup_(pea_cleanup_strv)

/* Return the value and reset the variable, so its cleanup does nothing. */
#define TAKE_PTR(p)                          \
	({                                   \
		__typeof__(p) _taken_ = (p); \
		(p) = NULL;                  \
		_taken_;                     \
	})

#define TAKE_FD(fd)                    \
	({                             \
		int _taken_fd_ = (fd); \
		(fd) = -1;             \
		_taken_fd_;            \
	})

/* close() that keeps errno and ignores -1; returns -1 for `fd = safe_close(fd)`. */
static inline int pea_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -1;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
