#!/usr/bin/env bats
# 040-condor-q.bats - condor_q: HTCondor's views byte for byte (title,
# headings, rows, "_" for zero, the totals with their trailing spaces),
# -af/-format/-long/-json, the query scope (ids, clusters, owners,
# -constraint, only-my-jobs, -allusers) and bad input.

load helpers

setup() {
	common_setup
	ME=$(id -un)
	# The tests run as root, a queue super user by default: make the
	# default query the invoking user's own jobs, as for anyone else.
	export _CONDOR_QUEUE_SUPER_USERS=nobody-at-all
	write_sleep_sub job.sub 3
}

submit() {
	run_cmd 0 condor_submit "${1:-job.sub}"
}

# submitted ID: job ID's QDate as condor_q shows it ("%2d/%-2d %02d:%02d").
submitted() {
	local q
	q=$(condor_q -allusers -af QDate - "$1")
	printf '%2d/%-2d %s' "$(date -d "@$q" +%-m)" "$(date -d "@$q" +%-d)" \
		"$(date -d "@$q" +%H:%M)"
}

# q_exact WANT ARGS...: condor_q ARGS exits 0 and prints two empty lines,
# the title, then exactly the contents of file WANT.
q_exact() {
	local want=$1
	shift
	condor_q "$@" > got.txt
	[ "$(sed -n 1p got.txt)" = "" ]
	[ "$(sed -n 2p got.txt)" = "" ]
	sed -n 3p got.txt | grep -Eq "^-- Schedd: $(hostname) : <127\.0\.0\.1:0\?\.\.\. @ [0-9]{2}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\$" ||
		{ echo "bad title: $(sed -n 3p got.txt)"; return 1; }
	tail -n +4 got.txt > body.txt
	diff -u "$want" body.txt
}

# totals QUERY MINE ALL: the footer, each argument "jobs completed removed
# idle running held suspended"; MINE empty for a query of all users.
totals() {
	local fmt='Total for %s: %d jobs; %d completed, %d removed, %d idle, %d running, %d held, %d suspended'
	printf '\n'
	# shellcheck disable=SC2086
	printf "$fmt \n" query $1
	# shellcheck disable=SC2086
	[ -z "$2" ] || printf "$fmt \n" "$ME" $2
	# shellcheck disable=SC2086
	printf "$fmt\n\n" "all users" $3
}

# ------------------------------------------------------------ the default view

@test "an empty queue: title, heading with HOLD, zero totals" {
	{
		printf 'OWNER    BATCH_NAME    SUBMITTED   DONE   RUN    IDLE   HOLD  TOTAL JOB_IDS\n'
		totals "0 0 0 0 0 0 0" "0 0 0 0 0 0 0" "0 0 0 0 0 0 0"
	} > want.txt
	q_exact want.txt
}

@test "the batch view: one row per cluster, _ for zero, the totals" {
	submit
	submit
	local s1 s2
	s1=$(submitted 1.0)
	s2=$(submitted 2.0)
	{
		printf 'OWNER    BATCH_NAME    SUBMITTED   DONE   RUN    IDLE  TOTAL JOB_IDS\n'
		printf '%-8s ID: 1       %s      _      _      3      3 1.0-2\n' "$ME" "$s1"
		printf '%-8s ID: 2       %s      _      _      3      3 2.0-2\n' "$ME" "$s2"
		totals "6 0 0 6 0 0 0" "6 0 0 6 0 0 0" "6 0 0 6 0 0 0"
	} > want.txt
	q_exact want.txt
	# the output ends with an empty line
	[ "$(tail -c 2 got.txt | od -An -c | tr -d ' ')" = '\n\n' ]
}

@test "the batch view: HOLD appears after condor_hold, DONE after condor_rm" {
	submit
	run_cmd 0 condor_hold 1.1
	run_cmd 0 condor_rm 1.2
	local s1
	s1=$(submitted 1.0)
	{
		printf 'OWNER    BATCH_NAME    SUBMITTED   DONE   RUN    IDLE   HOLD  TOTAL JOB_IDS\n'
		printf '%-8s ID: 1       %s      1      _      1      1      3 1.0-1\n' "$ME" "$s1"
		totals "2 0 0 1 0 1 0" "2 0 0 1 0 1 0" "2 0 0 1 0 1 0"
	} > want.txt
	q_exact want.txt
}

