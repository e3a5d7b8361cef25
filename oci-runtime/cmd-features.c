/* features: what this pea-runtime supports, as runtime-spec's features.md says. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <seccomp.h>
#include <sys/capability.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"

#include "cgroup.h"
#include "runtime.h"
#include "seccomp.h"
#include "spec.h"

static struct json_object *strings(const char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static struct json_object *capabilities(void)
{
	struct json_object *a = json_object_new_array();

	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		char *name = cap_to_name(c), upper[64] = "";

		for (size_t i = 0; name && name[i] && i < sizeof(upper) - 1; i++)
			upper[i] =
				(char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
		if (strncmp(upper, "CAP_", 4) == 0)
			json_object_array_add(a, json_object_new_string(upper));
		cap_free(name);
	}
	return a;
}

static struct json_object *mount_options(void)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < spec_mount_option_count(); i++)
		if (spec_mount_option_name(i))
			json_object_array_add(a, json_object_new_string(spec_mount_option_name(i)));
	return a;
}

static struct json_object *seccomp_features(void)
{
	static const char *const archs[] = {
		"SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
		"SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
		"SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
		"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
		"SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",
		"SCMP_ARCH_S390X",    "SCMP_ARCH_RISCV64",     NULL
	};
	struct json_object *o = json_object_new_object();
	const struct scmp_version *v = seccomp_version();
	char ver[32];

	json_object_object_add(o, "enabled", json_object_new_boolean(1));
	json_object_object_add(o, "actions", strings(seccomp_action_names));
	json_object_object_add(o, "operators", strings(seccomp_operator_names));
	json_object_object_add(o, "archs", strings(archs));
	json_object_object_add(o, "knownFlags", strings(seccomp_flag_names));
	json_object_object_add(o, "supportedFlags", strings(seccomp_flag_names));
	snprintf(ver, sizeof(ver), "%u.%u.%u", v->major, v->minor, v->micro);
	json_object_object_add(o, "libseccompVersion", json_object_new_string(ver));
	return o;
}

int cmd_features(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const char *const namespaces[] = { "cgroup", "ipc",  "mount", "network", "pid",
						  "time",   "user", "uts",   NULL };
	static const char *const hooks[] = { "prestart",
					     "createRuntime",
					     "createContainer",
					     "startContainer",
					     "poststart",
					     "poststop",
					     NULL };
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *lnx = json_object_new_object(), *cg = json_object_new_object();
	struct json_object *ann = json_object_new_object(), *aa = json_object_new_object();
	struct json_object *se = json_object_new_object(), *ai = json_object_new_object();
	enum cgroup_mode mode = CGROUP_UNIFIED;
	bool have_mode;

	(void)g;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("Usage: pea-runtime features\n\nPrint what this runtime supports "
		     "(runtime-spec "
		     "features.md) as JSON.");
		return 0;
	}
	if (argc != 1)
		return runtime_usage_error(err, "features", "takes no arguments");
	have_mode = cgroup_detect(CGROUP_ROOT, &mode, NULL) == 0;
	json_object_object_add(o, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(o, "ociVersionMax", json_object_new_string(RUNTIME_OCI_VERSION));
	json_object_object_add(o, "hooks", strings(hooks));
	json_object_object_add(o, "mountOptions", mount_options());
	json_object_object_add(lnx, "namespaces", strings(namespaces));
	json_object_object_add(lnx, "capabilities", capabilities());
	json_object_object_add(cg, "v1", json_object_new_boolean(1));
	json_object_object_add(cg, "v2", json_object_new_boolean(1));
	/* cgroupsPath as slice:prefix:name, made on cgroupfs: no systemd unit is made */
	json_object_object_add(cg, "systemd", json_object_new_boolean(0));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(0));
	json_object_object_add(cg, "rdma", json_object_new_boolean(0));
	json_object_object_add(lnx, "cgroup", cg);
	json_object_object_add(lnx, "seccomp", seccomp_features());
	json_object_object_add(aa, "enabled", json_object_new_boolean(0));
	json_object_object_add(lnx, "apparmor", aa);
	json_object_object_add(se, "enabled", json_object_new_boolean(0));
	json_object_object_add(lnx, "selinux", se);
	json_object_object_add(ai, "enabled", json_object_new_boolean(0));
	json_object_object_add(lnx, "intelRdt", ai);
	json_object_object_add(o, "linux", lnx);
	json_object_object_add(ann, "io.github.pea.runtime.cgroupMode",
			       json_object_new_string(have_mode ? cgroup_mode_name(mode) : "none"));
	json_object_object_add(o, "annotations", ann);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}
