#!/usr/bin/env bash
# Polling benchmark: N seeded feeds served by nginx on 127.0.0.1.
#  1. fetch only: feedclusterd's fetcher (cold pass: all 200; warm pass with the
#     ETags: all 304) and, as the ceiling, curl --parallel --parallel-max 32;
#  2. the whole daemon: `feedclusterd import-opml` then `feedclusterd poll-once
#     --all` (fetch, parse, store) against a throwaway PostgreSQL, cold and
#     warm, under /usr/bin/time -v: once with clustering off, then into a
#     fresh database with clustering on (fetch, parse, store and cluster
#     every item; the articles placed, waiting and set aside are counted);
#  3. newsboat (`newsboat -x reload`, reload-threads = 32) over the first
#     NEWSBOAT_FEEDS feeds, with a timeout;
# and the ratios.
#
#   bench/poll/run.sh [BUILD_DIR] [N=10000] [SEED=1] [CONCURRENCY=32]
#
# BUILD_DIR is a Release build with the feedclusterd and fcd_poll_bench targets.
# Environment: FCD_POLL_BENCH_WRAPPER prefixes the fetcher run (e.g. "perf
# record -g -o /tmp/poll.perf"), FCD_DAEMON_WRAPPER the daemon's poll-once runs;
# PG_PORT (default: a free port), NEWSBOAT_FEEDS (1000), NEWSBOAT_TIMEOUT
# (seconds, 600); SKIP_NEWSBOAT=1 leaves newsboat out.
set -euo pipefail

build=${1:-build-release}
count=${2:-10000}
seed=${3:-1}
concurrency=${4:-32}
here=$(cd "$(dirname "$0")" && pwd)
bench="$build/bench/poll/fcd_poll_bench"
daemon="$build/daemon/feedclusterd"
[[ -x $bench ]] || { echo "missing $bench: cmake --build $build --target fcd_poll_bench" >&2; exit 2; }
[[ -x $daemon ]] || { echo "missing $daemon: cmake --build $build --target feedclusterd" >&2; exit 2; }
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || { echo "nginx not installed (nginx-light)" >&2; exit 2; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time not installed (time)" >&2; exit 2; }
# shellcheck source=../../scripts/lib/postgres.sh
source "$here/../../scripts/lib/postgres.sh"

work=$(mktemp -d /tmp/fcd-poll-bench.XXXXXX)
chmod 755 "$work"  # the PostgreSQL server may run as another user
nginx_started=0
cleanup() {
  if [[ $nginx_started == 1 && -f $work/nginx.pid ]]; then
    "$nginx_bin" -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null || kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  fi
  pg_stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

"$bench" generate "$work" "$count" "$seed"
port=$("$bench" free-port)
mkdir -p "$work/tmp" "$work/logs"
user_line=""
[[ $(id -u) == 0 ]] && user_line="user $(id -un);"
cat > "$work/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  types { application/rss+xml xml; }
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    root $work/feeds;
  }
}
CONF
"$nginx_bin" -p "$work" -c "$work/nginx.conf"
nginx_started=1
base="http://127.0.0.1:$port"

fetcher_out=$(${FCD_POLL_BENCH_WRAPPER:-} "$bench" fetch "$work" "$base" "$concurrency")
echo "$fetcher_out"

curl_pass() {  # name config -> one line of curl figures, with its status counts
  local name=$1 config=$2 wall user sys rss codes
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" \
    curl --parallel --parallel-max 32 -K "$config" >"$work/codes.txt" 2>"$work/curl-progress.txt"
  read -r wall user sys rss <"$work/time.txt"
  codes=$(sort "$work/codes.txt" | uniq -c | awk '{ printf " %s=%s", $2, $1 }')
  awk -v n="$count" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v name="$name" -v codes="$codes" 'BEGIN {
    printf "curl    %-4s: %d feeds in %.2f s = %.0f feeds/s, CPU %.2f s, peak RSS %.1f MB; outcomes:%s\n",
      name, n, w, n / w, u + s, r / 1024, codes }'
}
curl_cold=$(curl_pass cold "$work/curl-cold.cfg"); echo "$curl_cold"
curl_warm=$(curl_pass warm "$work/curl-warm.cfg"); echo "$curl_warm"

ratio() {  # fetcher line, curl line -> fetcher feeds/s over curl feeds/s
  local f c
  f=$(grep -m 1 'feeds/s' <<<"$1" | sed -E 's/.*= ([0-9.]+) feeds\/s.*/\1/')
  c=$(grep -m 1 'feeds/s' <<<"$2" | sed -E 's/.*= ([0-9.]+) feeds\/s.*/\1/')
  awk -v f="$f" -v c="$c" 'BEGIN { printf "%.2f", f / c }'
}
echo "ratio fetcher/curl feeds/s: cold $(ratio "$(grep 'fetcher cold' <<<"$fetcher_out")" "$curl_cold"), warm $(ratio "$(grep 'fetcher warm' <<<"$fetcher_out")" "$curl_warm")"

