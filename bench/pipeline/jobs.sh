#!/bin/sh
# SPDX-License-Identifier: MIT
# logstats --jobs: the time of the same report on 1, 2, ... threads, on the
# same generated log, outputs compared byte for byte, medians of
# interleaved rounds (the machine is shared: the load average is printed
# before and after).
#
#   bench/pipeline/jobs.sh                          # 1,000,000 lines, 7 rounds, --jobs 1 2
#   JOBS_LINES=200000 JOBS_ROUNDS=3 JOBS_LIST="1 2 4" bench/pipeline/jobs.sh
#   JOBS_PERF=1 bench/pipeline/jobs.sh              # also: perf samples per thread
#
# Builds logstats (Release) in build-pipeline-bench, generates the log
# once, writes bench/results/jobs.json and bench/results/jobs.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${PIPE_BUILD_DIR:-$root/build-pipeline-bench}
lines=${JOBS_LINES:-1000000}
rounds=${JOBS_ROUNDS:-7}
list=${JOBS_LIST:-1 2}
work=${JOBS_WORK_DIR:-$build/jobs}
mkdir -p "$work" "$root/bench/results"

gen=""
command -v ninja >/dev/null && gen="-G Ninja"
cmake -S "$root" -B "$build" $gen -DCMAKE_BUILD_TYPE=Release -DCOGEN_BUILD_TESTS=OFF \
      -DCOGEN_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target logstats >/dev/null
prog=$build/tools/logstats/logstats
log="$work/access-$lines.log"
[ -s "$log" ] || "$prog" --generate "$log" --lines "$lines"

python3 "$here/jobs.py" --rounds "$rounds" --log "$log" --logstats "$prog" \
    --jobs $list --out "$root/bench/results/jobs"

# Where the time goes with the most threads: samples per thread (the
# lowest thread id is the main thread: reading, chunking, copying, the
# merge and the report) and the top functions.
if [ "${JOBS_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
    n=$(echo $list | tr ' ' '\n' | sort -n | tail -1)
    perf record -q -o "$work/perf.data" "$prog" --jobs "$n" --json "$log" >/dev/null 2>&1 &&
    perf report -i "$work/perf.data" --no-children --sort pid --stdio 2>/dev/null | grep '%' &&
    perf report -i "$work/perf.data" --no-children --sort pid,sym --stdio 2>/dev/null |
        grep '%' | head -20
fi
