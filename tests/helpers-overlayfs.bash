# shellcheck shell=bash
#
# tests/helpers-overlayfs.bash: mount overlays three ways over the same
# layers, for tests/35-overlayfs-*.bats.
#
#   ovl_make_layers DIR     DIR/lower: a layer with one of each kind of entry,
#                           whiteouts (char 0/0 and .wh.), an opaque dir, a
#                           hardlink pair, a sparse file, xattrs; the busybox
#                           rootfs is the layer below it (read, never written).
#   ovl_mount IMPL DIR      mount DIR/mnt over DIR/lower:$BUSYBOX_ROOTFS with
#                           upper DIR/upper and work DIR/work. IMPL: pea
#                           ($PEA_OVERLAYFS), fuse (Debian's fuse-overlayfs),
#                           kernel (mount -t overlay, redirect_dir=off so that
#                           it writes the same format as the FUSE ones).
#                           Extra -o options in OVL_EXTRA_OPTS.
#   ovl_umount DIR          unmount DIR/mnt and wait for the FUSE server.
#   ovl_umount_all          unmount whatever a test left under its temp dir.
#   ovl_dump DIR            one line per entry below DIR: path, type, mode,
#                           owner, size of files, device numbers, link target,
#                           the md5 of files, and the xattrs that matter
#                           (opaque markers, user.*, security.capability).
#   ovl_dump_upper DIR      ovl_dump of an upper dir, with fuse-overlayfs's
#                           extra opaque marker files left out.
#   OVL_OPS_SCRIPT          operations run in the merged tree (ovl_sh), whose
#                           output and upper dir must be the kernel's;
#   OVL_FUSE_SCRIPT         those fuse-overlayfs 1.10 agrees on.
#
# FUSE servers run in the foreground (-f) as children of the test shell:
# PID 1 here does not reap orphans.

: "${FUSE_OVERLAYFS:=/usr/bin/fuse-overlayfs}"

ovl_make_layers() {
	local d="$1" l
	l="$d/lower"
	mkdir -p "$l" "$d/upper" "$d/work" "$d/mnt" || return 1
	mkdir -p "$l/data/sub" "$l/opaque/inner" "$l/etc" "$l/empty" "$l/tree/a/b" "$l/pub" || return 1
	chmod 1777 "$l/pub" && echo root >"$l/pub/roots" || return 1
	echo "hello" >"$l/data/file" &&
		echo "nested" >"$l/data/sub/nested" &&
		echo "inner" >"$l/opaque/inner/x" &&
		echo "in tree" >"$l/tree/a/b/leaf" &&
		echo "linked" >"$l/data/link1" &&
		ln "$l/data/link1" "$l/data/link2" &&
		ln -s file "$l/data/symlink" &&
		mkfifo "$l/data/fifo" &&
		printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nu:x:1000:1000::/home:/bin/sh\n' >"$l/etc/passwd" &&
		truncate -s 8M "$l/data/sparse" &&
		printf 'middle' | dd of="$l/data/sparse" bs=1 seek=4194304 conv=notrunc status=none &&
		echo "owned" >"$l/data/owned" && chown 1000:1000 "$l/data/owned" &&
		echo "suid" >"$l/data/suid" && chmod 4755 "$l/data/suid" &&
		echo "caps" >"$l/data/caps" &&
		setfattr -n user.color -v blue "$l/data/file" &&
		setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= "$l/data/caps" || return 1
	# What the layer below (busybox) has and this one removes or hides.
	mknod "$l/tmp" c 0 0 || return 1
	# /root exists below, opaque here: only "mine" shows.
	mkdir -p "$l/root" && setfattr -n trusted.overlay.opaque -v y "$l/root" &&
		echo mine >"$l/root/mine" || return 1
	touch -d @1000000000 "$l/data/file" "$l/data/owned"
}

# ovl_opts DIR: the -o string of the mount.
ovl_opts() {
	local d="$1"
	echo "lowerdir=$d/lower:$BUSYBOX_ROOTFS,upperdir=$d/upper,workdir=$d/work${OVL_EXTRA_OPTS:+,$OVL_EXTRA_OPTS}"
}

# ovl_wait_mounted MNT PID: until MNT is a mount point, or the server died.
ovl_wait_mounted() {
	local mnt="$1" pid="$2" i
	for ((i = 0; i < 100; i++)); do
		if mountpoint -q "$mnt"; then
			return 0
		fi
		if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
			pea_die "the FUSE server for '$mnt' exited"
			return 1
		fi
		sleep 0.05
	done
	pea_die "'$mnt' is not mounted after 5 s"
	return 1
}

