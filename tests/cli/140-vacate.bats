#!/usr/bin/env bats
# 140-vacate.bats - condor_vacate_job and graceful daemon shutdown: the job
# gets its KillSig and its vacate time, event 004 "Job was evicted. Code
# 1022" (1013 for a shutdown), back to Idle, a new sandbox at the next
# start that restores the spool, stdout/stderr rolled back to the last
# checkpoint, ON_EXIT_OR_EVICT transfers (the seeds' delayed-transfer and
# reactive-checkpoint patterns), -fast, the selection forms and messages,
# and a request that outlives a restart of the daemon.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	export _CONDOR_NUM_CPUS=2
	export _CONDOR_PERIODIC_EXPR_INTERVAL=1
	MASTER_PID=
	EX=$CONDORLET_SRCDIR/contrib/examples
	SPOOL=$_CONDOR_LOCAL_DIR/spool
	JOBSPOOL=$SPOOL/1/0/cluster1.proc0.subproc0
	ME=$(id -un)
}

teardown() {
	cleanup_master
}

af() {
	local id=$1
	shift
	run_cmd 0 condor_q -allusers "$id" -af "$@"
}

count() {
	grep -c "$1" "${2:-job.log}" || true
}

write_sub() {
	local file=$1
	shift
	{
		echo "log = job.log"
		printf '%s\n' "$@"
		echo "queue"
	} > "$file"
}

# sandbox ID: the sandbox of the job's current run.
sandbox() {
	condor_q -allusers "$1" -af CondorletSandbox 2>/dev/null
}

# The job's current run is in a sandbox other than $1 and has started.
restarted_from() {
	local sb
	sb=$(sandbox "${2:-1.0}")
	[ -n "$sb" ] && [ "$sb" != undefined ] && [ "$sb" != "$1" ] && status_is "${2:-1.0}" 2
}

# resumed_from N: the current run of 1.0 says it started from N (and
# nothing else: its stdout starts afresh, after the spooled copy that the
# input transfer brings back is truncated).
resumed_from() {
	RESUMED_FROM=$1
	wait_for 20 eval '[ "$(grep "^Starting from" "$(sandbox 1.0)/_condor_stdout" 2>/dev/null)" = "Starting from $RESUMED_FROM" ]'
}

# No job carries a vacate request any more.
no_requests() {
	[ -z "$(condor_q -allusers -af CondorletVacate 2>/dev/null | grep -v '^undefined$')" ]
}

# A job that traps SIGTERM: it notes the signal in $TESTDIR/got and, with
# "exit", leaves with status 0; with "ignore" it stays (a stubborn job).
# It writes out.dat in its sandbox, its pid to $TESTDIR/pid, and a line to
# $TESTDIR/alive every 0.2 s.
write_trap_job() {
	cat > trap.sh <<EOF
#!/bin/bash
on_term() {
	echo "TERM \${EPOCHREALTIME}" >> "$TESTDIR/got"
	[ "\$1" = exit ] && exit 0
}
trap 'on_term "\$1"' TERM
echo \$\$ > "$TESTDIR/pid"
echo data > out.dat
echo started >> "$TESTDIR/starts"
while :; do
	echo "alive \${EPOCHREALTIME}" >> "$TESTDIR/alive"
	sleep 0.2 &
	wait \$!
done
EOF
	chmod +x trap.sh
}

# ---------------------------------------------------------------- the toy job

