#!/bin/sh
# SPDX-License-Identifier: MIT
# logstats as a user (and a hostile user) runs it: one case per call.
# Usage: trust.sh LOGSTATS DATADIR CASE   (run in a scratch directory)
# Each case exits 0 when logstats behaves, non-zero with a reason otherwise.
set -u
prog=$1
data=$2
case_name=$3
work=$(pwd)/trust.$case_name
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
basic=$data/basic.log

fail() { echo "FAIL: $*"; for f in out err; do [ -f $f ] && { echo "--- $f"; cat $f; }; done; exit 1; }
run() { "$prog" "$@" >out 2>err; echo $? >rc; }
rc() { cat rc; }
# An error: status non-zero, nothing on stdout, one "logstats: " line on stderr.
expect_error() {
  [ "$(rc)" -ne 0 ] || fail "status 0 for an error"
  [ ! -s out ] || fail "stdout not empty on error"
  [ "$(wc -l <err)" -ge 1 ] || fail "no message on stderr"
  head -n1 err | grep -q '^logstats: ' || fail "message not in the 'logstats: ...' format"
}

case $case_name in
stdin_redirect)
  "$prog" --json <"$basic" >out 2>err || fail "status $?"
  grep -q '^{"lines": 14, "parsed": 6,' out || fail "stdin not read as the log"
  ;;
stdin_pipe)
  cat "$basic" | "$prog" --json >out 2>err || fail "status $?"
  grep -q '^{"lines": 14, "parsed": 6,' out || fail "piped stdin not read as the log"
  ;;
empty_stdin)
  "$prog" --json </dev/null >out 2>err || fail "status $?"
  grep -q '^{"lines": 0, "parsed": 0,' out || fail "empty stdin not read as an empty log"
  ;;
sample_says_generated)
  run --sample 2000
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  grep -q 'generated sample' out || fail "report does not say the log is generated"
  grep -q '2000 lines' out || fail "not 2000 lines"
  run --json --sample 2000
  grep -q '"generated": true' out || fail "JSON does not say the log is generated"
  ;;
main_job_says_sample)
  bash "$data/../../../tools/run-main-job.sh" "$(dirname "$(dirname "$(dirname "$prog")")")" --sample 3000 >out 2>err ||
    fail "make run's script failed"
  grep -q 'generated sample' out || fail "make run does not say the log is generated"
  grep -q 'your own log' out || fail "make run does not tell how to crunch your own log"
  ;;
help)
  for h in -h --help; do
    run $h
    [ "$(rc)" -eq 0 ] || fail "$h: status $(rc)"
    grep -q '^usage: logstats' out || fail "$h: no usage on stdout"
    [ ! -s err ] || fail "$h: stderr not empty"
  done
  ;;
version)
  run --version
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  grep -Eq '^logstats [0-9]+\.[0-9]+' out || fail "no version"
  ;;
unknown_option)
  run --frobnicate "$basic"; expect_error
  run -x "$basic"; expect_error
  ;;
missing_value)
  run --grep; expect_error
  ;;
missing_file)
  run /nonexistent/access.log; expect_error
  grep -q '/nonexistent/access.log' err || fail "file not named"
  ;;
directory)
  mkdir adir
  run adir; expect_error
  grep -q 'adir' err || fail "directory not named"
  ;;
skipped_file_named)
  mkdir adir
  cp "$basic" a.log; cp "$basic" b.log
  run --json a.log adir b.log
  [ "$(rc)" -ne 0 ] || fail "status 0 although adir was skipped"
  grep -q '^{"lines": 28, "parsed": 12,' out || fail "files after the directory dropped"
  grep -q 'adir' err || fail "skipped directory not named"
  grep -q 'skipped' err || fail "not said that a file was skipped"
  ;;
write_full)
  "$prog" "$basic" >/dev/full 2>err; r=$?
  [ $r -ne 0 ] || fail "status 0 writing to /dev/full"
  grep -q '^logstats: .*No space left on device' err || fail "write error not reported"
  ;;
help_write_full)
  "$prog" --help >/dev/full 2>err; r=$?
  [ $r -ne 0 ] || fail "--help > /dev/full: status 0"
  grep -q '^logstats: ' err || fail "write error not reported"
  ;;
