#!/usr/bin/env bash
# Parse benchmark: times, in one run on the same generated feed,
#   feedclusterd parse FILE        (the full parse: every field, dates, text, ids)
#   the libxml2 SAX2 no-op parse   (the ceiling for any libxml2-based parser)
#   xmllint --stream --noout, sfeed, python3-feedparser
# and prints wall time, MB/s, items/s, peak RSS and the ratios.
#
# Usage: bench/parse/run.sh [BUILD_DIR]     (a Release build; default build-release)
#   FCD_BENCH_RUNS=N               best of N runs for the fast tools (default 3)
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

# run NAME COMMAND... : best wall time over $runs runs (one run for slow tools),
# peak RSS of that run; results in the assoc arrays below.
declare -A seconds rss
time_one() {
  local log
  log="$(mktemp)"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" </dev/null || { cat "$log" >&2; rm -f "$log"; return 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%s ", s }
              /Maximum resident set size/ { print $2 }' "$log"
  rm -f "$log"
}
run() {
  local name="$1" n="$2"
  shift 2
  local best="" best_rss=""
  for ((i = 0; i < n; i++)); do
    read -r s r < <(time_one "$@")
    if [[ -z "$best" ]] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best="$s"; best_rss="$r"; fi
  done
  seconds[$name]="$best"
  rss[$name]="$best_rss"
}

sfeed_in() { sfeed < "$feed"; }
export -f sfeed_in
export feed

run "feedclusterd parse" "$runs" "$feedclusterd" parse "$feed"
run "sax2 no-op" "$runs" "$noop" "$feed"
run "xmllint --stream" "$runs" xmllint --stream --noout "$feed"
run "sfeed" "$runs" bash -c sfeed_in
order=("feedclusterd parse" "sax2 no-op" "xmllint --stream" "sfeed")
if [[ "${FCD_BENCH_SKIP_FEEDPARSER:-0}" != 1 ]]; then
  run "python3-feedparser" 1 /usr/bin/python3 -c \
    'import sys, feedparser; d = feedparser.parse(sys.argv[1]); print(len(d.entries))' "$feed"
  order+=("python3-feedparser")
fi

printf "%-20s %9s %9s %12s %10s %10s\n" tool seconds MB/s items/s "peak MB" "RSS/file"
for name in "${order[@]}"; do
  awk -v name="$name" -v s="${seconds[$name]}" -v r="${rss[$name]}" -v b="$bytes" -v c="$count" 'BEGIN {
    printf "%-20s %9.3f %9.1f %12.0f %10.1f %10.2f\n", name, s, b / 1e6 / s, c / s, r / 1024, r * 1024 / b }'
done
echo
ours="${seconds[feedclusterd parse]}"
awk -v o="$ours" -v x="${seconds[sax2 no-op]}" -v f="${seconds[sfeed]}" -v r="${rss[feedclusterd parse]}" -v b="$bytes" 'BEGIN {
  printf "feedclusterd / sax2 no-op throughput: %.2f   (target >= 0.50)\n", x / o
  printf "feedclusterd / sfeed throughput:      %.2f   (target >= 1.00)\n", f / o
  printf "feedclusterd peak RSS / file size:    %.2f   (target <  3.00)\n", r * 1024 / b }'
if [[ -n "${seconds[python3-feedparser]:-}" ]]; then
  awk -v o="$ours" -v p="${seconds[python3-feedparser]}" 'BEGIN { printf "feedclusterd speed-up over feedparser: %.0fx\n", p / o }'
fi
