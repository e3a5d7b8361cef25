#!/usr/bin/env bats
# pea: podman's help layout and argument checks for every command (podman's
# test/system/015-help.bats walks `podman help` the same way): each command
# listed under "Available Commands:" has a "Usage:" line naming it, "[options]"
# exactly when it has "Options:", and rejects missing and extra operands with
# status 125 and cobra's (or podman's) words.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

# help_commands [GROUP...]: the names under "Available Commands:" of pea help GROUP...
help_commands() {
	"$PEA" "${FE_ARGS[@]}" help "$@" 2>/dev/null |
		awk '/^Available Commands:/{ok=1;next}/^Options:/{ok=0}ok { print $1 }' | grep .
}

# expect STATUS REGEX WHAT ARGS...: pea ARGS exits STATUS with output matching REGEX,
# else WHAT is added to FAILED.
expect() {
	local want="$1" re="$2" what="$3" out st
	shift 3
	out=$(timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" "$@" </dev/null 2>&1) && st=0 || st=$?
	if [[ $st -ne $want ]] || ! grep -qzE -- "$re" <<<"$out"; then
		FAILED+=("pea $* ($what): status $st: $(head -c 300 <<<"$out")")
	fi
}

# check_help [GROUP...]: 015-help's checks for each command of GROUP, recursively.
check_help() {
	local cmd help usage path n_args
	for cmd in $(help_commands "$@"); do
		path="pea${*:+ $*} $cmd"
		COUNT=$((COUNT + 1))
		if ! help=$("$PEA" "${FE_ARGS[@]}" "$@" "$cmd" --help 2>&1); then
			FAILED+=("$path --help: not 0")
			continue
		fi
		usage=$(grep -A1 '^Usage:' <<<"$help" | tail -1)
		if [[ "$usage " != "  $path "* ]]; then
			FAILED+=("$path: usage '$usage'")
			continue
		fi
		usage=${usage#"  $path"}
		usage=${usage# }
		if [[ $usage == "[command]"* ]]; then
			[[ $cmd == help ]] || check_help "$@" "$cmd"
			continue
		fi
		[[ $usage != *"[OPTION"* ]] || FAILED+=("$path: upper-case [OPTIONS]")
		[[ ! $usage =~ [A-Z].*\[option ]] || FAILED+=("$path: [options] after arguments")
		if [[ $usage == "[options]"* ]]; then
			usage=${usage#"[options]"}
			usage=${usage# }
			[[ $help == *Options:* ]] || FAILED+=("$path: [options] without Options:")
		elif [[ $help == *Options:* ]]; then
			FAILED+=("$path: Options: without [options]")
		fi
		[[ ! $usage =~ [a-z] ]] || FAILED+=("$path: lower-case argument names '$usage'")
		[[ ! $usage =~ \[.*\]\ [A-Z] ]] || FAILED+=("$path: optional before required '$usage'")
		[[ $cmd != help ]] || continue
		if [[ ! $usage =~ [A-Z] ]]; then
			expect 125 "Error: .* takes no arguments" "no arguments" "$@" "$cmd" invalid-arg
		fi
		if [[ $help == *"-l, --latest"* ]] && ! grep -qw -- "$cmd" <<<"exec list port ps top"; then
			expect 125 "Error: .*--latest and (containers|pods|arguments) cannot be used together" \
				"-l with a name" "$@" "$cmd" -l nonexistent-container
			expect 125 "Error: (--all and --latest cannot be used together|--all, --latest and (containers|arguments) cannot be used together|unknown flag)" \
				"--all --latest" "$@" "$cmd" --all --latest
		fi
		if [[ $usage =~ ^[A-Z] ]]; then
			expect 125 "Error:.* (require|specif|must|provide|need|choose|accepts)" \
				"required operands missing" "$@" "$cmd"
		fi
		if [[ $usage != *...* ]]; then
			n_args=$(wc -w <<<"$usage")
			expect 125 "Error:.* (takes no arguments|requires exactly $n_args arg|accepts at most|too many arguments|accepts $n_args arg\(s\), received|accepts between .* and .* arg\(s\), received )" \
				"at most $n_args operands" "$@" "$cmd" $(seq --format='x%g' 0 "$n_args")
		fi
	done
	expect 125 "Usage:.*Error: missing command 'pea${*:+ $*} COMMAND'" "no sub-command" "$@"
	expect 125 "Error: unrecognized command .*${*:+$* }NoSuchCommand" "unknown sub-command" \
		"$@" NoSuchCommand
}

@test "every command of pea help: podman's usage layout and operand checks (015-help)" {
	FAILED=()
	COUNT=0
	# without bats' DEBUG trap (it runs before each of the walk's ~20000
	# commands; the failures are named in FAILED, not by a line of this file)
	local trap_was
	trap_was=$(trap -p DEBUG)
	trap - DEBUG
	check_help
	eval "$trap_was"
	printf '%s\n' "${FAILED[@]}"
	[[ $COUNT -ge 150 ]] || FAILED+=("only $COUNT commands walked")
	assert_equal "${#FAILED[@]}" 0
}

@test "help, --help and -h: podman's first line; help of a group lists its commands" {
	local opt
	for opt in help --help -h; do
		run -0 "$PEA" "$opt"
		assert_line --index 0 "Manage pods, containers and images"
		assert_line "Usage:"
		assert_line "  pea [options] [command]"
		assert_line "Available Commands:"
	done
	run -0 "$PEA" help container
	assert_line "  pea container [command]"
	assert_line --regexp "^  stop +stop containers$"
	run -0 "$PEA" help help
	assert_line "  pea help [command]"
}

@test "a command's help: short line, Description:, Usage: with the path as run, Options:" {
	run -0 "$PEA" container stop --help
	assert_line --index 0 "Stop containers"
	assert_line --index 1 "Description:"
	assert_line "Usage:"
	assert_line "  pea container stop [options] CONTAINER [CONTAINER...]"
	assert_line "Options:"
	assert_line --regexp '^  -a, --all +every running container$'
	refute_line --partial -- "--help"
	# run by another name, the usage names it (podman installed as pea's link)
	ln -s "$PEA" "$TEST_DIR/podman"
	run -0 "$TEST_DIR/podman" stop --help
	assert_line "  podman stop [options] CONTAINER [CONTAINER...]"
}

@test "operands beyond the synopsis: cobra's errors, status 125" {
	run -125 "$PEA" "${FE_ARGS[@]}" ps x
	assert_output "Error: \`pea ps\` takes no arguments"
	run -125 "$PEA" "${FE_ARGS[@]}" container ls x
	assert_output "Error: \`pea container ls\` takes no arguments"
	run -125 "$PEA" "${FE_ARGS[@]}" rename a b c
	assert_output "Error: accepts 2 arg(s), received 3"
	run -125 "$PEA" "${FE_ARGS[@]}" commit a b c
	assert_output "Error: accepts between 1 and 2 arg(s), received 3"
	run -125 "$PEA" "${FE_ARGS[@]}" container
	assert_line "Error: missing command 'pea container COMMAND'"
	run -125 "$PEA" "${FE_ARGS[@]}" container nosuch
	assert_line --index 0 "Error: unrecognized command \`pea container nosuch\`"
}

@test "__complete from the help: flags, sub-commands, operands by their synopsis name" {
	run -0 pea_cmd create --name c1 busybox true
	run -0 pea_cmd volume create v1
	# [options]: the long flags of Options:
	run -0 pea_cmd __completeNoDesc stop --
	assert_line --index 0 -- "--all"
	assert_line -- "--time"
	assert_line --index -1 "Completion ended with directive: ShellCompDirectiveNoFileComp"
	run -0 pea_cmd __completeNoDesc container stop --ti
	assert_output $'--time\n:4\nCompletion ended with directive: ShellCompDirectiveNoFileComp'
	# a group: its sub-commands
	run -0 pea_cmd __completeNoDesc volume "e"
	assert_output $'exists\nexport\n:4\nCompletion ended with directive: ShellCompDirectiveNoFileComp'
	# CONTAINER, VOLUME, IMAGE: the names; the value of a flag is not an operand
	run -0 pea_cmd __completeNoDesc stop -t 3 ""
	assert_line "c1"
	run -0 pea_cmd __completeNoDesc volume inspect ""
	assert_output $'v1\n:4\nCompletion ended with directive: ShellCompDirectiveNoFileComp'
	run -0 pea_cmd __completeNoDesc image history ""
	assert_line "localhost/busybox:latest"
	run -0 pea_cmd __completeNoDesc image history "bu"
	assert_line "busybox:latest"
	# a PATH, FILE, COMMAND: the shell's own; past the synopsis: nothing
	run -0 pea_cmd __completeNoDesc load --input ""
	assert_output $':0\nCompletion ended with directive: ShellCompDirectiveDefault'
	run -0 pea_cmd __completeNoDesc export c1 ""
	assert_output $':4\nCompletion ended with directive: ShellCompDirectiveNoFileComp'
	run -0 pea_cmd __completeNoDesc rename c1 x ""
	assert_output $':4\nCompletion ended with directive: ShellCompDirectiveNoFileComp'
}

@test "__complete --format: the fields its help names; inspect's type is its operand's (610-format)" {
	run -0 pea_cmd __completeNoDesc history --format "{{."
	assert_line "{{.ID}}"
	assert_line "{{.CreatedBy}}"
	assert_line --index -1 "Completion ended with directive: ShellCompDirectiveNoSpace, ShellCompDirectiveNoFileComp"
	run -0 pea_cmd __completeNoDesc container inspect --format "{{.St"
	assert_output $'{{.State.Status}}\n:6\nCompletion ended with directive: ShellCompDirectiveNoSpace, ShellCompDirectiveNoFileComp'
	run -0 pea_cmd __completeNoDesc inspect --format "{{."
	assert_output $':6\nCompletion ended with directive: ShellCompDirectiveNoSpace, ShellCompDirectiveNoFileComp'
	# each command whose --format completes fields takes podman's '{{"\n"}}' (610-format)
	run -0 pea_cmd ps -a --format '{{"\n"}}'
	assert_output ""
	run -0 pea_cmd events --stream=false --events-backend=file --format '{{"\n"}}'
	assert_output ""
	run -125 pea_cmd events --events-backend=syslog
	assert_output "Error: invalid events backend 'syslog': use file, journald or none"
}