@test "vacate: 004 with HTCondor's body, a new sandbox, resumed from the checkpoint, stdout rolled back" {
	cp "$EX/toy-ckpt.sh" "$EX/85-ckpt.sub" .
	start_master
	run_cmd 0 condor_submit NAP=0.3 85-ckpt.sub
	# the first checkpoint (3) is committed, and the run has computed past it
	wait_for 30 eval '[ "$(cat "$JOBSPOOL/85.ckpt" 2>/dev/null)" = 3 ]'
	local first
	first=$(sandbox 1.0)
	[ -d "$first" ]
	wait_for 30 grep -q "Computing timestamp 4" "$first/_condor_stdout"
	run_split 0 condor_vacate_job 1.0
	assert_output "Job 1.0 vacated"
	[ -z "$stderr" ]
	wait_for 30 grep -q '^004 ' 85-ckpt.log
	run event 004 85-ckpt.log
	assert_line --index 0 --regexp '^004 \(001\.000\.000\) [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} Job was evicted\. Code 1022 Subcode 0$'
	assert_line --index 1 "	(0) CPU times"
	assert_line --index 2 --regexp '^		Usr 0 [0-9:]{8}, Sys 0 [0-9:]{8}  -  Run Remote Usage$'
	assert_line "	Reason: Job vacated by schedd"
	wait_for 60 gone 1.0
	stop_master
	# one 004, then a second 001 in a new sandbox
	run events 85-ckpt.log
	assert_output --regexp $'^000\n001\n(040\n)+004\n001\n(040\n)+005$'
	[ "$(grep 'CondorScratchDir' 85-ckpt.log | sort -u | wc -l)" = 2 ]
	[ ! -e "$first" ]
	# it resumed from its checkpoint: never from 0 again
	run grep '^Starting from' 85-ckpt.out
	assert_line --index 0 "Starting from 0"
	[ "$(count '^Starting from 0$' 85-ckpt.out)" = 1 ]
	grep -q "Computation complete" 85-ckpt.out
	# stdout rolled back to the checkpoint's copy: what the vacated run
	# printed past its checkpoint is gone, so each step shows once
	run grep '^Computing timestamp' 85-ckpt.out
	assert_output "$(seq 0 9 | sed 's/^/Computing timestamp /')"
	run_cmd 0 condor_history -af NumJobStarts ExitCode 'LastVacateTime > 0' 'isUndefined(CondorletVacate)'
	assert_output "2 0 true true"
}

@test "a vacated job is Idle until a slot is free; the attributes HTCondor sets" {
	export _CONDOR_NUM_CPUS=1
	write_sub a.sub "executable = /bin/sleep" "arguments = 600"
	write_sub b.sub "executable = /bin/sleep" "arguments = 600" "priority = 5"
	start_master
	run_cmd 0 condor_submit a.sub
	wait_for 20 status_is 1.0 2
	run_cmd 0 condor_submit b.sub
	status_is 2.0 1
	run_cmd 0 condor_vacate_job 1.0
	# the freed slot goes to the better job; 1.0 waits, Idle
	wait_for 20 status_is 2.0 2
	status_is 1.0 1
	af 1.0 JobStatus LastJobStatus VacateReasonCode VacateReasonSubCode CondorletVacate RemoteHost CondorletSandbox
	assert_output "1 2 1022 0 undefined undefined undefined"
	af 1.0 VacateReason
	assert_output "Job vacated by schedd"
	af 1.0 'LastVacateTime >= JobCurrentStartDate' 'EnteredCurrentStatus >= LastVacateTime' NumJobStarts
	assert_output "true true 1"
	run events
	assert_output "$(printf '000\n001\n000\n004\n001')"
	grep -q "Job 1.0: vacating it by condor_vacate_job" "$_CONDOR_LOCAL_DIR/log/MasterLog"
	grep -q "Job 1.0 evicted: Job vacated by schedd" "$_CONDOR_LOCAL_DIR/log/MasterLog"
	stop_master QUIT
}

# ---------------------------------------------------------------- signals

@test "the job gets its KillSig; ignoring it, it is killed after job_max_vacate_time and nothing is stored" {
	write_trap_job
	write_sub job.sub "executable = trap.sh" "arguments = ignore" \
		"job_max_vacate_time = 2" "when_to_transfer_output = ON_EXIT_OR_EVICT" \
		"should_transfer_files = yes" "transfer_output_files = out.dat"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 test -s alive
	local pid
	pid=$(cat pid)
	run_cmd 0 condor_vacate_job 1.0
	wait_for 20 test -s got
	wait_for 30 grep -q '^004 ' job.log
	# it was still alive well after the signal, and is gone now
	local term last
	term=$(awk '{print $2}' got)
	last=$(tail -1 alive | awk '{print $2}')
	awk -v t="$term" -v l="$last" 'BEGIN { exit !(l - t >= 1.5 && l - t < 20) }'
	[ "$(count '^TERM' got)" = 1 ]
	run ! kill -0 "$pid" 2>/dev/null
	grep -q "Job was evicted. Code 1022 Subcode 0" job.log
	# killed, so nothing went to the spool despite ON_EXIT_OR_EVICT
	[ ! -e "$JOBSPOOL" ]
	run ! grep -q '^040 ' job.log
	stop_master QUIT
}