write_epipe)
  # SIGPIPE ignored (as under many daemons): the write fails with EPIPE.
  (trap '' PIPE; { sleep 0.3; "$prog" --sample 50000 2>err; echo $? >rc; } | true)
  [ "$(rc)" -ne 0 ] || fail "status 0 writing to a closed pipe"
  grep -q '^logstats: .*Broken pipe' err || fail "EPIPE not reported"
  ;;
no_parse)
  printf '\037\213\010\000garbage\nnot a log line\n\001\002\n' >bin.log
  run bin.log
  [ "$(rc)" -ne 0 ] || fail "status 0 when nothing parsed"
  grep -q 'bin.log:1:' err || fail "rejected line 1 not shown with its number"
  grep -q 'bin.log:2: not a log line' err || fail "rejected line 2 not shown"
  ;;
some_parse_rejects_listed)
  run "$basic"
  [ "$(rc)" -eq 0 ] || fail "status $(rc) although lines parsed"
  grep -q 'basic.log:6:' out || fail "first rejected line not listed with its number"
  ;;
numbers)
  run --generate x.log --lines " -5"; expect_error
  [ ! -e x.log ] || fail "--lines \" -5\" accepted"
  for v in " -5" "-5" "5x" "" "99999999999999999999999" "0x10"; do
    run --sample "$v"; expect_error
  done
  run --top 0 "$basic"; expect_error
  run --follow --idle -1 "$basic"; expect_error
  ;;
text_escapes)
  printf '1.2.3.4 - - [24/Nov/2026:13:05:01 +0000] "GET /\033]0;pwned\007\033[2J HTTP/1.1" 404 5\n' >esc.log
  printf '1.2.3.4 - - [24/Nov/2026:13:05:01 +0000] "GET /\302\233x HTTP/1.1" 404 5\n' >>esc.log
  run esc.log
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  if tr -d '\n' <out | LC_ALL=C grep -q "$(printf '[\001-\037\177]')"; then fail "raw control byte in the text report"; fi
  if LC_ALL=C grep -q "$(printf '\302\233')" out; then fail "raw C1 control in the text report"; fi
  grep -q '/\\x1b\]0;pwned' out || fail "ESC not shown escaped"
  ;;
json_utf8)
  printf '1.2.3.4 - - [24/Nov/2026:13:05:01 +0000] "GET /\303\251t\303\251 HTTP/1.1" 404 5\n' >u.log
  printf '1.2.3.4 - - [24/Nov/2026:13:05:01 +0000] "GET /bad\377\300 HTTP/1.1" 404 5\n' >>u.log
  run --json u.log
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  grep -q "\"/$(printf '\303\251t\303\251')\"" out || fail "UTF-8 not kept in JSON"
  iconv -f UTF-8 -t UTF-8 out >/dev/null 2>&1 || fail "JSON is not valid UTF-8"
  if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' out || fail "not valid JSON"
  fi
  ;;
follow_truncate)
  l='10.0.0.1 - - [24/Nov/2026:13:05:00 +0000] "GET /a HTTP/1.1" 200 10'
  printf '%s\n%s\n%s\n' "$l" "$l" "$l" >f.log
  "$prog" --json --follow --idle 2 f.log >out 2>err &
  pid=$!
  sleep 0.6
  : >f.log                                  # copytruncate
  printf '%s\n%s\n' "$l" "$l" >>f.log
  wait $pid || fail "status $?"
  grep -q '^{"lines": 5, "parsed": 5,' out || fail "lines after truncation lost or counted twice"
  grep -q 'truncated' err || fail "truncation not reported"
  ;;
follow_rename)
  l='10.0.0.1 - - [24/Nov/2026:13:05:00 +0000] "GET /a HTTP/1.1" 200 10'
  printf '%s\n%s\n%s\n' "$l" "$l" "$l" >f.log
  "$prog" --json --follow --idle 2 f.log >out 2>err &
  pid=$!
  sleep 0.6
  mv f.log f.log.1                          # rename rotation
  printf '%s\n' "$l" >>f.log.1             # the server still writes the old file
  sleep 0.3
  printf '%s\n%s\n' "$l" "$l" >f.log      # then reopens the path
  sleep 0.5
  printf '%s\n' "$l" >>f.log
  wait $pid || fail "status $?"
  grep -q '^{"lines": 7, "parsed": 7,' out || fail "rotation: lines lost or counted twice"
  ;;
