#!/usr/bin/env bats
# 120-recovery.bats - condor_master killed with SIGKILL and started again:
# no job is lost, none runs twice at once, each resumes from its last
# committed checkpoint (running jobs keep running: their starters outlive
# the daemon), and the queue says truthfully where each job is.

load helpers

setup() {
	common_setup
	export _CONDOR_NUM_CPUS=2
	export _CONDOR_PERIODIC_EXPR_INTERVAL=1
	MASTER_PID=
	EX=$CONDORLET_SRCDIR/contrib/examples
	SPOOL=$_CONDOR_LOCAL_DIR/spool
	JOBSPOOL=$SPOOL/1/0/cluster1.proc0.subproc0
	mkdir guard
	# The toy job under a guard that records a second instance running
	# at the same time: each instance holds an exclusive lock on
	# guard/lock for its whole life (the lock goes with the process).
	cp "$EX/toy-ckpt.sh" .
	cat > guarded.sh <<EOF
#!/bin/sh
exec 9>>"$TESTDIR/guard/lock"
if ! flock -n 9; then
	echo "overlap at \$(date +%s.%N)" >> "$TESTDIR/guard/overlap"
	flock 9
fi
echo \$\$ >> "$TESTDIR/guard/pids"
exec sh ./toy-ckpt.sh "\$@"
EOF
	chmod +x guarded.sh
}

teardown() {
	cleanup_master
}

write_toy_sub() {
	cat > job.sub <<EOF
executable = guarded.sh
arguments = $1 85
transfer_input_files = toy-ckpt.sh
checkpoint_exit_code = 85
transfer_checkpoint_files = 85.ckpt
should_transfer_files = yes
output = job.out
error = job.err
log = job.log
queue
EOF
}

# The spooled checkpoint is absent or a complete number 1..10.
spool_sane() {
	local v
	# gone is fine (never checkpointed, or finished and cleaned up)
	v=$(cat "$JOBSPOOL/85.ckpt" 2>/dev/null) || { [ ! -e "$JOBSPOOL/85.ckpt" ]; return; }
	case $v in '' | *[!0-9]*) echo "# torn checkpoint: '$v'" >&2; return 1 ;; esac
	[ "$v" -ge 1 ] && [ "$v" -le 10 ]
}

# The queue's word for job 1.0 matches what runs: Running exactly while
# an instance of the job lives (or it finished and left).
queue_truthful() {
	local st
	st=$(job_status 1.0)
	case $st in
	2) [ -n "$(ls "$_CONDOR_LOCAL_DIR"/execute/dir_*/.job.ad 2>/dev/null)" ] ;;
	1) [ -z "$(ls "$_CONDOR_LOCAL_DIR"/execute/dir_*/.starter.pid 2>/dev/null)" ] ||
	   [ -z "$MASTER_PID" ] ;;
	'') grep -q '^005 ' job.log ;;
	*) echo "# unexpected status $st" >&2; return 1 ;;
	esac
}

@test "kill -9 of the daemon, five times, while a checkpointing job runs" {
	write_toy_sub 0.1
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 status_is 1.0 2
	local i
	for i in 1 2 3 4 5; do
		sleep "0.$((RANDOM % 4 + 1))"
		kill -KILL "$MASTER_PID"
		wait_for 10 eval '! alive "$MASTER_PID"'
		MASTER_PID=
		spool_sane
		queue_truthful
		[ ! -e guard/overlap ]
		start_master
		spool_sane
		grep -q '^005 ' job.log || ! status_is 1.0 5
	done
	wait_for 60 gone 1.0
	stop_master
	[ ! -e guard/overlap ]
	grep -q "Computation complete" job.out
	run_cmd 0 condor_history -af ExitCode JobStatus
	assert_output "0 4"
	[ "$(grep -c '^005 ' job.log)" = 1 ]
	# every start after a restart resumed from a checkpoint, never from 0 again
	[ "$(grep -c '^Starting from 0$' job.out)" = 1 ]
	[ ! -e "$JOBSPOOL" ]
	[ -z "$(ls "$_CONDOR_LOCAL_DIR/execute")" ]
}

@test "a run that ended while no daemon ran is accounted for at restart" {
	write_toy_sub 0
	start_master
	kill -STOP "$MASTER_PID"
	run_cmd 0 condor_submit job.sub
	kill -KILL "$MASTER_PID"
	MASTER_PID=
	# nothing ran it: the daemon died before it saw the job
	status_is 1.0 1
	start_master
	wait_for 20 status_is 1.0 2
	local sb
	sb=$(condor_q -allusers 1.0 -af CondorletSandbox)
	# freeze the daemon, let the run finish, kill the daemon
	kill -STOP "$MASTER_PID"
	wait_for 30 test -e "$sb/.starter.result"
	kill -KILL "$MASTER_PID"
	MASTER_PID=
	status_is 1.0 2
	start_master
	wait_for 20 gone 1.0
	grep -q "ended while no daemon ran" "$_CONDOR_LOCAL_DIR/log/MasterLog"
	[ "$(grep -c '^005 ' job.log)" = 1 ]
	[ "$(grep -c '^001 ' job.log)" = 1 ]
	grep -q "Computation complete" job.out
	[ ! -e "$sb" ]
	stop_master
}