@test "the batch view: jobs with one batch_name share a row" {
	printf 'executable = /bin/sleep\narguments = 60\nbatch_name = nightly\nqueue 2\n' > b.sub
	submit b.sub
	submit
	submit b.sub
	local s1 s2
	s1=$(submitted 1.0)
	s2=$(submitted 2.0)
	{
		printf 'OWNER    BATCH_NAME    SUBMITTED   DONE   RUN    IDLE  TOTAL JOB_IDS\n'
		printf '%-8s nightly     %s      _      _      4      4 1.0 ... 3.1\n' "$ME" "$s1"
		printf '%-8s ID: 2       %s      _      _      3      3 2.0-2\n' "$ME" "$s2"
		totals "7 0 0 7 0 0 0" "7 0 0 7 0 0 0" "7 0 0 7 0 0 0"
	} > want.txt
	q_exact want.txt
}

@test "a job id shows one job, a cluster its jobs; DONE is unknown for a proc" {
	submit
	submit
	local s1
	s1=$(submitted 1.0)
	{
		printf 'OWNER    BATCH_NAME    SUBMITTED   DONE   RUN    IDLE  TOTAL JOB_IDS\n'
		printf '%-8s ID: 1       %s      _      _      1      3 1.1\n' "$ME" "$s1"
		totals "1 0 0 1 0 0 0" "" "6 0 0 6 0 0 0"
	} > want.txt
	q_exact want.txt 1.1
	run_cmd 0 condor_q -af ClusterId ProcId - 2
	assert_output "$(printf '2 0\n2 1\n2 2')"
	run_cmd 0 condor_q -af ClusterId ProcId - 2 1.0
	assert_output "$(printf '1 0\n2 0\n2 1\n2 2')"
}

# ------------------------------------------------------------ scope

@test "only my jobs by default; -allusers, owners and super users see all" {
	submit
	local s1
	s1=$(submitted 1.0)
	# a query of my own jobs has a "Total for ME" line ...
	# (bats' $lines skips the two empty lines; line 0 is the title)
	run_cmd 0 condor_q -totals
	assert_line --index 2 "Total for $ME: 3 jobs; 0 completed, 0 removed, 3 idle, 0 running, 0 held, 0 suspended "
	# ... any other query has not
	for args in -allusers "$ME" 1; do
		run_cmd 0 condor_q -totals $args
		refute_output --partial "Total for $ME:"
		assert_output --partial "Total for query: 3 jobs;"
	done
	_CONDOR_QUEUE_SUPER_USERS="root, $ME" run_cmd 0 condor_q -totals
	refute_output --partial "Total for $ME:"
	_CONDOR_CONDOR_Q_ONLY_MY_JOBS=false run_cmd 0 condor_q -totals
	refute_output --partial "Total for $ME:"
	# another owner's name matches nothing of mine
	run_cmd 0 condor_q -af ClusterId - somebody-else
	assert_output ""
	run_cmd 0 condor_q -totals somebody-else
	assert_line --index 1 "Total for query: 0 jobs; 0 completed, 0 removed, 0 idle, 0 running, 0 held, 0 suspended "
	assert_line --index 2 "Total for all users: 3 jobs; 0 completed, 0 removed, 3 idle, 0 running, 0 held, 0 suspended"
}

@test "-constraint is ANDed with ids; nothing matching is not an error" {
	submit
	run_cmd 0 condor_q -af ProcId -constraint 'ProcId >= 1'
	assert_output "$(printf '1\n2')"
	run_cmd 0 condor_q -constraint 'ProcId >= 1' -af ProcId - 1.0 1.2
	assert_output "2"
	run_cmd 0 condor_q -constraint 'ProcId > 99' -af ProcId
	assert_output ""
}

