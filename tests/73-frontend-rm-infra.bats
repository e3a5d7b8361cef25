#!/usr/bin/env bats
# A pod's infra container whose record (pea.json) cannot be read: pea rm of it
# is refused with podman's words while its pod is there, as for one whose
# record reads (podman's 200-pod "rm --force to remove infra container"); pea
# pod rm takes it with the pod, and rm -af, which removes the pods first,
# leaves nothing; pod rm without --force stops such an infra as it stops one
# whose record reads. Listing commands warn about the record once each.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

# unreadable_infra: pod p1 with a member m1; its infra's record made unreadable; its id in INFRA.
unreadable_infra() {
	run -0 pea_cmd pod create --name p1
	run -0 pea_cmd create --pod p1 --name m1 busybox true
	INFRA=$(pea_out pod inspect --format '{{.InfraContainerID}}' p1)
	[[ -n $INFRA && -f $FE_ROOT/containers/$INFRA/pea.json ]] || fail "no infra: '$INFRA'"
	echo garbage >"$FE_ROOT/containers/$INFRA/pea.json"
}

@test "rm and rm -f of an infra whose record cannot be read: refused while its pod is there, nothing removed" {
	unreadable_infra
	local f
	for f in "" -f; do
		# shellcheck disable=SC2086 # no flag or one
		run -125 --separate-stderr pea_cmd rm $f "$INFRA"
		assert_equal "$stderr" "Error: container $INFRA is the infra container of pod $(pea_out pod inspect --format '{{.Id}}' p1) and cannot be removed without removing the pod"
		[[ -d $FE_ROOT/containers/$INFRA ]]
	done
	assert_equal "$(pea_out pod inspect --format '{{.InfraContainerID}}' p1)" "$INFRA"
}

@test "pod rm of a pod whose infra's record cannot be read takes the infra too; rm -af leaves nothing" {
	unreadable_infra
	run -0 pea_cmd pod rm -f p1
	[[ ! -e $FE_ROOT/containers/$INFRA ]] || fail "the infra's folder is left: $(ls "$FE_ROOT/containers")"
	run -0 pea_cmd ps -aq
	assert_output ""
	unreadable_infra
	run -0 pea_cmd rm -af
	run -0 pea_cmd pod ls -q
	assert_output ""
	run -0 pea_cmd ps -aq
	assert_output ""
	[[ -z "$(ls "$FE_ROOT/containers")" ]] || fail "left: $(ls "$FE_ROOT/containers")"
}

@test "pod ps, pod inspect and ps -a of a pod whose infra's record cannot be read: its warning once a command" {
	unreadable_infra
	local c
	for c in "pod ps" "pod inspect p1" "ps -a"; do
		# shellcheck disable=SC2086 # the command's words
		run -0 --separate-stderr pea_cmd $c
		assert_equal "$stderr" "pea: warning: $FE_ROOT/containers/$INFRA/pea.json: invalid JSON at offset 0: unexpected character, ignoring"
	done
}

@test "pod rm without --force of a pod whose running infra's record cannot be read: the infra is stopped and removed with it, as one whose record reads" {
	run -0 pea_cmd pod create --name p2 --network none
	run -0 pea_cmd run -d --pod p2 --name m2 busybox sleep 1000
	run -0 pea_cmd stop -t 0 m2
	INFRA=$(pea_out pod inspect --format '{{.InfraContainerID}}' p2)
	local pid
	pid=$(pea_out inspect --format '{{.State.Pid}}' "$INFRA")
	[[ $pid -gt 0 ]] && kill -0 "$pid" || fail "infra not running: '$pid'"
	echo garbage >"$FE_ROOT/containers/$INFRA/pea.json"
	run -0 pea_cmd pod rm p2
	run -0 pea_cmd pod ls -q
	assert_output ""
	[[ ! -e $FE_ROOT/containers/$INFRA ]] || fail "the infra's folder is left"
	local i
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$pid" 2>/dev/null || fail "the infra's process $pid still runs"
}
