/*
 * run/create --secret: a secret of pea's store (pea secret, cmd-secret.c) given
 * to a container, as podman-run(1) does: a read-only file (type=mount, the
 * default: /run/secrets/NAME, or target; uid, gid, mode) or an environment
 * variable (type=env: NAME, or target).
 */
#ifndef PEA_FRONTEND_SECRET_H
#define PEA_FRONTEND_SECRET_H

#include <json-c/json.h>

#include "lib/error.h"
#include "frontend/frontend.h"

/*
 * NAME[,type=mount|env][,target=T][,uid=N][,gid=N][,mode=OCTAL] (or
 * source=NAME): checked, and the secret looked up (it must exist). *ret:
 * {"name", "id", "type", "target", "uid", "gid", "mode"}, target resolved (an
 * absolute path for a mount, a variable's name for env).
 */
int secret_ref_parse(const struct global_options *g, const char *arg, struct json_object **ret,
		     struct pea_error **err);

/*
 * Into config.json (spec): the data of each of refs (an array of
 * secret_ref_parse()'s) read now from the store; mounts written as files under
 * rundir/secrets and bind-mounted read-only, env ones set in process.env.
 */
int secret_refs_apply(const struct global_options *g, struct json_object *refs, const char *rundir,
		      struct json_object *spec, struct pea_error **err);

#endif
