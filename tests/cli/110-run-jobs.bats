#!/usr/bin/env bats
# 110-run-jobs.bats - jobs run by condor_master from submit to history: the
# job's attributes and events, the slot limit, self-checkpointing jobs that
# restart in place, the exit policy in HTCondor's order (on_exit_hold,
# on_exit_remove, max_retries, success_exit_code), periodic expressions on
# idle and held jobs, a checkpoint that cannot be committed, and output
# transfer.

load helpers

setup() {
	common_setup
	export _CONDOR_NUM_CPUS=2
	export _CONDOR_PERIODIC_EXPR_INTERVAL=1
	MASTER_PID=
	EX=$CONDORLET_SRCDIR/contrib/examples
	SPOOL=$_CONDOR_LOCAL_DIR/spool
	ME=$(id -un)
}

teardown() {
	cleanup_master
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

# ---------------------------------------------------------------- basics

@test "a /bin/true job runs to completion: events, history, nothing left" {
	write_sub job.sub "executable = /bin/true" "output = out.txt" "error = err.txt"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 gone 1.0
	run events
	assert_output "$(printf '000\n001\n040\n040\n005')"
	run event 001
	assert_line --index 0 --regexp '^001 \(001\.000\.000\) .* Job executing on host: <[^>]+>$'
	assert_line --index 1 --regexp '^	SlotName: slot[12]@'
	assert_line --partial '	CondorScratchDir = "'"$_CONDOR_LOCAL_DIR"'/execute/dir_'
	run event 005
	assert_line --index 1 "	(1) Normal termination (return value 0)"
	assert_line --partial "  -  Total Remote Usage"
	run_cmd 0 condor_history -af JobStatus ExitCode ExitBySignal NumJobStarts NumJobCompletions
	assert_output "4 0 false 1 1"
	run_cmd 0 condor_history -af CompletionDate JobCurrentStartDate JobStartDate LastRemoteHost
	assert_output --regexp '^[0-9]{10} [0-9]{10} [0-9]{10} slot[12]@'
	run_cmd 0 condor_history -af 'CompletionDate >= JobStartDate' 'isUndefined(RemoteHost)' 'isUndefined(CondorletSandbox)'
	assert_output "true true true"
	[ -z "$(condor_q -allusers -af ClusterId)" ]
	[ ! -e "$SPOOL/1" ]
	[ -z "$(ls "$_CONDOR_LOCAL_DIR/execute")" ]
	[ -f out.txt ] && [ ! -s out.txt ]
	grep -q "Job 1.0 started in slot" "$_CONDOR_LOCAL_DIR/log/MasterLog"
	grep -q "Job 1.0 completed (status 0)" "$_CONDOR_LOCAL_DIR/log/MasterLog"
	stop_master
}

@test "exit codes and signals are recorded as HTCondor does" {
	cat > die.sh <<'EOF'
#!/bin/sh
case $1 in
sig) kill -9 $$ ;;
*) exit "$1" ;;
esac
EOF
	chmod +x die.sh
	cat > job.sub <<'EOF'
executable = die.sh
log = job.log
leave_in_queue = true
queue arguments in (17, sig)
EOF
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 status_is 1.0 4
	wait_for 30 status_is 1.1 4
	run_cmd 0 condor_q -allusers 1.0 -af ExitCode ExitBySignal
	assert_output "17 false"
	run_cmd 0 condor_q -allusers 1.1 -af ExitSignal ExitBySignal JobCoreDumped
	assert_output "9 true false"
	grep -q "	(1) Normal termination (return value 17)" job.log
	grep -q "	(0) Abnormal termination (signal 9)" job.log
	grep -q "	(0) No core file" job.log
	stop_master
}

@test "20 jobs with NUM_CPUS = 2 never run more than 2 at once" {
	cat > probe.sh <<'EOF'
#!/bin/sh
# counts the instances running at once, under a lock
d=$1
exec 9>>"$d/lock"
flock 9
n=$(($(cat "$d/count" 2>/dev/null || echo 0) + 1))
echo "$n" > "$d/count"
echo "$n" >> "$d/seen"
flock -u 9
sleep 0.2
flock 9
echo $(($(cat "$d/count") - 1)) > "$d/count"
flock -u 9
EOF
	chmod +x probe.sh
	mkdir probe
	cat > job.sub <<EOF
executable = probe.sh
arguments = $TESTDIR/probe
log = job.log
queue 20
EOF
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 60 eval '[ "$(grep -c "^005 " job.log)" = 20 ]'
	[ "$(sort -n probe/seen | tail -1)" = 2 ]
	[ "$(wc -l < probe/seen)" = 20 ]
	[ "$(cat probe/count)" = 0 ]
	[ "$(grep -c '^001 ' job.log)" = 20 ]
	stop_master
}

