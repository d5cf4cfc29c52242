#!/bin/sh
# SPDX-License-Identifier: MIT
# The progress line goes to stderr only when stderr is a terminal.
set -e
prog=$1
"$prog" --sample 1100000 >/dev/null 2>err.txt
if [ -s err.txt ]; then echo "progress written to a non-terminal:"; cat err.txt; exit 1; fi
command -v script >/dev/null || { echo "no script(1): terminal case not checked"; exit 0; }
script -qec "\"$prog\" --sample 1100000 >/dev/null" /dev/null > tty.txt
grep -q 'logstats: [0-9]* lines  [0-9]* lines/s' tty.txt || { echo "no progress on a terminal:"; cat tty.txt; exit 1; }
# A file: its size is known, so the line shows a percentage and an ETA.
"$prog" --generate big.log --lines 1100000
script -qec "\"$prog\" big.log >/dev/null" /dev/null > tty.txt
grep -q 'logstats: *[0-9]*%  [0-9]* lines  [0-9]* lines/s  ETA [0-9]* s' tty.txt || {
  echo "no percentage on a terminal:"; cat tty.txt; exit 1; }
rm -f big.log
