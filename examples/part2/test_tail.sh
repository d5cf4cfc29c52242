#!/bin/sh
# SPDX-License-Identifier: MIT
# Real `tail -f` behaviour: PROG starts at the end of a log, lines are
# appended while it runs, it prints the matching new ones (not the old
# ones) and stops after 1 s without new data.
set -e
prog=$1
printf 'old python line\n' > tail.log
"$prog" --idle 1000 tail.log > tail.out &
pid=$!
sleep 0.3
printf 'new python line\nnew perl line\n' >> tail.log
sleep 0.2
printf 'another python' >> tail.log
sleep 0.1
printf ' line\n' >> tail.log
wait $pid
printf 'new python line\nanother python line\n' | cmp - tail.out