@test "-fast kills at once, without the vacate time and without transfer" {
	write_trap_job
	write_sub job.sub "executable = trap.sh" "arguments = ignore" \
		"job_max_vacate_time = 300" "when_to_transfer_output = ON_EXIT_OR_EVICT" \
		"should_transfer_files = yes" "transfer_output_files = out.dat"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 test -s alive
	run_split 0 condor_vacate_job -fast 1.0
	assert_output "Job 1.0 fast-vacated"
	# well within the 300 s vacate time
	wait_for 20 grep -q '^004 ' job.log
	[ ! -e got ]
	grep -q "Job was evicted. Code 1022 Subcode 0" job.log
	grep -q "^	Reason: Job vacated by schedd" job.log
	[ ! -e "$JOBSPOOL" ]
	run ! grep -q '^040 ' job.log
	grep -q "Job 1.0: killing it (-fast) by condor_vacate_job" "$_CONDOR_LOCAL_DIR/log/MasterLog"
	stop_master QUIT
}

@test "-fast during a graceful vacate cuts the vacate time short" {
	write_trap_job
	write_sub job.sub "executable = trap.sh" "arguments = ignore" \
		"job_max_vacate_time = 300"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 test -s alive
	run_cmd 0 condor_vacate_job 1.0
	wait_for 20 test -s got
	af 1.0 CondorletVacate JobStatus
	assert_output "1 2"
	# a second graceful request changes nothing; -fast ends it
	run_cmd 0 condor_vacate_job 1.0
	run ! grep -q '^004 ' job.log
	run_cmd 0 condor_vacate_job -f 1.0
	assert_output "Job 1.0 fast-vacated"
	wait_for 20 grep -q '^004 ' job.log
	[ "$(count '^004 ')" = 1 ]
	[ "$(count '^TERM' got)" = 1 ]
	stop_master QUIT
}

@test "a job that exits 0 while being vacated was evicted, not completed" {
	cat > once.sh <<EOF
#!/bin/bash
# the first run waits for its SIGTERM and exits 0; the second just ends
if [ -e "$TESTDIR/ran" ]; then exit 0; fi
trap 'exit 0' TERM
touch "$TESTDIR/ran"
while :; do sleep 0.2 & wait \$!; done
EOF
	chmod +x once.sh
	write_sub job.sub "executable = once.sh"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 test -e ran
	wait_for 20 status_is 1.0 2
	run_cmd 0 condor_vacate_job 1.0
	wait_for 30 gone 1.0
	run events
	assert_output "$(printf '000\n001\n004\n001\n040\n040\n005')"
	run event 004
	assert_line --index 0 --partial "Job was evicted. Code 1022 Subcode 0"
	run_cmd 0 condor_history -af NumJobStarts NumJobCompletions ExitCode
	assert_output "2 1 0"
	stop_master
}

# ---------------------------------------------------------------- ON_EXIT_OR_EVICT

