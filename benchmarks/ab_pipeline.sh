#!/usr/bin/env bash
# A/B of the pipeline benchmark: two checkouts, alternated (old, new, old, new), so both
# sides see the same machine. Usage, from the repo root:
#   git worktree add /tmp/old 2f3bf9f
#   N=2000 bash benchmarks/ab_pipeline.sh /tmp/old .
# Writes /tmp/abN_{old,new}_{1,2}.{log,json}; the logs end with each run's tables.
set -u
OLD=$1; NEW=$2; N=${N:-2000}; PY=$(pwd)/.venv/bin/python
for i in 1 2; do
  for side in old new; do
    root=$NEW; [ "$side" = old ] && root=$OLD
    start=$(date +%s)
    (cd "$root" && "$PY" benchmarks/pipeline_benchmark.py --pages "$N" \
        --json "/tmp/ab${N}_${side}_$i.json" > "/tmp/ab${N}_${side}_$i.log" 2>&1)
    echo "$side $i $(( $(date +%s) - start ))s load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
