#!/bin/sh
# periodic.sh - a job that checkpoints when it receives a signal and then
# exits with a code it uses for nothing else: the seed HOWTO's "periodic
# signals" (periodic-signal.sub).
#
# usage: periodic.sh [STEP [LIMIT [FILE [CODE]]]]
#        (defaults: 1 600 periodic.ckpt 85)
#
# Counts from where FILE says (0 without one) to LIMIT, sleeping STEP
# seconds per count, and exits 0 when done.  On SIGUSR2 (the job's
# +CheckpointSig, sent every PERIODIC_CHECKPOINT) it writes the count to
# FILE and exits CODE; checkpoint_exit_code = CODE makes that a checkpoint:
# FILE is saved in the spool and the job restarts at once, in the same
# sandbox, from FILE.  Any other way of leaving after the signal would get
# the job held ("did not exit as promised").
step=${1:-1}
limit=${2:-600}
ckpt=${3:-periodic.ckpt}
code=${4:-85}

value=0
nap=
if [ -f "$ckpt" ]; then
	value=$(cat "$ckpt")
	case $value in
	'' | *[!0-9]*)
		echo "bad checkpoint file $ckpt: '$value'" >&2
		exit 1
		;;
	esac
fi

# Write then rename: being killed halfway must not destroy the last one.
on_usr2() {
	# The nap would outlive us otherwise, holding our output open.
	[ -n "$nap" ] && kill "$nap" 2>/dev/null
	echo "$value" > "$ckpt.tmp" && mv -f "$ckpt.tmp" "$ckpt" || exit 1
	echo "Checkpointed at $value on SIGUSR2"
	exit "$code"
}
trap on_usr2 USR2

echo "Starting from $value"
while [ "$value" -lt "$limit" ]; do
	echo "Computing timestamp $value"
	# In the background, so the trap runs as soon as the signal comes
	# rather than when the nap ends.
	sleep "$step" &
	nap=$!
	wait $nap
	value=$((value + 1))
done
echo "Computation complete"
