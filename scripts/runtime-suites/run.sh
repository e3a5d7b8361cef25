#!/bin/bash
# run.sh crun|runc [FILE...]: an anchor runtime's own suite, run unchanged,
# against pea-runtime (PEA_BUILD_DIR=build folder) or any runtime (RUNTIME=path,
# e.g. RUNTIME=/usr/bin/crun or /usr/sbin/runc for the baseline):
#   crun: crun 1.8.1's tests/test_*.py (OCI_RUNTIME, INIT=tests/init)
#   runc: runc 1.1.5's tests/integration/*.bats (RUNC), under script(1) for
#         the tty its run tests use, recvtty and seccompagent built from the
#         source (Debian's golang-go and -dev packages), a busybox rootfs from
#         Debian's busybox-static as testdata/busybox-amd64.tar.xz, and with
#         /lib and Debian's static ldconfig as the Debian image (hooks.bats)
# Each file in fresh private pid/net/mount namespaces under tini (lo up,
# pids from 30000: crun's exec_write_pid_file wants 5 digits); results in
# RESULTS (FILE.log or FILE.tap, summary.txt). First run fetches the source
# with a private apt config (deb-src line) into /tmp/runtime-suites.
set -u
suite=${1:?usage: run.sh crun|runc [FILE...]}
shift
H=/tmp/runtime-suites
need=()
for t in bats jq gawk script tini python3 gcc go busybox; do
	command -v "$t" >/dev/null || need+=("$t")
