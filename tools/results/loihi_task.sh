#!/usr/bin/env bash
# Everything docs/RESULTS.md reports for one task's trained loihi-flavour model:
#   float accuracy (conv engine), PTQ and QAFT models in the fixed-point engine with the cost report,
#   sigma-delta at two thresholds, a neurons-per-core sweep of the mapping, and the width/threshold ablation.
# Usage: tools/results/loihi_task.sh TASK [QAFT_EPOCHS] [ABLATION_SAMPLES]
#   reads models/TASK-loihi.safetensors, writes models/TASK-loihi-q.safetensors (the QAFT model, or the
#   PTQ one with QAFT_EPOCHS=0) and results/TASK/ (logs, JSON reports, ablation tables and plots).
# Long: the full test split runs several times through the integer engine (minutes each on two cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
task="${1:?usage: loihi_task.sh TASK [QAFT_EPOCHS] [ABLATION_SAMPLES]}"
qaft="${2:-2}"
ablation="${3:-1000}"
s4d="$root/s4d"
model="$root/models/$task-loihi.safetensors"
out="$root/results/$task"
work="$out/work"
mkdir -p "$out" "$work"
[ -f "$model" ] || { echo "no trained model $model" >&2; exit 1; }

run() { local name="$1"; shift; echo "== $name: s4d $*" | tee "$out/$name.log"; "$s4d" "$@" 2> >(grep -v '\[=*>* *\]' >&2) | tee -a "$out/$name.log"; }

run float-eval eval --model "$model" --dataset "$task"
run ptq quantize --model "$model" --dataset "$task" --out "$work/ptq.safetensors"
run ptq-loihi loihi --model "$work/ptq.safetensors" --dataset "$task" --report "$out/ptq-report.json"
if [ "$qaft" -gt 0 ]; then
  resume=""; [ -f "$work/qaft.safetensors.qaft/checkpoint.safetensors" ] && resume="--resume"
  run qaft quantize --model "$model" --dataset "$task" --qaft-epochs "$qaft" $resume --out "$work/qaft.safetensors"
  run qaft-loihi loihi --model "$work/qaft.safetensors" --dataset "$task" --report "$out/qaft-report.json"
  cp "$work/qaft.safetensors" "$root/models/$task-loihi-q.safetensors"
else
  cp "$work/ptq.safetensors" "$root/models/$task-loihi-q.safetensors"
fi
q="$root/models/$task-loihi-q.safetensors"
for t in 0 0.01; do
  run "sigma-delta-$t" loihi --model "$q" --dataset "$task" --sigma-delta "$t" --report "$out/sigma-delta-$t-report.json"
done
for cap in 1024 512 256; do
  run "cores-$cap" loihi --model "$q" --dataset "$task" --limit 200 --max-neurons-per-core "$cap" --report "$out/cores-$cap-report.json"
done
run stream loihi --model "$q" --dataset "$task" --limit 20 --stream --streams 1
run ablation ablate --model "$model" --dataset "$task" --limit "$ablation" --out "$out/ablation"
echo "results in $out"
