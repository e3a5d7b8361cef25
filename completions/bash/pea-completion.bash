# bash completion for pea's binaries (installed once per binary, under its name).
# It reads the binary's own --help, so it stays true as commands are added:
# words after a "Commands:" heading are commands, "-x, --long" tokens are options.
_pea_complete()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]} help words=() w
	local i cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} != -* ]] && { cmd=${COMP_WORDS[i]}; break; }
	done
	if [[ -n $cmd ]]; then
		help=$("$prog" "$cmd" --help 2>/dev/null)
	else
		help=$("$prog" --help 2>/dev/null)
	fi
	# pea's own words (paths inside an image or container): cobra's protocol, as podman's
	if [[ ${prog##*/} == pea && $cur != -* && ( $cmd == create || $cmd == run || $cmd == cp ) ]]; then
		local out directive
		# the global options before the command, as pea reads them
		out=$("$prog" "${COMP_WORDS[@]:1:i-1}" __completeNoDesc "${COMP_WORDS[@]:i:COMP_CWORD-i+1}" 2>/dev/null)
		directive=$(tail -n 1 <<<"$out")
		directive=${directive#:}
		mapfile -t words < <(sed '$d' <<<"$out")
		if [[ $directive =~ ^[0-9]+$ ]] && ((${#words[@]})); then
			((directive & 2)) && compopt -o nospace 2>/dev/null
			COMPREPLY=("${words[@]}")
			return
		fi
		words=()
	fi
	if [[ $cur == -* ]]; then
		words=($(grep -oE '(^|[][[:space:],|])--?[A-Za-z][-A-Za-z0-9]*' <<<"$help" | tr -d ' ,[]|'))
	elif [[ -z $cmd ]]; then
		words=($(awk 'tolower($0) ~ /^[a-z ]*commands:/ {on=1; next}
			on && /^[[:space:]]+[a-z]/ {print $1; next}
			on && /^[^[:space:]]/ {on=0}' <<<"$help"))
	fi
	if ((${#words[@]})); then
		COMPREPLY=($(compgen -W "${words[*]}" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
