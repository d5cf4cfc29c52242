#!/bin/sh
# SPDX-License-Identifier: MIT
# logstats --follow on a file that grows while it runs: it must count the
# lines written before and after it started, then stop after 1 s idle.
set -e
prog=$1
line='10.0.0.1 - - [24/Nov/2026:13:05:00 +0000] "GET /a HTTP/1.1" 200 10'
printf '%s\n' "$line" > follow.log
"$prog" --json --follow --idle 1 follow.log > follow.json &
pid=$!
sleep 0.3
printf '%s\n%s\n' "$line" "$line" >> follow.log
sleep 0.2
printf 'garbage\n%s' "$line" >> follow.log   # the last line has no newline
wait $pid
grep -q '^{"lines": 5, "parsed": 4, "malformed": 1, "status": {"200": {"requests": 4, "bytes": 40}}' follow.json || {
  cat follow.json; exit 1; }
