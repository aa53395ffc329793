#!/usr/bin/env bats
# 000-meta.bats - every tool behaves like one family: --help, usage errors,
# exit codes, and a manual whose SYNOPSIS is the usage text.

load helpers

# The tools under test: the build tree's, or the installed ones when
# `make installcheck` sets CONDORLET_BINDIR.
tools() {
	local f
	for f in "${CONDORLET_BINDIR:-$CONDORLET_BUILDDIR/cmd}"/condor_*; do
		case ${f##*/} in *.*) continue ;; esac
		if [ -x "$f" ] && [ -f "$f" ]; then basename "$f"; fi
	done
	return 0
}

# The manual's SYNOPSIS as plain text, whitespace squeezed to one line.
man_synopsis() {
	mandoc -Tascii -O width=1000 "$CONDORLET_SRCDIR/man/$1.1" |
		sed 's/.\x08//g' |
		awk '/^SYNOPSIS/ {on=1; next} /^[A-Z][A-Z ]*$/ {on=0} on' |
		tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'
}

# The tool's usage as plain text (the "usage:" label dropped), squeezed.
usage_synopsis() {
	"$1" --help | awk 'NR==1 || /^       /' | sed '1s/^usage: //' |
		awk -v t="$1" '$1 == t' |
		tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'
}

@test "there are tools to check" {
	run tools
	assert_success
	[ "${#lines[@]}" -ge 6 ]
}

@test "every tool has a manual that lints clean" {
	local t out
	for t in $(tools); do
		[ -f "$CONDORLET_SRCDIR/man/$t.1" ] || { echo "no man/$t.1"; return 1; }
		out=$(mandoc -Tlint -W warning "$CONDORLET_SRCDIR/man/$t.1" 2>&1) || true
		[ -z "$out" ] || { echo "$out"; return 1; }
	done
	for m in "$CONDORLET_SRCDIR"/man/*.[1-9]; do
		out=$(mandoc -Tlint -W warning "$m" 2>&1) || true
		[ -z "$out" ] || { echo "$out"; return 1; }
	done
}

@test "--help exits 0 and prints usage on stdout" {
	local t
	for t in $(tools); do
		run_split 0 "$t" --help
		[[ "$output" == usage:\ $t* ]] || { echo "$t: $output"; return 1; }
		[ -z "$stderr" ] || { echo "$t wrote to stderr: $stderr"; return 1; }
	done
}

@test "an unknown option exits 1 with usage on stderr" {
	local t
	for t in $(tools); do
		run_split 1 "$t" --no-such-option-xyz
		[[ "$stderr" == *"usage: $t"* ]] || { echo "$t: $stderr"; return 1; }
	done
}

@test "the usage text is the manual's SYNOPSIS" {
	local t
	for t in $(tools); do
		local want got
		want=$(man_synopsis "$t")
		got=$(usage_synopsis "$t")
		[ "$want" = "$got" ] || {
			printf '%s\n  man:   %s\n  usage: %s\n' "$t" "$want" "$got"
			return 1
		}
	done
}

@test "--help output reaches a full disk as an error" {
	[ -w /dev/full ] || skip "no /dev/full"
	local t
	for t in $(tools); do
		run bash -c "'$t' --help >/dev/full"
		[ "$status" -eq 1 ] || { echo "$t exited $status writing to /dev/full"; return 1; }
	done
}
