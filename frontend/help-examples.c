/*
 * The "Aliases:" and "Examples:" sections of a command's help (cmd_print_help), laid out
 * as podman's help has them (after Usage:, before Available Commands: and Options:; each
 * example line indented by two spaces), for the commands podman shows them for. The
 * aliases are the command's other names (interface: the names podman accepts). The
 * examples are pea's own command lines: \1 is the program's name as run, \2 the
 * command's path as Usage: names it ("container list" when run as "container ls").
 * Sorted by path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"

struct help_extra {
	const char *path;     /* "container list" */
	const char *aliases;  /* "list, ls": the name first; NULL: none */
	const char *examples; /* its lines, each with its indent and "\n"; NULL: none */
};

/* clang-format off */
/* Commands that are one command under two paths (run, container run) share their lines. */
#define EX_ATTACH \
	"  \1 \2 web\n" \
	"  \1 \2 --detach-keys ctrl-x,ctrl-y web\n" \
	"  \1 \2 --no-stdin --sig-proxy=false web\n"
#define EX_BUILD \
	"  \1 \2 -t localhost/app:dev .\n" \
	"  \1 \2 -f build/Containerfile --build-arg VERSION=1.2 -t app:1.2 src/\n" \
	"  \1 \2 --no-cache --pull -t app:latest .\n"
#define EX_COMMIT \
	"  \1 \2 web localhost/web:snapshot\n" \
	"  \1 \2 --change 'CMD [\"httpd\", \"-f\"]' -m \"tuned config\" web web:tuned\n" \
	"  \1 \2 -q --pause=false db db:backup\n"
#define EX_CP \
	"  \1 \2 ./nginx.conf web:/etc/nginx/nginx.conf\n" \
	"  \1 \2 db:/var/backups/dump.sql .\n" \
	"  \1 \2 web:/var/log - | tar -tvf -\n"
#define EX_CREATE \
	"  \1 \2 --name web -p 8080:80 nginx:1.25\n" \
	"  \1 \2 -it --name shell busybox sh\n" \
	"  \1 \2 --env-file app.env --memory 256m registry.example.org/team/app:2.1\n"
#define EX_DIFF \
	"  \1 \2 web\n" \
	"  \1 \2 --format json web\n"
#define EX_EXEC \
	"  \1 \2 web cat /etc/hostname\n" \
	"  \1 \2 -it db sh\n" \
	"  \1 \2 -e TZ=UTC -u 1000 -w /srv web date\n"
#define EX_EXPORT \
	"  \1 \2 -o web.tar web\n" \
	"  \1 \2 db | gzip > db.tar.gz\n"
#define EX_HISTORY \
	"  \1 \2 busybox\n" \
	"  \1 \2 --no-trunc --format '{{.CreatedBy}}' nginx:1.25\n"
#define EX_IMPORT \
	"  \1 \2 rootfs.tar localhost/base:1\n" \
	"  \1 \2 --change 'ENTRYPOINT [\"/init\"]' rootfs.tar.gz localhost/base:2\n" \
	"  zcat rootfs.tar.gz | \1 \2 - localhost/base:3\n"
#define EX_IMAGES \
	"  \1 \2 --all\n" \
	"  \1 \2 --filter reference='*/team/*' --format '{{.Repository}}:{{.Tag}}'\n" \
	"  \1 \2 --sort size --no-trunc\n"
#define EX_INFO \
	"  \1 \2\n" \
	"  \1 \2 --format '{{.Host.OCIRuntime.Name}}'\n" \
	"  \1 \2 -f json\n"
#define EX_KILL \
	"  \1 \2 web\n" \
	"  \1 \2 -s HUP web\n" \
	"  \1 \2 --all\n"
#define EX_KUBE_GENERATE \
	"  \1 \2 web > web.yaml\n" \
	"  \1 \2 -s -f shop.yaml shop\n" \
	"  \1 \2 pgdata\n"
#define EX_KUBE_PLAY \
	"  \1 \2 shop.yaml\n" \
	"  \1 \2 --replace --network backend shop.yaml\n" \
	"  \1 \2 --down shop.yaml\n"
