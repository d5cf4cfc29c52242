#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: crunch a generated, deterministic sample log with logstats
# (a million lines unless other logstats options are given), say that it was
# a sample and how to crunch a real log. Without logstats built, run the
# course's examples.
set -euo pipefail
build=${1:-build}; shift || true
prog="$build/tools/logstats/logstats"
if [ -x "$prog" ]; then
  [ $# -gt 0 ] || set -- --sample 1000000
  "$prog" "$@"
  cat <<MSG

That was a generated sample log, not yours. To crunch your own log:
  $prog /var/log/apache2/access.log      (or nginx's access.log)
  zcat access.log.2.gz | $prog           (a log on standard input)
  $prog --json access.log                (also --follow, --top N; see --help)
MSG
  exit 0
fi
for ex in "$build"/examples/part1/*; do
  [ -x "$ex" ] && [ -f "$ex" ] || continue
  echo "== $(basename "$ex")"
  "$ex"
done
