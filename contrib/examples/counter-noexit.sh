#!/bin/sh
# counter-noexit.sh - a job that checkpoints without ever exiting to do so,
# for the seed HOWTO's "delayed transfers" (delayed-transfer.sub).
#
# usage: counter-noexit.sh [STEP [LIMIT [FILE]]]   (defaults: 10 1000000 checkpoint)
#
# Counts from where FILE says (0 without one) to LIMIT, sleeping STEP
# seconds per count, then prints "Computation complete" and exits 0.  The
# limit is large: the job is meant to be evicted long before it is reached.
#
# It rewrites FILE in place, the unsafe way many real programs do, and
# relies on 77-atomic.sh to keep a complete copy in FILE.atomic.  It follows
# that wrapper's protocol: after writing FILE it creates FILE.ready, and
# while FILE.ready exists it leaves FILE alone and skips the checkpoint, so
# a slow wrapper costs checkpoints but never tears one.
step=${1:-10}
limit=${2:-1000000}
ckpt=${3:-checkpoint}

value=0
if [ -f "$ckpt" ]; then
	value=$(cat "$ckpt")
	case $value in
	'' | *[!0-9]*)
		echo "bad checkpoint file $ckpt: '$value'" >&2
		exit 1
		;;
	esac
fi

echo "Starting from $value"
while [ "$value" -lt "$limit" ]; do
	echo "Computing timestamp $value"
	sleep "$step"
	value=$((value + 1))
	if [ ! -e "$ckpt.ready" ]; then
		echo "$value" > "$ckpt" && : > "$ckpt.ready"
	fi
done
# The final count is the result, so give the wrapper a few seconds to take
# the previous checkpoint rather than skip this one.
tries=0
while [ -e "$ckpt.ready" ] && [ "$tries" -lt 50 ]; do
	sleep 0.2
	tries=$((tries + 1))
done
if [ ! -e "$ckpt.ready" ]; then
	echo "$value" > "$ckpt" && : > "$ckpt.ready"
fi
echo "Computation complete"
