#!/bin/bash
# build-images.sh: the stand-in images of podman's test/system, as OCI layouts
# under /tmp/anchor/images/ (inner.sh pushes them to its registry on each run).
#   testimage  quay.io/libpod/testimage:20220615 (and :multiimage); zeroimage :00000004
#              from busybox-static, with alpine 3.16's passwd/group/os-release,
#              top folders, /home/podman/{testimage-id,pause}, labels, workdir, cmd
#   registry   quay.io/libpod/registry:2.8: Debian's docker-registry binary, its
#              libraries and config.yml, ENTRYPOINT /bin/registry serve
set -euo pipefail
A=/tmp/anchor
OUT=$A/images.new
rm -rf "$OUT" && mkdir -p "$OUT"
# printenv: busybox-static has none (alpine's busybox has; 030-run uses it)
[[ -x $A/printenv && $A/printenv -nt $A/printenv.c ]] || gcc -static -Os -o "$A/printenv" "$A/printenv.c"
# nc: alpine's busybox nc has -n and -v (500-networking), Debian's busybox-static not
[[ -x $A/nc && $A/nc -nt $A/nc.c ]] || gcc -static -O2 -o "$A/nc" "$A/nc.c" 2>/dev/null
# ping: alpine's falls back to an ICMP datagram socket, Debian's busybox-static not
[[ -x $A/ping && $A/ping -nt $A/ping.c ]] || gcc -static -O2 -o "$A/ping" "$A/ping.c" 2>/dev/null
# dnsd: inner.sh answers the nameservers of resolv.conf with it (no internet)
[[ -x $A/dnsd && $A/dnsd -nt $A/dnsd.c ]] || gcc -static -O2 -o "$A/dnsd" "$A/dnsd.c"
# pause: /pause of the stand-in k8s.gcr.io/pause:3.5 (200-pod --infra-image)
[[ -x $A/pause && $A/pause -nt $A/pause.c ]] || gcc -static -O2 -o "$A/pause" "$A/pause.c"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
CREATED=2022-06-15T12:00:00Z

# oci_layout "ROOTFS1[:ROOTFS2...]" CONFIG_JSON_FRAGMENT DEST [HISTORY_JSON]: one
# layer per rootfs folder, bottom first (HISTORY_JSON: the config's history,
# one entry without empty_layer per layer; default: one entry per layer)
oci_layout() {
	local roots=$1 cfg=$2 dest=$3 hist=${4:-} root diffs='[]' layers='[]'
	local diff lay lsz conf csz man msz
	mkdir -p "$dest/blobs/sha256"
	IFS=: read -ra roots <<<"$roots"
	for root in "${roots[@]}"; do
		(cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort >"$W/names")
		tar --numeric-owner --owner=0 --group=0 --no-recursion \
			-C "$root" -cf "$W/layer.tar" -T "$W/names"
		gzip -n -c "$W/layer.tar" >"$W/layer.tar.gz"
		diff=$(sha256sum <"$W/layer.tar" | cut -d' ' -f1)
		lay=$(sha256sum <"$W/layer.tar.gz" | cut -d' ' -f1)
		lsz=$(stat -c %s "$W/layer.tar.gz")
		cp "$W/layer.tar.gz" "$dest/blobs/sha256/$lay"
		diffs=$(jq -c --arg d "sha256:$diff" '. + [$d]' <<<"$diffs")
		layers=$(jq -c --arg l "sha256:$lay" --argjson s "$lsz" \
			'. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $s}]' <<<"$layers")
	done
	[[ -n $hist ]] || hist=$(jq -c --arg c "$CREATED" 'map({created: $c, created_by: "/tmp/anchor/build-images.sh"})' <<<"$diffs")
	jq -cjn --argjson d "$diffs" --arg c "$CREATED" --argjson cfg "$cfg" --argjson h "$hist" '{
		created: $c, architecture: "amd64", os: "linux", config: $cfg,
		rootfs: {type: "layers", diff_ids: $d}, history: $h}' >"$W/config.json"
	conf=$(sha256sum <"$W/config.json" | cut -d' ' -f1)
	csz=$(stat -c %s "$W/config.json")
	jq -cjn --arg c "sha256:$conf" --argjson cs "$csz" --argjson l "$layers" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: $l}' >"$W/manifest.json"
	man=$(sha256sum <"$W/manifest.json" | cut -d' ' -f1)
	msz=$(stat -c %s "$W/manifest.json")
	cp "$W/config.json" "$dest/blobs/sha256/$conf"
	cp "$W/manifest.json" "$dest/blobs/sha256/$man"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$dest/oci-layout"
	jq -cjn --arg m "sha256:$man" --argjson s "$msz" '{schemaVersion: 2, manifests: [{
		mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $s,
		annotations: {"org.opencontainers.image.ref.name": "latest"},
		platform: {architecture: "amd64", os: "linux"}}]}' >"$dest/index.json"
}