@test "JobPrio decides which idle job starts first" {
	export _CONDOR_NUM_CPUS=1
	write_sub job.sub "executable = /bin/true" "hold = true"
	printf 'executable = /bin/true\nlog = job.log\nhold = true\npriority = 5\nqueue\n' > prio.sub
	run_cmd 0 condor_submit job.sub
	run_cmd 0 condor_submit prio.sub
	start_master
	run_cmd 0 condor_release -all
	wait_for 30 eval '[ "$(grep -c "^005 " job.log)" = 2 ]'
	run grep '^001 ' job.log
	assert_line --index 0 --partial "001 (002.000.000)"
	assert_line --index 1 --partial "001 (001.000.000)"
	stop_master
}

# ---------------------------------------------------------------- checkpoints

# run_toy SUBFILE LOG OUT: the seeds' toy job, restarting in place.
run_toy() {
	local sub=$1 log=$2 out=$3
	cp "$EX/toy-ckpt.sh" "$EX/$sub" .
	start_master
	run_cmd 0 condor_submit NAP=0.3 "$sub"
	local seen=""
	while ! grep -q '^005 ' "$log" 2>/dev/null; do
		local n
		n=$(condor_q -allusers 1.0 -af CheckpointNumber 2>/dev/null)
		case $n in [0-9]*) seen="$seen $n" ;; esac
		sleep 0.1
		[ "$SECONDS" -lt 120 ] || return 1
	done
	CKPT_SEEN=$(echo "$seen" | tr ' ' '\n' | grep . | uniq | tr '\n' ' ')
	stop_master
	grep -q "Computation complete" "$out"
	run grep '^Starting from' "$out"
	assert_output "$(printf 'Starting from 0\nStarting from 3\nStarting from 6\nStarting from 9')"
	[ "$(grep -c '^001 ' "$log")" = 1 ]
	[ "$(grep -c '^004 ' "$log")" = 0 ]
	[ "$(grep -c '^040 ' "$log")" -ge 6 ]
	run_cmd 0 condor_history -af CheckpointNumber ExitCode NumJobStarts
	assert_output "2 0 1"
	# the counter only moved forward while the job ran
	[ "$(echo "$CKPT_SEEN" | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')" = "$CKPT_SEEN" ]
	[ "$(echo "$CKPT_SEEN" | wc -w)" -ge 2 ]
	[ ! -e "$SPOOL/1" ]
}

@test "the seeds' toy job (85-ckpt.sub) runs to completion across in-place restarts" {
	run_toy 85-ckpt.sub 85-ckpt.log 85-ckpt.out
}

@test "the seeds' older spelling (77-ckpt.sub) behaves the same" {
	run_toy 77-ckpt.sub 77-ckpt.log 77-ckpt.out
}

@test "a checkpoint that cannot be committed holds the job (36) and keeps the previous one" {
	cat > ckpt.sh <<'EOF'
#!/bin/sh
# first run: a checkpoint; the in-place restart: one whose file is missing
if [ -f state ]; then rm state; exit 85; fi
echo 1 > state
exit 85
EOF
	chmod +x ckpt.sh
	write_sub job.sub "executable = ckpt.sh" "checkpoint_exit_code = 85" \
		"transfer_checkpoint_files = state" "should_transfer_files = yes"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 status_is 1.0 5
	run_cmd 0 condor_q -allusers 1.0 -af HoldReasonCode HoldReasonSubCode
	assert_output --regexp '^36 '
	run_cmd 0 condor_q -allusers 1.0 -af HoldReason
	assert_output --regexp '^Error from slot[12]@'
	run events
	assert_output --regexp '021'$'\n''004'$'\n''012$'
	[ "$(cat "$SPOOL/1/0/cluster1.proc0.subproc0/state")" = 1 ]
	run event 012
	assert_line --index 2 --regexp '^	Code 36 Subcode '
	# removed by a tool, the job takes its spool with it
	run_cmd 0 condor_rm 1.0
	wait_for 20 eval '[ ! -e "$SPOOL/1" ]'
	stop_master
}

# ---------------------------------------------------------------- exit policy

@test "on_exit_hold: held with code 3 and HTCondor's reason, no 005" {
	write_sub job.sub "executable = /bin/sh" "arguments = \"-c 'exit 3'\"" \
		"on_exit_hold = ExitCode == 3"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 status_is 1.0 5
	run_cmd 0 condor_q -allusers 1.0 -af HoldReasonCode HoldReasonSubCode ExitCode NumHolds
	assert_output "3 0 3 1"
	run_cmd 0 condor_q -allusers 1.0 -af HoldReason
	assert_output "The job attribute OnExitHold expression 'ExitCode == 3' evaluated to TRUE"
	run events
	assert_output "$(printf '000\n001\n040\n040\n012')"
	run event 012
	assert_line --index 1 "	The job attribute OnExitHold expression 'ExitCode == 3' evaluated to TRUE"
	assert_line --index 2 "	Code 3 Subcode 0"
	stop_master
}

