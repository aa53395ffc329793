#!/usr/bin/env bats
# 160-ssh-to-job.bats - condor_ssh_to_job: a shell in a running job's
# sandbox with the job's environment and _CONDOR_JOB_PIDS, the remote
# command's exit status passed through, HTCondor's messages for jobs that
# are idle, held or gone, argument errors, another user's job, and
# sandboxes or sandbox files that are not what the daemon made.

load helpers

setup() {
	common_setup
	export _CONDOR_NUM_CPUS=2
	MASTER_PID=
	SHARED=
}

teardown() {
	cleanup_master
	if [ -n "$SHARED" ]; then rm -rf "$SHARED"; fi
}

# sleep_job [extra submit lines...]: job.sub, a 60 s sleep with MARK=seen.
sleep_job() {
	{
		echo "executable = /bin/sleep"
		echo "arguments = 60"
		echo 'environment = "MARK=seen"'
		echo "log = job.log"
		printf '%s\n' "$@"
		echo "queue"
	} > job.sub
}

# Starts the daemon with a running sleep job 1.0; $SB is its sandbox.
running_job() {
	sleep_job "$@"
	start_master
	run_cmd 0 condor_submit job.sub
	run_split 0 condor_ssh_to_job -auto-retry 1.0 true
	SB=$(condor_q -allusers 1.0 -af CondorletSandbox)
	[[ $SB == */execute/dir_[0-9]* ]]
}

# ------------------------------------------------------------ a running job

@test "the shell starts in the sandbox with the job's environment" {
	running_job
	run_split 0 condor_ssh_to_job 1.0 pwd
	assert_output "$SB"
	[ -z "$stderr" ]
	[[ $SB == "$(cd "$_CONDOR_LOCAL_DIR" && pwd -P)"/execute/dir_* ]]
	# cluster alone means proc 0
	run_split 0 condor_ssh_to_job 1 'echo $MARK $_CONDOR_SCRATCH_DIR'
	assert_output "seen $SB"
	# nothing of the caller's environment gets in
	CALLER_ONLY=1 run_split 0 condor_ssh_to_job 1 'echo ${CALLER_ONLY-unset}'
	assert_output "unset"
	stop_master
}

@test "the shell's environment is exactly the job's, plus _CONDOR_JOB_PIDS" {
	running_job
	run_split 0 condor_ssh_to_job 1.0 'env; echo ---; tr "\0" "\n" < /proc/$_CONDOR_JOB_PIDS/environ'
	local shell_env job_env extra
	shell_env=$(printf '%s\n' "$output" | sed '/^---$/,$d' | sort)
	job_env=$(printf '%s\n' "$output" | sed '1,/^---$/d' | sort)
	[ -n "$job_env" ]
	grep -qx 'MARK=seen' <<<"$job_env"
	# every variable of the job's is in the shell's
	[ -z "$(comm -13 <(echo "$shell_env") <(echo "$job_env"))" ]
	# and the shell has nothing else but what sh itself sets
	extra=$(comm -23 <(echo "$shell_env") <(echo "$job_env") |
		grep -Ev '^(_CONDOR_JOB_PIDS|PWD|OLDPWD|SHLVL|_)=' || true)
	[ -z "$extra" ] || { echo "extra: $extra"; return 1; }
	stop_master
}

@test "_CONDOR_JOB_PIDS names the job's sleep, a child of its starter" {
	running_job
	run_split 0 condor_ssh_to_job 1.0 'echo $_CONDOR_JOB_PIDS'
	local pid=$output starter
	[[ $pid =~ ^[0-9]+$ ]]
	run ps -o comm= -p "$pid"
	assert_output "sleep"
	starter=$(cut -d' ' -f1 "$SB/.starter.pid")
	[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = "$starter" ]
	# -debug tells the same on stderr, and stdout stays the command's
	run_split 0 condor_ssh_to_job -debug 1.0 'echo out'
	assert_output "out"
	[[ $stderr == *"sandbox '$SB', starter $starter, job processes $pid"* ]]
	stop_master
}

@test "the remote command's exit status and standard streams pass through" {
	running_job
	run_split 7 condor_ssh_to_job 1.0 'exit 7'
	run_split 1 condor_ssh_to_job 1.0 false
	run_split 0 condor_ssh_to_job 1.0 test -f .job.env
	# the words are joined with spaces, as ssh does, then run by sh
	run_split 0 condor_ssh_to_job 1.0 echo a '  b' '$MARK'
	assert_output "a b seen"
	run_split 3 condor_ssh_to_job 1.0 'echo err >&2; exit 3'
	assert_output ""
	[ "$stderr" = "err" ]
	run bash -c 'echo hello | condor_ssh_to_job 1.0 cat'
	assert_success
	assert_output "hello"
	stop_master
}

