#!/usr/bin/env bash
# Fetch-only polling benchmark: N seeded feeds served by nginx on 127.0.0.1,
# fetched by feedclusterd's fetcher (cold pass: all 200; warm pass with the
# ETags: all 304) and, as the ceiling, by curl --parallel --parallel-max 32.
#
#   bench/poll/run.sh [BUILD_DIR] [N=10000] [SEED=1] [CONCURRENCY=32]
#
# BUILD_DIR is a Release build with the fcd_poll_bench target built.
# FCD_POLL_BENCH_WRAPPER prefixes the fetcher run, e.g. "perf record -g -o /tmp/poll.perf".
set -euo pipefail

build=${1:-build-release}
count=${2:-10000}
seed=${3:-1}
concurrency=${4:-32}
bench="$build/bench/poll/fcd_poll_bench"
[[ -x $bench ]] || { echo "missing $bench: cmake --build $build --target fcd_poll_bench" >&2; exit 2; }
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || { echo "nginx not installed (nginx-light)" >&2; exit 2; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/fcd-poll-bench.XXXXXX)
nginx_started=0
cleanup() {
  if [[ $nginx_started == 1 && -f $work/nginx.pid ]]; then
    "$nginx_bin" -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null || kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  fi
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
  f=$(sed -E 's/.*= ([0-9.]+) feeds\/s.*/\1/' <<<"$1")
  c=$(sed -E 's/.*= ([0-9.]+) feeds\/s.*/\1/' <<<"$2")
  awk -v f="$f" -v c="$c" 'BEGIN { printf "%.2f", f / c }'
}
echo "ratio fetcher/curl feeds/s: cold $(ratio "$(grep 'fetcher cold' <<<"$fetcher_out")" "$curl_cold"), warm $(ratio "$(grep 'fetcher warm' <<<"$fetcher_out")" "$curl_warm")"
