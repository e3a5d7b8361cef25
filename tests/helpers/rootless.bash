# shellcheck shell=bash
#
# tests/helpers/rootless.bash: an unprivileged user for rootless tests.
#
#   rootless_user_make NAME as root, idempotently: user NAME (useradd -m), its
#                           /etc/subuid and /etc/subgid ranges, and /run/user/UID
#                           (0700, its own); rootless_user_remove NAME undoes it.
#                           tests/helpers/fe-rootless.bash makes a user a file's.
#   rootless_user_setup     rootless_user_make of user "peatest". Exports ROOTLESS_USER,
#                           ROOTLESS_UID, ROOTLESS_GID, ROOTLESS_HOME,
#                           ROOTLESS_RUNTIME_DIR.
#   run_as_user CMD...      run CMD as that user (runuser), with HOME,
#                           XDG_RUNTIME_DIR, USER and LOGNAME set; the rest of the
#                           environment (PEA_*, BUSYBOX_*) and the cwd are kept.
#   rootless_tmpdir [NAME]  print a new directory owned by the user, inside the
#                           test's temp dir (its parents made traversable).
#
# The user is kept after the run. An existing subuid/subgid line is never
# changed: a new range is only added when the user has none.

: "${ROOTLESS_USER:=peatest}"
PEA_ROOTLESS_SUBID_MIN=200000
PEA_ROOTLESS_SUBID_COUNT=65536

# rootless_add_subid FILE USER UID: give USER a range in FILE unless it has
# one (by name or by uid), after every range already there.
rootless_add_subid() {
	local file="$1" user="$2" uid="$3" start
	touch "$file" || return 1
	if grep -q -e "^$user:" -e "^$uid:" "$file"; then
		return 0
	fi
	start="$(awk -F: -v min="$PEA_ROOTLESS_SUBID_MIN" '
		NF >= 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { end = $2 + $3; if (end > max) max = end }
		END { if (max < min) max = min; printf "%d\n", int((max + 65535) / 65536) * 65536 }' "$file")" ||
		return 1
	echo "$user:$start:$PEA_ROOTLESS_SUBID_COUNT" >>"$file"
}

# rootless_user_make NAME: as root, idempotently, under the lock every test user's
# setup and removal takes (parallel files add to /etc/subuid at once): user NAME
# (useradd -m), its /etc/subuid and /etc/subgid ranges (after every range there)
# and /run/user/UID (0700, its own).
rootless_user_make() {
	local user=$1 fd rc=0 group_opt=() uid gid
	if [[ "$(id -u)" -ne 0 ]]; then
		pea_die "needs root to create the user '$user'"
		return 1
	fi
	exec {fd}>/run/lock/pea-test-rootless.lock || return 1
	flock -w 60 "$fd" || rc=1
	if [[ $rc -eq 0 ]] && ! getent passwd "$user" >/dev/null; then
		if getent group "$user" >/dev/null; then
			group_opt=(-g "$user")
		fi
		useradd -m -s /bin/sh "${group_opt[@]}" "$user" || rc=1
	fi
	if [[ $rc -eq 0 ]]; then
		uid=$(id -u "$user") && gid=$(id -g "$user") &&
			rootless_add_subid /etc/subuid "$user" "$uid" &&
			rootless_add_subid /etc/subgid "$user" "$uid" || rc=1
	fi
	exec {fd}>&-
	if [[ $rc -ne 0 ]]; then
		pea_die "cannot set up the user '$user'"
		return 1
	fi
	mkdir -p "/run/user/$uid" && chown "$uid:$gid" "/run/user/$uid" &&
		chmod 0700 "/run/user/$uid"
}

# rootless_user_remove NAME: under the same lock, its ranges, the user and its home.
rootless_user_remove() {
	local user=$1 fd home
	home=$(getent passwd "$user" | cut -d: -f6)
	exec {fd}>/run/lock/pea-test-rootless.lock || return 1
	flock -w 60 "$fd" || true
	sed -i "/^$user:/d" /etc/subuid /etc/subgid
	if getent passwd "$user" >/dev/null; then
		userdel -r "$user" 2>/dev/null || userdel "$user" || true
	fi
	exec {fd}>&-
	[[ -z "$home" || "$home" == / ]] || rm -rf "$home"
}

rootless_user_setup() {
	rootless_user_make "$ROOTLESS_USER" || return 1
	ROOTLESS_UID="$(id -u "$ROOTLESS_USER")"
	ROOTLESS_GID="$(id -g "$ROOTLESS_USER")"
	ROOTLESS_HOME="$(getent passwd "$ROOTLESS_USER" | cut -d: -f6)"
	ROOTLESS_RUNTIME_DIR="/run/user/$ROOTLESS_UID"
	export ROOTLESS_USER ROOTLESS_UID ROOTLESS_GID ROOTLESS_HOME ROOTLESS_RUNTIME_DIR
}

# run_as_user CMD...
run_as_user() {
	if [[ -z "${ROOTLESS_UID:-}" || -z "${ROOTLESS_RUNTIME_DIR:-}" ]]; then
		rootless_user_setup || return 1
	fi
	runuser -u "$ROOTLESS_USER" -- env HOME="$ROOTLESS_HOME" USER="$ROOTLESS_USER" \
		LOGNAME="$ROOTLESS_USER" XDG_RUNTIME_DIR="$ROOTLESS_RUNTIME_DIR" "$@"
}

# rootless_tmpdir [NAME]: bats makes its temp dirs 0700 for root; open the
# path down to the test's dir for traversal (o+x) and make NAME the user's.
rootless_tmpdir() {
	local name="${1:-user}" base="${TEST_DIR:-${BATS_FILE_TMPDIR:-}}" d
	if [[ -z "${ROOTLESS_UID:-}" ]]; then
		rootless_user_setup || return 1
	fi
	if [[ -n "$base" && -n "${BATS_RUN_TMPDIR:-}" && "$base" == "$BATS_RUN_TMPDIR"/* ]]; then
		d="$base"
		while [[ "$d" == "$BATS_RUN_TMPDIR"* ]]; do
			chmod o+x "$d" || return 1
			d="$(dirname "$d")"
		done
		d="$base/$name"
		mkdir "$d" || return 1
	else
		d="$(mktemp -d "${TMPDIR:-/tmp}/pea-rootless.XXXXXX")" || return 1
	fi
	chown "$ROOTLESS_UID:$ROOTLESS_GID" "$d" || return 1
	echo "$d"
}
