#!/usr/bin/env bats
# pea events: a health_status event at each run of a container's healthcheck (pea
# healthcheck run, and the monitor's periodic checks), with the container's health after
# it, as podman's (podman events --filter event=health_status; its log's health_status).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup jq
}

# health_events NAME: the health_status events of the container, "STATUS HEALTH NAME".
health_events() {
	pea_out events --stream=false --filter container="$1" --filter event=health_status \
		--format '{{.Status}} {{.HealthStatus}} {{.Name}}'
}

@test "healthcheck run: a health_status event each run, the health after it" {
	run -0 pea_cmd run -d --name h --health-cmd 'test -e /ok' --health-retries 2 \
		--health-interval disable busybox sleep 1000
	run -0 health_events h
	assert_output ""
	run -1 pea_cmd healthcheck run h
	run -1 pea_cmd healthcheck run h
	run -0 pea_cmd exec h touch /ok
	run -0 pea_cmd healthcheck run h
	run -0 health_events h
	assert_output "health_status starting h
health_status unhealthy h
health_status healthy h"
	# podman's words: the health after the container's fields
	run -0 pea_cmd events --stream=false --filter event=health_status --filter container=h
	assert_line --index 2 --regexp \
		"^[-0-9]+ [0-9:.]+ \+0000 UTC container health_status [0-9a-f]{64} \(image=localhost/busybox:latest, name=h, health_status=healthy\)$"
	# and the log's JSON: podman's health_status key
	run -0 pea_cmd events --stream=false --filter event=health_status --filter container=h \
		--format json
	run -0 jq -rs 'map("\(.Status) \(.health_status) \(.Type)") | .[]' <<<"$output"
	assert_output "health_status starting container
health_status unhealthy container
health_status healthy container"
	# other events have no health status
	run -0 pea_cmd events --stream=false --filter event=start --filter container=h \
		--format '{{.Status}}:{{.HealthStatus}}'
	assert_output "start:"
	run -0 pea_cmd rm -f -t0 h
}

@test "the monitor's periodic checks write health_status events too" {
	run -0 pea_cmd run -d --name p --health-cmd true --health-interval 1s busybox sleep 1000
	local n
	for ((n = 0; n < 100; n++)); do
		[[ "$(health_events p | wc -l)" -ge 2 ]] && break
		sleep 0.1
	done
	run -0 health_events p
	assert_line --index 0 "health_status healthy p"
	assert_line --index 1 "health_status healthy p"
	run -0 pea_cmd rm -f -t0 p
}

@test "events --filter event=health_status: only those, for a container with labels too" {
	run -0 pea_cmd run -d --name l --label team=a --health-cmd false --health-retries 1 \
		--health-interval disable busybox sleep 1000
	run -1 pea_cmd healthcheck run l
	run -0 pea_cmd events --stream=false --filter event=health_status
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "\(image=localhost/busybox:latest, name=l, health_status=unhealthy, team=a\)$"
	run -0 pea_cmd rm -f -t0 l
}
