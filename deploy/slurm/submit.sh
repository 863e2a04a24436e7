#!/usr/bin/env bash
# Submit a season as a Slurm job array of SHARDS tasks, then the report, which runs after
# every task has ended (afterany: also when some failed, so the report says which).
#
#   deploy/slurm/submit.sh LIST OUT [SHARDS]
set -euo pipefail
list="${1:?give the product list (or folder)}"
out="${2:?give the output folder}"
shards="${3:-8}"
here="$(dirname "$0")"
S2CLOUD="${S2CLOUD:-s2cloud}"

array_id=$(sbatch --parsable --array="0-$((shards - 1))" "$here/s2cloud-array.sbatch" "$list" "$out")
echo "array job ${array_id}: ${shards} shards"
sbatch --parsable --dependency="afterany:${array_id}" --job-name=s2cloud-report \
  --cpus-per-task=1 --mem=1G --output=s2cloud-report-%j.log \
  --wrap="$S2CLOUD batch report '$out'"
