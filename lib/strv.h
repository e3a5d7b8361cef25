#pragma once

/* NULL-terminated string vectors (char **), owned with their strings. */

#include <stdbool.h>
#include <stddef.h>

size_t pea_strv_length(char *const *v);
/* Append a copy of s; *v may be NULL. */
void pea_strv_push(char ***v, const char *s);
/* Append s itself, taking ownership. */
void pea_strv_push_take(char ***v, char *s);
char **pea_strv_copy(char *const *v);
bool pea_strv_contains(char *const *v, const char *s);
/* Split on any character of sep; empty fields are dropped. */
char **pea_strv_split(const char *s, const char *sep);
/* Join with sep; returns a new string ("" for an empty vector). */
char *pea_strv_join(char *const *v, const char *sep);
/* Free each string and the vector; accepts NULL, returns NULL. */
char **pea_strv_free(char **v);