formats)
  # Apache common, "-" 408, %D, fractional seconds, vhost_combined, nginx
  # with "$http_x_forwarded_for" $request_time: every line is a request.
  run --json "$data/../../logstats/data/formats.log"
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  grep -q '^{"lines": 8, "parsed": 8, "malformed": 0,' out || fail "a format not read"
  grep -q '"408": {"requests": 1, "bytes": 0}' out || fail "the 408 line not counted"
  grep -q '{"client": "3.3.3.3", "bytes": 7, "requests": 1}' out || fail "vhost_combined client wrong"
  ;;
hours_as_logged)
  run --json "$data/../../logstats/data/formats.log"
  grep -q '"hours": {"2026-11-24T10": 4, "2026-11-24T11": 2, "2026-11-24T23": 1, "2027-01-01T00": 1}' out ||
    fail "hours not as logged"
  ;;
hours_utc)
  run --json --utc "$data/../../logstats/data/formats.log"
  grep -q '"hours": {"2026-11-24T10": 4, "2026-11-24T11": 2, "2026-11-25T02": 1, "2026-12-31T23": 1}' out ||
    fail "hours not in UTC"
  ;;
format_string)
  # An Apache LogFormat string: the vhost first, %D before a quoted agent
  # with escaped quotes, "-" 408; a combined line does not match it.
  run --json --format '%v %h %l %u %t "%r" %>s %b %D "%{User-agent}i"' "$data/../../logstats/data/custom.log"
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  grep -q '^{"lines": 4, "parsed": 3, "malformed": 1,' out || fail "the format's lines not read"
  grep -q '"404": {"requests": 1, "bytes": 10}' out || fail "status or bytes wrong"
  grep -qF '{"path": "/a\\\"b", "count": 1}' out || fail "path with an escaped quote wrong"
  grep -q '"hours": {"2026-11-24T13": 2, "2026-11-24T14": 1}' out || fail "time wrong"
  # The names of Apache's formats, and the same string spelled out.
  "$prog" --json --format combined "$basic" >named 2>&1 || fail "--format combined: status $?"
  "$prog" --json --format '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"' "$basic" >spelled 2>&1
  cmp named spelled || fail "combined and its LogFormat string differ"
  grep -q '^{"lines": 14, "parsed": 1,' named || fail "combined is not strict"
  ;;
format_errors)
  for f in '%h %l %u %t "%r" %>s %Z' '%h %{X}z %t "%r" %>s' '%h %t "%r" %<b'; do
    run --format "$f" "$basic"; expect_error
    grep -q "unsupported directive" err || fail "$f: not said unsupported"
  done
  grep -q "'%<b'" err || fail "the directive not named"
  run --format '%h %l %u "%r" %>s %b' "$basic"; expect_error
  grep -q 'no %t' err || fail "missing %t not said"
  run --format '%h%l %t "%r" %>s' "$basic"; expect_error
  grep -q 'nothing between' err || fail "adjacent directives not refused"
  run --format '%h %{Referer "%r" %t %>s' "$basic"; expect_error
  ;;
panels)
  # Worked out by hand: visitors (host, agent, day), requested and static
  # files, referrers, agents and their families, vhosts, bytes.
  run --json "$data/../../logstats/data/panels.log"
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  cmp out "$data/../../logstats/data/panels.json" || fail "panels differ from tests/logstats/data/panels.json"
  run "$data/../../logstats/data/panels.log"
  for title in 'Bandwidth 1.2 KiB; unique visitors 6' 'Unique visitors and bandwidth per day' \
      'Top requested files' 'Top static files' 'Top referrers' 'Top user agents' 'Browsers' \
      'Operating systems' 'Top virtual hosts'; do
    grep -q "^$title" out || fail "text report has no '$title'"
  done
  grep -q '^  2026-11-25           4         3          17 B$' out || fail "day row wrong"
  ;;
top_everywhere)
  run --json --top 1 "$data/../../logstats/data/panels.log"
  python3 - out <<'PY' || fail "a top list longer than --top 1"
