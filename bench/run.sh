#!/bin/sh
# SPDX-License-Identifier: MIT
# The benchmark suite in one command: installs the peers from Debian when
# run as root, builds cogen and every peer in build-bench (Release, -O2),
# runs all of them in interleaved rounds pinned to one CPU, and writes
# bench/results/latest.json and bench/results/latest.md.
#
#   bench/run.sh                 # BENCH_ROUNDS=9 by default
#   BENCH_ROUNDS=3 bench/run.sh  # quicker, noisier
#   BENCH_NO_INSTALL=1 ...       # do not call apt-get
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BENCH_BUILD_DIR:-$root/build-bench}
rounds=${BENCH_ROUNDS:-9}
skipped=""

# ---- peers from Debian (tools/ci/deps.sh names what it could not install)
if [ -z "${BENCH_NO_INSTALL:-}" ]; then
    for p in $("$root/tools/ci/deps.sh" --optional bench); do
        skipped="$skipped;$p=could not install $p"
    done
else
    echo "bench: BENCH_NO_INSTALL: using whatever peers are installed" >&2
fi
if [ ! -x /usr/bin/python3 ] && ! command -v python3 >/dev/null; then
    echo "bench: python3 is needed to drive the suite" >&2
    exit 1
fi
py=$(command -v python3 || echo /usr/bin/python3)

# ---- build
mkdir -p "$build"
gen=""
command -v ninja >/dev/null && gen="-G Ninja"
cmake -S "$root" -B "$build" $gen -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DCOGEN_BUILD_BENCH=ON -DCOGEN_BUILD_TESTS=OFF -DCOGEN_BUILD_EXAMPLES=OFF >"$build/bench-cmake.log" 2>&1 || { cat "$build/bench-cmake.log" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" >"$build/bench-build.log" 2>&1 || { tail -50 "$build/bench-build.log" >&2; exit 1; }
for peer in fcontext coro2 pcl lua54 luajit; do
    [ -x "$build/bench/peers/bench_$peer" ] || echo "bench: peer $peer not built (library missing): skipped" >&2
done

# ---- run: pinned to the last CPU when taskset exists
cpu=""
if command -v taskset >/dev/null; then
    cpu="--cpu $(($(nproc) - 1))"
fi
mkdir -p "$here/results"
"$py" "$here/driver.py" "$build" "$here/results" --rounds "$rounds" $cpu --skipped "$skipped"

# ---- the other engineer's pipeline benchmarks, when present
if [ -x "$here/pipeline/run.sh" ] || [ -f "$here/pipeline/run.sh" ]; then
    sh "$here/pipeline/run.sh"
fi
