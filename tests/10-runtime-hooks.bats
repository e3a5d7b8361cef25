#!/usr/bin/env bats
# pea-runtime: hooks (prestart, createRuntime, createContainer,
# startContainer, poststart, poststop), the state on their stdin, timeouts.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	rt_setup
}

teardown() {
	rt_teardown
}

# hook KIND: a hook appending "KIND <status> <id> <uts ns> <env>" to $TEST_DIR/order.
hook() {
	jq -n --arg kind "$1" --arg log "$TEST_DIR/order" '{
		path: "/bin/sh",
		args: ["sh", "-c", "s=$(cat); echo \"$0 $(echo \"$s\" | jq -r \"[.status, .id, (.pid > 0), .bundle] | join(\\\" \\\")\") $(readlink /proc/self/ns/uts) $HOOKVAR\" >> \($log)", $kind],
		env: ["PATH=/usr/bin:/bin", "HOOKVAR=\($kind)-env"]
	}'
}

@test "all six hooks run in order, with the state on stdin and their env" {
	make_bundle "$RT_B" sh -c 'echo main; cat /hooklog'
	# startContainer runs inside the container: it writes to its rootfs
	bundle_set "$RT_B" '.root.readonly = false | .hooks = {
		prestart: [$pre], createRuntime: [$cr], createContainer: [$cc],
		startContainer: [{path: "/bin/sh", args: ["sh", "-c", "{ cat; echo; echo startContainer $HOOKVAR; } > /hooklog", "x"],
			env: ["HOOKVAR=sc-env"]}],
		poststart: [$ps], poststop: [$pst]}' \
		--argjson pre "$(hook prestart)" --argjson cr "$(hook createRuntime)" \
		--argjson cc "$(hook createContainer)" --argjson ps "$(hook poststart)" \
		--argjson pst "$(hook poststop)"
	run -0 rt_reaped create -b "$RT_B" hk
	run -0 rt start hk
	rt_wait_status hk stopped
	run -0 rt delete hk
	host_uts="$(readlink /proc/self/ns/uts)"
	run -0 cut -d' ' -f1 "$TEST_DIR/order"
	assert_output $'prestart\ncreateRuntime\ncreateContainer\npoststart\npoststop'
	# (crun 1.8.1 says "created" while creating, and pid 0 to createContainer)
	rt_is_pea || return 0
	run -0 cut -d' ' -f1,2,3,4,5 "$TEST_DIR/order"
	assert_output "$(printf '%s\n' \
		"prestart creating hk true $RT_B" \
		"createRuntime creating hk true $RT_B" \
		"createContainer creating hk true $RT_B" \
		"poststart running hk true $RT_B" \
		"poststop stopped hk false $RT_B")"
	# prestart and createRuntime in the runtime's namespaces, createContainer in the container's
	run -0 awk '{print $1, ($6 == h ? "host" : "container"), $7}' h="$host_uts" "$TEST_DIR/order"
	assert_output "$(printf '%s\n' "prestart host prestart-env" "createRuntime host createRuntime-env" \
		"createContainer container createContainer-env" "poststart host poststart-env" \
		"poststop host poststop-env")"
	run -0 cat "$RT_B/rootfs/hooklog"
	assert_line --index 1 "startContainer sc-env"
	run -0 jq -e '.id == "hk" and .pid > 0 and .status == "created"' <<<"${lines[0]}"
}

@test "hooks with run in the foreground" {
	make_bundle "$RT_B" echo main
	bundle_set "$RT_B" '.hooks = {createRuntime: [$cr], poststart: [$ps], poststop: [$pst]}' \
		--argjson cr "$(hook createRuntime)" --argjson ps "$(hook poststart)" --argjson pst "$(hook poststop)"
	run -0 rt run -b "$RT_B" hr
	assert_output main
	run -0 cut -d' ' -f1,2 "$TEST_DIR/order"
	# poststart may run after the container has already exited
	assert_line --index 0 --regexp '^createRuntime creat(ing|ed)$'
	assert_line --index 1 --regexp '^poststart (running|stopped)$'
	assert_line --index 2 'poststop stopped'
}

