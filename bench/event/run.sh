#!/bin/sh
# SPDX-License-Identifier: MIT
# The event layer's benchmarks:
#  - the HTTP request-head parser against node's http_parser (Debian's
#    libhttp-parser-dev) and a parser that restarts on partial input, whole
#    and in 64-, 8- and 1-byte chunks;
#  - the RESP reply parser against hiredis's reader (libhiredis-dev) on an
#    MGET-of-1000-keys reply, whole and in 1460-, 64- and 8-byte chunks;
#  - Beazley's bus job on a generated ~30 MB document: examples/part3's
#    buses (push), iterbus (pull) and coexpat against a plain C expat
#    callback state machine and against Python's expat into coroutines.
#
#   bench/event/run.sh              # 7 rounds of each
#   EVENT_ROUNDS=3 BUS_MB=10 bench/event/run.sh
#
# Builds cogen and the examples (Release, -O2) in build-event-bench, runs
# pinned to the last CPU; the tables go to stdout and to
# bench/results/event.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${EVENT_BUILD_DIR:-$root/build-event-bench}
rounds=${EVENT_ROUNDS:-7}
mb=${BUS_MB:-30}
work=${EVENT_WORK_DIR:-${TMPDIR:-/tmp}/cogen-event-bench}
if [ -z "${BENCH_NO_INSTALL:-}" ]; then
    "$root/tools/ci/deps.sh" --optional libhttp-parser-dev libhiredis-dev >/dev/null
fi
gen=""
command -v ninja >/dev/null && gen="-G Ninja"
cmake -S "$root" -B "$build" $gen -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DCOGEN_BUILD_TESTS=OFF -DCOGEN_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" --target cogen_static part3_buses part3_iterbus part3_coexpat >/dev/null
${CC:-cc} -O2 -DNDEBUG -std=c11 -D_GNU_SOURCE "$here/bus_sm.c" -lexpat -o "$build/bus_sm"
cc_bench() { # NAME LIB: builds bench NAME.c against cogen and LIB, if LIB is there
    ${CC:-cc} -O2 -DNDEBUG -std=c11 -D_GNU_SOURCE -I "$root/include" "$here/$1.c" \
        "$build/libcogen.a" "-l$2" -lexpat -lpthread -lm -o "$build/$1" 2>/dev/null ||
        { echo "bench: $1 not built (lib$2 missing?): skipped" >&2; rm -f "$build/$1"; }
}
cc_bench http_bench http_parser
cc_bench resp_bench hiredis
pin=""
if command -v taskset >/dev/null; then
    pin="taskset -c $(($(nproc) - 1))"
fi
mkdir -p "$root/bench/results" "$work"
xml="$work/buses-${mb}mb.xml"
[ -s "$xml" ] || python3 "$here/gen_buses.py" "$xml" "$mb"
p3="$build/examples/part3"
{
    if [ -x "$build/http_bench" ]; then
        echo "## HTTP request heads"
        echo
        $pin "$build/http_bench" "$rounds"
        echo
    fi
    if [ -x "$build/resp_bench" ]; then
        echo "## RESP replies"
        echo
        $pin "$build/resp_bench" "$rounds"
        echo
    fi
    echo "## The bus job ($(du -m "$xml" | cut -f1) MB document, route 22, North Bound)"
    echo
    $pin python3 "$here/bus_run.py" --rounds "$rounds" --xml "$xml" \
        "C expat state machine=$build/bus_sm" "buses (push, pipe stages)=$p3/buses" \
        "buses --batch 64=$p3/buses --batch 64" \
        "coexpat (hand-written callbacks)=$p3/coexpat" "iterbus (pull)=$p3/iterbus" \
        "iterbus --batch 64=$p3/iterbus --batch 64" \
        "Python expat coroutines=python3 $here/coexpat.py"
} | tee "$root/bench/results/event.md"
