#!/usr/bin/env bats
# 020-submit.bats - condor_submit end to end: HTCondor's output forms,
# options, the seeds' submit files, event 000 in the job log, and bad
# input that must fail with file:line and queue nothing.

load helpers

setup() {
	common_setup
	write_sleep_sub job.sub 2
}

queue_ids() {
	condor_q -allusers -af ClusterId ProcId
}

# Fails unless the queue is empty and no job log was written.
assert_nothing_queued() {
	local q
	q=$(queue_ids)
	[ -z "$q" ] || { echo "queue is not empty: $q"; return 1; }
	[ ! -e job.log ] || { echo "job.log was written"; return 1; }
}

@test "submit prints HTCondor's progress and summary lines" {
	run_split 0 condor_submit job.sub
	assert_output $'Submitting job(s)..\n2 job(s) submitted to cluster 1.'
	[ -z "$stderr" ]
	run_cmd 0 condor_q -allusers -af ClusterId ProcId
	assert_output $'1 0\n1 1'
	run_split 0 condor_submit job.sub
	assert_output --partial "2 job(s) submitted to cluster 2."
}

@test "the jobs carry the attributes condor_submit and the schedd set" {
	run_cmd 0 condor_submit job.sub
	run_cmd 0 condor_q -allusers 1.1 -af Owner User JobStatus ProcId ClusterId Args Cmd JobUniverse QDate
	local me
	me=$(id -un)
	[[ "$output" == "$me $me@"*" 1 1 1 60 /bin/sleep 5 "* ]]
	run_cmd 0 condor_q -allusers 1.0 -af Iwd UserLog GlobalJobId TotalSubmitProcs NumJobStarts CommittedTime
	[[ "$output" == "$TESTDIR $TESTDIR/job.log "*"#1.0#"*" 2 0 0" ]]
}

@test "-terse prints only the id range" {
	write_sleep_sub three.sub 3
	run_split 0 condor_submit -terse three.sub
	assert_output "1.0 - 1.2"
}

@test "event 000 is logged for every proc, in HTCondor's format" {
	run_cmd 0 condor_submit job.sub
	[ -f job.log ]
	run cat job.log
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" =~ ^000\ \(001\.000\.000\)\ [0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ Job\ submitted\ from\ host:\ \<.*\>$ ]]
	[ "${lines[1]}" = "..." ]
	[[ "${lines[2]}" == "000 (001.001.000) "*"Job submitted from host: <"* ]]
	[ "${lines[3]}" = "..." ]
}

@test "-dry-run FILE writes the ads and queues nothing" {
	run_split 0 condor_submit -dry-run ads.txt job.sub
	assert_output $'Dry-Run job(s)..\n2 job(s) dry-run to cluster 1.'
	assert_nothing_queued
	run cat ads.txt
	[ "${lines[0]}" = "ClusterId=1" ]
	assert_line 'Cmd="/bin/sleep"'
	assert_line 'Args="60"'
	assert_line "UserLog=\"$TESTDIR/job.log\""
	assert_line 'ProcId=1'
	refute_line --partial 'GlobalJobId='
	# a blank line before each proc, ProcId and JobStatus first
	[ "$(sed -n 1p ads.txt)" = "" ]
	grep -A1 '^ProcId=0$' ads.txt | tail -n 1 | grep -qx 'JobStatus=1'
}

@test "-dry-run - interleaves the ads and the dots on stdout" {
	run_split 0 condor_submit -dry-run - job.sub
	[ "${lines[0]}" = "Dry-Run job(s)" ]
	[ "${lines[1]}" = "ClusterId=1" ]
	assert_line 'ProcId=0'
	assert_line '.'
	[ "${lines[${#lines[@]}-1]}" = "2 job(s) dry-run to cluster 1." ]
	# attributes are in ClassAd order: by name length
	local i
	for i in "${!lines[@]}"; do
		[ "${lines[$i]}" = "In=\"/dev/null\"" ] && break
	done
	[ "${lines[$i+1]}" = 'Cmd="/bin/sleep"' ]
	assert_nothing_queued
}

@test "the seeds' old submit file: +WantFTOnCheckpoint and +SuccessCheckpointExitCode" {
	cat > old.sub <<-'EOF'
	+WantFTOnCheckpoint         = TRUE
	when_to_transfer_output     = ON_EXIT_OR_EVICT
	+SuccessCheckpointExitCode  = 77
	transfer_output_files       = 77.ckpt
	should_transfer_files       = yes

	executable                  = /bin/sleep
	arguments                   =

	output                      = 77-ckpt.out
	error                       = 77-ckpt.err
	log                         = 77-ckpt.log

	queue 1
	EOF
	run_split 0 condor_submit -dry-run - old.sub
	assert_line 'WantFTOnCheckpoint=true'
	assert_line 'SuccessCheckpointExitCode=77'
	assert_line 'TransferOutput="77.ckpt"'
	assert_line 'ShouldTransferFiles="YES"'
	assert_line 'WhenToTransferOutput="ON_EXIT_OR_EVICT"'
	assert_line 'Out="77-ckpt.out"'
	[ -z "$stderr" ]
}