# ------------------------------------------------------------ other views

@test "-nobatch: one row per job" {
	submit
	local s1
	s1=$(submitted 1.0)
	{
		printf ' ID      OWNER            SUBMITTED     RUN_TIME ST PRI SIZE CMD\n'
		for p in 0 1 2; do
			printf '   1.%d   %-14s %s   0+00:00:00 I  0    0.0 sleep 60\n' "$p" "$ME" "$s1"
		done
		totals "3 0 0 3 0 0 0" "3 0 0 3 0 0 0" "3 0 0 3 0 0 0"
	} > want.txt
	q_exact want.txt -nobatch
}

@test "-hold: held jobs with code, subcode and reason" {
	submit
	run_cmd 0 condor_hold 1.2
	local since
	since=$(condor_q -af EnteredCurrentStatus - 1.2)
	since=$(printf '%2d/%-2d %s' "$(date -d "@$since" +%-m)" \
		"$(date -d "@$since" +%-d)" "$(date -d "@$since" +%H:%M)")
	{
		printf ' ID      OWNER          HELD_SINCE  CODE/SUB HOLD_REASON\n'
		printf '   1.2   %-14s %s    1/0   via condor_hold (by user %s)\n' "$ME" "$since" "$ME"
		totals "1 0 0 0 0 1 0" "3 0 0 2 0 1 0" "3 0 0 2 0 1 0"
	} > want.txt
	q_exact want.txt -hold
}

@test "-run: running jobs only, no totals" {
	submit
	printf ' ID      OWNER            SUBMITTED     RUN_TIME HOST(S)\n' > want.txt
	q_exact want.txt -run
}

@test "-totals: the title and the totals only" {
	submit
	{
		totals "3 0 0 3 0 0 0" "3 0 0 3 0 0 0" "3 0 0 3 0 0 0" | tail -n +2
	} > want.txt
	q_exact want.txt -totals
}

# ------------------------------------------------------------ -af, -format

@test "-af: values, undefined, and the :j :h :, :l :V :r options" {
	submit
	run_cmd 0 condor_q -af ClusterId ProcId Owner NoSuchAttr 'ProcId * 10'
	assert_output "$(printf '1 0 %s undefined 0\n1 1 %s undefined 10\n1 2 %s undefined 20' "$ME" "$ME" "$ME")"
	run_cmd 0 condor_q -af:j JobStatus - 1.1
	assert_output "1.1 1"
	run_cmd 0 condor_q -af:, ProcId JobStatus - 1.1
	assert_output "1, 1"
	run_cmd 0 condor_q -af:l ProcId Cmd - 1.1
	assert_output "ProcId = 1 Cmd = /bin/sleep"
	run_cmd 0 condor_q -af:V Cmd - 1.1
	assert_output '"/bin/sleep"'
	run_cmd 0 condor_q -af:r 'ProcId + 1' - 1.1
	assert_output "ProcId + 1"
	run_cmd 0 condor_q -af:t ProcId JobStatus - 1.1
	assert_output "$(printf '1\t1')"
	run_cmd 0 condor_q -af:h ClusterId Cmd - 1.0
	assert_output "$(printf 'ClusterId Cmd       \n1         /bin/sleep')"
	run_cmd 0 condor_q -af:jh ProcId - 1.0
	assert_output "$(printf ' ID      ProcId\n   1.0   0     ')"
	# the -af list ends at the next option
	run_cmd 0 condor_q -af ProcId -constraint 'ProcId == 2'
	assert_output "2"
}

@test "-af without attributes, or with a bad expression, is an error" {
	run_split 1 condor_q -af
	assert_equal "$stderr" "Error: -autoformat requires at least one attribute parameter"
	run_split 1 condor_q -af -nobatch
	[ -n "$stderr" ]
	run_split 1 condor_q -af 'ProcId +* 2'
	assert_equal "$stderr" "Error: invalid expression : ProcId +* 2"
}

