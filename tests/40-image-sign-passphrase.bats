#!/usr/bin/env bats
# pea-image signing with a key that has a passphrase, as skopeo's: standalone-sign
# --passphrase-file and copy --sign-passphrase-file (the file's first line, given to
# gpg in loopback pinentry mode); a wrong passphrase, a bad file: one line each.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-image

setup() {
	require_cmd gpg
	require_cmd "$PEA_IMAGE"
	ensure_fixtures
	export GNUPGHOME="$TEST_DIR/gnupg"
	I=("$PEA_IMAGE" --insecure-policy)
	mkdir -m 700 "$GNUPGHOME"
	timeout -k 5 60 gpg --batch --pinentry-mode loopback --passphrase 'pea s3cret' \
		--quick-gen-key "pw <pw@pea.example>" ed25519 sign never 2>/dev/null
	fpr="$(gpg --with-colons --list-keys pw@pea.example | awk -F: '/^fpr/ { print $10; exit }')"
	printf 'pea s3cret\nnot this line\n' >"$TEST_DIR/pass"
	printf 'pea s3cret\r\n' >"$TEST_DIR/pass-crlf"
	printf 'wrong\n' >"$TEST_DIR/wrong"
	: >"$TEST_DIR/empty"
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/img"
	M="$TEST_DIR/img/manifest.json"
}

teardown() {
	if [[ -d "$TEST_DIR/gnupg" ]]; then
		GNUPGHOME="$TEST_DIR/gnupg" timeout -k 5 20 gpgconf --kill all || true
	fi
}

# gpg-agent caches a passphrase once given: each signing below starts without it
forget() {
	timeout -k 5 20 gpgconf --kill gpg-agent
}