@test "an interactive shell: SHELL, -shells, commands from stdin" {
	running_job
	run bash -c 'printf "echo \$MARK \$PWD\nexit 4\n" | SHELL=/bin/sh condor_ssh_to_job 1.0'
	[ "$status" -eq 4 ]
	assert_output "seen $SB"
	run bash -c 'echo "echo \$0" | condor_ssh_to_job -shells no-such-shell,sh 1.0'
	assert_success
	assert_output --regexp '^/.*/sh$'
	run_split 1 condor_ssh_to_job -shells no-such-shell,/nonexistent/sh 1.0
	[ "$stderr" = "condor_ssh_to_job: none of the shells 'no-such-shell,/nonexistent/sh' exists" ]
	stop_master
}

@test "-auto-retry waits for an idle job to start" {
	sleep_job
	run_cmd 0 condor_submit job.sub
	timeout 60 condor_ssh_to_job -auto-retry 1.0 'echo $MARK' >out.txt 2>err.txt &
	local bg=$!
	wait_for 20 grep -qx 'Waiting for job to start...' err.txt
	start_master
	wait "$bg"
	[ "$(cat out.txt)" = "seen" ]
	[ "$(cat err.txt)" = "Waiting for job to start..." ]
	stop_master
}

# ------------------------------------------------------- jobs not running

@test "idle, held, removed and unknown jobs: HTCondor's messages, exit 1" {
	sleep_job
	run_cmd 0 condor_submit job.sub
	run_split 1 condor_ssh_to_job 1.0
	assert_output ""
	[ "$stderr" = "$(printf 'Job 1.0 is not running.\n(Use -auto-retry to keep trying periodically.)')" ]
	run_cmd 0 condor_hold 1.0
	run_split 1 condor_ssh_to_job 1
	[ "$stderr" = "Job is held: \"via condor_hold (by user $(id -un))\"." ]
	# a held job is not waited for
	run_split 1 condor_ssh_to_job -auto-retry 1.0 true
	[[ $stderr == "Job is held: "* ]]
	run_split 1 condor_ssh_to_job 7.0
	[ "$stderr" = "Unable to fetch job ad; is it still in the queue?" ]
	run_cmd 0 condor_rm 1.0
	run_split 1 condor_ssh_to_job -auto-retry 1.0
	[ "$stderr" = "Unable to fetch job ad; is it still in the queue?" ]
}

@test "a completed job left in the queue is not waited for" {
	printf 'executable = /bin/true\nlog = job.log\nleave_in_queue = true\nqueue\n' > job.sub
	start_master
	run_cmd 0 condor_submit job.sub
	wait_for 30 eval '[ "$(condor_q -allusers 1.0 -af JobStatus)" = 4 ]'
	run_split 1 condor_ssh_to_job -auto-retry 1.0 true
	[ "$stderr" = "Job 1.0 is not running." ]
	stop_master
}

@test "argument errors exit 2; an unknown option exits 1 with the usage" {
	sleep_job
	run_cmd 0 condor_submit job.sub
	local before
	before=$(condor_q -allusers -l)
	run_split 2 condor_ssh_to_job
	[ "$stderr" = "ERROR: You must specify a job!" ]
	run_split 2 condor_ssh_to_job -debug
	[ "$stderr" = "ERROR: You must specify a job!" ]
	local bad
	for bad in abc 1.x 1.0.1 0 0.0 -1 1..0 1.0.0.0 99999999999 ''; do
		run_split 2 condor_ssh_to_job -- "$bad" true
		[[ $stderr == "condor_ssh_to_job: '$bad' is not a job id"* ]] ||
			{ echo "$bad: $stderr"; return 1; }
	done
	run_split 2 condor_ssh_to_job -shells
	[[ $stderr == *"-shells needs a comma-separated list of shells" ]]
	for bad in -name -pool -ssh -keygen-options; do
		run_split 2 condor_ssh_to_job "$bad" x 1.0
		[[ $stderr == "condor_ssh_to_job: $bad is not supported: "* ]] ||
			{ echo "$bad: $stderr"; return 1; }
	done
	run_split 2 condor_ssh_to_job -X 1.0
	run_split 2 condor_ssh_to_job -remove-on-interrupt 1.0
	run_split 1 condor_ssh_to_job --bogus 1.0
	[[ $stderr == "usage: condor_ssh_to_job "* ]]
	run_split 0 condor_ssh_to_job --help
	[[ $output == "usage: condor_ssh_to_job "* ]]
	# -x is accepted; the job is idle
	run_split 1 condor_ssh_to_job -x 1.0.0 true
	[[ $stderr == "Job 1.0 is not running."* ]]
	[ "$(condor_q -allusers -l)" = "$before" ]
}

# ------------------------------------------------------------ trust

