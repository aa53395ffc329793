#!/usr/bin/env bats
# 130-job-environment.bats - what a running job sees and what it leaves:
# the environment HTCondor's starter sets, input transfer (files and
# directories, and the spool winning over inputs), the checkpoint variants
# (by signal; no transfer_checkpoint_files at all), and the job's spool
# directory while it is held between checkpoints.

load helpers

setup() {
	common_setup
	export _CONDOR_NUM_CPUS=2
	export _CONDOR_PERIODIC_EXPR_INTERVAL=1
	MASTER_PID=
	SPOOL=$_CONDOR_LOCAL_DIR/spool
	EXECUTE=$_CONDOR_LOCAL_DIR/execute
}

teardown() {
	cleanup_master
}

@test "the job's environment is HTCondor's" {
	cat > env.sh <<'JOB'
#!/bin/sh
env | sort > env.out
JOB
	chmod +x env.sh
	cat > job.sub <<'SUB'
executable = env.sh
environment = "FROM_SUBMIT=one OMP_NUM_THREADS=7"
request_cpus = 1
should_transfer_files = yes
log = job.log
queue
SUB
	export NOT_PASSED=secret
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 gone 1.0
	stop_master
	run cat env.out
	assert_line "BATCH_SYSTEM=HTCondor"
	assert_line "FROM_SUBMIT=one"
	# the job's own setting wins over the slot's cpu count
	assert_line "OMP_NUM_THREADS=7"
	assert_line --regexp "^_CONDOR_SCRATCH_DIR=$EXECUTE/dir_[0-9]+$"
	assert_line --regexp "^_CONDOR_JOB_AD=$EXECUTE/dir_[0-9]+/\.job\.ad$"
	assert_line --regexp "^TMPDIR=$EXECUTE/dir_[0-9]+$"
	assert_line --regexp "^_CONDOR_JOB_IWD=$EXECUTE/dir_[0-9]+$"
	# one cpu asked for, two in the machine: the slot's count
	assert_line "MKL_NUM_THREADS=1"
	refute_line --partial "NOT_PASSED"
}

@test "getenv = true passes the submitter's environment; environment still wins" {
	cat > env.sh <<'JOB'
#!/bin/sh
echo "A=$A B=$B"
JOB
	chmod +x env.sh
	printf 'executable = env.sh\ngetenv = true\nenvironment = "B=fromsub"\noutput = out\nlog = job.log\nqueue\n' > job.sub
	export A=fromenv B=fromenv
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 gone 1.0
	stop_master
	run cat out
	assert_output "A=fromenv B=fromsub"
}

@test "input files and directories are transferred; input is the job's stdin" {
	mkdir -p data/sub
	echo alpha > a.txt
	echo beta > data/sub/b.txt
	echo "from stdin" > in.txt
	cat > read.sh <<'JOB'
#!/bin/sh
cat a.txt data/sub/b.txt
cat
test -f .job.ad && grep -q '^ClusterId = ' .job.ad && echo "job ad ok"
JOB
	chmod +x read.sh
	cat > job.sub <<'SUB'
executable = read.sh
transfer_input_files = a.txt, data
input = in.txt
output = out
error = err
log = job.log
should_transfer_files = yes
queue
SUB
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 gone 1.0
	stop_master
	run cat out
	assert_output $'alpha\nbeta\nfrom stdin\njob ad ok'
}

@test "a checkpoint by signal (SuccessCheckpointExitBySignal) restarts in place" {
	cat > sig.sh <<'JOB'
#!/bin/sh
# Two checkpoints announced by dying of SIGUSR2, then done.
n=$(cat n 2>/dev/null || echo 0)
echo "run $n"
if [ "$n" -lt 2 ]; then
	echo $((n + 1)) > n
	kill -USR2 $$
	sleep 5
fi
echo done
JOB
	chmod +x sig.sh
	cat > job.sub <<'SUB'
executable = sig.sh
+WantFTOnCheckpoint = TRUE
+SuccessCheckpointExitBySignal = TRUE
+SuccessCheckpointExitSignal = 12
transfer_output_files = n
should_transfer_files = yes
output = out
log = job.log
queue
SUB
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 gone 1.0
	stop_master
	run cat out
	assert_output $'run 0\nrun 1\nrun 2\ndone'
	[ "$(grep -c '^001 ' job.log)" -eq 1 ]
	[ "$(grep -c '^040 .*Finished transferring output files' job.log)" -ge 2 ]
	run_cmd 0 condor_history -af ExitCode ExitBySignal
	assert_output "0 false"
}

@test "no checkpoint files named: the spool keeps the job's new files, not its private ones" {
	# As in HTCondor, "every new or changed file" means the top level of
	# the sandbox: subdirectories are not scanned.
	cat > ck.sh <<'JOB'
#!/bin/sh
# Checkpoints once, then waits to be held and looked at.
if [ ! -f state ]; then
	echo 42 > state
	mkdir -p results && echo r > results/r.txt
	exit 85
fi
sleep 60
JOB
	chmod +x ck.sh
	cat > job.sub <<'SUB'
executable = ck.sh
checkpoint_exit_code = 85
should_transfer_files = yes
output = out
log = job.log
queue
SUB
	start_master
	run_cmd 0 condor_submit job.sub
	local js=$SPOOL/1/0/cluster1.proc0.subproc0
	wait_for 30 test -f "$js/state"
	run_cmd 0 condor_hold 1.0
	wait_for 30 grep -q '^012 ' job.log
	run ls -A "$js"
	assert_line "state"
	assert_line "_condor_stdout"
	refute_line "results"
	refute_line ".job.ad"
	refute_line ".machine.ad"
	refute_line ".starter.pid"
	refute_line "ck.sh"
	[ "$(cat "$js/state")" = 42 ]
	# private to the job's owner
	[ "$(stat -c %a "$js")" = 700 ]
	run_cmd 0 condor_rm 1.0
	wait_for 20 gone 1.0
	stop_master
}

@test "spooled files win over input files at the next start" {
	echo "input" > state
	cat > win.sh <<'JOB'
#!/bin/sh
# First run: record what it found, checkpoint a new state, then wait.
echo "found $(cat state)" >> seen
if [ "$(cat state)" = input ]; then
	echo spooled > state
	exit 85
fi
sleep 60
JOB
	chmod +x win.sh
	cat > job.sub <<'SUB'
executable = win.sh
checkpoint_exit_code = 85
transfer_input_files = state
transfer_checkpoint_files = state, seen
should_transfer_files = yes
log = job.log
queue
SUB
	start_master
	run_cmd 0 condor_submit job.sub
	local js=$SPOOL/1/0/cluster1.proc0.subproc0
	wait_for 30 test -f "$js/seen"
	# in-place restart: the sandbox already holds the spooled state
	wait_for 30 eval '[ "$(find "$EXECUTE" -name seen -exec cat {} + 2>/dev/null | wc -l)" -ge 2 ]'
	# a vacate means a new sandbox; the spool wins over the input again
	run_cmd 0 condor_hold 1.0
	wait_for 30 grep -q '^012 ' job.log
	run_cmd 0 condor_release 1.0
	wait_for 30 eval '[ "$(find "$EXECUTE" -name seen -exec cat {} + 2>/dev/null | grep -c spooled)" -ge 1 ]'
	run bash -c "find '$EXECUTE' -name seen -exec cat {} +"
	assert_line --index 0 "found input"
	assert_line --index 1 "found spooled"
	refute_line --index 2 "found input"
	run_cmd 0 condor_rm 1.0
	wait_for 20 gone 1.0
	stop_master
}