# ---- the daemon: import-opml, then poll-once --all cold and warm ----------
pg_init "$work/pg"
pg_port=${PG_PORT:-$(pg_free_port)}
pg_start "$work/pg" "$pg_port"
db_url=$(pg_url "$pg_port")
psql_bin="$(pg_bindir)/psql"
sql() { "$psql_bin" -X -A -t -q -d "$db_url" -c "$1"; }

awk -v base="$base" 'BEGIN { print "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>bench</title></head><body>" }
  NF { printf "<outline type=\"rss\" text=\"feed %d\" xmlUrl=\"%s%s\"/>\n", NR, base, $0 }
  END { print "</body></opml>" }' "$work/paths.txt" >"$work/feeds.opml"
# One host serves every feed: per-host politeness is opened up as far as the
# config allows, so the figures measure the daemon, not the token bucket.
# Each series (clustering off, then on) gets a database of its own on the same
# server: migrate, import-opml, then the cold and the warm pass.
write_config() {  # database-url cluster-enabled -> the config for that series
  cat >"$work/feedclusterd-$2.toml" <<CONF
[database]
url = "$1"
pool_size = 4
[log]
level = "warn"
[fetch]
max_concurrent = $((concurrency * 2))
max_per_host = $((concurrency * 2))
requests_per_minute_per_host = 100000
[cluster]
enabled = $2
[http]
listen = ""
[service]
worker_threads = 2
CONF
}
prepare_series() {  # cluster-enabled -> a migrated database with every feed imported
  local enabled=$1 db="bench_clustering_$1"
  sql "CREATE DATABASE $db"
  write_config "$(pg_url "$pg_port" "$db")" "$enabled"
  config="$work/feedclusterd-$enabled.toml"
  "$daemon" -c "$config" migrate >/dev/null
  "$daemon" -c "$config" import-opml "$work/feeds.opml" >"$work/import-$enabled.out"
  echo "import-opml (clustering $enabled): $(tail -n 1 "$work/import-$enabled.out")"
}

# CPU seconds of the PostgreSQL server so far: the postmaster and its exited
# backends (reaped, so counted in its children's times) and the live ones.
pg_cpu() {
  local pid ticks
  pid=$(head -n 1 "$work/pg/data/postmaster.pid")
  ticks=$(getconf CLK_TCK)
  { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat"
    for child in $(pgrep -P "$pid"); do awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null || true; done
  } | awk -v t="$ticks" '{ s += $1 } END { printf "%.2f", s / t }'
}

daemon_pass() {  # name config -> one line of daemon figures (and the time split)
  local name=$1 config=$2 wall cpu rss polled items split pg_before pg_after status=0
  pg_before=$(pg_cpu)
  /usr/bin/time -v -o "$work/$name.time" ${FCD_DAEMON_WRAPPER:-} \
    "$daemon" -c "$config" poll-once --all >"$work/$name.out" 2>"$work/$name.log" || status=$?
  if [[ $status != 0 ]]; then
    echo "daemon $name pass exited $status:" >&2
    tail -n 20 "$work/$name.log" >&2
  fi
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$work/$name.time")
  cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$work/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/$name.time")
  polled=$(grep -E '^[0-9]+ sources polled' "$work/$name.out")
  items=$(sed -E 's/.* errors, ([0-9]+) new and ([0-9]+) updated.*/\1 \2/' <<<"$polled")
  split=$(sed -n 's/^time summed over all polls: //p' "$work/$name.out")
  sleep 1  # the pass's backends exit and are reaped
  pg_after=$(pg_cpu)
  outcomes=$(grep -E '^http' "$work/$name.out" | awk '{ print $2 "_" $3 }' | tr -d ',' | sort | uniq -c | awk '{ printf " %s=%s", $2, $1 }')
  awk -v n="$count" -v w="$wall" -v c="$cpu" -v r="$rss" -v name="$name" -v items="$items" -v o="$outcomes" 'BEGIN {
    split(items, it, " ");
    printf "daemon  %-4s: %d feeds in %.2f s = %.0f feeds/s, %d new + %d updated items = %.0f items/s, CPU %.2f s, peak RSS %.1f MB; outcomes:%s\n",
      name, n, w, n / w, it[1], it[2], (it[1] + it[2]) / w, c, r / 1024, o }'
  echo "daemon  $name: $polled; time summed over polls: $split; PostgreSQL server CPU $(awk -v a="$pg_after" -v b="$pg_before" 'BEGIN { printf "%.2f", a - b }') s; exit $status"
  if grep -q '^clusterer time: ' "$work/$name.out"; then
    echo "daemon  $name: $(grep -E '^[0-9]+ articles clustered' "$work/$name.out"); clusterer time: $(sed -n 's/^clusterer time: //p' "$work/$name.out")"
  fi
}
stored() {  # cluster-enabled -> what the series' cold pass left in its database
  local url
  url=$(pg_url "$pg_port" "bench_clustering_$1")
  q() { "$psql_bin" -X -A -t -q -d "$url" -c "$1"; }
  echo "stored (clustering $1): $(q 'SELECT count(*) FROM articles') articles of $(q 'SELECT count(*) FROM sources') sources;" \
    "$(q 'SELECT count(*) FROM article_placements p WHERE story_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cluster_queue q WHERE q.article_id = p.article_id)') placed in" \
    "$(q 'SELECT count(*) FROM latest_stories') stories, $(q 'SELECT count(*) FROM cluster_queue') waiting," \
    "$(q 'SELECT count(*) FROM cluster_set_aside') set aside"
}