@test "another user's job is refused, and so is a sandbox that is not yours" {
	[ "$(id -u)" = 0 ] || skip "needs root to run the tool as another user"
	command -v setpriv >/dev/null || skip "needs setpriv"
	local uid gid
	uid=$(id -u nobody 2>/dev/null) || skip "no user nobody"
	gid=$(id -g nobody)
	# nobody must be able to read the configuration and the queue
	SHARED=$(mktemp -d /tmp/condorlet-160.XXXXXX)
	chmod 755 "$SHARED"
	export CONDOR_CONFIG=$SHARED/condorlet.conf
	: > "$CONDOR_CONFIG"
	chmod 644 "$CONDOR_CONFIG"
	export _CONDOR_LOCAL_DIR=$SHARED/local
	setpriv --reuid="$uid" --regid="$gid" --clear-groups condor_ssh_to_job --help \
		>/dev/null 2>&1 || skip "nobody cannot run the built tools here"
	running_job
	chmod 755 "$_CONDOR_LOCAL_DIR" "$_CONDOR_LOCAL_DIR/spool" "$_CONDOR_LOCAL_DIR/execute"
	chmod 644 "$_CONDOR_LOCAL_DIR/spool/job_queue.log"
	local as_nobody=(setpriv --reuid="$uid" --regid="$gid" --clear-groups env HOME=/)
	run_split 1 "${as_nobody[@]}" condor_ssh_to_job 1.0 'echo entered'
	assert_output ""
	[ "$stderr" = "condor_ssh_to_job: job 1.0 belongs to $(id -un), not to nobody: permission denied" ]
	# a super user passes the owner check, but not the sandbox's
	run_split 1 "${as_nobody[@]}" _CONDOR_QUEUE_SUPER_USERS=nobody condor_ssh_to_job 1.0 'echo entered'
	assert_output ""
	[ "$stderr" = "condor_ssh_to_job: job 1.0: sandbox '$SB' is owned by uid 0, not by you; refusing to enter it" ]
	# the owner still gets in
	run_split 0 condor_ssh_to_job 1.0 'echo entered'
	assert_output "entered"
	stop_master
}

@test "a CondorletSandbox given at submit time is never used" {
	sleep_job '+CondorletSandbox = "/tmp"'
	run_cmd 0 condor_submit job.sub
	run_split 1 condor_ssh_to_job 1.0 pwd
	[[ $stderr == "Job 1.0 is not running."* ]]
	start_master
	run_split 0 condor_ssh_to_job -auto-retry 1.0 pwd
	[[ $output == */execute/dir_[0-9]* ]]
	assert_output "$(condor_q -allusers 1.0 -af CondorletSandbox)"
	stop_master
}

@test "hostile files in the sandbox are refused with the file named" {
	running_job
	mv "$SB/.job.env" "$SB/env.saved"
	printf 'MARK=forged\0LD_PRELOAD=/tmp/x.so\0' > "$TESTDIR/env"
	ln -s "$TESTDIR/env" "$SB/.job.env"
	run_split 1 condor_ssh_to_job 1.0 'echo $MARK'
	assert_output ""
	[[ $stderr == "condor_ssh_to_job: job 1.0: open '$SB/.job.env': "* ]]
	rm "$SB/.job.env"
	printf 'MARK=seen' > "$SB/.job.env"
	run_split 1 condor_ssh_to_job 1.0 'echo $MARK'
	[ "$stderr" = "condor_ssh_to_job: job 1.0: $SB/.job.env: entry 1 is not terminated by a NUL byte" ]
	rm "$SB/.job.env"
	mkfifo "$SB/.job.env"
	run_split 1 condor_ssh_to_job 1.0 true
	[ "$stderr" = "condor_ssh_to_job: job 1.0: '$SB/.job.env' is not a regular file" ]
	rm "$SB/.job.env"
	head -c 5000000 /dev/zero > "$SB/.job.env"
	run_split 1 condor_ssh_to_job 1.0 true
	[[ $stderr == *"'$SB/.job.env' is too large"* ]]
	mv "$SB/env.saved" "$SB/.job.env"
	run_split 0 condor_ssh_to_job 1.0 'echo $MARK'
	assert_output "seen"
	# the job ad of the sandbox must name the job
	cp "$SB/.job.ad" "$TESTDIR/ad.saved"
	sed -i 's/^ClusterId = .*/ClusterId = 424242/' "$SB/.job.ad"
	run_split 1 condor_ssh_to_job 1.0 true
	[ "$stderr" = "condor_ssh_to_job: job 1.0: sandbox '$SB' belongs to another job" ]
	cp "$TESTDIR/ad.saved" "$SB/.job.ad"
	# a forged .starter.pid is a starter that is not running
	cp "$SB/.starter.pid" "$TESTDIR/pid.saved"
	echo "1 1" > "$SB/.starter.pid"
	run_split 1 condor_ssh_to_job 1.0 true
	[[ $stderr == "Job 1.0 is not running."* ]]
	cp "$TESTDIR/pid.saved" "$SB/.starter.pid"
	run_split 0 condor_ssh_to_job 1.0 true
	stop_master
}
