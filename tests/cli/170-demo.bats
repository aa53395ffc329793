#!/usr/bin/env bats
# 170-demo.bats - the tour (make demo, contrib/examples/demo): the seed
# HOWTO's whole debugging workflow runs end to end, resumes the job from its
# checkpoint, and leaves no process and no file behind.

load helpers

# Processes whose environment names the demo's scratch LOCAL_DIR (other
# suites run daemons at the same time, so counting them would be wrong).
leftovers() {
	grep -l -s -a -F "$TMPDIR/condorlet-demo" /proc/[0-9]*/environ 2>/dev/null || true
}

@test "the debugging workflow runs end to end and resumes from the checkpoint" {
	export TMPDIR="$TESTDIR/tmp"
	mkdir -p "$TMPDIR"
	export BUILDDIR=$CONDORLET_BUILDDIR
	CMD_TIMEOUT=120 run_cmd 0 "$CONDORLET_SRCDIR/contrib/examples/demo"
	# each step of the seed's recipe
	assert_line --regexp '^\$ condor_submit NAP=0\.5 85-ckpt\.sub$'
	assert_line '$ condor_vacate_job 1.0'
	assert_line 'Job 1.0 vacated'
	assert_line --regexp '^004 \(001\.000\.000\) .* Job was evicted\. Code 1022 Subcode 0$'
	assert_line --regexp $'^\tReason: Job vacated by schedd$'
	assert_line 'Job 1.0 held'
	assert_line --regexp '^ +1\.0 .* +1/0 +via condor_hold \(by user '
	assert_line "Copied to '1.0'."
	assert_line 'Job 1.0 released'
	assert_line 'All jobs done.'
	assert_line 'Computation complete'
	# resumed from a checkpoint: started from zero exactly once
	[ "$(printf '%s\n' "$output" | grep -c '^Starting from 0$')" -eq 1 ]
	assert_line --regexp '^Starting from [369]$'
	assert_line '# Done: the job finished, and it started from zero only once.'
	# nothing left behind: no daemon, no scratch directory
	run leftovers
	assert_output ''
	run ls -A "$TMPDIR"
	assert_output ''
}
