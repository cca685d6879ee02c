#!/usr/bin/env bash
# Prints the cross-task tables of docs/RESULTS.md from what tools/results/loihi_task.sh left in results/<task>/,
# so every figure there is read from a run's own log or JSON report, never copied by hand.
# Usage: tools/results/summary.sh [TASK…]   (default: every results/<task>/ holding a ptq-report.json)
# Needs jq. A step that has not run yet shows as "–".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v jq >/dev/null || { echo "summary.sh needs jq (apt-get install jq)" >&2; exit 1; }

tasks=("$@")
if [ ${#tasks[@]} -eq 0 ]; then
  for d in "$root"/results/*/; do [ -f "$d/ptq-report.json" ] && tasks+=("$(basename "$d")"); done
fi
[ ${#tasks[@]} -gt 0 ] || { echo "no results/<task>/ptq-report.json yet: run tools/results/loihi_task.sh TASK" >&2; exit 1; }

# float accuracy as printed by `s4d eval` ("accuracy 99.47% (9947/10000)")
float_acc() { grep -o 'accuracy [0-9.]*%' "$1" 2>/dev/null | head -1 | cut -d' ' -f2 || true; }
# a report's accuracy in percent with two decimals, or "–"
report_acc() { [ -f "$1" ] && jq -r '.accuracy * 100 | . * 100 | round / 100 | tostring + "%"' "$1" || echo "–"; }
# difference in points between two "NN.NN%" figures
diff_points() {
  case "$1$2" in *–*|"") echo "–"; return;; esac
  awk -v a="${1%\%}" -v b="${2%\%}" 'BEGIN { printf "%+.2f", a - b }'
}
saturations() { [ -f "$1" ] && jq -r '[.saturations[]] | add' "$1" || echo "–"; }

echo "| task | float | PTQ, fixed-point | vs float | QAFT, fixed-point | vs float | saturations (PTQ / QAFT) |"
echo "|---|---|---|---|---|---|---|"
for t in "${tasks[@]}"; do
  r="$root/results/$t"
  f="$(float_acc "$r/float-eval.log")"; f="${f:-–}"
  p="$(report_acc "$r/ptq-report.json")"; q="$(report_acc "$r/qaft-report.json")"
  echo "| $t | $f | $p | $(diff_points "$p" "$f") | $q | $(diff_points "$q" "$f") | $(saturations "$r/ptq-report.json") / $(saturations "$r/qaft-report.json") |"
done

echo
echo "| task | model | cores (fewest) | step µs | latency (steps, µs) | tokens/s | µJ/token (dynamic + static) | synaptic ops/token | relu sparsity |"
echo "|---|---|---|---|---|---|---|---|---|"
for t in "${tasks[@]}"; do
  for kind in qaft ptq; do
    rep="$root/results/$t/$kind-report.json"
    [ -f "$rep" ] || continue
    jq -r --arg t "$t" --arg k "$kind" '
      def r(n): . * pow(10; n) | round / pow(10; n);
      [ $t, ($k | ascii_upcase),
        (.cores | tostring),
        (.step_ns / 1000 | r(1) | tostring),
        "\(.latency_steps), \(.latency_us | r(0))",
        (.tokens_per_s | round | tostring),
        "\(.energy_uj_per_token | r(1)) (\(.energy_dynamic_uj_per_token | r(1)) + \(.energy_static_uj_per_token | r(1)))",
        (.synops_per_token | round | tostring),
        ([.sparsity | to_entries[] | select(.key | startswith("relu")) | .value | r(2) | tostring] | join(", "))
      ] | "| " + join(" | ") + " |"' "$rep"
    break
  done
done

echo
echo "| task | neurons per core at most | cores | step µs | latency µs | tokens/s | µJ/token (samples) |"
echo "|---|---|---|---|---|---|---|"
for t in "${tasks[@]}"; do
  for cap in 1024 512 256; do
    rep="$root/results/$t/cores-$cap-report.json"
    [ -f "$rep" ] || continue
    jq -r --arg t "$t" --arg cap "$cap" '
      def r(n): . * pow(10; n) | round / pow(10; n);
      "| \($t) | \($cap) | \(.cores) | \(.step_ns / 1000 | r(1)) | \(.latency_us | r(0)) | \(.tokens_per_s | round) | \(.energy_uj_per_token | r(1)) (\(.samples)) |"' "$rep"
  done
done

echo
echo "| task | sigma-delta threshold | samples | accuracy | synaptic ops/token | messages/token | µJ/token (dynamic + static) |"
echo "|---|---|---|---|---|---|---|"
for t in "${tasks[@]}"; do
  # the plain run (no sigma-delta) of the same model, for comparison: QAFT if it ran, else PTQ
  for kind in qaft ptq; do
    rep="$root/results/$t/$kind-report.json"
    [ -f "$rep" ] || continue
    row_of() { jq -r --arg t "$t" --arg th "$2" '
      def r(n): . * pow(10; n) | round / pow(10; n);
      "| \($t) | \($th) | \(.samples) | \(.accuracy * 100 | r(2))% | \(.synops_per_token | round) | \(.messages_per_token | round) | \(.energy_uj_per_token | r(1)) (\(.energy_dynamic_uj_per_token | r(2)) + \(.energy_static_uj_per_token | r(1))) |"' "$1"; }
    row_of "$rep" "off ($(echo "$kind" | tr a-z A-Z) model)"
    for th in 0 0.01; do
      sd="$root/results/$t/sigma-delta-$th-report.json"
      [ -f "$sd" ] && row_of "$sd" "$th"
    done
    break
  done
done