done
[[ ${#need[@]} -eq 0 ]] || {
	echo "run.sh: missing ${need[*]} (apt-get install bats jq gawk tini busybox-static golang-go" \
		"golang-github-containerd-console-dev golang-github-urfave-cli-dev" \
		"golang-github-opencontainers-runtime-spec-dev golang-golang-x-sys-dev" \
		"golang-github-cyphar-filepath-securejoin-dev golang-github-sirupsen-logrus-dev" \
		"golang-github-seccomp-libseccomp-golang-dev libseccomp-dev)" >&2
	exit 1
}
fetch() { # fetch PACKAGE: its source unpacked in $H/PACKAGE/src (apt's own lists untouched)
	[[ -d $H/$1/src ]] && return 0
	mkdir -p "$H"/apt/{lists/partial,archives/partial,cache} "$H/$1"
	echo 'deb-src http://deb.debian.org/debian bookworm main' >"$H/apt/sources.list"
	local o=(-o "Dir::Etc::SourceList=$H/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$H/apt/lists" -o "Dir::Cache::Archives=$H/apt/archives"
		-o "Dir::Cache=$H/apt/cache" -o Acquire::Languages=none)
	(apt-get "${o[@]}" update -qq && cd "$H/$1" && apt-get "${o[@]}" source -qq --download-only "$1" &&
		dpkg-source -x "$1"_*.dsc src) >/dev/null || exit 1
}
fetch "$suite"
S=$H/$suite/src
case $suite in
crun)
	[[ -x $S/tests/init ]] || { : >"$S/config.h" && gcc -static -I"$S" -o "$S/tests/init" "$S/tests/init.c"; } || exit 1
	[[ $# -gt 0 ]] || set -- $(cd "$S/tests" && ls test_*.py)
	;;
runc)
	T=$S/tests/integration/testdata
	if [[ ! -x $S/contrib/cmd/recvtty/recvtty ]]; then
		G=$H/runc/gopath
		mkdir -p "$G/src/github.com/opencontainers" && ln -sfn "$S" "$G/src/github.com/opencontainers/runc"
		(cd "$G/src/github.com/opencontainers/runc" &&
			export GOPATH=$G:/usr/share/gocode GO111MODULE=off GOCACHE=$H/runc/gocache GOFLAGS= &&
			go build -o contrib/cmd/recvtty/recvtty ./contrib/cmd/recvtty &&
			go build -tags seccomp -o contrib/cmd/seccompagent/seccompagent ./contrib/cmd/seccompagent) || exit 1
	fi
	if [[ ! -e $T/busybox-amd64.tar.xz ]]; then
		R=$H/runc/bb
		rm -rf "$R" && mkdir -p "$R"/{bin,etc,dev,tmp,root,home,var/spool/mail,usr/bin,usr/sbin,sbin}
		chmod 1777 "$R/tmp" && chmod 700 "$R/root" && cp "$(command -v busybox)" "$R/bin/busybox"
		for a in $("$R/bin/busybox" --list-full); do [[ -e $R/$a ]] || ln "$R/bin/busybox" "$R/$a"; done
		printf '%s\n' root:x:0:0:root:/root:/bin/sh daemon:x:1:1:daemon:/usr/sbin:/bin/false \
			bin:x:2:2:bin:/bin:/bin/false nobody:x:65534:65534:nobody:/home:/bin/false >"$R/etc/passwd"
		printf '%s\n' root:x:0: daemon:x:1: bin:x:2: tty:x:5: wheel:x:10:root users:x:100: \
			nogroup:x:65534: >"$R/etc/group"
		tar -C "$R" -cJf "$T/busybox-amd64.tar.xz" . || exit 1
		# the Debian one: /lib and Debian's static ldconfig (hooks.bats)
		mkdir -p "$R/lib" "$R/etc/ld.so.conf.d" && rm -f "$R/sbin/ldconfig" && cp /sbin/ldconfig "$R/sbin/ldconfig" &&
			echo 'include /etc/ld.so.conf.d/*.conf' >"$R/etc/ld.so.conf" &&
			tar -C "$R" -cJf "$T/debian-amd64.tar.xz" . || exit 1
	fi
	[[ $# -gt 0 ]] || set -- $(cd "$S/tests/integration" && ls *.bats)
	;;
*) echo "run.sh: no suite '$suite' (crun or runc)" >&2; exit 1 ;;
esac
RUNTIME=$(readlink -f "${RUNTIME:-${PEA_BUILD_DIR:?set RUNTIME or PEA_BUILD_DIR}/bin/pea-runtime}")
RESULTS=${RESULTS:-$H/results/$suite-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS"
echo "runtime: $RUNTIME  load: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/summary.txt"
tp=0 tf=0 ts=0
before=$(echo /sys/fs/cgroup/*/test-tmp*)
for f in "$@"; do
	n=${f%.*}
	if [[ $suite == crun ]]; then
		# test_delete freezes the init in freezer/frozen: a failed delete leaves it
		# there, and the namespace cannot end before it is thawed
		out=$RESULTS/$n.log cmd="cd $S && OCI_RUNTIME=$RUNTIME INIT=tests/init python3 tests/$f
			fz=/sys/fs/cgroup/freezer/frozen; [ -d \$fz ] && echo THAWED >\$fz/freezer.state; true"
	else
		out=$RESULTS/$n.tap cmd="cd $S/tests/integration && RUNC=$RUNTIME script -qefc 'bats --tap $f' /dev/null </dev/null | tr -d '\\r'"
	fi
	timeout -k 20 "${FILE_TIMEOUT:-600}" unshare --pid --net --mount --fork --kill-child --mount-proc \
		tini -s -- bash -c "ip link set lo up; echo 30000 >/proc/sys/kernel/ns_last_pid; $cmd" >"$out" 2>&1
	# then its freezer/frozen and test-tmp* cgroups are removed once empty
	if [[ $suite == crun ]]; then
		fz=/sys/fs/cgroup/freezer/frozen
		[[ -d $fz ]] && sleep 1 && rmdir "$fz"
		for d in /sys/fs/cgroup/*/test-tmp*; do
			[[ " $before " == *" $d "* ]] || find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	fi
	# runc's remove_parent leaves its parent in a hybrid host's controller-less
	# unified hierarchy (it removes it from the controllers' and name=systemd)
	u=/sys/fs/cgroup/unified/runc-cgroups-integration-test
	[[ $suite == runc && -d $u ]] && find "$u" -depth -type d -exec rmdir {} + 2>/dev/null
	skip=$(grep -ci '^ok .*# *skip' "$out")
	pass=$(($(grep -c '^ok ' "$out") - skip)) fail=$(grep -c '^not ok ' "$out")
	tp=$((tp + pass)) tf=$((tf + fail)) ts=$((ts + skip))
	printf '%-28s pass %3d skip %3d fail %3d\n' "$n" "$pass" "$skip" "$fail" | tee -a "$RESULTS/summary.txt"
done
echo "TOTAL pass $tp skip $ts fail $tf  load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS/summary.txt"
