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
