#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The echo load test (Beazley's, scaled up): each server on CPU 1, a
# closed-loop client on CPU 0 (client.c: 1 KiB messages, every byte
# checked) at 100, 1,000 and 10,000 connections. Prints one Markdown row
# per server and size: messages/s, p50/p99 latency, server RSS per
# connection (RSS with the connections open minus RSS before, divided by
# their number). Peers missing from the machine are skipped (install them
# with tools/ci/deps.sh golang-go nodejs python3-uvloop).
#   bench/echo/run.sh [SECONDS] [SIZES...]     (default: 5 s; 100 1000 10000)
# Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-5}
shift || true
sizes=${*:-100 1000 10000}
out=build-bench-echo
ulimit -n "$(ulimit -Hn)" # 10,000 connections need 10,000 fds a side
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target part7_echoserver >/dev/null
mkdir -p $out
cc -O2 -D_GNU_SOURCE -o $out/client bench/echo/client.c
cc -O2 -D_GNU_SOURCE -o $out/floor bench/echo/floor.c
servers=("floor:$out/floor" "cogen:build/examples/part7/echoserver")
if command -v go >/dev/null; then
  (cd bench/echo && GOCACHE=/tmp/gocache go build -o ../../$out/echo_go echo.go)
  servers+=("go:$out/echo_go")
fi
command -v node >/dev/null && servers+=("node:node bench/echo/echo.js")
servers+=("asyncio:/usr/bin/python3 bench/echo/echo.py")
/usr/bin/python3 -c 'import uvloop' 2>/dev/null && servers+=("uvloop:/usr/bin/python3 bench/echo/echo.py --uvloop")

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

echo "| server | conns | msgs/s | p50 | p99 | RSS/conn |"
echo "|---|---:|---:|---:|---:|---:|"
for n in $sizes; do
  for entry in "${servers[@]}"; do
    name=${entry%%:*}
    cmd=${entry#*:}
    fifo=$(mktemp -u) && mkfifo "$fifo"
    # shellcheck disable=SC2086
    taskset -c 1 $cmd 0 >"$fifo" &
    pid=$!
    exec 3<"$fifo"
    read -r line <&3
    rm -f "$fifo"
    port=${line##*:}
    sleep 0.3
    before=$(rss_kb $pid)
    # RSS is sampled while the client runs, after its warm-up second.
    (sleep 1.5; rss_kb $pid >"$out/rss.$name") &
    sampler=$!
    result=$(taskset -c 0 $out/client "$port" "$n" "$secs" 1024 1 || echo "failed")
    wait $sampler 2>/dev/null || true
    after=$(cat "$out/rss.$name" 2>/dev/null || echo "$before")
    kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
    exec 3<&-
    per=$(( (after - before) * 1024 / n ))
    if [ "$result" = failed ]; then
      echo "| $name | $n | failed | | | |"
    else
      read -r msgs _ _ p50 _ _ p99 _ <<<"$result"
      echo "| $name | $n | $msgs | $p50 ms | $p99 ms | $per B |"
    fi
  done
done