@test "on_exit_remove false: 004 'terminated and was requeued', then it runs again" {
	write_sub job.sub "executable = /bin/true" "on_exit_remove = NumJobCompletions > 1"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 gone 1.0
	run events
	assert_output "$(printf '000\n001\n040\n040\n004\n001\n040\n040\n005')"
	run event 004
	assert_line --index 0 --regexp '^004 \(001\.000\.000\) .* Job was evicted\.$'
	assert_line --index 1 "	(0) Job terminated and was requeued"
	assert_line "	(1) Normal termination (return value 0)"
	assert_line "	The job attribute OnExitRemove expression 'NumJobCompletions > 1' evaluated to FALSE"
	run_cmd 0 condor_history -af NumJobStarts NumJobCompletions
	assert_output "2 2"
	stop_master
}

@test "max_retries: a failing job runs max_retries + 1 times, then completes" {
	write_sub job.sub "executable = /bin/false" "max_retries = 2"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 gone 1.0
	[ "$(grep -c '^001 ' job.log)" = 3 ]
	[ "$(grep -c '^004 ' job.log)" = 2 ]
	[ "$(grep -c '^005 ' job.log)" = 1 ]
	run_cmd 0 condor_history -af ExitCode NumJobCompletions JobStatus
	assert_output "1 3 4"
	stop_master
}

@test "success_exit_code: the chosen code ends the retries" {
	cat > flip.sh <<'EOF'
#!/bin/sh
# exits 0 the first time, then 7
if [ -f "$1/ran" ]; then exit 7; fi
touch "$1/ran"
exit 0
EOF
	chmod +x flip.sh
	write_sub job.sub "executable = flip.sh" "arguments = $TESTDIR" \
		"success_exit_code = 7" "max_retries = 5"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 gone 1.0
	run_cmd 0 condor_history -af ExitCode NumJobCompletions
	assert_output "7 2"
	stop_master
}

# ---------------------------------------------------------------- periodic

@test "periodic_hold and periodic_remove act on idle jobs" {
	export _CONDOR_NUM_CPUS=1
	write_sub busy.sub "executable = /bin/sleep" "arguments = 600"
	write_sub hold.sub "executable = /bin/true" "periodic_hold = JobStatus == 1"
	write_sub rm.sub "executable = /bin/true" "periodic_remove = JobStatus == 1 && (time() - QDate) >= 0"
	start_master
	run_cmd 0 condor_submit busy.sub
	wait_for 30 status_is 1.0 2
	run_cmd 0 condor_submit hold.sub
	run_cmd 0 condor_submit rm.sub
	wait_for 30 status_is 2.0 5
	run_cmd 0 condor_q -allusers 2.0 -af HoldReasonCode HoldReason
	assert_output "3 The job attribute PeriodicHold expression 'JobStatus == 1' evaluated to TRUE"
	wait_for 30 gone 3.0
	run_cmd 0 condor_history 3.0 -af JobStatus RemoveReason
	assert_output "3 The job attribute PeriodicRemove expression 'JobStatus == 1 && (time() - QDate) >= 0' evaluated to TRUE"
	grep -q '^012 (002\.000\.000)' job.log
	grep -q '^009 (003\.000\.000)' job.log
	# (a bare "! cmd" never fails a bats test)
	if grep -q '^001 (00[23]\.' job.log; then return 1; fi
	stop_master QUIT
}

@test "periodic_release releases a held job, which then runs" {
	write_sub job.sub "executable = /bin/true" "hold = true" \
		"periodic_release = (time() - QDate) >= 0"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 gone 1.0
	run events
	assert_output "$(printf '000\n013\n001\n040\n040\n005')"
	run event 013
	assert_line --index 1 "	The job attribute PeriodicRelease expression '(time() - QDate) >= 0' evaluated to TRUE"
	stop_master
}

@test "periodic_hold of a running job stops it and logs 012 only" {
	write_sub job.sub "executable = /bin/sleep" "arguments = 600" \
		"periodic_hold = JobStatus == 2"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 status_is 1.0 5
	wait_for 30 grep -q '^012 ' job.log
	run events
	assert_output "$(printf '000\n001\n012')"
	wait_for 20 eval '[ -z "$(ls "$_CONDOR_LOCAL_DIR/execute")" ]'
	stop_master
}

# ---------------------------------------------------------------- files

@test "output files and stdout/stderr are transferred to the Iwd" {
	cat > make-out.sh <<'EOF'
#!/bin/sh
echo "result" > out.dat
echo "to stdout"
echo "to stderr" >&2
EOF
	chmod +x make-out.sh
	mkdir sub
	write_sub job.sub "executable = make-out.sh" "initialdir = $TESTDIR/sub" \
		"should_transfer_files = yes" "transfer_output_files = out.dat" \
		"output = job.out" "error = job.err"
	sed -i 's|^log = job.log|log = '"$TESTDIR"'/job.log|' job.sub
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 gone 1.0
	[ "$(cat sub/out.dat)" = result ]
	[ "$(cat sub/job.out)" = "to stdout" ]
	[ "$(cat sub/job.err)" = "to stderr" ]
	stop_master
}
