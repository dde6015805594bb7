# SPDX-License-Identifier: ISC
# bash completion for vpcesd(8).  Installed as
# $(datadir)/bash-completion/completions/vpcesd, which bash-completion loads
# on the first <TAB> after "vpcesd".  Self-contained: it does not need the
# bash-completion package's helpers, so it also works when sourced alone.
# tests/completion.sh checks it against `vpcesd --help`.

# COMPREPLY = the lines compgen prints for "$@" (file names may hold spaces).
_vpcesd_reply() {
	mapfile -t COMPREPLY < <(compgen "$@")
}

_vpcesd() {
	local cur prev eq=''
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=''
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# "--opt=value": bash splits at '=' (COMP_WORDBREAKS), so the word
	# before the value is '=' (or the value is '=' itself, still empty)
	# and the option is one further back.
	if [[ $cur == = ]]; then
		cur='' eq=1
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]} eq=1
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*} cur=${cur#*=} eq=1
	fi

	COMPREPLY=()
	case $prev in
	-c | --config-dir) _vpcesd_reply -d -- "$cur" && return ;;
	--status-file) _vpcesd_reply -f -- "$cur" && return ;;
	--output | --log-format) _vpcesd_reply -W 'text json' -- "$cur" && return ;;
	--policy) _vpcesd_reply -W 'sync upsert-only create-only' -- "$cur" && return ;;
	--log-level) _vpcesd_reply -W 'debug info notice warning error' -- "$cur" && return ;;
	--log-target) _vpcesd_reply -W 'auto journal stderr' -- "$cur" && return ;;
	--wait)
		# Only after "--wait=": a bare --wait takes no argument.
		[[ -n $eq ]] && _vpcesd_reply -W '30s 5m 10m 30m 1h' -- "$cur" && return
		;;
	esac
	if [[ $cur == -* ]]; then
		_vpcesd_reply -W '--config-dir --check-config --dump-config --once --wait --dry-run
			--output --policy --status-file --log-level --log-target --log-format
			--help --version -c -n -h -V' -- "$cur"
	fi
	return 0
}
complete -F _vpcesd vpcesd
