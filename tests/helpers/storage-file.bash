# shellcheck shell=bash
#
# tests/helpers/storage-file.bash: the setup most tests/30-storage-*.bats share, loaded
# after helpers-storage. Loading it defines setup and teardown:
#
#   per test  root and pea-storage there, a fresh overlay store in the test's dir
#             (storage_setup); at its end what a failed test left mounted taken down
#
# A file that needs more defines its own after the load and calls these, e.g.
#   setup() { storage_file_setup strace; MINE=...; }

# storage_file_setup [COMMAND...]: also each COMMAND required (skipped without).
storage_file_setup() {
	local c
	require_root
	require_cmd "$PEA_STORAGE"
	for c in "$@"; do
		require_cmd "$c"
	done
	storage_setup overlay
}

storage_file_teardown() {
	storage_teardown
}

setup() {
	storage_file_setup
}

teardown() {
	storage_file_teardown
}