@test "the seeds' new submit file: checkpoint_exit_code and transfer_checkpoint_files" {
	cat > new.sub <<-'EOF'
	checkpoint_exit_code        = 85
	transfer_checkpoint_files   = 85.ckpt
	transfer_output_files       = 85.ckpt, result.txt
	should_transfer_files       = yes
	executable                  = /bin/sleep
	arguments                   = 1
	log                         = job.log
	queue 1
	EOF
	run_split 0 condor_submit -dry-run - new.sub
	assert_line 'SuccessCheckpointExitCode=85'
	assert_line 'WantFTOnCheckpoint=true'
	assert_line 'TransferCheckpoint="85.ckpt"'
	assert_line 'TransferOutput="85.ckpt,result.txt"'
	assert_line --partial 'TARGET.HasSelfCheckpointTransfers'
	run_cmd 0 condor_submit new.sub
	run_cmd 0 condor_q -allusers 1.0 -af SuccessCheckpointExitCode WantFTOnCheckpoint TransferCheckpoint
	assert_output "85 true 85.ckpt"
}

@test "the 8.5.3 and signal spellings are stored as written" {
	cat > sig.sub <<-'EOF'
	executable = /bin/sleep
	+CheckpointExitCode = 77
	+CheckpointExitBySignal = FALSE
	+CheckpointExitSignal = 10
	+SuccessCheckpointExitBySignal = true
	+SuccessCheckpointExitSignal = 15
	+WantCheckpointSignal = TRUE
	+CheckpointSig = "SIGUSR2"
	kill_sig = 12
	job_max_vacate_time = 120
	queue
	EOF
	run_split 0 condor_submit -dry-run - sig.sub
	assert_line 'CheckpointExitCode=77'
	assert_line 'CheckpointExitBySignal=false'
	assert_line 'CheckpointExitSignal=10'
	assert_line 'SuccessCheckpointExitBySignal=true'
	assert_line 'SuccessCheckpointExitSignal=15'
	assert_line 'WantCheckpointSignal=true'
	assert_line 'CheckpointSig="SIGUSR2"'
	assert_line 'KillSig="SIGUSR2"'
	assert_line 'JobMaxVacateTime=120'
}

@test "-batch-name wins over the file" {
	printf 'executable = /bin/sleep\nbatch_name = from_file\nqueue\n' > b.sub
	run_split 0 condor_submit -dry-run - -batch-name 'my batch' b.sub
	assert_line 'JobBatchName="my batch"'
	run_split 0 condor_submit -dry-run - b.sub
	assert_line 'JobBatchName="from_file"'
}

@test "-append adds lines before the queue statement, or the queue statement" {
	run_split 0 condor_submit -dry-run - -append 'hold = true' job.sub
	assert_line 'JobStatus=5'
	assert_line 'HoldReasonCode=15'
	printf 'executable = /bin/sleep\n' > noq.sub
	run_split 0 condor_submit -a 'queue 3' noq.sub
	assert_output --partial "3 job(s) submitted to cluster 1."
}

@test "-queue gives the queue statement; a file with its own conflicts" {
	printf 'executable = /bin/sleep\narguments = $(Item)\n' > noq.sub
	run_split 0 condor_submit -terse noq.sub -queue in a b c
	assert_output "1.0 - 1.2"
	run_cmd 0 condor_q -allusers 1.2 -af Args
	assert_output "c"
	run_split 1 condor_submit job.sub -queue 2
	[[ "$stderr" == *"-queue argument conflicts with queue statement in submit file"* ]]
}

@test "key=value arguments come first; with -queue no file is needed" {
	printf 'executable = /bin/sleep\narguments = $(foo)\nqueue\n' > kv.sub
	run_split 0 condor_submit -dry-run - kv.sub foo=42
	assert_line 'Args="42"'
	run_split 0 condor_submit -dry-run - executable=/bin/sleep 'arguments=$(Process)' -queue 3
	assert_line 'Args="2"'
	assert_line '3 job(s) dry-run to cluster 1.'
}

@test "the description can come from standard input" {
	run_split 0 condor_submit < job.sub
	assert_output $'Submitting job(s)..\n2 job(s) submitted to cluster 1.'
	# "-" implies -verbose: the ads, and no progress lines
	run_split 0 bash -c 'condor_submit - < job.sub'
	assert_line '** Proc 2.0:'
	assert_line 'Cmd = "/bin/sleep"'
	refute_output --partial 'Submitting job(s)'
	run_cmd 0 condor_q -allusers -af ClusterId ProcId
	assert_output $'1 0\n1 1\n2 0\n2 1'
}

@test "queue from - reads items from standard input" {
	printf 'executable = /bin/sleep\narguments = $(x)\nqueue x from -\n' > items.sub
	run_split 0 bash -c 'printf "10\n20\n" | condor_submit -terse items.sub'
	assert_output "1.0 - 1.1"
	run_cmd 0 condor_q -allusers 1.1 -af Args
	assert_output "20"
}