@test "delayed transfer: the vacate stores a complete checkpoint.atomic and the job resumes from it" {
	cp "$EX/delayed-transfer.sub" "$EX/77-atomic.sh" "$EX/counter-noexit.sh" .
	start_master
	run_cmd 0 condor_submit NAP=0.2 delayed-transfer.sub
	wait_for 20 status_is 1.0 2
	local first
	first=$(sandbox 1.0)
	# a complete checkpoint exists, and the counter has gone past it
	wait_for 30 test -s "$first/checkpoint.atomic"
	wait_for 30 eval '[ "$(grep -c Computing "$first/_condor_stdout")" -ge 6 ]'
	run_cmd 0 condor_vacate_job 1.0
	wait_for 30 grep -q '^004 ' delayed-transfer.log
	# the output set went to the spool, all of it
	local saved
	saved=$(cat "$JOBSPOOL/checkpoint.atomic")
	[[ "$saved" =~ ^[0-9]+$ ]] && [ "$saved" -ge 1 ]
	[ -e "$JOBSPOOL/_condor_stdout" ]
	[ ! -e "$JOBSPOOL/checkpoint" ]
	[ ! -e "$JOBSPOOL/checkpoint.ready" ]
	run events delayed-transfer.log
	assert_output --regexp $'^000\n001\n040\n040\n004'
	run event 004 delayed-transfer.log
	assert_line --index 0 --partial "Job was evicted. Code 1022 Subcode 0"
	# the next run, in a new sandbox, starts from it
	wait_for 30 restarted_from "$first"
	resumed_from "$saved"
	stop_master QUIT
}

@test "reactive checkpoint: kill_sig SIGUSR1 makes the job write its checkpoint, which is stored and resumed" {
	cp "$EX/reactive-ckpt.sub" "$EX/reactive.sh" .
	start_master
	run_cmd 0 condor_submit NAP=0.2 reactive-ckpt.sub
	wait_for 20 status_is 1.0 2
	local first
	first=$(sandbox 1.0)
	wait_for 30 grep -q "Computing timestamp 3" "$first/_condor_stdout"
	run_cmd 0 condor_vacate_job 1.0
	wait_for 30 grep -q '^004 ' reactive-ckpt.log
	local saved
	saved=$(cat "$JOBSPOOL/reactive.ckpt")
	[[ "$saved" =~ ^[0-9]+$ ]] && [ "$saved" -ge 3 ]
	grep -q "Checkpointed at $saved on SIGUSR1" "$JOBSPOOL/_condor_stdout"
	wait_for 30 restarted_from "$first"
	resumed_from "$saved"
	stop_master QUIT
}

@test "an output file missing at eviction under ON_EXIT_OR_EVICT holds the job (12), as HTCondor does" {
	cp "$EX/delayed-transfer.sub" "$EX/77-atomic.sh" "$EX/counter-noexit.sh" .
	start_master
	# a count takes 10 s: no checkpoint.atomic yet when it is vacated
	run_cmd 0 condor_submit NAP=10 delayed-transfer.sub
	wait_for 20 status_is 1.0 2
	wait_for 20 grep -q '^Starting from 0' "$(sandbox 1.0)/_condor_stdout"
	run_cmd 0 condor_vacate_job 1.0
	wait_for 30 status_is 1.0 5
	af 1.0 HoldReasonCode HoldReasonSubCode
	assert_output "12 0"
	af 1.0 HoldReason
	assert_output --regexp "^Error from slot[12]@[^:]+: Transfer output files failure at execution point .*checkpoint\.atomic"
	run events delayed-transfer.log
	assert_output "$(printf '000\n001\n040\n040\n021\n004\n012')"
	# all or nothing: nothing was stored
	[ -z "$(ls -A "$JOBSPOOL" 2>/dev/null)" ]
	stop_master QUIT
}

# ---------------------------------------------------------------- selection

