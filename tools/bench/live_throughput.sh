#!/usr/bin/env bash
# Throughput of `s4d live` (text in, a prediction per token out) against the engine alone (`s4d stream`),
# both on K concurrent streams of a model, back to back.
# Usage: tools/bench/live_throughput.sh [MODEL] [K] [ROUNDS]   (defaults: models/smnist-loihi.safetensors 64 8)
# Input: ROUNDS sequences of 784 random tokens for each of K named streams, interleaved token by token, each
# sequence ended by 'NAME: reset' (K × 785 × ROUNDS lines). Time: wall time of `s4d live` over the input minus
# its wall time over an empty input (JVM start, model load), so the rate is that of the running session.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
model="${1:-$root/models/smnist-loihi.safetensors}"
k="${2:-64}"
rounds="${3:-8}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
awk -v k="$k" -v rounds="$rounds" 'BEGIN { srand(2);
  for (r = 0; r < rounds; r++) { for (t = 0; t < 784; t++) for (s = 0; s < k; s++) printf "s%d: %.3f\n", s, rand();
                                 for (s = 0; s < k; s++) printf "s%d: reset\n", s } }' > "$work/in.txt"
: > "$work/empty.txt"
tokens=$((k * 784 * rounds))
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'; }
"$root/s4d" live --model "$model" --input "$work/empty.txt" > /dev/null 2>&1   # builds if needed
base=$(seconds "$root/s4d" live --model "$model" --input "$work/empty.txt")
for i in 1 2 3; do
  full=$(seconds "$root/s4d" live --model "$model" --streams "$k" --input "$work/in.txt")
  awk -v k="$k" -v n="$tokens" -v full="$full" -v base="$base" 'BEGIN {
    printf "s4d live, %d streams: %.0f tokens/s (%d tokens in %.2f s after %.2f s of start-up)\n", k, n / (full - base), n, full - base, base }'
done
echo "the engine alone, same streams (s4d stream on sMNIST test samples):"
"$root/s4d" stream --model "$model" --dataset smnist --streams "$k" --limit $((k * rounds)) 2>/dev/null | grep throughput
