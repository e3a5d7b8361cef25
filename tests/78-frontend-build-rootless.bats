#!/usr/bin/env bats
# pea build as an ordinary user (rootless): RUN in the user's namespace, COPY
# with --chown into the mapped range, the cache, and a failing RUN.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-rootless

FE_RL_NAME=pearl78

setup() {
	fe_rl_test_setup
	CTX="$FE_RL_HOME/ctx-$BATS_TEST_NUMBER"
	rm -rf "$CTX"
	mkdir -p "$CTX"
}

teardown() {
	fe_rl_test_teardown
	rm -rf "${CTX:-/nonexistent}"
}

@test "rootless build: RUN, COPY --chown, the cache" {
	echo data >"$CTX/f"
	cat >"$CTX/Containerfile" <<'EOF2'
FROM busybox
RUN echo "uid=$(id -u)" > /who && echo app:x:1234:1234::/home/app:/bin/sh >> /etc/passwd
COPY --chown=app f /home/app/f
USER app
CMD ["sh", "-c", "id -u; cat /who; stat -c %u /home/app/f; cat /home/app/f"]
EOF2
	chown -R "$FE_RL_UID:$FE_RL_GID" "$CTX"
	run -0 pea_rl build -t rl1 "$CTX"
	assert_line "COMMIT rl1"
	run -0 pea_rl run --rm rl1
	assert_output $'1234\nuid=0\n1234\ndata'
	# the files are owned in the user's range on the host
	run -0 pea_rl build -t rl1 "$CTX"
	assert_output --partial "--> Using cache"
	run -0 pea_rl ps -a -q
	assert_output ""
}

@test "rootless build: a failing RUN leaves no container and no name" {
	printf 'FROM busybox\nRUN exit 7\n' >"$CTX/Containerfile"
	chown -R "$FE_RL_UID:$FE_RL_GID" "$CTX"
	run -7 pea_rl build -t rl2 "$CTX"
	assert_line 'Error: building at STEP "RUN exit 7": while running runtime: exit status 7'
	run -0 pea_rl ps -a -q
	assert_output ""
	run -1 pea_rl image exists rl2
}
