#!/usr/bin/env bats
# 075-examples.bats - contrib/examples: every submit file is accepted with
# the attributes its technique depends on, every script parses, and the
# scripts behave as their headers promise when run by hand (no daemon):
# the atomic wrapper never leaves a torn checkpoint.atomic, even under
# SIGKILL, and the signal-driven jobs checkpoint and exit as they should.

load helpers

setup() {
	common_setup
	EX="$CONDORLET_SRCDIR/contrib/examples"
	mkdir ex
	cp -p "$EX"/* ex/
	cd ex
}

# wait_for CMD...: polls CMD for up to 20 s.
wait_for() {
	local i
	for i in $(seq 200); do
		"$@" && return 0
		sleep 0.1
	done
	echo "# gave up waiting for: $*" >&2
	return 1
}

# The first line of a file, or nothing.
first_line() { head -n 1 "$1" 2>/dev/null; }

@test "every submit file is accepted by condor_submit -dry-run" {
	local n=0 s
	for s in *.sub; do
		run_split 0 condor_submit -dry-run - "$s"
		[ -z "$stderr" ] || { echo "$s: $stderr"; return 1; }
		assert_line '1 job(s) dry-run to cluster 1.'
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
}

@test "delayed-transfer.sub: ON_EXIT_OR_EVICT ships only checkpoint.atomic" {
	run_split 0 condor_submit -dry-run - NAP=0.5 delayed-transfer.sub
	assert_line 'WhenToTransferOutput="ON_EXIT_OR_EVICT"'
	assert_line 'TransferOutput="checkpoint.atomic"'
	assert_line 'TransferInput="counter-noexit.sh"'
	assert_line "Cmd=\"$PWD/77-atomic.sh\""
	assert_line 'Args="-c checkpoint ./counter-noexit.sh 0.5"'
	refute_line --partial 'SuccessCheckpointExitCode'
}

@test "reactive-ckpt.sub: kill_sig SIGUSR1, 10 s to vacate, ON_EXIT_OR_EVICT" {
	run_split 0 condor_submit -dry-run - reactive-ckpt.sub
	assert_line 'KillSig="SIGUSR1"'
	assert_line 'JobMaxVacateTime=10'
	assert_line 'WhenToTransferOutput="ON_EXIT_OR_EVICT"'
	assert_line 'TransferOutput="reactive.ckpt"'
	assert_line "Cmd=\"$PWD/reactive.sh\""
}

@test "periodic-signal.sub: checkpoint signal SIGUSR2 and exit code 85" {
	run_split 0 condor_submit -dry-run - NAP=2 periodic-signal.sub
	assert_line 'WantCheckpointSignal=true'
	assert_line 'CheckpointSig="SIGUSR2"'
	assert_line 'SuccessCheckpointExitCode=85'
	assert_line 'WantFTOnCheckpoint=true'
	assert_line 'TransferCheckpoint="periodic.ckpt"'
	assert_line 'Args="2 600 periodic.ckpt 85"'
}

@test "the seed's 77-ckpt.sub and 85-ckpt.sub keep their checkpoint settings" {
	run_split 0 condor_submit -dry-run - 77-ckpt.sub
	assert_line 'WantFTOnCheckpoint=true'
	assert_line 'SuccessCheckpointExitCode=77'
	assert_line 'TransferOutput="77.ckpt"'
	run_split 0 condor_submit -dry-run - 85-ckpt.sub
	assert_line 'SuccessCheckpointExitCode=85'
	assert_line 'TransferCheckpoint="85.ckpt"'
}

@test "every script parses with sh -n, is executable, and is described in README" {
	local f n=0
	for f in *.sh demo; do
		sh -n "$f" || { echo "$f does not parse"; return 1; }
		[ -x "$EX/$f" ] || { echo "$f is not executable"; return 1; }
		[ "$(first_line "$f")" = '#!/bin/sh' ] || { echo "$f: not a sh script"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
	for f in *.sh *.sub; do
		grep -q -- "$f" README || { echo "README does not mention $f"; return 1; }
	done
}

# ---- 77-atomic.sh ----

# A program that follows the wrapper's protocol but writes a big checkpoint
# slowly, in place: "gen N", 400 data lines, "end N".  It records in TORN
# any checkpoint it was handed that is not complete.
write_slow_writer() {
	cat > slow-writer.sh <<-'EOF'
	#!/bin/sh
	gen=0
	if [ -f checkpoint ]; then
		gen=$(head -n 1 checkpoint | sed 's/^gen //')
		if [ "$(tail -n 1 checkpoint)" != "end $gen" ] ||
		   [ "$(wc -l < checkpoint)" -ne 402 ]; then
			echo "torn input checkpoint" >> TORN
		fi
	fi
	while :; do
		gen=$((gen + 1))
		if [ ! -e checkpoint.ready ]; then
			echo "gen $gen" > checkpoint
			c=0
			while [ $c -lt 20 ]; do
				i=0
				while [ $i -lt 20 ]; do
					echo "data $gen $c $i ................................" >> checkpoint
					i=$((i + 1))
				done
				sleep 0.01
				c=$((c + 1))
			done
			echo "end $gen" >> checkpoint
			: > checkpoint.ready
		fi
		sleep 0.01
	done
	EOF
}

# Succeeds if checkpoint.atomic is absent, or complete; prints its gen.
atomic_ok() {
	[ -e checkpoint.atomic ] || { echo 0; return 0; }
	local gen
	gen=$(head -n 1 checkpoint.atomic | sed -n 's/^gen \([0-9][0-9]*\)$/\1/p')
	[ -n "$gen" ] || { echo "bad first line" >&2; return 1; }
	[ "$(tail -n 1 checkpoint.atomic)" = "end $gen" ] || { echo "torn: no end line" >&2; return 1; }
	[ "$(wc -l < checkpoint.atomic)" -eq 402 ] || { echo "torn: wrong length" >&2; return 1; }
	echo "$gen"
}

# Starts the wrapper in a session of its own; sets pgid.
start_wrapper() {
	setsid sh ./77-atomic.sh -p 0.05 "$@" > wrapper.out 2>&1 3>&- &
	local pid=$!
	wait_for test -r "/proc/$pid/stat"
	pgid=$(awk '{ print $5 }' "/proc/$pid/stat")
	[ "$pgid" = "$pid" ]
}

# Succeeds while a process of group $1 is alive (zombies do not count: the
# orphans' reaper may take its time).
group_alive() {
	awk -v g="$1" '$5 == g && $3 != "Z" { n++ } END { exit n ? 0 : 1 }' \
		/proc/[0-9]*/stat 2>/dev/null
}

