#!/usr/bin/env bats
# 060-condor-wait.bats - condor_wait: following a job event log until the
# jobs in it end.  Logs are written by hand (no daemon runs jobs yet) and
# by condor_submit + condor_rm.

load helpers

# ev CODE CLUSTER.PROC TEXT [BODY LINES...]: one event, as HTCondor writes it.
ev() {
	local code=$1 id=$2 text=$3
	shift 3
	printf '%03d (%03d.%03d.000) 2024-06-01 14:00:00 %s\n' "$code" "${id%.*}" "${id#*.}" "$text"
	local l
	for l in "$@"; do printf '\t%s\n' "$l"; done
	printf '...\n'
}
submitted() { ev 0 "$1" 'Job submitted from host: <127.0.0.1:0>'; }
executing() { ev 1 "$1" 'Job executing on host: <10.0.0.7:9618>' 'Cpus = 1'; }
terminated() { ev 5 "$1" 'Job terminated.' '(1) Normal termination (return value 0)'; }
aborted() { ev 9 "$1" 'Job was aborted.' 'via condor_rm (by user alice)'; }

@test "all jobs done: submitted, executed, terminated or aborted" {
	{ submitted 1.0; submitted 1.1; executing 1.0; terminated 1.0; aborted 1.1; } > job.log
	run_split 0 condor_wait job.log
	[ "$output" = "All jobs done." ]
	[ -z "$stderr" ]
}

@test "-status lines name each job's state changes" {
	{ submitted 2.0; executing 2.0; ev 12 2.0 'Job was held.' 'why' 'Code 1 Subcode 0'; terminated 2.0; } > job.log
	run_split 0 condor_wait -status job.log
	assert_output "$(printf '%s\n' '2.0.0 submitted' '2.0.0 executing on host <10.0.0.7:9618>' \
		'2.0.0 completed' 'All jobs done.')"
}

@test "-echo prints each event with its terminator" {
	{ submitted 3.0; terminated 3.0; } > job.log
	run_split 0 condor_wait -echo job.log
	assert_output "$(submitted 3.0; terminated 3.0; echo 'All jobs done.')"
}

@test "a pending job and -wait: Time expired., exit 1" {
	{ submitted 4.0; submitted 4.1; terminated 4.0; } > job.log
	run_split 1 condor_wait -wait 1 job.log
	[ "$output" = "Time expired." ]
}

@test "-num stops after N jobs ended" {
	{ submitted 5.0; submitted 5.1; submitted 5.2; terminated 5.1; aborted 5.2; } > job.log
	run_split 0 condor_wait -num 2 job.log
	[ "$output" = "Specifed number of jobs (2) done." ]
	run_split 1 condor_wait -wait 1 -num 3 job.log
	[ "$output" = "Time expired." ]
	run_split 1 condor_wait -num 0 job.log
	[[ "$stderr" == *"usage: condor_wait"* || "$stderr" == *"-num"* ]]
}

@test "a job id narrows the wait to a cluster, job or sub-job" {
	{ submitted 6.0; submitted 6.1; submitted 7.0; terminated 6.1; } > job.log
	run_split 0 condor_wait job.log 6.1
	[ "$output" = "All jobs done." ]
	run_split 0 condor_wait job.log 6.1.0
	[ "$output" = "All jobs done." ]
	run_split 1 condor_wait -wait 1 job.log 6
	[ "$output" = "Time expired." ]
	run_split 1 condor_wait -wait 1 job.log 7
	[ "$output" = "Time expired." ]
	run_split 1 condor_wait -wait 1 job.log
	[ "$output" = "Time expired." ]
}

@test "a job the log does not mention is an error" {
	{ submitted 8.0; terminated 8.0; } > job.log
	run_split 1 condor_wait job.log 9
	[ "$stderr" = "This log does not mention that job!" ]
	: > empty.log
	run_split 1 condor_wait empty.log
	[ "$stderr" = "This log does not mention any jobs!" ]
}

@test "-wait 0 reads to the end and stops there" {
	{ submitted 10.0; } > job.log
	run_split 0 condor_wait -wait 0 -status job.log
	[ "$output" = "10.0.0 submitted" ]
	terminated 10.0 >> job.log
	run_split 0 condor_wait -wait 0 job.log
	[ "$output" = "All jobs done." ]
}

@test "the log grows while condor_wait waits" {
	{ submitted 11.0; executing 11.0; } > job.log
	# The terminate event arrives in two pieces; the first is incomplete.
	( sleep 1
	  printf '005 (011.000.000) 2024-06-01 14:00:00 Job terminated.\n' >> job.log
	  sleep 1
	  printf '\t(1) Normal termination (return value 0)\n...\n' >> job.log ) &
	run_split 0 condor_wait -status -wait 30 job.log 11
	wait
	assert_output "$(printf '%s\n' '11.0.0 submitted' \
		'11.0.0 executing on host <10.0.0.7:9618>' '11.0.0 completed' 'All jobs done.')"
}

@test "garbage and both date forms are read" {
	{ echo 'not an event'
	  printf '000 (012.000.000) 06/01 14:00:00 Job submitted from host: <x>\n...\n'
	  printf '005 (012.000.000) 2024-06-01 14:00:00.123Z Job terminated.\n...\n'; } > job.log
	run_split 0 condor_wait -status job.log
	assert_output "$(printf '%s\n' '12.0.0 submitted' '12.0.0 completed' 'All jobs done.')"
}

@test "condor_submit then condor_rm: 000 then 009" {
	write_sleep_sub job.sub 2
	run_cmd 0 condor_submit job.sub
	run_split 1 condor_wait -wait 1 job.log
	[ "$output" = "Time expired." ]
	run_cmd 0 condor_rm 1
	run_split 0 condor_wait -status job.log 1
	assert_output "$(printf '%s\n' '1.0.0 submitted' '1.1.0 submitted' \
		'1.0.0 aborted' '1.1.0 aborted' 'All jobs done.')"
}

@test "bad job ids" {
	{ submitted 1.0; terminated 1.0; } > job.log
	for id in x 1.x 1.2.3.4 '' 1. .1 99999999999; do
		run_split 1 condor_wait job.log "$id"
		[ "$stderr" = "Couldn't understand job number: $id" ] || { echo "$id: $stderr"; return 1; }
	done
}

@test "unreadable or missing log" {
	run_split 1 condor_wait nosuch.log
	[ "$stderr" = "Couldn't open nosuch.log: No such file or directory" ]
	mkdir adir
	run_split 1 condor_wait adir
	[ "$stderr" = "Couldn't open adir: Is a directory" ]
	if [ "$(id -u)" -ne 0 ]; then
		{ submitted 1.0; } > locked.log
		chmod 000 locked.log
		run_split 1 condor_wait locked.log
		[ "$stderr" = "Couldn't open locked.log: Permission denied" ]
	fi
}

@test "usage errors" {
	run_split 1 condor_wait
	[[ "$stderr" == *"usage: condor_wait"* ]]
	run_split 1 condor_wait -wait
	[[ "$stderr" == *"-wait requires an argument"* ]]
	run_split 1 condor_wait -wait soon job.log
	run_split 1 condor_wait a.log 1 extra
	[[ "$stderr" == "Extra argument: extra"* ]]
}
