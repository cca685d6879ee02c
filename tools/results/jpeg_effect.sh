#!/usr/bin/env bash
# How much the JPEG-decoded CIFAR-10 copy in ../shared/data changes a model's sCIFAR test accuracy. The
# copy ships the original pixels of its first 1,000 test pictures as well
# (cifar10/exact_subset/test_first1000_exact.bin); each model classifies those 1,000 twice, as decoded
# from JPEG (the copy every sCIFAR figure uses) and with their original pixels, and the pictures whose
# answer turned right or wrong are counted (the difference is paired: same pictures, same model).
# Usage: tools/results/jpeg_effect.sh MODEL[+MODEL…] …
#   MODEL+MODEL classifies by the mean class probability of the models, as s4d eval --ensemble does.
# Prints a Markdown table; writes only to a temporary directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ $# -gt 0 ] || { echo "usage: tools/results/jpeg_effect.sh MODEL[+MODEL…] …" >&2; exit 2; }
data="${S4D_DATA_DIR:-$root/../shared/data}"
exact="$data/cifar10/exact_subset/test_first1000_exact.bin"
[ -f "$exact" ] || { echo "jpeg_effect: no $exact (only the JPEG-decoded copy has it)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A data directory whose test split is the exact pictures; the training files are the copy's own.
mkdir -p "$work/exact/cifar10"
for f in "$data"/cifar10/data_batch_*.bin "$data"/cifar10/batches.meta.txt; do ln -s "$f" "$work/exact/cifar10/"; done
ln -s "$exact" "$work/exact/cifar10/test_batch.bin"

# Writes "index prediction label" lines for the first 1000 test pictures of data directory $2.
classify() {
  local spec="$1" dir="$2" out="$3" args=()
  IFS='+' read -r -a parts <<< "$spec"
  args=(--model "${parts[0]}")
  for m in "${parts[@]:1}"; do args+=(--ensemble "$m"); done
  "$root/s4d" eval "${args[@]}" --dataset scifar --data-dir "$dir" --limit 1000 --offline \
      --predictions "$work/p.jsonl" > "$work/eval.log" 2>&1 || { cat "$work/eval.log" >&2; exit 1; }
  sed -E 's/^\{"index":([0-9]+),"label":([0-9]+),"prediction":([0-9]+),.*/\1 \3 \2/' "$work/p.jsonl" > "$out"
  if grep -qvE '^[0-9]+ [0-9]+ [0-9]+$' "$out"; then
    echo "jpeg_effect: s4d eval --predictions wrote lines not of the form {\"index\":…,\"label\":…,\"prediction\":…}" >&2; exit 1
  fi
}

echo "| model | JPEG-decoded | original pixels | difference | turned right / turned wrong |"
echo "|---|---|---|---|---|"
for spec in "$@"; do
  classify "$spec" "$data" "$work/jpeg.txt"
  classify "$spec" "$work/exact" "$work/exact.txt"
  paste -d' ' "$work/jpeg.txt" "$work/exact.txt" | awk -v spec="$spec" '
    $1 != $4 { print "jpeg_effect: the two runs list different pictures" > "/dev/stderr"; exit 1 }
    { n++; j += ($2 == $3); e += ($5 == $6); up += ($2 != $3 && $5 == $6); down += ($2 == $3 && $5 != $6) }
    END { printf "| `%s` | %.1f%% | %.1f%% | %+.1f points | %d / %d |\n", spec, 100 * j / n, 100 * e / n, 100 * (e - j) / n, up, down }'
done
echo
echo "(first 1,000 test pictures of CIFAR-10; conv engine)"
