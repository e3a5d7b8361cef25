#!/usr/bin/env bats
# pea-storage: layers applied at the same time, a child before its parent is committed.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers/storage-file

@test "parallel: a child ends while its parent reads; same store as one after the other" {
	st_parallel_parent_first
}
@test "parallel: a child that starts before its parent; same store" { st_parallel_child_first; }
@test "parallel: a parent that fails leaves its waiting child refused" { st_parallel_parent_fails; }
@test "parallel: a parent that never arrives: refused, or cleaned by check --repair" {
	st_parallel_parent_never_arrives
}
@test "parallel: a plain tar is hashed once, its digest is its diff id" { st_plain_digest; }
@test "parallel: vfs: a child waits for its parent's copy" {
	storage_setup vfs
	st_parallel_parent_first
}
@test "parallel: --wait-parent waits for a parent not started yet; killed, it is cleaned" {
	st_parallel_wait_start
}
@test "parallel: a parent killed mid-apply: its waiting child fails at once" {
	st_parallel_parent_killed
}
@test "parallel: vfs: a parent killed mid-apply: its child waiting to copy it fails at once" {
	storage_setup vfs
	st_parallel_parent_killed --wait-parent
}
@test "parallel: vfs: a parent that fails leaves its waiting child refused" {
	storage_setup vfs
	st_parallel_parent_fails
}
@test "parallel: a parent that starts after its child and fails: the child fails at once" {
	st_parallel_late_failure
}
@test "parallel: --wait-timeout bounds every wait for the parent" { st_parallel_wait_timeout; }