# SIGKILLs the whole session and waits until no process of it runs.
kill_session() {
	kill -KILL -- "-$pgid" 2>/dev/null || true
	wait "$pgid" 2>/dev/null || true
	wait_for eval "! group_alive $pgid"
}

@test "77-atomic.sh: SIGKILL at random moments never tears checkpoint.atomic" {
	write_slow_writer
	local round gen last=0 torn_seen=0
	for round in $(seq 10); do
		start_wrapper sh ./slow-writer.sh
		sleep "0.$((RANDOM % 9 + 1))"
		kill_session
		if [ -e checkpoint ] && [ "$(tail -n 1 checkpoint)" != "end $(first_line checkpoint | sed 's/^gen //')" ]; then
			torn_seen=$((torn_seen + 1))
		fi
		gen=$(atomic_ok) || { echo "round $round: checkpoint.atomic is torn"; return 1; }
		# Each run resumes from the last complete checkpoint.
		[ "$gen" -ge "$last" ] || { echo "round $round: went back from $last to $gen"; return 1; }
		last=$gen
	done
	# A last run that surely commits, then dies mid-write of the next one.
	start_wrapper sh ./slow-writer.sh
	wait_for test -e checkpoint.atomic
	local before
	before=$(atomic_ok)
	wait_for eval '[ "$(atomic_ok)" -gt "$before" ]'
	kill_session
	gen=$(atomic_ok)
	[ "$gen" -gt "$last" ]
	# The program was never handed a torn checkpoint to resume from.
	[ ! -e TORN ]
	echo "# in-place checkpoint torn at $torn_seen of 10 kills" >&3
}

@test "77-atomic.sh: forwards SIGTERM, commits, and exits with the program" {
	start_wrapper sh ./counter-noexit.sh 0.05
	wait_for test -s checkpoint.atomic
	kill -TERM "$pgid"
	local status=0
	wait "$pgid" || status=$?
	[ "$status" -eq 143 ]	# the counter died of SIGTERM
	wait_for eval "! group_alive $pgid"
	local n
	n=$(cat checkpoint.atomic)
	[ "$n" -ge 1 ]
	# The next run starts from it and finishes.
	run_cmd 0 sh ./77-atomic.sh -p 0.05 sh ./counter-noexit.sh 0.01 $((n + 3))
	assert_line "Starting from $n"
	assert_line 'Computation complete'
	[ "$(cat checkpoint.atomic)" -eq $((n + 3)) ]
	[ ! -e checkpoint ]
	[ ! -e checkpoint.ready ]
}

