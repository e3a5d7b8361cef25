#!/usr/bin/env bats
# podman-compose (Debian's) with --podman-path pointing at pea: two services on
# the project's network, one reaching the other by service name, a published
# port reachable from the host side, and down leaving nothing running. pea
# runs inside a network namespace made by the test.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend

setup_file() {
	ensure_fixtures
	fe_server_start
}

teardown_file() {
	fe_server_stop
}

setup() {
	require_root
	require_cmd "$PEA"
	require_cmd "$PEA_NETSETUP"
	require_cmd podman-compose
	require_cmd tini
	fe_setup
	fe_net_setup
	fe_load_busybox
	# what podman-compose runs as "podman": pea in the test's namespace and roots
	cat >"$TEST_DIR/pea-in-net" <<-EOF
		#!/bin/bash
		exec nsenter --net="$FE_NETNS" -- "$PEA" --root "$FE_ROOT" --runroot "$FE_RUNROOT" "\$@"
	EOF
	chmod +x "$TEST_DIR/pea-in-net"
	mkdir -p "$TEST_DIR/proj"
	cat >"$TEST_DIR/proj/docker-compose.yml" <<-'EOF'
		version: "3"
		services:
		  web:
		    image: localhost/busybox
		    command: httpd -f -p 80 -h /etc
		    stop_signal: SIGKILL
		    ports:
		      - "8080:80"
		  client:
		    image: localhost/busybox
		    command: sleep 1000
		    stop_signal: SIGKILL
		    depends_on:
		      - web
	EOF
}

teardown() {
	fe_net_teardown
	fe_teardown
}

# compose ARGS...: podman-compose -p demo under the file's subreaper.
compose() {
	local PEA=podman-compose
	local FE_ARGS=(--podman-path "$TEST_DIR/pea-in-net" -p demo -f "$TEST_DIR/proj/docker-compose.yml")
	pea_cmd "$@"
}

@test "podman-compose up -d: two services on the project network, by service name; down" {
	run -0 compose up -d
	run -0 pea_net network ls -q
	assert_line demo_default
	run -0 pea_net_out network inspect demo_default
	assert_equal "$(jq -r '.[0].labels["io.podman.compose.project"]' <<<"$output")" demo
	run -0 pea_net exec demo_client_1 wget -qO- http://web/hostname
	local web
	web=$(pea_net_out inspect --format '{{.Id}}' demo_web_1)
	assert_output "${web:0:12}"
	run -0 pea_net exec demo_client_1 wget -qO- http://demo_web_1/hostname
	assert_output "${web:0:12}"
	run -0 fe_in_net curl -sS -m 5 --retry 5 --retry-connrefused --retry-delay 0 \
		http://127.0.0.1:8080/hostname
	assert_output "${web:0:12}"
	run -0 compose ps
	assert_output --partial demo_web_1
	run -0 compose down
	run -0 pea_net_out ps -a -q
	assert_output ""
	fe_net_clean
	run -0 pea_net network rm demo_default
}
