#!/usr/bin/env bash
# Everything docs/RESULTS.md reports for one task's trained loihi-flavour model:
#   float accuracy (conv engine); the PTQ model in the fixed-point engine with its cost report; sigma-delta
#   at two thresholds; a neurons-per-core sweep of the mapping; the width/threshold ablation; and last,
#   quantisation-aware fine-tuning and the QAFT model in the fixed-point engine.
# Usage: [QAFT_OPTS="…"] tools/results/loihi_task.sh TASK [QAFT_EPOCHS] [ABLATION_SAMPLES] [SIGMA_DELTA_SAMPLES]
#   (SIGMA_DELTA_SAMPLES: test samples of the two sigma-delta runs, default the whole split; sCIFAR's
#   integer passes take the better part of an hour each on two cores; QAFT_OPTS: more options of the QAFT
#   quantize step, so fine-tuning follows the float run's recipe, e.g. "--qaft-seed 1 --qaft-dropout 0
#   --qaft-augment flip+translate+cutout"; the committed smnist and psmnist results ran without)
#   reads models/TASK-loihi.safetensors, writes results/TASK/ (a log per step, JSON reports, ablation tables
#   and plots) and models/TASK-loihi-q.safetensors (the QAFT model once it exists, the PTQ one before).
# Restartable: a step whose log ended in success is skipped, and QAFT resumes from its checkpoint, so a run
# cut short continues where it stopped. Long: the full test split goes through the integer engine several
# times (minutes each on two cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
task="${1:?usage: loihi_task.sh TASK [QAFT_EPOCHS] [ABLATION_SAMPLES]}"
qaft="${2:-2}"
ablation="${3:-1000}"
sd_limit=()
[ -n "${4:-}" ] && sd_limit=(--limit "$4")
read -r -a qaft_opts <<< "${QAFT_OPTS:-}"
s4d="$root/s4d"
model="$root/models/$task-loihi.safetensors"
out="$root/results/$task"
work="$out/work"
mkdir -p "$out" "$work"
[ -f "$model" ] || { echo "no trained model $model" >&2; exit 1; }

# step NAME ARGS…: runs `s4d ARGS…` once, its output (progress lines to stderr only) in NAME.log; NAME.done marks success.
step() {
  local name="$1"; shift
  if [ -f "$out/$name.done" ]; then echo "== $name: done before, skipped"; return 0; fi
  # The log is NAME.log.part until the step succeeds, so an unfinished step never leaves a log that looks complete.
  echo "== $name: s4d $*" | tee "$out/$name.log.part"
  local start=$SECONDS
  # Progress lines go to this script's stderr, so a long step shows how far it is, but not into the step's log.
  "$s4d" "$@" 2>&1 | awk '/\] *[0-9]+% / { print > "/dev/stderr"; fflush("/dev/stderr"); next } { print; fflush() }' \
    | tee -a "$out/$name.log.part"
  echo "== $name: $((SECONDS - start)) s" | tee -a "$out/$name.log.part"
  mv "$out/$name.log.part" "$out/$name.log"
  touch "$out/$name.done"
}

q="$root/models/$task-loihi-q.safetensors"
step float-eval eval --model "$model" --dataset "$task"
step ptq quantize --model "$model" --dataset "$task" --out "$work/ptq.safetensors"
[ -f "$q" ] || cp "$work/ptq.safetensors" "$q"
step ptq-loihi loihi --model "$work/ptq.safetensors" --dataset "$task" --report "$out/ptq-report.json"
step stream loihi --model "$work/ptq.safetensors" --dataset "$task" --limit 20 --stream --streams 1
for cap in 1024 512 256; do
  step "cores-$cap" loihi --model "$work/ptq.safetensors" --dataset "$task" --limit 200 --max-neurons-per-core "$cap" \
    --report "$out/cores-$cap-report.json"
done
step ablation ablate --model "$model" --dataset "$task" --limit "$ablation" --out "$out/ablation"
# QAFT runs with quantize's default seed 0, while the shipped models were trained with --seed 1: its
# validation figures therefore include images the float model trained on. Nothing is chosen by them (the
# last fine-tuned model is quantised) and the test split is untouched; kept so the committed results
# reproduce. A new model passes its training seed (and dropout and augmentation) in QAFT_OPTS.
if [ "$qaft" -gt 0 ]; then
  resume=""; [ -f "$work/qaft.safetensors.qaft/checkpoint.safetensors" ] && resume="--resume"
  step qaft quantize --model "$model" --dataset "$task" --qaft-epochs "$qaft" "${qaft_opts[@]}" $resume --out "$work/qaft.safetensors"
  step qaft-loihi loihi --model "$work/qaft.safetensors" --dataset "$task" --report "$out/qaft-report.json"
  cp "$work/qaft.safetensors" "$q"
fi
for t in 0 0.01; do
  step "sigma-delta-$t" loihi --model "$q" --dataset "$task" --sigma-delta "$t" "${sd_limit[@]}" --report "$out/sigma-delta-$t-report.json"
done
echo "results in $out"
