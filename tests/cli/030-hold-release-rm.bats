#!/usr/bin/env bats
# 030-hold-release-rm.bats - condor_hold, condor_release and condor_rm:
# HTCondor's argument forms, messages, exit codes, legal transitions, job
# attributes, events in the job log, permissions and bad input.

load helpers

setup() {
	common_setup
	ME=$(id -un)
	write_sleep_sub job.sub 3
	PERM_DIR=
}

teardown() {
	# The permission test's directory lives outside the test's own.
	[ -z "$PERM_DIR" ] || rm -rf "$PERM_DIR"
}

# submit [FILE]: queues a submit file and checks it worked.
submit() {
	run_cmd 0 condor_submit "${1:-job.sub}"
}

queue_state() {
	condor_q -allusers -af ClusterId ProcId JobStatus HoldReasonCode
}

# The job's attributes, one condor_q -af call (-af takes every word
# after it as an attribute, so the id goes first).
af() {
	local id=$1
	shift
	run_cmd 0 condor_q -allusers "$id" -af "$@"
}

# job_event CODE C P: the lines of the last such event for job C.P in
# job.log, from its header to its "..." line.
job_event() {
	local head
	head=$(printf '%03d (%03d.%03d.000) ' "$1" "$2" "$3")
	awk -v h="$head" '
		index($0, h) == 1 { n = 0; buf = ""; on = 1 }
		on { buf = buf $0 "\n"; if ($0 == "...") { last = buf; on = 0 } }
		END { printf "%s", last }' job.log
}

DATE_RE='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'

# ---------------------------------------------------------------- ids

@test "hold, release and rm one job by id" {
	submit
	run_split 0 condor_hold 1.0
	assert_output "Job 1.0 held"
	[ -z "$stderr" ]
	af 1.0 JobStatus HoldReasonCode HoldReasonSubCode
	assert_output "5 1 0"
	af 1.0 HoldReason
	assert_output "via condor_hold (by user $ME)"
	af 1.1 JobStatus
	assert_output "1"

	run_split 0 condor_release 1.0
	assert_output "Job 1.0 released"
	[ -z "$stderr" ]
	af 1.0 JobStatus HoldReason ReleaseReason
	assert_output "1 undefined via condor_release (by user $ME)"
	af 1.0 LastHoldReason LastHoldReasonCode
	assert_output "via condor_hold (by user $ME) 1"

	run_split 0 condor_rm 1.0
	assert_output "Job 1.0 marked for removal"
	[ -z "$stderr" ]
	run_cmd 0 condor_q -allusers -af ClusterId ProcId
	assert_output $'1 1\n1 2'
}

@test "EnteredCurrentStatus and NumHolds follow the changes" {
	submit
	local before after
	before=$(date +%s)
	run_cmd 0 condor_hold 1.0
	after=$(date +%s)
	af 1.0 EnteredCurrentStatus NumHolds
	local t=${output% *}
	[ "$t" -ge "$before" ] && [ "$t" -le "$after" ]
	assert_output --regexp ' 1$'
	run_cmd 0 condor_release 1.0
	run_cmd 0 condor_hold 1.0
	af 1.0 NumHolds LastReleaseReason ReleaseReason
	assert_output "2 via condor_release (by user $ME) undefined"
}

@test "several ids: each is reported, partial success exits 0" {
	submit
	run_cmd 0 condor_hold 1.1
	run_split 0 condor_hold 1.0 1.1 77.0 1.2
	assert_output $'Job 1.0 held\nJob 1.2 held'
	[ "$stderr" = $'Job 1.1 already held\nJob 77.0 not found' ]
	run_cmd 0 condor_q -af ProcId JobStatus
	assert_output $'0 5\n1 5\n2 5'
}

@test "ids that all fail exit 1 after HTCondor's blank line" {
	submit
	run_split 1 condor_release 1.0 1.5
	assert_output ""
	[ "$stderr" = $'\nJob 1.0 not held to be released\nJob 1.5 not found' ]
}

# ---------------------------------------------------- other selections

@test "a cluster: all its jobs, then nothing left to do" {
	submit
	submit
	run_split 0 condor_hold 1
	assert_output "All jobs in cluster 1 have been held"
	[ -z "$stderr" ]
	run_cmd 0 condor_q -af ClusterId ProcId JobStatus
	assert_output $'1 0 5\n1 1 5\n1 2 5\n2 0 1\n2 1 1\n2 2 1'
	run_split 1 condor_hold 1
	assert_output ""
	[ "$stderr" = $'\nCouldn\'t find/hold all jobs in cluster 1' ]
	run_split 0 condor_release 1
	assert_output "All jobs in cluster 1 have been released"
	run_split 0 condor_rm 2
	assert_output "All jobs in cluster 2 have been marked for removal"
	run_cmd 0 condor_q -af ClusterId ProcId JobStatus
	assert_output $'1 0 1\n1 1 1\n1 2 1'
}

