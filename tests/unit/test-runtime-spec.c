/* oci-runtime/spec.c and state.c: config.json into C structs, errors naming the field. */
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "oci-runtime/spec.h"
#include "oci-runtime/state.h"
#include "tests/unit/tap.h"

#define BASE                                                       \
	"\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}," \
	"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}"

static struct spec *parse_ok(const char *doc)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct spec *s = NULL;

	if (spec_parse(doc, strlen(doc), "/b", &s, &err) < 0)
		tap_diag("unexpected error: %s", err->message);
	return s;
}

/* The error message of doc, or "" if it parses. */
static char *parse_err(const char *doc)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct spec *s = NULL;
	char *msg;

	if (spec_parse(doc, strlen(doc), "/b", &s, &err) == 0) {
		spec_free(s);
		return strdup("");
	}
	msg = strdup(err->message);
	return msg;
}

static void check_err(const char *doc, const char *want)
{
	_cleanup_free_ char *msg = parse_err(doc);

	if (!tap_ok(strcmp(msg, want) == 0, "error: %s", want))
		tap_diag("got: %s", msg);
}

static void test_minimal(void)
{
	struct spec *s = parse_ok("{" BASE ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}");

	tap_ok(s != NULL, "minimal config parses");
	if (!s)
		return;
	tap_ok(strcmp(s->root_path, "/b/rootfs") == 0, "root.path is made absolute");
	tap_ok(strcmp(s->process.args[0], "sh") == 0 && !s->process.terminal, "process");
	tap_ok(s->n_namespaces == 1 && s->namespaces[0].type == CLONE_NEWNS, "namespaces");
	spec_free(s);
}

static void test_mounts(void)
{
	struct spec *s =
		parse_ok("{" BASE ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]},\"mounts\":["
			 "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
			 "\"options\":[\"nosuid\",\"ro\",\"size=1m\",\"mode=755\",\"rshared\"]},"
			 "{\"destination\":\"/b\",\"source\":\"/"
			 "x\",\"options\":[\"rbind\",\"rro\",\"nodev\"]}]}");

	if (!tap_ok(s && s->n_mounts == 2, "two mounts"))
		return;
	tap_ok(s->mounts[0].flags == (MS_NOSUID | MS_RDONLY), "tmpfs flags");
	tap_ok(strcmp(s->mounts[0].data, "size=1m,mode=755") == 0, "tmpfs data");
	tap_ok(s->mounts[0].propagation == (MS_SHARED | MS_REC), "propagation");
	tap_ok(s->mounts[1].bind && s->mounts[1].recursive, "rbind");
	tap_ok(s->mounts[1].attr_set == MOUNT_ATTR_RDONLY && s->mounts[1].flags == MS_NODEV,
	       "rro and nodev");
	spec_free(s);
}

static void test_process(void)
{
	struct spec *s = parse_ok(
		"{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"/abs\",\"readonly\":true},"
		"\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]},"
		"\"process\":{\"args\":[\"a\"],\"cwd\":\"/w\",\"user\":{\"uid\":5,\"gid\":6,"
		"\"umask\":18,\"additionalGids\":[7,8]},\"capabilities\":{\"bounding\":"
		"[\"CAP_KILL\",\"CAP_CHOWN\"],\"ambient\":[\"CAP_NET_RAW\"]},\"rlimits\":[{"
		"\"type\":"
		"\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":20}],\"oomScoreAdj\":-5}}");

	if (!tap_ok(s != NULL, "process config parses"))
		return;
	tap_ok(strcmp(s->root_path, "/abs") == 0 && s->root_readonly, "absolute root, readonly");
	tap_ok(s->process.uid == 5 && s->process.gid == 6 && s->process.has_umask &&
		       s->process.umask == 022,
	       "user");
	tap_ok(s->process.n_additional_gids == 2 && s->process.additional_gids[1] == 8, "gids");
	tap_ok(s->process.caps[CAPS_BOUNDING] == ((1u << 5) | (1u << 0)), "bounding caps");
	tap_ok(s->process.caps[CAPS_AMBIENT] == (1u << 13), "ambient caps");
	tap_ok(s->process.n_rlimits == 1 && s->process.rlimits[0].resource == RLIMIT_NOFILE &&
		       s->process.rlimits[0].hard == 20,
	       "rlimits");
	tap_ok(s->process.has_oom_score_adj && s->process.oom_score_adj == -5, "oomScoreAdj");
	spec_free(s);
}

