#!/usr/bin/env bash
# CPU time to the millisecond, side by side: `perf stat` task-clock and page
# faults of `feedclusterd parse FEED` from each given build and of `sfeed < FEED`,
# the commands taking turns for ROUNDS rounds (so a change of machine load falls
# on all of them alike), then the median and the fastest of each.
#
# Usage: bench/parse/cpu_pairs.sh FEED BUILD_DIR...    (FCD_BENCH_ROUNDS, default 11)
# sfeed runs inside `bash -c` so that it can read the feed from stdin; the
# wrapper's own cost (about 1 ms) is printed as its own line.
set -euo pipefail

feed="$1"
shift
rounds="${FCD_BENCH_ROUNDS:-11}"

names=()
commands=()
for build in "$@"; do
  names+=("$build")
  commands+=("$build/daemon/feedclusterd parse $feed")
done
names+=("sfeed" "bash -c true")
commands+=("bash -c 'sfeed < $feed'" "bash -c true")

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
for ((round = 0; round < rounds; round++)); do
  for i in "${!commands[@]}"; do
    # -x, prints "value,unit,event,..." lines; the task-clock value is in ms.
    eval "perf stat -x, -e task-clock,page-faults -- ${commands[$i]}" 2>&1 >/dev/null |
      awk -F, '$3 ~ /^task-clock/ { ms = $1 } $3 ~ /^page-faults/ { faults = $1 } END { print ms, faults }' \
        >>"$results/$i"
  done
done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds"
printf "%-40s %10s %10s %10s\n" command median-ms fastest-ms faults
for i in "${!commands[@]}"; do
  sort -n "$results/$i" | awk -v name="${names[$i]}" '{ ms[NR] = $1; faults[NR] = $2 }
    END { m = int((NR + 1) / 2); printf "%-40s %10.1f %10.1f %10d\n", name, ms[m], ms[1], faults[m] }'
done