@test "a run whose starter died with the daemon restarts from its checkpoint" {
	write_toy_sub 0.3
	start_master
	run_cmd 0 condor_submit job.sub
	# wait for the first checkpoint in the spool
	wait_for 30 test -e "$JOBSPOOL/85.ckpt"
	local sb spid
	sb=$(condor_q -allusers 1.0 -af CondorletSandbox)
	spid=$(cut -d' ' -f1 "$sb/.starter.pid")
	kill -KILL "$MASTER_PID"
	MASTER_PID=
	# the starter and the job die too (its whole session)
	pkill -KILL -s "$spid"
	wait_for 10 eval '! pgrep -s "$spid"'
	status_is 1.0 2
	start_master
	grep -q "is lost; it will start again from its last checkpoint" \
		"$_CONDOR_LOCAL_DIR/log/MasterLog"
	wait_for 60 gone 1.0
	stop_master
	[ ! -e guard/overlap ]
	run grep -c '^001 ' job.log
	assert_output 2
	grep -q "^004 " job.log
	grep -q "Computation complete" job.out
	# the second run resumed from the spool, not from the start
	run grep '^Starting from' job.out
	assert_line --index 0 "Starting from 0"
	refute_line --index 1 "Starting from 0"
}

@test "a job held while no daemon ran is stopped at restart: 004, then 012" {
	cat > job.sub <<'EOF'
executable = /bin/sleep
arguments = 600
log = job.log
queue
EOF
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 status_is 1.0 2
	wait_for 20 eval 'ls "$_CONDOR_LOCAL_DIR"/execute/dir_*/.starter.pid'
	kill -KILL "$MASTER_PID"
	MASTER_PID=
	run_cmd 0 condor_hold 1.0
	# (a bare "! cmd" never fails a bats test)
	if grep -q '^012 ' job.log; then return 1; fi
	start_master
	wait_for 30 grep -q '^012 ' job.log
	run bash -c "grep -E '^[0-9]{3} ' job.log | cut -c1-3"
	assert_output "$(printf '000\n001\n004\n012')"
	status_is 1.0 5
	wait_for 20 eval '[ -z "$(ls "$_CONDOR_LOCAL_DIR/execute")" ]'
	stop_master
}

@test "stale sandboxes are removed at start-up, even deep or read-only ones" {
	mkdir -p "$_CONDOR_LOCAL_DIR/execute/dir_7"
	local d="$_CONDOR_LOCAL_DIR/execute/dir_7"
	local i
	for i in $(seq 1 80); do d="$d/d"; done
	mkdir -p "$d"
	echo x > "$d/file"
	ln -s /etc "$_CONDOR_LOCAL_DIR/execute/dir_7/etc-link"
	mkdir "$_CONDOR_LOCAL_DIR/execute/dir_7/ro"
	touch "$_CONDOR_LOCAL_DIR/execute/dir_7/ro/f"
	chmod 500 "$_CONDOR_LOCAL_DIR/execute/dir_7/ro"
	mkdir "$_CONDOR_LOCAL_DIR/execute/keep-me"
	start_master
	[ ! -e "$_CONDOR_LOCAL_DIR/execute/dir_7" ]
	[ -d "$_CONDOR_LOCAL_DIR/execute/keep-me" ]
	[ -e /etc/passwd ]
	grep -q "removed stale sandbox" "$_CONDOR_LOCAL_DIR/log/MasterLog"
	stop_master
}

@test "a sandbox path edited into the queue is never trusted" {
	cat > job.sub <<'EOF'
executable = /bin/true
log = job.log
+CondorletSandbox = "/etc"
queue
EOF
	run_cmd 0 condor_submit job.sub
	start_master
	wait_for 20 gone 1.0
	[ -d /etc ] && [ -e /etc/passwd ]
	grep -q "ignoring its recorded sandbox '/etc'" "$_CONDOR_LOCAL_DIR/log/MasterLog"
	stop_master
}

@test "spool directories of jobs that left while no daemon ran are removed at start-up" {
	write_toy_sub 0
	sed -i 's/^queue$/hold = true\nqueue/' job.sub
	run_cmd 0 condor_submit job.sub
	run_cmd 0 condor_submit job.sub
	mkdir -p "$SPOOL/1/0/cluster1.proc0.subproc0" "$SPOOL/2/0/cluster2.proc0.subproc0"
	echo 3 > "$SPOOL/1/0/cluster1.proc0.subproc0/85.ckpt"
	echo 3 > "$SPOOL/2/0/cluster2.proc0.subproc0/85.ckpt"
	run_cmd 0 condor_rm 1.0
	start_master
	[ ! -e "$SPOOL/1" ]
	[ -e "$SPOOL/2/0/cluster2.proc0.subproc0/85.ckpt" ]
	stop_master
}