@test "ids, clusters, owners, -constraint, -all: messages and exit codes" {
	cat > job.sub <<'EOF'
executable = /bin/sleep
arguments = 600
log = job.log
queue 2
EOF
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 status_is 1.0 2
	wait_for 20 status_is 1.1 2
	run_cmd 0 condor_submit job.sub
	status_is 2.0 1

	run_split 1 condor_vacate_job 2.0
	assert_output ""
	[ "$stderr" = $'\nJob 2.0 not running to be vacated' ]
	run_split 1 condor_vacate_job -fast 2.0
	[ "$stderr" = $'\nJob 2.0 not running to be fast-vacated' ]
	run_split 1 condor_vacate_job 7.0
	[ "$stderr" = $'\nJob 7.0 not found' ]
	run_split 1 condor_vacate_job 2
	[ "$stderr" = $'\nCouldn\'t find/vacate all jobs in cluster 2' ]
	run_split 1 condor_vacate_job -constraint 'JobStatus == 1'
	[ "$stderr" = $'\nCouldn\'t find/vacate all jobs matching constraint (JobStatus == 1)' ]
	run_split 1 condor_vacate_job -fast 2
	[ "$stderr" = $'\nCouldn\'t find/fast-vacate all jobs in cluster 2' ]
	no_requests
	[ "$(count '^004 ')" = 0 ]

	# partial success exits 0
	run_split 0 condor_vacate_job 1.0 2.0
	assert_output "Job 1.0 vacated"
	[ "$stderr" = "Job 2.0 not running to be vacated" ]
	wait_for 20 no_requests
	run_split 0 condor_vacate_job 1
	assert_output "All jobs in cluster 1 have been vacated"
	wait_for 20 no_requests
	run_split 0 condor_vacate_job "$ME"
	assert_output "All jobs of user \"$ME\" have been vacated"
	wait_for 20 no_requests
	run_split 0 condor_vacate_job -constraint 'ProcId == 1'
	assert_output "All jobs matching constraint (ProcId == 1) have been vacated"
	wait_for 20 no_requests
	run_split 0 condor_vacate_job -all
	assert_output "All jobs have been vacated"
	wait_for 20 no_requests
	run_split 0 condor_vacate_job --fast -all
	assert_output "All jobs have been fast-vacated"
	wait_for 20 no_requests
	# 1 + 2 + 2 + 1 + 2 + 2 runs of cluster 1 evicted, none of cluster 2
	wait_for 20 eval '[ "$(count "^004 (001")" = 10 ]'
	[ "$(count '^004 (002')" = 0 ]
	[ "$(count 'Job was evicted. Code 1022 Subcode 0')" = 10 ]
	status_is 2.0 1
	stop_master QUIT
}

@test "bad input: a clear message, exit 1, no request recorded" {
	write_sub job.sub "executable = /bin/sleep" "arguments = 600"
	run_cmd 0 condor_submit job.sub
	# nothing runs yet
	run_split 1 condor_vacate_job -all
	[ "$stderr" = $'\nCouldn\'t find/vacate all jobs' ]
	start_master
	wait_for 20 status_is 1.0 2
	local arg
	for arg in 0 0.0 abc.def 99999999999999999999 '1;rm' '' ../x; do
		run_split 1 condor_vacate_job "$arg"
		[ -n "$stderr" ] || { echo "'$arg': no message"; return 1; }
		assert_output ""
	done
	run_split 1 condor_vacate_job 0
	[ "$stderr" = "Invalid cluster # from 0." ]
	run_split 1 condor_vacate_job -constraint 'JobStatus =='
	[ -n "$stderr" ]
	run_split 1 condor_vacate_job -all 1.0
	[[ "$stderr" == *"can't mix -all with other constraints"* ]]
	run_split 1 condor_vacate_job
	[[ "$stderr" == "You did not specify any jobs"*"usage: condor_vacate_job"* ]]
	run_split 1 condor_vacate_job -fastest 1.0
	[[ "$stderr" == "Unrecognized option: -fastest"* ]]
	# -fast belongs to condor_vacate_job alone
	run_split 1 condor_hold -fast 1.0
	[[ "$stderr" == "-fast is only valid with condor_vacate_job"*"usage: condor_hold"* ]]
	run_split 1 condor_rm -fa 1.0
	[[ "$stderr" == "-fast is only valid with condor_vacate_job"* ]]
	no_requests
	status_is 1.0 2
	[ "$(count '^004 ')" = 0 ]
	af 1.0 NumJobStarts
	assert_output 1
	stop_master QUIT
}

@test "an empty queue is not an error; --help" {
	run_split 0 condor_vacate_job -all
	[ "$stderr" = "condor_vacate_job:0:There are no jobs in the queue" ]
	run_split 0 condor_vacate_job --help
	assert_line --index 0 --partial "usage: condor_vacate_job [-fast]"
	assert_output --partial "-fast"
}

# ---------------------------------------------------------------- restarts