@test "standalone-sign --passphrase-file: the first line unlocks the key; skopeo verifies" {
	forget
	run -0 timeout -k 5 60 "$PEA_IMAGE" standalone-sign -o "$TEST_DIR/sig" \
		--passphrase-file "$TEST_DIR/pass" "$M" busybox:latest pw@pea.example
	run -0 skopeo standalone-verify "$M" docker.io/library/busybox:latest "$fpr" "$TEST_DIR/sig"
	# a \r before the \n is not the passphrase's; options after the arguments, as skopeo's
	forget
	run -0 timeout -k 5 60 "$PEA_IMAGE" standalone-sign "$M" busybox:latest "$fpr" \
		-o "$TEST_DIR/sig2" --passphrase-file="$TEST_DIR/pass-crlf"
	run -0 "$PEA_IMAGE" standalone-verify "$M" busybox:latest "$fpr" "$TEST_DIR/sig2"
	# a name without a tag, as skopeo's systemtest signs it; -o not a regular file (its
	# /dev/null): written into, not renamed over
	mkfifo "$TEST_DIR/fifo"
	timeout 60 cat "$TEST_DIR/fifo" >"$TEST_DIR/from-fifo" &
	forget
	run -0 timeout -k 5 60 "$PEA_IMAGE" standalone-sign /dev/null busybox pw@pea.example \
		-o "$TEST_DIR/fifo" --passphrase-file "$TEST_DIR/pass"
	wait
	[ -p "$TEST_DIR/fifo" ]
	run -0 "$PEA_IMAGE" standalone-verify /dev/null docker.io/library/busybox "$fpr" "$TEST_DIR/from-fifo"
	assert_output "Signature verified, digest sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}

@test "standalone-sign: a wrong passphrase, an unreadable or empty file: one line, no signature" {
	forget
	run -1 timeout -k 5 60 "$PEA_IMAGE" standalone-sign -o "$TEST_DIR/sig" \
		--passphrase-file "$TEST_DIR/wrong" "$M" busybox:latest pw@pea.example
	assert_output "pea-image: standalone-sign: signing with 'pw@pea.example': Bad passphrase"
	[ ! -e "$TEST_DIR/sig" ]
	run -1 "$PEA_IMAGE" standalone-sign -o "$TEST_DIR/sig" \
		--passphrase-file "$TEST_DIR/nonexistent" "$M" busybox:latest pw@pea.example
	assert_output --partial "--passphrase-file: passphrase file: open '$TEST_DIR/nonexistent': No such file"
	assert_equal "${#lines[@]}" 1
	run -1 "$PEA_IMAGE" standalone-sign -o "$TEST_DIR/sig" \
		--passphrase-file "$TEST_DIR/empty" "$M" busybox:latest pw@pea.example
	assert_output "pea-image: standalone-sign: --passphrase-file: passphrase file '$TEST_DIR/empty': empty file"
	run -1 "$PEA_IMAGE" standalone-sign -o "$TEST_DIR/sig" \
		--passphrase-file "$TEST_DIR" "$M" busybox:latest pw@pea.example
	assert_output --partial "Is a directory"
	assert_equal "${#lines[@]}" 1
	[ ! -e "$TEST_DIR/sig" ]
}

@test "copy --sign-passphrase-file: signed into dir:, checked by skopeo; a wrong one fails" {
	forget
	run -0 timeout -k 5 60 "${I[@]}" copy -q --sign-by "$fpr" --sign-identity busybox:latest \
		--sign-passphrase-file="$TEST_DIR/pass" "dir:$TEST_DIR/img" "dir:$TEST_DIR/signed"
	run -0 skopeo standalone-verify "$TEST_DIR/signed/manifest.json" docker.io/library/busybox:latest \
		"$fpr" "$TEST_DIR/signed/signature-1"
	forget
	run -1 timeout -k 5 60 "${I[@]}" copy -q --sign-by "$fpr" --sign-identity busybox:latest \
		--sign-passphrase-file "$TEST_DIR/wrong" "dir:$TEST_DIR/img" "dir:$TEST_DIR/signed2"
	assert_output "pea-image: --sign-by: signing with '$fpr': Bad passphrase"
	[ ! -e "$TEST_DIR/signed2/signature-1" ]
	# checked before anything is copied
	run -1 "${I[@]}" copy -q --sign-by "$fpr" --sign-identity busybox:latest \
		--sign-passphrase-file "$TEST_DIR/nonexistent" "dir:$TEST_DIR/img" "dir:$TEST_DIR/signed3"
	assert_output --partial "--sign-passphrase-file: passphrase file: open '$TEST_DIR/nonexistent'"
	assert_equal "${#lines[@]}" 1
	[ ! -e "$TEST_DIR/signed3" ]
	run -2 "${I[@]}" copy -q --sign-passphrase-file "$TEST_DIR/pass" "dir:$TEST_DIR/img" \
		"dir:$TEST_DIR/signed3"
	assert_output --partial "copy: --sign-passphrase-file needs --sign-by"
	[ ! -e "$TEST_DIR/signed3" ]
}

@test "copy: the source's signatures go along (dir: to dir:), not with --remove-signatures" {
	forget
	run -0 timeout -k 5 60 "${I[@]}" copy -q --sign-by "$fpr" --sign-identity busybox:latest \
		--sign-passphrase-file "$TEST_DIR/pass" "dir:$TEST_DIR/img" "dir:$TEST_DIR/signed"
	run -0 "${I[@]}" copy -q "dir:$TEST_DIR/signed" "dir:$TEST_DIR/again"
	cmp "$TEST_DIR/signed/signature-1" "$TEST_DIR/again/signature-1"
	run -0 skopeo standalone-verify "$TEST_DIR/again/manifest.json" docker.io/library/busybox:latest \
		"$fpr" "$TEST_DIR/again/signature-1"
	run -0 "${I[@]}" copy -q --remove-signatures "dir:$TEST_DIR/signed" "dir:$TEST_DIR/unsigned"
	[ -e "$TEST_DIR/unsigned/manifest.json" ]
	[ ! -e "$TEST_DIR/unsigned/signature-1" ]
	# another manifest written (OCI instead of Docker schema 2): the signatures would not sign it
	run -0 "${I[@]}" copy -q --format v2s2 "dir:$TEST_DIR/signed" "dir:$TEST_DIR/v2s2"
	assert_output --partial "1 signature(s) not copied: the manifest written is another"
	[ ! -e "$TEST_DIR/v2s2/signature-1" ]
	run -2 "${I[@]}" copy -q --remove-signatures=maybe "dir:$TEST_DIR/signed" "dir:$TEST_DIR/x"
	[ ! -e "$TEST_DIR/x" ]
}
