#!/usr/bin/env bats
# 070-evicted-files.bats - condor_evicted_files: dir, list and get on spool
# directories made by hand (the tool reads nothing but SPOOL), every message
# and exit code of HTCondor's tool, and symlinks that must not be followed.

load helpers

setup() {
	common_setup
	SPOOL=$(condor_config_val SPOOL)
	JS="$SPOOL/635/0/cluster635.proc0.subproc0"
	mkdir -p "$JS/sub/deeper"
	printf '42\n' > "$JS/checkpoint.atomic"
	printf 'out\n' > "$JS/_condor_stdout"
	printf 'err\n' > "$JS/_condor_stderr"
	printf 'hidden\n' > "$JS/.hidden"
	printf 'z\n' > "$JS/sub/deeper/z"
	chmod 640 "$JS/checkpoint.atomic"
	touch -d '2024-06-01 12:00:00' "$JS/checkpoint.atomic"
}

@test "dir (the default, and find) prints the job's spool directory" {
	run_split 0 condor_evicted_files 635.0
	[ "$output" = "$JS" ]
	[ -z "$stderr" ]
	run_split 0 condor_evicted_files dir 635.0
	[ "$output" = "$JS" ]
	run_split 0 condor_evicted_files FIND 635.0
	[ "$output" = "$JS" ]
}

@test "the path takes cluster and proc modulo 10000, the leaf the full id" {
	mkdir -p "$SPOOL/2345/7/cluster12345.proc7.subproc0"
	run_split 0 condor_evicted_files 12345.7
	[ "$output" = "$SPOOL/2345/7/cluster12345.proc7.subproc0" ]
	# 2345.7 shares the parents but not the leaf: it has no directory.
	run_split 2 condor_evicted_files 2345.7
	[ "$output" = "No directory; job was never evicted." ]
}

@test "SPOOL comes from the configuration" {
	mkdir -p "$TESTDIR/other/1/0/cluster1.proc0.subproc0"
	_CONDOR_SPOOL="$TESTDIR/other" run_split 0 condor_evicted_files 1.0
	[ "$output" = "$TESTDIR/other/1/0/cluster1.proc0.subproc0" ]
}

@test "list prints each entry after a tab, sorted, hidden ones too" {
	run_split 0 condor_evicted_files list 635.0
	assert_output "$(printf '\t%s\n' .hidden _condor_stderr _condor_stdout checkpoint.atomic sub)"
	[ -z "$stderr" ]
	run_split 0 condor_evicted_files ls 635.0
	assert_output "$(printf '\t%s\n' .hidden _condor_stderr _condor_stdout checkpoint.atomic sub)"
}

@test "list of an empty directory prints nothing and succeeds" {
	mkdir -p "$SPOOL/5/0/cluster5.proc0.subproc0"
	run_split 0 condor_evicted_files list 5.0
	[ -z "$output" ]
}

@test "get copies the directory, subdirectories, times and modes to ./C.P" {
	run_split 0 condor_evicted_files get 635.0
	[ "$output" = "Copied to '635.0'." ]
	[ -z "$stderr" ]
	[ -d 635.0/sub/deeper ]
	diff -r "$JS" 635.0
	[ "$(stat -c %a 635.0/checkpoint.atomic)" = 640 ]
	[ "$(stat -c %Y 635.0/checkpoint.atomic)" = "$(stat -c %Y "$JS/checkpoint.atomic")" ]
	# The spool is read, never changed.
	run_cmd 0 condor_evicted_files list 635.0
	[ "${#lines[@]}" -eq 5 ]
}

@test "fetch is get; a second get leaves the first copy alone" {
	run_split 0 condor_evicted_files fetch 635.0
	[ "$output" = "Copied to '635.0'." ]
	printf 'mine\n' > 635.0/checkpoint.atomic
	run_split 255 condor_evicted_files get 635.0
	[ "$output" = "Destination directory '635.0' exists, not modifying." ]
	[ "$(cat 635.0/checkpoint.atomic)" = mine ]
}

@test "get never replaces a file or symlink named like the destination" {
	printf 'precious\n' > 635.0
	run_split 255 condor_evicted_files get 635.0
	[ "$output" = "Destination directory '635.0' exists, not modifying." ]
	[ "$(cat 635.0)" = precious ]
	rm 635.0
	mkdir elsewhere
	ln -s elsewhere 635.0
	run_split 255 condor_evicted_files get 635.0
	[ -z "$(ls elsewhere)" ]
}

@test "a missing directory: the message, and errno (ENOENT) as the status" {
	for cmd in dir list get; do
		run_split 2 condor_evicted_files $cmd 1.0
		[ "$output" = "No directory; job was never evicted." ]
		[ -z "$stderr" ]
	done
	[ ! -e 1.0 ]
}

