#!/bin/sh
# SPDX-License-Identifier: MIT
# The pipeline benchmark: the same logstats report computed three ways on
# the same generated log, outputs compared, times as ratios.
#
#   bench/pipeline/run.sh                    # 1,000,000 lines, 5 rounds
#   PIPE_LINES=200000 PIPE_ROUNDS=3 bench/pipeline/run.sh
#
# Builds logstats (Release) in build-pipeline-bench, compiles the fused
# loop against the same parser/aggregator library with the same flags,
# generates the log once (logstats --generate), then bench/pipeline/run.py
# times every variant in interleaved rounds and writes
# bench/results/pipeline.json and bench/results/pipeline.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${PIPE_BUILD_DIR:-$root/build-pipeline-bench}
lines=${PIPE_LINES:-1000000}
rounds=${PIPE_ROUNDS:-5}
work=${PIPE_WORK_DIR:-${TMPDIR:-/tmp}/cogen-pipeline-bench}
mkdir -p "$work" "$root/bench/results"

gen=""
command -v ninja >/dev/null && gen="-G Ninja"
cmake -S "$root" -B "$build" $gen -DCMAKE_BUILD_TYPE=Release -DCOGEN_BUILD_TESTS=OFF \
      -DCOGEN_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target logstats logstats_core >/dev/null
cflags="-O3 -DNDEBUG -std=c11 -D_GNU_SOURCE"   # CMake's Release flags
${CC:-cc} $cflags -I "$root/tools/logstats" "$here/fused.c" \
    "$build/tools/logstats/liblogstats_core.a" -o "$work/fused"

log="$work/access-$lines.log"
small="$work/access-$((lines / 4)).log"
[ -s "$log" ] || "$build/tools/logstats/logstats" --generate "$log" --lines "$lines"
[ -s "$small" ] || "$build/tools/logstats/logstats" --generate "$small" --lines "$((lines / 4))"

exec python3 "$here/run.py" --rounds "$rounds" --log "$log" --small "$small" \
    --logstats "$build/tools/logstats/logstats" --fused "$work/fused" \
    --python-pipeline "$here/logstats.py" --out "$root/bench/results/pipeline"
