#!/usr/bin/env bats
# 150-checkpoint-signal.bats - the periodic checkpoint signal: a running job
# with +WantCheckpointSignal = TRUE is sent +CheckpointSig (a name or a
# number; KillSig by default) whenever PERIODIC_CHECKPOINT, evaluated with
# LastPeriodicCheckpoint, is true; its checkpoint exit is committed and
# restarted in place; any other exit after the signal holds the job (code
# 36, "did not exit as promised") and keeps the previous checkpoint.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	export _CONDOR_NUM_CPUS=3
	# the signal has a tick of its own: not this interval
	export _CONDOR_PERIODIC_EXPR_INTERVAL=3600
	export _CONDOR_PERIODIC_CHECKPOINT='(time() - LastPeriodicCheckpoint) >= 2'
	MASTER_PID=
	EX=$CONDORLET_SRCDIR/contrib/examples
	SPOOL=$_CONDOR_LOCAL_DIR/spool
	MASTERLOG=$_CONDOR_LOCAL_DIR/log/MasterLog
}

teardown() {
	cleanup_master
}

af() {
	local id=$1
	shift
	run_cmd 0 condor_q -allusers "$id" -af "$@"
}

sandbox() {
	condor_q -allusers "$1" -af CondorletSandbox 2>/dev/null
}

# checkpoints_at_least ID N: the job has committed N checkpoints or more.
checkpoints_at_least() {
	local n
	n=$(condor_q -allusers "$1" -af CheckpointNumber 2>/dev/null)
	[[ "$n" =~ ^[0-9]+$ ]] && [ $((n + 1)) -ge "$2" ]
}

# The times (epoch seconds) the daemon signalled job $1, one per line.
signal_times() {
	local day time rest
	grep "Job $1: PERIODIC_CHECKPOINT is true: sending its checkpoint signal" "$MASTERLOG" |
		while read -r day time rest; do
			date -d "$day $time" +%s
		done
}

# periodic.sh as the seeds' periodic-signal.sub runs it, with the given
# extra submit lines instead of its +CheckpointSig.
write_periodic_sub() {
	local file=$1
	shift
	{
		echo "checkpoint_exit_code = 85"
		echo "transfer_checkpoint_files = periodic.ckpt"
		echo "should_transfer_files = yes"
		echo "executable = periodic.sh"
		echo "arguments = 0.2 600 periodic.ckpt 85"
		echo "log = job.log"
		echo "output = ${file%.sub}.out"
		printf '%s\n' "$@"
		echo "queue"
	} > "$file"
}

@test "periodic-signal.sub: SIGUSR2 about every 2 s, a checkpoint each time, restarted in place" {
	cp "$EX/periodic-signal.sub" "$EX/periodic.sh" .
	start_master
	run_cmd 0 condor_submit NAP=0.2 periodic-signal.sub
	wait_for 30 checkpoints_at_least 1.0 3
	local sb
	sb=$(sandbox 1.0)
	status_is 1.0 2
	# the job says so: a checkpoint on each signal, and each restart
	# resumes from the one just written
	run grep -E '^(Starting from|Checkpointed at)' "$sb/_condor_stdout"
	assert_line --index 0 "Starting from 0"
	assert_line --index 1 --regexp '^Checkpointed at [0-9]+ on SIGUSR2$'
	echo "$output" | awk '
		/^Checkpointed at/ { want = $3 }
		/^Starting from/ && NR > 1 { if ($3 != want) bad = 1 }
		END { exit bad }'
	# the signals were at least 2 s apart, and not minutes apart
	signal_times 1.0 > times
	[ "$(wc -l < times)" -ge 3 ]
	awk 'NR > 1 { d = $1 - prev; if (d < 2 || d > 10) exit 1 } { prev = $1 }' times
	# the first came about 2 s after the start
	af 1.0 'LastPeriodicCheckpoint > JobCurrentStartDate' 'LastPeriodicCheckpoint <= time()' NumJobStarts
	assert_output "true true 1"
	# one run: no 004, no second 001; each checkpoint is a pair of 040s
	run events periodic-signal.log
	assert_output --regexp $'^000\n001\n040\n040\n040\n040\n040\n040'
	refute_output --partial "004"
	[ "$(grep -c '^001 ' periodic-signal.log)" = 1 ]
	[[ "$(cat "$SPOOL/1/0/cluster1.proc0.subproc0/periodic.ckpt")" =~ ^[0-9]+$ ]]
	stop_master QUIT
}

@test "+CheckpointSig as a number, and KillSig when there is none" {
	cp "$EX/periodic.sh" .
	write_periodic_sub num.sub "+WantCheckpointSignal = TRUE" "+CheckpointSig = 12"
	write_periodic_sub kill.sub "+WantCheckpointSignal = TRUE" "kill_sig = SIGUSR2"
	start_master
	run_cmd 0 condor_submit num.sub
	run_cmd 0 condor_submit kill.sub
	wait_for 30 checkpoints_at_least 1.0 2
	wait_for 30 checkpoints_at_least 2.0 2
	# any other signal would have killed periodic.sh: held for that
	status_is 1.0 2
	status_is 2.0 2
	grep -q "Checkpointed at [0-9]* on SIGUSR2" "$(sandbox 1.0)/_condor_stdout"
	grep -q "Checkpointed at [0-9]* on SIGUSR2" "$(sandbox 2.0)/_condor_stdout"
	run ! grep -q '^012 ' job.log
	stop_master QUIT
}