import json, sys
r = json.load(open(sys.argv[1]))
lists = [k for k in r if k.startswith("top_")] + ["browsers", "os"]
assert len(lists) == 9, lists
bad = [k for k in lists if len(r[k]) != 1]
sys.exit(1 if bad else 0)
PY
  run --top 1 "$data/../../logstats/data/panels.log"
  [ "$(grep -c '^   1\. ' out)" -eq 9 ] || fail "text: not one row in each of the 9 top lists"
  grep -q '^   2\. ' out && fail "text: a second row with --top 1"
  ;;
grep_filters)
  # --grep filters the whole report: only the lines with Firefox count.
  run --json --grep Firefox "$data/../../logstats/data/panels.log"
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  grep -q '^{"lines": 8, "parsed": 8, "malformed": 0, "status": {"200": {"requests": 2, "bytes": 150}, "304": {"requests": 1, "bytes": 0}}' out ||
    fail "status panel not filtered"
  grep -q '"top_clients": \[{"client": "1.1.1.1", "bytes": 150, "requests": 3}\]' out || fail "clients not filtered"
  grep -q '"visitors": 2, "days"' out || fail "visitors not filtered"
  grep -q '"browsers": \[{"browser": "Firefox", "requests": 3}\]' out || fail "browsers not filtered"
  grep -q '"grep": {"pattern": "Firefox", "lines": 3}}$' out || fail "grep count wrong"
  run --grep Firefox "$data/../../logstats/data/panels.log"
  grep -q '^logstats: only the lines containing "Firefox" (3 of the parsed lines)' out || fail "text does not say it is filtered"
  ;;
csv)
  run --csv "$data/../../logstats/data/hostile.log"
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  python3 - out <<'PY' || fail "CSV not RFC 4180 or figures wrong"
import csv, sys
raw = open(sys.argv[1], "rb").read()
assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "lines must end in CRLF"
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows[0] == ["panel", "key", "count", "bytes", "visitors"], rows[0]
assert all(len(r) == 5 for r in rows), [r for r in rows if len(r) != 5]
got = {(r[0], r[1]): r[2:] for r in rows}
assert got[("summary", "lines")] == ["3", "", ""]
assert got[("top_requests", '/a,b\\"c')] == ["1", "7", ""], "comma and quote"
assert got[("top_agents", "x\\x1b[2Jy")] == ["1", "", ""], "control byte"
assert got[("days", "2026-11-24")] == ["3", "17", "3"]
assert ("top_referrers", "javascript:alert('x')\\\"><img src=x onerror=alert(2)>") in got
PY
  LC_ALL=C grep -q "$(printf '\033')" out && fail "raw ESC in the CSV"
  run --csv --json "$basic"; expect_error
  ;;
html_escapes)
  # A hostile log: tags and an ESC in the path, referrer and agent.
  run --html report.html "$data/../../logstats/data/hostile.log"
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  [ ! -s out ] || fail "--html FILE also printed on stdout"
  grep -q '<script' report.html && fail "a <script> in the page"
  grep -q 'onerror=' report.html && grep -q '<img' report.html && fail "an <img> from the log"
  python3 "$(dirname "$0")/check_html.py" report.html '/<script>alert(1)</script>' \
    '<svg onload=alert(3)>&amp;' 'x\x1b[2Jy' || fail "HTML check failed"
  run --html - "$basic"
  [ "$(rc)" -eq 0 ] && grep -q '^<!DOCTYPE html>' out || fail "--html - does not print the page"
  run --html /nonexistent/dir/r.html "$basic"; expect_error
  ;;
html_sample)
  run --sample 20000 --html report.html
  [ "$(rc)" -eq 0 ] || fail "status $(rc)"
  python3 "$(dirname "$0")/check_html.py" report.html 'generated sample' '/wp-login.php' 'Firefox' ||
    fail "HTML check failed"
  ;;
follow_interval)
  # A fresh report every second while following; the last one has every line.
  l='10.0.0.1 - - [24/Nov/2026:13:05:00 +0000] "GET /a HTTP/1.1" 200 10'
  printf '%s\n' "$l" >f.log
  "$prog" --json --follow --interval 1 --idle 3 f.log >out 2>err &
  pid=$!
  sleep 1.6
  printf '%s\n%s\n' "$l" "$l" >>f.log
  wait $pid || fail "status $?"
  python3 - out <<'PY' || fail "not a series of growing reports"