#define EX_LOGS \
	"  \1 \2 web\n" \
	"  \1 \2 -f --tail 20 web\n" \
	"  \1 \2 --since 2024-03-01T08:00:00 --timestamps db\n" \
	"  \1 \2 --names web db\n"
#define EX_PAUSE \
	"  \1 \2 web\n" \
	"  \1 \2 web db\n" \
	"  \1 \2 --all\n"
#define EX_PS \
	"  \1 \2 --all\n" \
	"  \1 \2 --filter status=exited --format '{{.Names}} {{.Status}}'\n" \
	"  \1 \2 -q --latest\n"
#define EX_PULL \
	"  \1 \2 busybox\n" \
	"  \1 \2 --platform linux/arm64 nginx:1.25\n" \
	"  \1 \2 --tls-verify=false 127.0.0.1:5000/team/app:2.1\n"
#define EX_PUSH \
	"  \1 \2 localhost/app:1.2 registry.example.org/team/app:1.2\n" \
	"  \1 \2 app:1.2 oci-archive:/tmp/app.tar\n" \
	"  \1 \2 --creds bob:secret app:1.2 docker://registry.example.org/bob/app\n"
#define EX_RENAME \
	"  \1 \2 web frontend\n"
#define EX_RESTART \
	"  \1 \2 web\n" \
	"  \1 \2 -t 3 web db\n"
#define EX_RM \
	"  \1 \2 web\n" \
	"  \1 \2 -f -v db\n" \
	"  \1 \2 --all --force\n"
#define EX_RMI \
	"  \1 \2 busybox\n" \
	"  \1 \2 -f nginx:1.25 localhost/app:1.2\n" \
	"  \1 \2 --all\n"
#define EX_RUN \
	"  \1 \2 --rm busybox echo hello\n" \
	"  \1 \2 -d --name web -p 8080:80 -v ./site:/usr/share/nginx/html:ro nginx:1.25\n" \
	"  \1 \2 -it --network none --read-only alpine sh\n"
#define EX_SAVE \
	"  \1 \2 -o busybox.tar busybox\n" \
	"  \1 \2 --format oci-dir -o app-layout localhost/app:1.2\n" \
	"  \1 \2 -m busybox nginx:1.25 > both.tar\n"
#define EX_SEARCH \
	"  \1 \2 nginx\n" \
	"  \1 \2 --limit 5 registry.example.org/team/\n" \
	"  \1 \2 --list-tags --format '{{.Tag}}' registry.example.org/team/app\n"
#define EX_START \
	"  \1 \2 web\n" \
	"  \1 \2 -a -i shell\n" \
	"  \1 \2 --all\n"
#define EX_STATS \
	"  \1 \2 --no-stream\n" \
	"  \1 \2 --no-stream --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}}' web db\n"
#define EX_STOP \
	"  \1 \2 web\n" \
	"  \1 \2 -t 30 db\n" \
	"  \1 \2 --all\n"
#define EX_TAG \
	"  \1 \2 busybox localhost/tools:v1\n" \
	"  \1 \2 nginx:1.25 registry.example.org/team/web:stable web:latest\n"
#define EX_TOP \
	"  \1 \2 web\n" \
	"  \1 \2 web user pid args\n" \
	"  \1 \2 web pid,comm,etime\n"
#define EX_UNMOUNT \
	"  \1 \2 web\n" \
	"  \1 \2 web db\n" \
	"  \1 \2 --all\n"
#define EX_UNPAUSE \
	"  \1 \2 web\n" \
	"  \1 \2 --all\n"
#define EX_UNTAG \
	"  \1 \2 localhost/tools:v1\n" \
	"  \1 \2 nginx:1.25\n"
#define EX_UPDATE \
	"  \1 \2 --memory 512m web\n" \
	"  \1 \2 --cpus 1.5 --pids-limit 200 db\n"
#define EX_WAIT \
	"  \1 \2 web\n" \
	"  \1 \2 --condition running db\n"

