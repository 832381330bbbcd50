#!/usr/bin/env bash
# Parse benchmark: times, in one run on the same generated feed,
#   feedclusterd parse FILE        (the full parse: every field, dates, text, ids)
#   the libxml2 SAX2 no-op parse   (the ceiling for any libxml2-based parser)
#   xmllint --stream --noout, sfeed, python3-feedparser
# and prints wall time, MB/s, items/s, peak RSS and the ratios.
#
# The fast tools run in turn, N rounds (not N runs of one tool, then the next), so
# a change of machine load falls on all of them alike; each tool's best wall time
# and best CPU time (user + sys) are reported, and the ratios of both. On a shared
# machine the CPU-time ratios are the steadier ones.
#
# Usage: bench/parse/run.sh [BUILD_DIR]     (a Release build; default build-release)
#   FCD_BENCH_RUNS=N               rounds of the fast tools, best kept (default 3)
#   FCD_BENCH_SKIP_FEEDPARSER=1    skip feedparser (it takes over a minute)
#   FCD_BENCH_ITEMS / FCD_BENCH_SEED  generator settings (defaults 38000 / 20250815)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
source_dir="$(cd "$here/../.." && pwd)"
build="${1:-$source_dir/build-release}"
runs="${FCD_BENCH_RUNS:-3}"
items="${FCD_BENCH_ITEMS:-38000}"
seed="${FCD_BENCH_SEED:-20250815}"

feedclusterd="$build/daemon/feedclusterd"
noop="$build/bench/parse/fcd_bench_sax2_noop"
for binary in "$feedclusterd" "$noop"; do
  [[ -x "$binary" ]] || { echo "missing $binary: cmake --build $build --target feedclusterd fcd_bench_sax2_noop" >&2; exit 2; }
done

data="$build/bench-data"
feed="$data/rss-${items}-${seed}.xml"
mkdir -p "$data"
if [[ ! -s "$feed" ]]; then
  echo "generating $feed ..."
  python3 "$here/generate_rss.py" "$feed" --items "$items" --seed "$seed"
fi
bytes=$(stat -c %s "$feed")
count=$(grep -c "<item>" "$feed")
echo "feed: $feed, $bytes bytes, $count items"
echo

# time_one COMMAND... : prints "wall cpu rss" (seconds, seconds, KB) of one run.
# CPU time is user + sys as /usr/bin/time gives it, in steps of 10 ms.
time_one() {
  local log
  log="$(mktemp)"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" </dev/null || { cat "$log" >&2; rm -f "$log"; return 1; }
  awk -F': ' '/User time/ { cpu += $2 } /System time/ { cpu += $2 }
              /Elapsed \(wall clock\)/ { n = split($2, p, ":"); wall = 0; for (i = 1; i <= n; i++) wall = wall * 60 + p[i] }
              /Maximum resident set size/ { rss = $2 }
              END { printf "%s %s %s\n", wall, cpu, rss }' "$log"
  rm -f "$log"
}
# measure NAME COMMAND... : one run, folded into the best wall time (with the
# peak RSS of that run) and the best CPU time of NAME so far.
declare -A seconds cpu rss
measure() {
  local name="$1" w c r
  shift
  read -r w c r < <(time_one "$@")
  if [[ -z "${seconds[$name]:-}" ]] || awk -v a="$w" -v b="${seconds[$name]}" 'BEGIN { exit !(a < b) }'; then
    seconds[$name]="$w"
    rss[$name]="$r"
  fi
  if [[ -z "${cpu[$name]:-}" ]] || awk -v a="$c" -v b="${cpu[$name]}" 'BEGIN { exit !(a < b) }'; then cpu[$name]="$c"; fi
}

sfeed_in() { sfeed < "$feed"; }
export -f sfeed_in
export feed

for ((round = 0; round < runs; round++)); do
  measure "feedclusterd parse" "$feedclusterd" parse "$feed"
  measure "sax2 no-op" "$noop" "$feed"
  measure "xmllint --stream" xmllint --stream --noout "$feed"
  measure "sfeed" bash -c sfeed_in
done
order=("feedclusterd parse" "sax2 no-op" "xmllint --stream" "sfeed")
if [[ "${FCD_BENCH_SKIP_FEEDPARSER:-0}" != 1 ]]; then
  measure "python3-feedparser" /usr/bin/python3 -c \
    'import sys, feedparser; d = feedparser.parse(sys.argv[1]); print(len(d.entries))' "$feed"
  order+=("python3-feedparser")
fi

printf "%-20s %9s %9s %9s %12s %10s %10s\n" tool wall-s cpu-s MB/s items/s "peak MB" "RSS/file"
for name in "${order[@]}"; do
  awk -v name="$name" -v s="${seconds[$name]}" -v c="${cpu[$name]}" -v r="${rss[$name]}" -v b="$bytes" -v n="$count" 'BEGIN {
    printf "%-20s %9.3f %9.3f %9.1f %12.0f %10.1f %10.2f\n", name, s, c, b / 1e6 / s, n / s, r / 1024, r * 1024 / b }'
done
echo "(MB/s and items/s from wall time; cpu-s is user + sys)"
echo
awk -v o="${seconds[feedclusterd parse]}" -v x="${seconds[sax2 no-op]}" -v f="${seconds[sfeed]}" \
    -v oc="${cpu[feedclusterd parse]}" -v xc="${cpu[sax2 no-op]}" -v fc="${cpu[sfeed]}" \
    -v r="${rss[feedclusterd parse]}" -v b="$bytes" 'BEGIN {
  printf "                                      wall   cpu\n"
  printf "feedclusterd / sax2 no-op throughput: %.2f  %.2f   (target >= 0.50)\n", x / o, xc / oc
  printf "feedclusterd / sfeed throughput:      %.2f  %.2f   (target >= 1.00)\n", f / o, fc / oc
  printf "feedclusterd peak RSS / file size:    %.2f         (target <  3.00)\n", r * 1024 / b }'
if [[ -n "${seconds[python3-feedparser]:-}" ]]; then
  awk -v o="${seconds[feedclusterd parse]}" -v p="${seconds[python3-feedparser]}" \
      -v oc="${cpu[feedclusterd parse]}" -v pc="${cpu[python3-feedparser]}" \
      'BEGIN { printf "feedclusterd speed-up over feedparser: %.0fx wall, %.0fx cpu\n", p / o, pc / oc }'
fi
