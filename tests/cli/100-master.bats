#!/usr/bin/env bats
# 100-master.bats - condor_master as a daemon: foreground and background,
# one instance per LOCAL_DIR, graceful and fast shutdown, its log, bad
# configuration, autostart from condor_submit, and the wake-ups the tools
# send it.

load helpers

setup() {
	common_setup
	export _CONDOR_NUM_CPUS=2
	export _CONDOR_PERIODIC_EXPR_INTERVAL=1
	MASTER_PID=
	FG_PID=
}

teardown() {
	if [ -n "${FG_PID:-}" ] && alive "$FG_PID"; then
		kill -QUIT "$FG_PID" 2>/dev/null || true
		wait "$FG_PID" 2>/dev/null || true
	fi
	cleanup_master
}

LOG_DIR() { echo "$_CONDOR_LOCAL_DIR/log"; }

write_sub() {
	local file=$1
	shift
	{
		echo "log = job.log"
		printf '%s\n' "$@"
		echo "queue"
	} > "$file"
}

# ---------------------------------------------------------------- options

@test "--help prints the usage and exits 0; a bad option exits 1" {
	run_split 0 condor_master --help
	assert_line --partial "condor_master [-f] [-t]"
	run_split 1 condor_master -bogus
	[[ "$stderr" == *"condor_master [-f] [-t]"* ]]
	[ ! -e "$_CONDOR_LOCAL_DIR/log/condor_master.lock" ]
}

# ---------------------------------------------------------------- lifecycle

@test "-f stays in the foreground, logs to stderr and MasterLog, exits 0 on SIGTERM" {
	condor_master -f 2>fg.err 3>&- &
	FG_PID=$!
	wait_for 20 grep -q "started" "$(LOG_DIR)/MasterLog"
	[ "$(master_pid)" = "$FG_PID" ]
	grep -q "condor_master (pid $FG_PID) started: 2 slots" fg.err
	kill -TERM "$FG_PID"
	local st=0
	wait "$FG_PID" || st=$?
	[ "$st" -eq 0 ]
	FG_PID=
	grep -q "Got SIGTERM: shutting down gracefully" "$(LOG_DIR)/MasterLog"
	grep -q "exiting" fg.err
	# the lines carry HTCondor's daemon-log time stamp
	run head -1 "$(LOG_DIR)/MasterLog"
	assert_output --regexp '^[0-9]{2}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} condor_master'
}