@test "an owner: all the user's jobs" {
	submit
	run_split 0 condor_hold "$ME"
	assert_output "All jobs of user \"$ME\" have been held"
	run_split 1 condor_release nosuchuser
	[ "$stderr" = $'\nCouldn\'t find/release all jobs of user "nosuchuser"' ]
	run_split 0 condor_release "$ME"
	assert_output "All jobs of user \"$ME\" have been released"
	run_cmd 0 condor_q -af JobStatus
	assert_output $'1\n1\n1'
}

@test "-constraint, and constraints narrowing an owner" {
	submit
	run_split 0 condor_hold -constraint 'ProcId == 1'
	assert_output "All jobs matching constraint (ProcId == 1) have been held"
	run_cmd 0 condor_q -af ProcId JobStatus
	assert_output $'0 1\n1 5\n2 1'
	# AND, not OR: only the held job of this user is removed.
	run_split 0 condor_rm "$ME" -constraint 'JobStatus == 5'
	assert_output "All jobs matching constraint ((JobStatus == 5) && (Owner == \"$ME\")) have been marked for removal"
	run_cmd 0 condor_q -af ProcId
	assert_output $'0\n2'
	run_split 0 condor_hold -c 'ProcId >= 0' -c 'ProcId < 1'
	assert_output "All jobs matching constraint ((ProcId >= 0) && (ProcId < 1)) have been held"
	run_split 0 condor_release 1 2
	assert_output "All jobs matching constraint (ClusterId == 1 || ClusterId == 2) have been released"
}

@test "-all, and -all cannot be mixed" {
	submit
	submit
	run_split 0 condor_hold -all
	assert_output "All jobs have been held"
	run_cmd 0 condor_q -af JobStatus
	[ "$(echo "$output" | sort -u)" = 5 ]
	for args in "-all 1" "1 -all" "-all 1.0" "1.0 -all" "-all -constraint true" "-constraint true -all" "$ME -all"; do
		local before
		before=$(queue_state)
		# shellcheck disable=SC2086
		run_split 1 condor_release $args
		[[ "$stderr" == *"condor_release: can't mix -all with other constraints"* ]] || { echo "args: $args: $stderr"; return 1; }
		[ "$(queue_state)" = "$before" ]
	done
	run_split 0 condor_rm -a
	assert_output "All jobs have been marked for removal"
	run_cmd 0 condor_q -allusers -af ClusterId
	assert_output ""
}

@test "an empty queue is not an error for a selection" {
	run_split 0 condor_hold -all
	assert_output ""
	[ "$stderr" = "condor_hold:0:There are no jobs in the queue" ]
	run_split 0 condor_rm 5
	[ "$stderr" = "condor_rm:0:There are no jobs in the queue" ]
	run_split 1 condor_release 5.0
	[ "$stderr" = $'\nJob 5.0 not found' ]
}

@test "no job named: usage and exit 1" {
	local t
	for t in condor_hold condor_release condor_rm; do
		run_split 1 "$t"
		assert_output ""
		[[ "$stderr" == "You did not specify any jobs"$'\n'"usage: $t"* ]] || { echo "$t: $stderr"; return 1; }
		run_split 1 "$t" -reason x
		[[ "$stderr" == "You did not specify any jobs"* ]]
	done
	run_split 1 condor_hold -bogus
	[[ "$stderr" == "Unrecognized option: -bogus"$'\n'"usage: condor_hold"* ]]
	run_split 1 condor_rm -subcode 3 1.0
	[[ "$stderr" == "Unrecognized option: -subcode"* ]]
	run_split 1 condor_hold -constraint
	[ "$stderr" = "condor_hold: -constraint requires another argument" ]
	run_split 1 condor_hold -reason
	[ "$stderr" = "condor_hold: -reason requires another argument" ]
	run_split 1 condor_hold -subcode x 1.0
	[ "$stderr" = "Invalid -subcode x!" ]
}

# ------------------------------------------------------- transitions

@test "illegal transitions are refused and change nothing" {
	submit
	local before
	before=$(queue_state)
	run_split 1 condor_release 1.0
	[ "$stderr" = $'\nJob 1.0 not held to be released' ]
	run_split 1 condor_release -all
	[ "$stderr" = $'\nCouldn\'t find/release all jobs' ]
	[ "$(queue_state)" = "$before" ]

	run_cmd 0 condor_hold 1.0
	run_split 1 condor_hold 1.0
	[ "$stderr" = $'\nJob 1.0 already held' ]
	af 1.0 NumHolds
	assert_output 1

	run_cmd 0 condor_rm 1.0
	run_split 1 condor_rm 1.0
	[ "$stderr" = $'\nJob 1.0 not found' ]
	run_split 1 condor_release 1.0
	[ "$stderr" = $'\nJob 1.0 not found' ]
}

