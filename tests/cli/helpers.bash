# helpers.bash - shared setup for the bats suites in tests/cli.
#
# Every test gets a private configuration and LOCAL_DIR under its own
# temporary directory, so suites never see each other's queue or the
# developer's real one.  Load it with:  load helpers
#
# run_cmd EXPECTED_RC tool args...   runs under a timeout, checks the exit
#                                    status, leaves $output/$status/$lines
#                                    (stdout and stderr merged)
# run_split EXPECTED_RC tool args... same, with stdout in $output and
#                                    stderr in $stderr (bats --separate-stderr)

bats_load_library bats-support
bats_load_library bats-assert

: "${CONDORLET_SRCDIR:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
: "${CMD_TIMEOUT:=60}"

common_setup() {
	export TESTDIR="$BATS_TEST_TMPDIR"
	export HOME="$TESTDIR/home"
	mkdir -p "$HOME"
	export XDG_CONFIG_HOME="$TESTDIR/xdg-config"
	export XDG_STATE_HOME="$TESTDIR/xdg-state"
	export XDG_RUNTIME_DIR="$TESTDIR/xdg-run"
	mkdir -p "$XDG_RUNTIME_DIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	export CONDOR_CONFIG="$TESTDIR/condorlet.conf"
	: > "$CONDOR_CONFIG"
	export _CONDOR_LOCAL_DIR="$TESTDIR/local"
	# Until the daemon exists no tool should try to start one in tests.
	export _CONDOR_AUTOSTART_MASTER=false
	cd "$TESTDIR"
}

setup() {
	common_setup
}

# run_cmd EXPECTED_RC cmd args...
run_cmd() {
	local expected=$1
	shift
	run timeout --kill-after=5 "$CMD_TIMEOUT" "$@"
	if [ "$status" -ne "$expected" ]; then
		echo "# command: $*" >&2
		echo "# expected exit $expected, got $status" >&2
		echo "# output:" >&2
		printf '%s\n' "$output" | sed 's/^/#   /' >&2
		return 1
	fi
}

# run_split EXPECTED_RC cmd args...: stdout in $output, stderr in $stderr.
run_split() {
	local expected=$1
	shift
	local errf="$BATS_TEST_TMPDIR/.stderr.$$"
	run bash -c 'exec timeout --kill-after=5 "$0" "$@" 2>"'"$errf"'"' "$CMD_TIMEOUT" "$@"
	stderr=$(cat "$errf")
	rm -f "$errf"
	if [ "$status" -ne "$expected" ]; then
		echo "# command: $*" >&2
		echo "# expected exit $expected, got $status" >&2
		printf '# stdout:\n%s\n# stderr:\n%s\n' "$output" "$stderr" | sed 's/^/#   /' >&2
		return 1
	fi
}

# A minimal submit file for a job that exists on every machine.
write_sleep_sub() {
	local file=${1:-job.sub} n=${2:-1}
	cat > "$file" <<SUB
executable = /bin/sleep
arguments  = 60
log        = job.log
queue $n
SUB
}

# ---- the daemon (tests/cli/1xx) --------------------------------------------
#
# wait_for SECONDS cmd args...  polls cmd (every 50 ms) until it succeeds;
#                               fails, saying what it waited for, if it never
#                               does within SECONDS
# start_master [args...]        starts condor_master (daemonized) for this
#                               test's LOCAL_DIR; $MASTER_PID is its pid
# master_pid                    prints the pid in LOCK/condor_master.lock
# stop_master [SIGNAL]          sends SIGNAL (default TERM) to $MASTER_PID
#                               and waits until that process is gone
# cleanup_master                for teardown: stops a daemon a failed test
#                               left running (fast), and its jobs with it

wait_for() {
	local secs=$1
	shift
	local tries=$((secs * 20))
	while [ "$tries" -gt 0 ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
		tries=$((tries - 1))
	done
	echo "# gave up after ${secs}s waiting for: $*" >&2
	return 1
}

master_pid() {
	cat "${_CONDOR_LOCAL_DIR}/log/condor_master.lock" 2>/dev/null
}

# true while process $1 exists and is not a zombie.
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*) return 1 ;; esac
	return 0
}

start_master() {
	# fd 3 is bats's own: a daemon holding it would hang the suite
	run_cmd 0 condor_master "$@" 3>&-
	MASTER_PID=$(master_pid)
	[ -n "$MASTER_PID" ] && alive "$MASTER_PID"
}

stop_master() {
	local sig=${1:-TERM}
	[ -n "${MASTER_PID:-}" ] || return 0
	kill -s "$sig" "$MASTER_PID" 2>/dev/null || true
	wait_for 60 eval '! alive "$MASTER_PID"'
	MASTER_PID=
}

cleanup_master() {
	local pid
	pid=${MASTER_PID:-$(master_pid)}
	if [ -n "$pid" ] && alive "$pid"; then
		kill -QUIT "$pid" 2>/dev/null || true
		wait_for 30 eval '! alive "$pid"' || kill -KILL "$pid" 2>/dev/null || true
	fi
	MASTER_PID=
	# starters a failed test left behind (each leads its own session)
	local f spid
	for f in "${_CONDOR_LOCAL_DIR}"/execute/dir_*/.starter.pid; do
		[ -f "$f" ] || continue
		spid=$(cut -d' ' -f1 "$f")
		[ -n "$spid" ] && pkill -KILL -s "$spid" 2>/dev/null || true
	done
}

# ---- jobs and their event logs (the daemon's suites) ----
#
# job_status ID               JobStatus of a job in the queue ("" if gone)
# status_is ID STATUS         true when the job has that JobStatus
# gone ID                     true when the job has left the queue
# events [LOG]                the event codes of a job log, in order
# event CODE [LOG] [N]        the body of the Nth such event, header to
#                             "..." (default: the last one)

job_status() {
	condor_q -allusers "$1" -af JobStatus 2>/dev/null
}

status_is() {
	[ "$(job_status "$1")" = "$2" ]
}

gone() {
	[ -z "$(job_status "$1")" ]
}

events() {
	grep -E '^[0-9]{3} \(' "${1:-job.log}" | cut -c1-3
}

event() {
	awk -v h="$1 (" -v want="${3:-0}" '
		index($0, h) == 1 { buf = ""; on = 1 }
		on { buf = buf $0 "\n"; if ($0 == "...") { n++; last = buf; on = 0
			if (n == want) { printf "%s", buf; done = 1; exit } } }
		END { if (!done && want == 0) printf "%s", last }' "${2:-job.log}"
}
