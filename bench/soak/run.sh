#!/usr/bin/env bash
# Soak benchmark: feedclusterd (a Release build) runs for a set time against
# 2,000 loopback sources that change every few seconds, some faulty, with a
# private throwaway PostgreSQL. See bench/soak/README.md.
#
# Usage: bench/soak/run.sh BUILD_DIR [--minutes N | --seconds N] [--sources N] [--interval 30s] [--warmup N]
#                          [--article-time-scale N] [--no-faults]
#   BUILD_DIR: a Release build with the feedclusterd target built, e.g.
#     cmake -S . -B build-soak -DCMAKE_BUILD_TYPE=Release -DFCD_BUILD_TESTS=OFF -DFCD_BUILD_BENCH=OFF
#     cmake --build build-soak -j2 --target feedclusterd
# Default: 10 minutes measured after a 60 s warm-up.
# PG_PORT picks the PostgreSQL port (default: a free one).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:?usage: bench/soak/run.sh BUILD_DIR [--minutes N | --seconds N] [--sources N] [--interval 30s]}
shift
binary="$build/daemon/feedclusterd"
[[ -x "$binary" ]] || { echo "soak: no $binary; build the feedclusterd target first" >&2; exit 2; }
if grep -q '^CMAKE_BUILD_TYPE:STRING=Release' "$build/CMakeCache.txt" 2>/dev/null; then :; else
  echo "soak: warning: $build is not a Release build; figures will not be representative" >&2
fi

seconds=600
args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes) seconds=$(($2 * 60)); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --sources|--interval|--warmup|--seed|--article-time-scale) args+=("$1" "$2"); shift 2 ;;
    --no-faults) args+=("$1"); shift ;;
    *) echo "soak: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=../../scripts/lib/postgres.sh
source "$root/scripts/lib/postgres.sh"
pgdir=$(mktemp -d /tmp/fcd-soak-pg.XXXXXX)
chmod 755 "$pgdir"
port=${PG_PORT:-$(pg_free_port)}
cleanup() { pg_stop "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT
pg_init "$pgdir"
PG_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" pg_start "$pgdir" "$port"

echo "soak: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), $("$binary" version)"
python3 "$here/soak.py" "$binary" "$(pg_url "$port")" --seconds "$seconds" "${args[@]}"
