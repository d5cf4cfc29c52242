#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wrk against HTTP servers answering GET / with a short plain-text body,
# keep-alive: cogen's examples/part7/httpserver (a task per connection),
# Go net/http (bench/http/hello.go, a goroutine per connection) and nginx
# with one worker (`return 200`, configuration generated into a temporary
# directory, 127.0.0.1 only). Each server on CPU 1, `wrk -t1` on CPU 0, at
# 100 and 1,000 connections; ROUNDS rounds with the servers interleaved,
# the median of each cell. Prints a Markdown table: req/s, p50 and p99
# latency, and every round's req/s. Peers missing from the machine are
# skipped (tools/ci/deps.sh wrk nginx golang-go installs them).
#   bench/http/run.sh [SECONDS] [ROUNDS] [SIZES...]   (default: 5 s, 3, 100 1000)
# Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-5}
rounds=${2:-3}
shift 2 || shift $# || true
sizes=${*:-100 1000}
out=build-bench-http
ulimit -n "$(ulimit -Hn)"
command -v wrk >/dev/null || { echo "bench/http: wrk missing (tools/ci/deps.sh wrk)" >&2; exit 1; }
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target part7_httpserver >/dev/null
mkdir -p $out
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

servers=("cogen:build/examples/part7/httpserver")
if command -v go >/dev/null; then
  (cd bench/http && GOCACHE=/tmp/gocache go build -o ../../$out/hello_go hello.go)
  servers+=("go:$out/hello_go")
fi
if [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null; then
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  servers+=("nginx:nginx")
fi

# Starts server $1 on a free port in the background (pid in $pid, port in
# $port), pinned to CPU 1, and waits until it accepts connections.
start() {
  port=$(free_port)
  if [ "$1" = nginx ]; then
    mkdir -p "$tmp/nginx"
    cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$port backlog=4096;
    default_type text/plain;
    location = / { return 200 "Hello, world!\n"; }
  }
}
EOF
    taskset -c 1 "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
  else
    taskset -c 1 "$2" "$port" >/dev/null &
  fi
  pid=$!
  for _ in $(seq 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.1)" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench/http: $1 did not start" >&2
  return 1
}

# One wrk run: "req/s p50_ms p99_ms".
measure() {
  taskset -c 0 wrk -t1 -c "$2" -d 1s "http://127.0.0.1:$1/" >/dev/null # warm-up
  taskset -c 0 wrk -t1 -c "$2" -d "${secs}s" --latency "http://127.0.0.1:$1/" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
                     if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx|Socket errors/ { errs = errs " " $0 }
    END { printf "%d %.2f %.2f\n", rps, p50, p99; if (errs != "") print "wrk:" errs > "/dev/stderr" }'
}

declare -A results
for ((r = 1; r <= rounds; r++)); do
  for n in $sizes; do
    for entry in "${servers[@]}"; do
      name=${entry%%:*}
      start "$name" "${entry#*:}"
      results[$name.$n]+="$(measure "$port" "$n");"
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    done
  done
done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (at the end)"
echo
echo "| server | conns | req/s | p50 | p99 | rounds (req/s) |"
echo "|---|---:|---:|---:|---:|---|"
for n in $sizes; do
  for entry in "${servers[@]}"; do
    name=${entry%%:*}
    python3 - "$name" "$n" "${results[$name.$n]}" <<'EOF'
import statistics, sys
name, n, runs = sys.argv[1], int(sys.argv[2]), [r.split() for r in sys.argv[3].split(";") if r]
med = lambda i, f: statistics.median(f(r[i]) for r in runs)
each = ", ".join(f"{int(r[0]):,}" for r in runs)
print(f"| {name} | {n:,} | {med(0, int):,.0f} | {med(1, float):.2f} ms | {med(2, float):.2f} ms | {each} |")
EOF
  done
done