@test "-format: printf items, escapes, and dropped items" {
	submit
	run_cmd 0 condor_q -format '%d.' ClusterId -format '%d\n' ProcId
	assert_output "$(printf '1.0\n1.1\n1.2')"
	run_cmd 0 condor_q -format '[%s]' Cmd -format '[%s]' NoSuch -format '(%d)' Cmd \
		-format '<%5.1f>' ProcId -format '%%\n' ProcId 1.2
	assert_output "[/bin/sleep][undefined]<  2.0>%"
	run_split 1 condor_q -format '%d'
	assert_equal "$stderr" "Error: -format requires format and attribute parameters"
}

# ------------------------------------------------------------ -long, -json

@test "-long: sorted attributes, cluster ones included, an empty line after each" {
	submit
	condor_q -l 1.1 > long.txt
	# one ad, ending in one empty line
	[ "$(grep -c '^$' long.txt)" -eq 1 ]
	[ -z "$(tail -n 1 long.txt)" ]
	grep -qx 'ClusterId = 1' long.txt
	grep -qx 'ProcId = 1' long.txt
	grep -qx 'Cmd = "/bin/sleep"' long.txt
	grep -qx 'JobStatus = 1' long.txt
	# sorted without regard to case
	python3 -c 'import sys; n=[l.split(" ")[0] for l in open("long.txt") if l.strip()]; sys.exit(n != sorted(n, key=str.lower))'
	# no title, no totals
	# (a bare "! cmd" never fails a bats test)
	if grep -q 'Total for' long.txt; then return 1; fi
	# three ads, three empty lines
	condor_q -l > long.txt
	[ "$(grep -c '^$' long.txt)" -eq 3 ]
	# -attributes limits them
	run_cmd 0 condor_q -l -attributes procid,Cmd 1.1
	assert_output "$(printf 'Cmd = "/bin/sleep"\nProcId = 1')"
}

@test "-json: a valid JSON array of the ads; nothing when nothing matches" {
	submit
	condor_q -json > q.json
	python3 -m json.tool q.json > /dev/null
	run python3 -c 'import json,sys; a=json.load(open("q.json")); print(len(a), a[1]["ProcId"], a[1]["Cmd"], a[1]["JobStatus"])'
	assert_output "3 1 /bin/sleep 1"
	[ "$(head -n 2 q.json)" = "$(printf '[\n{')" ]
	grep -qx ',' q.json
	[ "$(tail -n 1 q.json)" = "]" ]
	# expressions are strings of the form "\/Expr(...)\/"
	grep -q '"Requirements": "\\/Expr(' q.json
	run_cmd 0 condor_q -json 99
	assert_output ""
	run_cmd 0 condor_q -json -attributes NoSuchAttr
	assert_output ""
	run_cmd 0 condor_q -json -attributes ProcId 1.2
	assert_output "$(printf '[\n{\n  "ProcId": 2\n}\n]')"
}

# ------------------------------------------------------------ bad input

@test "an unknown option: message, usage, exit 1" {
	run_split 1 condor_q -frobnicate
	assert_output ""
	assert_equal "$(printf '%s\n' "$stderr" | head -n 1)" "Error: unrecognized argument -frobnicate"
	[[ "$stderr" == *"usage: condor_q"* ]]
}

@test "an invalid constraint names the argument" {
	run_split 1 condor_q -constraint 'JobStatus == == 1'
	assert_equal "$stderr" "Error: Argument 2 (JobStatus == == 1) is not a valid constraint"
	run_split 1 condor_q -allusers -constraint
	[ -n "$stderr" ]
}

@test "-run and -hold together are refused; so are -batch and -af" {
	run_split 1 condor_q -run -hold
	[[ "$stderr" == "-run and -hold/held or -idle are incompatible"* ]]
	run_split 1 condor_q -batch -af ProcId
	assert_equal "$stderr" "Error: -batch conflicts with -format and -af"
	run_split 1 condor_q -limit lots
	[ -n "$stderr" ]
}

@test "--help prints the usage on stdout" {
	run_split 0 condor_q --help
	[[ "$output" == "usage: condor_q "* ]]
	[ -z "$stderr" ]
}
