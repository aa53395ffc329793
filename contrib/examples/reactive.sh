#!/bin/sh
# reactive.sh - a job that takes its checkpoint only when told to leave:
# the seed HOWTO's "delayed transfer with signals" (reactive-ckpt.sub).
#
# usage: reactive.sh [STEP [LIMIT [FILE]]]   (defaults: 1 600 reactive.ckpt)
#
# Counts from where FILE says (0 without one) to LIMIT, sleeping STEP
# seconds per count.  On SIGUSR1 (the job's kill_sig, so a vacate sends it)
# it writes the count to FILE and dies of that same signal, which is what
# an interrupted job looks like.  It writes FILE on completion too, because
# FILE is in transfer_output_files and a missing output would fail the
# final transfer.  The checkpoint has to be written within
# job_max_vacate_time, after which the job gets SIGKILL.
step=${1:-1}
limit=${2:-600}
ckpt=${3:-reactive.ckpt}

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
save() {
	echo "$value" > "$ckpt.tmp" && mv -f "$ckpt.tmp" "$ckpt"
}

on_usr1() {
	# The nap would outlive us otherwise, holding our output open.
	[ -n "$nap" ] && kill "$nap" 2>/dev/null
	save
	echo "Checkpointed at $value on SIGUSR1"
	trap - USR1
	kill -USR1 $$
}
trap on_usr1 USR1

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
save
echo "Computation complete"
