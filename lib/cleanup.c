#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"

void pea_cleanup_free(void *p)
{
	free(*(void **)p);
}

void pea_cleanup_close(int *fd)
{
	pea_close(*fd);
}

void pea_cleanup_fclose(FILE **f)
{
	if (*f)
		fclose(*f);
}

void pea_cleanup_closedir(DIR **d)
{
	if (*d)
		closedir(*d);
}

void pea_cleanup_json(struct json_object **j)
{
	if (*j)
		json_object_put(*j);
}

void pea_cleanup_error(struct pea_error **e)
{
	pea_error_free(*e);
}

void pea_cleanup_strv(char ***v)
{
	pea_strv_free(*v);
}