@test "a held job can be removed; its hold reason moves to Last*" {
	submit
	run_cmd 0 condor_hold -reason "wait" 1.2
	run_split 0 condor_rm 1.2
	assert_output "Job 1.2 marked for removal"
	run_cmd 0 condor_history -af ClusterId ProcId JobStatus LastHoldReason HoldReason
	assert_output "1 2 3 wait (by user $ME) undefined"
}

@test "hold = true at submit: code 15, re-held by hand as code 1, released" {
	printf 'executable = /bin/sleep\narguments = 60\nlog = job.log\nhold = true\nqueue 2\n' > held.sub
	submit held.sub
	af 1.0 JobStatus HoldReasonCode
	assert_output "5 15"
	run_split 0 condor_release 1.0
	assert_output "Job 1.0 released"
	af 1.0 JobStatus LastHoldReasonCode HoldReasonCode
	assert_output "1 15 undefined"
	run_split 0 condor_hold 1.1
	assert_output "Job 1.1 held"
	af 1.1 JobStatus HoldReasonCode HoldReason
	assert_output "5 1 via condor_hold (by user $ME)"
}

# ---------------------------------------------------------- reasons

@test "-reason and -subcode" {
	submit
	run_split 0 condor_hold -reason "disk full" -subcode 7 1.0
	assert_output "Job 1.0 held"
	af 1.0 HoldReason HoldReasonCode HoldReasonSubCode
	assert_output "disk full (by user $ME) 1 7"
	run_cmd 0 condor_hold -r "negative" -s -3 1.1
	af 1.1 HoldReasonSubCode
	assert_output "-3"
	run_split 0 condor_release --reason "disk cleaned" 1.0
	af 1.0 ReleaseReason
	assert_output "disk cleaned (by user $ME)"
	run_split 0 condor_rm -reason "not needed" 1.2
	run_cmd 0 condor_history -af RemoveReason
	assert_output "not needed (by user $ME)"
}

# ------------------------------------------------------------ events

@test "events 012, 013 and 009 in the job log, exactly" {
	submit
	run_cmd 0 condor_hold 1.0
	run job_event 12 1 0
	assert_line --index 0 --regexp "^012 \(001\.000\.000\) $DATE_RE Job was held\.$"
	assert_line --index 1 $'\tvia condor_hold (by user '"$ME)"
	assert_line --index 2 $'\tCode 1 Subcode 0'
	assert_line --index 3 "..."
	[ "${#lines[@]}" -eq 4 ]

	run_cmd 0 condor_release 1.0
	run job_event 13 1 0
	assert_line --index 0 --regexp "^013 \(001\.000\.000\) $DATE_RE Job was released\.$"
	assert_line --index 1 $'\tvia condor_release (by user '"$ME)"
	assert_line --index 2 "..."
	[ "${#lines[@]}" -eq 3 ]

	run_cmd 0 condor_rm 1.0
	run job_event 9 1 0
	assert_line --index 0 --regexp "^009 \(001\.000\.000\) $DATE_RE Job was aborted\.$"
	assert_line --index 1 $'\tvia condor_rm (by user '"$ME)"
	assert_line --index 2 "..."
	[ "${#lines[@]}" -eq 3 ]

	# Nothing was logged for the jobs left alone, and the log is whole.
	run grep -c '^01[23] (001\.00[12]\.000)' job.log
	assert_output 0
	[ "$(tail -n 1 job.log)" = "..." ]
}

@test "one event per job for a whole cluster, with the reason flattened" {
	submit
	run_cmd 0 condor_hold -reason $'two\nlines' 1
	run grep -c '^012 (001\.00[0-2]\.000) ' job.log
	assert_output 3
	run job_event 12 1 2
	assert_line --index 1 $'\ttwo|lines (by user '"$ME)"
	af 1.2 HoldReason
	assert_output --partial "two"
}

@test "an event log that cannot be written is reported, the change stands" {
	submit
	mkdir sub2
	sed 's|^log .*|log = sub2/other.log|' job.sub > sub2.sub
	submit sub2.sub
	rm -f job.log
	mkdir job.log		# a directory where the log should be
	run_split 0 condor_hold -all
	assert_output "All jobs have been held"
	[[ "$stderr" == "condor_hold: "*job.log* ]]
	run_cmd 0 condor_q -af JobStatus
	[ "$(echo "$output" | sort -u)" = 5 ]
	run grep -c '^012 ' sub2/other.log
	assert_output 3
}

# --------------------------------------------------------- history