# --- testimage
R=$W/testimage
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,dev,proc,sys,run,root,home/podman,var/tmp,var/log,tmp,srv,mnt,opt,media,lib,etc/apk}
chmod 0700 "$R/root"; chmod 1777 "$R/tmp" "$R/var/tmp"
cp /bin/busybox "$R/bin/busybox"
busybox --list-full | while read -r a; do
	[[ -n $a && $a != bin/busybox ]] || continue
	case $a in bin/*) t=busybox ;; */*/*) t=../../bin/busybox ;; */*) t=../bin/busybox ;; *) t=bin/busybox ;; esac
	mkdir -p "$R/$(dirname "$a")"; ln -sf "$t" "$R/$a"
done
cat >"$R/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/ash
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
adm:x:3:4:adm:/var/adm:/sbin/nologin
lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
sync:x:5:0:sync:/sbin:/bin/sync
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
mail:x:8:12:mail:/var/mail:/sbin/nologin
news:x:9:13:news:/usr/lib/news:/sbin/nologin
uucp:x:10:14:uucp:/var/spool/uucppublic:/sbin/nologin
operator:x:11:0:operator:/root:/sbin/nologin
man:x:13:15:man:/usr/man:/sbin/nologin
postmaster:x:14:12:postmaster:/var/mail:/sbin/nologin
cron:x:16:16:cron:/var/spool/cron:/sbin/nologin
ftp:x:21:21::/var/lib/ftp:/sbin/nologin
sshd:x:22:22:sshd:/dev/null:/sbin/nologin
at:x:25:25:at:/var/spool/cron/atjobs:/sbin/nologin
squid:x:31:31:Squid:/var/cache/squid:/sbin/nologin
xfs:x:33:33:X Font Server:/etc/X11/fs:/sbin/nologin
games:x:35:35:games:/usr/games:/sbin/nologin
cyrus:x:85:12::/usr/cyrus:/sbin/nologin
vpopmail:x:89:89::/var/vpopmail:/sbin/nologin
ntp:x:123:123:NTP:/var/empty:/sbin/nologin
smmsp:x:209:209:smmsp:/var/spool/mqueue:/sbin/nologin
guest:x:405:100:guest:/dev/null:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
P
cat >"$R/etc/group" <<'G'
root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
sys:x:3:root,bin,adm
adm:x:4:root,adm,daemon
tty:x:5:
disk:x:6:root,adm
lp:x:7:lp
mem:x:8:
kmem:x:9:
wheel:x:10:root
floppy:x:11:root
mail:x:12:mail
news:x:13:news
uucp:x:14:uucp
man:x:15:man
cron:x:16:cron
console:x:17:
audio:x:18:
cdrom:x:19:
dialout:x:20:root
ftp:x:21:
sshd:x:22:
input:x:23:
at:x:25:at
tape:x:26:root
video:x:27:root
netdev:x:28:
readproc:x:30:
squid:x:31:squid
xfs:x:33:xfs
kvm:x:34:kvm
games:x:35:
shadow:x:42:
cdrw:x:80:
ping:x:999:
nogroup:x:65533:
nobody:x:65534:
G
printf 'root:!::0:::::\n' >"$R/etc/shadow"; chmod 0640 "$R/etc/shadow"
cat >"$R/etc/os-release" <<'O'
NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.16.0
PRETTY_NAME="Alpine Linux v3.16"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
O
printf 'localhost\n' >"$R/etc/hostname"
printf 'ftp\t\t21/tcp\nssh\t\t22/tcp\nhttp\t\t80/tcp\n' >"$R/etc/services"
printf '/bin/sh\n/bin/ash\n' >"$R/etc/shells"
echo 3.16.0 >"$R/etc/alpine-release"
# the rest of alpine 3.16's regular data files (names only: stand-in text):
# 070-build 'copy-from referencing the base image' wants more than 50 regular
# files in an image built on quay.io/libpod/alpine (the real one has ~80)
k=alpine-devel@lists.alpinelinux.org
for f in etc/apk/arch etc/apk/repositories etc/apk/world etc/fstab etc/inittab \
	etc/issue etc/modules etc/motd etc/profile \
	etc/securetty etc/sysctl.conf etc/udhcpd.conf etc/crontabs/root \
	etc/logrotate.d/acpid etc/modprobe.d/aliases.conf etc/modprobe.d/blacklist.conf \
	etc/modprobe.d/i386.conf etc/modprobe.d/kms.conf etc/network/if-up.d/dad \
	etc/profile.d/README etc/profile.d/color_prompt.sh.disabled etc/profile.d/locale.sh \
	etc/ssl/cert.pem etc/ssl/ct_log_list.cnf etc/ssl/ct_log_list.cnf.dist \
	etc/ssl/openssl.cnf etc/ssl/openssl.cnf.dist etc/ssl/misc/CA.pl etc/ssl/misc/tsget.pl \
	etc/sysctl.d/00-alpine.conf lib/apk/db/installed lib/apk/db/lock \
	lib/apk/db/scripts.tar lib/apk/db/triggers lib/sysctl.d/00-alpine.conf \
	usr/share/udhcpc/default.script; do
	mkdir -p "$R/$(dirname "$f")"
	printf 'stand-in for alpine 3.16 /%s\n' "$f" >"$R/$f"