@test "without -f it daemonizes: returns 0 once ready, runs on in its own session" {
	start_master
	[ "$output" = "" ]
	[ "$(ps -o ppid= -p "$MASTER_PID" | tr -d ' ')" != "$$" ]
	[ "$(ps -o sid= -p "$MASTER_PID" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
	[ "$(readlink "/proc/$MASTER_PID/cwd")" = "/" ]
	grep -q "condor_master (pid $MASTER_PID) started" "$(LOG_DIR)/MasterLog"
	stop_master TERM
	grep -q "Got SIGTERM" "$(LOG_DIR)/MasterLog"
	grep -q "condor_master (pid [0-9]*) exiting" "$(LOG_DIR)/MasterLog"
}

@test "a second instance for the same LOCAL_DIR says so and exits 1" {
	start_master
	run_split 1 condor_master
	[ "$stderr" = "condor_master: another condor_master is already running (pid $MASTER_PID) for $_CONDOR_LOCAL_DIR" ]
	run_split 1 condor_master -f
	[ "$stderr" = "condor_master: another condor_master is already running (pid $MASTER_PID) for $_CONDOR_LOCAL_DIR" ]
	alive "$MASTER_PID"
	[ "$(master_pid)" = "$MASTER_PID" ]
	# another LOCAL_DIR is another daemon
	local first=$MASTER_PID
	_CONDOR_LOCAL_DIR=$TESTDIR/other start_master
	[ "$MASTER_PID" != "$first" ]
	_CONDOR_LOCAL_DIR=$TESTDIR/other stop_master
	MASTER_PID=$first
	stop_master
}

@test "bad configuration: a clear message and exit 1, with or without -f" {
	_CONDOR_STARTER=/nonexistent/condor_starter run_split 1 condor_master
	[[ "$stderr" == "condor_master: starter '/nonexistent/condor_starter': No such file or directory" ]]
	_CONDOR_STARTER=/nonexistent/condor_starter run_split 1 condor_master -f
	[[ "$stderr" == *"starter '/nonexistent/condor_starter'"* ]]
	echo 'LOCAL_DIR = "' > "$CONDOR_CONFIG"
	run_split 1 condor_master
	[[ "$stderr" == "condor_master: $CONDOR_CONFIG:"[0-9]*": "* ]]
	: > "$CONDOR_CONFIG"
	mkdir ro && chmod 500 ro
	if [ "$(id -u)" != 0 ]; then
		_CONDOR_LOCAL_DIR=$TESTDIR/ro/local run_split 1 condor_master
		[[ "$stderr" == "condor_master: "*"Permission denied"* ]]
	fi
	[ -z "$(master_pid)" ] || ! alive "$(master_pid)"
}

# ---------------------------------------------------------------- shutdown

@test "SIGTERM vacates running jobs gracefully: 004, back to Idle, exit" {
	write_sub job.sub "executable = /bin/sleep" "arguments = 600"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 status_is 1.0 2
	wait_for 20 eval 'ls "$_CONDOR_LOCAL_DIR"/execute/dir_*/.starter.pid'
	stop_master TERM
	status_is 1.0 1
	run events
	assert_output "$(printf '000\n001\n004')"
	grep -q "^	Reason: Startd was shutdown" job.log
	grep -q "Job 1.0 evicted: Startd was shutdown" "$(LOG_DIR)/MasterLog"
	[ -z "$(ls "$_CONDOR_LOCAL_DIR/execute")" ]
	run_cmd 0 condor_q -allusers 1.0 -af NumJobStarts RemoteHost LastRemoteHost
	assert_output --regexp '^1 undefined slot1@[^ ]+$'
}

@test "SIGTERM gives a job that ignores it its vacate time, then kills it" {
	cat > stubborn.sh <<'EOF'
#!/bin/sh
trap '' TERM
echo started
while :; do sleep 1; done
EOF
	chmod +x stubborn.sh
	write_sub job.sub "executable = stubborn.sh" "job_max_vacate_time = 1" \
		"output = out.txt"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 status_is 1.0 2
	wait_for 20 eval 'grep -q started "$_CONDOR_LOCAL_DIR"/execute/dir_*/_condor_stdout'
	stop_master TERM
	status_is 1.0 1
	events | grep -q '^004'
}

@test "SIGQUIT kills running jobs at once: 004, back to Idle" {
	cat > stubborn.sh <<'EOF'
#!/bin/sh
trap '' TERM
while :; do sleep 1; done
EOF
	chmod +x stubborn.sh
	write_sub job.sub "executable = stubborn.sh"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 status_is 1.0 2
	wait_for 20 eval 'ls "$_CONDOR_LOCAL_DIR"/execute/dir_*/.starter.pid'
	stop_master QUIT
	status_is 1.0 1
	grep -q "Got SIGQUIT: shutting down fast" "$(LOG_DIR)/MasterLog"
	run events
	assert_output "$(printf '000\n001\n004')"
}

@test "a daemon whose LOCAL_DIR was removed under it still stops" {
	write_sub job.sub "executable = /bin/sleep" "arguments = 60"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 status_is 1.0 2
	rm -rf "$_CONDOR_LOCAL_DIR"
	# The results cannot be recorded; the daemon must not wait forever.
	stop_master QUIT
}

# ---------------------------------------------------------------- autostart

@test "condor_submit starts a daemon when none runs (AUTOSTART_MASTER)" {
	write_sub job.sub "executable = /bin/true"
	[ -z "$(master_pid)" ]
	_CONDOR_AUTOSTART_MASTER=true run_split 0 condor_submit job.sub
	[ -z "$stderr" ]
	MASTER_PID=$(master_pid)
	alive "$MASTER_PID"
	wait_for 30 grep -q '^005 ' job.log
	# a second submit finds it running and starts no other
	_CONDOR_AUTOSTART_MASTER=true run_split 0 condor_submit job.sub
	[ "$(master_pid)" = "$MASTER_PID" ]
	wait_for 30 eval '[ "$(grep -c "^005 " job.log)" = 2 ]'
	stop_master
}

@test "no daemon and AUTOSTART_MASTER false: the submit succeeds quietly" {
	write_sub job.sub "executable = /bin/true"
	_CONDOR_AUTOSTART_MASTER=false run_split 0 condor_submit job.sub
	[ -z "$stderr" ]
	[ -z "$(master_pid)" ]
	status_is 1.0 1
	run_split 0 condor_hold 1.0
	[ -z "$stderr" ]
	run_split 0 condor_release 1.0
	[ -z "$stderr" ]
}

@test "autostart that fails is a warning; the jobs are queued" {
	write_sub job.sub "executable = /bin/true"
	_CONDOR_AUTOSTART_MASTER=true _CONDOR_STARTER=/nonexistent/condor_starter \
		run_split 0 condor_submit job.sub
	assert_output --partial "1 job(s) submitted to cluster 1."
	[[ "$stderr" == *"condor_master: starter '/nonexistent/condor_starter'"* ]]
	[[ "$stderr" == *"condor_submit: condor_master did not start"* ]]
	status_is 1.0 1
}

# ---------------------------------------------------------------- wake-ups

@test "tools wake the daemon: release starts a held job without waiting for the timer" {
	export _CONDOR_PERIODIC_EXPR_INTERVAL=3600
	write_sub job.sub "executable = /bin/true" "hold = true"
	start_master
	run_cmd 0 condor_submit job.sub
	status_is 1.0 5
	run_cmd 0 condor_release 1.0
	wait_for 20 grep -q '^005 ' job.log
	run events
	assert_output "$(printf '000\n013\n001\n040\n040\n005')"
	stop_master
}

@test "hold of a running job: the daemon stops it, logs 004 then 012 once" {
	export _CONDOR_PERIODIC_EXPR_INTERVAL=3600
	write_sub job.sub "executable = /bin/sleep" "arguments = 600"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 status_is 1.0 2
	run_cmd 0 condor_hold 1.0
	wait_for 20 eval 'grep -q "^012 " job.log'
	run events
	assert_output "$(printf '000\n001\n004\n012')"
	grep -A3 '^004 ' job.log | grep -q "Job was evicted. Code 1 Subcode 0"
	grep -A6 '^004 ' job.log | grep -q "	Reason: via condor_hold (by user $(id -un))"
	status_is 1.0 5
	wait_for 20 eval '[ -z "$(ls "$_CONDOR_LOCAL_DIR/execute")" ]'
	# released, it runs again (a new 001)
	run_cmd 0 condor_release 1.0
	wait_for 20 status_is 1.0 2
	run_cmd 0 condor_q -allusers 1.0 -af NumJobStarts
	assert_output "2"
	stop_master QUIT
}

@test "rm of a running ON_EXIT_OR_EVICT job: SIGTERM, but nothing is transferred" {
	cat > polite.sh <<'EOF'
#!/bin/sh
# Writes its output when asked to stop, as a delayed-transfer job would.
trap 'echo "stopped gracefully" > out; echo "got TERM" >> "$MARK"; exit 0' TERM
while :; do sleep 0.1; done
EOF
	chmod +x polite.sh
	write_sub job.sub "executable = polite.sh" "should_transfer_files = yes" \
		"when_to_transfer_output = ON_EXIT_OR_EVICT" \
		"transfer_output_files = out" "environment = \"MARK=$TESTDIR/mark\""
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 status_is 1.0 2
	wait_for 20 eval 'ls "$_CONDOR_LOCAL_DIR"/execute/dir_*/.starter.pid'
	run_cmd 0 condor_rm 1.0
	wait_for 20 gone 1.0
	# stopped with its KillSig, not killed outright ...
	[ "$(cat "$TESTDIR/mark")" = "got TERM" ]
	# ... and its output went nowhere: not to the spool, not to the Iwd
	run event 004
	assert_line --regexp '^	0  -  Run Bytes Sent By Job$'
	[ ! -e out ]
	[ ! -e "$_CONDOR_LOCAL_DIR/spool/1" ]
	stop_master
}

@test "rm of a running job: 004 then 009, then it leaves the queue" {
	export _CONDOR_PERIODIC_EXPR_INTERVAL=3600
	write_sub job.sub "executable = /bin/sleep" "arguments = 600"
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 20 status_is 1.0 2
	run_cmd 0 condor_rm 1.0
	wait_for 20 eval '[ -z "$(job_status 1.0)" ]'
	run events
	assert_output "$(printf '000\n001\n004\n009')"
	grep -A1 '^004 ' job.log | grep -q "Job was evicted. Code 1023 Subcode 0"
	run_cmd 0 condor_history -af JobStatus RemoveReason
	assert_output "3 via condor_rm (by user $(id -un))"
	[ ! -e "$_CONDOR_LOCAL_DIR/spool/1" ]
	stop_master
}