@test "unused lines draw HTCondor's warning after success" {
	printf 'executable = /bin/sleep\nfoo = bar\nqueue\n' > u.sub
	run_split 0 condor_submit u.sub
	assert_output --partial "1 job(s) submitted to cluster 1."
	[ "$stderr" = "WARNING: the line 'foo = bar' was unused by condor_submit. Is it a typo?" ]
	run_split 0 condor_submit -unused u.sub
	[ -z "$stderr" ]
}

@test "hold = yes fails with HTCondor's message and file:line" {
	printf 'executable = /bin/sleep\nlog = job.log\nhold = yes\nqueue\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[ "$stderr" = "ERROR: bad.sub:3: hold=yes is invalid, must eval to a boolean." ]
	[ -z "$output" ]
	assert_nothing_queued
}

@test "a missing executable fails" {
	printf 'log = job.log\nexecutable = /no/such/program\nqueue\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[ "$stderr" = "ERROR: bad.sub:2: Can't access executable file /no/such/program: No such file or directory" ]
	assert_nothing_queued
	printf 'log = job.log\nqueue\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[ "$stderr" = "ERROR: bad.sub:2: No 'executable' parameter was provided" ]
	assert_nothing_queued
}

@test "a file without a queue statement fails" {
	printf 'executable = /bin/sleep\nlog = job.log\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[ "$stderr" = "ERROR: \"bad.sub\" doesn't contain any \"queue\" commands -- no jobs queued" ]
	assert_nothing_queued
}

@test "a syntax error names the file and line" {
	printf 'executable = /bin/sleep\nlog = job.log\n\nthis is not a command\nqueue\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[[ "$stderr" == "ERROR: bad.sub:4: syntax error:"* ]]
	assert_nothing_queued
	printf 'executable = /bin/sleep\nqueue x in (a b\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[[ "$stderr" == *"bad.sub:2: Reached end of file without finding closing brace ')'"* ]]
	assert_nothing_queued
}

@test "a nonexistent initialdir fails" {
	printf 'executable = /bin/sleep\nlog = job.log\ninitialdir = nowhere\nqueue\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[ "$stderr" = "ERROR: bad.sub:3: No such directory: $TESTDIR/nowhere" ]
	assert_nothing_queued
}

@test "bad queue counts fail" {
	printf 'executable = /bin/sleep\nqueue -1\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[[ "$stderr" == *"bad.sub:2: Queue count out of range"* ]]
	printf 'executable = /bin/sleep\nqueue 5000000\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[[ "$stderr" == *"bad.sub:2: number of procs exceeds SUBMIT_MAX_PROCS_IN_CLUSTER"* ]]
	printf 'executable = /bin/sleep\nqueue 11\n' > bad.sub
	_CONDOR_SUBMIT_MAX_PROCS_IN_CLUSTER=10 run_split 1 condor_submit bad.sub
	[[ "$stderr" == *"SUBMIT_MAX_PROCS_IN_CLUSTER (10)"* ]]
	run_split 1 condor_submit -maxjobs 1 job.sub
	[[ "$stderr" == *"Number of submitted jobs would exceed -maxjobs (1)"* ]]
	assert_nothing_queued
}

@test "only empty queue statements warn and queue nothing" {
	printf 'executable = /bin/sleep\nqueue 0\n' > empty.sub
	run_split 0 condor_submit empty.sub
	[ -z "$output" ]
	[[ "$stderr" == *'WARNING: "empty.sub" has only empty "queue" commands -- no jobs queued'* ]]
	assert_nothing_queued
}

@test "usage errors" {
	run_split 1 condor_submit -dry-run
	[[ "$stderr" == *"-dry-run requires another argument"* ]]
	run_split 1 condor_submit no-such-file.sub
	[ "$stderr" = "ERROR: Failed to open command file (no-such-file.sub) (No such file or directory)" ]
	assert_nothing_queued
}

@test "8 condor_submit processes at once get 8 distinct clusters" {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		condor_submit -terse job.sub > "out.$i" 2>&1 &
	done
	wait
	cat out.* | sort > all.txt
	run cat all.txt
	[ "${#lines[@]}" -eq 8 ]
	run_cmd 0 bash -c "cut -d. -f1 all.txt | sort -un | wc -l"
	[ "$output" -eq 8 ]
	run_cmd 0 bash -c "condor_q -allusers -af ClusterId | sort -un | tr '\n' ' '"
	assert_output "1 2 3 4 5 6 7 8 "
	run_cmd 0 bash -c "grep -c '^000 ' job.log"
	assert_output 16
}

# Its speed is measured by tests/bench/run-benchmarks; this checks the result.
@test "queue 100000 with arguments = \$(Process) queues every proc" {
	printf 'executable = /bin/sleep\narguments = $(Process)\nlog = big.log\nqueue 100000\n' > big.sub
	run_split 0 condor_submit -terse big.sub
	assert_output "1.0 - 1.99999"
	run_cmd 0 condor_q -allusers 1.99999 -af Args
	assert_output "99999"
	run_cmd 0 bash -c "grep -c '^000 ' big.log"
	assert_output 100000
}