done
# (no stand-in text where a libc reads the file: nsswitch.conf as alpine's)
printf 'hosts: files dns\n' >"$R/etc/nsswitch.conf"
mkdir -p "$R/etc/apk/keys"
for key in 4a6a0840 5243ef4b 5261cecb 6165ee59 61666e3f; do
	printf 'stand-in key %s\n' "$key" >"$R/etc/apk/keys/$k-$key.rsa.pub"
done
for arch in aarch64 armhf armv7 mips64 ppc64le s390x x86 x86_64; do
	mkdir -p "$R/usr/share/apk/keys/$arch"
	for key in 4a6a0840 5243ef4b 524d27bb; do
		printf 'stand-in key %s\n' "$key" >"$R/usr/share/apk/keys/$arch/$k-$key.rsa.pub"
	done
done
# ping with alpine busybox's ICMP datagram fallback (200-pod pings without CAP_NET_RAW)
rm -f "$R/bin/ping" && cp "$A/ping" "$R/bin/ping"
# the second layer (as the real image's, squashed from its build): /home/podman's files
R2=$W/testimage-top
mkdir -p "$R2/home/podman"
echo 20220615 >"$R2/home/podman/testimage-id"
touch --date=@1600000000 "$R2/home/podman/testimage-id"
cat >"$R2/home/podman/pause" <<'S'
#!/bin/sh
#
# Trivial little pause script, used in one of the pod tests
#
echo Confirmed: testimage pause invoked as $0
while :; do
    sleep 0.1