ovl_mount() {
	local impl="$1" d="$2" bin pid
	case "$impl" in
	kernel)
		mount -t overlay overlay \
			-o "$(ovl_opts "$d"),redirect_dir=off,index=off,metacopy=off,xino=off" "$d/mnt"
		return
		;;
	pea) bin="$PEA_OVERLAYFS" ;;
	fuse) bin="$FUSE_OVERLAYFS" ;;
	*)
		pea_die "unknown overlay '$impl'"
		return 1
		;;
	esac
	# Not on the caller's stdout: a `run` capturing it would wait for the server.
	"$bin" -f -o "$(ovl_opts "$d")" "$d/mnt" >"$d/server.log" 2>&1 3>&- &
	pid=$!
	echo "$pid" >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$pid"
}

ovl_umount() {
	local d="$1" pid=""
	if mountpoint -q "$d/mnt"; then
		if [[ "$(stat -f -c %T "$d/mnt")" == fuseblk || "$(awk -v m="$d/mnt" '$2 == m {print $3}' /proc/mounts)" == fuse* ]]; then
			fusermount3 -u "$d/mnt" || umount -l "$d/mnt" || return 1
		else
			umount "$d/mnt" || umount -l "$d/mnt" || return 1
		fi
	fi
	if [[ -f "$d/server.pid" ]]; then
		read -r pid <"$d/server.pid"
		rm -f "$d/server.pid"
		ovl_stop_server "$pid"
	fi
}

