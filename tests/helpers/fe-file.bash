# shellcheck shell=bash
#
# tests/helpers/fe-file.bash: the setup most tests/7x-frontend-*.bats share, loaded after
# helpers-frontend. Loading it defines setup_file, teardown_file, setup and teardown:
#
#   per file  the fixtures, and one subreaper server for pea's monitors (fe_server_start)
#   per test  root, pea and tini there, fresh roots (fe_setup), the busybox image loaded;
#             at its end every container removed and the roots gone (fe_teardown)
#
# A file that needs more defines its own after the load and calls these, e.g.
#   setup() { fe_file_setup jq socat; MINE=...; }

fe_file_setup_file() {
	ensure_fixtures
	fe_server_start
}

fe_file_teardown_file() {
	fe_server_stop
}

# fe_file_setup [COMMAND...]: also each COMMAND required (skipped without).
fe_file_setup() {
	local c
	require_root
	require_cmd "$PEA"
	require_cmd tini
	for c in "$@"; do
		require_cmd "$c"
	done
	fe_setup
	fe_load_busybox
}

fe_file_teardown() {
	fe_teardown
}

setup_file() {
	fe_file_setup_file
}

teardown_file() {
	fe_file_teardown_file
}

setup() {
	fe_file_setup
}

teardown() {
	fe_file_teardown
}

# fe_storage_logged [SNIPPET]: $PEA becomes a copy in TEST_DIR/bin beside links to the
# build's other binaries, and its pea-storage a wrapper that appends its arguments to
# TEST_DIR/storage.log, runs SNIPPET (bash lines, written as they are: "$*" there is the
# call's arguments), then the real pea-storage. fe_storage_logged_end puts $PEA back.
fe_storage_logged() {
	local b
	mkdir "$TEST_DIR/bin"
	cp "$PEA" "$TEST_DIR/bin/pea"
	for b in "$PEA_BUILD"/bin/*; do
		[[ $(basename "$b") == pea || $(basename "$b") == pea-storage ]] && continue
		ln -s "$b" "$TEST_DIR/bin/"
	done
	{
		echo '#!/bin/bash'
		echo "printf '%s\n' \"\$*\" >>\"$TEST_DIR/storage.log\""
		[[ -z "${1:-}" ]] || printf '%s\n' "$1"
		echo "exec \"$PEA_BUILD/bin/pea-storage\" \"\$@\""
	} >"$TEST_DIR/bin/pea-storage"
	chmod +x "$TEST_DIR/bin/pea-storage"
	PEA_REAL=$PEA
	PEA=$TEST_DIR/bin/pea
}

fe_storage_logged_end() {
	PEA=${PEA_REAL:-$PEA}
}