@test "rm sends jobs to the history at once" {
	submit
	run_cmd 0 condor_rm 1.1
	run_cmd 0 condor_history -af ClusterId ProcId JobStatus
	assert_output "1 1 3"
	run_cmd 0 condor_rm 1
	run_cmd 0 condor_history -forwards -af ClusterId ProcId JobStatus
	assert_output $'1 1 3\n1 0 3\n1 2 3'
	run_cmd 0 condor_q -allusers -af ClusterId
	assert_output ""
}

# ------------------------------------------------------- permission

# Runs a command as the user nobody, keeping the environment.
as_nobody() {
	if command -v setpriv >/dev/null; then
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
	else
		runuser -u nobody -m -- "$@"
	fi
}

@test "only the owner or a QUEUE_SUPER_USERS member may act" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to own a job as another user"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	command -v setpriv >/dev/null || command -v runuser >/dev/null ||
		skip "neither setpriv nor runuser"
	# A world-traversable place for nobody's submit, queue and log.
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/condorlet-030.XXXXXX")
	PERM_DIR=$d
	chmod 0755 "$d"
	mkdir "$d/w"
	chown nobody "$d/w"
	: > "$d/condorlet.conf"
	chmod 0644 "$d/condorlet.conf"
	cp job.sub "$d/w/job.sub"
	chmod 0644 "$d/w/job.sub"
	export CONDOR_CONFIG="$d/condorlet.conf" _CONDOR_LOCAL_DIR="$d/w/local"
	if ! (cd "$d/w" && HOME="$d/w" as_nobody condor_submit job.sub) >/dev/null 2>&1; then
		skip "cannot run the tools as nobody here (build directory not readable?)"
	fi
	run_cmd 0 condor_q -allusers -af Owner ClusterId ProcId
	assert_line --index 0 "nobody 1 0"

	# root is not a super user here: nobody's jobs are out of reach.
	export _CONDOR_QUEUE_SUPER_USERS="condor, admin"
	local before
	before=$(condor_q -allusers -af ClusterId ProcId JobStatus)
	run_split 1 condor_hold 1.0
	[ "$stderr" = $'\nPermission denied to hold job 1.0' ]
	run_split 1 condor_rm 1.1
	[ "$stderr" = $'\nPermission denied to remove job 1.1' ]
	run_split 1 condor_hold -all
	[ "$stderr" = $'\nCouldn\'t find/hold all jobs' ]
	run_split 1 condor_rm nobody
	[ "$stderr" = $'\nCouldn\'t find/remove all jobs of user "nobody"' ]
	[ "$(condor_q -allusers -af ClusterId ProcId JobStatus)" = "$before" ]

	# Named in the list, root may act on them.
	export _CONDOR_QUEUE_SUPER_USERS="condor root"
	run_split 0 condor_hold 1.0
	assert_output "Job 1.0 held"
	af 1.0 HoldReason
	assert_output "via condor_hold (by user root)"
	# And by default root is the super user.
	unset _CONDOR_QUEUE_SUPER_USERS
	run_split 0 condor_rm nobody
	assert_output "All jobs of user \"nobody\" have been marked for removal"
}

# --------------------------------------------------------- bad input

@test "bad job ids and user names exit 1 and change nothing" {
	submit
	run_cmd 0 condor_hold 1.1
	local before t arg
	before=$(queue_state)
	for t in condor_hold condor_release condor_rm; do
		for arg in ../../x 0 0.0 abc.def 99999999999999999999 \
			1.99999999999999999999 2147483648.0 '1;rm' '' 'a b' \
			"$(printf 'x\033[2J')"; do
			run_split 1 "$t" "$arg"
			[ -n "$stderr" ] || { echo "$t '$arg': no message"; return 1; }
			assert_output ""
			[ "$(queue_state)" = "$before" ] || { echo "$t '$arg' changed the queue"; return 1; }
		done
	done
	run_split 1 condor_hold ../../x
	[[ "$stderr" == 'Invalid user name "../../x"'* ]]
	run_split 1 condor_hold 0
	[ "$stderr" = "Invalid cluster # from 0." ]
	run_split 1 condor_rm 99999999999999999999
	[ "$stderr" = "Invalid cluster # from 99999999999999999999." ]
	run_split 1 condor_rm 1.99999999999999999999
	[ "$stderr" = "Invalid proc # from 1.99999999999999999999." ]
	run_split 1 condor_hold abc.def
	[ "$stderr" = $'\nCouldn\'t find/hold all jobs of user "abc.def"' ]
	# A bad id among good ones: nothing at all is done.
	run_split 1 condor_rm 1.0 ../x 1.2
	[ "$(queue_state)" = "$before" ]
	run_split 1 condor_hold -constraint 'JobStatus == == 1'
	[[ "$stderr" == "condor_hold: invalid constraint"* ]]
	[ "$(queue_state)" = "$before" ]
}