import json, sys
reports = [json.loads(l) for l in open(sys.argv[1])]
counts = [r["lines"] for r in reports]
assert len(reports) >= 3, counts              # refreshed ones, then the last
assert counts[0] >= 1 and counts == sorted(counts) and counts[-1] == 3, counts
PY
  run --interval 1 "$basic"; expect_error
  run --follow --interval 0 f.log; expect_error
  ;;
jobs_same_report|jobs_rejects|jobs_inputs)
  # --jobs N gives, byte for byte, what --jobs 1 gives: stdout, stderr and
  # status, for 2, 3 and one thread per CPU. The logs are larger than a few
  # 64 KiB chunks, so that every worker gets some and the merge matters.
  "$prog" --generate g.log --lines 8000 >/dev/null 2>&1 || fail "cannot generate the log"
  long=$(head -c 100000 /dev/zero | tr '\0' x)
  # rejected lines in the first, a middle and the last chunk; one longer
  # than a chunk; no final newline
  { echo 'bad first line'; head -n 1000 g.log; echo "$long"; echo 'bad middle'
    tail -n +1001 g.log; printf 'bad last line'; } >mixed.log
  in=/dev/null
  same() {
    "$prog" --jobs 1 "$@" <"$in" >want.out 2>want.err; w=$?
    for j in 2 3 0; do
      "$prog" --jobs $j "$@" <"$in" >got.out 2>got.err; g=$?
      [ $g -eq $w ] || fail "--jobs $j $*: status $g, --jobs 1: $w"
      cmp -s want.out got.out || { diff want.out got.out | head -20; fail "--jobs $j $*: stdout differs from --jobs 1"; }
      cmp -s want.err got.err || { diff want.err got.err | head -20; fail "--jobs $j $*: stderr differs from --jobs 1"; }
    done
  }
  case $case_name in
  jobs_same_report)
    for opts in "" --json --csv "--html -" "--grep Firefox" "--grep Firefox --json" \
        "--top 3 --utc" "--utc --csv" "--batch 0" "--batch 7 --json" "--format combined --json"; do
      same $opts mixed.log
    done
    same --json --sample 12000
    same --sample 12000 --seed 5 --top 2
    same --html r.html mixed.log; cmp -s want.out got.out || fail "html"
    "$prog" --jobs 1 --html r1.html mixed.log && "$prog" --jobs 2 --html r2.html mixed.log &&
      cmp r1.html r2.html || fail "--html FILE differs"
    ;;
  jobs_rejects)
    same mixed.log
    grep -q 'mixed.log:1: bad first line$' want.out && grep -q 'mixed.log:1002: x' want.out &&
      grep -q 'mixed.log:1003: bad middle$' want.out || fail "rejected lines not listed as expected"
    same g.log mixed.log
    same mixed.log g.log
    # nothing parses: the first rejected lines on stderr, status 1
    awk 'BEGIN { for (i = 1; i <= 20000; i++) print "not a log line " i }' >bad.log
    same bad.log
    grep -q 'bad.log:3: not a log line 3$' want.err || fail "rejected lines of bad.log not listed"
    same --json bad.log mixed.log
    ;;
  jobs_inputs)
    same g.log "$basic" mixed.log
    same --json g.log /nonexistent/x.log "$basic"
    same --json g.log "$data"
    in=mixed.log; same --json; same --csv -; same - g.log
    ;;
  esac
  ;;
jobs_numbers)
  for v in "" "-1" " 2" "2x" "1.5" "257" "0x2" "99999999999999999999999"; do
    run --jobs "$v" "$basic"; expect_error
    grep -q '^logstats: --jobs needs a whole number from 0 to 256' err || fail "--jobs '$v': no clear message"
  done
  run --jobs; expect_error
  run --jobs=2 --json "$basic"
  [ "$(rc)" -eq 0 ] && grep -q '^{"lines": 14, "parsed": 6,' out || fail "--jobs=2 not taken"
  touch f.log
  run --follow --idle 1 --jobs 2 f.log; expect_error
  grep -q -- '--follow' err || fail "--jobs with --follow: message does not say why"
  run --follow --idle 1 --jobs 1 f.log
  [ "$(rc)" -eq 0 ] || fail "--follow --jobs 1 refused"
  ;;
*) echo "unknown case $case_name"; exit 2 ;;
esac
exit 0