static const struct help_extra extras[] = {
	{ "attach", NULL, EX_ATTACH },
	{ "build", NULL, EX_BUILD },
	{ "buildx", "buildx, builder", NULL },
	{ "buildx build", NULL, EX_BUILD },
	{ "commit", NULL, EX_COMMIT },
	{ "container attach", NULL, EX_ATTACH },
	{ "container cleanup", NULL,
		  "  \1 \2 web\n"
		  "  \1 \2 web db\n" },
	{ "container commit", NULL, EX_COMMIT },
	{ "container cp", NULL, EX_CP },
	{ "container create", NULL, EX_CREATE },
	{ "container diff", NULL, EX_DIFF },
	{ "container exec", NULL, EX_EXEC },
	{ "container exists", NULL,
		  "  \1 \2 web && echo present\n"
		  "  \1 \2 --external builder-ctr\n" },
	{ "container export", NULL, EX_EXPORT },
	{ "container inspect", NULL,
		  "  \1 \2 web\n"
		  "  \1 \2 --format '{{.State.Status}}' web db\n"
		  "  \1 \2 --latest\n" },
	{ "container kill", NULL, EX_KILL },
	{ "container list", "list, ls", EX_PS },
	{ "container logs", NULL, EX_LOGS },
	{ "container pause", NULL, EX_PAUSE },
	{ "container prune", NULL,
		  "  \1 \2\n"
		  "  \1 \2 --force\n" },
	{ "container ps", NULL, EX_PS },
	{ "container rename", NULL, EX_RENAME },
	{ "container restart", NULL, EX_RESTART },
	{ "container rm", NULL, EX_RM },
	{ "container run", NULL, EX_RUN },
	{ "container runlabel", NULL,
		  "  \1 \2 install registry.example.org/team/tool:1.0\n"
		  "  \1 \2 --display run registry.example.org/team/tool:1.0\n" },
	{ "container start", NULL, EX_START },
	{ "container stats", NULL, EX_STATS },
	{ "container stop", NULL, EX_STOP },
	{ "container top", NULL, EX_TOP },
	{ "container unmount", "unmount, umount", EX_UNMOUNT },
	{ "container unpause", NULL, EX_UNPAUSE },
	{ "container update", NULL, EX_UPDATE },
	{ "container wait", NULL, EX_WAIT },
	{ "cp", NULL, EX_CP },
	{ "create", NULL, EX_CREATE },
	{ "diff", NULL, EX_DIFF },
	{ "events", NULL,
		  "  \1 \2 --stream=false --since 30m\n"
		  "  \1 \2 --filter type=container --filter event=die\n"
		  "  \1 \2 --format json\n" },
	{ "exec", NULL, EX_EXEC },
	{ "export", NULL, EX_EXPORT },
	{ "generate kube", NULL, EX_KUBE_GENERATE },
	{ "generate systemd", NULL,
		  "  \1 \2 --name web\n"
		  "  \1 \2 --new --files --name shop\n"
		  "  \1 \2 --restart-policy always --stop-timeout 20 db\n" },
	{ "healthcheck run", NULL,
		  "  \1 \2 web\n" },
	{ "history", NULL, EX_HISTORY },
	{ "image exists", NULL,
		  "  \1 \2 nginx:1.25 || \1 pull nginx:1.25\n" },
	{ "image history", NULL, EX_HISTORY },
	{ "image import", NULL, EX_IMPORT },
	{ "image inspect", NULL,
		  "  \1 \2 busybox\n"
		  "  \1 \2 --format '{{.Architecture}} {{.Size}}' nginx:1.25\n" },
	{ "image list", "list, ls", EX_IMAGES },
	{ "image mount", NULL,
		  "  \1 \2 busybox\n"
		  "  \1 \2\n" },
	{ "image prune", NULL,
		  "  \1 \2\n"
		  "  \1 \2 --all --force\n" },
	{ "image pull", NULL, EX_PULL },
	{ "image push", NULL, EX_PUSH },
	{ "image rm", NULL, EX_RMI },
	{ "image save", NULL, EX_SAVE },
	{ "image search", NULL, EX_SEARCH },
	{ "image sign", NULL,
		  "  \1 \2 --sign-by ops@example.org --directory /var/lib/sigs registry.example.org/team/app:1.2\n" },
	{ "image tag", NULL, EX_TAG },
	{ "image tree", NULL,
		  "  \1 \2 nginx:1.25\n"
		  "  \1 \2 --whatrequires busybox\n" },
	{ "image unmount", "unmount, umount",
		  "  \1 \2 busybox\n"
		  "  \1 \2 --all\n" },
	{ "image untag", NULL, EX_UNTAG },
	{ "images", NULL, EX_IMAGES },
	{ "import", NULL, EX_IMPORT },
	{ "info", NULL, EX_INFO },
	{ "inspect", NULL,
		  "  \1 \2 web\n"
		  "  \1 \2 --type image busybox\n"
		  "  \1 \2 --format '{{.Id}}' web busybox\n" },
	{ "kill", NULL, EX_KILL },
	{ "kube down", NULL,
		  "  \1 \2 shop.yaml\n"
		  "  \1 kube generate shop | \1 \2 -\n" },
	{ "kube generate", NULL, EX_KUBE_GENERATE },
	{ "kube play", NULL, EX_KUBE_PLAY },
	{ "login", NULL,
		  "  \1 \2 registry.example.org\n"
		  "  \1 \2 -u bob --password-stdin registry.example.org < token.txt\n"
		  "  \1 \2 --tls-verify=false 127.0.0.1:5000\n" },
	{ "logout", NULL,
		  "  \1 \2 registry.example.org\n"
		  "  \1 \2 --all\n" },
	{ "logs", NULL, EX_LOGS },
	{ "manifest", NULL,
		  "  \1 \2 create localhost/app-multi:1.2\n"
		  "  \1 \2 add localhost/app-multi:1.2 docker://registry.example.org/team/app:1.2-arm64\n"
		  "  \1 \2 inspect localhost/app-multi:1.2\n"
		  "  \1 \2 push --all localhost/app-multi:1.2 registry.example.org/team/app:1.2\n" },
	{ "manifest add", NULL,
		  "  \1 \2 localhost/app-multi:1.2 registry.example.org/team/app:1.2-amd64\n"
		  "  \1 \2 --arch arm64 --variant v8 localhost/app-multi:1.2 docker://registry.example.org/team/app:1.2-arm64\n" },
	{ "manifest create", NULL,
		  "  \1 \2 localhost/app-multi:1.2\n"
		  "  \1 \2 --all localhost/app-multi:1.2 docker://registry.example.org/team/app:1.2\n" },
	{ "manifest exists", NULL,
		  "  \1 \2 localhost/app-multi:1.2\n" },
	{ "manifest inspect", NULL,
		  "  \1 \2 localhost/app-multi:1.2\n"
		  "  \1 \2 registry.example.org/team/app:1.2\n" },
	{ "manifest remove", NULL,
		  "  \1 \2 localhost/app-multi:1.2 sha256:f1c7707611432ff1213e04685b9e5c7bb7db08482411369a09a1729462068f4b\n" },
	{ "manifest rm", NULL,
		  "  \1 \2 localhost/app-multi:1.2\n" },
	{ "network connect", NULL,
		  "  \1 \2 backend web\n"
		  "  \1 \2 --alias api --ip 10.89.1.20 backend web\n" },
	{ "network create", NULL,
		  "  \1 \2 backend\n"
		  "  \1 \2 --subnet 10.89.1.0/24 --gateway 10.89.1.1 backend\n"
		  "  \1 \2 --internal --disable-dns isolated\n" },
	{ "network disconnect", NULL,
		  "  \1 \2 backend web\n" },
	{ "network exists", NULL,
		  "  \1 \2 backend\n" },
	{ "network inspect", NULL,
		  "  \1 \2 backend\n"
		  "  \1 \2 --format '{{range .Subnets}}{{.Subnet}}{{end}}' backend\n" },
	{ "network ls", NULL,
		  "  \1 \2\n"
		  "  \1 \2 --filter driver=bridge --format '{{.Name}}'\n" },
	{ "network prune", NULL,
		  "  \1 \2\n" },
	{ "network reload", NULL,
		  "  \1 \2 web\n"
		  "  \1 \2 web db\n" },
	{ "network rm", "rm, remove",
		  "  \1 \2 backend\n"
		  "  \1 \2 -f isolated\n" },
	{ "pause", NULL, EX_PAUSE },
	{ "play kube", NULL, EX_KUBE_PLAY },
	{ "pod create", NULL,
		  "  \1 \2 --name shop -p 8080:80\n"
		  "  \1 \2 --label app=shop --infra=false batch\n" },
	{ "pod exists", NULL,
		  "  \1 \2 shop || \1 pod create --name shop\n" },
	{ "pod inspect", NULL,
		  "  \1 \2 shop\n"
		  "  \1 \2 --format '{{.State}}' shop\n" },
	{ "pod kill", NULL,
		  "  \1 \2 shop\n"
		  "  \1 \2 -s USR1 shop\n" },
	{ "pod logs", NULL,
		  "  \1 \2 shop\n"
		  "  \1 \2 -c shop-web --tail 50 -f shop\n" },
	{ "pod pause", NULL,
		  "  \1 \2 shop\n"
		  "  \1 \2 --all\n" },
	{ "pod prune", NULL,
		  "  \1 \2 --force\n" },
	{ "pod ps", "ps, ls, list", NULL },
	{ "pod restart", NULL,
		  "  \1 \2 shop\n"
		  "  \1 \2 --all\n" },
	{ "pod rm", NULL,
		  "  \1 \2 shop\n"
		  "  \1 \2 -f --all\n" },
	{ "pod start", NULL,
		  "  \1 \2 shop\n"
		  "  \1 \2 --all\n" },
	{ "pod stats", NULL,
		  "  \1 \2 --no-stream\n"
		  "  \1 \2 --no-stream --format '{{.Name}} {{.MemUsage}}' shop\n" },
	{ "pod stop", NULL,
		  "  \1 \2 shop\n"
		  "  \1 \2 -t 5 shop\n" },
	{ "pod top", NULL,
		  "  \1 \2 shop\n"
		  "  \1 \2 shop pid comm\n" },
	{ "pod unpause", NULL,
		  "  \1 \2 shop\n"
		  "  \1 \2 --all\n" },
	{ "port", NULL,
		  "  \1 \2 web\n"
		  "  \1 \2 web 80/tcp\n"
		  "  \1 \2 --all\n" },
	{ "ps", NULL, EX_PS },
	{ "pull", NULL, EX_PULL },
	{ "push", NULL, EX_PUSH },
	{ "rename", NULL, EX_RENAME },
	{ "restart", NULL, EX_RESTART },
	{ "rm", NULL, EX_RM },
	{ "rmi", NULL, EX_RMI },
	{ "run", NULL, EX_RUN },
	{ "save", NULL, EX_SAVE },
	{ "search", NULL, EX_SEARCH },
	{ "secret create", NULL,
		  "  \1 \2 db-password ./db-password.txt\n"
		  "  printf '%s' \"$TOKEN\" | \1 \2 api-token -\n" },
	{ "secret inspect", NULL,
		  "  \1 \2 db-password\n"
		  "  \1 \2 --format '{{.Spec.Name}}' db-password\n" },
	{ "secret ls", "ls, list",
		  "  \1 \2\n"
		  "  \1 \2 --format '{{.Name}}'\n" },
	{ "secret rm", NULL,
		  "  \1 \2 db-password\n"
		  "  \1 \2 --all\n" },
	{ "start", NULL, EX_START },
	{ "stats", NULL, EX_STATS },
	{ "stop", NULL, EX_STOP },
	{ "system info", NULL, EX_INFO },
	{ "system prune", NULL,
		  "  \1 \2\n"
		  "  \1 \2 --all --volumes --force\n" },
	{ "system service", NULL,
		  "  \1 \2 --time 0 unix:///run/pea/pea.sock\n"
		  "  \1 \2 -t 600 tcp://127.0.0.1:8080\n" },
	{ "tag", NULL, EX_TAG },
	{ "top", NULL, EX_TOP },
	{ "umount", "unmount, umount", EX_UNMOUNT },
	{ "unmount", "unmount, umount", EX_UNMOUNT },
	{ "unpause", NULL, EX_UNPAUSE },
	{ "unshare", NULL,
		  "  \1 \2 cat /proc/self/uid_map\n"
		  "  \1 \2 ls -ln ~/.local/share/pea\n" },
	{ "untag", NULL, EX_UNTAG },
	{ "update", NULL, EX_UPDATE },
	{ "volume create", NULL,
		  "  \1 \2 pgdata\n"
		  "  \1 \2 --label app=shop --opt type=tmpfs --opt device=tmpfs cache\n" },
	{ "volume exists", NULL,
		  "  \1 \2 pgdata\n" },
	{ "volume import", NULL,
		  "  \1 \2 pgdata pgdata.tar\n"
		  "  gunzip -c pgdata.tar.gz | \1 \2 pgdata -\n" },
	{ "volume inspect", NULL,
		  "  \1 \2 pgdata\n"
		  "  \1 \2 --format '{{.Mountpoint}}' pgdata\n" },
	{ "volume ls", "ls, list", NULL },
	{ "volume mount", NULL,
		  "  \1 \2 pgdata\n" },
	{ "volume rm", "rm, remove",
		  "  \1 \2 pgdata\n"
		  "  \1 \2 -f --all\n" },
	{ "volume unmount", NULL,
		  "  \1 \2 pgdata\n" },
	{ "wait", NULL, EX_WAIT },
};
/* clang-format on */