@test "createContainer hooks work in the container's rootfs, as runc's" {
	make_bundle "$RT_B" cat /from-hook
	bundle_set "$RT_B" '.root.readonly = false
		| .hooks.createContainer = [{path: "/bin/sh", args: ["sh", "-c", "pwd > \($log); echo made-here > ./from-hook"]}]' \
		--arg log "$TEST_DIR/hook-cwd"
	run -0 rt run -b "$RT_B" hcwd
	assert_output made-here
	run -0 cat "$TEST_DIR/hook-cwd"
	assert_output "$(realpath "$RT_B/rootfs")"
}

@test "a failing prestart hook fails create and leaves nothing" {
	make_bundle "$RT_B" sleep 100
	bundle_set "$RT_B" '.hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", "exit 3"]}]'
	run ! rt_reaped create -b "$RT_B" hf
	rt_is_pea && assert_output --regexp 'prestart.*/bin/sh.*3'
	rt_no_leftovers hf
	! pgrep -f 'sleep 100' >/dev/null || ! pgrep -f "$RT_B" >/dev/null
}

@test "a failing createContainer hook fails create and leaves nothing" {
	make_bundle "$RT_B" sleep 100
	bundle_set "$RT_B" '.hooks.createContainer = [{path: "/no/such/hook"}]'
	run ! rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/hc.pid" hc
	rt_is_pea && assert_output --partial /no/such/hook
	rt_no_leftovers hc
	# pea-runtime writes the pid file while the init works: a failure removes it
	if rt_is_pea; then
		[[ ! -e "$TEST_DIR/hc.pid" ]]
	fi
}

@test "startContainer hooks run under the container's seccomp filter (as runc and crun)" {
	make_bundle "$RT_B" echo started
	bundle_set "$RT_B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL"}]}
		| .hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "mkdir /tmp/hook-dir"]}]'
	run -127 rt run -b "$RT_B" hs
	assert_output --partial "hooks.startContainer[0] '/bin/sh': error running hook: killed by signal 31 (SIGSYS): bad system call"
	refute_output --partial started
	[[ ! -e "$RT_B/rootfs/tmp/hook-dir" ]]
}

@test "a hook that outlives its timeout is killed and fails create" {
	make_bundle "$RT_B" true
	# a duration nothing else on the machine sleeps for, to find it by
	local t="30.$$"
	bundle_set "$RT_B" ".hooks.createRuntime = [{path: \"/bin/sleep\", args: [\"sleep\", \"$t\"], timeout: 1}]"
	SECONDS=0
	run ! rt_reaped create -b "$RT_B" ht
	((SECONDS < 10))
	rt_is_pea && assert_output --partial 'timed out'
	rt_no_leftovers ht
	! pgrep -x -f "sleep $t" >/dev/null
}

@test "failing poststart and poststop hooks are warnings" {
	make_bundle "$RT_B" sleep 100
	bundle_set "$RT_B" '.hooks = {poststart: [{path: "/bin/false"}], poststop: [{path: "/bin/false"}]}'
	run -0 rt_reaped create -b "$RT_B" hw
	run -0 rt start hw
	rt_is_pea && assert_output --partial warning
	run -0 rt_state hw status
	assert_output running
	run -0 rt delete --force hw
	rt_no_leftovers hw
}

@test "annotations are in the state and in the hooks' state" {
	make_bundle "$RT_B" sleep 100
	bundle_set "$RT_B" '.annotations = {"org.example.key": "value", "other": "x y"}
		| .hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", "cat > \($f)"]}]' --arg f "$TEST_DIR/prestart.json"
	run -0 rt_reaped create -b "$RT_B" an
	run -0 rt state an
	run -0 jq -e '.annotations == {"org.example.key": "value", "other": "x y"}' <<<"$output"
	run -0 jq -e '.annotations["org.example.key"] == "value"' "$TEST_DIR/prestart.json"
	run -0 rt delete an
}