@test "77-atomic.sh -x: the seed's exit-code protocol with toy-ckpt.sh" {
	run_cmd 77 sh ./77-atomic.sh -p 0.05 -c 77.ckpt -x 77 sh ./toy-ckpt.sh 0 77
	assert_line 'Starting from 0'
	[ "$(cat 77.ckpt.atomic)" = 3 ]
	[ ! -e 77.ckpt ]
	run_cmd 77 sh ./77-atomic.sh -p 0.05 -c 77.ckpt -x 77 sh ./toy-ckpt.sh 0 77
	assert_line 'Starting from 3'
	[ "$(cat 77.ckpt.atomic)" = 6 ]
	# Without -x, an exit is not a promise: nothing is committed.
	run_cmd 77 sh ./77-atomic.sh -p 0.05 -c 77.ckpt sh ./toy-ckpt.sh 0 77
	assert_line 'Starting from 6'
	[ "$(cat 77.ckpt.atomic)" = 6 ]
}

@test "77-atomic.sh: a stale marker is honoured, an unmarked checkpoint dropped" {
	printf 'gen 1\n' > checkpoint.atomic
	printf '5\n' > checkpoint
	: > checkpoint.ready
	run_cmd 0 sh ./77-atomic.sh -p 0.05 sh -c 'cat checkpoint'
	[ "$output" = 5 ]
	[ "$(cat checkpoint.atomic)" = 5 ]
	printf 'half-writ' > checkpoint
	run_cmd 0 sh ./77-atomic.sh -p 0.05 sh -c 'cat checkpoint'
	[ "$output" = 5 ]
	rm checkpoint.atomic
	printf 'half-writ' > checkpoint
	run_cmd 0 sh ./77-atomic.sh -p 0.05 sh -c 'test ! -e checkpoint && echo fresh'
	[ "$output" = fresh ]
}

@test "77-atomic.sh: usage errors" {
	run_cmd 2 sh ./77-atomic.sh
	assert_output --partial 'usage: 77-atomic.sh'
	run_cmd 2 sh ./77-atomic.sh -z true
	run_cmd 2 sh ./77-atomic.sh -c '' true
}

# ---- signal-driven jobs ----

@test "reactive.sh checkpoints and dies of SIGUSR1, then resumes" {
	sh ./reactive.sh 0.1 > out 2>&1 3>&- &
	local pid=$! status=0
	wait_for grep -q 'Computing timestamp 3' out
	[ ! -e reactive.ckpt ]	# nothing is saved until the signal
	kill -USR1 "$pid"
	wait "$pid" || status=$?
	[ "$status" -eq 138 ]	# 128 + SIGUSR1
	local n
	n=$(cat reactive.ckpt)
	[ "$n" -ge 3 ]
	grep -q "Checkpointed at $n on SIGUSR1" out
	run_cmd 0 sh ./reactive.sh 0.01 $((n + 2))
	assert_line "Starting from $n"
	assert_line 'Computation complete'
	[ "$(cat reactive.ckpt)" -eq $((n + 2)) ]
}

@test "reactive.sh reacts to SIGUSR1 at once, not after its nap" {
	sh ./reactive.sh 30 > out 2>&1 3>&- &
	local pid=$! status=0
	wait_for grep -q 'Computing timestamp 0' out
	kill -USR1 "$pid"
	# Well within the submit file's job_max_vacate_time of 10 s.
	wait_for test -e reactive.ckpt
	wait "$pid" || status=$?
	[ "$status" -eq 138 ]
	[ "$(cat reactive.ckpt)" = 0 ]
}

@test "periodic.sh checkpoints and exits 85 on SIGUSR2, then resumes" {
	sh ./periodic.sh 0.1 > out 2>&1 3>&- &
	local pid=$! status=0
	wait_for grep -q 'Computing timestamp 2' out
	kill -USR2 "$pid"
	wait "$pid" || status=$?
	[ "$status" -eq 85 ]
	local n
	n=$(cat periodic.ckpt)
	[ "$n" -ge 2 ]
	grep -q "Checkpointed at $n on SIGUSR2" out
	run_cmd 0 sh ./periodic.sh 0.01 $((n + 2))
	assert_line "Starting from $n"
	assert_line 'Computation complete'
	# A custom code and file.
	sh ./periodic.sh 30 600 other.ckpt 42 > out2 2>&1 3>&- &
	pid=$! status=0
	wait_for grep -q 'Computing timestamp 0' out2
	kill -USR2 "$pid"
	wait "$pid" || status=$?
	[ "$status" -eq 42 ]
	[ "$(cat other.ckpt)" = 0 ]
}

@test "the counters refuse a corrupt checkpoint" {
	printf 'garbage\n' > reactive.ckpt
	run_cmd 1 sh ./reactive.sh 0 1
	assert_output --partial 'bad checkpoint file reactive.ckpt'
	printf '12x\n' > periodic.ckpt
	run_cmd 1 sh ./periodic.sh 0 1
	printf -- '-1\n' > checkpoint
	run_cmd 1 sh ./counter-noexit.sh 0 1
}
