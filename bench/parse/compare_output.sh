#!/usr/bin/env bash
# Checks that two builds of feedclusterd print the same for every feed of the
# shared corpus: `parse --json` and the plain summary, byte for byte (exit status
# included). For changes to the parser that must not change what it reads.
#
# Usage: bench/parse/compare_output.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [CORPUS_DIR]
#   (CORPUS_DIR defaults to /work/shared/corpus/feeds)
# The summary's first ten entry lines include dates only, so "now" does not matter;
# --json prints no time of its own either.
set -euo pipefail

before="$1/daemon/feedclusterd"
after="$2/daemon/feedclusterd"
corpus="${3:-/work/shared/corpus/feeds}"

checked=0
differing=0
while IFS= read -r -d '' file; do
  for mode in --json ""; do
    expected="$("$before" parse $mode "$file" 2>&1; echo "exit $?")"
    actual="$("$after" parse $mode "$file" 2>&1; echo "exit $?")"
    checked=$((checked + 1))
    if [[ "$expected" != "$actual" ]]; then
      differing=$((differing + 1))
      echo "differs: parse $mode $file"
    fi
  done
done < <(find "$corpus" -type f \( -name '*.xml' -o -name '*.json' -o -name '*.rss' -o -name '*.atom' \) -print0 | sort -z)
echo "$checked outputs compared, $differing differ"
[[ "$differing" -eq 0 ]]