static void test_linux(void)
{
	struct spec *s = parse_ok(
		"{" BASE ",\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},"
		"{\"type\":\"uts\"},{\"type\":\"user\"},{\"type\":\"network\",\"path\":\"/n\"}],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":5}],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":5}],"
		"\"devices\":[{\"type\":\"b\",\"path\":\"/dev/sda\",\"major\":8,\"minor\":0}],"
		"\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},\"rootfsPropagation\":\"rslave\","
		"\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}},"
		"\"hooks\":{\"poststop\":[{\"path\":\"/bin/x\",\"timeout\":2}]},"
		"\"annotations\":{\"k\":\"v\"}}");

	if (!tap_ok(s != NULL, "linux config parses"))
		return;
	tap_ok(spec_namespace(s, CLONE_NEWNET) &&
		       strcmp(spec_namespace(s, CLONE_NEWNET)->path, "/n") == 0,
	       "namespace path");
	tap_ok(s->n_uid_mappings == 1 && s->uid_mappings[0].host_id == 1000, "uid mappings");
	tap_ok(s->n_devices == 1 && s->devices[0].type == S_IFBLK && s->devices[0].mode == 0666,
	       "devices, default mode");
	tap_ok(s->n_sysctl == 1 && strcmp(s->sysctl[0].value, "1") == 0, "sysctl");
	tap_ok(s->rootfs_propagation == (MS_SLAVE | MS_REC), "rootfsPropagation");
	tap_ok(s->hooks[HOOK_POSTSTOP].n == 1 && s->hooks[HOOK_POSTSTOP].v[0].timeout == 2,
	       "hooks");
	tap_ok(s->n_annotations == 1 && strcmp(s->annotations[0].key, "k") == 0, "annotations");
	spec_free(s);
}

static void test_errors(void)
{
	check_err(
		"{" BASE ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]},\"mounts\":["
		"{\"destination\":\"/a\",\"type\":\"tmpfs\"},{\"destination\":\"/b\",\"type\":"
		"\"tmpfs\"},{\"destination\":\"/c\",\"type\":\"tmpfs\"},{\"destination\":\"d\"}]}",
		"config.json: mounts[3].destination: must be absolute");
	check_err("{" BASE ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"x\"}]}}",
		  "config.json: linux.namespaces[1].type: unknown namespace type 'x'");
	check_err("{" BASE ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"intelRdt\":"
		  "{\"closID\":\"x\"}}}",
		  "config.json: linux.intelRdt: not supported by pea-runtime");
	check_err("{" BASE "}", "config.json: linux.namespaces: a mount namespace is required");
	check_err("{\"root\":{\"path\":\"r\"}}", "config.json: 'ociVersion' is missing");
	check_err("{" BASE ",\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
		  "config.json: hostname: needs a new uts namespace");
	{
		/* an unknown capability (a newer kernel's) is left out with a warning, as runc */
		struct spec *s =
			parse_ok("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{"
				 "\"args\":[\"a\"],\"cwd\":\"/\",\"capabilities\":{\"effective\":["
				 "\"CAP_NOPE\",\"CAP_KILL\"]}},\"linux\":{\"namespaces\":[{"
				 "\"type\":\"mount\"}]}}");

		tap_ok(s && s->process.caps[CAPS_EFFECTIVE] == (UINT64_C(1) << 5),
		       "an unknown capability is left out, the known one kept");
		if (s)
			spec_free(s);
	}
	{
		_cleanup_free_ char *msg = parse_err("{\"ociVersion\":");

		tap_ok(strncmp(msg, "config.json: ", 13) == 0, "truncated JSON: %s", msg);
	}
}

static void test_ids(void)
{
	tap_ok(state_validate_id("abc-1.2_x+y", NULL) == 0, "valid ID");
	tap_ok(state_validate_id("a/b", NULL) < 0, "ID with '/'");
	tap_ok(state_validate_id("..", NULL) < 0, "ID '..'");
	tap_ok(state_validate_id("", NULL) < 0, "empty ID");
	tap_ok(state_validate_id("a b", NULL) < 0, "ID with a space");
}

int main(void)
{
	tap_plan(39);
	test_minimal();
	test_mounts();
	test_process();
	test_linux();
	test_errors();
	test_ids();
	return tap_done();
}
