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