@test "a spool entry that is not a directory is reported with its errno" {
	mkdir -p "$SPOOL/8/0"
	: > "$SPOOL/8/0/cluster8.proc0.subproc0"
	run_split 20 condor_evicted_files 8.0
	[ "$output" = "[error 20: 'Not a directory' while looking for '$SPOOL/8/0/cluster8.proc0.subproc0']" ]
}

@test "several jobs: each line starts with the id, and the status is 0" {
	run_split 0 condor_evicted_files 635.0 1.0
	assert_output "$(printf '%s\n' "635.0 $JS" '1.0 No directory; job was never evicted.')"
	run_split 0 condor_evicted_files list 1.0 635.0
	assert_output "$(printf '%s\n' '1.0 No directory; job was never evicted.' '635.0 ' \
		$'\t.hidden' $'\t_condor_stderr' $'\t_condor_stdout' $'\tcheckpoint.atomic' $'\tsub')"
	run_split 0 condor_evicted_files get 635.0 1.0 635.0
	assert_output "$(printf '%s\n' "635.0 Copied to '635.0'." '1.0 No directory; job was never evicted.' \
		"635.0 Destination directory '635.0' exists, not modifying.")"
	[ -d 635.0/sub ]
}

@test "a symlink in the spool directory is never followed out of it" {
	mkdir "$TESTDIR/secret"
	printf 'do not copy\n' > "$TESTDIR/secret/key"
	ln -s "$TESTDIR/secret/key" "$JS/evil"
	run_split 0 condor_evicted_files list 635.0
	assert_line $'\tevil'
	run_split 1 condor_evicted_files get 635.0
	[ "$output" = "Copy failed: return value 1." ]
	[[ "$stderr" == *"condor_evicted_files: "*"evil"*"symbolic link"* ]]
	[ ! -e 635.0 ]
	[ ! -L 635.0 ]
	[ -z "$(grep -rl 'do not copy' . 2>/dev/null | grep -v '^./secret/')" ]
	# A symlinked subdirectory is refused the same way.
	rm "$JS/evil"
	ln -s "$TESTDIR/secret" "$JS/sub/link"
	run_split 1 condor_evicted_files get 635.0
	[ ! -e 635.0 ]
	# No copy, not even a temporary one, is left in the current directory.
	[ -z "$(ls -A | grep -e '^635' -e '^\.condorlet')" ]
}

@test "a symlink in place of the spool directory is not followed" {
	mkdir -p "$SPOOL/7/0" "$TESTDIR/elsewhere"
	: > "$TESTDIR/elsewhere/file"
	ln -s "$TESTDIR/elsewhere" "$SPOOL/7/0/cluster7.proc0.subproc0"
	run_split 20 condor_evicted_files list 7.0
	[[ "$output" == "[error 20: "*"while looking for '$SPOOL/7/0/cluster7.proc0.subproc0']" ]]
	run_split 20 condor_evicted_files get 7.0
	[ ! -e 7.0 ]
}

@test "a bad job id: stderr message, 255, nothing done" {
	for bad in 635 635. .0 635.0.0 635.x x635.0 635.-1 99999999999.0 '635.0 ' ''; do
		run_split 255 condor_evicted_files get "$bad"
		[ "$stderr" = "'$bad' is not a job ID, aborting." ] || { echo "id '$bad': $stderr"; return 1; }
		[ -z "$output" ]
	done
	# One bad id stops everything, before any job is looked at.
	run_split 255 condor_evicted_files get 635.0 nope
	[ "$stderr" = "'nope' is not a job ID, aborting." ]
	[ -z "$output" ]
	[ ! -e 635.0 ]
}

@test "an unknown command: the message on stdout, 255" {
	run_split 255 condor_evicted_files remove 635.0
	[ "$output" = "Unknown command 'remove', aborting." ]
	[ -z "$stderr" ]
	run_split 255 condor_evicted_files x635.0
	[ "$output" = "Unknown command 'x635.0', aborting." ]
}

@test "usage: none at all on stdout with 255, a command alone on stderr" {
	run_split 255 condor_evicted_files
	[[ "$output" == "usage: condor_evicted_files "* ]]
	run_split 255 condor_evicted_files get
	[[ "$stderr" == "usage: condor_evicted_files "* ]]
	[ -z "$output" ]
}

@test "options: --help exits 0, an unknown one is a usage error" {
	run_split 0 condor_evicted_files --help
	[[ "$output" == "usage: condor_evicted_files [dir | list | get] cluster.proc ..."* ]]
	run_split 0 condor_evicted_files -h
	run_split 1 condor_evicted_files list -bogus 635.0
	[[ "$stderr" == "usage: condor_evicted_files "* ]]
	[ -z "$output" ]
}

@test "a write error on stdout is a failure" {
	[ -w /dev/full ] || skip "no /dev/full"
	run bash -c 'condor_evicted_files list 635.0 >/dev/full'
	[ "$status" -eq 1 ]
}