static int by_path(const void *key, const void *e)
{
	return strcmp(key, ((const struct help_extra *)e)->path);
}

/* The last word of path is one of the aliases of x (x's path up to its last word, too). */
static bool alias_of(const struct help_extra *x, const char *path)
{
	const char *word = strrchr(path, ' '), *xword = strrchr(x->path, ' ');
	size_t plen = word ? (size_t)(word - path) : 0, wlen;

	word = word ? word + 1 : path;
	if (!x->aliases || plen != (xword ? (size_t)(xword - x->path) : 0) ||
	    strncmp(path, x->path, plen) != 0)
		return false;
	wlen = strlen(word);
	for (const char *a = x->aliases; *a;) {
		size_t n = strcspn(a, ",");
		if (n == wlen && strncmp(a, word, n) == 0)
			return true;
		a += n;
		a += strspn(a, ", ");
	}
	return false;
}

static const struct help_extra *find(const char *path)
{
	const struct help_extra *x =
		bsearch(path, extras, ARRAY_SIZE(extras), sizeof(extras[0]), by_path);

	for (size_t i = 0; !x && i < ARRAY_SIZE(extras); i++)
		if (alias_of(&extras[i], path))
			x = &extras[i];
	return x;
}

char *help_canonical_path(const char *path)
{
	const struct help_extra *x = find(path);
	const char *word = strrchr(path, ' ');
	size_t plen = word ? (size_t)(word - path) + 1 : 0;

	if (!x || !x->aliases)
		return xstrdup(path);
	/* podman's usage names the command by its name, not the alias it was run by */
	return xasprintf("%.*s%.*s", (int)plen, path, (int)strcspn(x->aliases, ","), x->aliases);
}

void help_print_extra(FILE *f, const char *path)
{
	const struct help_extra *x = find(path);
	_cleanup_free_ char *canonical = NULL;

	if (!x)
		return;
	if (x->aliases)
		fprintf(f, "Aliases:\n  %s\n\n", x->aliases);
	if (!x->examples)
		return;
	canonical = help_canonical_path(path);
	fputs("Examples:\n", f);
	for (const char *s = x->examples; *s; s++)
		if (*s == '\1')
			fputs(frontend_progname(), f);
		else if (*s == '\2')
			fputs(canonical, f);
		else
			fputc(*s, f);
	fputc('\n', f);
}
