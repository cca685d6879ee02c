#!/usr/bin/env bash
# Runs s4d bench and the PyTorch speed script on both presets, one after the other on the same
# machine, so docs/BENCHMARKS.md compares figures measured in one sitting. Needs Debian's
# python3-torch for the PyTorch half (skipped with a note when it is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repeats="${REPEATS:-5}"
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)|L2|L3" || true; date -u
for preset in small large; do
  echo; echo "== s4d bench --preset $preset"
  ./s4d bench --preset "$preset" --repeats "$repeats" 2>&1 | grep -v "^WARNING: Using incubator"
  echo; echo "== PyTorch, preset $preset"
  if /usr/bin/python3 -c "import torch" 2>/dev/null; then
    /usr/bin/python3 tools/bench/pytorch_speed.py --preset "$preset" --repeats "$repeats"
  else
    echo "(python3-torch not installed: apt-get install python3-torch)"
  fi
done