# ovl_stop_server PID: the server exits once unmounted (it is our child); a
# copy of the mount in a mount namespace made meanwhile by another process
# (a rootless pause process, ip netns exec) keeps it serving: SIGTERM after 10 s.
ovl_stop_server() {
	local pid="$1" i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

ovl_umount_all() {
	local m pidf
	[[ -n "${TEST_DIR:-}" ]] || return 0
	while read -r m; do
		fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done < <(awk -v t="$TEST_DIR/" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r)
	for pidf in "$TEST_DIR"/*/server.pid "$TEST_DIR"/server.pid; do
		[[ -f "$pidf" ]] || continue
		kill "$(cat "$pidf")" 2>/dev/null || true
		wait "$(cat "$pidf")" 2>/dev/null || true
		rm -f "$pidf"
	done
}

# ovl_dump DIR: canonical listing (no times, no inode numbers, no dir sizes
# or dir link counts: those differ between overlay implementations; no
# user.fuseoverlayfs.* xattrs: the origins FUSE overlays record at copy-up).
ovl_dump() {
	local dir="$1"
	(
		cd "$dir" || exit 1
		find . -mindepth 1 -printf '%p %y %#m %U:%G' \( -type f -printf ' size=%s links=%n' -o -true \) \
			\( -type l -printf ' -> %l' -o -true \) -printf '\n' | LC_ALL=C sort
		find . -mindepth 1 \( -type c -o -type b \) -exec stat -c '%n dev=%t:%T' {} + | LC_ALL=C sort
		find . -mindepth 1 -type f -exec md5sum {} + | LC_ALL=C sort -k2
		getfattr -R -P -d -e hex -m '^(trusted\.overlay\.opaque|user\.overlay\.opaque|user\.|security\.capability)' . 2>/dev/null |
			grep -v -e '^$' -e '^user\.fuseoverlayfs\.' | paste -sd' ' | sed -e 's/# file: /\n/g' |
			sed -e 's/ *$//' -e 's/^/xattr /' |
			grep '^xattr [^ ]* .*=' | LC_ALL=C sort
	)
}

# ovl_dump_upper DIR: an upper dir, without the .wh..wh..opq marker files
# fuse-overlayfs adds to opaque dirs besides the xattr (and the whiteouts
# named .wh..opq it leaves next to them). Compared with
# fuse-overlayfs, leave out the "xattr" lines too: it marks every new dir
# opaque and records origins in xattrs of its own, and the merged views show
# that this changes nothing.
ovl_dump_upper() {
	ovl_dump "$1" | grep -v -e '\.wh\.\.wh\.\.opq' -e '/\.wh\.\.opq '
}

# ovl_add_fuse_whiteouts DIR: the whiteout forms only fuse-overlayfs (and the
# OCI layer format) know, which the kernel reads as plain files: a .wh. file
# hiding /home and a .wh..wh..opq file making /usr/sbin opaque.
ovl_add_fuse_whiteouts() {
	local l="$1/lower"
	touch "$l/.wh.home" && mkdir -p "$l/usr/sbin" && touch "$l/usr/sbin/.wh..wh..opq" &&
		echo only >"$l/usr/sbin/only"
}

# ovl_sh DIR SCRIPT: run SCRIPT with busybox sh chrooted into DIR/mnt.
ovl_sh() {
	chroot "$1/mnt" /bin/busybox sh -c "PATH=/bin:/usr/bin:/sbin:/usr/sbin; $2"
}

# The operations every overlay must agree on, as a busybox sh script run in
# the merged tree. It prints what it sees; nothing with times or inode
# numbers, only whether inode numbers match.
# shellcheck disable=SC2016 # expanded by the chrooted shell
OVL_OPS_SCRIPT='
cd /
same() { [ "$(stat -c %i "$1")" = "$(stat -c %i "$2")" ] && echo "same ino: $1 $2" || echo "other ino: $1 $2"; }
echo "== read"; cat data/file; ls data; ls -a root; ls -a /
[ -e tmp ] || echo "tmp whited out"; [ -e home ] || echo "home whited out"
stat -c "%n %a %u %g %s %h" data/suid data/owned data/link1 data/sparse
same data/link1 data/link2
ino=$(stat -c %i data/file)
echo "== copy-up"; echo more >>data/file; cat data/file
[ "$(stat -c %i data/file)" = "$ino" ] && echo "ino kept across copy-up"
stat -c "%n %a %u %g %s" data/file
chmod 640 data/owned; chown 1001:1002 data/owned; stat -c "%n %a %u %g" data/owned
chmod 755 data/sub; stat -c "%n %a" data/sub
truncate -s 3 data/sub/nested; cat data/sub/nested; echo
printf A | dd of=data/sparse bs=1 count=1 conv=notrunc 2>/dev/null
stat -c "%n %s" data/sparse; dd if=data/sparse bs=1 skip=4194304 count=6 2>/dev/null; echo
touch -d "2001-02-03 04:05:06" data/sub; stat -c "%n %Y" data/sub
echo "== create"; echo new >data/new; mkdir -p newdir/a/b; echo deep >newdir/a/b/f
mknod newdir/fifo p; mknod newdir/null c 1 3; ln -s ../data/new newdir/sym
readlink newdir/sym; cat newdir/sym; stat -c "%n %F %t:%T" newdir/fifo newdir/null
chmod 2775 newdir; mkdir newdir/sgid; stat -c "%n %a" newdir newdir/sgid
echo "== hardlinks"; ln data/link1 data/link3; same data/link1 data/link3; stat -c "%n %h" data/link1 data/link3
ln data/new data/new2; same data/new data/new2; stat -c "%n %h" data/new data/new2
echo "== unlink"; rm data/symlink data/fifo; ls data
rm -r tree; [ -e tree ] || echo "tree removed"
rmdir empty; ls -d empty 2>/dev/null || echo "empty removed"
rm data/new2; stat -c "%n %h" data/new
echo "== recreate over whiteouts"; mkdir tree; ls -a tree; echo again >data/fifo; cat data/fifo
mkdir tmp; ls -a tmp; echo file >home; cat home
echo "== rename"; mv data/link2 data/renamed; cat data/renamed; [ -e data/link2 ] || echo "link2 gone"
mv newdir newdir2; ls newdir2; [ -e newdir ] || echo "newdir gone"
mv opaque moved; ls -R moved; [ -e opaque ] || echo "opaque gone"
echo over >data/over; mv data/over data/file; cat data/file
mv data/renamed data/sub/; ls data/sub
rmdir data 2>/dev/null || echo "rmdir of a non-empty dir refused"
rm root/mine; ls -a root
echo "== final"; ls -a / data tree tmp
'

# What fuse-overlayfs 1.10 must agree on: the operations above without those
# where it parts from the kernel (it keeps hardlinks together on copy-up, drops
# set-group-ID inheritance, lists no ".." entry).
# shellcheck disable=SC2016 # expanded by the chrooted shell
OVL_FUSE_SCRIPT='
cd /
echo "== read"; cat data/file; ls data; ls root /; ls usr/sbin
[ -e tmp ] || echo "tmp whited out"; [ -e home ] || echo "home whited out"
stat -c "%n %a %u %g %s" data/suid data/owned data/sparse
echo "== copy-up"; echo more >>data/file; cat data/file
chmod 640 data/owned; chown 1001:1002 data/owned; stat -c "%n %a %u %g" data/owned
truncate -s 3 data/sub/nested; cat data/sub/nested; echo
printf A | dd of=data/sparse bs=1 count=1 conv=notrunc 2>/dev/null
stat -c "%n %s" data/sparse
echo "== create"; echo new >data/new; mkdir -p newdir/a/b; echo deep >newdir/a/b/f
mknod newdir/fifo p; ln -s ../data/new newdir/sym; readlink newdir/sym; cat newdir/sym
echo "== unlink"; rm data/symlink data/fifo; ls data
rm -r tree; [ -e tree ] || echo "tree removed"; rm usr/sbin/only; ls usr/sbin
echo "== recreate"; mkdir tree; ls tree; echo again >data/fifo; cat data/fifo
echo "== rename"; mv data/file data/renamed; cat data/renamed
mv newdir newdir2; ls newdir2; mv opaque moved; ls -R moved
echo "== final"; ls / data tree
'