done
S
chmod 755 "$R2/home/podman/pause"
cp "$A/printenv" "$R/usr/bin/printenv"
nc_at=$(cd "$R" && ls bin/nc usr/bin/nc 2>/dev/null | head -1 || true)
rm -f "$R/$nc_at" && cp "$A/nc" "$R/${nc_at:-usr/bin/nc}"
# alpine's busybox-extras (httpd: 120-load, 500-networking): busybox itself here
printf '#!/bin/sh\nexec /bin/busybox "$@"\n' >"$R/bin/busybox-extras"
chmod 755 "$R/bin/busybox-extras"
# history as the real image's build wrote it (110-history wants CMD above LABEL)
HIST=$(jq -cn --arg c "$CREATED" '[
	{created: $c, created_by: "/bin/sh -c #(nop) ADD file:busybox-static in / "},
	{created: $c, created_by: "/bin/sh -c #(nop)  CMD [\"/bin/sh\"]", empty_layer: true},
	{created: $c, created_by: "/bin/sh -c apk add busybox-extras", empty_layer: true},
	{created: $c, created_by: "/bin/sh -c #(nop) ADD multi:testimage-id,pause in /home/podman/ "},
	{created: $c, created_by: "/bin/sh -c #(nop) LABEL created_by=test/system/build-testimage", empty_layer: true},
	{created: $c, created_by: "/bin/sh -c #(nop) LABEL created_at=2022-06-15T12:00:00Z", empty_layer: true},
	{created: $c, created_by: "/bin/sh -c #(nop) WORKDIR /home/podman", empty_layer: true},
	{created: $c, created_by: "/bin/sh -c #(nop) CMD [\"/bin/echo\", \"This container is intended for podman CI testing\"]", empty_layer: true}]')
oci_layout "$R:$R2" '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
	"Cmd":["/bin/echo","This container is intended for podman CI testing"],
	"WorkingDir":"/home/podman",
	"Labels":{"created_by":"test/system/build-testimage","created_at":"2022-06-15T12:00:00Z"}}' "$OUT/testimage" "$HIST"

# --- the nonlocal image (:00000004, pulled by tests that then remove it): an
# image of its own (same layer, another config), so removing it leaves :20220615
oci_layout "$R" '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
	"Cmd":["/bin/sh"]}' "$OUT/zeroimage"

# --- registry:2.8
R=$W/registry
mkdir -p "$R"/{bin,etc/docker/registry,lib/x86_64-linux-gnu,lib64,var/lib/registry,tmp}
chmod 1777 "$R/tmp"
cp /usr/bin/docker-registry "$R/bin/registry"
cp -L /lib/x86_64-linux-gnu/libc.so.6 "$R/lib/x86_64-linux-gnu/"
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
sed 's|/var/lib/docker-registry|/var/lib/registry|; /^auth:/,/^[a-z]/{/^auth:/d; /^  /d}' \
	/etc/docker/registry/config.yml >"$R/etc/docker/registry/config.yml"
oci_layout "$R" '{"Env":["PATH=/bin"],"Entrypoint":["/bin/registry"],
	"Cmd":["serve","/etc/docker/registry/config.yml"],"ExposedPorts":{"5000/tcp":{}}}' "$OUT/registry"
# --- k8s.gcr.io/pause:3.5 (200-pod's --infra-image; no internet): /pause only
R=$W/pause
mkdir -p "$R"
cp "$A/pause" "$R/pause"
oci_layout "$R" '{"Entrypoint":["/pause"]}' "$OUT/pause"
# swap in whole (runs in progress push from images/ at each file's start)
rm -rf "$A/images.old"
[[ -d $A/images ]] && mv "$A/images" "$A/images.old"
mv "$OUT" "$A/images" && rm -rf "$A/images.old"
ls -l "$A"/images/*/blobs/sha256 | head
