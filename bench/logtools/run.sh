#!/bin/sh
# SPDX-License-Identifier: MIT
# logstats against GoAccess (Debian's goaccess) on the same generated
# combined-format logs: wall time (median of rounds) and peak RSS.
#
#   bench/logtools/run.sh                       # 1,000,000 and 250,000 lines, 3 rounds
#   LT_LINES=200000 LT_ROUNDS=1 bench/logtools/run.sh
#
# GoAccess runs twice: with every panel (its usual report, JSON output)
# and with only the panels logstats also has (status codes, hosts, visit
# times, not found). Writes bench/results/logtools.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${LT_BUILD_DIR:-$root/build-pipeline-bench}
lines=${LT_LINES:-1000000}
rounds=${LT_ROUNDS:-3}
work=${LT_WORK_DIR:-${TMPDIR:-/tmp}/cogen-logtools-bench}
mkdir -p "$work" "$root/bench/results"
"$root/tools/ci/deps.sh" goaccess time >/dev/null

gen=""
command -v ninja >/dev/null && gen="-G Ninja"
cmake -S "$root" -B "$build" $gen -DCMAKE_BUILD_TYPE=Release -DCOGEN_BUILD_TESTS=OFF \
      -DCOGEN_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target logstats >/dev/null
ls="$build/tools/logstats/logstats"

others="REQUESTS REQUESTS_STATIC OS BROWSERS REFERRERS REFERRING_SITES KEYPHRASES REMOTE_USER \
CACHE_STATUS VIRTUAL_HOSTS MIME_TYPE TLS_TYPE VISITORS GEO_LOCATION ASN"
ignore=""
for p in $others; do ignore="$ignore --ignore-panel=$p"; done

# median wall seconds and peak RSS (KiB) of a command over $rounds runs
measure() {
  : >"$work/t"
  i=0
  while [ $i -lt "$rounds" ]; do
    /usr/bin/time -f '%e %M' -o "$work/t1" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    cat "$work/t1" >>"$work/t"
    i=$((i + 1))
  done
  sort -n "$work/t" | awk -v n="$rounds" 'NR == int((n + 1) / 2) { print $1, $2 }'
}

out="$root/bench/results/logtools.md"
{
  echo "# logstats vs GoAccess ($(goaccess --version | head -1 | tr -d '\n'))"
  echo
  echo "\`bench/logtools/run.sh\`, generated combined logs (\`logstats --generate\`), median of $rounds rounds;"
  echo "$(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg) at the start."
  echo
  echo "| lines | tool | wall | peak RSS | vs logstats |"
  echo "|---:|---|---:|---:|---:|"
} >"$out"
for n in "$lines" $((lines / 4)); do
  log="$work/access-$n.log"
  [ -s "$log" ] || "$ls" --generate "$log" --lines "$n"
  set -- $(measure "$ls" --json "$log")
  lt=$1
  echo "| $n | logstats --json (every panel) | $1 s | $2 KiB | 1.0x |" >>"$out"
  set -- $(measure goaccess "$log" --no-global-config --log-format=COMBINED --no-progress $ignore -o "$work/ga-min.json")
  echo "| $n | goaccess, only status, hosts, visit times, not found, JSON | $1 s | $2 KiB | $(awk -v a="$1" -v b="$lt" 'BEGIN { printf "%.0fx", (b > 0 ? a / b : 0) }') |" >>"$out"
  set -- $(measure goaccess "$log" --no-global-config --log-format=COMBINED --no-progress -o "$work/ga-all.json")
  echo "| $n | goaccess, every panel (the comparable report), JSON | $1 s | $2 KiB | $(awk -v a="$1" -v b="$lt" 'BEGIN { printf "%.0fx", (b > 0 ? a / b : 0) }') |" >>"$out"
done
cat "$out"
