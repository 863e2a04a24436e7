#!/usr/bin/env bash
# Submit a season as a Slurm job array of SHARDS tasks, then the report, which runs after
# every task has ended (afterany: also when some failed, so the report says which).
# Slurm does not retry a task that exits 1: resubmit the failed ones (sacct -j <array>
# --state=FAILED lists them) with S2CLOUD_SHARDS=N sbatch --array=3,7 s2cloud-array.sbatch LIST OUT.
#
#   deploy/slurm/submit.sh LIST OUT [SHARDS]
set -euo pipefail
list="${1:?give the product list (or folder)}"
out="${2:?give the output folder}"
shards="${3:-8}"
here="$(dirname "$0")"
S2CLOUD="${S2CLOUD:-s2cloud}"

# The tasks get S2CLOUD_SHARDS (sbatch passes the environment on): shard = task id / N.
array_id=$(S2CLOUD_SHARDS="$shards" sbatch --parsable --array="0-$((shards - 1))" \
  "$here/s2cloud-array.sbatch" "$list" "$out")
echo "array job ${array_id}: ${shards} shards"
sbatch --parsable --dependency="afterany:${array_id}" --job-name=s2cloud-report \
  --cpus-per-task=1 --mem=1G --output=s2cloud-report-%j.log \
  --wrap="$S2CLOUD batch report '$out'"
