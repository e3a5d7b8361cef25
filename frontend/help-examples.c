/*
 * podman 4.3's "Aliases:" and "Examples:" sections of a command's help (cmd_print_help).
 * The table was made from podman 4.3.1's own help (podman PATH --help for each command
 * pea has): its example command lines, with "podman" as \1, printed as the program's name
 * as run. Sorted by path.
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
static const struct help_extra extras[] = {
	{ "attach", NULL,
		  "  \1 attach ctrID\n"
		  "  \1 attach 1234\n"
		  "  \1 attach --no-stdin foobar\n" },
	{ "build", NULL,
		  "  \1 build .\n"
		  "  \1 build --creds=username:password -t imageName -f Containerfile.simple .\n"
		  "  \1 build --layers --force-rm --tag imageName .\n" },
	{ "buildx", "buildx, builder",
		  NULL },
	{ "buildx build", NULL,
		  "  \1 buildx build .\n"
		  "  \1 buildx build --creds=username:password -t imageName -f Containerfile.simple .\n"
		  "  \1 buildx build --layers --force-rm --tag imageName .\n" },
	{ "commit", NULL,
		  "  \1 commit -q --message \"committing container to image\" reverent_golick image-committed\n"
		  "  \1 commit -q --author \"firstName lastName\" reverent_golick image-committed\n"
		  "  \1 commit -q --pause=false containerID image-committed\n"
		  "  \1 commit containerID\n" },
	{ "container attach", NULL,
		  "  \1 container attach ctrID\n"
		  "\t\1 container attach 1234\n"
		  "\t\1 container attach --no-stdin foobar\n" },
	{ "container cleanup", NULL,
		  "  \1 container cleanup --latest\n"
		  "  \1 container cleanup ctrID1 ctrID2 ctrID3\n"
		  "  \1 container cleanup --all\n" },
	{ "container commit", NULL,
		  "  \1 container commit -q --message \"committing container to image\" reverent_golick image-committed\n"
		  "  \1 container commit -q --author \"firstName lastName\" reverent_golick image-committed\n"
		  "  \1 container commit -q --pause=false containerID image-committed\n"
		  "  \1 container commit containerID\n" },
	{ "container cp", NULL,
		  "  \1 container cp [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH\n" },
	{ "container create", NULL,
		  "  \1 container create alpine ls\n"
		  "  \1 container create --annotation HELLO=WORLD alpine ls\n"
		  "  \1 container create -t -i --name myctr alpine ls\n" },
	{ "container diff", NULL,
		  "  \1 container diff myCtr\n"
		  "  \1 container diff -l --format json myCtr\n" },
	{ "container exec", NULL,
		  "  \1 container exec -it ctrID ls\n"
		  "  \1 container exec -it -w /tmp myCtr pwd\n"
		  "  \1 container exec --user root ctrID ls\n" },
	{ "container exists", NULL,
		  "  \1 container exists --external containerID\n"
		  "  \1 container exists myctr || \1 run --name myctr [etc...]\n" },
	{ "container export", NULL,
		  "  \1 container export ctrID > myCtr.tar\n"
		  "  \1 container export --output=\"myCtr.tar\" ctrID\n" },
	{ "container inspect", NULL,
		  "  \1 container inspect myCtr\n"
		  "  \1 container inspect -l --format '{{.Id}} {{.Config.Labels}}'\n" },
	{ "container kill", NULL,
		  "  \1 container kill mywebserver\n"
		  "  \1 container kill 860a4b23\n"
		  "  \1 container kill --signal TERM ctrID\n" },
	{ "container list", "list, ls",
		  "  \1 container list -a\n"
		  "  \1 container list -a --format \"{{.ID}}  {{.Image}}  {{.Labels}}  {{.Mounts}}\"\n"
		  "  \1 container list --size --sort names\n" },
	{ "container logs", NULL,
		  "  \1 container logs ctrID\n"
		  "\t\t\1 container logs --names ctrID1 ctrID2\n"
		  "\t\t\1 container logs --color --names ctrID1 ctrID2\n"
		  "\t\t\1 container logs --tail 2 mywebserver\n"
		  "\t\t\1 container logs --follow=true --since 10m ctrID\n"
		  "\t\t\1 container logs mywebserver mydbserver\n" },
	{ "container pause", NULL,
		  "  \1 container pause mywebserver\n"
		  "  \1 container pause 860a4b23\n"
		  "  \1 container pause --all\n" },
	{ "container prune", NULL,
		  "  \1 container prune\n" },
	{ "container ps", NULL,
		  "  \1 container ps -a\n"
		  "  \1 container ps -a --format \"{{.ID}}  {{.Image}}  {{.Labels}}  {{.Mounts}}\"\n"
		  "  \1 container ps --size --sort names\n" },
	{ "container rename", NULL,
		  "  \1 container rename containerA newName\n" },
	{ "container restart", NULL,
		  "  \1 container restart ctrID\n"
		  "  \1 container restart --latest\n"
		  "  \1 container restart ctrID1 ctrID2\n" },
	{ "container rm", NULL,
		  "  \1 container rm imageID\n"
		  "  \1 container rm mywebserver myflaskserver 860a4b23\n"
		  "  \1 container rm --force --all\n"
		  "  \1 container rm -f c684f0d469f2\n" },
	{ "container run", NULL,
		  "  \1 container run imageID ls -alF /etc\n"
		  "\t\1 container run --network=host imageID dnf -y install java\n"
		  "\t\1 container run --volume /var/hostdir:/var/ctrdir -i -t fedora /bin/bash\n" },
	{ "container runlabel", NULL,
		  "  \1 container runlabel run imageID\n"
		  "  \1 container runlabel install imageID arg1 arg2\n"
		  "  \1 container runlabel --display run myImage\n" },
	{ "container start", NULL,
		  "  \1 container start --latest\n"
		  "  \1 container start 860a4b231279 5421ab43b45\n"
		  "  \1 container start --interactive --attach imageID\n" },
	{ "container stats", NULL,
		  "  \1 container stats --all --no-stream\n"
		  "  \1 container stats ctrID\n"
		  "  \1 container stats --no-stream --format \"table {{.ID}} {{.Name}} {{.MemUsage}}\" ctrID\n" },
	{ "container stop", NULL,
		  "  \1 container stop ctrID\n"
		  "  \1 container stop --latest\n"
		  "  \1 container stop --time 2 mywebserver 6e534f14da9d\n" },
	{ "container top", NULL,
		  "  \1 container top ctrID\n"
		  "\1 container top --latest\n"
		  "\1 container top ctrID pid seccomp args %C\n"
		  "\1 container top ctrID -eo user,pid,comm\n" },
	{ "container unmount", "unmount, umount",
		  "  \1 container unmount ctrID\n"
		  "  \1 container unmount ctrID1 ctrID2 ctrID3\n"
		  "  \1 container unmount --all\n" },
	{ "container unpause", NULL,
		  "  \1 container unpause ctrID\n"
		  "  \1 container unpause --all\n" },
	{ "container update", NULL,
		  "  \1 container update --cpus=5 foobar_container\n" },
	{ "container wait", NULL,
		  "  \1 container wait --interval 5s ctrID\n"
		  "  \1 container wait ctrID1 ctrID2\n" },
	{ "cp", NULL,
		  "  \1 cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH\n" },
	{ "create", NULL,
		  "  \1 create alpine ls\n"
		  "  \1 create --annotation HELLO=WORLD alpine ls\n"
		  "  \1 create -t -i --name myctr alpine ls\n" },
	{ "diff", NULL,
		  "  \1 diff imageID\n"
		  "  \1 diff ctrID\n"
		  "  \1 diff --format json redis:alpine\n" },
	{ "events", NULL,
		  "  \1 events\n"
		  "  \1 events --filter event=create\n"
		  "  \1 events --format {{.Image}}\n"
		  "  \1 events --since 1h30s\n" },
	{ "exec", NULL,
		  "  \1 exec -it ctrID ls\n"
		  "  \1 exec -it -w /tmp myCtr pwd\n"
		  "  \1 exec --user root ctrID ls\n" },
	{ "export", NULL,
		  "  \1 export ctrID > myCtr.tar\n"
		  "  \1 export --output=\"myCtr.tar\" ctrID\n" },
	{ "generate kube", NULL,
		  "  \1 kube generate ctrID\n"
		  "  \1 kube generate podID\n"
		  "  \1 kube generate --service podID\n"
		  "  \1 kube generate volumeName\n"
		  "  \1 kube generate ctrID podID volumeName --service\n" },
	{ "generate systemd", NULL,
		  "  \1 generate systemd CTR\n"
		  "  \1 generate systemd --new --time 10 CTR\n"
		  "  \1 generate systemd --files --name POD\n" },
	{ "healthcheck run", NULL,
		  "  \1 healthcheck run mywebapp\n" },
	{ "history", NULL,
		  "  \1 history quay.io/fedora/fedora\n" },
	{ "image exists", NULL,
		  "  \1 image exists ID\n"
		  "  \1 image exists IMAGE && \1 pull IMAGE\n" },
	{ "image history", NULL,
		  "  \1 image history quay.io/fedora/fedora\n" },
	{ "image import", NULL,
		  "  \1 image import https://example.com/ctr.tar url-image\n"
		  "  cat ctr.tar | \1 -q image import --message \"importing the ctr.tar tarball\" - image-imported\n"
		  "  cat ctr.tar | \1 image import -\n" },
	{ "image inspect", NULL,
		  "  \1 image inspect alpine\n"
		  "  \1 image inspect --format \"imageId: {{.Id}} size: {{.Size}}\" alpine\n"
		  "  \1 image inspect --format \"image: {{.ImageName}} driver: {{.Driver}}\" myctr\n" },
	{ "image list", "list, ls",
		  "  \1 image list --format json\n"
		  "  \1 image list --sort repository --format \"table {{.ID}} {{.Repository}} {{.Tag}}\"\n"
		  "  \1 image list --filter dangling=true\n" },
	{ "image mount", NULL,
		  "  \1 image mount imgID\n"
		  "  \1 image mount imgID1 imgID2 imgID3\n"
		  "  \1 image mount\n"
		  "  \1 image mount --all\n" },
	{ "image prune", NULL,
		  "  \1 image prune\n" },
	{ "image pull", NULL,
		  "  \1 image pull imageName\n"
		  "  \1 image pull fedora:latest\n" },
	{ "image push", NULL,
		  "  \1 image push imageID docker://registry.example.com/repository:tag\n"
		  "\t\t\1 image push imageID oci-archive:/path/to/layout:image:tag\n" },
	{ "image rm", NULL,
		  "  \1 image rm imageID\n"
		  "  \1 image rm --force alpine\n"
		  "  \1 image rm c4dfb1609ee2 93fd78260bd1 c0ed59d05ff7\n" },
	{ "image save", NULL,
		  "  \1 image save --quiet -o myimage.tar imageID\n"
		  "  \1 image save --format docker-dir -o ubuntu-dir ubuntu\n"
		  "  \1 image save > alpine-all.tar alpine:latest\n" },
	{ "image search", NULL,
		  "  \1 image search --filter=is-official --limit 3 alpine\n"
		  "  \1 image search registry.fedoraproject.org/  # only works with v2 registries\n"
		  "  \1 image search --format \"table {{.Index}} {{.Name}}\" registry.fedoraproject.org/fedora\n" },
	{ "image sign", NULL,
		  "  \1 image sign --sign-by mykey imageID\n"
		  "  \1 image sign --sign-by mykey --directory ./mykeydir imageID\n" },
	{ "image tag", NULL,
		  "  \1 image tag 0e3bbc2 fedora:latest\n"
		  "  \1 image tag imageID:latest myNewImage:newTag\n"
		  "  \1 image tag httpd myregistryhost:5000/fedora/httpd:v2\n" },
	{ "image tree", NULL,
		  "  \1 image tree alpine:latest\n" },
	{ "image unmount", "unmount, umount",
		  "  \1 unmount imgID\n"
		  "  \1 unmount imgID1 imgID2 imgID3\n"
		  "  \1 unmount --all\n" },
	{ "image untag", NULL,
		  "  \1 image untag 0e3bbc2\n"
		  "  \1 image untag imageID:latest otherImageName:latest\n"
		  "  \1 image untag httpd myregistryhost:5000/fedora/httpd:v2\n" },
	{ "images", NULL,
		  "  \1 images --format json\n"
		  "  \1 images --sort repository --format \"table {{.ID}} {{.Repository}} {{.Tag}}\"\n"
		  "  \1 images --filter dangling=true\n" },
	{ "import", NULL,
		  "  \1 import https://example.com/ctr.tar url-image\n"
		  "  cat ctr.tar | \1 -q import --message \"importing the ctr.tar tarball\" - image-imported\n"
		  "  cat ctr.tar | \1 import -\n" },
	{ "info", NULL,
		  "  \1 info\n" },
	{ "inspect", NULL,
		  "  \1 inspect fedora\n"
		  "  \1 inspect --type image fedora\n"
		  "  \1 inspect CtrID ImgID\n"
		  "  \1 inspect --format \"imageId: {{.Id}} size: {{.Size}}\" fedora\n" },
	{ "kill", NULL,
		  "  \1 kill mywebserver\n"
		  "  \1 kill 860a4b23\n"
		  "  \1 kill --signal TERM ctrID\n" },
	{ "kube down", NULL,
		  "  \1 kube down nginx.yml\n"
		  "   cat nginx.yml | \1 kube down -\n"
		  "   \1 kube down https://example.com/nginx.yml\n" },
	{ "kube generate", NULL,
		  "  \1 kube generate ctrID\n"
		  "  \1 kube generate podID\n"
		  "  \1 kube generate --service podID\n"
		  "  \1 kube generate volumeName\n"
		  "  \1 kube generate ctrID podID volumeName --service\n" },
	{ "kube play", NULL,
		  "  \1 kube play nginx.yml\n"
		  "  cat nginx.yml | \1 kube play -\n"
		  "  \1 kube play --creds user:password --seccomp-profile-root /custom/path apache.yml\n"
		  "  \1 kube play https://example.com/nginx.yml\n" },
	{ "login", NULL,
		  "  \1 login quay.io\n"
		  "  \1 login --username ... --password ... quay.io\n"
		  "  \1 login --authfile dir/auth.json quay.io\n" },
	{ "logout", NULL,
		  "  \1 logout quay.io\n"
		  "  \1 logout --authfile dir/auth.json quay.io\n"
		  "  \1 logout --all\n" },
	{ "logs", NULL,
		  "  \1 logs ctrID\n"
		  "  \1 logs --names ctrID1 ctrID2\n"
		  "  \1 logs --tail 2 mywebserver\n"
		  "  \1 logs --follow=true --since 10m ctrID\n"
		  "  \1 logs mywebserver mydbserver\n" },
	{ "manifest", NULL,
		  "  \1 manifest add mylist:v1.11 image:v1.11-amd64\n"
		  "  \1 manifest create localhost/list\n"
		  "  \1 manifest inspect localhost/list\n"
		  "  \1 manifest annotate --annotation left=right mylist:v1.11 image:v1.11-amd64\n"
		  "  \1 manifest push mylist:v1.11 docker://quay.io/myuser/image:v1.11\n"
		  "  \1 manifest remove mylist:v1.11 sha256:15352d97781ffdf357bf3459c037be3efac4133dc9070c2dce7eca7c05c3e736\n"
		  "  \1 manifest rm mylist:v1.11\n" },
	{ "manifest add", NULL,
		  "  \1 manifest add mylist:v1.11 image:v1.11-amd64\n"
		  "\t\t\1 manifest add mylist:v1.11 transport:imageName\n" },
	{ "manifest create", NULL,
		  "  \1 manifest create mylist:v1.11\n"
		  "  \1 manifest create mylist:v1.11 arch-specific-image-to-add\n"
		  "  \1 manifest create mylist:v1.11 arch-specific-image-to-add another-arch-specific-image-to-add\n"
		  "  \1 manifest create --all mylist:v1.11 transport:tagged-image-to-add\n" },
	{ "manifest exists", NULL,
		  "  \1 manifest exists mylist\n" },
	{ "manifest inspect", NULL,
		  "  \1 manifest inspect localhost/list\n" },
	{ "manifest remove", NULL,
		  "  \1 manifest remove mylist:v1.11 sha256:15352d97781ffdf357bf3459c037be3efac4133dc9070c2dce7eca7c05c3e736\n" },
	{ "manifest rm", NULL,
		  "  \1 manifest rm mylist:v1.11\n" },
	{ "network connect", NULL,
		  "  \1 network connect web secondary\n" },
	{ "network create", NULL,
		  "  \1 network create podman1\n" },
	{ "network disconnect", NULL,
		  "  \1 network disconnect web secondary\n" },
	{ "network exists", NULL,
		  "  \1 network exists net1\n" },
	{ "network inspect", NULL,
		  "  \1 network inspect podman\n" },
	{ "network ls", NULL,
		  "  \1 network list\n" },
	{ "network prune", NULL,
		  "  \1 network prune\n" },
	{ "network reload", NULL,
		  "  \1 network reload --latest\n"
		  "  \1 network reload 3c13ef6dd843\n"
		  "  \1 network reload test1 test2\n" },
	{ "network rm", "rm, remove",
		  "  \1 network rm podman\n" },
	{ "pause", NULL,
		  "  \1 pause mywebserver\n"
		  "  \1 pause 860a4b23\n"
		  "  \1 pause --all\n" },
	{ "play kube", NULL,
		  "  \1 play kube nginx.yml\n"
		  "  cat nginx.yml | \1 play kube -\n"
		  "  \1 play kube --creds user:password --seccomp-profile-root /custom/path apache.yml\n"
		  "  \1 play kube https://example.com/nginx.yml\n" },
	{ "pod create", NULL,
		  "  \1 pod create\n"
		  "  \1 pod create --label foo=bar mypod\n" },
	{ "pod exists", NULL,
		  "  \1 pod exists podID\n"
		  "  \1 pod exists mypod || \1 pod create --name mypod\n" },
	{ "pod inspect", NULL,
		  "  \1 pod inspect podID\n" },
	{ "pod kill", NULL,
		  "  \1 pod kill podID\n"
		  "  \1 pod kill --signal TERM mywebserver\n"
		  "  \1 pod kill --latest\n" },
	{ "pod logs", NULL,
		  "  \1 pod logs podID\n"
		  "\t\t\1 pod logs -c ctrname podName\n"
		  "\t\t\1 pod logs --tail 2 mywebserver\n"
		  "\t\t\1 pod logs --follow=true --since 10m podID\n"
		  "\t\t\1 pod logs mywebserver\n" },
	{ "pod pause", NULL,
		  "  \1 pod pause podID1 podID2\n"
		  "  \1 pod pause --latest\n"
		  "  \1 pod pause --all\n" },
	{ "pod prune", NULL,
		  "  \1 pod prune\n" },
	{ "pod ps", "ps, ls, list",
		  NULL },
	{ "pod restart", NULL,
		  "  \1 pod restart podID1 podID2\n"
		  "  \1 pod restart --latest\n"
		  "  \1 pod restart --all\n" },
	{ "pod rm", NULL,
		  "  \1 pod rm mywebserverpod\n"
		  "  \1 pod rm -f 860a4b23\n"
		  "  \1 pod rm -f -a\n" },
	{ "pod start", NULL,
		  "  \1 pod start podID\n"
		  "  \1 pod start --latest\n"
		  "  \1 pod start --all\n" },
	{ "pod stats", NULL,
		  "  \1 pod stats\n"
		  "  \1 pod stats a69b23034235 named-pod\n"
		  "  \1 pod stats --latest\n"
		  "  \1 pod stats --all\n" },
	{ "pod stop", NULL,
		  "  \1 pod stop mywebserverpod\n"
		  "  \1 pod stop --latest\n"
		  "  \1 pod stop --time 0 490eb 3557fb\n" },
	{ "pod top", NULL,
		  "  \1 pod top podID\n"
		  "\1 pod top --latest\n"
		  "\1 pod top podID pid seccomp args %C\n"
		  "\1 pod top podID -eo user,pid,comm\n" },
	{ "pod unpause", NULL,
		  "  \1 pod unpause podID1 podID2\n"
		  "  \1 pod unpause --all\n"
		  "  \1 pod unpause --latest\n" },
	{ "port", NULL,
		  "  \1 port --all\n"
		  "  \1 port ctrID 80/tcp\n"
		  "  \1 port --latest 80\n" },
	{ "ps", NULL,
		  "  \1 ps -a\n"
		  "  \1 ps -a --format \"{{.ID}}  {{.Image}}  {{.Labels}}  {{.Mounts}}\"\n"
		  "  \1 ps --size --sort names\n" },
	{ "pull", NULL,
		  "  \1 pull imageName\n"
		  "  \1 pull fedora:latest\n" },
	{ "push", NULL,
		  "  \1 push imageID docker://registry.example.com/repository:tag\n"
		  "\t\t\1 push imageID oci-archive:/path/to/layout:image:tag\n" },
	{ "rename", NULL,
		  "  \1 rename containerA newName\n" },
	{ "restart", NULL,
		  "  \1 restart ctrID\n"
		  "  \1 restart --latest\n"
		  "  \1 restart ctrID1 ctrID2\n" },
	{ "rm", NULL,
		  "  \1 rm imageID\n"
		  "  \1 rm mywebserver myflaskserver 860a4b23\n"
		  "  \1 rm --force --all\n"
		  "  \1 rm -f c684f0d469f2\n" },
	{ "rmi", NULL,
		  "  \1 rmi imageID\n"
		  "  \1 rmi --force alpine\n"
		  "  \1 rmi c4dfb1609ee2 93fd78260bd1 c0ed59d05ff7\n" },
	{ "run", NULL,
		  "  \1 run imageID ls -alF /etc\n"
		  "  \1 run --network=host imageID dnf -y install java\n"
		  "  \1 run --volume /var/hostdir:/var/ctrdir -i -t fedora /bin/bash\n" },
	{ "save", NULL,
		  "  \1 save --quiet -o myimage.tar imageID\n"
		  "  \1 save --format docker-dir -o ubuntu-dir ubuntu\n"
		  "  \1 save > alpine-all.tar alpine:latest\n" },
	{ "search", NULL,
		  "  \1 search --filter=is-official --limit 3 alpine\n"
		  "  \1 search registry.fedoraproject.org/  # only works with v2 registries\n"
		  "  \1 search --format \"table {{.Index}} {{.Name}}\" registry.fedoraproject.org/fedora\n" },
	{ "secret create", NULL,
		  "  \1 secret create mysecret /path/to/secret\n"
		  "\t\tprintf \"secretdata\" | \1 secret create mysecret -\n" },
	{ "secret inspect", NULL,
		  "  \1 secret inspect MYSECRET\n" },
	{ "secret ls", "ls, list",
		  "  \1 secret ls\n" },
	{ "secret rm", NULL,
		  "  \1 secret rm mysecret1 mysecret2\n" },
	{ "start", NULL,
		  "  \1 start --latest\n"
		  "  \1 start 860a4b231279 5421ab43b45\n"
		  "  \1 start --interactive --attach imageID\n" },
	{ "stats", NULL,
		  "  \1 stats --all --no-stream\n"
		  "  \1 stats ctrID\n"
		  "  \1 stats --no-stream --format \"table {{.ID}} {{.Name}} {{.MemUsage}}\" ctrID\n" },
	{ "stop", NULL,
		  "  \1 stop ctrID\n"
		  "  \1 stop --latest\n"
		  "  \1 stop --time 2 mywebserver 6e534f14da9d\n" },
	{ "system info", NULL,
		  "  \1 system info\n" },
	{ "system prune", NULL,
		  "  \1 system prune\n" },
	{ "system service", NULL,
		  "  \1 system service --time=0 unix:///tmp/podman.sock\n"
		  "  \1 system service --time=0 tcp://localhost:8888\n" },
	{ "tag", NULL,
		  "  \1 tag 0e3bbc2 fedora:latest\n"
		  "  \1 tag imageID:latest myNewImage:newTag\n"
		  "  \1 tag httpd myregistryhost:5000/fedora/httpd:v2\n" },
	{ "top", NULL,
		  "  \1 top ctrID\n"
		  "\1 top --latest\n"
		  "\1 top ctrID pid seccomp args %C\n"
		  "\1 top ctrID -eo user,pid,comm\n" },
	{ "umount", "unmount, umount",
		  "  \1 unmount ctrID\n"
		  "  \1 unmount ctrID1 ctrID2 ctrID3\n"
		  "  \1 unmount --all\n" },
	{ "unmount", "unmount, umount",
		  "  \1 unmount ctrID\n"
		  "  \1 unmount ctrID1 ctrID2 ctrID3\n"
		  "  \1 unmount --all\n" },
	{ "unpause", NULL,
		  "  \1 unpause ctrID\n"
		  "  \1 unpause --all\n" },
	{ "unshare", NULL,
		  "  \1 unshare id\n"
		  "  \1 unshare cat /proc/self/uid_map,\n"
		  "  \1 unshare podman-script.sh\n" },
	{ "untag", NULL,
		  "  \1 untag 0e3bbc2\n"
		  "  \1 untag imageID:latest otherImageName:latest\n"
		  "  \1 untag httpd myregistryhost:5000/fedora/httpd:v2\n" },
	{ "update", NULL,
		  "  \1 update --cpus=5 foobar_container\n" },
	{ "volume create", NULL,
		  "  \1 volume create myvol\n"
		  "  \1 volume create\n"
		  "  \1 volume create --label foo=bar myvol\n" },
	{ "volume exists", NULL,
		  "  \1 volume exists myvol\n" },
	{ "volume import", NULL,
		  "  \1 volume import my_vol /home/user/import.tar\n"
		  "  cat ctr.tar | \1 import volume my_vol -\n" },
	{ "volume inspect", NULL,
		  "  \1 volume inspect myvol\n"
		  "  \1 volume inspect --all\n"
		  "  \1 volume inspect --format \"{{.Driver}} {{.Scope}}\" myvol\n" },
	{ "volume ls", "ls, list",
		  NULL },
	{ "volume mount", NULL,
		  "  \1 volume mount myvol\n" },
	{ "volume rm", "rm, remove",
		  "  \1 volume rm myvol1 myvol2\n"
		  "  \1 volume rm --all\n"
		  "  \1 volume rm --force myvol\n" },
	{ "volume unmount", NULL,
		  "  \1 volume unmount myvol\n" },
	{ "wait", NULL,
		  "  \1 wait --interval 5s ctrID\n"
		  "  \1 wait ctrID1 ctrID2\n" },
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

	if (!x)
		return;
	if (x->aliases)
		fprintf(f, "Aliases:\n  %s\n\n", x->aliases);
	if (!x->examples)
		return;
	fputs("Examples:\n", f);
	for (const char *s = x->examples; *s; s++)
		if (*s == '\1')
			fputs(frontend_progname(), f);
		else
			fputc(*s, f);
	fputc('\n', f);
}
