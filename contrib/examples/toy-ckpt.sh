#!/bin/sh
# toy-ckpt.sh - the seed documents' toy self-checkpointing job, in sh.
#
# Counts from 0 to 9, sleeping STEP seconds at each step.  After each step
# it writes the next number to its checkpoint file, and at 3, 6 and 9 it
# exits with CODE to ask for a checkpoint.  When restarted it resumes from
# the checkpoint file if there is one.  Exits 0 when complete.
#
# usage: toy-ckpt.sh [STEP [CODE [CKPT_FILE]]]   (defaults: 10 77 CODE.ckpt)
step=${1:-10}
code=${2:-77}
ckpt=${3:-$code.ckpt}

value=0
if [ -r "$ckpt" ]; then
	value=$(cat "$ckpt")
	case $value in
	'' | *[!0-9]*)
		echo "bad checkpoint file $ckpt: '$value'" >&2
		exit 1
		;;
	esac
fi

echo "Starting from $value"
while [ "$value" -lt 10 ]; do
	echo "Computing timestamp $value"
	sleep "$step"
	value=$((value + 1))
	# Write then rename, so an interruption never leaves a torn checkpoint.
	echo "$value" > "$ckpt.tmp" && mv -f "$ckpt.tmp" "$ckpt"
	if [ $((value % 3)) -eq 0 ]; then
		exit "$code"
	fi
done
echo "Computation complete"
