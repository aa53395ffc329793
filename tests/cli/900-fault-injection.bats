#!/usr/bin/env bats
# 900-fault-injection.bats - a command that fails half-way changes nothing.
#
# tests/lib/faultinject.so makes the Nth write, fsync or rename of a
# process fail.  For each N we run a command under it; whatever N hits,
# the command either succeeds with its full effect, or fails with a
# message and leaves the queue, the history and the job log exactly as
# they were.

load helpers

FI="$CONDORLET_BUILDDIR/tests/lib/faultinject.so"

setup() {
	common_setup
	[ -f "$FI" ] || skip "faultinject.so not built"
	write_sleep_sub job.sub 3
}

# The observable state: every job's id, status and hold code, and the
# history.  (The job log is written after the queue commit; a failure
# there is a warning, so it is checked separately: never torn.)
snapshot() {
	condor_q -allusers -af ClusterId ProcId JobStatus HoldReasonCode
	echo "--history"
	condor_history -af ClusterId ProcId JobStatus 2>/dev/null || true
}

log_not_torn() {
	[ ! -s job.log ] || [ "$(tail -n 1 job.log)" = "..." ]
}

# faulty KIND N CMD...: runs CMD with the Nth KIND call failing.
faulty() {
	local kind=$1 n=$2
	shift 2
	run env LD_PRELOAD="$FI" "FAULT_$kind=$n" timeout 60 "$@"
}

# check_all_or_nothing BEFORE AFTER_SUCCESS CMD...
check_cmd() {
	local kind=$1 n=$2 before=$3 want=$4
	shift 4
	faulty "$kind" "$n" "$@"
	local now
	now=$(snapshot)
	if [ "$status" -eq 0 ]; then
		# The fault hit nothing that mattered (or past the last call).
		[ "$now" = "$want" ] || {
			printf 'FAULT_%s=%s: success but state differs\nwant:\n%s\ngot:\n%s\n' \
				"$kind" "$n" "$want" "$now"
			return 1
		}
	else
		[[ "$output" == *"$1"* ]] || { echo "no message naming the tool: $output"; return 1; }
		[ "$now" = "$before" ] || {
			printf 'FAULT_%s=%s: failed (%s) but changed the queue\nbefore:\n%s\nafter:\n%s\n' \
				"$kind" "$n" "$output" "$before" "$now"
			return 1
		}
	fi
	log_not_torn || { echo "FAULT_$kind=$n: torn job log"; return 1; }
}

@test "submit: a failing write, fsync or rename queues nothing" {
	local kind n before want
	for kind in WRITE FSYNC RENAME; do
		for n in 1 2 3 4 5 6; do
			rm -rf "$_CONDOR_LOCAL_DIR" job.log
			run_cmd 0 condor_submit job.sub
			before=$(snapshot)
			run_cmd 0 condor_submit job.sub
			want=$(snapshot)
			rm -rf "$_CONDOR_LOCAL_DIR" job.log
			run_cmd 0 condor_submit job.sub
			check_cmd "$kind" "$n" "$before" "$want" condor_submit job.sub
		done
	done
}

@test "submit: some injected fault really makes submit fail" {
	run_cmd 0 condor_submit job.sub
	faulty FSYNC 1 condor_submit job.sub
	[ "$status" -ne 0 ]
	[[ "$output" == *condor_submit* ]]
	run_cmd 0 condor_q -af ClusterId ProcId
	assert_output $'1 0\n1 1\n1 2'
}

@test "hold: a failing write, fsync or rename holds nothing" {
	local kind n before want
	for kind in WRITE FSYNC RENAME; do
		for n in 1 2 3 4 5; do
			rm -rf "$_CONDOR_LOCAL_DIR" job.log
			run_cmd 0 condor_submit job.sub
			run_cmd 0 condor_hold -all
			want=$(snapshot)
			rm -rf "$_CONDOR_LOCAL_DIR" job.log
			run_cmd 0 condor_submit job.sub
			before=$(snapshot)
			check_cmd "$kind" "$n" "$before" "$want" condor_hold -all
		done
	done
}

@test "hold: an injected fsync failure is reported and changes nothing" {
	run_cmd 0 condor_submit job.sub
	local before
	before=$(condor_q -af ClusterId ProcId JobStatus)
	faulty FSYNC 1 condor_hold -all
	[ "$status" -eq 1 ]
	[[ "$output" == *condor_hold* ]]
	run_cmd 0 condor_q -af ClusterId ProcId JobStatus
	[ "$output" = "$before" ]
}

@test "rm: a failing write, fsync or rename removes nothing" {
	local kind n before want
	for kind in WRITE FSYNC RENAME; do
		for n in 1 2 3 4 5; do
			rm -rf "$_CONDOR_LOCAL_DIR" job.log
			run_cmd 0 condor_submit job.sub
			run_cmd 0 condor_rm 1.1
			want=$(snapshot)
			rm -rf "$_CONDOR_LOCAL_DIR" job.log
			run_cmd 0 condor_submit job.sub
			before=$(snapshot)
			check_cmd "$kind" "$n" "$before" "$want" condor_rm 1.1
		done
	done
}

@test "compaction: a failure while compacting loses nothing" {
	# Removing a large cluster leaves a journal far larger than the live
	# queue, so the same commit compacts it.
	cat > many.sub <<'SUB'
executable = /bin/sleep
arguments  = $(Process) with a long argument string to make the journal grow quickly
queue 20000
SUB
	local kind n spool
	for kind in WRITE FSYNC RENAME; do
		for n in 1 2 3 4; do
			rm -rf "$_CONDOR_LOCAL_DIR" job.log
			run_cmd 0 condor_submit job.sub
			run_cmd 0 condor_submit many.sub
			faulty "$kind" "$n" condor_rm 2
			local rc=$status
			# Whatever happened, the queue is readable and consistent.
			run_cmd 0 condor_q -allusers -af ClusterId ProcId JobStatus
			if [ "$rc" -eq 0 ]; then
				[ "${#lines[@]}" -eq 3 ] || { echo "rm succeeded, ${#lines[@]} jobs left"; return 1; }
			else
				[ "${#lines[@]}" -eq 20003 ] || { echo "rm failed, ${#lines[@]} jobs left"; return 1; }
			fi
			assert_line --index 0 "1 0 1"
			spool=$(condor_config_val SPOOL)
			run ls -a "$spool"
			refute_output --partial ".tmp"
		done
	done
	# Without faults the journal really shrinks to the live queue.
	rm -rf "$_CONDOR_LOCAL_DIR"
	run_cmd 0 condor_submit job.sub
	run_cmd 0 condor_submit many.sub
	spool=$(condor_config_val SPOOL)
	local size_before
	size_before=$(stat -c %s "$spool/job_queue.log")
	run_cmd 0 condor_rm 2
	[ "$(stat -c %s "$spool/job_queue.log")" -lt $((size_before / 4)) ]
	run_cmd 0 condor_q -allusers -af ClusterId ProcId
	assert_output $'1 0\n1 1\n1 2'
}
