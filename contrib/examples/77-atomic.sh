#!/bin/sh
# 77-atomic.sh - keep a complete copy of a checkpoint for a program that
# rewrites its checkpoint file in place.
#
# usage: 77-atomic.sh [-c FILE] [-p SECONDS] [-x CODE] program [args...]
#
# Why: with when_to_transfer_output = ON_EXIT_OR_EVICT, an eviction can
# come while the program is halfway through rewriting FILE, and the torn
# file would be shipped over the last good one.  This wrapper keeps the last
# complete checkpoint in FILE.atomic and only ever changes it by rename(2),
# which is atomic, so FILE.atomic is at every instant either absent or a
# complete checkpoint.  List FILE.atomic, never FILE, in
# transfer_output_files (or transfer_checkpoint_files).
#
# The protocol the program must follow (FILE defaults to "checkpoint"):
#   - it reads its checkpoint from FILE when it starts (the wrapper puts the
#     last complete one there, and removes a FILE it cannot vouch for);
#   - after writing FILE completely it creates the empty marker FILE.ready;
#   - it does not touch FILE while FILE.ready exists (it may simply skip a
#     checkpoint when the marker is still there).
# Every SECONDS (default 1) the wrapper looks for the marker; if present, it
# renames FILE to FILE.atomic and then removes the marker.  The marker is
# what tells "complete" from "being written", and the rule about not
# touching FILE while it exists is what makes the rename safe.
#
# With -x CODE, a program that exits with CODE also vouches for FILE (the
# seed HOWTO's 77-atomic.sh: write the checkpoint, then exit 77); the wrapper
# then commits FILE and exits CODE too, so checkpoint_exit_code still works.
#
# The wrapper forwards TERM, HUP, INT, USR1 and USR2 to the program (a
# vacate sends the job KillSig), waits for it, commits a checkpoint it
# finished, and exits with the program's status.  If the wrapper itself is
# killed with SIGKILL, FILE.atomic is still complete; the marker left behind
# is honoured at the next start.

ckpt=checkpoint
poll=1
code=
usage() {
	echo "usage: 77-atomic.sh [-c FILE] [-p SECONDS] [-x CODE] program [args...]" >&2
	exit 2
}
while getopts c:p:x: opt; do
	case $opt in
	c) ckpt=$OPTARG ;;
	p) poll=$OPTARG ;;
	x) code=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
case $ckpt in '' | -*) usage ;; esac

atomic=$ckpt.atomic
ready=$ckpt.ready

# Only called when the program cannot be writing FILE: the marker (or the
# agreed exit code) says it is complete and the program leaves it alone.
commit() {
	if [ -f "$ckpt" ]; then
		mv -f "$ckpt" "$atomic" || exit 1
	fi
	rm -f "$ready"
}

# A marker left by a run that was killed still vouches for its FILE.
if [ -e "$ready" ]; then
	commit
fi
# Any other FILE may be torn (killed mid-write): start from FILE.atomic.
# Copying is safe to interrupt: the unmarked copy is discarded next time.
rm -f "$ckpt"
if [ -f "$atomic" ]; then
	cp "$atomic" "$ckpt" || exit 1
fi

nap=
"$@" &
pid=$!
for sig in TERM HUP INT USR1 USR2; do
	# shellcheck disable=SC2064 # the signal name is meant to expand now
	trap "kill -$sig \$pid 2>/dev/null" "$sig"
done

# sleep in the background so that wait returns as soon as a signal comes
# and the trap can forward it at once, not after the nap.
while kill -0 "$pid" 2>/dev/null; do
	if [ -e "$ready" ]; then
		commit
	fi
	sleep "$poll" &
	nap=$!
	# A nap that ended normally has been reaped: forget its pid.
	wait $nap 2>/dev/null && nap=
done
wait "$pid"
status=$?
[ -n "$nap" ] && kill "$nap" 2>/dev/null
if [ -e "$ready" ] || { [ -n "$code" ] && [ "$status" = "$code" ]; }; then
	commit
fi
exit "$status"
