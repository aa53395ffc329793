#!/usr/bin/env bats
# 910-bad-input.bats - hostile input gets a clear message naming the file
# and line (or the job), a non-zero exit, and leaves the queue as it was.

load helpers

queue_state() {
	condor_q -allusers -af ClusterId ProcId JobStatus
}

setup() {
	common_setup
	write_sleep_sub good.sub 2
	run_cmd 0 condor_submit good.sub
	BEFORE=$(queue_state)
}

assert_queue_unchanged() {
	local now
	now=$(queue_state)
	[ "$now" = "$BEFORE" ] || { printf 'queue changed:\n%s\n--\n%s\n' "$BEFORE" "$now"; return 1; }
}

@test "a syntax error names the file and line" {
	printf 'executable = /bin/true\n= oops\nqueue\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[[ "$stderr" == *bad.sub* ]]
	[[ "$stderr" == *2* ]]
	assert_queue_unchanged
}

@test "hold = yes is rejected with HTCondor's message" {
	printf 'executable = /bin/true\nhold = yes\nqueue\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[[ "$stderr" == *"hold=yes is invalid, must eval to a boolean."* ]]
	assert_queue_unchanged
}

@test "a missing executable is rejected" {
	printf 'executable = /no/such/program\nqueue\n' > bad.sub
	run_split 1 condor_submit bad.sub
	[[ "$stderr" == *"/no/such/program"* ]]
	assert_queue_unchanged
}

@test "a huge value does not crash submit" {
	{ printf 'executable = /bin/true\narguments = '; head -c 3000000 /dev/zero | tr '\0' 'a'; printf '\nqueue\n'; } > huge.sub
	run timeout 60 condor_submit huge.sub
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	if [ "$status" -eq 1 ]; then assert_queue_unchanged; fi
}

@test "a macro that references itself does not hang" {
	printf 'executable = /bin/true\nA = $(B)x\nB = $(A)y\narguments = $(A)\nqueue\n' > loop.sub
	run timeout 20 condor_submit loop.sub
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
}

@test "invalid UTF-8 in a submit file does not crash" {
	printf 'executable = /bin/true\narguments = \xff\xfe\xc3\x28 ok\n+Note = "\xe2\x28\xa1"\nqueue\n' > utf.sub
	run timeout 20 condor_submit utf.sub
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	run_cmd 0 condor_q -allusers -af ClusterId
}

@test "binary garbage as a submit file is rejected" {
	head -c 4096 /dev/urandom > garbage.sub
	run timeout 20 condor_submit garbage.sub
	[ "$status" -eq 1 ]
	assert_queue_unchanged
}

@test "job ids that look like paths are rejected" {
	local tool
	for tool in condor_hold condor_release condor_rm; do
		run_split 1 "$tool" ../../x
		[ -n "$stderr" ]
		assert_queue_unchanged
	done
}

@test "out-of-range and malformed job ids are rejected" {
	local id
	for id in 0 99999999999999999999 1.99999999999999999999 1.2.3 -5 abc.def '1;rm'; do
		run_split 1 condor_hold "$id"
		[ -n "$stderr" ] || { echo "no message for $id"; return 1; }
		assert_queue_unchanged
	done
}

@test "an unknown job is reported by id" {
	run_split 1 condor_hold 77.0
	[[ "$stderr" == *"Job 77.0 not found"* ]]
	assert_queue_unchanged
}

@test "an invalid constraint is rejected" {
	run_split 1 condor_hold -constraint 'JobStatus == == 1'
	[ -n "$stderr" ]
	run_split 1 condor_q -constraint 'JobStatus == == 1'
	assert_queue_unchanged
}

@test "a config file with a syntax error names file and line" {
	printf 'SPOOL = "/tmp/x";\nNUM_CPUS = = 3;\n' > "$CONDOR_CONFIG"
	run_split 1 condor_config_val SPOOL
	[[ "$stderr" == *"$CONDOR_CONFIG"*2* ]]
	run_split 1 condor_submit good.sub
	[[ "$stderr" == *"$CONDOR_CONFIG"* ]]
}

@test "a corrupted journal tail is ignored" {
	local spool
	spool=$(condor_config_val SPOOL)
	head -c 200 /dev/urandom >> "$spool/job_queue.log"
	run_cmd 0 condor_q -allusers -af ClusterId ProcId JobStatus
	[ "$output" = "$BEFORE" ]
	run_cmd 0 condor_submit good.sub
	run_cmd 0 condor_q -allusers -af ClusterId
	assert_line --index 2 2
}