@test "an exit other than the promised one after the signal holds the job (36); the checkpoint stays" {
	cat > liar.sh <<'EOF'
#!/bin/bash
# on the signal: the first time a checkpoint (1, exit 85); then a broken
# promise (writes 2, exits 0)
n=0
[ -f state ] && n=$(cat state)
on_usr2() {
	echo $((n + 1)) > state
	[ "$n" -ge 1 ] && exit 0
	exit 85
}
trap on_usr2 USR2
echo "Starting from $n"
while :; do
	sleep 0.2 &
	wait $!
done
EOF
	chmod +x liar.sh
	cat > job.sub <<'EOF'
executable = liar.sh
+WantCheckpointSignal = TRUE
+CheckpointSig = "SIGUSR2"
checkpoint_exit_code = 85
transfer_checkpoint_files = state
should_transfer_files = yes
log = job.log
queue
EOF
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 status_is 1.0 5
	af 1.0 HoldReasonCode HoldReasonSubCode NumJobStarts
	assert_output "36 0 1"
	af 1.0 HoldReason
	assert_output --regexp '^Error from slot[123]@[^:]+: Job did not exit as promised when sent its checkpoint signal\.  Promised exit was with exit code 85, actual exit status was with exit code 0\.$'
	run events
	assert_output "$(printf '000\n001\n040\n040\n021\n004\n012')"
	grep -A2 '^012 ' job.log | grep -q "	Code 36 Subcode 0"
	grep -A1 '^004 ' job.log | grep -q "Job was evicted. Code 36 Subcode 0"
	# the previous checkpoint is the one kept
	[ "$(cat "$SPOOL/1/0/cluster1.proc0.subproc0/state")" = 1 ]
	stop_master QUIT
}

@test "no signal without +WantCheckpointSignal = TRUE" {
	cp "$EX/periodic.sh" .
	write_periodic_sub want.sub "+WantCheckpointSignal = TRUE" "+CheckpointSig = \"SIGUSR2\""
	write_periodic_sub none.sub "+CheckpointSig = \"SIGUSR2\""
	write_periodic_sub str.sub "+WantCheckpointSignal = \"TRUE\"" "+CheckpointSig = \"SIGUSR2\""
	start_master
	run_cmd 0 condor_submit want.sub
	run_cmd 0 condor_submit none.sub
	run_cmd 0 condor_submit str.sub
	wait_for 20 status_is 3.0 2
	# while the job that asked was signalled three times ...
	wait_for 30 checkpoints_at_least 1.0 3
	# ... the others never were
	local id
	for id in 2.0 3.0; do
		af "$id" JobStatus CheckpointNumber LastPeriodicCheckpoint
		assert_output "2 undefined undefined"
		grep -q "^Computing" "$(sandbox "$id")/_condor_stdout"
		run ! grep -q "Checkpointed" "$(sandbox "$id")/_condor_stdout"
		run ! grep -q "Job $id: PERIODIC_CHECKPOINT" "$MASTERLOG"
	done
	stop_master QUIT
}

@test "PERIODIC_CHECKPOINT false (the default) or not an expression: no signals; SIGHUP reads it again" {
	unset _CONDOR_PERIODIC_CHECKPOINT
	cp "$EX/periodic-signal.sub" "$EX/periodic.sh" .
	printf 'PERIODIC_CHECKPOINT = "((time() -";\n' > "$CONDOR_CONFIG"
	start_master
	grep -q "PERIODIC_CHECKPOINT is not an expression" "$MASTERLOG"
	run_cmd 0 condor_submit NAP=0.2 periodic-signal.sub
	wait_for 20 status_is 1.0 2
	# three seconds with the job asking for it: no signal
	sleep 3
	af 1.0 JobStatus CheckpointNumber
	assert_output "2 undefined"
	# the default, false
	: > "$CONDOR_CONFIG"
	kill -HUP "$MASTER_PID"
	wait_for 10 eval '[ "$(grep -c "SIGHUP: reconfigured" "$MASTERLOG")" = 1 ]'
	run ! grep -q "SIGHUP: reconfigured.*PERIODIC_CHECKPOINT set" "$MASTERLOG"
	sleep 3
	af 1.0 JobStatus CheckpointNumber
	assert_output "2 undefined"
	# set now: the signals begin
	printf 'PERIODIC_CHECKPOINT = "(time() - LastPeriodicCheckpoint) >= 1";\n' > "$CONDOR_CONFIG"
	kill -HUP "$MASTER_PID"
	wait_for 10 grep -q "SIGHUP: reconfigured.*PERIODIC_CHECKPOINT set" "$MASTERLOG"
	wait_for 20 checkpoints_at_least 1.0 1
	stop_master QUIT
}