prepare_series false
daemon_cold=$(daemon_pass cold "$work/feedclusterd-false.toml"); echo "$daemon_cold"
stored false
daemon_warm=$(daemon_pass warm "$work/feedclusterd-false.toml"); echo "$daemon_warm"

prepare_series true
daemon_cold_clustered=$(daemon_pass cold-clustering "$work/feedclusterd-true.toml"); echo "$daemon_cold_clustered"
stored true
daemon_warm_clustered=$(daemon_pass warm-clustering "$work/feedclusterd-true.toml"); echo "$daemon_warm_clustered"

# ---- newsboat over the first NEWSBOAT_FEEDS feeds ----------------------------
newsboat_line=""
if [[ ${SKIP_NEWSBOAT:-0} != 1 ]] && command -v newsboat >/dev/null; then
  nb_count=${NEWSBOAT_FEEDS:-1000}
  nb_timeout=${NEWSBOAT_TIMEOUT:-600}
  head -n "$nb_count" "$work/paths.txt" | sed "s|^|$base|" >"$work/newsboat.urls"
  nb_count=$(wc -l <"$work/newsboat.urls")
  printf 'reload-threads 32\nshow-read-feeds yes\n' >"$work/newsboat.conf"
  nb_status=0
  /usr/bin/time -f "%e %U %S %M" -o "$work/newsboat.time" timeout "$nb_timeout" \
    newsboat -x reload -u "$work/newsboat.urls" -c "$work/newsboat.db" -C "$work/newsboat.conf" \
    >"$work/newsboat.out" 2>&1 || nb_status=$?
  nb_items=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM rss_item").fetchone()[0])' "$work/newsboat.db" 2>/dev/null || echo 0)
  read -r wall user sys rss < <(tail -n 1 "$work/newsboat.time")
  if [[ $nb_status == 124 ]]; then
    newsboat_line=$(awk -v n="$nb_count" -v t="$nb_timeout" -v i="$nb_items" -v u="$user" -v s="$sys" -v r="$rss" 'BEGIN {
      printf "newsboat cold: %d feeds NOT finished within the %d s timeout (%d items stored by then = %.1f items/s), CPU %.2f s, peak RSS %.1f MB\n", n, t, i, i / t, u + s, r / 1024 }')
  else
    newsboat_line=$(awk -v n="$nb_count" -v w="$wall" -v i="$nb_items" -v u="$user" -v s="$sys" -v r="$rss" -v st="$nb_status" 'BEGIN {
      printf "newsboat cold: %d feeds in %.2f s = %.1f feeds/s, %d items = %.0f items/s, CPU %.2f s, peak RSS %.1f MB (exit %d)\n", n, w, n / w, i, i / w, u + s, r / 1024, st }')
  fi
  echo "$newsboat_line"
fi

# ---- ratios ---------------------------------------------------------------
echo "ratio daemon/curl feeds/s: cold $(ratio "$daemon_cold" "$curl_cold"), warm $(ratio "$daemon_warm" "$curl_warm")"
if [[ $newsboat_line == *"feeds/s"* ]]; then
  echo "ratio daemon/newsboat feeds/s (cold): $(ratio "$daemon_cold" "$newsboat_line")"
elif [[ -n $newsboat_line ]]; then
  nb_rate=$(awk -v i="$nb_items" -v t="${NEWSBOAT_TIMEOUT:-600}" 'BEGIN { printf "%.3f", i / t }')
  d_rate=$(sed -E 's/.*= ([0-9.]+) items\/s.*/\1/' <<<"$daemon_cold")
  echo "ratio daemon/newsboat items/s (cold, newsboat timed out): $(awk -v d="$d_rate" -v b="$nb_rate" 'BEGIN { printf "%.0f", b > 0 ? d / b : 0 }')"
fi
