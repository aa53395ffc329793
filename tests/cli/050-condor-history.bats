#!/usr/bin/env bats
# 050-condor-history.bats - condor_history over the jobs condor_rm moved to
# the history: the default columns, newest first, -forwards, -limit, -af,
# -format, -long, -json, -constraint, ids and owners, -file, an empty
# history, and bad input.

load helpers

HEAD=' ID     OWNER          SUBMITTED   RUN_TIME     ST COMPLETED   CMD            '

setup() {
	common_setup
	ME=$(id -un)
	write_sleep_sub job.sub 3
}

# history_of N: submits N clusters of 3 jobs and removes them all.
history_of() {
	local i c
	for ((i = 0; i < $1; i++)); do
		run_cmd 0 condor_submit job.sub
		c=${output##*cluster }
		c=${c%%.*}
		run_cmd 0 condor_rm "$c"
	done
}

# when ATTR ID: the job's date attribute as condor_history shows it
# (11 blanks when the job has none).
when() {
	local t
	t=$(condor_history -af "$1" - "$2")
	if [ "$t" = undefined ]; then
		printf '%11s' ''
		return
	fi
	printf '%2d/%-2d %s' "$(date -d "@$t" +%-m)" "$(date -d "@$t" +%-d)" \
		"$(date -d "@$t" +%H:%M)"
}

@test "no history yet: just the heading, exit 0" {
	run_split 0 condor_history
	assert_output "$HEAD"
	[ -z "$stderr" ]
	run_split 0 condor_history -af ClusterId
	assert_output ""
	run_split 0 condor_history -json
	assert_output "$(printf '[\n]')"
}

@test "the default view: removed jobs, newest first" {
	history_of 1
	local sub done
	sub=$(when QDate 1.0)
	condor_history > got.txt
	{
		printf '%s\n' "$HEAD"
		for p in 2 1 0; do
			done=$(when CompletionDate "1.$p")
			printf '1.%d     %-14s %s              X  %s /bin/sleep 60  \n' \
				"$p" "$ME" "$sub" "$done"
		done
	} > want.txt
	diff -u want.txt got.txt
}

@test "-forwards, -limit and -match" {
	history_of 2
	run_cmd 0 condor_history -af:j JobStatus
	assert_output "$(printf '2.2 3\n2.1 3\n2.0 3\n1.2 3\n1.1 3\n1.0 3')"
	run_cmd 0 condor_history -forwards -af:j JobStatus
	assert_output "$(printf '1.0 3\n1.1 3\n1.2 3\n2.0 3\n2.1 3\n2.2 3')"
	run_cmd 0 condor_history -limit 2 -af:j Owner
	assert_output "$(printf '2.2 %s\n2.1 %s' "$ME" "$ME")"
	run_cmd 0 condor_history -forwards -match 1 -af ClusterId ProcId
	assert_output "1 0"
	run_cmd 0 condor_history -scanlimit 4 -constraint 'ProcId == 0' -af ClusterId ProcId
	assert_output "2 0"
}

@test "ids, clusters, owners and -constraint select jobs" {
	history_of 2
	run_cmd 0 condor_history -af:j Cmd - 1
	assert_output "$(printf '1.2 /bin/sleep\n1.1 /bin/sleep\n1.0 /bin/sleep')"
	run_cmd 0 condor_history -af:j Cmd - 2.1
	assert_output "2.1 /bin/sleep"
	run_cmd 0 condor_history -af:j ProcId - "$ME" -constraint 'ProcId == 1'
	assert_output "$(printf '2.1 1\n1.1 1')"
	run_cmd 0 condor_history -af:j ProcId - nobody-here
	assert_output ""
	run_cmd 0 condor_history -af ProcId - 77
	assert_output ""
}

@test "-long, -json and -format" {
	history_of 1
	condor_history -l 1.1 > long.txt
	grep -qx 'ClusterId = 1' long.txt
	grep -qx 'ProcId = 1' long.txt
	grep -qx 'JobStatus = 3' long.txt
	grep -qx "Owner = \"$ME\"" long.txt
	[ -z "$(tail -n 1 long.txt)" ]
	[ "$(grep -c '^$' long.txt)" -eq 1 ]
	condor_history -json > h.json
	run python3 -c 'import json; a=json.load(open("h.json")); print(len(a), a[0]["ProcId"], a[2]["ProcId"])'
	assert_output "3 2 0"
	run_cmd 0 condor_history -json -attributes ClusterId,ProcId 1.0
	assert_output "$(printf '[\n{\n  "ClusterId": 1,\n  "ProcId": 0\n}\n]')"
	run_cmd 0 condor_history -format '%d.' ClusterId -format '%d ' ProcId -format '(%d)\n' Cmd
	assert_output "1.2 1.1 1.0 "
	run_cmd 0 condor_history -af:h ClusterId Owner - 1.0
	assert_output "$(printf 'ClusterId Owner\n1         %-5s' "$ME")"
}

@test "-file reads another history file; a missing one is an error" {
	history_of 1
	local spool
	spool=$(condor_config_val SPOOL)
	cp "$spool/history" copy.hist
	history_of 2
	run_cmd 0 condor_history -af:j JobStatus
	assert_line --index 0 "3.2 3"
	run_cmd 0 condor_history -file copy.hist -af:j JobStatus
	assert_output "$(printf '1.2 3\n1.1 3\n1.0 3')"
	run_split 1 condor_history -file no-such.hist
	assert_output "$HEAD"
	assert_equal "$stderr" "Error opening history file no-such.hist: No such file or directory"
}

@test "bad options and arguments" {
	run_split 1 condor_history -frobnicate
	assert_equal "$(printf '%s\n' "$stderr" | head -n 1)" "Error: Unknown argument -frobnicate"
	[[ "$stderr" == *"usage: condor_history"* ]]
	run_split 1 condor_history -limit
	assert_equal "$stderr" "Error: Argument -limit requires a number value as a parameter."
	run_split 1 condor_history -af
	[[ "$stderr" == "Error: Argument -af requires at least one attribute parameter"* ]]
	run_split 1 condor_history -constraint 'ProcId == == 1'
	[[ "$stderr" == "Error:  could not parse constraint"* ]]
	run_split 1 condor_history -format '%d'
	[[ "$stderr" == "Error: Argument -format requires a spec"* ]]
	_CONDOR_HISTORY= run_split 1 condor_history
	[[ "$stderr" == "Error: No passed search file and configuration key HISTORY is unset."* ]]
	run_split 0 condor_history --help
	[[ "$output" == "usage: condor_history "* ]]
}