@test "the request is in the queue: a daemon started later carries it out" {
	write_trap_job
	write_sub job.sub "executable = trap.sh" "arguments = exit"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 test -s alive
	kill -KILL "$MASTER_PID"
	MASTER_PID=
	# no daemon: the request is recorded; JobStatus stays as it is
	run_split 0 condor_vacate_job 1.0
	assert_output "Job 1.0 vacated"
	[ -z "$stderr" ]
	af 1.0 JobStatus CondorletVacate
	assert_output "2 1"
	[ ! -e got ]
	start_master
	grep -q "adopted its running starter" "$_CONDOR_LOCAL_DIR/log/MasterLog"
	wait_for 20 grep -q '^004 ' job.log
	[ "$(count '^TERM' got)" = 1 ]
	run event 004
	assert_line --index 0 --partial "Job was evicted. Code 1022 Subcode 0"
	assert_line "	Reason: Job vacated by schedd"
	wait_for 20 eval '[ "$(count started starts)" = 2 ]'
	af 1.0 CondorletVacate NumJobStarts JobStatus
	assert_output "undefined 2 2"
	stop_master QUIT
}

@test "a request whose run died with the daemon is dropped; the next run is not vacated" {
	write_trap_job
	write_sub job.sub "executable = trap.sh" "arguments = exit"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 test -s alive
	local sb spid
	sb=$(sandbox 1.0)
	spid=$(cut -d' ' -f1 "$sb/.starter.pid")
	kill -KILL "$MASTER_PID"
	MASTER_PID=
	pkill -KILL -s "$spid"
	wait_for 10 eval '! pgrep -s "$spid"'
	run_cmd 0 condor_vacate_job 1.0
	start_master
	wait_for 20 eval '[ "$(count started starts)" = 2 ]'
	wait_for 20 no_requests
	run event 004
	assert_line "	Reason: The job's starter exited without reporting how the job ended"
	af 1.0 JobStatus NumJobStarts
	assert_output "2 2"
	[ ! -e got ]
	# a request given at submit time is not one for any run either
	write_sub sub2.sub "executable = trap.sh" "arguments = exit" "+CondorletVacate = 2"
	run_cmd 0 condor_submit sub2.sub
	wait_for 20 status_is 2.0 2
	wait_for 20 eval '[ "$(count started starts)" = 3 ]'
	af 2.0 CondorletVacate
	assert_output "undefined"
	[ "$(count '^004 (002')" = 0 ]
	stop_master QUIT
}

@test "graceful shutdown vacates: 004, Idle; after a restart the job resumes from its checkpoint" {
	cp "$EX/toy-ckpt.sh" "$EX/85-ckpt.sub" .
	start_master
	run_cmd 0 condor_submit NAP=0.3 85-ckpt.sub
	wait_for 30 eval '[ "$(cat "$JOBSPOOL/85.ckpt" 2>/dev/null)" = 3 ]'
	wait_for 30 grep -q "Computing timestamp 4" "$(sandbox 1.0)/_condor_stdout"
	stop_master TERM
	status_is 1.0 1
	run event 004 85-ckpt.log
	assert_line --index 0 --partial "Job was evicted. Code 1013 Subcode 0"
	assert_line "	Reason: Startd was shutdown"
	[ -z "$(ls "$_CONDOR_LOCAL_DIR/execute")" ]
	local saved
	saved=$(cat "$JOBSPOOL/85.ckpt")
	[ "$saved" -ge 3 ]
	start_master
	wait_for 60 gone 1.0
	stop_master
	run events 85-ckpt.log
	assert_output --regexp $'^000\n001\n(040\n)+004\n001\n(040\n)+005$'
	run grep '^Starting from' 85-ckpt.out
	assert_line --index 0 "Starting from 0"
	assert_line --index 1 "Starting from 3"
	[ "$(count '^Starting from 0$' 85-ckpt.out)" = 1 ]
	grep -q "^Starting from $saved\$" 85-ckpt.out
	run grep '^Computing timestamp' 85-ckpt.out
	assert_output "$(seq 0 9 | sed 's/^/Computing timestamp /')"
	run_cmd 0 condor_history -af NumJobStarts ExitCode
	assert_output "2 0"
}
