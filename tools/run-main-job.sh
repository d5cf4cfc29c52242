#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: crunch a log with logstats (a deterministic generated sample
# when no file is given) if it is built, else run the course's examples.
set -euo pipefail
build=${1:-build}; shift || true
if [ -x "$build/tools/logstats/logstats" ]; then
  exec "$build/tools/logstats/logstats" "$@"
fi
for ex in "$build"/examples/part1/*; do
  [ -x "$ex" ] && [ -f "$ex" ] || continue
  echo "== $(basename "$ex")"
  "$ex"
done
